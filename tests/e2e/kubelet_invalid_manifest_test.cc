// An invalid manifest dropped into the manifest directory is reported (a Warning InvalidManifest event and
// a log line naming the file and the field) and changes nothing for the pods that run.
#include <gtest/gtest.h>

#include "tests/support/daemon_fixture.h"

namespace kubenode {
namespace {

using namespace std::chrono_literals;
using testing::ContainerStatusJson;
using testing::DaemonFixture;
using testing::Eventually;
using testing::StripRuntimePrefix;

constexpr char kGoodYaml[] = R"(apiVersion: v1
kind: Pod
metadata:
  name: steady
spec:
  terminationGracePeriodSeconds: 5
  containers:
  - name: app
    image: busybox:latest
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
  - name: web
    image: nginx:latest
)";

// spec.containers[0].image is missing.
constexpr char kBadYaml[] = R"(apiVersion: v1
kind: Pod
metadata:
  name: broken
spec:
  containers:
  - name: app
    command: ["sleep", "3600"]
)";

class KubeletInvalidManifestTest : public DaemonFixture {};

TEST_F(KubeletInvalidManifestTest, InvalidManifestIsReportedAndOtherPodsAreUntouched) {
  WriteManifest("steady.yaml", kGoodYaml);
  const std::string pod = PodName("steady");
  auto before = WaitForRunning(pod);
  ASSERT_FALSE(HasFailure());
  std::map<std::string, std::string> ids;
  for (const char* name : {"app", "web"}) {
    ids[name] = StripRuntimePrefix(ContainerStatusJson(before, name).value("containerID", ""));
    ASSERT_FALSE(ids[name].empty()) << before.dump(2);
  }
  const std::string sandbox_id = SandboxesOf(pod).at(0).id;

  WriteManifest("broken.yaml", kBadYaml);
  const std::string file = ManifestPath("broken.yaml");
  std::string events;
  bool reported = Eventually(
      [&] {
        events = Cli("get events").output;
        return events.find("InvalidManifest") != std::string::npos;
      },
      30s);
  ASSERT_TRUE(reported) << events;
  EXPECT_NE(events.find("Warning"), std::string::npos) << events;
  EXPECT_NE(events.find(file), std::string::npos) << events;
  EXPECT_NE(events.find("spec.containers[0].image: Required value"), std::string::npos) << events;
  EXPECT_NE(events.find("node/" + node_), std::string::npos) << events;

  // The daemon's log names the file and the field on one line.
  std::string log;
  bool logged = Eventually(
      [&] {
        log = DaemonLog();
        std::istringstream lines(log);
        for (std::string line; std::getline(lines, line);) {
          if (line.find(file) != std::string::npos &&
              line.find("spec.containers[0].image: Required value") != std::string::npos) {
            return true;
          }
        }
        return false;
      },
      10s);
  EXPECT_TRUE(logged) << log;

  // No pod came of the broken file.
  EXPECT_NE(Cli("get pods " + PodName("broken")).exit_code, 0);
  EXPECT_TRUE(SandboxesOf(PodName("broken")).empty());

  // The running pod stays as it was through several relists and syncs: same sandbox, same containers,
  // no restart.
  ExpectPodUntouchedFor(pod, ids, sandbox_id, 10s);

  // Fixing the file makes its pod run, and the steady pod is still untouched.
  WriteManifest("broken.yaml", std::string(kBadYaml) + "    image: busybox:latest\n");
  WaitForRunning(PodName("broken"));
  auto json = GetPodJson(pod);
  for (const auto& [name, id] : ids) {
    EXPECT_EQ(StripRuntimePrefix(ContainerStatusJson(json, name).value("containerID", "")), id) << name;
  }
}

}  // namespace
}  // namespace kubenode
