// Pod sources, as upstream kubelet/config: each source delivers the complete set of pods it has (a
// snapshot, upstream's SET operation) under its name ("file", later "api"); PodConfig merges the
// snapshots and tells the kubelet what was added, updated and removed.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "api/decode.h"
#include "api/pod.h"
#include "base/status.h"

namespace kubenode::kubelet {

// Called by a source with its full set of pods (already defaulted: names, UIDs, annotations).
using PodSnapshotSink = std::function<void(const std::string& source, std::vector<api::Pod> pods)>;

class PodSource {
 public:
  virtual ~PodSource() = default;
  virtual std::string Name() const = 0;
  // Starts delivering snapshots to `sink` (from the source's own thread). Delivers one immediately.
  virtual Status Start(PodSnapshotSink sink) = 0;
  virtual void Stop() = 0;
  // Reads the source now and delivers a snapshot from the calling thread (tests, and the first sync).
  virtual void SyncNow(const PodSnapshotSink& sink) = 0;
};

// Everything a manifest directory holds, file by file, for consumers of other kinds (the proxy takes
// the Services). A file that failed to decode has `error` set and keeps its last valid objects.
struct ManifestFile {
  std::string path;
  std::vector<api::ManifestObject> objects;
  std::string error;  // empty when the current content decoded
};
using ManifestSink = std::function<void(const std::vector<ManifestFile>& files)>;

}  // namespace kubenode::kubelet
