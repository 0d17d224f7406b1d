#include "agent/local_api.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "base/log.h"

namespace kubenode::agent {
namespace {

// Requests and replies are small (manifests, tables); a cap keeps a broken client from exhausting memory.
constexpr size_t kMaxMessageBytes = 16 * 1024 * 1024;

Result<sockaddr_un> SocketAddress(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) return Status::Error("socket path too long: " + path);
  path.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
  return addr;
}

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

// Reads until the peer shuts down its write side.
Result<std::string> ReadAll(int fd) {
  std::string data;
  char buf[65536];
  while (true) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::Error(std::string("read: ") + std::strerror(errno));
    if (n == 0) return data;
    data.append(buf, static_cast<size_t>(n));
    if (data.size() > kMaxMessageBytes) return Status::Error("message larger than 16 MiB");
  }
}

}  // namespace

LocalApiServer::LocalApiServer(std::string socket_path) : socket_path_(std::move(socket_path)) {}

LocalApiServer::~LocalApiServer() { Stop(); }

void LocalApiServer::Route(const std::string& route, Handler handler) { routes_[route] = std::move(handler); }

Status LocalApiServer::Start() {
  auto addr = SocketAddress(socket_path_);
  if (!addr.ok()) return addr.status();
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(socket_path_).parent_path(), ec);
  unlink(socket_path_.c_str());
  listen_fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) return Status::Error(std::string("local API socket: ") + std::strerror(errno));
  if (bind(listen_fd_, reinterpret_cast<const sockaddr*>(&*addr), sizeof(*addr)) != 0 ||
      chmod(socket_path_.c_str(), 0600) != 0 || listen(listen_fd_, 16) != 0) {
    Status s = Status::Error("local API socket " + socket_path_ + ": " + std::strerror(errno));
    close(listen_fd_);
    listen_fd_ = -1;
    return s;
  }
  thread_ = std::thread([this] { Serve(); });
  return {};
}

void LocalApiServer::Stop() {
  if (listen_fd_ < 0) return;
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  close(listen_fd_);
  listen_fd_ = -1;
  unlink(socket_path_.c_str());
}

void LocalApiServer::Serve() {
  while (!stopping_) {
    pollfd pfd{listen_fd_, POLLIN, 0};
    // Wake up regularly to notice Stop(); connections are rare (a person typing commands).
    if (poll(&pfd, 1, 200) <= 0) continue;
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    HandleConnection(fd);
    close(fd);
  }
}

void LocalApiServer::HandleConnection(int fd) {
  Reply reply;
  auto data = ReadAll(fd);
  if (!data.ok()) {
    reply = Reply::Error("local API: " + data.status().message());
  } else {
    nlohmann::json request = nlohmann::json::parse(*data, nullptr, /*allow_exceptions=*/false);
    const std::string route = request.is_object() ? request.value("route", "") : "";
    auto it = routes_.find(route);
    if (request.is_discarded()) {
      reply = Reply::Error("local API: request is not JSON");
    } else if (it == routes_.end()) {
      reply = Reply::Error("the daemon does not serve \"" + route + "\"");
    } else {
      try {
        reply = it->second(request);
      } catch (const std::exception& e) {  // a handler bug must not take the daemon down
        Logger("agent")->error("local API route \"{}\" failed: {}", route, e.what());
        reply = Reply::Error(std::string("internal error: ") + e.what());
      }
    }
  }
  nlohmann::json out = {{"exit_code", reply.exit_code}, {"out", reply.out}, {"err", reply.err}};
  WriteAll(fd, out.dump());
}

Result<Reply> CallLocalApi(const std::string& socket_path, const nlohmann::json& request) {
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
  bool sent = WriteAll(fd, request.dump());
  shutdown(fd, SHUT_WR);
  auto data = sent ? ReadAll(fd) : Result<std::string>(Status::Error("write failed"));
  close(fd);
  if (!data.ok()) return data.status().WithContext("kubenode daemon at " + socket_path);
  nlohmann::json reply = nlohmann::json::parse(*data, nullptr, false);
  if (reply.is_discarded() || !reply.is_object()) {
    return Status::Error("kubenode daemon at " + socket_path + ": reply is not JSON");
  }
  return Reply{reply.value("exit_code", 1), reply.value("out", ""), reply.value("err", "")};
}

}  // namespace kubenode::agent
