// A container that exits 1 under restartPolicy Always goes into CrashLoopBackOff, and the kubelet restarts
// it with upstream's back-off: the first restart right away (doBackOff finds no entry yet), then 10 s,
// 20 s, 40 s between starts.
#include <gtest/gtest.h>

#include <map>

#include "tests/support/daemon_fixture.h"

namespace kubenode {
namespace {

using namespace std::chrono_literals;
using testing::ContainerStatusJson;
using testing::DaemonFixture;
using testing::Eventually;

constexpr char kCrashYaml[] = R"(apiVersion: v1
kind: Pod
metadata:
  name: crashloop
spec:
  restartPolicy: Always
  terminationGracePeriodSeconds: 2
  containers:
  - name: crash
    image: busybox:latest
    command: ["sh", "-c", "exit 1"]
)";

class KubeletCrashLoopTest : public DaemonFixture {};

TEST_F(KubeletCrashLoopTest, ExitingContainerBacksOff10s20s40s) {
  WriteManifest("crashloop.yaml", kCrashYaml);
  const std::string pod = PodName("crashloop");

  // Every container instance the kubelet starts, by ID, with CRI's started_at. GC keeps only the newest
  // dead instance, so instances are recorded as they appear (polled every 200 ms; starts are >= 10 s
  // apart once backing off).
  std::map<std::string, int64_t> started_at;  // container ID -> started_at (ns)
  int max_restart_count = 0;
  bool saw_crash_loop_status = false, saw_crash_loop_reason = false;
  auto observe = [&] {
    for (const auto& c : ContainersOf(pod, "crash")) {
      if (started_at.contains(c.id)) continue;
      auto s = runtime_->ContainerStatusOf(c.id);
      if (s.ok() && s->started_at_ns > 0) started_at[c.id] = s->started_at_ns;
    }
    auto row = Columns(GetPodsRow(pod));
    if (row.size() >= 4) {
      if (row[2] == "CrashLoopBackOff") saw_crash_loop_status = true;
      max_restart_count = std::max(max_restart_count, std::atoi(row[3].c_str()));
    }
    auto status = ContainerStatusJson(GetPodJson(pod), "crash");
    if (!status.empty() && status.contains("state") && status["state"].contains("waiting") &&
        status["state"]["waiting"].value("reason", "") == "CrashLoopBackOff") {
      saw_crash_loop_reason = true;
    }
  };
  // Five starts: the first, the immediate restart, then after 10 s, 20 s and 40 s (~75 s in all).
  bool five_starts = Eventually(
      [&] {
        observe();
        return started_at.size() >= 5;
      },
      150s, 200ms);
  ASSERT_TRUE(five_starts) << started_at.size() << " container starts seen";

  std::vector<int64_t> starts;
  for (const auto& [id, t] : started_at) starts.push_back(t);
  std::sort(starts.begin(), starts.end());
  std::vector<double> gaps;
  std::string gap_text;
  for (size_t i = 1; i < starts.size(); ++i) {
    gaps.push_back(static_cast<double>(starts[i] - starts[i - 1]) / 1e9);
    gap_text += std::to_string(gaps.back()) + "s ";
  }
  ASSERT_EQ(gaps.size(), 4u) << gap_text;
  std::cout << "gaps between container starts: " << gap_text << "\n";
  EXPECT_LE(gaps[0], 3.0) << "first restart is not delayed (upstream doBackOff); gaps: " << gap_text;
  EXPECT_NEAR(gaps[1], 10.0, 2.0) << gap_text;
  EXPECT_NEAR(gaps[2], 20.0, 2.0) << gap_text;
  EXPECT_NEAR(gaps[3], 40.0, 2.0) << gap_text;

  // While it waits for the next start the pod shows CrashLoopBackOff, and RESTARTS counts the restarts.
  observe();
  ASSERT_TRUE(Eventually(
      [&] {
        observe();
        return saw_crash_loop_status && saw_crash_loop_reason && max_restart_count >= 4;
      },
      60s, 200ms))
      << "CrashLoopBackOff in get pods: " << saw_crash_loop_status << ", waiting reason: " << saw_crash_loop_reason
      << ", max RESTARTS: " << max_restart_count << "\n"
      << Cli("get pods").output;
  auto json = GetPodJson(pod);
  auto status = ContainerStatusJson(json, "crash");
  ASSERT_FALSE(status.empty()) << json.dump(2);
  EXPECT_GE(status.value("restartCount", 0), 4) << status.dump(2);
  EXPECT_EQ(status["lastState"]["terminated"].value("exitCode", 0), 1) << status.dump(2);
  EXPECT_EQ(json["status"].value("phase", ""), "Running") << json.dump(2);

  // The kubelet said so in its events.
  auto events = Cli("get events");
  EXPECT_NE(events.output.find("BackOff"), std::string::npos) << events.output;
  EXPECT_NE(events.output.find("Back-off restarting failed container crash"), std::string::npos) << events.output;
}

}  // namespace
}  // namespace kubenode
