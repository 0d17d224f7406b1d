// containerd killed under the running node (its shims and containers stay, as on a real node): Services keep
// answering, no pod is restarted, the daemon says that the runtime is down (log and a Warning event) and that
// it is back, and it recovers once containerd is started again.
#include <gtest/gtest.h>

#include "tests/fault/reference_fault_fixture.h"

namespace kubenode {
namespace {

using namespace std::chrono_literals;
using testing::Eventually;
using testing::ReadFile;
using testing::ReferenceFaultFixture;
using testing::RequiredEnv;
using testing::RunCommand;

class ContainerdFaultTest : public ReferenceFaultFixture {
 protected:
  void TearDown() override {
    // A test that failed half-way must not leave the harness without containerd (env.sh refuses to start a
    // running one, which is fine here).
    RunCommand(std::string(KUBENODE_HARNESS_ENV) + " containerd-start " + RequiredEnv("KUBENODE_TEST_DIR") +
               " >/dev/null 2>&1");
    ReferenceFaultFixture::TearDown();
  }
  void Harness(const std::string& verb) {
    auto r = RunCommand(std::string(KUBENODE_HARNESS_ENV) + " " + verb + " " + RequiredEnv("KUBENODE_TEST_DIR") + " 2>&1");
    ASSERT_EQ(r.exit_code, 0) << verb << ": " << r.output;
  }
  size_t Count(const std::string& text, const std::string& what) {
    size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  }

  // Kills containerd, keeps it down for `outage`, starts it again; expects every request answered, the daemon's
  // "down" and then "back" lines, and a pod that is sound afterwards.
  //
  // While containerd is down nothing drains the containers' stdout and stderr pipes (containerd copies them to
  // the log files), so a container that logs blocks once its pipe (64 KiB) is full: nginx logs every request.
  // Clients of a long outage therefore pause between requests (2 a second each), as real traffic to one pod of
  // a node whose runtime is down would have to be for the pod to go on; see docs/reliability.md.
  void OutageOf(std::chrono::seconds outage) {
    const std::string pause = outage > std::chrono::seconds(5) ? "0.5" : "";
    StartReference();
    ASSERT_FALSE(HasFailure());
    const size_t down_before = Count(DaemonLog(), "container runtime is down");
    const size_t back_before = Count(DaemonLog(), "container runtime is back");
    ExpectNoFailedRequestDuring([&] {
      Harness("containerd-stop");
      ASSERT_TRUE(Eventually([&] { return Count(DaemonLog(), "container runtime is down") > down_before; }, 20s))
          << DaemonLog();
      // While it is down the node says so.
      EXPECT_TRUE(Eventually([&] { return Cli("get events").output.find("ContainerRuntimeUnhealthy") != std::string::npos; },
                             10s))
          << Cli("get events").output;
      std::this_thread::sleep_for(outage);
      Harness("containerd-start");
      const auto started = std::chrono::steady_clock::now();
      ASSERT_TRUE(Eventually([&] { return Count(DaemonLog(), "container runtime is back") > back_before; }, 30s, 50ms))
          << DaemonLog();
      const auto recovery =
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
      std::cout << "[ recovery ] the daemon saw containerd back " << recovery.count() << " ms after it started\n";
      RecordProperty("recovery_ms", static_cast<int>(recovery.count()));
    }, 20, pause);
    // containerd may answer some calls before its CRI plugin has restored everything, so the daemon can see it
    // go down and come back more than once while it starts; what matters is that the last word is "back".
    const std::string log = DaemonLog();
    EXPECT_GT(Count(log, "container runtime is down"), down_before) << log;
    EXPECT_GT(log.rfind("container runtime is back"), log.rfind("container runtime is down")) << log;
    ExpectPodUntouchedFor(pod_, ids_, sandbox_, 3s);
  }
};

TEST_F(ContainerdFaultTest, KilledAndRestartedAtOnce) { OutageOf(0s); }

TEST_F(ContainerdFaultTest, DownForSixtySeconds) { OutageOf(60s); }

}  // namespace
}  // namespace kubenode
