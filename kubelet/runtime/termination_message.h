// Termination messages as upstream's kuberuntime (makeMounts, getTerminationMessage,
// readLastStringFromContainerLogs): each container instance gets an empty file
// <root-dir>/pods/<uid>/containers/<name>/<random id> mounted at its terminationMessagePath; once the
// container exited, the file's content (at most 4096 bytes) becomes the terminated state's message, or
// with FallbackToLogsOnError, an empty file and a failure, the last 80 lines (at most 2048 bytes) of its log.
#pragma once

#include <string>
#include <string_view>

#include "api/pod.h"
#include "base/status.h"
#include "cri/types.h"

namespace kubenode::kubelet {

inline constexpr char kTerminationMessagePathAnnotation[] = "io.kubernetes.container.terminationMessagePath";
inline constexpr char kTerminationMessagePolicyAnnotation[] = "io.kubernetes.container.terminationMessagePolicy";
// Where the file is on the node. Upstream finds it among the container status's mounts; an annotation
// works the same with any runtime and after a restart.
inline constexpr char kTerminationMessageHostPathAnnotation[] = "io.kubenode.container.terminationMessageHostPath";

inline constexpr size_t kMaxTerminationMessageLength = 4096;    // MaxContainerTerminationMessageLength
inline constexpr size_t kMaxTerminationMessageLogLines = 80;    // MaxContainerTerminationMessageLogLines
inline constexpr size_t kMaxTerminationMessageLogLength = 2048;  // MaxContainerTerminationMessageLogLength

// Creates the container instance's file (mode 0666) and adds its mount and annotations to `config`. With
// an empty terminationMessagePath nothing is mounted.
Status AddTerminationMessageMount(const std::string& root_dir, const api::Pod& pod, const api::Container& container,
                                  cri::ContainerConfig& config);

// The terminated state's message of an exited container: CRI's message, then ": " and the termination
// message if there is one.
std::string TerminationMessage(const cri::ContainerStatus& status);

// The log's last `max_lines` entries as the container wrote them (CRI log format: "<time> <stream> <P|F>
// <text>"; partial lines joined), then the last `max_bytes` bytes of that.
std::string LastLogText(std::string_view cri_log, size_t max_lines, size_t max_bytes);

}  // namespace kubenode::kubelet
