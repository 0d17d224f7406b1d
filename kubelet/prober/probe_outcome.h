// What one run of a probe handler returns, as upstream's pkg/probe: a result and the text users see in events.
// A handler that cannot run at all (bad port name, runtime error) returns an error Status instead; upstream
// calls that probe.Unknown and throws the run away.
#pragma once

#include <string>

namespace kubenode::kubelet::prober {

enum class Outcome {
  kSuccess,
  kWarning,  // counts as success, but is reported (HTTP redirect to another host)
  kFailure,
};

struct ProbeOutcome {
  Outcome result = Outcome::kFailure;
  std::string output;  // exec: stdout+stderr; http: body or why it failed; tcp: the dial error
};

}  // namespace kubenode::kubelet::prober
