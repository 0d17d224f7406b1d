// The reference scenario of the developers' brief, end to end on this node: the kubelet runs nginx.yaml
// through containerd, the proxy programs service.yaml into kernel nftables, and nginx's welcome page comes
// back through the NodePort (node IP and 127.0.0.1) and the ClusterIP.
#include <gtest/gtest.h>

#include "tests/support/daemon_fixture.h"
#include "tests/support/reference_manifests.h"

namespace kubenode {
namespace {

using testing::DaemonFixture;
using testing::Eventually;
using testing::RunCommand;
using nlohmann::json;
using namespace std::chrono_literals;

class ReferenceScenarioTest : public DaemonFixture {
 protected:
  std::vector<std::string> DaemonFlags() const override {
    return {"--cluster-cidr", testing::RequiredEnv("KUBENODE_POD_SUBNET")};
  }
  void TearDown() override {
    DaemonFixture::TearDown();
    // The proxy leaves its table in place on shutdown (as kube-proxy); the test removes it.
    RunCommand(std::string(KUBENODE_BINARY) + " run --cleanup");
  }

  static std::string Curl(const std::string& url) {
    return RunCommand("curl -sS --max-time 5 " + url + " 2>&1").output;
  }
};

TEST_F(ReferenceScenarioTest, NodePortAndClusterIPServeNginxWelcomePage) {
  ASSERT_EQ(Apply(testing::kReferencePod, "nginx.yaml").output, "pod/nginx created\n");
  ASSERT_EQ(Apply(testing::kReferenceService, "service.yaml").output, "service/hello-service created\n");
  json pod = WaitForRunning(PodName("nginx"));
  const std::string pod_ip = pod["status"].value("podIP", "");
  ASSERT_FALSE(pod_ip.empty());

  auto svc = Cli("get svc hello-service -o json");
  ASSERT_EQ(svc.exit_code, 0) << svc.output;
  const std::string cluster_ip = json::parse(svc.output)["spec"].value("clusterIP", "");
  ASSERT_FALSE(cluster_ip.empty());
  std::string row = Cli("get svc").output;
  EXPECT_NE(row.find("hello-service   NodePort   " + cluster_ip + "   <none>        80:30001/TCP   "),
            std::string::npos)
      << row;

  // The ClusterIP is routed off the node unless the DNAT element exists: wait for it before any traffic.
  const std::string element = cluster_ip + " . tcp . 80 . 0 : " + pod_ip + " . 80";
  ASSERT_TRUE(Eventually([&] { return Cli("proxy dump").output.find(element) != std::string::npos; }, 30s))
      << Cli("proxy dump").output;

  auto node = Cli("describe node | sed -n 's/^  InternalIP:  //p'");
  const std::string node_ip = node.output.substr(0, node.output.find('\n'));
  ASSERT_FALSE(node_ip.empty());
  for (const std::string& url :
       std::vector<std::string>{"http://" + node_ip + ":30001/", "http://127.0.0.1:30001/", "http://" + cluster_ip + "/"}) {
    EXPECT_NE(Curl(url).find("Welcome to nginx!"), std::string::npos) << url;
  }

  // nginx logs each request to stdout: `kubenode logs` reads it back from the CRI log file.
  auto logs = Cli("logs " + PodName("nginx"));
  EXPECT_EQ(logs.exit_code, 0) << logs.output;
  EXPECT_NE(logs.output.find("\"GET / HTTP/1.1\" 200"), std::string::npos) << logs.output;

  auto described = Cli("describe svc hello-service").output;
  EXPECT_NE(described.find("Endpoints:                " + pod_ip + ":80"), std::string::npos) << described;

  // Deleting the Service removes its rules: the NodePort no longer answers.
  ASSERT_EQ(Delete("service.yaml").output, "service \"hello-service\" deleted\n");
  EXPECT_TRUE(Eventually([&] { return Cli("proxy dump").output.find(cluster_ip) == std::string::npos; }, 30s));
  auto refused = RunCommand("curl -sS --max-time 5 http://127.0.0.1:30001/ 2>&1");
  EXPECT_EQ(refused.exit_code, 7) << refused.output;
}

TEST_F(ReferenceScenarioTest, ConflictingNodePortIsReportedAndTheFirstServiceKeepsWorking) {
  ASSERT_EQ(Apply(testing::kReferenceService, "service.yaml").exit_code, 0);
  std::string clash = testing::kReferenceService;
  clash.replace(clash.find("hello-service"), 13, "clash");
  WriteManifest("clash.yaml", clash);
  ASSERT_TRUE(Eventually(
      [&] {
        return Cli("get events").output.find("clash.yaml: service default/clash: spec.ports[0].nodePort: Invalid value: "
                                             "30001: provided port is already allocated to service "
                                             "default/hello-service") != std::string::npos;
      },
      30s))
      << Cli("get events").output;
  EXPECT_EQ(Cli("get svc clash").exit_code, 1);
  EXPECT_EQ(Cli("get svc hello-service").exit_code, 0);
  // hello-service has no endpoints: its NodePort is in the reject set, so it answers "connection refused".
  EXPECT_TRUE(Eventually([&] { return Cli("proxy dump").output.find("tcp . 30001") != std::string::npos; }, 30s))
      << Cli("proxy dump").output;
  auto refused = RunCommand("curl -sS --max-time 5 http://127.0.0.1:30001/ 2>&1");
  EXPECT_EQ(refused.exit_code, 7) << refused.output;
}

}  // namespace
}  // namespace kubenode
