#include "agent/local_api.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "base/log.h"

namespace kubenode::agent {
namespace {

using Clock = std::chrono::steady_clock;

Result<sockaddr_un> SocketAddress(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) return Status::Error("socket path too long: " + path);
  path.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
  return addr;
}

void SetSendTimeout(int fd, std::chrono::milliseconds timeout) {
  timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

// Blocking send, bounded by the socket's SO_SNDTIMEO.
bool WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

std::string MiB(size_t bytes) { return std::to_string(bytes / (1024 * 1024)) + " MiB"; }

// Reads until the peer shuts down its write side, `deadline` passes (*timed_out) or more than `max_bytes`
// arrived.
Result<std::string> ReadAll(int fd, Clock::time_point deadline, size_t max_bytes, const std::string& what,
                            bool* timed_out = nullptr) {
  std::string data;
  char buf[65536];
  while (true) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      if (timed_out) *timed_out = true;
      return Status::Error(what + " timed out");
    }
    pollfd pfd{fd, POLLIN, 0};
    int ready = poll(&pfd, 1, static_cast<int>(std::min<int64_t>(left.count(), INT32_MAX)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return Status::Error(std::string("poll: ") + std::strerror(errno));
    if (ready == 0) continue;  // the deadline check above reports it
    ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    // A peer that closed with our data unread (a refused request) leaves ECONNRESET behind its last words.
    if (n < 0 && errno == ECONNRESET && !data.empty()) return data;
    if (n < 0) return Status::Error(std::string("read: ") + std::strerror(errno));
    if (n == 0) return data;
    data.append(buf, static_cast<size_t>(n));
    if (data.size() > max_bytes) return Status::Error(what + " larger than " + MiB(max_bytes));
  }
}

// Replies may carry whatever a container printed or an event said: invalid UTF-8 becomes U+FFFD rather
// than throwing type_error 316 out of the connection thread (std::terminate).
std::string EncodeReply(const Reply& reply) {
  nlohmann::json out = {{"exit_code", reply.exit_code}, {"out", reply.out}, {"err", reply.err}};
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

LocalApiServer::LocalApiServer(std::string socket_path, LocalApiOptions options)
    : socket_path_(std::move(socket_path)), options_(options) {}

LocalApiServer::~LocalApiServer() { Stop(); }

void LocalApiServer::Route(const std::string& route, Handler handler) { routes_[route] = std::move(handler); }

Status LocalApiServer::Start() {
  auto addr = SocketAddress(socket_path_);
  if (!addr.ok()) return addr.status();
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(socket_path_).parent_path(), ec);
  unlink(socket_path_.c_str());
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) return Status::Error(std::string("local API eventfd: ") + std::strerror(errno));
  listen_fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0 || bind(listen_fd_, reinterpret_cast<const sockaddr*>(&*addr), sizeof(*addr)) != 0 ||
      chmod(socket_path_.c_str(), 0600) != 0 || listen(listen_fd_, 128) != 0) {
    Status s = Status::Error("local API socket " + socket_path_ + ": " + std::strerror(errno));
    if (listen_fd_ >= 0) close(listen_fd_);
    close(wake_fd_);
    listen_fd_ = wake_fd_ = -1;
    return s;
  }
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { Serve(); });
  return {};
}

void LocalApiServer::Stop() {
  if (listen_fd_ < 0) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  const uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof(one));
  if (thread_.joinable()) thread_.join();
  close(listen_fd_);
  close(wake_fd_);
  listen_fd_ = wake_fd_ = -1;
  unlink(socket_path_.c_str());

  // No new connections now. Those still reading their request see end-of-file; those in a handler are
  // waited for (their handlers hold references into the daemon). Their replies can still be written.
  std::unique_lock lock(mu_);
  for (int fd : connections_) shutdown(fd, SHUT_RD);
  idle_.wait(lock, [this] { return connections_.empty(); });
}

void LocalApiServer::Serve() {
  while (true) {
    pollfd pfds[2] = {{listen_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    if (poll(pfds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      Logger("agent")->error("local API: poll: {}", std::strerror(errno));
      return;
    }
    if (pfds[1].revents != 0) return;  // Stop()
    if (pfds[0].revents == 0) continue;
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    SetSendTimeout(fd, options_.write_timeout);
    std::unique_lock lock(mu_);
    bool busy = connections_.size() >= options_.max_connections;
    if (!busy) {
      connections_.insert(fd);
      try {
        std::thread([this, fd] {
          HandleConnection(fd);
          // Unregister before closing, so that Stop() never shuts down a reused fd number; the last touch
          // of `this` is under mu_, after which Stop() may return and destroy the server.
          std::lock_guard done(mu_);
          close(fd);
          connections_.erase(fd);
          idle_.notify_all();
        }).detach();
      } catch (const std::system_error& e) {  // out of threads: as busy, not std::terminate
        Logger("agent")->warn("local API: no thread for a connection: {}", e.what());
        connections_.erase(fd);
        busy = true;
      }
    }
    lock.unlock();
    if (busy) {
      // The reply is small: it fits the empty socket buffer, so the accept loop never blocks on it.
      const std::string reply = EncodeReply(Reply::Error(
          "local API: busy (" + std::to_string(options_.max_connections) + " requests in progress), try again"));
      (void)!send(fd, reply.data(), reply.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
      close(fd);
    }
  }
}

void LocalApiServer::HandleConnection(int fd) {
  bool timed_out = false;
  auto data = ReadAll(fd, Clock::now() + options_.read_timeout, options_.max_request_bytes, "request", &timed_out);
  if (timed_out) {
    data = Status::Error("request not received within " + std::to_string(options_.read_timeout.count()) +
                         " ms (a client sends it whole, then shuts down its write side)");
  }
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;  // woken by Stop(): whatever arrived is cut short
  }
  Reply reply = data.ok() ? Dispatch(*data) : Reply::Error("local API: " + data.status().message());
  WriteAll(fd, EncodeReply(reply));
}

Reply LocalApiServer::Dispatch(const std::string& data) {
  nlohmann::json request = nlohmann::json::parse(data, nullptr, /*allow_exceptions=*/false);
  if (request.is_discarded()) return Reply::Error("local API: request is not JSON");
  if (!request.is_object()) return Reply::Error("local API: request must be a JSON object");
  if (!request.contains("route")) return Reply::Error("local API: request field \"route\": missing");
  auto route = RequestField<std::string>(request, "route");
  if (!route.ok()) return Reply::Error("local API: " + route.status().message());
  auto it = routes_.find(*route);
  if (it == routes_.end()) return Reply::Error("the daemon does not serve \"" + *route + "\"");
  try {
    return it->second(request);
  } catch (const std::exception& e) {  // a handler bug must not take the daemon down
    Logger("agent")->error("local API route \"{}\" failed: {}", *route, e.what());
    return Reply::Error(std::string("internal error: ") + e.what());
  }
}

Result<Reply> CallLocalApi(const std::string& socket_path, const nlohmann::json& request, CallOptions options) {
  std::string encoded;
  try {
    encoded = request.dump();
  } catch (const nlohmann::json::type_error& e) {  // 316: a string is not valid UTF-8
    return Status::Error(std::string("request is not valid UTF-8: ") + e.what());
  }
  auto addr = SocketAddress(socket_path);
  if (!addr.ok()) return addr.status();
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Error(std::string("socket: ") + std::strerror(errno));
  if (connect(fd, reinterpret_cast<const sockaddr*>(&*addr), sizeof(*addr)) != 0) {
    Status s = Status::Error("cannot reach the kubenode daemon at " + socket_path + ": " + std::strerror(errno) +
                             " (is `kubenode run` running?)");
    close(fd);
    return s;
  }
  const auto deadline = Clock::now() + options.timeout;
  SetSendTimeout(fd, options.timeout);
  // A failed write is not the end: a daemon that refused the request (too large, busy) said why before
  // closing, and that reply is what the user needs to see.
  const bool sent = WriteAll(fd, encoded);
  const int write_errno = errno;
  shutdown(fd, SHUT_WR);
  bool timed_out = false;
  auto data = ReadAll(fd, deadline, SIZE_MAX, "reply", &timed_out);
  close(fd);
  const std::string where = "kubenode daemon at " + socket_path;
  if (!data.ok()) {
    if (timed_out) {
      const auto ms = options.timeout.count();
      return Status::Error(where + " did not answer within " +
                           (ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms"));
    }
    return data.status().WithContext(where);
  }
  if (data->empty() && !sent) return Status::Error(where + ": write: " + std::strerror(write_errno));
  nlohmann::json reply = nlohmann::json::parse(*data, nullptr, false);
  if (reply.is_discarded() || !reply.is_object()) return Status::Error(where + ": reply is not JSON");
  auto exit_code = RequestField<int>(reply, "exit_code", 1);
  auto out = RequestField<std::string>(reply, "out");
  auto err = RequestField<std::string>(reply, "err");
  for (const Status* s : {&exit_code.status(), &out.status(), &err.status()}) {
    if (!s->ok()) return Status::Error(where + ": reply " + s->message().substr(std::strlen("request ")));
  }
  return Reply{*exit_code, *out, *err};
}

}  // namespace kubenode::agent
