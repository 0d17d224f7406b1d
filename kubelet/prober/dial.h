// TCP connect with a deadline, shared by the TCP and HTTP probes. Errors read like Go's net.Dial, because
// those are the messages users know from upstream's probe events:
//   dial tcp 10.88.0.5:8080: connect: connection refused
//   dial tcp 10.88.0.5:8080: i/o timeout
#pragma once

#include <chrono>
#include <string>

#include "base/status.h"

namespace kubenode::kubelet::prober {

using Deadline = std::chrono::steady_clock::time_point;

// An open socket, closed on destruction. Move-only.
class Socket {
 public:
  Socket() = default;
  explicit Socket(int fd) : fd_(fd) {}
  Socket(Socket&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  Socket& operator=(Socket&& other) noexcept;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket();

  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

// "10.88.0.5:8080", "[fd00::5]:8080" (Go's net.JoinHostPort).
std::string JoinHostPort(const std::string& host, int port);

// errno as Go prints it: "connection refused", "no route to host".
std::string ErrnoText(int err);

// Connects to host:port (a numeric address, or a name resolved with getaddrinfo) before `deadline`.
// The socket is non-blocking.
Result<Socket> DialTcp(const std::string& host, int port, Deadline deadline);

// Milliseconds left until `deadline` for poll(2); 0 once it has passed.
int MillisUntil(Deadline deadline);

}  // namespace kubenode::kubelet::prober
