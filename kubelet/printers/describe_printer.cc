#include "kubelet/printers/describe_printer.h"

#include <algorithm>
#include <ctime>
#include <sstream>

#include "api/age.h"
#include "base/tab_writer.h"
#include "kubelet/cm/qos.h"

namespace kubenode::kubelet {
namespace {

constexpr size_t kMaxAnnotationLen = 140;  // kubectl's maxAnnotationLen
// kubectl's PrefixWriter levels: two spaces each.
constexpr const char* kL1 = "  ";
constexpr const char* kL2 = "    ";
constexpr const char* kL3 = "      ";

std::string Age(api::Time since, api::Time now) {
  return api::FormatAge(std::chrono::duration_cast<std::chrono::seconds>(now - since));
}

const char* Bool(bool b) { return b ? "True" : "False"; }

std::vector<std::string> SplitLines(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  if (out.empty() || (!s.empty() && s.back() == '\n')) out.emplace_back();  // as Go's strings.Split
  return out;
}

// printLabelsMultiline: "Title:\tk=v\n" then "\tk2=v2\n" per further key, or "<none>".
void Labels(std::string& out, const std::string& title, const api::Labels& labels) {
  out += title + ":\t";
  if (labels.empty()) {
    out += "<none>\n";
    return;
  }
  bool first = true;
  for (const auto& [k, v] : labels) {  // std::map: sorted as kubectl sorts the keys
    if (!first) out += "\t";
    out += k + "=" + v + "\n";
    first = false;
  }
}

// printAnnotationsMultiline: long or multi-line values go below their key, shortened to 138 bytes.
void Annotations(std::string& out, const api::Labels& annotations) {
  out += "Annotations:\t";
  bool first = true;
  for (const auto& [k, raw] : annotations) {
    if (k == "kubectl.kubernetes.io/last-applied-configuration") continue;
    if (!first) out += "\t";
    first = false;
    std::string value = raw;
    if (!value.empty() && value.back() == '\n') value.pop_back();
    if (value.size() + k.size() + 2 > kMaxAnnotationLen || value.find('\n') != std::string::npos) {
      out += k + ":\n";
      for (auto line : SplitLines(value)) {
        if (line.size() > kMaxAnnotationLen - 2) line = line.substr(0, kMaxAnnotationLen - 2) + "...";
        out += "\t  " + line + "\n";
      }
    } else {
      out += k + ": " + value + "\n";
    }
  }
  if (first) out += "<none>\n";
}

std::string Ports(const std::vector<api::ContainerPort>& ports, bool host) {
  std::string out;
  for (const auto& p : ports) {
    if (!out.empty()) out += ", ";
    out += std::to_string(host ? p.host_port : p.container_port) + "/" + api::ToString(p.protocol);
  }
  return out;
}

void PortLine(std::string& out, const std::string& label, const std::string& ports) {
  if (ports.find(',') != std::string::npos) {
    out += std::string(kL2) + label + "s:\t" + ports + "\n";
  } else {
    out += std::string(kL2) + label + ":\t" + (ports.empty() ? "<none>" : ports) + "\n";
  }
}

void State(std::string& out, const std::string& name, const api::ContainerState& s) {
  if (s.running) {
    out += std::string(kL2) + name + ":\tRunning\n";
    out += std::string(kL3) + "Started:\t" + FormatRFC1123Z(s.running->started_at) + "\n";
  } else if (s.terminated) {
    const auto& t = *s.terminated;
    out += std::string(kL2) + name + ":\tTerminated\n";
    if (!t.reason.empty()) out += std::string(kL3) + "Reason:\t" + t.reason + "\n";
    if (!t.message.empty()) out += std::string(kL3) + "Message:\t" + t.message + "\n";
    out += std::string(kL3) + "Exit Code:\t" + std::to_string(t.exit_code) + "\n";
    if (t.signal > 0) out += std::string(kL3) + "Signal:\t" + std::to_string(t.signal) + "\n";
    out += std::string(kL3) + "Started:\t" + FormatRFC1123Z(t.started_at) + "\n";
    out += std::string(kL3) + "Finished:\t" + FormatRFC1123Z(t.finished_at) + "\n";
  } else {
    out += std::string(kL2) + name + ":\tWaiting\n";
    if (s.waiting && !s.waiting->reason.empty()) out += std::string(kL3) + "Reason:\t" + s.waiting->reason + "\n";
  }
}

void Containers(std::string& out, const std::string& label, const std::vector<api::Container>& containers,
                const std::vector<api::ContainerStatus>& statuses) {
  out += label + ":" + (containers.empty() ? " <none>" : "") + "\n";
  for (const auto& c : containers) {
    const api::ContainerStatus* st = nullptr;
    for (const auto& s : statuses) {
      if (s.name == c.name) st = &s;
    }
    out += std::string(kL1) + c.name + ":\n";
    if (st) out += std::string(kL2) + "Container ID:\t" + st->container_id + "\n";
    out += std::string(kL2) + "Image:\t" + c.image + "\n";
    if (st) out += std::string(kL2) + "Image ID:\t" + st->image_id + "\n";
    PortLine(out, "Port", Ports(c.ports, false));
    PortLine(out, "Host Port", Ports(c.ports, true));
    for (const auto& [title, list] : {std::pair{"Command", &c.command}, std::pair{"Args", &c.args}}) {
      if (list->empty()) continue;
      out += std::string(kL2) + title + ":\n";
      for (const auto& item : *list) {
        for (const auto& line : SplitLines(item)) out += std::string(kL3) + line + "\n";
      }
    }
    if (st) {
      State(out, "State", st->state);
      if (st->last_state.terminated) State(out, "Last State", st->last_state);
      out += std::string(kL2) + "Ready:\t" + Bool(st->ready) + "\n";
      out += std::string(kL2) + "Restart Count:\t" + std::to_string(st->restart_count) + "\n";
    }
    for (const auto& [title, list] : {std::pair{"Limits", &c.resources.limits}, std::pair{"Requests", &c.resources.requests}}) {
      if (!list->empty()) out += std::string(kL2) + title + ":\n";
      for (const auto& [name, q] : *list) out += std::string(kL3) + name + ":\t" + q.text + "\n";
    }
    if (c.liveness_probe) out += std::string(kL2) + "Liveness:\t" + DescribeProbe(*c.liveness_probe) + "\n";
    if (c.readiness_probe) out += std::string(kL2) + "Readiness:\t" + DescribeProbe(*c.readiness_probe) + "\n";
    if (c.startup_probe) out += std::string(kL2) + "Startup:\t" + DescribeProbe(*c.startup_probe) + "\n";
    out += std::string(kL2) + "Environment:" + (c.env.empty() ? "\t<none>" : "") + "\n";
    for (const auto& e : c.env) {
      const auto lines = SplitLines(e.value);
      for (size_t i = 0; i < lines.size(); ++i) {
        out += std::string(kL3) + (i == 0 ? e.name + ":" : "") + "\t" + lines[i] + "\n";
      }
    }
    out += std::string(kL2) + "Mounts:" + (c.volume_mounts.empty() ? "\t<none>" : "") + "\n";
    auto mounts = c.volume_mounts;
    std::stable_sort(mounts.begin(), mounts.end(), [](const auto& a, const auto& b) { return a.mount_path < b.mount_path; });
    for (const auto& m : mounts) {
      std::string flags = m.read_only ? "ro" : "rw";
      if (!m.sub_path.empty()) flags += ",path=\"" + m.sub_path + "\"";
      out += std::string(kL3) + m.mount_path + " from " + m.name + " (" + flags + ")\n";
    }
  }
}

void Volumes(std::string& out, const std::vector<api::Volume>& volumes) {
  if (volumes.empty()) {
    out += "Volumes:\t<none>\n";
    return;
  }
  out += "Volumes:\n";
  for (const auto& v : volumes) {
    out += std::string(kL1) + v.name + ":\n";
    if (v.host_path) {
      out += std::string(kL2) + "Type:\tHostPath (bare host directory volume)\n";
      out += std::string(kL2) + "Path:\t" + v.host_path->path + "\n";
      out += std::string(kL2) + "HostPathType:\t" + (v.host_path->type.empty() ? "<none>" : v.host_path->type) + "\n";
    } else if (v.empty_dir) {
      out += std::string(kL2) + "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n";
      out += std::string(kL2) + "Medium:\t" + v.empty_dir->medium + "\n";
      out += std::string(kL2) + "SizeLimit:\t<unset>\n";
    } else {
      out += std::string(kL1) + "<unknown>\n";
    }
  }
}

void Events(std::string& out, std::vector<RecordedEvent> events, api::Time now) {
  if (events.empty()) {
    out += "Events:\t<none>\n";
    return;
  }
  std::stable_sort(events.begin(), events.end(),
                   [](const auto& a, const auto& b) { return a.last_timestamp < b.last_timestamp; });
  out += "Events:\n  Type\tReason\tAge\tFrom\tMessage\n";
  out += std::string(kL1) + "----\t------\t----\t----\t-------\n";
  for (const auto& e : events) {
    std::string age = Age(e.first_timestamp, now);
    if (e.count > 1) age = Age(e.last_timestamp, now) + " (x" + std::to_string(e.count) + " over " + age + ")";
    std::string message = e.message;
    const auto first = message.find_first_not_of(" \t\n\r");
    message = first == std::string::npos ? "" : message.substr(first, message.find_last_not_of(" \t\n\r") - first + 1);
    out += std::string(kL1) + (e.type == EventType::kWarning ? "Warning" : "Normal") + "\t" + e.reason + "\t" + age +
           "\t" + e.source + "\t" + message + "\n";
  }
}

}  // namespace

std::string FormatRFC1123Z(api::Time t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  localtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S %z", &tm);
  return buf;
}

std::string DescribeProbe(const api::Probe& p) {
  const std::string attrs = "delay=" + std::to_string(p.initial_delay_seconds) + "s timeout=" +
                            std::to_string(p.timeout_seconds) + "s period=" + std::to_string(p.period_seconds) +
                            "s #success=" + std::to_string(p.success_threshold) +
                            " #failure=" + std::to_string(p.failure_threshold);
  const auto& h = p.handler;
  if (h.exec) {
    std::string cmd;
    for (const auto& part : h.exec->command) cmd += (cmd.empty() ? "" : " ") + part;
    return "exec [" + cmd + "] " + attrs;
  }
  if (h.http_get) {
    const auto& g = *h.http_get;
    std::string scheme = g.scheme;
    std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return std::tolower(c); });
    const std::string host = g.host.find(':') != std::string::npos ? "[" + g.host + "]" : g.host;
    // The API server defaults an empty path to "/", which is what kubectl would show.
    std::string path = g.path.empty() ? "/" : g.path;
    if (path[0] != '/') path = "/" + path;
    return "http-get " + scheme + "://" + host + ":" + g.port.ToString() + path + " " + attrs;
  }
  if (h.tcp_socket) return "tcp-socket " + h.tcp_socket->host + ":" + h.tcp_socket->port.ToString() + " " + attrs;
  return "unknown " + attrs;
}

std::string DescribePod(const PodWithStatus& p, const std::vector<RecordedEvent>& events, api::Time now) {
  const auto& pod = p.pod;
  const auto& st = p.status;
  std::string out;
  out += "Name:\t" + pod.metadata.name + "\n";
  out += "Namespace:\t" + pod.metadata.ns + "\n";
  // Static pods get priority 0 (their mirror pods are admitted with the default priority).
  out += "Priority:\t0\n";
  out += "Node:\t" + (pod.spec.node_name.empty() ? "<none>" : pod.spec.node_name + "/" + st.host_ip) + "\n";
  if (st.start_time) out += "Start Time:\t" + FormatRFC1123Z(*st.start_time) + "\n";
  Labels(out, "Labels", pod.metadata.labels);
  Annotations(out, pod.metadata.annotations);
  if (p.terminating && st.phase != api::PodPhase::kSucceeded && st.phase != api::PodPhase::kFailed) {
    // kubectl ages the deletion timestamp; a removed manifest has none.
    out += "Status:\tTerminating (lasts <unknown>)\n";
    out += "Termination Grace Period:\t" + std::to_string(pod.spec.termination_grace_period_seconds) + "s\n";
  } else {
    out += std::string("Status:\t") + api::ToString(st.phase) + "\n";
  }
  if (!st.reason.empty()) out += "Reason:\t" + st.reason + "\n";
  if (!st.message.empty()) out += "Message:\t" + st.message + "\n";
  out += "IP:\t" + st.pod_ip + "\n";
  if (st.pod_ips.empty()) {
    out += "IPs:\t<none>\n";
  } else {
    out += "IPs:\n";
    for (const auto& ip : st.pod_ips) out += std::string(kL1) + "IP:\t" + ip + "\n";
  }
  if (!pod.spec.init_containers.empty()) {
    Containers(out, "Init Containers", pod.spec.init_containers, st.init_container_statuses);
  }
  Containers(out, "Containers", pod.spec.containers, st.container_statuses);
  if (!st.conditions.empty()) {
    out += "Conditions:\n  Type\tStatus\n";
    for (const auto& c : st.conditions) out += std::string(kL1) + c.type + " \t" + Bool(c.status) + " \n";
  }
  Volumes(out, pod.spec.volumes);
  out += "QoS Class:\t" + (st.qos_class.empty() ? std::string(cm::ToString(cm::GetPodQOS(pod))) : st.qos_class) + "\n";
  out += "Node-Selectors:\t<none>\n";
  out += "Tolerations:\t<none>\n";
  Events(out, events, now);
  return AlignColumns(out, kDescribeOptions);
}

}  // namespace kubenode::kubelet
