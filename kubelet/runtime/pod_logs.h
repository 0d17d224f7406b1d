// The pod log directories under --pod-logs-dir (<root>/<namespace>_<name>_<uid>/<container>/<N>.log),
// as upstream kuberuntime reads and removes them.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"

namespace kubenode::kubelet {

// Upstream calcRestartCountByLogDir: for a container the runtime has no trace of (containerd's state was
// wiped, e.g. after a node reboot), the next restart count is one past the highest "<N>.log" (or rotated
// "<N>.log.<suffix>") in its log directory, so counting goes on and an old log is never reused. 0 when
// the directory does not exist or holds no such file.
int32_t RestartCountFromLogs(const std::string& container_log_dir);

// Removes every log directory of pod `uid` (upstream's container GC evicts the logs of removed pods).
// Needed because static pod UIDs are stable: a manifest removed and added again must start at
// restartCount 0, not continue from the old pod's log files.
Status RemovePodLogs(const std::string& pod_logs_root, const std::string& uid);

}  // namespace kubenode::kubelet
