// The kubelet server (:10250 HTTPS, :10248 healthz) as the real apiserver and kubectl use it: kubectl logs
// with --tail, --since, -f and --previous through the apiserver (which presents its kubelet-client
// certificate, verified against the cluster CA); direct requests without credentials (401) and with a
// certificate of a user without nodes/proxy (403, upstream's body).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/api_node_fixture.h"

namespace kubenode::testing {
namespace {

using nlohmann::json;

constexpr char kNode[] = "kubenode-srv-1";

class KubeletServerTest : public ApiNodeFixture<kNode> {
 protected:
  // Waits until pod `name` runs with at least `restarts` restarts.
  bool WaitRunning(const std::string& name, int restarts = 0) {
    return Eventually(
        [&] {
          json pod = KubectlJson("get pod " + name);
          if (!pod.is_object() || pod["status"].value("phase", "") != "Running") return false;
          auto statuses = pod["status"].value("containerStatuses", json::array());
          return !statuses.empty() && statuses[0].value("restartCount", 0) >= restarts &&
                 statuses[0]["state"].contains("running");
        },
        120s, 500ms);
  }
  CommandResult Curl(const std::string& args) {
    return RunCommand("curl -sk -w '\\n%{http_code}' " + args + " 2>&1");
  }
  std::string Url(const std::string& path) { return "https://127.0.0.1:" + std::to_string(kubelet_port_) + path; }
};

int CountLines(const std::string& text) { return static_cast<int>(std::count(text.begin(), text.end(), '\n')); }

TEST_F(KubeletServerTest, KubectlLogsTailSinceAndFollow) {
  // The node reports the configured port, where the apiserver dials it.
  ASSERT_TRUE(Eventually([&] { return Condition(KubectlJson(std::string("get node ") + kNode), "Ready") == "True"; },
                         60s, 500ms));
  json node = KubectlJson(std::string("get node ") + kNode);
  EXPECT_EQ(node["status"]["daemonEndpoints"]["kubeletEndpoint"]["Port"], kubelet_port_);

  ApplyBusyboxPod("counter", "i=0; while true; do i=$((i+1)); echo line $i; sleep 0.3; done", 0);
  ASSERT_TRUE(WaitRunning("counter"));
  CommandResult logs;
  ASSERT_TRUE(Eventually(
      [&] {
        logs = control_plane_->Kubectl("logs counter");
        return logs.exit_code == 0 && logs.output.find("line 6\n") != std::string::npos;
      },
      60s, 500ms))
      << logs.output;
  EXPECT_EQ(logs.output.rfind("line 1\n", 0), 0u) << logs.output;

  CommandResult tail = control_plane_->Kubectl("logs counter --tail=2");
  ASSERT_EQ(tail.exit_code, 0) << tail.output;
  EXPECT_EQ(CountLines(tail.output), 2) << tail.output;

  // The first lines are older than a second by now (a line every 0.3 s, 6 lines already).
  CommandResult since = control_plane_->Kubectl("logs counter --since=1s");
  ASSERT_EQ(since.exit_code, 0) << since.output;
  EXPECT_EQ(since.output.find("line 1\n"), std::string::npos) << since.output;
  CommandResult since_hour = control_plane_->Kubectl("logs counter --since=1h");
  EXPECT_EQ(since_hour.output.rfind("line 1\n", 0), 0u) << since_hour.output;

  CommandResult timestamps = control_plane_->Kubectl("logs counter --tail=1 --timestamps");
  EXPECT_EQ(timestamps.output.find('T'), 10u) << timestamps.output;

  // -f: lines written after the request arrive through the open stream; head ends it (kubectl then exits
  // on its broken pipe, and the kubelet sees the client go).
  const int seen = CountLines(control_plane_->Kubectl("logs counter").output);
  const int want = seen + 5;
  CommandResult follow = RunCommand("timeout 60 kubectl --kubeconfig " + control_plane_->admin_kubeconfig() +
                                    " logs -f counter 2>&1 | head -n " + std::to_string(want));
  EXPECT_NE(follow.output.find("line " + std::to_string(want) + "\n"), std::string::npos) << follow.output;
}

TEST_F(KubeletServerTest, KubectlLogsPrevious) {
  ApplyBusyboxPod("crasher", "echo run at $(date +%s%N); sleep 2; exit 3", 0);
  ASSERT_TRUE(WaitRunning("crasher", 1));
  CommandResult current = control_plane_->Kubectl("logs crasher");
  CommandResult previous = control_plane_->Kubectl("logs crasher --previous");
  ASSERT_EQ(previous.exit_code, 0) << previous.output;
  EXPECT_EQ(previous.output.rfind("run at ", 0), 0u) << previous.output;
  EXPECT_NE(previous.output, current.output);  // another run's timestamp

  CommandResult missing = control_plane_->Kubectl("logs crasher -c nope");
  EXPECT_NE(missing.exit_code, 0);
}

TEST_F(KubeletServerTest, AuthenticationAndAuthorization) {
  // No credentials: 401.
  CommandResult anonymous = Curl(Url("/pods"));
  EXPECT_EQ(anonymous.output, "Unauthorized\n401") << anonymous.output;

  // A client certificate of the cluster CA for a user without nodes/proxy: 403 with upstream's body.
  const std::string pki = control_plane_->dir() + "/pki";
  CommandResult made = RunCommand("cd " + pki + " && . " + K8sBinariesDir() + "/pki.sh && cert viewer ca viewer '' client 2>&1");
  ASSERT_EQ(made.exit_code, 0) << made.output;
  CommandResult forbidden = Curl("--cert " + pki + "/viewer.crt --key " + pki + "/viewer.key " + Url("/pods"));
  EXPECT_EQ(forbidden.output, "Forbidden (user=viewer, verb=get, resource=nodes, subresource=proxy)\n403")
      << forbidden.output;

  // A certificate of another CA is refused as a whole (401), not taken for anonymous.
  CommandResult other = RunCommand("cd " + dir_ + " && . " + K8sBinariesDir() + "/pki.sh && ca other other-ca && cert stranger other stranger system:masters client 2>&1");
  ASSERT_EQ(other.exit_code, 0) << other.output;
  CommandResult stranger = Curl("--cert " + dir_ + "/stranger.crt --key " + dir_ + "/stranger.key " + Url("/pods"));
  EXPECT_EQ(stranger.output, "Unauthorized\n401") << stranger.output;

  // Through the apiserver (its kubelet-client certificate, group system:masters): allowed.
  CommandResult configz = control_plane_->Kubectl(std::string("get --raw /api/v1/nodes/") + kNode + "/proxy/configz");
  ASSERT_EQ(configz.exit_code, 0) << configz.output;
  json config = json::parse(configz.output, nullptr, false);
  EXPECT_EQ(config["kubeletconfig"]["port"], kubelet_port_) << configz.output;
  EXPECT_EQ(config["kubeletconfig"]["authorization"]["mode"], "Webhook");
  CommandResult healthz = control_plane_->Kubectl(std::string("get --raw /api/v1/nodes/") + kNode + "/proxy/healthz");
  EXPECT_EQ(healthz.output, "ok");

  // :10248 answers plain HTTP on 127.0.0.1 without credentials.
  CommandResult plain = RunCommand("curl -s -w '\\n%{http_code}' http://127.0.0.1:" + std::to_string(healthz_port_) + "/healthz");
  EXPECT_EQ(plain.output, "ok\n200");
}

// Standalone (no --kubeconfig): the server on 127.0.0.1, anonymous and AlwaysAllow as upstream's flag
// defaults; `kubenode logs -f` streams through it.
using StandaloneServerTest = DaemonFixture;

TEST_F(StandaloneServerTest, KubenodeLogsFollowAndAnonymousAccess) {
  WriteManifest("counter.yaml", R"(apiVersion: v1
kind: Pod
metadata: {name: counter}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: main
    image: busybox:latest
    imagePullPolicy: IfNotPresent
    command: [sh, -c, 'i=0; while true; do i=$((i+1)); echo line $i; sleep 0.3; done']
)");
  const std::string pod = PodName("counter");
  WaitForRunning(pod);
  ASSERT_TRUE(Eventually([&] { return Cli("logs " + pod).output.find("line 3\n") != std::string::npos; }, 60s, 300ms));

  CommandResult follow = RunCommand("timeout 60 " + std::string(KUBENODE_BINARY) + " --socket " + socket_ +
                                    " logs -f " + pod + " --tail 1 | head -n 4");
  ASSERT_EQ(CountLines(follow.output), 4) << follow.output;
  int first = std::stoi(follow.output.substr(5));
  EXPECT_GE(first, 3);
  EXPECT_NE(follow.output.find("line " + std::to_string(first + 3) + "\n"), std::string::npos) << follow.output;

  CommandResult missing = Cli("logs -f nope");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.output.find("pods \"nope\" not found"), std::string::npos) << missing.output;

  CommandResult pods = RunCommand("curl -sk https://127.0.0.1:" + std::to_string(kubelet_port_) + "/pods");
  json list = json::parse(pods.output, nullptr, false);
  ASSERT_TRUE(list.is_object()) << pods.output;
  EXPECT_EQ(list["kind"], "PodList");
  ASSERT_EQ(list["items"].size(), 1u) << pods.output;
  EXPECT_EQ(list["items"][0]["metadata"]["name"], pod);
  EXPECT_EQ(list["items"][0]["status"]["phase"], "Running");
  CommandResult running = RunCommand("curl -sk https://127.0.0.1:" + std::to_string(kubelet_port_) + "/runningpods/");
  EXPECT_NE(running.output.find("\"name\":\"main\""), std::string::npos) << running.output;
}

// `kubenode exec` (any mode, through the local socket and CRI ExecSync): output, stderr and exit code as kubectl
// prints them; -c picks the container; errors name the pod or container.
TEST_F(StandaloneServerTest, KubenodeExecRunsACommandAndReturnsItsExitCode) {
  WriteManifest("shell.yaml", R"(apiVersion: v1
kind: Pod
metadata: {name: shell}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - {name: main, image: "busybox:latest", imagePullPolicy: IfNotPresent, command: [sleep, "3600"]}
  - {name: side, image: "busybox:latest", imagePullPolicy: IfNotPresent, command: [sleep, "3600"]}
)");
  const std::string pod = PodName("shell");
  WaitForRunning(pod);
  CommandResult hostname = Cli("exec " + pod + " -c main -- cat /etc/hostname");
  EXPECT_EQ(hostname.exit_code, 0) << hostname.output;
  EXPECT_EQ(hostname.output, pod + "\n");  // a pod's hostname is its name
  CommandResult failing = Cli("exec " + pod + " -c side -- sh -c 'echo out; echo err >&2; exit 3'");
  EXPECT_EQ(failing.exit_code, 3) << failing.output;
  EXPECT_NE(failing.output.find("out\n"), std::string::npos) << failing.output;
  EXPECT_NE(failing.output.find("err\ncommand terminated with exit code 3\n"), std::string::npos) << failing.output;
  CommandResult no_container = Cli("exec " + pod + " -- true");
  EXPECT_NE(no_container.exit_code, 0);
  EXPECT_NE(no_container.output.find("a container name must be specified"), std::string::npos) << no_container.output;
  CommandResult no_pod = Cli("exec nope -- true");
  EXPECT_NE(no_pod.output.find("pods \"nope\" not found"), std::string::npos) << no_pod.output;
}

}  // namespace
}  // namespace kubenode::testing
