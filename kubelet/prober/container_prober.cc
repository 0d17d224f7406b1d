#include "kubelet/prober/container_prober.h"

#include <algorithm>
#include <chrono>

#include "base/log.h"
#include "kubelet/prober/exec_probe.h"
#include "kubelet/prober/expand.h"
#include "kubelet/prober/http_probe.h"
#include "kubelet/prober/port.h"
#include "kubelet/prober/tcp_probe.h"

namespace kubenode::kubelet::prober {

namespace {

constexpr int kMaxProbeRetries = 3;

// Host-network pods may have no pod IP from the runtime; they share the node's network namespace.
const std::string& HostOrPodIp(const std::string& host, const std::string& pod_ip) {
  static const std::string kLoopback = "127.0.0.1";
  if (!host.empty()) return host;
  return pod_ip.empty() ? kLoopback : pod_ip;
}

}  // namespace

Result<ProbeOutcome> ContainerProber::RunHandler(const api::Probe& spec, const ProbeTarget& target) {
  const std::chrono::seconds timeout(std::max(1, spec.timeout_seconds));
  const api::Handler& handler = spec.handler;
  if (handler.exec) {
    return ExecProbe(runtime_, target.container_id, ExpandCommand(handler.exec->command, target.container.env),
                     timeout);
  }
  if (handler.http_get) {
    Result<HttpProbeRequest> request = NewHttpProbeRequest(*handler.http_get, target.container, target.pod_ip);
    if (!request.ok()) return request.status();
    request->host = HostOrPodIp(request->host, target.pod_ip);
    return HttpProbe(*request, timeout);
  }
  if (handler.tcp_socket) {
    Result<int> port = ResolveContainerPort(handler.tcp_socket->port, target.container);
    if (!port.ok()) return port.status();
    return TcpProbe(HostOrPodIp(handler.tcp_socket->host, target.pod_ip), *port, timeout);
  }
  return Status::Error("missing probe handler for " + target.container.name);
}

ProbeResult ContainerProber::Probe(ProbeType type, const ProbeTarget& target) {
  const api::Probe* spec = ProbeSpec(type, target.container);
  const std::string name = ProbeTypeName(type);
  if (spec == nullptr) return ProbeResult::kUnknown;

  Result<ProbeOutcome> outcome = Status::Error("not run");
  for (int attempt = 0; attempt < kMaxProbeRetries; ++attempt) {
    outcome = RunHandler(*spec, target);
    if (outcome.ok()) break;
  }
  auto log = Logger("prober");
  if (!outcome.ok()) {
    log->warn("{} probe errored for {}/{} container {}: {}", name, target.pod.metadata.ns, target.pod.metadata.name,
              target.container.name, outcome.status().message());
    Record(target, "Unhealthy", name + " probe errored: " + outcome.status().message());
    return ProbeResult::kUnknown;
  }
  switch (outcome->result) {
    case Outcome::kSuccess:
      log->debug("{} probe succeeded for {}/{} container {}", name, target.pod.metadata.ns, target.pod.metadata.name,
                 target.container.name);
      return ProbeResult::kSuccess;
    case Outcome::kWarning:
      Record(target, "ProbeWarning", name + " probe warning: " + outcome->output);
      return ProbeResult::kSuccess;
    case Outcome::kFailure:
      log->info("{} probe failed for {}/{} container {}: {}", name, target.pod.metadata.ns, target.pod.metadata.name,
                target.container.name, outcome->output);
      Record(target, "Unhealthy", name + " probe failed: " + outcome->output);
      return ProbeResult::kFailure;
  }
  return ProbeResult::kUnknown;
}

void ContainerProber::Record(const ProbeTarget& target, const std::string& reason, const std::string& message) {
  EventObject object;
  object.ns = target.pod.metadata.ns;
  object.name = target.pod.metadata.name;
  object.uid = target.pod.metadata.uid;
  object.field_path = "spec.containers{" + target.container.name + "}";
  recorder_.Event(object, EventType::kWarning, reason, message);
}

}  // namespace kubenode::kubelet::prober
