// Pod validation: upstream's ValidatePodCreate for the fields kubenode models.
#include <algorithm>
#include <cctype>
#include <set>

#include "api/names.h"
#include "api/validate.h"

namespace kubenode::api {
namespace {

constexpr char kNonNegative[] = "must be greater than or equal to 0";

std::string Index(const std::string& path, size_t i) { return path + "[" + std::to_string(i) + "]"; }

void Append(FieldErrors& to, const FieldErrors& from) { to.insert(to.end(), from.begin(), from.end()); }

void ValidateNonNegative(FieldErrors& errs, int64_t value, const std::string& path) {
  if (value < 0) errs.push_back(field::Invalid(path, value, kNonNegative));
}

// Exactly one of exec, httpGet and tcpSocket; the second one set is the one reported.
void ValidateHandler(FieldErrors& errs, const Handler& h, const std::string& path) {
  int count = 0;
  auto count_one = [&](bool set, const char* name) {
    if (!set) return;
    if (++count > 1) errs.push_back(field::Forbidden(path + "." + name, "may not specify more than 1 handler type"));
  };
  count_one(h.exec.has_value(), "exec");
  count_one(h.http_get.has_value(), "httpGet");
  count_one(h.tcp_socket.has_value(), "tcpSocket");
  if (count == 0) {
    errs.push_back(field::Required(path, "must specify a handler type"));
    return;
  }
  if (h.exec && h.exec->command.empty()) errs.push_back(field::Required(path + ".exec.command"));
  if (h.http_get) {
    const std::string get = path + ".httpGet";
    Append(errs, ValidatePortNumOrName(h.http_get->port, get + ".port"));
    if (h.http_get->scheme != "HTTP" && h.http_get->scheme != "HTTPS") {
      errs.push_back(field::NotSupported(get + ".scheme", h.http_get->scheme, {"HTTP", "HTTPS"}));
    }
    for (size_t i = 0; i < h.http_get->http_headers.size(); ++i) {
      const std::string& name = h.http_get->http_headers[i].name;
      for (const auto& msg : IsHTTPHeaderName(name)) {
        errs.push_back(field::Invalid(Index(get + ".httpHeaders", i) + ".name", name, msg));
      }
    }
  }
  if (h.tcp_socket) Append(errs, ValidatePortNumOrName(h.tcp_socket->port, path + ".tcpSocket.port"));
}

void ValidateProbe(FieldErrors& errs, const std::optional<Probe>& probe, const std::string& path,
                   bool success_must_be_one) {
  if (!probe) return;
  ValidateHandler(errs, probe->handler, path);
  ValidateNonNegative(errs, probe->initial_delay_seconds, path + ".initialDelaySeconds");
  ValidateNonNegative(errs, probe->timeout_seconds, path + ".timeoutSeconds");
  ValidateNonNegative(errs, probe->period_seconds, path + ".periodSeconds");
  ValidateNonNegative(errs, probe->success_threshold, path + ".successThreshold");
  ValidateNonNegative(errs, probe->failure_threshold, path + ".failureThreshold");
  if (success_must_be_one && probe->success_threshold != 1) {
    errs.push_back(field::Invalid(path + ".successThreshold", probe->success_threshold, "must be 1"));
  }
  if (probe->termination_grace_period_seconds && *probe->termination_grace_period_seconds <= 0) {
    errs.push_back(field::Invalid(path + ".terminationGracePeriodSeconds", *probe->termination_grace_period_seconds,
                                  "must be greater than 0"));
  }
}

void ValidatePorts(FieldErrors& errs, const Container& c, const std::string& path, bool host_network) {
  std::set<std::string> names;
  for (size_t i = 0; i < c.ports.size(); ++i) {
    const ContainerPort& port = c.ports[i];
    const std::string port_path = Index(path + ".ports", i);
    if (!port.name.empty()) {
      for (const auto& msg : IsValidPortName(port.name)) errs.push_back(field::Invalid(port_path + ".name", port.name, msg));
      if (!names.insert(port.name).second) errs.push_back(field::Duplicate(port_path + ".name", port.name));
    }
    if (port.container_port == 0) {
      errs.push_back(field::Required(port_path + ".containerPort"));
    } else {
      for (const auto& msg : IsValidPortNum(port.container_port)) {
        errs.push_back(field::Invalid(port_path + ".containerPort", port.container_port, msg));
      }
    }
    if (port.host_port != 0) {
      for (const auto& msg : IsValidPortNum(port.host_port)) {
        errs.push_back(field::Invalid(port_path + ".hostPort", port.host_port, msg));
      }
      if (host_network && port.host_port != port.container_port) {
        errs.push_back(field::Invalid(port_path + ".hostPort", port.host_port,
                                      "must match `containerPort` when `hostNetwork` is true"));
      }
    }
  }
}

void ValidateMounts(FieldErrors& errs, const Container& c, const std::string& path, const std::set<std::string>& volumes) {
  std::set<std::string> mount_paths;
  for (size_t i = 0; i < c.volume_mounts.size(); ++i) {
    const VolumeMount& mount = c.volume_mounts[i];
    const std::string mount_path = Index(path + ".volumeMounts", i);
    if (mount.name.empty()) {
      errs.push_back(field::Required(mount_path + ".name"));
    } else if (!volumes.count(mount.name)) {
      errs.push_back(field::NotFound(mount_path + ".name", mount.name));
    }
    if (mount.mount_path.empty()) {
      errs.push_back(field::Required(mount_path + ".mountPath"));
    } else if (!mount_paths.insert(mount.mount_path).second) {
      errs.push_back(field::Invalid(mount_path + ".mountPath", mount.mount_path, "must be unique"));
    }
    if (!mount.sub_path.empty()) {
      if (mount.sub_path.front() == '/') {
        errs.push_back(field::Invalid(mount_path + ".subPath", mount.sub_path, "must be a relative path"));
      }
      std::string padded = "/" + mount.sub_path + "/";
      if (padded.find("/../") != std::string::npos) {
        errs.push_back(field::Invalid(mount_path + ".subPath", mount.sub_path, "must not contain '..'"));
      }
    }
  }
}

void ValidateContainers(FieldErrors& errs, const std::vector<Container>& containers, const std::string& path,
                        bool init, const PodSpec& spec, const std::set<std::string>& volumes,
                        std::set<std::string>& names) {
  for (size_t i = 0; i < containers.size(); ++i) {
    const Container& c = containers[i];
    const std::string c_path = Index(path, i);
    if (c.name.empty()) {
      errs.push_back(field::Required(c_path + ".name"));
    } else {
      for (const auto& msg : IsDNS1123Label(c.name)) errs.push_back(field::Invalid(c_path + ".name", c.name, msg));
      if (!names.insert(c.name).second) errs.push_back(field::Duplicate(c_path + ".name", c.name));
    }
    if (c.image.empty()) {
      errs.push_back(field::Required(c_path + ".image"));
    } else if (std::isspace(static_cast<unsigned char>(c.image.front())) ||
               std::isspace(static_cast<unsigned char>(c.image.back()))) {
      errs.push_back(field::Invalid(c_path + ".image", c.image, "must not have leading or trailing whitespace"));
    }
    for (size_t e = 0; e < c.env.size(); ++e) {
      const std::string env_path = Index(c_path + ".env", e) + ".name";
      if (c.env[e].name.empty()) {
        errs.push_back(field::Required(env_path));
      } else {
        for (const auto& msg : IsEnvVarName(c.env[e].name)) errs.push_back(field::Invalid(env_path, c.env[e].name, msg));
      }
    }
    ValidatePorts(errs, c, c_path, spec.host_network);
    ValidateMounts(errs, c, c_path, volumes);
    if (init) {
      // Init containers run to completion, so probes have nothing to watch (upstream forbids them too).
      if (c.liveness_probe) errs.push_back(field::Forbidden(c_path + ".livenessProbe", "may not be set for init containers"));
      if (c.readiness_probe) errs.push_back(field::Forbidden(c_path + ".readinessProbe", "may not be set for init containers"));
      if (c.startup_probe) errs.push_back(field::Forbidden(c_path + ".startupProbe", "may not be set for init containers"));
      if (c.lifecycle) errs.push_back(field::Forbidden(c_path + ".lifecycle", "may not be set for init containers"));
    } else {
      ValidateProbe(errs, c.liveness_probe, c_path + ".livenessProbe", true);
      ValidateProbe(errs, c.readiness_probe, c_path + ".readinessProbe", false);
      ValidateProbe(errs, c.startup_probe, c_path + ".startupProbe", true);
      if (c.lifecycle) {
        if (c.lifecycle->post_start) ValidateHandler(errs, *c.lifecycle->post_start, c_path + ".lifecycle.postStart");
        if (c.lifecycle->pre_stop) ValidateHandler(errs, *c.lifecycle->pre_stop, c_path + ".lifecycle.preStop");
      }
    }
  }
}

// Containers of a pod share one network namespace, so a port+protocol can be listened on only once.
void ValidateUniquePorts(FieldErrors& errs, const std::vector<Container>& containers) {
  std::set<std::string> seen;
  for (size_t i = 0; i < containers.size(); ++i) {
    for (size_t j = 0; j < containers[i].ports.size(); ++j) {
      const ContainerPort& port = containers[i].ports[j];
      if (port.container_port == 0) continue;
      std::string key = std::to_string(port.container_port) + "/" + ToString(port.protocol);
      if (!seen.insert(key).second) {
        errs.push_back(field::Duplicate(Index(Index("spec.containers", i) + ".ports", j) + ".containerPort", key));
      }
    }
  }
}

std::set<std::string> ValidateVolumes(FieldErrors& errs, const std::vector<Volume>& volumes) {
  std::set<std::string> names;
  for (size_t i = 0; i < volumes.size(); ++i) {
    const Volume& v = volumes[i];
    const std::string path = Index("spec.volumes", i);
    if (v.name.empty()) {
      errs.push_back(field::Required(path + ".name"));
    } else {
      for (const auto& msg : IsDNS1123Label(v.name)) errs.push_back(field::Invalid(path + ".name", v.name, msg));
      if (!names.insert(v.name).second) errs.push_back(field::Duplicate(path + ".name", v.name));
    }
    std::vector<std::string> sources;
    if (v.empty_dir) sources.push_back("emptyDir");
    if (v.host_path) sources.push_back("hostPath");
    for (size_t start = 0; start < v.other_source.size();) {
      size_t comma = std::min(v.other_source.find(',', start), v.other_source.size());
      sources.push_back(v.other_source.substr(start, comma - start));
      start = comma + 1;
    }
    if (sources.empty()) {
      errs.push_back(field::Required(path, "must specify a volume type"));
    } else if (sources.size() > 1) {
      errs.push_back(field::Forbidden(path + "." + sources[1], "may not specify more than 1 volume type"));
    }
    if (v.empty_dir && !v.empty_dir->medium.empty() && v.empty_dir->medium != "Memory") {
      errs.push_back(field::NotSupported(path + ".emptyDir.medium", v.empty_dir->medium, {"", "Memory"}));
    }
    if (v.host_path) {
      if (v.host_path->path.empty()) errs.push_back(field::Required(path + ".hostPath.path"));
      static const std::vector<std::string> kTypes = {"",     "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate",
                                                      "File", "FileOrCreate", "Socket"};
      if (std::find(kTypes.begin(), kTypes.end(), v.host_path->type) == kTypes.end()) {
        errs.push_back(field::NotSupported(path + ".hostPath.type", v.host_path->type, kTypes));
      }
    }
  }
  return names;
}

}  // namespace

FieldErrors ValidatePod(const Pod& pod) {
  FieldErrors errs = ValidateObjectMeta(pod.metadata, IsDNS1123Subdomain);
  const PodSpec& spec = pod.spec;
  std::set<std::string> volumes = ValidateVolumes(errs, spec.volumes);
  if (spec.containers.empty()) errs.push_back(field::Required("spec.containers"));
  std::set<std::string> names;
  ValidateContainers(errs, spec.init_containers, "spec.initContainers", true, spec, volumes, names);
  ValidateContainers(errs, spec.containers, "spec.containers", false, spec, volumes, names);
  ValidateUniquePorts(errs, spec.containers);
  ValidateNonNegative(errs, spec.termination_grace_period_seconds, "spec.terminationGracePeriodSeconds");
  if (!spec.node_name.empty()) {
    for (const auto& msg : IsDNS1123Subdomain(spec.node_name)) {
      errs.push_back(field::Invalid("spec.nodeName", spec.node_name, msg));
    }
  }
  return errs;
}

Status Validate(const Pod& pod) { return ToStatus(ValidatePod(pod)); }

}  // namespace kubenode::api
