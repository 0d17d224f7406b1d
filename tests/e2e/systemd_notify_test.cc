// `kubenode run` under systemd's Type=notify and WatchdogSec=, with a NOTIFY_SOCKET of the test's own: READY=1
// comes only once the first pod sync reported every pod and the first rule sync ran, WATCHDOG=1 keeps coming
// while the kubelet's relist and the proxy's sync loop are healthy, STOPPING=1 on SIGTERM. (That a failing
// health check stops the pings is shown by tests/systemd/watchdog_test.cc and the Health tests of the kubelet
// and the proxy runner: a loop cannot be hung from outside within a test's time, PLEG's threshold is 3 min.)
#include <gtest/gtest.h>

#include "tests/support/daemon_fixture.h"
#include "tests/support/reference_manifests.h"
#include "tests/systemd/notify_socket.h"

namespace kubenode {
namespace {

using namespace std::chrono_literals;
using testing::DaemonFixture;
using testing::RunCommand;

class SystemdNotifyTest : public DaemonFixture {
 protected:
  void SetUp() override {
    setenv("WATCHDOG_USEC", "1000000", 1);  // ping every 0.5 s
    DaemonFixture::SetUp();
  }
  void TearDown() override {
    DaemonFixture::TearDown();
    unsetenv("WATCHDOG_USEC");
    RunCommand(std::string(KUBENODE_BINARY) + " run --cleanup");
  }
  std::vector<std::string> DaemonFlags() const override {
    return {"--cluster-cidr", testing::RequiredEnv("KUBENODE_POD_SUBNET")};
  }

  // The next message starting with `prefix` within `wait`, or "" (other messages are dropped).
  std::string NextStartingWith(const std::string& prefix, std::chrono::milliseconds wait) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      std::string m = notify_.Receive(left);
      if (m.rfind(prefix, 0) == 0) return m;
    }
    return "";
  }

  systemd::NotifySocket notify_;  // sets NOTIFY_SOCKET before SetUp starts the daemon
};

TEST_F(SystemdNotifyTest, ReadyAfterFirstSyncsWatchdogWhileHealthyStoppingOnSigterm) {
  const std::string first_ready = NextStartingWith("READY=1", 60s);
  ASSERT_FALSE(first_ready.empty()) << DaemonLog();
  EXPECT_NE(first_ready.find("STATUS=kubelet and proxy running"), std::string::npos) << first_ready;

  // A pod exists before the next start: READY=1 must wait until the kubelet has reported it.
  WriteManifest("nginx.yaml", testing::kReferencePod);
  WaitForRunning(PodName("nginx"));
  ASSERT_FALSE(HasFailure());
  notify_.Drain();
  StopDaemon();
  EXPECT_FALSE(NextStartingWith("STOPPING=1", 5s).empty()) << "no STOPPING=1 on SIGTERM\n" << DaemonLog();

  notify_.Drain();
  StartDaemon();
  ASSERT_FALSE(NextStartingWith("READY=1", 60s).empty()) << DaemonLog();
  // At READY the pod already has its status: the first pod sync has run.
  auto pod = GetPodJson(PodName("nginx"));
  ASSERT_FALSE(pod.is_null());
  EXPECT_EQ(pod["status"].value("phase", ""), "Running") << pod.dump(2);
  // And the first rule sync has run: the proxy's table exists.
  auto table = RunCommand("nft list table ip kubenode-proxy >/dev/null 2>&1");
  EXPECT_EQ(table.exit_code, 0);

  // Healthy loops: WATCHDOG=1 about every 0.5 s.
  int pings = 0;
  const auto until = std::chrono::steady_clock::now() + 3s;
  while (std::chrono::steady_clock::now() < until) {
    if (notify_.Receive(200ms) == "WATCHDOG=1") ++pings;
  }
  EXPECT_GE(pings, 3) << DaemonLog();
}

}  // namespace
}  // namespace kubenode
