// Pod volumes on the node, as upstream's emptyDir and hostPath plugins: emptyDir is a directory under
// <root-dir>/pods/<uid>/volumes/kubernetes.io~empty-dir/<name> (tmpfs for medium Memory); hostPath is the
// node path, checked or created according to its type (DirectoryOrCreate, Directory, FileOrCreate, ...).
#pragma once

#include <map>
#include <string>

#include "api/pod.h"
#include "base/status.h"

namespace kubenode::kubelet {

// The pod's directory: <root_dir>/pods/<uid>.
std::string PodDir(const std::string& root_dir, const std::string& pod_uid);

// Sets up every volume of `pod`; returns volume name -> host path. Errors read like upstream's FailedMount
// message: `MountVolume.SetUp failed for volume "data" : hostPath type check failed: /x is not a directory`.
Result<std::map<std::string, std::string>> SetUpVolumes(const std::string& root_dir, const api::Pod& pod);

// Unmounts tmpfs emptyDirs and removes the pod directory (hostPath data is never touched).
Status TearDownPodDir(const std::string& root_dir, const std::string& pod_uid);

}  // namespace kubenode::kubelet
