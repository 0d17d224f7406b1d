// The real Prober: runs the container's exec, httpGet or tcpSocket handler and records Warning events on
// the container (fieldPath spec.containers{NAME}) as upstream:
//   Unhealthy     "Liveness probe failed: HTTP probe failed with statuscode: 500"
//   Unhealthy     "Readiness probe errored: port http not found in container web"   (run thrown away)
//   ProbeWarning  "Readiness probe warning: Probe terminated redirects, Response body: ..."  (a success)
// A handler that errors is retried up to 3 times in a row first (upstream maxProbeRetries).
#pragma once

#include "base/status.h"
#include "cri/runtime_service.h"
#include "kubelet/event_recorder.h"
#include "kubelet/prober/probe_outcome.h"
#include "kubelet/prober/prober.h"

namespace kubenode::kubelet::prober {

class ContainerProber : public Prober {
 public:
  ContainerProber(cri::RuntimeService& runtime, EventRecorder& recorder) : runtime_(runtime), recorder_(recorder) {}

  ProbeResult Probe(ProbeType type, const ProbeTarget& target) override;

  // One run of the handler, without retries or events.
  Result<ProbeOutcome> RunHandler(const api::Probe& spec, const ProbeTarget& target);

 private:
  void Record(const ProbeTarget& target, const std::string& reason, const std::string& message);

  cri::RuntimeService& runtime_;
  EventRecorder& recorder_;
};

}  // namespace kubenode::kubelet::prober
