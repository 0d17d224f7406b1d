// The static pod source for --pod-manifest-path (upstream config/file.go + file_linux.go): every regular
// *.yaml, *.yml or *.json file in the directory (not dot-files, not subdirectories), in sorted name order
// as Go's os.ReadDir gives them, is decoded with api::DecodeManifests. inotify events about manifest names
// trigger a relist at once (a written file once it is closed, a renamed-over or deleted one, a new
// symlink); events that arrive together are drained and cost one relist. A full relist also runs every
// file_check_frequency; it stats every file (inode, size, mtime, ctime) and reads only those that changed,
// and delivers nothing when nothing changed.
//
// Faults keep what runs: only a missing directory (ENOENT) is an empty set. Any other error listing the
// directory keeps the last good state, is logged and recorded as a Warning event on the Node. A file that
// fails to decode or cannot be read contributes the objects of its last valid content (so a broken edit
// keeps the running pod, as upstream's watch path does; upstream's periodic relist would drop the pod) or
// nothing if it never decoded; the error is logged and recorded as an InvalidManifest event, once per
// distinct content or error. Only regular files are opened (O_NONBLOCK, checked with fstat), and one larger
// than kMaxManifestSize is an error naming it. Empty files are ignored, as upstream does.
//
// Two pods with one full name (namespace/name after defaulting): the one of the file that sorts first is
// kept, which a restart does not change; the other is dropped with a FailedValidation Warning event on it.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "kubelet/config/pod_source.h"
#include "kubelet/event_recorder.h"

namespace kubenode::kubelet {

// Upstream's maxConfigLength.
inline constexpr size_t kMaxManifestSize = 10 * 1024 * 1024;

// The decoded objects of a manifest file, handed over by whoever wrote the file (`kubenode apply` decodes and
// validates the text with the source's options before writing it), so that the source does not decode the
// same content again: for 10 000 Services that second decode took as long as the rest of the apply. An
// offer is for one content of `path` (its size and std::hash of its bytes) and is taken at most once; the
// source decodes as usual when the file it reads is not that content. `objects` must be what
// api::DecodeManifests with default options returns for that content and path (file, document, line
// included). The offer must be made before the file is renamed into place. Only the latest offer per path
// is kept, and only a few paths.
void OfferDecodedManifest(const std::string& path, size_t size, size_t content_hash,
                          std::vector<api::ManifestObject> objects);
// The offered objects for that content of `path`, removing the offer; nullopt if there is none.
std::optional<std::vector<api::ManifestObject>> TakeDecodedManifest(const std::string& path, size_t size,
                                                                    size_t content_hash);

class ManifestDirectorySource : public PodSource {
 public:
  ManifestDirectorySource(std::string path, std::string node_name, std::chrono::milliseconds file_check_frequency,
                          EventRecorder& events, ManifestSink manifest_sink = nullptr);
  ~ManifestDirectorySource() override;

  std::string Name() const override { return "file"; }
  Status Start(PodSnapshotSink sink) override;
  void Stop() override;
  // Always delivers the pods; the manifest sink gets the files changed since its last delivery (if any).
  void SyncNow(const PodSnapshotSink& sink) override;
  // Files this source decoded (not counting contents taken from OfferDecodedManifest).
  uint64_t decoded_files() const { return decoded_files_.load(); }

 private:
  // What stat says about a file: when all of it is equal, the content is taken to be unchanged.
  struct Stamp {
    dev_t dev = 0;
    ino_t ino = 0;
    off_t size = 0;
    int64_t mtime_ns = 0;
    int64_t ctime_ns = 0;
    bool operator==(const Stamp&) const = default;
  };
  struct FileState {
    Stamp stamp;
    size_t content_hash = 0;
    bool read = false;                         // content_hash is valid
    std::vector<api::ManifestObject> objects;  // last valid
    std::vector<api::Pod> pods;                // `objects`' pods, defaulted as static pods
    std::string error;                         // of the current content or the last read
    std::string reported;                      // the error last logged and recorded
  };
  enum class Listing { kOk, kMissing, kFailed };

  // Relists; delivers to `sink` when `always` or something changed.
  void Sync(const PodSnapshotSink& sink, bool always);
  // Sorted manifest names; `dir_fd` is opened on success (the caller closes it).
  Listing List(int& dir_fd, std::vector<std::string>& names, std::string& error);
  // Brings `state` up to date with the file `name`; returns false when the file is gone.
  // `changed` is set when its objects or error changed.
  bool Refresh(int dir_fd, const std::string& name, const std::string& file, FileState& state, bool& changed);
  void Report(FileState& state, const std::string& file);
  std::vector<api::Pod> PodsLocked();
  void Run();
  void RunOnce(std::chrono::steady_clock::time_point& next_relist);
  bool EnsureWatch();

  const std::string path_;
  const std::string node_name_;
  const std::chrono::milliseconds period_;
  EventRecorder& events_;
  ManifestSink manifest_sink_;

  std::mutex sync_mu_;  // serializes Sync; guards everything below it
  // Taken under sync_mu_ and held while delivering: deliveries (changes) arrive in the order computed.
  std::mutex deliver_mu_;
  std::map<std::string, FileState> files_;  // by path, sorted as the directory is read
  bool delivered_ = false;                  // the manifest sink had its first (full) delivery
  std::string dir_error_;                   // the directory error last reported
  std::set<std::string> empty_logged_;      // empty files already logged
  std::set<std::string> duplicates_;        // "file\npod full name" already reported
  std::atomic<uint64_t> decoded_files_{0};

  PodSnapshotSink sink_;
  std::thread thread_;
  int inotify_fd_ = -1;
  int watch_ = -1;
  int stop_fd_ = -1;  // eventfd that wakes the thread to stop
};

}  // namespace kubenode::kubelet
