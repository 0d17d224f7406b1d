#include "kubelet/runtime/hook_runner.h"

#include "kubelet/prober/http_probe.h"

namespace kubenode::kubelet {

Status CriHookRunner::Run(const std::string& container_id, const std::string& pod_ip, const api::Container& container,
                          const api::Handler& handler, std::chrono::seconds timeout) {
  if (handler.exec) {
    auto result = runtime_.ExecSync(container_id, handler.exec->command, timeout);
    if (!result.ok()) return result.status().WithContext("ExecSync");
    if (result->exit_code != 0) {
      return Status::Error("command '" + (handler.exec->command.empty() ? "" : handler.exec->command[0]) +
                           "' exited with " + std::to_string(result->exit_code) + ": " + result->stderr_data);
    }
    return {};
  }
  if (handler.http_get) {
    // The probes' HTTP client: same port names, headers, HTTPS and redirects; a status >= 400 fails the hook.
    Result<prober::HttpProbeRequest> request =
        prober::NewHttpProbeRequest(*handler.http_get, container, pod_ip, prober::kLifecycleUserAgent);
    if (!request.ok()) return request.status();
    Result<prober::ProbeOutcome> outcome = prober::HttpProbe(*request, timeout);
    if (!outcome.ok()) return outcome.status();
    if (outcome->result == prober::Outcome::kFailure) return Status::Error(outcome->output);
    return {};
  }
  if (handler.tcp_socket) return Status::Error("tcpSocket lifecycle handlers are not supported");
  return Status::Error("no handler");
}

}  // namespace kubenode::kubelet
