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

// What a manifest directory holds, file by file, for consumers of other kinds (the proxy takes the
// Services). A file that failed to decode (or could not be read) has `error` set and keeps its last valid
// objects; a file that left the directory comes once more with `removed` set and no objects.
struct ManifestFile {
  std::string path;
  std::vector<api::ManifestObject> objects;
  std::string error;  // empty when the current content decoded
  bool removed = false;
};
// Deliveries are changes: the first one holds every file (possibly none), each later one only the files
// that were added, changed or removed since the previous delivery (never empty). A consumer applying them
// in order to an empty start has the directory's contents; one changed file costs it one file's work.
using ManifestSink = std::function<void(const std::vector<ManifestFile>& changed)>;

}  // namespace kubenode::kubelet
