// kubectl exec / port-forward through kubenode's kubelet server: the real v1.28 apiserver dials the node's
// :port, kubenode asks containerd (the harness's) for a streaming URL and splices the upgraded connection.
// Real kubectl, real SPDY; a TTY session is driven through a pty with script(1).
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/api_node_fixture.h"

namespace kubenode::testing {
namespace {

using nlohmann::json;

constexpr char kNode[] = "kubenode-exec-1";

class KubeletExecTest : public ApiNodeFixture<kNode> {
 protected:
  // nginx (image without a shell) and a busybox shell, both scheduled here; the test fails unless they run.
  void RunPods() {
    WaitForDefaultServiceAccount();
    const std::string manifest = control_plane_->dir() + "/exec-nginx.yaml";
    std::ofstream(manifest) << "apiVersion: v1\nkind: Pod\nmetadata: {name: nginx}\n"
                            << "spec:\n  automountServiceAccountToken: false\n  terminationGracePeriodSeconds: 1\n"
                            << "  containers: [{name: nginx, image: nginx:latest}]\n";
    CommandResult apply = control_plane_->Kubectl("apply -f " + manifest);
    ASSERT_EQ(apply.exit_code, 0) << apply.output;
    ASSERT_NO_FATAL_FAILURE(ApplyBusyboxPod("shell", kSleepUntilTerm, 1));
    for (const char* name : {"nginx", "shell"}) {
      json pod;
      ASSERT_TRUE(Eventually(
          [&] {
            pod = KubectlJson(std::string("get pod ") + name);
            return pod.is_object() && pod["status"].value("phase", "") == "Running";
          },
          kPodTimeout, 500ms))
          << pod.dump(1);
    }
  }
  std::string Kubectl() const { return "kubectl --kubeconfig " + control_plane_->admin_kubeconfig(); }
};

TEST_F(KubeletExecTest, ExecPrintsOutputPassesStdinExitCodesAndDrivesATerminal) {
  ASSERT_NO_FATAL_FAILURE(RunPods());

  // The harness's nginx image holds nginx alone (no cat, no sh): nginx -T prints its configuration file.
  CommandResult conf = control_plane_->Kubectl("exec nginx -- /usr/sbin/nginx -T");
  ASSERT_EQ(conf.exit_code, 0) << conf.output;
  EXPECT_NE(conf.output.find("# configuration file /etc/nginx/nginx.conf:"), std::string::npos) << conf.output;
  EXPECT_NE(conf.output.find("listen"), std::string::npos) << conf.output;
  CommandResult cat = control_plane_->Kubectl("exec shell -- cat /etc/hostname");
  ASSERT_EQ(cat.exit_code, 0) << cat.output;
  EXPECT_EQ(cat.output, "shell\n");

  // stdin: 200 KB through cat and back, counted on the far side.
  CommandResult piped = RunCommand("head -c 200000 /dev/zero | tr '\\0' x | " + Kubectl() +
                                   " exec -i shell -- wc -c 2>&1");
  ASSERT_EQ(piped.exit_code, 0) << piped.output;
  EXPECT_EQ(piped.output, "200000\n");
  CommandResult echoed = RunCommand("echo hi | " + Kubectl() + " exec -i shell -- cat 2>&1");
  ASSERT_EQ(echoed.exit_code, 0) << echoed.output;
  EXPECT_EQ(echoed.output, "hi\n");

  // The remote exit code is kubectl's.
  CommandResult three = control_plane_->Kubectl("exec shell -- sh -c 'exit 3'");
  EXPECT_EQ(three.exit_code, 3) << three.output;

  // An interactive shell on a terminal: the input is echoed by the remote tty, commands run there, and
  // the shell's exit status comes back (script -e).
  CommandResult tty = RunCommand("printf 'tty\\necho tty-$((6*7))\\nexit 7\\n' | script -qefc '" + Kubectl() +
                                 " exec -it shell -- sh' /dev/null 2>&1");
  EXPECT_EQ(tty.exit_code, 7) << tty.output;
  EXPECT_NE(tty.output.find("/dev/pts/"), std::string::npos) << tty.output;
  EXPECT_NE(tty.output.find("tty-42"), std::string::npos) << tty.output;
  EXPECT_NE(tty.output.find("echo tty-$((6*7))"), std::string::npos) << "no echo from the remote tty: " << tty.output;
}

TEST_F(KubeletExecTest, PortForwardServesManyConnections) {
  ASSERT_NO_FATAL_FAILURE(RunPods());
  const int port = FreeLoopbackPort();
  ASSERT_GT(port, 0);
  const std::string out = control_plane_->dir() + "/port-forward.out";
  const std::string pid_file = control_plane_->dir() + "/port-forward.pid";
  RunCommand(Kubectl() + " port-forward pod/nginx " + std::to_string(port) + ":80 > " + out + " 2>&1 & echo $! > " +
             pid_file);
  ASSERT_TRUE(Eventually([&] { return ReadFile(out).find("Forwarding from 127.0.0.1:") != std::string::npos; }, 30s,
                         200ms))
      << ReadFile(out);
  int welcomed = 0;
  std::string last;
  for (int i = 0; i < 50; ++i) {
    CommandResult curl = RunCommand("curl -s --max-time 10 http://127.0.0.1:" + std::to_string(port) + "/");
    if (curl.output.find("Welcome to nginx!") != std::string::npos) ++welcomed;
    else last = curl.output;
  }
  const std::string pid = ReadFile(pid_file);
  RunCommand("kill " + pid.substr(0, pid.find('\n')));
  EXPECT_EQ(welcomed, 50) << last << "\n" << ReadFile(out);
}

}  // namespace
}  // namespace kubenode::testing
