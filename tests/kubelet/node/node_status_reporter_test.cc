#include "kubelet/node/node_status_reporter.h"

#include <gtest/gtest.h>

#include "base/fake_clock.h"
#include "tests/apiclient/fake_transport.h"

namespace kubenode::kubelet {
namespace {

using nlohmann::json;

NodeFacts Facts() {
  NodeFacts f;
  f.name = "node-1";
  f.host.hostname = "node-1";
  f.host.internal_ip = "10.0.0.5";
  f.host.architecture = "amd64";
  f.host.cpu_count = 2;
  f.host.memory_bytes = 4LL * 1024 * 1024 * 1024;
  f.host.kernel_version = "6.1.0";
  f.host.os_image = "Debian GNU/Linux 12 (bookworm)";
  f.runtime_version = "containerd://1.6.20";
  f.kubelet_version = NodeVersion("v0.1.0");
  // What admission::MakeNodeFacts makes of systemReserved cpu 500m, memory 512Mi.
  f.allocatable_milli_cpu = 1500;
  f.allocatable_memory = (4194304LL - 524288 - 102400) * 1024;
  return f;
}

class NodeStatusReporterTest : public ::testing::Test {
 protected:
  NodeStatusReporterTest()
      : limiter_(clock_, 0, 1),
        client_(transport_, limiter_),
        reporter_(client_, clock_, Facts(), [this](NodeFacts& f) { f.not_ready_message = runtime_error_; }) {}

  json LastBody(const std::string& method) {
    auto requests = transport_.requests();
    for (auto it = requests.rbegin(); it != requests.rend(); ++it) {
      if (it->method == method) return json::parse(it->body);
    }
    return nullptr;
  }
  size_t Count(const std::string& method) {
    size_t n = 0;
    for (const auto& r : transport_.requests()) n += r.method == method;
    return n;
  }

  apiclient::FakeTransport transport_;
  FakeClock clock_;
  apiclient::RateLimiter limiter_;
  apiclient::ApiClient client_;
  std::string runtime_error_;
  NodeStatusReporter reporter_;
};

TEST(NodeObjectTest, VersionIsAKubernetesVersion) { EXPECT_EQ(NodeVersion("v0.1.0"), "v1.28.7-kubenode.0.1.0"); }

TEST(NodeObjectTest, StatusAsUpstreamReportsIt) {
  json status = NodeStatus(Facts(), nullptr, api::Time(std::chrono::seconds(1800000000)));
  EXPECT_EQ(status["addresses"][0], (json{{"type", "InternalIP"}, {"address", "10.0.0.5"}}));
  EXPECT_EQ(status["addresses"][1], (json{{"type", "Hostname"}, {"address", "node-1"}}));
  EXPECT_EQ(status["capacity"]["cpu"], "2");
  EXPECT_EQ(status["capacity"]["memory"], "4194304Ki");
  EXPECT_EQ(status["capacity"]["pods"], "110");
  EXPECT_EQ(status["allocatable"]["cpu"], "1500m");
  EXPECT_EQ(status["allocatable"]["memory"], std::to_string(4194304 - 524288 - 102400) + "Ki");
  EXPECT_EQ(status["nodeInfo"]["kubeletVersion"], "v1.28.7-kubenode.0.1.0");
  EXPECT_EQ(status["nodeInfo"]["containerRuntimeVersion"], "containerd://1.6.20");
  EXPECT_EQ(status["daemonEndpoints"]["kubeletEndpoint"]["Port"], 10250);
  EXPECT_EQ(status["conditions"][3]["type"], "Ready");
  EXPECT_EQ(status["conditions"][3]["reason"], "KubeletReady");
  EXPECT_EQ(status["conditions"][0]["reason"], "KubeletHasSufficientMemory");
}

TEST_F(NodeStatusReporterTest, RegistersWithKubeletLabels) {
  transport_.Queue("POST /api/v1/nodes", {201, R"({"metadata":{"name":"node-1","uid":"u-1"}})"});
  ASSERT_TRUE(reporter_.Register().ok());
  json node = LastBody("POST");
  EXPECT_EQ(node["metadata"]["labels"]["kubernetes.io/hostname"], "node-1");
  EXPECT_EQ(node["metadata"]["labels"]["kubernetes.io/os"], "linux");
  EXPECT_EQ(node["metadata"]["labels"]["beta.kubernetes.io/arch"], "amd64");
  EXPECT_TRUE(reporter_.Registered());
}

TEST_F(NodeStatusReporterTest, AnExistingNodeIsReconciled) {
  transport_.Queue("POST /api/v1/nodes", {409, R"({"kind":"Status","code":409,"reason":"AlreadyExists"})"});
  transport_.Queue("PATCH /api/v1/nodes/node-1", {200, R"({"metadata":{"name":"node-1","uid":"u-1"}})"});
  ASSERT_TRUE(reporter_.Register().ok());
  EXPECT_EQ(LastBody("PATCH")["metadata"]["labels"]["kubernetes.io/hostname"], "node-1");
}

TEST_F(NodeStatusReporterTest, StatusIsPatchedWhenChangedOrDue) {
  transport_.Queue("PATCH /api/v1/nodes/node-1/status", {200, "{}"});
  ASSERT_TRUE(reporter_.SyncStatus().ok());
  EXPECT_EQ(Count("PATCH"), 1u);
  clock_.Advance(std::chrono::seconds(10));
  ASSERT_TRUE(reporter_.SyncStatus().ok());  // nothing changed but heartbeats: no PATCH
  EXPECT_EQ(Count("PATCH"), 1u);
  runtime_error_ = "container runtime is down";
  transport_.Queue("PATCH /api/v1/nodes/node-1/status", {200, "{}"});
  ASSERT_TRUE(reporter_.SyncStatus().ok());
  EXPECT_EQ(Count("PATCH"), 2u);
  json ready = LastBody("PATCH")["status"]["conditions"][3];
  EXPECT_EQ(ready["status"], "False");
  EXPECT_EQ(ready["reason"], "KubeletNotReady");
  EXPECT_EQ(ready["message"], "container runtime is down");
  clock_.Advance(std::chrono::minutes(5));
  transport_.Queue("PATCH /api/v1/nodes/node-1/status", {200, "{}"});
  ASSERT_TRUE(reporter_.SyncStatus().ok());  // due after nodeStatusReportFrequency
  EXPECT_EQ(Count("PATCH"), 3u);
}

TEST_F(NodeStatusReporterTest, LeaseIsCreatedThenRenewedWithItsVersion) {
  transport_.Queue("GET /apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node-1", {404, "{}"});
  transport_.Queue("POST /apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases",
                   {201, R"({"metadata":{"name":"node-1","resourceVersion":"5"},"spec":{}})"});
  ASSERT_TRUE(reporter_.RenewLease().ok());
  json created = LastBody("POST");
  EXPECT_EQ(created["spec"]["holderIdentity"], "node-1");
  EXPECT_EQ(created["spec"]["leaseDurationSeconds"], 40);
  transport_.Queue("PUT /apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node-1",
                   {200, R"({"metadata":{"name":"node-1","resourceVersion":"6"},"spec":{}})"});
  ASSERT_TRUE(reporter_.RenewLease().ok());
  EXPECT_EQ(LastBody("PUT")["metadata"]["resourceVersion"], "5");
  transport_.Queue("PUT /apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node-1",
                   {409, R"({"kind":"Status","code":409,"message":"conflict"})"});
  EXPECT_FALSE(reporter_.RenewLease().ok());
  transport_.Queue("GET /apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node-1",
                   {200, R"({"metadata":{"name":"node-1","resourceVersion":"9"},"spec":{}})"});
  transport_.Queue("PUT /apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node-1", {200, "{}"});
  ASSERT_TRUE(reporter_.RenewLease().ok());  // re-read after the conflict
}

}  // namespace
}  // namespace kubenode::kubelet
