#include "cluster/create.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "base/fake_clock.h"
#include "cluster/kubeconfig_file.h"

namespace kubenode::cluster {
namespace {

namespace fs = std::filesystem;

constexpr char kAdmin[] =
    "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:40000'}\n"
    "users:\n- name: u\n  user: {token: t}\n";

// Records every call in one log shared by both parts; fails the call named in `fail_at`.
class FakeParts : public ClusterFiles, public NodeBackend {
 public:
  std::vector<std::string> log;
  std::string fail_at;
  bool ready = true;
  FakeClock* clock = nullptr;
  std::chrono::nanoseconds ready_after{0};
  std::vector<std::chrono::steady_clock::time_point> deadlines;

  Status Call(const std::string& what) {
    log.push_back(what);
    if (what == fail_at) return Status::Error(what + " broke");
    return Status();
  }

  Status BuildImages(const ClusterPlan& plan) override { return Call("BuildImages"); }
  Status WritePki(const ClusterPlan& plan) override {
    EXPECT_EQ(plan.nodes[0].ip, "10.89.0.2");  // the network came first
    EXPECT_TRUE(ClusterState::WriteFile(plan.state.Pki("ca.crt"), "CA").ok());
    return Call("WritePki");
  }
  Status WriteKubeconfigs(const ClusterPlan& plan) override {
    EXPECT_TRUE(ClusterState::WriteFile(plan.state.admin_kubeconfig(), kAdmin).ok());
    return Call("WriteKubeconfigs");
  }
  Status WriteControlPlaneManifests(const ClusterPlan& plan) override { return Call("WriteControlPlaneManifests"); }

  Status CreateNetwork(ClusterPlan& plan) override {
    for (size_t i = 0; i < plan.nodes.size(); ++i) plan.nodes[i].ip = "10.89.0." + std::to_string(i + 2);
    plan.api_server_port = 40000;
    return Call("CreateNetwork");
  }
  Status ProvisionNode(const ClusterPlan& plan, const NodePlan& node) override {
    return Call("ProvisionNode " + node.name);
  }
  Status StartControlPlane(const ClusterPlan& plan, const NodePlan& node,
                           std::chrono::steady_clock::time_point deadline) override {
    deadlines.push_back(deadline);
    return Call("StartControlPlane " + node.name);
  }
  Status InstallPodNetwork(const ClusterPlan& plan) override { return Call("InstallPodNetwork"); }
  Status JoinNode(const ClusterPlan& plan, const NodePlan& node,
                  std::chrono::steady_clock::time_point deadline) override {
    return Call("JoinNode " + node.name);
  }
  Result<bool> WaitForControlPlaneReady(const ClusterPlan& plan,
                                        std::chrono::steady_clock::time_point deadline) override {
    deadlines.push_back(deadline);
    if (Status s = Call("WaitForControlPlaneReady"); !s.ok()) return s;
    if (clock != nullptr) clock->Advance(ready_after);
    return ready;
  }
  Status Delete(const ClusterPlan& plan) override { return Call("Delete " + plan.config.name); }
};

class CreateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kubenode-create-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    options_.state_dir = root_ + "/state";
    options_.kubeconfig = root_ + "/kubeconfig";
    options_.k8s_binaries = "/opt/k8s";
    fake_.clock = &clock_;
  }
  void TearDown() override { fs::remove_all(root_); }

  ClusterConfig Config(const std::string& text) {
    Result<ClusterConfig> c = ParseClusterConfig("kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n" + text, "f");
    EXPECT_TRUE(c.ok()) << c.status().message();
    return *c;
  }
  Status Create(const ClusterConfig& config) { return CreateCluster(config, options_, parts_, out_); }

  std::string root_;
  CreateOptions options_;
  FakeClock clock_;
  FakeParts fake_;
  ClusterParts parts_{.files = &fake_, .nodes = &fake_, .clock = &clock_};
  std::ostringstream out_;
};

TEST_F(CreateTest, StepsRunInKindsOrderAndPrintKindsLines) {
  options_.wait = std::chrono::minutes(1);
  fake_.ready_after = std::chrono::milliseconds(15400);
  Status s = Create(Config("name: hello-world\nnodes:\n- role: control-plane\n- role: worker\n"));
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(fake_.log, (std::vector<std::string>{
                           "BuildImages", "CreateNetwork", "ProvisionNode hello-world-control-plane",
                           "ProvisionNode hello-world-worker", "WritePki", "WriteKubeconfigs",
                           "WriteControlPlaneManifests", "StartControlPlane hello-world-control-plane",
                           "InstallPodNetwork", "JoinNode hello-world-worker", "WaitForControlPlaneReady"}));
  EXPECT_EQ(out_.str(),
            "Creating cluster \"hello-world\" ...\n"
            " • Ensuring node images (built from /opt/k8s) 🖼  ...\n"
            " ✓ Ensuring node images (built from /opt/k8s) 🖼\n"
            " • Preparing nodes 📦 📦   ...\n"
            " ✓ Preparing nodes 📦 📦 \n"
            " • Writing configuration 📜  ...\n"
            " ✓ Writing configuration 📜\n"
            " • Starting control-plane 🕹️  ...\n"
            " ✓ Starting control-plane 🕹️\n"
            " • Installing CNI 🔌  ...\n"
            " ✓ Installing CNI 🔌\n"
            " • Joining worker nodes 🚜  ...\n"
            " ✓ Joining worker nodes 🚜\n"
            " • Waiting ≤ 1m0s for control-plane = Ready ⏳  ...\n"
            " ✓ Waiting ≤ 1m0s for control-plane = Ready ⏳\n"
            " • Ready after 15s 💚\n"
            "Set kubectl context to \"kubenode-hello-world\"\n"
            "You can now use your cluster with:\n\n"
            "kubectl cluster-info --context kubenode-hello-world\n\n"
            "Have a nice day! 👋\n");
  // Waits are bounded by the clock: the start timeout for the control plane, --wait for readiness.
  EXPECT_EQ(fake_.deadlines[0], clock_.Now() - fake_.ready_after + std::chrono::minutes(4));
  EXPECT_EQ(fake_.deadlines[1], clock_.Now() - fake_.ready_after + std::chrono::minutes(1));

  ClusterState state(options_.state_dir, "hello-world");
  EXPECT_TRUE(state.Exists());
  Result<ClusterConfig> saved = LoadClusterConfig(state.config_file());
  ASSERT_TRUE(saved.ok()) << saved.status().message();
  EXPECT_EQ(NodeNames(*saved), (std::vector<std::string>{"hello-world-control-plane", "hello-world-worker"}));
  YAML::Node kubeconfig = YAML::LoadFile(options_.kubeconfig);
  EXPECT_EQ(kubeconfig["current-context"].as<std::string>(), "kubenode-hello-world");
  EXPECT_EQ(kubeconfig["clusters"][0]["cluster"]["server"].as<std::string>(), "https://127.0.0.1:40000");
}

TEST_F(CreateTest, NoWorkersNoJoinNoCniWhenDisabledNoWaitByDefault) {
  ASSERT_TRUE(Create(Config("networking: {disableDefaultCNI: true}\n")).ok());
  EXPECT_EQ(fake_.log, (std::vector<std::string>{"BuildImages", "CreateNetwork", "ProvisionNode kubenode-control-plane",
                                                 "WritePki", "WriteKubeconfigs", "WriteControlPlaneManifests",
                                                 "StartControlPlane kubenode-control-plane"}));
  EXPECT_EQ(out_.str().find("Joining"), std::string::npos);
  EXPECT_EQ(out_.str().find("CNI"), std::string::npos);
  EXPECT_EQ(out_.str().find("Waiting"), std::string::npos);
}

TEST_F(CreateTest, AFailedStepIsCrossedOutAndEverythingMadeIsRemoved) {
  fake_.fail_at = "StartControlPlane hello-world-control-plane";
  Status s = Create(Config("name: hello-world\nnodes:\n- role: control-plane\n- role: worker\n"));
  EXPECT_EQ(s.message(), "hello-world-control-plane: StartControlPlane hello-world-control-plane broke");
  EXPECT_EQ(fake_.log.back(), "Delete hello-world");
  const std::string out = out_.str();
  EXPECT_NE(out.find(" ✓ Writing configuration 📜\n • Starting control-plane 🕹️  ...\n ✗ Starting control-plane 🕹️\n"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("Joining"), std::string::npos);
  EXPECT_EQ(out.find("Set kubectl context"), std::string::npos);
  EXPECT_FALSE(fs::exists(options_.state_dir + "/hello-world"));
  EXPECT_FALSE(fs::exists(options_.kubeconfig));
}

TEST_F(CreateTest, AFailureWhilePreparingNodesAlsoCleansUp) {
  fake_.fail_at = "ProvisionNode kubenode-worker";
  Status s = Create(Config("nodes:\n- role: control-plane\n- role: worker\n"));
  EXPECT_EQ(s.message(), "kubenode-worker: ProvisionNode kubenode-worker broke");
  EXPECT_EQ(fake_.log.back(), "Delete kubenode");
  EXPECT_NE(out_.str().find(" ✗ Preparing nodes 📦 📦 \n"), std::string::npos) << out_.str();
  EXPECT_FALSE(fs::exists(options_.state_dir + "/kubenode"));
}

TEST_F(CreateTest, ATimedOutWaitIsAWarningAndTheClusterStays) {
  options_.wait = std::chrono::seconds(30);
  fake_.ready = false;
  ASSERT_TRUE(Create(Config("")).ok());
  EXPECT_NE(out_.str().find(" ✗ Waiting ≤ 30s for control-plane = Ready ⏳\n"
                            " • WARNING: Timed out waiting for Ready ⚠️\n"
                            "Set kubectl context to \"kubenode-kubenode\"\n"),
            std::string::npos)
      << out_.str();
  EXPECT_TRUE(ClusterState(options_.state_dir, "kubenode").Exists());
}

TEST_F(CreateTest, AnExistingClusterIsRefusedAndLeftAlone) {
  ASSERT_TRUE(Create(Config("name: a\n")).ok());
  fake_.log.clear();
  Status s = Create(Config("name: a\n"));
  EXPECT_EQ(s.message(), "node(s) already exist for a cluster with the name \"a\"");
  EXPECT_TRUE(fake_.log.empty());
  EXPECT_TRUE(ClusterState(options_.state_dir, "a").Exists());
}

TEST_F(CreateTest, MissingPartsAreNamedAndNothingIsTouched) {
  parts_.nodes = nullptr;
  Status s = Create(Config(""));
  EXPECT_EQ(s.message(),
            "cluster create is not available in this build: missing node backend (network-namespace nodes)");
  parts_.files = nullptr;
  EXPECT_EQ(Create(Config("")).message(),
            "cluster create is not available in this build: missing cluster files (PKI, kubeconfigs, control-plane "
            "manifests, images), node backend (network-namespace nodes)");
  EXPECT_FALSE(fs::exists(options_.state_dir));
  EXPECT_EQ(out_.str(), "");
}

TEST_F(CreateTest, DeleteRemovesNodesKubeconfigEntriesAndState) {
  ASSERT_TRUE(Create(Config("name: hello-world\nnodes:\n- role: control-plane\n- role: worker\n")).ok());
  std::ostringstream out;
  fake_.log.clear();
  ASSERT_TRUE(DeleteCluster("hello-world", options_.state_dir, options_.kubeconfig, parts_, out).ok());
  EXPECT_EQ(fake_.log, (std::vector<std::string>{"Delete hello-world"}));
  EXPECT_EQ(out.str(),
            "Deleting cluster \"hello-world\" ...\n"
            "Deleted nodes: [\"hello-world-control-plane\" \"hello-world-worker\"]\n");
  EXPECT_FALSE(fs::exists(options_.state_dir + "/hello-world"));
  YAML::Node kubeconfig = YAML::LoadFile(options_.kubeconfig);
  EXPECT_EQ(kubeconfig["contexts"].size(), 0u);
  EXPECT_EQ(kubeconfig["current-context"].as<std::string>(), "");
}

TEST_F(CreateTest, DeleteOfAClusterThatIsNotThereIsFine) {
  std::ostringstream out;
  ASSERT_TRUE(DeleteCluster("ghost", options_.state_dir, options_.kubeconfig, parts_, out).ok());
  EXPECT_EQ(out.str(), "Deleting cluster \"ghost\" ...\n");
  EXPECT_EQ(fake_.log, (std::vector<std::string>{"Delete ghost"}));  // the backend still looks for leftovers
}

TEST_F(CreateTest, DeleteReportsABackendFailureAndKeepsTheState) {
  ASSERT_TRUE(Create(Config("name: a\n")).ok());
  fake_.fail_at = "Delete a";
  std::ostringstream out;
  EXPECT_EQ(DeleteCluster("a", options_.state_dir, options_.kubeconfig, parts_, out).message(),
            "failed to delete cluster \"a\": Delete a broke");
  EXPECT_TRUE(ClusterState(options_.state_dir, "a").Exists());  // so that delete can be run again
}

TEST(FormatSecondsTest, RoundsAsGo) {
  EXPECT_EQ(FormatSeconds(std::chrono::minutes(1)), "1m0s");
  EXPECT_EQ(FormatSeconds(std::chrono::milliseconds(15500)), "16s");
  EXPECT_EQ(FormatSeconds(std::chrono::milliseconds(400)), "0s");
}

}  // namespace
}  // namespace kubenode::cluster
