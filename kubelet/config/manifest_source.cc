#include "kubelet/config/manifest_source.h"

#include <dirent.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>

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

int64_t Nanos(const timespec& t) { return int64_t{t.tv_sec} * 1'000'000'000 + t.tv_nsec; }

std::string Errno(const std::string& what, int err) { return what + ": " + std::strerror(err); }

// Reads a regular file without ever blocking on it (a FIFO swapped in after the stat is refused by fstat)
// and without reading more than kMaxManifestSize + 1 bytes.
Result<std::string> ReadManifest(int dir_fd, const std::string& name, const std::string& file) {
  int fd = ::openat(dir_fd, name.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return Status::Error(Errno("open " + file, errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::Error(file + ": not a regular file");
  }
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return Status::Error(Errno("read " + file, err));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > kMaxManifestSize) {
      ::close(fd);
      return Status::Error(file + ": larger than " + std::to_string(kMaxManifestSize) + " bytes, not read");
    }
  }
  ::close(fd);
  return out;
}

// Upstream's full name of a pod, as kubecontainer.GetPodFullName: "<name>_<namespace>".
std::string FullName(const api::Pod& pod) { return pod.metadata.name + "_" + pod.metadata.ns; }

}  // namespace

namespace {

struct Offer {
  size_t size = 0;
  size_t content_hash = 0;
  std::vector<api::ManifestObject> objects;
  uint64_t sequence = 0;
};
// A handful: apply writes one file per request and the source takes it within one directory event.
constexpr size_t kMaxOffers = 8;
std::mutex offers_mu;
std::map<std::string, Offer> offers;  // by path; guarded by offers_mu
uint64_t offer_sequence = 0;          // guarded by offers_mu

}  // namespace

void OfferDecodedManifest(const std::string& path, size_t size, size_t content_hash,
                          std::vector<api::ManifestObject> objects) {
  std::lock_guard lock(offers_mu);
  offers[path] = Offer{size, content_hash, std::move(objects), ++offer_sequence};
  while (offers.size() > kMaxOffers) {
    auto oldest = std::min_element(offers.begin(), offers.end(),
                                   [](const auto& a, const auto& b) { return a.second.sequence < b.second.sequence; });
    offers.erase(oldest);
  }
}

std::optional<std::vector<api::ManifestObject>> TakeDecodedManifest(const std::string& path, size_t size,
                                                                    size_t content_hash) {
  std::lock_guard lock(offers_mu);
  auto it = offers.find(path);
  if (it == offers.end() || it->second.size != size || it->second.content_hash != content_hash) return std::nullopt;
  std::vector<api::ManifestObject> objects = std::move(it->second.objects);
  offers.erase(it);
  return objects;
}

ManifestDirectorySource::ManifestDirectorySource(std::string path, std::string node_name,
                                                 std::chrono::milliseconds file_check_frequency, EventRecorder& events,
                                                 ManifestSink manifest_sink)
    : path_(std::move(path)),
      node_name_(std::move(node_name)),
      period_(file_check_frequency),
      events_(events),
      manifest_sink_(std::move(manifest_sink)) {}

ManifestDirectorySource::~ManifestDirectorySource() { Stop(); }

void ManifestDirectorySource::SyncNow(const PodSnapshotSink& sink) { Sync(sink, /*always=*/true); }

ManifestDirectorySource::Listing ManifestDirectorySource::List(int& dir_fd, std::vector<std::string>& names,
                                                              std::string& error) {
  dir_fd = ::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) {
    if (errno == ENOENT) return Listing::kMissing;
    error = Errno("pod manifest path " + path_, errno);
    return Listing::kFailed;
  }
  DIR* dir = ::fdopendir(::dup(dir_fd));
  if (dir == nullptr) {
    error = Errno("opendir " + path_, errno);
    ::close(dir_fd);
    return Listing::kFailed;
  }
  for (;;) {
    errno = 0;
    const dirent* entry = ::readdir(dir);
    if (entry == nullptr) {
      if (errno != 0) error = Errno("reading pod manifest path " + path_, errno);
      break;
    }
    if (IsManifestName(entry->d_name)) names.emplace_back(entry->d_name);
  }
  ::closedir(dir);
  if (!error.empty()) {
    ::close(dir_fd);
    return Listing::kFailed;
  }
  std::sort(names.begin(), names.end());  // byte order, as Go's os.ReadDir
  return Listing::kOk;
}

bool ManifestDirectorySource::Refresh(int dir_fd, const std::string& name, const std::string& file, FileState& state,
                                      bool& changed) {
  auto log = Logger("kubelet");
  const std::string old_error = state.error;
  struct stat st {};
  if (::fstatat(dir_fd, name.c_str(), &st, 0) != 0) {
    if (errno == ENOENT) return false;  // removed, or a dangling symlink: nothing to read
    state.error = Errno("stat " + file, errno);
    state.read = false;  // read again once it can be stat'ed
    Report(state, file);
    changed = state.error != old_error;
    return true;
  }
  if (!S_ISREG(st.st_mode)) return false;  // directories, FIFOs, devices: not manifests (upstream skips them)
  const Stamp stamp{st.st_dev, st.st_ino, st.st_size, Nanos(st.st_mtim), Nanos(st.st_ctim)};
  if (state.read && state.stamp == stamp) return true;

  auto content = ReadManifest(dir_fd, name, file);
  if (!content.ok()) {
    state.error = content.status().message();
    state.read = false;
    Report(state, file);
    changed = state.error != old_error;
    return true;
  }
  state.stamp = stamp;
  const size_t hash = std::hash<std::string>{}(*content);
  if (state.read && hash == state.content_hash) return true;  // touched, not changed
  state.read = true;
  state.content_hash = hash;
  if (content->find_first_not_of(" \t\r\n") == std::string::npos) {
    if (empty_logged_.insert(file).second) log->info("manifest file {} is empty, ignoring", file);
    changed = !state.objects.empty() || !old_error.empty();
    state.objects.clear();
    state.pods.clear();
    state.error.clear();
    state.reported.clear();
    return true;
  }
  empty_logged_.erase(file);
  std::optional<std::vector<api::ManifestObject>> offered = TakeDecodedManifest(file, content->size(), hash);
  if (!offered) ++decoded_files_;
  auto decoded = offered ? Result<std::vector<api::ManifestObject>>(std::move(*offered))
                         : api::DecodeManifests(*content, file);
  if (!decoded.ok()) {
    state.error = decoded.status().message();
    state.reported.clear();  // another content: reported again even if the message is the same
    Report(state, file);
    changed = true;
    return true;
  }
  state.objects = std::move(decoded).value();
  state.pods.clear();
  for (const auto& obj : state.objects) {
    if (const api::Pod* pod = obj.pod()) {
      api::Pod p = *pod;
      ApplyStaticPodDefaults(p, node_name_, file);
      state.pods.push_back(std::move(p));
    }
  }
  state.error.clear();
  state.reported.clear();
  changed = true;
  return true;
}

void ManifestDirectorySource::Report(FileState& state, const std::string& file) {
  if (state.error.empty() || state.error == state.reported) return;
  state.reported = state.error;
  Logger("kubelet")->error("could not process manifest file {}: {}", file, state.error);
  events_.Event(EventObject{"Node", "", node_name_, node_name_, ""}, EventType::kWarning, "InvalidManifest",
                "Could not process manifest file \"" + file + "\": " + state.error);
}

std::vector<api::Pod> ManifestDirectorySource::PodsLocked() {
  std::vector<api::Pod> pods;
  std::map<std::string, std::string> owner;  // full name -> file of the pod kept
  std::set<std::string> duplicates;
  for (const auto& [file, state] : files_) {  // sorted by path: the first file keeps the name
    for (const auto& pod : state.pods) {
      const std::string full = FullName(pod);
      auto [it, fresh] = owner.emplace(full, file);
      if (!fresh) {
        const std::string key = file + "\n" + full;
        duplicates.insert(key);
        if (duplicates_.contains(key)) continue;
        const std::string message = "Error validating pod " + pod.metadata.name + " from file due to duplicate pod name \"" +
                                    full + "\", ignoring: the pod of " + file + " has the name of the pod of " +
                                    it->second + ", which is kept";
        Logger("kubelet")->warn("{}", message);
        events_.Event(EventObject{"Pod", pod.metadata.ns, pod.metadata.name, pod.metadata.uid, ""}, EventType::kWarning,
                      "FailedValidation", message);
        continue;
      }
      pods.push_back(pod);
    }
  }
  duplicates_ = std::move(duplicates);  // a duplicate fixed and made again is reported again
  return pods;
}

void ManifestDirectorySource::Sync(const PodSnapshotSink& sink, bool always) {
  auto log = Logger("kubelet");
  std::vector<api::Pod> pods;
  std::vector<ManifestFile> changes;
  bool deliver_pods = always;
  std::unique_lock lock(sync_mu_);
  int dir_fd = -1;
  std::vector<std::string> names;
  std::string error;
  switch (List(dir_fd, names, error)) {
    case Listing::kFailed:
      // Not knowing what the directory holds is not knowing that pods went: keep them.
      if (error != dir_error_) {
        dir_error_ = error;
        log->error("{}; keeping the pods of the last listing", error);
        events_.Event(EventObject{"Node", "", node_name_, node_name_, ""}, EventType::kWarning, "InvalidManifest",
                      error + "; keeping the pods of the last listing");
      }
      break;
    case Listing::kMissing:
      dir_error_.clear();
      if (!files_.empty() || !delivered_) log->info("pod manifest path {} does not exist, ignoring", path_);
      for (const auto& [file, state] : files_) changes.push_back({file, {}, "", true});
      deliver_pods = deliver_pods || !files_.empty();
      files_.clear();
      break;
    case Listing::kOk: {
      dir_error_.clear();
      std::map<std::string, FileState> next;
      for (const auto& name : names) {
        const std::string file = (fs::path(path_) / name).string();
        auto old = files_.find(file);
        FileState state = old != files_.end() ? std::move(old->second) : FileState{};
        bool changed = old == files_.end();
        if (!Refresh(dir_fd, name, file, state, changed)) continue;
        if (changed) changes.push_back({file, state.objects, state.error, false});
        next.emplace(file, std::move(state));
      }
      ::close(dir_fd);
      for (const auto& [file, state] : files_) {
        if (!next.contains(file)) {
          changes.push_back({file, {}, "", true});
          empty_logged_.erase(file);
        }
      }
      files_ = std::move(next);
      break;
    }
  }
  if (!delivered_) {  // the first delivery is everything there is
    changes.clear();
    for (const auto& [file, state] : files_) changes.push_back({file, state.objects, state.error, false});
  }
  deliver_pods = deliver_pods || !delivered_ || !changes.empty();
  const bool deliver_files = manifest_sink_ && (!delivered_ || !changes.empty());
  delivered_ = true;
  if (deliver_pods) pods = PodsLocked();
  std::lock_guard deliver(deliver_mu_);
  lock.unlock();
  // Both sinks get their delivery even if the first throws: the manifest sink's changes are not repeated.
  std::exception_ptr failed;
  try {
    if (deliver_pods && sink) sink(Name(), std::move(pods));
  } catch (...) {
    failed = std::current_exception();
  }
  if (deliver_files) manifest_sink_(changes);
  // Decoding a file builds a YAML tree many times its size (a 25 MB file passed 100 MB); give that back once
  // the change is delivered, or RSS keeps every past peak. Changes are rare (someone edited a file).
  if (!changes.empty()) {
    changes.clear();
    malloc_trim(0);
  }
  if (failed) std::rethrow_exception(failed);
}

bool ManifestDirectorySource::EnsureWatch() {
  if (inotify_fd_ < 0 || watch_ >= 0) return false;
  watch_ = inotify_add_watch(inotify_fd_, path_.c_str(),
                             IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE | IN_ATTRIB |
                                 IN_DELETE_SELF | IN_MOVE_SELF);
  if (watch_ < 0 && errno != ENOENT) {
    Logger("kubelet")->warn("inotify watch on {}: {} (retrying; relisting every {}ms)", path_, std::strerror(errno),
                            period_.count());
  }
  return watch_ >= 0;
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

// A failure inside one round (a sink throwing, poll failing) must not end the source: the pods would stop
// following their manifests without anyone noticing. It is logged, and repeated failures are spaced out.
void ManifestDirectorySource::Run() {
  auto next_relist = std::chrono::steady_clock::now() + period_;
  auto pause = std::chrono::milliseconds(0);
  for (;;) {
    uint64_t stop = 0;
    if (::read(stop_fd_, &stop, sizeof(stop)) == sizeof(stop)) return;
    try {
      RunOnce(next_relist);
      pause = std::chrono::milliseconds(0);
      continue;
    } catch (const std::exception& e) {
      Logger("kubelet")->error("manifest source {}: {}", path_, e.what());
    } catch (...) {
      Logger("kubelet")->error("manifest source {}: unknown exception", path_);
    }
    pause = std::min(std::chrono::milliseconds(1000), std::max(std::chrono::milliseconds(50), pause * 2));
    pollfd fd{stop_fd_, POLLIN, 0};
    ::poll(&fd, 1, static_cast<int>(pause.count()));  // the pause ends early on Stop
  }
}

void ManifestDirectorySource::RunOnce(std::chrono::steady_clock::time_point& next_relist) {
  // Without a watch (the directory is missing, or inotify refused it) retry it every second: a recreated
  // directory is then seen at once rather than at the next periodic relist.
  constexpr auto kWatchRetry = std::chrono::milliseconds(1000);
  auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_relist - std::chrono::steady_clock::now());
  if (watch_ < 0) wait = std::min(wait, kWatchRetry);
  pollfd fds[2] = {{stop_fd_, POLLIN, 0}, {inotify_fd_, POLLIN, 0}};
  int n = ::poll(fds, 2, static_cast<int>(std::max<int64_t>(0, wait.count())));
  if (n < 0 && errno != EINTR) throw std::runtime_error(Errno("poll on inotify", errno));
  if (fds[0].revents & POLLIN) return;  // Run sees the stop
  bool changed = false;
  if (fds[1].revents & POLLIN) {
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    ssize_t len;
    while ((len = ::read(inotify_fd_, buf, sizeof(buf))) > 0) {  // drain: one relist for all of them
      for (char* p = buf; p < buf + len;) {
        auto* ev = reinterpret_cast<inotify_event*>(p);
        if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
          if (watch_ >= 0) inotify_rm_watch(inotify_fd_, watch_);
          watch_ = -1;  // re-added below
          changed = true;
        }
        changed = changed || Relevant(path_, *ev);
        p += sizeof(inotify_event) + ev->len;
      }
    }
  }
  const bool periodic = std::chrono::steady_clock::now() >= next_relist;
  if (periodic) next_relist = std::chrono::steady_clock::now() + period_;
  if (EnsureWatch()) changed = true;  // (re)watched: what happened meanwhile was not seen
  if (changed || periodic) Sync(sink_, /*always=*/false);
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
