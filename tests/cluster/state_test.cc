#include "cluster/state.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace kubenode::cluster {
namespace {

namespace fs = std::filesystem;

class StateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kubenode-state-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { fs::remove_all(root_); }

  static std::string Read(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
  }

  std::string root_;
};

TEST_F(StateTest, PathsFollowKubeadmsLayout) {
  ClusterState state("/var/lib/kubenode/clusters", "hello-world");
  EXPECT_EQ(state.dir(), "/var/lib/kubenode/clusters/hello-world");
  EXPECT_EQ(state.config_file(), "/var/lib/kubenode/clusters/hello-world/cluster.yaml");
  EXPECT_EQ(state.Pki("etcd/ca.crt"), "/var/lib/kubenode/clusters/hello-world/pki/etcd/ca.crt");
  EXPECT_EQ(state.admin_kubeconfig(), "/var/lib/kubenode/clusters/hello-world/admin.conf");
  EXPECT_EQ(state.scheduler_kubeconfig(), "/var/lib/kubenode/clusters/hello-world/scheduler.conf");
  EXPECT_EQ(state.controller_manager_kubeconfig(), "/var/lib/kubenode/clusters/hello-world/controller-manager.conf");
  EXPECT_EQ(state.NodeKubeconfig("hello-world-worker"),
            "/var/lib/kubenode/clusters/hello-world/nodes/hello-world-worker/kubelet.conf");
  EXPECT_EQ(state.NodeManifestsDir("hello-world-control-plane"),
            "/var/lib/kubenode/clusters/hello-world/nodes/hello-world-control-plane/manifests");
  EXPECT_EQ(state.images_dir(), "/var/lib/kubenode/clusters/hello-world/images");
}

TEST_F(StateTest, StateDirFlagBeatsEnvBeatsDefault) {
  unsetenv(kStateDirEnv);
  EXPECT_EQ(ResolveStateDir(""), "/var/lib/kubenode/clusters");
  setenv(kStateDirEnv, "/srv/clusters", 1);
  EXPECT_EQ(ResolveStateDir(""), "/srv/clusters");
  EXPECT_EQ(ResolveStateDir("/flag"), "/flag");
  unsetenv(kStateDirEnv);
}

TEST_F(StateTest, ClusterNamesFollowKindsRule) {
  EXPECT_TRUE(ValidateClusterName("hello-world").ok());
  EXPECT_TRUE(ValidateClusterName("a.b-1").ok());
  EXPECT_EQ(ValidateClusterName("Hello").message(),
            "'Hello' is not a valid cluster name, cluster names must match `^[a-z0-9.-]+$`");
  EXPECT_FALSE(ValidateClusterName("a/b").ok());
  EXPECT_FALSE(ValidateClusterName("..").ok());
  EXPECT_FALSE(ValidateClusterName("").ok());
}

TEST_F(StateTest, CreateListRemove) {
  ClusterState a(root_, "a");
  ClusterState b(root_, "b");
  EXPECT_FALSE(a.Exists());
  ASSERT_TRUE(b.Create().ok());
  ASSERT_TRUE(ClusterState::WriteFile(b.config_file(), "kind: Cluster\n").ok());
  ASSERT_TRUE(a.Create().ok());
  ASSERT_TRUE(ClusterState::WriteFile(a.config_file(), "kind: Cluster\n").ok());
  fs::create_directories(root_ + "/not-a-cluster");  // no cluster.yaml: not listed
  EXPECT_EQ((fs::status(a.dir()).permissions() & fs::perms::all), fs::perms::owner_all);

  Result<std::vector<std::string>> names = ClusterState::List(root_);
  ASSERT_TRUE(names.ok()) << names.status().message();
  EXPECT_EQ(*names, (std::vector<std::string>{"a", "b"}));

  EXPECT_EQ(a.Create().message(), "node(s) already exist for a cluster with the name \"a\"");
  ASSERT_TRUE(a.Remove().ok());
  EXPECT_FALSE(fs::exists(a.dir()));
  EXPECT_TRUE(a.Remove().ok());  // gone already: fine
  EXPECT_EQ(*ClusterState::List(root_), (std::vector<std::string>{"b"}));
}

TEST_F(StateTest, ListOfAMissingStateDirIsEmpty) {
  Result<std::vector<std::string>> names = ClusterState::List(root_ + "/absent");
  ASSERT_TRUE(names.ok());
  EXPECT_TRUE(names->empty());
}

TEST_F(StateTest, WriteFileCreatesParentsWithTheModeAsked) {
  ClusterState state(root_, "c");
  const std::string key = state.Pki("etcd/server.key");
  ASSERT_TRUE(ClusterState::WriteFile(key, "secret").ok());
  EXPECT_EQ(Read(key), "secret");
  EXPECT_EQ(fs::status(key).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
  ASSERT_TRUE(ClusterState::WriteFile(state.Pki("ca.crt"), "cert", 0644).ok());
  EXPECT_EQ(fs::status(state.Pki("ca.crt")).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
  ASSERT_TRUE(ClusterState::WriteFile(key, "rotated").ok());  // replaces
  EXPECT_EQ(Read(key), "rotated");
  EXPECT_FALSE(fs::exists(key + ".tmp"));
}

}  // namespace
}  // namespace kubenode::cluster
