// Pod volumes on the node, as upstream's emptyDir and hostPath plugins: emptyDir is a directory under
// <root-dir>/pods/<uid>/volumes/kubernetes.io~empty-dir/<name> (tmpfs for medium Memory); hostPath is the
// node path, checked or created according to its type (DirectoryOrCreate, Directory, FileOrCreate, ...).
#pragma once

#include <map>
#include <string>

#include "api/pod.h"
#include "base/status.h"
#include "kubelet/runtime/api_volumes.h"

namespace kubenode::kubelet {

// The pod's directory: <root_dir>/pods/<uid>.
std::string PodDir(const std::string& root_dir, const std::string& pod_uid);

// Sets up every volume of `pod`; returns volume name -> host path. Errors read like upstream's FailedMount
// message: `MountVolume.SetUp failed for volume "data" : hostPath type check failed: /x is not a directory`.
// `api_volumes` (API-server mode) writes configMap, secret, downwardAPI and projected volumes of API pods;
// without it, or for static pods, those stand in as empty directories (a FieldNotSupported event says so).
Result<std::map<std::string, std::string>> SetUpVolumes(const std::string& root_dir, const api::Pod& pod,
                                                        ApiVolumeWriter* api_volumes = nullptr);

// Unmounts tmpfs emptyDirs and removes the pod directory (hostPath data is never touched).
Status TearDownPodDir(const std::string& root_dir, const std::string& pod_uid);

}  // namespace kubenode::kubelet
