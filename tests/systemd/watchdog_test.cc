// The watchdog pings systemd only while every health check passes.
#include "systemd/watchdog.h"

#include <atomic>

#include <gtest/gtest.h>

#include "tests/systemd/notify_socket.h"

namespace kubenode::systemd {
namespace {

using namespace std::chrono_literals;

TEST(WatchdogTest, PingsWhileHealthyAndStopsWhileACheckFails) {
  NotifySocket sock;
  std::atomic<bool> relisting{true};
  Watchdog watchdog(10ms, {{"pleg", [] { return Status(); }},
                           {"proxy-sync", [&] {
                              return relisting ? Status() : Status::Error("sync due since 3m0s");
                            }}});
  watchdog.Start();
  EXPECT_TRUE(sock.WaitFor("WATCHDOG=1", 5s));

  relisting = false;
  EXPECT_TRUE(sock.WaitFor("STATUS=unhealthy: proxy-sync: sync due since 3m0s", 5s));
  sock.Drain();
  // Twenty intervals without a single ping.
  for (auto deadline = std::chrono::steady_clock::now() + 200ms; std::chrono::steady_clock::now() < deadline;) {
    EXPECT_NE(sock.Receive(20ms), "WATCHDOG=1");
  }

  relisting = true;
  EXPECT_TRUE(sock.WaitFor("WATCHDOG=1", 5s));
  watchdog.Stop();
}

TEST(WatchdogTest, ACheckThatThrowsIsUnhealthyAndTheWatchdogKeepsRunning) {
  NotifySocket sock;
  std::atomic<bool> throws{true};
  Watchdog watchdog(10ms, {{"pleg", [&]() -> Status {
                              if (throws) throw std::runtime_error("boom");
                              return {};
                            }}});
  watchdog.Start();
  EXPECT_TRUE(sock.WaitFor("STATUS=unhealthy: pleg: check threw: boom", 5s));
  throws = false;
  EXPECT_TRUE(sock.WaitFor("WATCHDOG=1", 5s));
}

TEST(WatchdogTest, RunHealthChecksNamesEveryFailingCheck) {
  std::vector<HealthCheck> checks = {{"a", [] { return Status(); }},
                                     {"b", [] { return Status::Error("stuck"); }},
                                     {"c", [] { return Status::Error("down"); }}};
  EXPECT_EQ(RunHealthChecks(checks).message(), "b: stuck; c: down");
  EXPECT_TRUE(RunHealthChecks({{"a", [] { return Status(); }}}).ok());
}

}  // namespace
}  // namespace kubenode::systemd
