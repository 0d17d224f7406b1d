#include "server/logs_handler.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "api/rfc3339.h"
#include "base/log.h"
#include "server/cri_log.h"

namespace kubenode::server {
namespace {

using SystemTime = std::chrono::system_clock::time_point;

std::string Quoted(const std::string& s) { return "\"" + s + "\""; }

// Go's strconv.ParseBool, as the parameter codec uses.
std::optional<bool> ParseBool(const std::string& v) {
  if (v == "1" || v == "t" || v == "T" || v == "true" || v == "TRUE" || v == "True") return true;
  if (v == "0" || v == "f" || v == "F" || v == "false" || v == "FALSE" || v == "False") return false;
  return std::nullopt;
}

std::optional<int64_t> ParseInt(const std::string& v) {
  int64_t out = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || end != v.data() + v.size()) return std::nullopt;
  return out;
}

struct Query {
  bool follow = false;
  bool previous = false;
  LogOptions log;
};

// v1.PodLogOptions from the query: nothing when it does not decode (400); `invalid` when it does not
// validate (422).
std::optional<Query> DecodeQuery(const Request& r, const Clock& clock, bool& invalid) {
  Query q;
  auto flag = [&](const char* name, bool& out) {
    if (!r.HasQuery(name)) return true;
    auto v = ParseBool(r.Query(name));
    if (v) out = *v;
    return v.has_value();
  };
  auto number = [&](const char* name, std::optional<int64_t>& out) {
    if (!r.HasQuery(name)) return true;
    out = ParseInt(r.Query(name));
    return out.has_value();
  };
  std::optional<int64_t> tail, since_seconds, limit;
  if (!flag("follow", q.follow) || !flag("previous", q.previous) || !flag("timestamps", q.log.timestamps) ||
      !number("sinceSeconds", since_seconds) || !number("limitBytes", limit)) {
    return std::nullopt;
  }
  // The legacy "tail" parameter; "all" is the same as none.
  if (r.HasQuery("tail")) {
    if (r.Query("tail") != "all") {
      tail = ParseInt(r.Query("tail"));
      if (!tail) return std::nullopt;
    }
  } else if (!number("tailLines", tail)) {
    return std::nullopt;
  }
  std::optional<SystemTime> since_time;
  if (r.HasQuery("sinceTime")) {
    auto t = api::ParseRFC3339(r.Query("sinceTime"));
    if (!t) return std::nullopt;
    since_time = *t;
  }
  invalid = (since_seconds && since_time) || (since_seconds && *since_seconds < 1) || (tail && *tail < 0) ||
            (limit && *limit < 1);
  if (tail) q.log.tail = *tail;
  if (limit) q.log.limit_bytes = *limit;
  if (since_seconds) q.log.since = clock.WallNow() - std::chrono::seconds(*since_seconds);
  if (since_time) q.log.since = since_time;
  return q;
}

bool HasContainer(const api::Pod& pod, const std::string& name) {
  for (const auto* list : {&pod.spec.containers, &pod.spec.init_containers}) {
    for (const auto& c : *list) {
      if (c.name == name) return true;
    }
  }
  return false;
}

std::string WithoutScheme(std::string id) {
  if (auto sep = id.find("://"); sep != std::string::npos) id = id.substr(sep + 3);
  return id;
}

// Follows one log file: what was there, then what is appended, across rotations.
class LogFollower {
 public:
  LogFollower(ContainerLogSource& source, std::string container_id, std::string path, const Query& query)
      : source_(source), id_(std::move(container_id)), path_(std::move(path)), query_(query),
        parser_(path_, query.log.stream, query.log.since), remaining_(query.log.limit_bytes) {}
  ~LogFollower() {
    if (fd_ >= 0) ::close(fd_);
    if (inotify_ >= 0) ::close(inotify_);
  }

  Status Open() {
    fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) return Status::Error("failed to open log file " + Quoted(path_) + ": " + std::strerror(errno));
    return {};
  }

  // The file as it is now, with tailLines; with follow only its complete lines.
  Result<std::string> Initial() {
    Result<std::string> text = ReadNew();
    if (!text.ok()) return text.status();
    auto lines = parser_.Feed(Complete(*text));
    if (!lines.ok()) return lines.status();
    if (!query_.follow) {
      for (auto& line : parser_.TakeUnfinished()) lines->push_back(std::move(line));
    }
    size_t first = 0;
    if (query_.log.tail >= 0 && static_cast<uint64_t>(query_.log.tail) < lines->size()) {
      first = lines->size() - static_cast<size_t>(query_.log.tail);
    }
    std::string out;
    for (size_t i = first; i < lines->size() && !Exhausted(); ++i) out += Limit(FormatLogLine((*lines)[i], query_.log.timestamps));
    return out;
  }

  // Streams what is appended until the container has exited and the file is drained, or the client goes.
  void Follow(ResponseStream& stream) {
    inotify_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (inotify_ >= 0) inotify_add_watch(inotify_, path_.c_str(), IN_MODIFY | IN_MOVE_SELF | IN_DELETE_SELF | IN_ATTRIB);
    bool exited = false;
    while (!Exhausted()) {
      Result<std::string> text = ReadNew();
      if (!text.ok()) {
        Logger("server")->warn("following {}: {}", path_, text.status().message());
        return;
      }
      std::string out;
      if (auto lines = parser_.Feed(exited ? std::string_view(*text) : Complete(*text)); lines.ok()) {
        for (const auto& line : *lines) out += Limit(FormatLogLine(line, query_.log.timestamps));
      }
      if (exited) {
        for (const auto& line : parser_.TakeUnfinished()) out += Limit(FormatLogLine(line, query_.log.timestamps));
      }
      if (!out.empty() && !stream.Write(out).ok()) return;
      if (exited || stream.ClientGone()) return;
      if (!text->empty()) continue;
      if (Rotated()) continue;
      // Nothing new: has the container exited? Then read once more (what it wrote last) and end.
      auto state = source_.ContainerLogOf(id_);
      if (!state.ok() || !state->running) {
        exited = true;
        continue;
      }
      Wait();
    }
  }

 private:
  bool Exhausted() const { return remaining_ == 0; }
  std::string Limit(std::string text) {
    if (remaining_ < 0) return text;
    if (static_cast<int64_t>(text.size()) > remaining_) text.resize(static_cast<size_t>(remaining_));
    remaining_ -= static_cast<int64_t>(text.size());
    return text;
  }

  // Bytes appended since the last read, joined with an incomplete last line kept from before.
  Result<std::string> ReadNew() {
    std::string text = std::move(carry_);
    carry_.clear();
    char buffer[64 * 1024];
    for (;;) {
      ssize_t n = ::read(fd_, buffer, sizeof(buffer));
      if (n < 0) {
        if (errno == EINTR) continue;
        return Status::Error("reading " + path_ + ": " + std::strerror(errno));
      }
      if (n == 0) break;
      text.append(buffer, static_cast<size_t>(n));
    }
    return text;
  }
  // The complete lines of `text`; the rest waits for its newline.
  std::string_view Complete(const std::string& text) {
    size_t end = text.rfind('\n');
    size_t keep = end == std::string::npos ? 0 : end + 1;
    carry_ = text.substr(keep);
    return std::string_view(text).substr(0, keep);
  }
  // The runtime moved the file away (log rotation) and writes a new one at the path: drained already, so
  // switch to the new file.
  bool Rotated() {
    struct stat now{}, open{};
    if (::stat(path_.c_str(), &now) != 0 || ::fstat(fd_, &open) != 0) return false;
    if (now.st_ino == open.st_ino && now.st_dev == open.st_dev) return false;
    int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    ::close(fd_);
    fd_ = fd;
    carry_.clear();
    if (inotify_ >= 0) {
      ::close(inotify_);
      inotify_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
      if (inotify_ >= 0) inotify_add_watch(inotify_, path_.c_str(), IN_MODIFY | IN_MOVE_SELF | IN_DELETE_SELF | IN_ATTRIB);
    }
    return true;
  }
  // Until the file changes, or a short while: the client and the container's state are checked between.
  void Wait() {
    constexpr int kCheckMillis = 250;
    if (inotify_ < 0) {
      ::poll(nullptr, 0, kCheckMillis);
      return;
    }
    pollfd p{inotify_, POLLIN, 0};
    if (::poll(&p, 1, kCheckMillis) > 0) {
      char events[4096];
      while (::read(inotify_, events, sizeof(events)) > 0) {
      }
    }
  }

  ContainerLogSource& source_;
  std::string id_, path_;
  const Query& query_;
  CriLogParser parser_;
  int64_t remaining_;  // limitBytes left; negative: no limit
  int fd_ = -1, inotify_ = -1;
  std::string carry_;
};

}  // namespace

Result<std::string> LogContainerId(const kubelet::PodWithStatus& pod, const std::string& container, bool previous) {
  const std::string& pod_name = pod.pod.metadata.name;
  const api::ContainerStatus* cs = nullptr;
  for (const auto* list : {&pod.status.container_statuses, &pod.status.init_container_statuses}) {
    for (const auto& s : *list) {
      if (s.name == container) cs = &s;
    }
  }
  const std::string which = "container " + Quoted(container) + " in pod " + Quoted(pod_name);
  if (!cs) return Status::Error(which + " is not available");
  const auto& last = cs->last_state.terminated;
  if (previous) {
    if (!last || last->container_id.empty()) {
      return Status::Error("previous terminated container " + Quoted(container) + " in pod " + Quoted(pod_name) +
                           " not found");
    }
    return WithoutScheme(last->container_id);
  }
  if (cs->state.running && !cs->container_id.empty()) return WithoutScheme(cs->container_id);
  if (cs->state.terminated) {
    std::string id = !cs->state.terminated->container_id.empty() ? cs->state.terminated->container_id : cs->container_id;
    if (!id.empty()) return WithoutScheme(id);
    if (last && !last->container_id.empty()) return WithoutScheme(last->container_id);
    return Status::Error(which + " is terminated");
  }
  if (last) {
    if (last->container_id.empty()) return Status::Error(which + " is terminated");
    return WithoutScheme(last->container_id);
  }
  if (cs->state.waiting) {
    const std::string& reason = cs->state.waiting->reason;
    if (reason == "ErrImagePull") return Status::Error(which + " is waiting to start: image can't be pulled");
    if (reason == "ImagePullBackOff") {
      return Status::Error(which + " is waiting to start: trying and failing to pull image");
    }
    return Status::Error(which + " is waiting to start: " + reason);
  }
  return Status::Error(which + " is waiting to start - no logs yet");
}

Handler ContainerLogsHandler(ContainerLogSource& source, const Clock& clock) {
  return [&source, &clock](Exchange& e) {
    const Request& r = e.request();
    std::vector<std::string> parts = PathSegments(r.path, "/containerLogs/");
    // Upstream's messages, JSON-looking text included.
    if (parts.size() < 2) return e.Respond(Response::Text(400, R"({"message": "Missing podID."})"));
    if (parts.size() < 3) return e.Respond(Response::Text(400, R"({"message": "Missing container name."})"));
    const std::string &ns = parts[0], &pod_name = parts[1], &container = parts[2];
    bool invalid = false;
    std::optional<Query> query = DecodeQuery(r, clock, invalid);
    if (!query) return e.Respond(Response::Text(400, R"({"message": "Unable to decode query."})"));
    if (invalid) return e.Respond(Response::Text(422, R"({"message": "Invalid request."})"));

    std::optional<kubelet::PodWithStatus> pod = source.GetPod(ns, pod_name);
    if (!pod) return e.Respond(Response::Text(404, "pod " + Quoted(pod_name) + " does not exist"));
    if (!HasContainer(pod->pod, container)) {
      return e.Respond(Response::Text(404, "container " + Quoted(container) + " not found in pod " + Quoted(pod_name)));
    }
    Result<std::string> id = LogContainerId(*pod, container, query->previous);
    if (!id.ok()) return e.Respond(Response::Text(400, id.status().message()));
    auto log = source.ContainerLogOf(*id);
    if (!log.ok()) return e.Respond(Response::Text(400, log.status().message()));
    // A previous container's log does not grow; upstream follows only the current one too.
    if (query->previous || !log->running) query->follow = false;

    LogFollower follower(source, *id, log->path, *query);
    if (Status s = follower.Open(); !s.ok()) return e.Respond(Response::Text(400, s.message()));
    Result<std::string> initial = follower.Initial();
    if (!initial.ok()) return e.Respond(Response::Text(400, initial.status().message()));
    ResponseStream* stream = e.StartStream(200, "text/plain; charset=utf-8");
    if (!stream) return;
    if (!initial->empty() && !stream->Write(*initial).ok()) return;
    if (query->follow) follower.Follow(*stream);
  };
}

}  // namespace kubenode::server
