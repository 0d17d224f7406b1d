// Fakes for the prober tests: a RuntimeService whose ExecSync plays a script, an EventRecorder that keeps
// events, a Prober that returns scripted results. All thread-safe: manager tests read them while workers run.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "cri/runtime_service.h"
#include "kubelet/event_recorder.h"
#include "kubelet/prober/prober.h"

namespace kubenode::kubelet::prober::testing {

// Only ExecSync works. Results are scripted per command (the command joined with spaces): a queue played
// in order, then a default; commands without a script exit 0.
class ExecRuntime : public cri::RuntimeService {
 public:
  struct Call {
    std::string container_id;
    std::vector<std::string> command;
    std::chrono::seconds timeout;
  };

  void Script(const std::string& command, std::vector<Result<cri::ExecResult>> results) {
    std::lock_guard lock(mu_);
    queued_[command].assign(results.begin(), results.end());
  }
  void Default(const std::string& command, Result<cri::ExecResult> result) {
    std::lock_guard lock(mu_);
    defaults_.insert_or_assign(command, std::move(result));
  }
  std::vector<Call> calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }
  int CallCount(const std::string& command) const {
    std::lock_guard lock(mu_);
    int count = 0;
    for (const Call& call : calls_) count += Join(call.command) == command;
    return count;
  }

  static cri::ExecResult Exit(int code, std::string out = "", std::string err = "") {
    return cri::ExecResult{std::move(out), std::move(err), code};
  }

  Result<cri::ExecResult> ExecSync(const std::string& container_id, const std::vector<std::string>& cmd,
                                   std::chrono::seconds timeout) override {
    std::lock_guard lock(mu_);
    calls_.push_back({container_id, cmd, timeout});
    const std::string key = Join(cmd);
    auto queued = queued_.find(key);
    if (queued != queued_.end() && !queued->second.empty()) {
      Result<cri::ExecResult> result = queued->second.front();
      queued->second.pop_front();
      return result;
    }
    auto fallback = defaults_.find(key);
    if (fallback != defaults_.end()) return fallback->second;
    return Exit(0);
  }

  static std::string Join(const std::vector<std::string>& cmd) {
    std::string text;
    for (const std::string& arg : cmd) text += (text.empty() ? "" : " ") + arg;
    return text;
  }

  // Everything else is unused by the prober.
  Result<cri::VersionInfo> Version() override { return Unused(); }
  Result<std::string> RunPodSandbox(const cri::PodSandboxConfig&) override { return Unused(); }
  Status StopPodSandbox(const std::string&) override { return Unused(); }
  Status RemovePodSandbox(const std::string&) override { return Unused(); }
  Result<cri::PodSandboxStatus> PodSandboxStatusOf(const std::string&) override { return Unused(); }
  Result<std::vector<cri::PodSandbox>> ListPodSandbox(const cri::SandboxFilter&) override { return Unused(); }
  Result<std::string> CreateContainer(const std::string&, const cri::ContainerConfig&,
                                      const cri::PodSandboxConfig&) override {
    return Unused();
  }
  Status StartContainer(const std::string&) override { return Unused(); }
  Status StopContainer(const std::string&, std::chrono::seconds) override { return Unused(); }
  Status RemoveContainer(const std::string&) override { return Unused(); }
  Result<std::vector<cri::Container>> ListContainers(const cri::ContainerFilter&) override { return Unused(); }
  Result<cri::ContainerStatus> ContainerStatusOf(const std::string&) override { return Unused(); }
  Result<std::string> Exec(const cri::ExecRequest&) override { return Unused(); }
  Result<std::string> Attach(const cri::AttachRequest&) override { return Unused(); }
  Result<std::string> PortForward(const cri::PortForwardRequest&) override { return Unused(); }

 private:
  static Status Unused() { return Status::Error("not implemented by the prober test runtime"); }

  mutable std::mutex mu_;
  std::map<std::string, std::deque<Result<cri::ExecResult>>> queued_;
  std::map<std::string, Result<cri::ExecResult>> defaults_;
  std::vector<Call> calls_;
};

struct RecordedEvent {
  EventObject object;
  EventType type;
  std::string reason;
  std::string message;
};

class RecordingEventRecorder : public EventRecorder {
 public:
  void Event(const EventObject& object, EventType type, const std::string& reason,
             const std::string& message) override {
    std::lock_guard lock(mu_);
    events_.push_back({object, type, reason, message});
  }
  std::vector<RecordedEvent> events() const {
    std::lock_guard lock(mu_);
    return events_;
  }
  std::vector<std::string> messages() const {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (const RecordedEvent& event : events_) out.push_back(event.message);
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::vector<RecordedEvent> events_;
};

// Returns queued results per probe type (then kSuccess), and remembers every call.
class ScriptedProber : public Prober {
 public:
  struct Call {
    ProbeType type;
    std::string container_id;
    std::string pod_ip;
  };

  void Queue(ProbeType type, std::vector<ProbeResult> results) {
    std::lock_guard lock(mu_);
    for (ProbeResult r : results) queued_[type].push_back(r);
  }
  // Runs inside Probe, before the result is returned (to change the worker while it probes).
  void OnProbe(std::function<void()> hook) {
    std::lock_guard lock(mu_);
    hook_ = std::move(hook);
  }
  std::vector<Call> calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }
  int CallCount(ProbeType type) const {
    std::lock_guard lock(mu_);
    int count = 0;
    for (const Call& call : calls_) count += call.type == type;
    return count;
  }

  ProbeResult Probe(ProbeType type, const ProbeTarget& target) override {
    std::function<void()> hook;
    ProbeResult result = ProbeResult::kSuccess;
    {
      std::lock_guard lock(mu_);
      calls_.push_back({type, target.container_id, target.pod_ip});
      auto& queue = queued_[type];
      if (!queue.empty()) {
        result = queue.front();
        queue.pop_front();
      }
      hook = std::exchange(hook_, nullptr);
    }
    if (hook) hook();
    return result;
  }

 private:
  mutable std::mutex mu_;
  std::map<ProbeType, std::deque<ProbeResult>> queued_;
  std::function<void()> hook_;
  std::vector<Call> calls_;
};

}  // namespace kubenode::kubelet::prober::testing
