#include "kubelet/prober/exec_probe.h"

#include <algorithm>
#include <cctype>

namespace kubenode::kubelet::prober {

namespace {

std::string Joined(const std::vector<std::string>& command) {
  std::string text;
  for (const std::string& arg : command) {
    if (!text.empty()) text += ' ';
    text += arg;
  }
  return text;
}

}  // namespace

bool IsExecTimeout(const Status& status) {
  if (status.ok()) return false;
  std::string text = status.message();
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* needle : {"deadline_exceeded", "deadlineexceeded", "deadline exceeded", "timed out", "timeout"}) {
    if (text.find(needle) != std::string::npos) return true;
  }
  return false;
}

Result<ProbeOutcome> ExecProbe(cri::RuntimeService& runtime, const std::string& container_id,
                               const std::vector<std::string>& command, std::chrono::seconds timeout) {
  Result<cri::ExecResult> result = runtime.ExecSync(container_id, command, timeout);
  if (!result.ok()) {
    if (IsExecTimeout(result.status())) {
      return ProbeOutcome{Outcome::kFailure, "command \"" + Joined(command) + "\" timed out"};
    }
    return result.status();
  }
  std::string output = result->stdout_data + result->stderr_data;
  if (output.size() > kMaxExecOutput) output.resize(kMaxExecOutput);
  return ProbeOutcome{result->exit_code == 0 ? Outcome::kSuccess : Outcome::kFailure, std::move(output)};
}

}  // namespace kubenode::kubelet::prober
