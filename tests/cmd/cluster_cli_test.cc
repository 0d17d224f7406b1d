#include "cmd/cluster.h"

#include <stdlib.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "cluster/kubeconfig_file.h"
#include "cluster/state.h"

namespace kubenode::cmd {
namespace {

namespace fs = std::filesystem;

constexpr char kIssueFile[] = R"(kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
name: hello-world
nodes:
  - role: control-plane
  - role: worker
    extraPortMappings:
    - containerPort: 30001
      hostPort: 8000
      protocol: TCP
)";

constexpr char kAdmin[] =
    "apiVersion: v1\nkind: Config\nclusters:\n- name: hello-world\n  cluster: {server: 'https://127.0.0.1:40000'}\n"
    "users:\n- name: kubernetes-admin\n  user: {token: t}\n";

struct Ran {
  int code;
  std::string out;
  std::string err;
};

class ClusterCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kubenode-cluster-cli-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    state_dir_ = root_ + "/state";
    kubeconfig_ = root_ + "/kubeconfig";
    config_ = root_ + "/cluster.yaml";
    std::ofstream(config_) << kIssueFile;
    saved_kubeconfig_ = getenv("KUBECONFIG") ? getenv("KUBECONFIG") : "";
    setenv("KUBECONFIG", kubeconfig_.c_str(), 1);
  }
  void TearDown() override {
    fs::remove_all(root_);
    if (saved_kubeconfig_.empty()) {
      unsetenv("KUBECONFIG");
    } else {
      setenv("KUBECONFIG", saved_kubeconfig_.c_str(), 1);
    }
  }

  // A cluster as `create` leaves it, without running one: its state directory and kubeconfig entries.
  void FakeCreated(const std::string& text) {
    Result<cluster::ClusterConfig> config = cluster::ParseClusterConfig(text, "f");
    ASSERT_TRUE(config.ok()) << config.status().message();
    cluster::ClusterState state(state_dir_, config->name);
    ASSERT_TRUE(state.Create().ok());
    ASSERT_TRUE(cluster::ClusterState::WriteFile(state.config_file(), cluster::EncodeClusterConfig(*config)).ok());
    ASSERT_TRUE(cluster::ClusterState::WriteFile(state.admin_kubeconfig(), kAdmin).ok());
    ASSERT_TRUE(cluster::MergeIntoKubeconfig(kubeconfig_, config->name, kAdmin).ok());
  }

  // Runs the kubenode binary with `args` (shell words), stdout and stderr apart.
  Ran Binary(const std::string& args) {
    const std::string err_file = root_ + "/stderr";
    const std::string command = std::string(KUBENODE_BINARY) + " " + args + " 2>" + err_file;
    FILE* pipe = popen(command.c_str(), "r");
    std::string out;
    std::array<char, 4096> buf{};
    size_t n = 0;
    while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
    const int status = pclose(pipe);
    std::ifstream in(err_file);
    std::ostringstream err;
    err << in.rdbuf();
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out, err.str()};
  }

  std::string root_, state_dir_, kubeconfig_, config_, saved_kubeconfig_;
};

TEST_F(ClusterCliTest, GetClustersListsOneNamePerLine) {
  Ran none = Binary("cluster get clusters --state-dir " + state_dir_);
  EXPECT_EQ(none.code, 0);
  EXPECT_EQ(none.out, "");
  EXPECT_EQ(none.err, "No kubenode clusters found.\n");
  FakeCreated(kIssueFile);
  FakeCreated("kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nname: dev\n");
  Ran two = Binary("cluster get clusters --state-dir " + state_dir_);
  EXPECT_EQ(two.code, 0) << two.err;
  EXPECT_EQ(two.out, "dev\nhello-world\n");
}

TEST_F(ClusterCliTest, GetNodesNamesThemAsKind) {
  FakeCreated(kIssueFile);
  Ran r = Binary("cluster get nodes --name hello-world --state-dir " + state_dir_);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "hello-world-control-plane\nhello-world-worker\n");
  setenv(cluster::kStateDirEnv, state_dir_.c_str(), 1);  // no flag: $KUBENODE_CLUSTER_STATE_DIR
  Ran by_env = Binary("cluster get nodes --name=hello-world");
  unsetenv(cluster::kStateDirEnv);
  EXPECT_EQ(by_env.out, r.out);
  Ran missing = Binary("cluster get nodes --state-dir " + state_dir_);
  EXPECT_EQ(missing.code, 0);
  EXPECT_EQ(missing.err, "No kubenode nodes found for cluster \"kubenode\".\n");
}

TEST_F(ClusterCliTest, GetKubeconfigPrintsTheAdminKubeconfigUnderTheContextName) {
  FakeCreated(kIssueFile);
  Ran r = Binary("cluster get kubeconfig --name hello-world --state-dir " + state_dir_);
  ASSERT_EQ(r.code, 0) << r.err;
  YAML::Node doc = YAML::Load(r.out);
  EXPECT_EQ(doc["current-context"].as<std::string>(), "kubenode-hello-world");
  EXPECT_EQ(doc["clusters"][0]["cluster"]["server"].as<std::string>(), "https://127.0.0.1:40000");
  Ran missing = Binary("cluster get kubeconfig --name nope --state-dir " + state_dir_);
  EXPECT_EQ(missing.code, 1);
  EXPECT_EQ(missing.err,
            "ERROR: could not locate any control plane nodes for cluster named 'nope'. Use the --name option to "
            "select a different cluster\n");
}

TEST_F(ClusterCliTest, DeleteRemovesTheStateAndTheKubeconfigEntries) {
  FakeCreated(kIssueFile);
  Ran r = Binary("cluster delete --name hello-world --state-dir " + state_dir_);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err,
            "Deleting cluster \"hello-world\" ...\n"
            "Deleted nodes: [\"hello-world-control-plane\" \"hello-world-worker\"]\n");
  EXPECT_FALSE(fs::exists(state_dir_ + "/hello-world"));
  YAML::Node doc = YAML::LoadFile(kubeconfig_);
  EXPECT_EQ(doc["contexts"].size(), 0u);
  EXPECT_EQ(doc["current-context"].as<std::string>(), "");
  EXPECT_EQ(Binary("cluster get clusters --state-dir " + state_dir_).out, "");
}

TEST_F(ClusterCliTest, CreateDecodesTheFileThenSaysWhatThisBuildLacks) {
  Ran r = Binary("cluster create --config " + config_ + " --state-dir " + state_dir_);
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            "ERROR: failed to create cluster: cluster create is not available in this build: missing cluster files "
            "(PKI, kubeconfigs, control-plane manifests, images), node backend (network-namespace nodes)\n");
  EXPECT_FALSE(fs::exists(state_dir_));
  EXPECT_FALSE(fs::exists(kubeconfig_));
}

TEST_F(ClusterCliTest, CreateReportsConfigErrorsAndBadFlags) {
  std::ofstream(config_) << "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: master\n";
  Ran r = Binary("cluster create -f " + config_ + " --state-dir " + state_dir_);
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "ERROR: failed to create cluster: " + config_ +
                       ": line 4: nodes[0].role: Unsupported value: \"master\": supported values: \"control-plane\", "
                       "\"worker\"\n");
  Ran wait = Binary("cluster create --wait 5 --state-dir " + state_dir_);
  EXPECT_EQ(wait.code, 1);
  EXPECT_EQ(wait.err, "ERROR: invalid argument \"5\" for \"--wait\" flag: missing unit in duration \"5\"\n");
  Ran missing = Binary("cluster create --config " + root_ + "/absent.yaml");
  EXPECT_EQ(missing.code, 1);
  EXPECT_EQ(missing.err, "ERROR: failed to create cluster: " + root_ + "/absent.yaml: cannot read: No such file or directory\n");
}

// In process, with parts: what the binary cannot show before the node backend exists.
class NoOpParts : public cluster::ClusterFiles, public cluster::NodeBackend {
 public:
  Status BuildImages(const cluster::ClusterPlan&) override { return Status(); }
  Status WritePki(const cluster::ClusterPlan&) override { return Status(); }
  Status WriteKubeconfigs(const cluster::ClusterPlan& plan) override {
    return cluster::ClusterState::WriteFile(plan.state.admin_kubeconfig(), kAdmin);
  }
  Status WriteControlPlaneManifests(const cluster::ClusterPlan&) override { return Status(); }
  Status CreateNetwork(cluster::ClusterPlan&) override { return Status(); }
  Status ProvisionNode(const cluster::ClusterPlan&, const cluster::NodePlan&) override { return Status(); }
  Status StartControlPlane(const cluster::ClusterPlan&, const cluster::NodePlan&,
                           std::chrono::steady_clock::time_point) override {
    return Status();
  }
  Status InstallPodNetwork(const cluster::ClusterPlan&) override { return Status(); }
  Status JoinNode(const cluster::ClusterPlan&, const cluster::NodePlan&,
                  std::chrono::steady_clock::time_point) override {
    return Status();
  }
  Result<bool> WaitForControlPlaneReady(const cluster::ClusterPlan&, std::chrono::steady_clock::time_point) override {
    return true;
  }
  Status Delete(const cluster::ClusterPlan&) override { return Status(); }
};

TEST_F(ClusterCliTest, CreateWithPartsMakesAClusterTheOtherVerbsSee) {
  NoOpParts parts;
  std::ostringstream out, err;
  ClusterCreateFlags flags{.config = config_, .name = "renamed", .state_dir = state_dir_};
  ASSERT_EQ(RunClusterCreate(flags, {.files = &parts, .nodes = &parts}, out, err), 0) << err.str();
  EXPECT_EQ(out.str(), "");
  EXPECT_NE(err.str().find("Creating cluster \"renamed\" ...\n"), std::string::npos) << err.str();
  std::ostringstream nodes, nodes_err;
  EXPECT_EQ(RunGetNodes("renamed", state_dir_, nodes, nodes_err), 0);
  EXPECT_EQ(nodes.str(), "renamed-control-plane\nrenamed-worker\n");
  std::ostringstream again;
  EXPECT_EQ(RunClusterCreate(flags, {.files = &parts, .nodes = &parts}, out, again), 1);
  EXPECT_EQ(again.str(),
            "ERROR: failed to create cluster: node(s) already exist for a cluster with the name \"renamed\"\n");
}

}  // namespace
}  // namespace kubenode::cmd
