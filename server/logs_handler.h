// GET /containerLogs/<namespace>/<pod>/<container>: a container's log from its CRI log file, with
// upstream's PodLogOptions query (follow, previous, tailLines, timestamps, sinceSeconds, sinceTime,
// limitBytes; the legacy "tail") and upstream's errors. follow streams new lines as the runtime writes
// them (inotify, rotation handled) until the container has exited and its file is drained, or the client
// goes away.
#pragma once

#include <optional>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "kubelet/status/status_manager.h"
#include "server/http.h"

namespace kubenode::server {

// What the handler needs from the kubelet and the runtime.
class ContainerLogSource {
 public:
  virtual ~ContainerLogSource() = default;
  virtual std::optional<kubelet::PodWithStatus> GetPod(const std::string& ns, const std::string& name) = 0;
  struct ContainerLog {
    std::string path;  // the CRI log file
    bool running = false;
  };
  // By CRI container ID (without the "containerd://" scheme).
  virtual Result<ContainerLog> ContainerLogOf(const std::string& container_id) = 0;
};

Handler ContainerLogsHandler(ContainerLogSource& source, const Clock& clock);

// The container whose log `previous` (or not) asks for, as upstream's validateContainerLogStatus picks it:
// its CRI ID, or the error kubectl shows ("container \"c\" in pod \"p\" is waiting to start: ...").
Result<std::string> LogContainerId(const kubelet::PodWithStatus& pod, const std::string& container, bool previous);

}  // namespace kubenode::server
