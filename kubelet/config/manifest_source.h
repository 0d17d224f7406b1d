// The static pod source for --pod-manifest-path (upstream config/file.go + file_linux.go): every regular
// *.yaml, *.yml or *.json file in the directory (not dot-files, not subdirectories) is decoded with
// api::DecodeManifests. inotify events about manifest names trigger a relist at once (a written file
// once it is closed, a renamed-over or deleted one, a new symlink); a full relist also runs every
// file_check_frequency.
//
// A file that fails to decode is skipped as a whole: it contributes the objects of its last valid
// content (so a broken edit keeps the running pod, as upstream's watch path does; upstream's periodic
// relist would drop the pod) or nothing if it never decoded. The error is logged and recorded as a
// Warning event on the Node, once per distinct content.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "kubelet/config/pod_source.h"
#include "kubelet/event_recorder.h"

namespace kubenode::kubelet {

class ManifestDirectorySource : public PodSource {
 public:
  ManifestDirectorySource(std::string path, std::string node_name, std::chrono::milliseconds file_check_frequency,
                          EventRecorder& events, ManifestSink manifest_sink = nullptr);
  ~ManifestDirectorySource() override;

  std::string Name() const override { return "file"; }
  Status Start(PodSnapshotSink sink) override;
  void Stop() override;
  void SyncNow(const PodSnapshotSink& sink) override;

 private:
  struct FileState {
    std::string content;
    std::vector<api::ManifestObject> objects;  // last valid
    std::string error;
  };
  void Run();
  void EnsureWatch();

  const std::string path_;
  const std::string node_name_;
  const std::chrono::milliseconds period_;
  EventRecorder& events_;
  ManifestSink manifest_sink_;

  std::mutex sync_mu_;  // serializes SyncNow
  std::map<std::string, FileState> files_;

  PodSnapshotSink sink_;
  std::thread thread_;
  int inotify_fd_ = -1;
  int watch_ = -1;
  int stop_fd_ = -1;  // eventfd that wakes the thread to stop
};

}  // namespace kubenode::kubelet
