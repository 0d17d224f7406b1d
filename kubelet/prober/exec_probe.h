// exec probes (upstream pkg/probe/exec): the command runs in the container through CRI ExecSync.
// Exit 0 is success, another exit code failure; the output is stdout then stderr, at most 10 KiB.
// A timeout is a failure with upstream's message: command "cat /tmp/healthy" timed out.
// Another runtime error is an error: the run is thrown away.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "base/status.h"
#include "cri/runtime_service.h"
#include "kubelet/prober/probe_outcome.h"

namespace kubenode::kubelet::prober {

inline constexpr size_t kMaxExecOutput = 10 * 1024;  // upstream maxReadLength

// Whether an ExecSync error means the command ran out of time. cri::RuntimeService reports errors as text
// only, so this matches the gRPC DEADLINE_EXCEEDED code name and the usual wordings.
bool IsExecTimeout(const Status& status);

Result<ProbeOutcome> ExecProbe(cri::RuntimeService& runtime, const std::string& container_id,
                               const std::vector<std::string>& command, std::chrono::seconds timeout);

}  // namespace kubenode::kubelet::prober
