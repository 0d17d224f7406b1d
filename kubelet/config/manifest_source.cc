#include "kubelet/config/manifest_source.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/log.h"
#include "kubelet/config/static_pod.h"

namespace kubenode::kubelet {
namespace {

namespace fs = std::filesystem;

bool IsManifestName(const std::string& name) {
  if (name.empty() || name[0] == '.') return false;
  for (const char* ext : {".yaml", ".yml", ".json"}) {
    if (name.size() > std::strlen(ext) && name.ends_with(ext)) return true;
  }
  return false;
}

// Whether an inotify event can change the snapshot. Writes count once the writer closes the file
// (IN_CLOSE_WRITE), not at creation or on each write(): relisting then would read a half-written file,
// report it as invalid and maybe run a truncated pod. A new symlink has no close, so its creation counts.
bool Relevant(const std::string& dir, const inotify_event& ev) {
  if (ev.mask & IN_Q_OVERFLOW) return true;
  if (ev.len == 0) return true;  // the directory itself
  if (!IsManifestName(ev.name)) return false;
  if (ev.mask & IN_CREATE) {
    std::error_code ec;
    return (ev.mask & IN_ISDIR) == 0 && fs::is_symlink(fs::path(dir) / ev.name, ec);
  }
  return true;
}

}  // namespace

ManifestDirectorySource::ManifestDirectorySource(std::string path, std::string node_name,
                                                 std::chrono::milliseconds file_check_frequency, EventRecorder& events,
                                                 ManifestSink manifest_sink)
    : path_(std::move(path)),
      node_name_(std::move(node_name)),
      period_(file_check_frequency),
      events_(events),
      manifest_sink_(std::move(manifest_sink)) {}

ManifestDirectorySource::~ManifestDirectorySource() { Stop(); }

void ManifestDirectorySource::SyncNow(const PodSnapshotSink& sink) {
  auto log = Logger("kubelet");
  std::vector<api::Pod> pods;
  std::vector<ManifestFile> manifests;
  {
    std::lock_guard lock(sync_mu_);
    std::map<std::string, FileState> next;
    std::error_code ec;
    if (!fs::is_directory(path_, ec)) {
      log->debug("pod manifest path {} does not exist, ignoring", path_);
    } else {
      for (const auto& entry : fs::directory_iterator(path_, ec)) {
        const auto name = entry.path().filename().string();
        if (!IsManifestName(name)) continue;
        if (!entry.is_regular_file(ec)) continue;  // upstream does not recurse into directories
        const auto file = entry.path().string();
        std::ifstream in(file, std::ios::binary);
        if (!in) continue;  // removed between the listing and the read
        std::stringstream buf;
        buf << in.rdbuf();
        FileState state;
        state.content = buf.str();
        auto old = files_.find(file);
        if (old != files_.end() && old->second.content == state.content) {
          next[file] = old->second;
          continue;
        }
        auto decoded = api::DecodeManifests(state.content, file);
        if (decoded.ok()) {
          state.objects = std::move(decoded).value();
        } else {
          state.error = decoded.status().message();
          if (old != files_.end()) state.objects = old->second.objects;
          log->error("could not process manifest file {}: {}", file, state.error);
          events_.Event(EventObject{"Node", "", node_name_, node_name_, ""}, EventType::kWarning, "InvalidManifest",
                        "Could not process manifest file \"" + file + "\": " + state.error);
        }
        next[file] = std::move(state);
      }
    }
    files_ = std::move(next);
    for (const auto& [file, state] : files_) {
      for (const auto& obj : state.objects) {
        if (const auto* pod = std::get_if<api::Pod>(&obj.object)) {
          api::Pod p = *pod;
          ApplyStaticPodDefaults(p, node_name_, file);
          pods.push_back(std::move(p));
        }
      }
      manifests.push_back({file, state.objects, state.error});
    }
  }
  if (sink) sink(Name(), std::move(pods));
  if (manifest_sink_) manifest_sink_(manifests);
}

void ManifestDirectorySource::EnsureWatch() {
  if (inotify_fd_ < 0 || watch_ >= 0) return;
  watch_ = inotify_add_watch(inotify_fd_, path_.c_str(),
                             IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE | IN_ATTRIB |
                                 IN_DELETE_SELF | IN_MOVE_SELF);
  if (watch_ < 0 && errno != ENOENT) {
    Logger("kubelet")->warn("inotify watch on {}: {} (falling back to relisting every {}ms)", path_,
                            std::strerror(errno), period_.count());
  }
}

Status ManifestDirectorySource::Start(PodSnapshotSink sink) {
  sink_ = std::move(sink);
  inotify_fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_fd_ < 0) return Status::Error(std::string("inotify_init1: ") + std::strerror(errno));
  stop_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_fd_ < 0) return Status::Error(std::string("eventfd: ") + std::strerror(errno));
  EnsureWatch();
  SyncNow(sink_);
  thread_ = std::thread([this] { Run(); });
  return {};
}

void ManifestDirectorySource::Run() {
  auto next_relist = std::chrono::steady_clock::now() + period_;
  char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
  for (;;) {
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_relist - std::chrono::steady_clock::now());
    pollfd fds[2] = {{stop_fd_, POLLIN, 0}, {inotify_fd_, POLLIN, 0}};
    int n = ::poll(fds, 2, static_cast<int>(std::max<int64_t>(0, wait.count())));
    if (n < 0 && errno != EINTR) {
      Logger("kubelet")->error("poll on inotify: {}", std::strerror(errno));
      return;
    }
    if (fds[0].revents & POLLIN) return;
    bool changed = false;
    if (fds[1].revents & POLLIN) {
      ssize_t len;
      while ((len = ::read(inotify_fd_, buf, sizeof(buf))) > 0) {
        for (char* p = buf; p < buf + len;) {
          auto* ev = reinterpret_cast<inotify_event*>(p);
          if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) watch_ = -1;  // re-added below
          changed = changed || Relevant(path_, *ev);
          p += sizeof(inotify_event) + ev->len;
        }
      }
    }
    const bool periodic = std::chrono::steady_clock::now() >= next_relist;
    if (periodic) next_relist = std::chrono::steady_clock::now() + period_;
    if (changed || periodic) {
      EnsureWatch();
      SyncNow(sink_);
    }
  }
}

void ManifestDirectorySource::Stop() {
  if (thread_.joinable()) {
    uint64_t one = 1;
    if (::write(stop_fd_, &one, sizeof(one)) < 0) Logger("kubelet")->warn("eventfd write: {}", std::strerror(errno));
    thread_.join();
  }
  if (inotify_fd_ >= 0) ::close(inotify_fd_);
  if (stop_fd_ >= 0) ::close(stop_fd_);
  inotify_fd_ = stop_fd_ = watch_ = -1;
}

}  // namespace kubenode::kubelet
