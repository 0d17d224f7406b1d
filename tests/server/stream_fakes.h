// Fakes for the streaming tests: a ByteStream over one end of a socketpair (the test drives the other end
// as the client), an Exchange that records what the handler answered, and a one-connection TCP backend.
#pragma once

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "server/http.h"

namespace kubenode::server::testing {

// Every test socket gives up on a read after this long, so a broken proxy fails a test instead of hanging it.
inline void BoundReads(int fd) {
  timeval tv{20, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

inline bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Reads until EOF (or the bounded read times out: then `*timed_out` is set).
inline std::string ReadToEnd(int fd, bool* timed_out = nullptr) {
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && timed_out) *timed_out = true;
    return out;
  }
}

// Reads up to and including "\r\n\r\n".
inline std::string ReadHead(int fd) {
  std::string out;
  char c;
  while (out.find("\r\n\r\n") == std::string::npos && ::recv(fd, &c, 1, 0) == 1) out.push_back(c);
  return out;
}

class SocketPairByteStream : public ByteStream {
 public:
  // `buffered`: bytes the server had already read past the request head, returned before the socket's.
  SocketPairByteStream(int fd, std::string buffered) : fd_(fd), buffered_(std::move(buffered)) {}
  ~SocketPairByteStream() override { ::close(fd_); }
  Result<size_t> ReadSome(char* buffer, size_t size) override {
    if (!buffered_.empty()) {
      size_t n = std::min(size, buffered_.size());
      buffered_.copy(buffer, n);
      buffered_.erase(0, n);
      return n;
    }
    ssize_t n = ::recv(fd_, buffer, size, 0);
    if (n < 0) return Status::Error("recv: " + std::string(std::strerror(errno)));
    return static_cast<size_t>(n);
  }
  Status WriteAll(std::string_view data) override {
    return SendAll(fd_, data) ? Status() : Status::Error("send failed");
  }
  void ShutdownWrite() override { ::shutdown(fd_, SHUT_WR); }
  int fd() const override { return fd_; }
  bool HasBuffered() const override { return !buffered_.empty(); }

 private:
  int fd_;
  std::string buffered_;
};

// The handler's side of one request. Hijack hands over the server end of a socketpair; `client_fd` is the
// test's end.
class FakeExchange : public Exchange {
 public:
  explicit FakeExchange(Request request, std::string buffered = "") : request_(std::move(request)) {
    int fds[2];
    ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds);
    client_fd = fds[0];
    server_fd_ = fds[1];
    BoundReads(client_fd);
    buffered_ = std::move(buffered);
  }
  ~FakeExchange() override {
    ::close(client_fd);
    if (!hijacked) ::close(server_fd_);
  }
  const Request& request() const override { return request_; }
  void Respond(Response response) override { responded = std::move(response); }
  ResponseStream* StartStream(int, std::string, std::vector<std::pair<std::string, std::string>>) override {
    return nullptr;
  }
  std::unique_ptr<ByteStream> Hijack() override {
    hijacked = true;
    return std::make_unique<SocketPairByteStream>(server_fd_, std::move(buffered_));
  }

  int client_fd = -1;
  bool hijacked = false;
  std::optional<Response> responded;

 private:
  Request request_;
  int server_fd_ = -1;
  std::string buffered_;
};

// Listens on 127.0.0.1:<free port>; Serve runs `session` on the first accepted connection in a thread.
class Backend {
 public:
  Backend() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::listen(listen_fd_, 4);
    socklen_t len = sizeof(addr);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
  }
  ~Backend() {
    Join();
    if (listen_fd_ >= 0) ::close(listen_fd_);
  }
  // Stops listening: connects are then refused.
  void Close() {
    ::close(listen_fd_);
    listen_fd_ = -1;
  }
  void Serve(std::function<void(int fd)> session) {
    thread_ = std::thread([this, session = std::move(session)] {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 20'000) != 1) return;  // nobody came: the test's assertions say why
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;
      BoundReads(fd);
      session(fd);
      ::close(fd);
    });
  }
  void Join() {
    if (thread_.joinable()) thread_.join();
  }
  std::string Url(const std::string& target) const { return "http://127.0.0.1:" + std::to_string(port) + target; }

  int port = 0;

 private:
  int listen_fd_ = -1;
  std::thread thread_;
};

}  // namespace kubenode::server::testing
