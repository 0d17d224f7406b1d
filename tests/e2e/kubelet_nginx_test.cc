// The reference scenario of the static pod issue: `kubenode apply -f nginx.yaml` on a running daemon,
// `get pods` shows the pod Running with an IP, and nginx answers on the pod IP.
#include <gtest/gtest.h>

#include <regex>

#include "tests/support/daemon_fixture.h"

namespace kubenode {
namespace {

using testing::DaemonFixture;
using testing::RequiredEnv;
using testing::RunCommand;

constexpr char kNginxYaml[] = R"(apiVersion: v1
kind: Pod
metadata:
  name: nginx
  labels:
    app: nginx
spec:
  containers:
  - name: nginx
    image: nginx:latest
)";

class KubeletNginxTest : public DaemonFixture {};

TEST_F(KubeletNginxTest, AppliedReferencePodRunsAndServesTheWelcomePage) {
  auto applied = Apply(kNginxYaml, "nginx.yaml");
  ASSERT_EQ(applied.exit_code, 0) << applied.output;
  EXPECT_EQ(applied.output, "pod/nginx created\n");

  const std::string pod = PodName("nginx");
  auto status = WaitForRunning(pod);
  ASSERT_FALSE(HasFailure());

  // kubectl's table: NAME READY STATUS RESTARTS AGE, three spaces between columns.
  auto table = Cli("get pods");
  ASSERT_EQ(table.exit_code, 0) << table.output;
  EXPECT_EQ(table.output.rfind("NAME" + std::string(pod.size() - 4 + 3, ' ') + "READY   STATUS    RESTARTS   AGE\n", 0),
            0u)
      << table.output;
  EXPECT_NE(table.output.find("\n" + pod + "   1/1     Running   0          "), std::string::npos) << table.output;

  // -o wide: the IP column holds the pod IP, an address of the harness's pod subnet, and the NODE column the node.
  const std::string ip = status["status"].value("podIP", "");
  ASSERT_FALSE(ip.empty()) << status.dump(2);
  const std::string gateway = RequiredEnv("KUBENODE_POD_GATEWAY");
  EXPECT_EQ(ip.substr(0, ip.rfind('.')), gateway.substr(0, gateway.rfind('.'))) << ip << " vs gateway " << gateway;
  auto row = Columns(GetPodsRow(pod, "-o wide"));
  ASSERT_GE(row.size(), 7u) << Cli("get pods -o wide").output;
  EXPECT_EQ(row[1], "1/1");
  EXPECT_EQ(row[2], "Running");
  EXPECT_EQ(row[3], "0");
  EXPECT_EQ(row[5], ip);
  EXPECT_EQ(row[6], node_);

  // The sandbox CRI reports has the same IP.
  auto sandboxes = SandboxesOf(pod);
  ASSERT_EQ(sandboxes.size(), 1u);
  auto sandbox_status = runtime_->PodSandboxStatusOf(sandboxes[0].id);
  ASSERT_TRUE(sandbox_status.ok()) << sandbox_status.status().message();
  EXPECT_EQ(sandbox_status->ip, ip);

  // nginx may need a moment to bind after its container is Running; curl retries refused connections.
  auto page = RunCommand("curl -sS --max-time 5 --retry 20 --retry-connrefused --retry-delay 1 http://" + ip + ":80/");
  EXPECT_EQ(page.exit_code, 0) << page.output;
  EXPECT_NE(page.output.find("Welcome to nginx!"), std::string::npos) << page.output;
}

}  // namespace
}  // namespace kubenode
