// tcpSocket probes (upstream pkg/probe/tcp): success when a TCP connection opens within the timeout.
#pragma once

#include <chrono>
#include <string>

#include "kubelet/prober/probe_outcome.h"

namespace kubenode::kubelet::prober {

// Failure output is the dial error: "dial tcp 10.88.0.5:8080: connect: connection refused".
ProbeOutcome TcpProbe(const std::string& host, int port, std::chrono::milliseconds timeout);

}  // namespace kubenode::kubelet::prober
