// sd_notify messages reach a NOTIFY_SOCKET the test listens on, as systemd's would.
#include "systemd/notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

namespace kubenode::systemd {
namespace {

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
  std::string Receive() {
    char buf[512];
    ssize_t n = recv(fd_, buf, sizeof(buf), MSG_DONTWAIT);
    return n > 0 ? std::string(buf, n) : "";
  }

 private:
  std::string path_;
  int fd_ = -1;
};

TEST(NotifyTest, ReadyCarriesStatus) {
  NotifySocket sock;
  NotifyReady("2 pods, 1 service");
  EXPECT_EQ(sock.Receive(), "READY=1\nSTATUS=2 pods, 1 service");
  NotifyWatchdog();
  EXPECT_EQ(sock.Receive(), "WATCHDOG=1");
}

TEST(NotifyTest, WatchdogIntervalIsHalfOfWatchdogSec) {
  setenv("WATCHDOG_USEC", "60000000", 1);
  setenv("WATCHDOG_PID", std::to_string(getpid()).c_str(), 1);
  auto interval = WatchdogPingInterval();
  ASSERT_TRUE(interval.has_value());
  EXPECT_EQ(interval->count(), 30000000);
  unsetenv("WATCHDOG_USEC");
  unsetenv("WATCHDOG_PID");
  EXPECT_FALSE(WatchdogPingInterval().has_value());
}

TEST(NotifyTest, JournalOnlyWhenStderrIsTheAnnouncedStream) {
  unsetenv("JOURNAL_STREAM");
  EXPECT_FALSE(StderrIsJournal());
  setenv("JOURNAL_STREAM", "1:1", 1);
  EXPECT_FALSE(StderrIsJournal());
  unsetenv("JOURNAL_STREAM");
}

}  // namespace
}  // namespace kubenode::systemd
