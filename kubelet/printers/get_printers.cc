#include "kubelet/printers/get_printers.h"

#include "base/tab_writer.h"

#include <algorithm>

#include "api/age.h"

namespace kubenode::kubelet {
namespace {

std::string Age(api::Time since, api::Time now) {
  return api::FormatAge(std::chrono::duration_cast<std::chrono::seconds>(now - since));
}

bool ReadyCondition(const api::PodStatus& st) {
  for (const auto& c : st.conditions) {
    if (c.type == "Ready") return c.status;
  }
  return false;
}

bool InitializedCondition(const api::PodStatus& st) {
  for (const auto& c : st.conditions) {
    if (c.type == "Initialized") return c.status;
  }
  return false;
}

const char* PhaseName(api::PodPhase p) {
  switch (p) {
    case api::PodPhase::kPending: return "Pending";
    case api::PodPhase::kRunning: return "Running";
    case api::PodPhase::kSucceeded: return "Succeeded";
    case api::PodPhase::kFailed: return "Failed";
    default: return "Unknown";
  }
}

}  // namespace

PodRow ComputePodRow(const PodWithStatus& p, api::Time now) {
  const auto& st = p.status;
  int restarts = 0, ready = 0;
  std::optional<api::Time> last_restart;
  auto note_restart = [&](const api::ContainerStatus& c) {
    restarts += c.restart_count;
    if (c.last_state.terminated && (!last_restart || *last_restart < c.last_state.terminated->finished_at)) {
      last_restart = c.last_state.terminated->finished_at;
    }
  };
  std::string reason = st.reason.empty() ? PhaseName(st.phase) : st.reason;
  bool initializing = false;
  for (size_t i = 0; i < st.init_container_statuses.size(); ++i) {
    const auto& c = st.init_container_statuses[i];
    note_restart(c);
    if (c.state.terminated && c.state.terminated->exit_code == 0) continue;
    if (c.state.terminated) {
      const auto& t = *c.state.terminated;
      reason = t.reason.empty() ? (t.signal != 0 ? "Init:Signal:" + std::to_string(t.signal)
                                                 : "Init:ExitCode:" + std::to_string(t.exit_code))
                                : "Init:" + t.reason;
    } else if (c.state.waiting && !c.state.waiting->reason.empty() && c.state.waiting->reason != "PodInitializing") {
      reason = "Init:" + c.state.waiting->reason;
    } else {
      reason = "Init:" + std::to_string(i) + "/" + std::to_string(p.pod.spec.init_containers.size());
    }
    initializing = true;
    break;
  }
  if (!initializing || InitializedCondition(st)) {
    restarts = 0;
    last_restart.reset();
    bool has_running = false;
    for (size_t i = st.container_statuses.size(); i-- > 0;) {
      const auto& c = st.container_statuses[i];
      note_restart(c);
      if (c.state.waiting && !c.state.waiting->reason.empty()) {
        reason = c.state.waiting->reason;
      } else if (c.state.terminated && !c.state.terminated->reason.empty()) {
        reason = c.state.terminated->reason;
      } else if (c.state.terminated) {
        reason = c.state.terminated->signal != 0 ? "Signal:" + std::to_string(c.state.terminated->signal)
                                                 : "ExitCode:" + std::to_string(c.state.terminated->exit_code);
      } else if (c.ready && c.state.running) {
        has_running = true;
        ++ready;
      }
    }
    if (reason == "Completed" && has_running) reason = ReadyCondition(st) ? "Running" : "NotReady";
  }
  if (p.terminating && st.phase != api::PodPhase::kSucceeded && st.phase != api::PodPhase::kFailed) {
    reason = "Terminating";
  }
  PodRow row;
  row.name = p.pod.metadata.name;
  row.ready = std::to_string(ready) + "/" + std::to_string(p.pod.spec.containers.size());
  row.status = reason;
  row.restarts = std::to_string(restarts);
  if (restarts != 0 && last_restart) row.restarts += " (" + Age(*last_restart, now) + " ago)";
  row.age = st.start_time ? Age(*st.start_time, now) : "<unknown>";
  row.ip = st.pod_ip.empty() ? "<none>" : st.pod_ip;
  row.node = p.pod.spec.node_name.empty() ? "<none>" : p.pod.spec.node_name;
  return row;
}

std::string FormatTable(const std::vector<std::vector<std::string>>& rows) {
  std::string text;
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size(); ++i) text += r[i] + (i + 1 < r.size() ? "\t" : "\n");
  }
  return AlignColumns(text, kGetTableOptions);
}

std::string PrintPods(const std::vector<PodWithStatus>& pods, api::Time now, bool wide) {
  if (pods.empty()) return "No resources found in default namespace.\n";
  std::vector<std::vector<std::string>> rows;
  if (wide) {
    rows.push_back({"NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE", "READINESS GATES"});
  } else {
    rows.push_back({"NAME", "READY", "STATUS", "RESTARTS", "AGE"});
  }
  for (const auto& p : pods) {
    auto r = ComputePodRow(p, now);
    if (wide) {
      rows.push_back({r.name, r.ready, r.status, r.restarts, r.age, r.ip, r.node, "<none>", "<none>"});
    } else {
      rows.push_back({r.name, r.ready, r.status, r.restarts, r.age});
    }
  }
  return FormatTable(rows);
}

std::string PrintEvents(const std::vector<RecordedEvent>& events, api::Time now) {
  if (events.empty()) return "No resources found in default namespace.\n";
  std::vector<std::vector<std::string>> rows{{"LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"}};
  for (const auto& e : events) {
    std::string seen = Age(e.last_timestamp, now);
    if (e.count > 1) seen += " (x" + std::to_string(e.count) + " over " + Age(e.first_timestamp, now) + ")";
    std::string kind = e.object.kind;
    std::transform(kind.begin(), kind.end(), kind.begin(), [](unsigned char c) { return std::tolower(c); });
    rows.push_back({seen, e.type == EventType::kWarning ? "Warning" : "Normal", e.reason, kind + "/" + e.object.name,
                    e.message});
  }
  return FormatTable(rows);
}

}  // namespace kubenode::kubelet
