// kubenode in a real v1.28 cluster (../shared/k8s) under faults: the API server stopped for 30 s while a
// container restarts (pods keep running, statuses converge when it returns, reconnects back off), a pod
// force-deleted from the API while kubenode was stopped (cleaned up at start, the other pod untouched),
// and the end of a pod's life (terminal status PATCHed, then the object DELETEd within the grace period).
#include <signal.h>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/api_node_fixture.h"

namespace kubenode::testing {
namespace {

using nlohmann::json;

constexpr char kNode[] = "kubenode-faults-1";

class ApiFaultsTest : public ApiNodeFixture<kNode> {
 protected:
  // A busybox pod (no service-account volume) with the given restartPolicy and grace period, applied with kubectl.
  void ApplyPod(const std::string& name, const std::string& command, const std::string& restart_policy,
                int grace_seconds) {
    WaitForDefaultServiceAccount();
    const std::string manifest = control_plane_->dir() + "/" + name + ".yaml";
    std::ofstream(manifest) << "apiVersion: v1\nkind: Pod\nmetadata: {name: " << name << "}\n"
                            << "spec:\n  automountServiceAccountToken: false\n  restartPolicy: " << restart_policy
                            << "\n  terminationGracePeriodSeconds: " << grace_seconds
                            << "\n  containers:\n  - name: main\n    image: busybox:latest\n"
                            << "    command: [sh, -c, '" << command << "']\n";
    CommandResult apply = control_plane_->Kubectl("apply -f " + manifest);
    ASSERT_EQ(apply.exit_code, 0) << apply.output;
  }
  json WaitReady(const std::string& name) {
    json pod;
    EXPECT_TRUE(Eventually(
        [&] {
          pod = KubectlJson("get pod " + name);
          return pod.is_object() && Condition(pod, "Ready") == "True";
        },
        kPodTimeout, 1s))
        << name << ": " << pod.dump(1) << "\n" << DaemonLog();
    return pod;
  }
  std::string LeaseRenewTime() {
    json lease = KubectlJson(std::string("-n kube-node-lease get lease ") + kNode);
    return lease.is_object() ? lease["spec"].value("renewTime", "") : "";
  }
  // The node's own restartCount of the pod's container `main` (kubenode get pods), -1 when unknown.
  int NodeRestartCount(const std::string& pod) {
    return ContainerStatusJson(GetPodJson(pod), "main").value("restartCount", -1);
  }
};

// The API server stops for 30 s. Meanwhile `flapper` exits and is restarted by the node; `steady` runs on. When
// the API server is back: the API's restartCount of flapper is the node's, steady has the same container and 0
// restarts, the node is Ready and its Lease renewed, and the watches reconnected with back-off.
TEST_F(ApiFaultsTest, ApiServerOutageKeepsPodsRunningAndStatusesConverge) {
  ASSERT_NO_FATAL_FAILURE(ApplyPod("steady", kSleepUntilTerm, "Always", 2));
  ASSERT_NO_FATAL_FAILURE(ApplyPod("flapper", "sleep 12; exit 3", "Always", 2));
  json steady = WaitReady("steady");
  ASSERT_FALSE(HasFailure());
  ASSERT_NO_FATAL_FAILURE(WaitReady("flapper"));
  const std::string steady_container = steady["status"]["containerStatuses"][0]["containerID"];
  const std::string renew_before = LeaseRenewTime();
  ASSERT_FALSE(renew_before.empty());
  const int restarts_before = NodeRestartCount("flapper");
  ASSERT_GE(restarts_before, 0) << Cli("get pods").output;

  const size_t log_before = DaemonLog().size();
  const auto stopped_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(control_plane_->StopApiServer());
  // flapper's container exits every 12 s; the node restarts it without the API server.
  int restarts_during = restarts_before;
  EXPECT_TRUE(Eventually([&] { return (restarts_during = NodeRestartCount("flapper")) > restarts_before; }, 60s, 500ms))
      << Cli("get pods").output;
  EXPECT_EQ(ContainerStatusJson(GetPodJson("steady"), "main").value("containerID", ""), steady_container);
  const auto down_for = std::chrono::steady_clock::now() - stopped_at;
  if (down_for < 30s) std::this_thread::sleep_for(30s - down_for);  // the outage's length, not an assertion
  const std::string outage_log = DaemonLog().substr(log_before);
  ASSERT_TRUE(control_plane_->StartApiServer());

  // Statuses converge: the API's restartCount of flapper is the node's (both move; compare them together).
  json flapper;
  int node_restarts = -1;
  EXPECT_TRUE(Eventually(
      [&] {
        flapper = KubectlJson("get pod flapper");
        node_restarts = NodeRestartCount("flapper");
        if (!flapper.is_object() || !flapper["status"].contains("containerStatuses")) return false;
        const int api_restarts = flapper["status"]["containerStatuses"][0].value("restartCount", -1);
        return api_restarts >= restarts_during && api_restarts == node_restarts;
      },
      120s, 1s))
      << "node restartCount " << node_restarts << ", API: " << flapper.dump(1);
  EXPECT_TRUE(Eventually([&] { return Condition(KubectlJson(std::string("get node ") + kNode), "Ready") == "True"; },
                         90s, 1s));
  EXPECT_TRUE(Eventually([&] { return LeaseRenewTime() > renew_before; }, 90s, 1s));
  // steady never restarted, in the API and on the node.
  EXPECT_TRUE(Eventually(
      [&] {
        steady = KubectlJson("get pod steady");
        return steady.is_object() && Condition(steady, "Ready") == "True";
      },
      60s, 1s))
      << steady.dump(1);
  EXPECT_EQ(steady["status"]["containerStatuses"][0]["containerID"], steady_container);
  EXPECT_EQ(steady["status"]["containerStatuses"][0]["restartCount"], 0);
  auto running = RunningContainersOf("steady");
  ASSERT_EQ(running.size(), 1u);
  EXPECT_EQ("containerd://" + running[0].id, steady_container);

  // Back-off, not a tight loop: over 30 s, each watch retries at 0.8, 1.6, 3.2, ... s (about 6 times) and the
  // status and node loops at most every second or so. A tight loop would log thousands of lines.
  std::map<std::string, int> retries;  // "list/watch of <collection>" -> failures logged during the outage
  const std::regex failed(R"((list|watch of) (\S+) failed)");
  std::istringstream lines(outage_log);
  int warnings = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.find("warn") != std::string::npos || line.find("error") != std::string::npos) ++warnings;
    std::smatch m;
    if (std::regex_search(line, m, failed)) ++retries[m[2].str()];
  }
  EXPECT_FALSE(retries.empty()) << outage_log;
  for (const auto& [collection, count] : retries) EXPECT_LE(count, 12) << collection << "\n" << outage_log;
  EXPECT_LE(warnings, 150) << outage_log;
  for (const char* pod : {"steady", "flapper"}) control_plane_->Kubectl(std::string("delete pod ") + pod + " --wait=false");
}

// kubenode stopped (SIGTERM leaves pods running, as upstream's kubelet), one of its pods force-deleted from the API
// meanwhile: at start, that pod's sandbox is removed and the other pod keeps its container.
TEST_F(ApiFaultsTest, PodDeletedWhileNodeWasDownIsCleanedUpAtStart) {
  ASSERT_NO_FATAL_FAILURE(ApplyPod("kept", kSleepUntilTerm, "Always", 2));
  ASSERT_NO_FATAL_FAILURE(ApplyPod("gone", kSleepUntilTerm, "Always", 2));
  json kept = WaitReady("kept");
  ASSERT_FALSE(HasFailure());
  ASSERT_NO_FATAL_FAILURE(WaitReady("gone"));
  ASSERT_FALSE(HasFailure());
  const std::string kept_container = kept["status"]["containerStatuses"][0]["containerID"];

  StopDaemon();
  ASSERT_EQ(RunningContainersOf("gone").size(), 1u) << "SIGTERM stopped the pods";
  ASSERT_EQ(RunningContainersOf("kept").size(), 1u);
  CommandResult del = control_plane_->Kubectl("delete pod gone --force --grace-period=0");
  ASSERT_EQ(del.exit_code, 0) << del.output;
  ASSERT_NO_FATAL_FAILURE(StartDaemon());

  EXPECT_TRUE(Eventually([&] { return SandboxesOf("gone").empty(); }, 90s, 1s))
      << SandboxesOf("gone").size() << " sandbox(es) of gone left\n" << DaemonLog();
  EXPECT_TRUE(ContainersOf("gone").empty());
  auto running = RunningContainersOf("kept");
  ASSERT_EQ(running.size(), 1u);
  EXPECT_EQ("containerd://" + running[0].id, kept_container);
  kept = KubectlJson("get pod kept");
  ASSERT_TRUE(kept.is_object());
  EXPECT_EQ(kept["status"]["containerStatuses"][0]["containerID"], kept_container);
  EXPECT_EQ(kept["status"]["containerStatuses"][0]["restartCount"], 0);
  control_plane_->Kubectl("delete pod kept --wait=false");
}

// The end of a pod: a restartPolicy Never pod that exits 0 is Succeeded with a Completed container in the API; a
// running pod whose container ignores SIGTERM is killed after its 5 s grace period, its terminated status is
// written, and then the object is deleted — `kubectl delete` returns, nothing stays Terminating.
TEST_F(ApiFaultsTest, PodsEndWithTheirTerminalStatusThenAreDeleted) {
  ASSERT_NO_FATAL_FAILURE(ApplyPod("oneshot", "echo done", "Never", 2));
  json oneshot;
  ASSERT_TRUE(Eventually(
      [&] {
        oneshot = KubectlJson("get pod oneshot");
        return oneshot.is_object() && oneshot["status"].value("phase", "") == "Succeeded";
      },
      kPodTimeout, 1s))
      << oneshot.dump(1) << "\n" << DaemonLog();
  const json terminated = oneshot["status"]["containerStatuses"][0]["state"]["terminated"];
  EXPECT_EQ(terminated.value("reason", ""), "Completed") << oneshot.dump(1);
  EXPECT_EQ(terminated.value("exitCode", -1), 0) << oneshot.dump(1);
  EXPECT_FALSE(oneshot["status"]["containerStatuses"][0].value("ready", true));

  ASSERT_NO_FATAL_FAILURE(ApplyPod("stubborn", "trap \"\" TERM; while true; do sleep 1; done", "Always", 5));
  ASSERT_NO_FATAL_FAILURE(WaitReady("stubborn"));
  ASSERT_FALSE(HasFailure());
  // Every version of the pod from now on, as the API server's watch sends them.
  const std::string watch_file = control_plane_->dir() + "/stubborn-watch.json";
  RunCommand("kubectl --kubeconfig " + control_plane_->admin_kubeconfig() +
             " get pod stubborn -w -o json --output-watch-events > " + watch_file + " 2>&1 & echo $! > " + watch_file +
             ".pid");
  std::this_thread::sleep_for(1s);  // lets the watch open before the delete (else its first event is the deletion)
  const auto started = std::chrono::steady_clock::now();
  CommandResult del = control_plane_->Kubectl("delete pod stubborn --timeout=90s");
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(del.exit_code, 0) << del.output;
  EXPECT_NE(control_plane_->Kubectl("get pod stubborn").output.find("NotFound"), std::string::npos);
  // SIGTERM was ignored: only the SIGKILL at the end of the 5 s grace period ends the container.
  EXPECT_GE(took, 4s);
  EXPECT_LT(took, 60s);
  EXPECT_TRUE(Eventually([&] { return ReadFile(watch_file).find("\"DELETED\"") != std::string::npos; }, 10s, 200ms));
  pid_t watcher = std::atoi(ReadFile(watch_file + ".pid").c_str());
  if (watcher > 0) kill(watcher, SIGTERM);

  // The events before DELETED: one carries the terminated state (the kubelet's last status) after the deletion began.
  std::istringstream stream(ReadFile(watch_file));
  bool terminated_seen = false;
  bool deleted_seen = false;
  std::string dump;
  while (stream >> std::ws && !stream.eof()) {
    json event;
    try {
      stream >> event;  // one document of the stream
    } catch (const json::exception&) {
      break;
    }
    dump += event.value("type", "") + " ";
    if (event.value("type", "") == "DELETED") {
      deleted_seen = true;
      break;
    }
    const json& status = event["object"]["status"];
    if (event["object"]["metadata"].contains("deletionTimestamp") && status.contains("containerStatuses") &&
        status["containerStatuses"][0]["state"].contains("terminated")) {
      terminated_seen = true;
    }
  }
  EXPECT_TRUE(deleted_seen) << dump << "\n" << ReadFile(watch_file);
  EXPECT_TRUE(terminated_seen) << "no terminated status before the deletion: " << dump << "\n" << ReadFile(watch_file);
  EXPECT_TRUE(Eventually([&] { return SandboxesOf("stubborn").empty(); }, 60s, 1s));
  control_plane_->Kubectl("delete pod oneshot --wait=false");
}

}  // namespace
}  // namespace kubenode::testing
