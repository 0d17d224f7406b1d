// sd_notify messages reach a NOTIFY_SOCKET the test listens on, as systemd's would.
#include "systemd/notify.h"

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "tests/systemd/notify_socket.h"

namespace kubenode::systemd {
namespace {

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
