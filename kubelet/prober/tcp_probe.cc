#include "kubelet/prober/tcp_probe.h"

#include "kubelet/prober/dial.h"

namespace kubenode::kubelet::prober {

ProbeOutcome TcpProbe(const std::string& host, int port, std::chrono::milliseconds timeout) {
  Result<Socket> socket = DialTcp(host, port, std::chrono::steady_clock::now() + timeout);
  if (!socket.ok()) return {Outcome::kFailure, socket.status().message()};
  return {Outcome::kSuccess, ""};
}

}  // namespace kubenode::kubelet::prober
