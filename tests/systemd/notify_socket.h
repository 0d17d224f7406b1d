// A NOTIFY_SOCKET the test listens on, as systemd's would: sd_notify messages of this process reach it.
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

namespace kubenode::systemd {

class NotifySocket {
 public:
  NotifySocket() {
    path_ = "/tmp/kubenode-notify-test-" + std::to_string(getpid()) + ".sock";
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path_.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
    unlink(path_.c_str());
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    setenv("NOTIFY_SOCKET", path_.c_str(), 1);
  }
  ~NotifySocket() {
    unsetenv("NOTIFY_SOCKET");
    close(fd_);
    unlink(path_.c_str());
  }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  // The next message, or "" when none arrives within `wait`.
  std::string Receive(std::chrono::milliseconds wait = std::chrono::milliseconds(0)) {
    pollfd pfd{fd_, POLLIN, 0};
    if (poll(&pfd, 1, static_cast<int>(wait.count())) <= 0) return "";
    char buf[512];
    ssize_t n = recv(fd_, buf, sizeof(buf), MSG_DONTWAIT);
    return n > 0 ? std::string(buf, n) : "";
  }
  // Waits up to `wait` for a message equal to `want` (or starting with it when `prefix`), dropping others.
  bool WaitFor(const std::string& want, std::chrono::milliseconds wait, bool prefix = false) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      std::string m = Receive(left);
      if (m == want || (prefix && m.rfind(want, 0) == 0)) return true;
    }
    return false;
  }
  void Drain() {
    while (!Receive().empty()) {
    }
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace kubenode::systemd
