#include "agent/kubelet_server.h"

#include <fstream>

#include "agent/daemon_parts.h"
#include "base/log.h"
#include "host/node_info.h"
#include "kubelet/printers/pod_json.h"
#include "server/healthz.h"
#include "server/metrics_handlers.h"
#include "server/serving_cert.h"
#include "server/stream_targets.h"

namespace kubenode::agent {
namespace {

nlohmann::json PodList(nlohmann::json items) {
  return {{"kind", "PodList"}, {"apiVersion", "v1"}, {"metadata", nlohmann::json::object()}, {"items", std::move(items)}};
}

bool HasRunningContainer(const api::PodStatus& status) {
  for (const auto& c : status.container_statuses) {
    if (c.state.running) return true;
  }
  return false;
}

// cAdvisor reads it from DMI (root only); "" when unreadable.
std::string SystemUuid() {
  std::ifstream in("/sys/class/dmi/id/product_uuid");
  std::string uuid;
  std::getline(in, uuid);
  return uuid;
}

// /containerLogs reads the kubelet's pods and the runtime's log files.
class DaemonLogSource : public server::ContainerLogSource {
 public:
  explicit DaemonLogSource(Daemon::Parts& p) : p_(p) {}
  std::optional<kubelet::PodWithStatus> GetPod(const std::string& ns, const std::string& name) override {
    return p_.kubelet.GetPod(ns, name);
  }
  Result<ContainerLog> ContainerLogOf(const std::string& id) override {
    auto status = p_.runtime.ContainerStatusOf(id);
    if (!status.ok()) return status.status();
    return ContainerLog{status->log_path, status->state == cri::ContainerState::kRunning};
  }

 private:
  Daemon::Parts& p_;
};

}  // namespace

KubeletServerOptions ServerOptionsFromConfig(const KubeletConfig& c, bool api_mode) {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  KubeletServerOptions o;
  o.address = c.address.value_or(api_mode ? "0.0.0.0" : "127.0.0.1");
  o.port = c.port;
  o.tls_cert_file = c.tls_cert_file;
  o.tls_private_key_file = c.tls_private_key_file;
  o.client_ca_file = c.authentication_x509_client_ca_file;
  o.anonymous = c.authentication_anonymous_enabled.value_or(!api_mode);
  o.webhook_authentication = c.authentication_webhook_enabled.value_or(api_mode);
  o.token_cache_ttl = duration_cast<milliseconds>(c.authentication_webhook_cache_ttl);
  o.webhook_authorization = c.authorization_mode.value_or(api_mode ? "Webhook" : "AlwaysAllow") == "Webhook";
  o.authorized_ttl = duration_cast<milliseconds>(c.authorization_webhook_cache_authorized_ttl);
  o.unauthorized_ttl = duration_cast<milliseconds>(c.authorization_webhook_cache_unauthorized_ttl);
  o.enable_debugging_handlers = c.enable_debugging_handlers;
  o.healthz_bind_address = c.healthz_bind_address;
  o.healthz_port = c.healthz_port;
  o.configz = ConfigzJson(c);
  // What the mode decided, so that /configz shows the values in effect.
  o.configz["address"] = o.address;
  o.configz["authentication"]["anonymous"]["enabled"] = o.anonymous;
  o.configz["authentication"]["webhook"]["enabled"] = o.webhook_authentication;
  o.configz["authorization"]["mode"] = o.webhook_authorization ? "Webhook" : "AlwaysAllow";
  return o;
}

nlohmann::json ConfigzJson(const KubeletConfig& c) {
  auto d = [](Duration v) { return FormatGoDuration(v); };
  nlohmann::json reserved_system = nlohmann::json::object(), reserved_kube = nlohmann::json::object();
  for (const auto& [k, v] : c.system_reserved) reserved_system[k] = v.text;
  for (const auto& [k, v] : c.kube_reserved) reserved_kube[k] = v.text;
  nlohmann::json j = {
      {"staticPodPath", c.static_pod_path},
      {"podLogsDir", c.pod_logs_dir},
      {"syncFrequency", d(c.sync_frequency)},
      {"fileCheckFrequency", d(c.file_check_frequency)},
      {"containerRuntimeEndpoint", c.container_runtime_endpoint},
      {"imageServiceEndpoint", c.image_service_endpoint},
      {"runtimeRequestTimeout", d(c.runtime_request_timeout)},
      {"serializeImagePulls", c.serialize_image_pulls},
      {"maxPods", c.max_pods},
      {"podPidsLimit", c.pod_pids_limit},
      {"healthzBindAddress", c.healthz_bind_address},
      {"healthzPort", c.healthz_port},
      {"readOnlyPort", c.read_only_port},
      {"port", c.port},
      {"tlsCertFile", c.tls_cert_file},
      {"tlsPrivateKeyFile", c.tls_private_key_file},
      {"enableDebuggingHandlers", c.enable_debugging_handlers},
      {"authentication",
       {{"x509", {{"clientCAFile", c.authentication_x509_client_ca_file}}},
        {"webhook", {{"cacheTTL", d(c.authentication_webhook_cache_ttl)}}},
        {"anonymous", nlohmann::json::object()}}},
      {"authorization",
       {{"webhook",
         {{"cacheAuthorizedTTL", d(c.authorization_webhook_cache_authorized_ttl)},
          {"cacheUnauthorizedTTL", d(c.authorization_webhook_cache_unauthorized_ttl)}}}}},
      {"nodeStatusUpdateFrequency", d(c.node_status_update_frequency)},
      {"nodeStatusReportFrequency", d(c.node_status_report_frequency)},
      {"clusterDomain", c.cluster_domain},
      {"clusterDNS", c.cluster_dns},
      {"resolvConf", c.resolv_conf},
      {"cgroupDriver", c.cgroup_driver},
      {"cgroupsPerQOS", c.cgroups_per_qos},
      {"cgroupRoot", c.cgroup_root},
      {"seccompDefault", c.seccomp_default},
      {"allowedUnsafeSysctls", c.allowed_unsafe_sysctls},
      {"systemReserved", reserved_system},
      {"kubeReserved", reserved_kube},
  };
  if (c.max_parallel_image_pulls) j["maxParallelImagePulls"] = *c.max_parallel_image_pulls;
  return j;
}

KubeletServers::KubeletServers(Daemon::Parts& parts) : parts_(parts) {
  // `kubenode logs -f` streams from this server: the CLI asks the local API where (container resolved as
  // `kubenode logs` does), then reads the stream itself.
  parts.local_api.Route("logs url", [this](const nlohmann::json& a) { return LogsUrl(a); });
}

Reply KubeletServers::LogsUrl(const nlohmann::json& a) {
  Daemon::Parts& p = parts_;
  const KubeletServerOptions& o = p.options.server;
  if (!https_ || !logs_) {
    return Reply::Error(o.port == 0 ? "error: the kubelet server is off (KubeletConfiguration port: 0)"
                                    : "error: the kubelet server serves no logs (enableDebuggingHandlers: false)");
  }
  const std::string ns = a.value("namespace", "default"), name = a.value("name", "");
  std::string container = a.value("container", "");
  auto pod = p.kubelet.GetPod(ns, name);
  if (!pod) return Reply::Error("Error from server (NotFound): pods \"" + name + "\" not found");
  if (container.empty()) {
    if (pod->pod.spec.containers.size() != 1) {
      std::string names;
      for (const auto& c : pod->pod.spec.containers) names += (names.empty() ? "" : " ") + c.name;
      return Reply::Error("error: a container name must be specified for pod " + name + ", choose one of: [" +
                          names + "]");
    }
    container = pod->pod.spec.containers.front().name;
  }
  const std::string host = o.address == "0.0.0.0" || o.address == "::" ? "127.0.0.1" : o.address;
  std::string url = "https://" + (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
                    std::to_string(https_->port()) + "/containerLogs/" + ns + "/" + name + "/" + container +
                    "?follow=true";
  if (a.value("tail", -1) >= 0) url += "&tailLines=" + std::to_string(a.value("tail", -1));
  if (a.value("timestamps", false)) url += "&timestamps=true";
  if (a.value("previous", false)) url += "&previous=true";
  return Reply::Ok(url);
}

KubeletServers::~KubeletServers() { Stop(); }

std::vector<server::HealthzCheck> KubeletServers::HealthChecks() {
  Daemon::Parts& p = parts_;
  std::vector<server::HealthzCheck> checks = {{"pleg", [&p] { return p.kubelet.Health(); }}};
  if (p.proxy_runner) {
    // kube-proxy's healthz allows a due sync twice the sync period (as the systemd watchdog).
    const auto limit = 2 * p.options.proxy_sync_period;
    checks.push_back({"proxy-sync", [&p, limit] { return p.proxy_runner->Health(limit); }});
  }
  return checks;
}

void KubeletServers::AddRoutes() {
  Daemon::Parts& p = parts_;
  const KubeletServerOptions& o = p.options.server;
  router_.Add("GET", "/healthz", server::HealthzHandler("kubelet", HealthChecks()));
  healthz_router_.Add("GET", "/healthz", server::HealthzHandler("kubelet", HealthChecks()));
  server::AddMetricsRoutes(router_, p.instrumented, p.options.kubelet.node_name, p.options.kubelet.root_dir);

  router_.Add("GET", "/pods", [&p](server::Exchange& e) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& pod : p.kubelet.Pods()) items.push_back(kubelet::PodToJson(pod));
    e.Respond(server::Response::Json(200, PodList(std::move(items)).dump()));
  });
  router_.Add("GET", "/configz", [&o](server::Exchange& e) {
    e.Respond(server::Response::Json(200, nlohmann::json{{"kubeletconfig", o.configz}}.dump()));
  });
  router_.Add("GET", "/spec", [](server::Exchange& e) {
    // cAdvisor's MachineInfo, the fields kubenode knows.
    auto info = host::ReadNodeInfo();
    if (!info.ok()) {
      e.Respond(server::Response::Text(500, "Internal Error: " + info.status().message()));
      return;
    }
    nlohmann::json spec = {{"num_cores", info->cpu_count},
                           {"memory_capacity", info->memory_bytes},
                           {"machine_id", info->machine_id},
                           {"system_uuid", SystemUuid()},
                           {"boot_id", info->boot_id}};
    e.Respond(server::Response::Json(200, spec.dump()));
  });
  if (o.enable_debugging_handlers) {
    logs_ = std::make_unique<DaemonLogSource>(p);
    router_.Add("GET", "/containerLogs/", server::ContainerLogsHandler(*logs_, p.clock));
    router_.Add("GET", "/runningpods/", [&p](server::Exchange& e) {
      // Upstream answers from the runtime's pod cache: name, namespace, uid and the running containers.
      nlohmann::json items = nlohmann::json::array();
      for (const auto& pod : p.kubelet.Pods()) {
        if (!HasRunningContainer(pod.status)) continue;
        nlohmann::json containers = nlohmann::json::array();
        for (const auto& c : pod.status.container_statuses) {
          if (c.state.running) containers.push_back({{"name", c.name}, {"image", c.image}, {"resources", nlohmann::json::object()}});
        }
        items.push_back({{"metadata",
                          {{"name", pod.pod.metadata.name},
                           {"namespace", pod.pod.metadata.ns},
                           {"uid", pod.pod.metadata.uid},
                           {"creationTimestamp", nullptr}}},
                         {"spec", {{"containers", containers}}},
                         {"status", nlohmann::json::object()}});
      }
      e.Respond(server::Response::Json(200, PodList(std::move(items)).dump()));
    });
  }
  // Other helpers' routes (metrics, stats, exec/attach/portForward) are added here.
  server::AddStreamRoutes(router_, {&p.runtime, std::make_shared<server::KubeletStreamTargets>(p.kubelet, p.runtime)});
}

Status KubeletServers::Start() {
  Daemon::Parts& p = parts_;
  const KubeletServerOptions& o = p.options.server;
  AddRoutes();
  if (o.port != 0) {
    server::TlsOptions tls{o.tls_cert_file, o.tls_private_key_file, o.client_ca_file};
    if (tls.cert_file.empty()) {
      auto files = server::EnsureSelfSignedCert(p.options.kubelet.root_dir + "/pki", p.options.kubelet.node_name,
                                                {p.options.kubelet.node_ip});
      if (!files.ok()) return files.status().WithContext("kubelet serving certificate");
      tls.cert_file = files->cert_file;
      tls.key_file = files->key_file;
      Logger("agent")->info("kubelet serving certificate {} ({})", tls.cert_file,
                            files->generated ? "generated, self-signed" : "reused");
    }
    if ((o.webhook_authentication || o.webhook_authorization) && !p.api) {
      return Status::Error(
          "kubelet server: authentication.webhook and authorization.mode Webhook need --kubeconfig (disable the "
          "webhook or set authorization.mode: AlwaysAllow)");
    }
    server::AuthOptions auth{.node_name = p.options.kubelet.node_name,
                             .x509 = !o.client_ca_file.empty(),
                             .anonymous = o.anonymous,
                             .token_webhook = o.webhook_authentication,
                             .token_cache_ttl = o.token_cache_ttl,
                             .authorize_webhook = o.webhook_authorization,
                             .authorized_ttl = o.authorized_ttl,
                             .unauthorized_ttl = o.unauthorized_ttl};
    auth_ = std::make_unique<server::KubeletAuth>(auth, p.api.get(), p.clock);
    server::ServerOptions options{.name = "kubelet", .address = o.address, .port = o.port, .tls = tls};
    https_ = std::make_unique<server::Server>(options, router_, auth_.get());
    if (Status s = https_->Start(); !s.ok()) return s;
  }
  if (o.healthz_port != 0) {
    server::ServerOptions options{.name = "kubelet healthz", .address = o.healthz_bind_address, .port = o.healthz_port};
    healthz_ = std::make_unique<server::Server>(options, healthz_router_, nullptr);
    if (Status s = healthz_->Start(); !s.ok()) return s;
  }
  return {};
}

void KubeletServers::Stop() {
  if (https_) https_->Stop();
  if (healthz_) healthz_->Stop();
}

}  // namespace kubenode::agent
