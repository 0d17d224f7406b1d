#include "cluster/kubeconfig_file.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

namespace kubenode::cluster {
namespace {

namespace fs = std::filesystem;

constexpr char kAdmin[] = R"(apiVersion: v1
kind: Config
clusters:
- name: hello-world
  cluster:
    certificate-authority-data: Q0E=
    server: https://127.0.0.1:41234
users:
- name: kubernetes-admin
  user:
    client-certificate-data: Q0VSVA==
    client-key-data: S0VZ
contexts:
- name: kubernetes-admin@hello-world
  context: {cluster: hello-world, user: kubernetes-admin}
current-context: kubernetes-admin@hello-world
)";

constexpr char kTheirs[] = R"(apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster:
    server: https://prod.example:6443
    insecure-skip-tls-verify: true
users:
- name: prod-admin
  user:
    token: "12345"
contexts:
- name: prod
  context: {cluster: prod, user: prod-admin, namespace: web}
current-context: prod
preferences: {colors: true}
extensions:
- name: custom
  extension: {level: 3}
)";

class KubeconfigFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kubenode-kubeconfig-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    path_ = root_ + "/config";
  }
  void TearDown() override { fs::remove_all(root_); }

  void Write(const std::string& text) { std::ofstream(path_) << text; }
  YAML::Node Load() { return YAML::LoadFile(path_); }
  static YAML::Node Named(const YAML::Node& list, const std::string& name) {
    for (const YAML::Node& e : list) {
      if (e["name"].as<std::string>() == name) return e;
    }
    return YAML::Node();
  }

  std::string root_;
  std::string path_;
};

TEST_F(KubeconfigFileTest, MergeCreatesTheFile0600WithTheContextCurrent) {
  ASSERT_TRUE(MergeIntoKubeconfig(root_ + "/.kube/config", "hello-world", kAdmin).ok());
  path_ = root_ + "/.kube/config";
  EXPECT_EQ(fs::status(path_).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
  YAML::Node doc = Load();
  EXPECT_EQ(doc["apiVersion"].as<std::string>(), "v1");
  EXPECT_EQ(doc["kind"].as<std::string>(), "Config");
  EXPECT_EQ(doc["current-context"].as<std::string>(), "kubenode-hello-world");
  YAML::Node cluster = Named(doc["clusters"], "kubenode-hello-world");
  EXPECT_EQ(cluster["cluster"]["server"].as<std::string>(), "https://127.0.0.1:41234");
  EXPECT_EQ(cluster["cluster"]["certificate-authority-data"].as<std::string>(), "Q0E=");
  EXPECT_EQ(Named(doc["users"], "kubenode-hello-world")["user"]["client-key-data"].as<std::string>(), "S0VZ");
  YAML::Node context = Named(doc["contexts"], "kubenode-hello-world")["context"];
  EXPECT_EQ(context["cluster"].as<std::string>(), "kubenode-hello-world");
  EXPECT_EQ(context["user"].as<std::string>(), "kubenode-hello-world");
  EXPECT_EQ(doc["clusters"].size(), 1u);
}

TEST_F(KubeconfigFileTest, MergeKeepsEveryOtherEntryAndFieldAndDeleteRestoresThem) {
  Write(kTheirs);
  chmod(path_.c_str(), 0640);
  ASSERT_TRUE(MergeIntoKubeconfig(path_, "hello-world", kAdmin).ok());
  YAML::Node doc = Load();
  EXPECT_EQ(fs::status(path_).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  EXPECT_EQ(doc["clusters"].size(), 2u);
  EXPECT_EQ(Named(doc["users"], "prod-admin")["user"]["token"].as<std::string>(), "12345");
  EXPECT_EQ(Named(doc["users"], "prod-admin")["user"]["token"].Tag(), "!");  // still a string, not a number
  EXPECT_EQ(Named(doc["contexts"], "prod")["context"]["namespace"].as<std::string>(), "web");
  EXPECT_TRUE(Named(doc["clusters"], "prod")["cluster"]["insecure-skip-tls-verify"].as<bool>());
  EXPECT_EQ(doc["extensions"][0]["extension"]["level"].as<int>(), 3);
  EXPECT_TRUE(doc["preferences"]["colors"].as<bool>());
  EXPECT_EQ(doc["current-context"].as<std::string>(), "kubenode-hello-world");

  // Merging again (re-create) replaces rather than duplicates.
  ASSERT_TRUE(MergeIntoKubeconfig(path_, "hello-world", kAdmin).ok());
  EXPECT_EQ(Load()["contexts"].size(), 2u);

  ASSERT_TRUE(RemoveFromKubeconfig(path_, "hello-world").ok());
  doc = Load();
  EXPECT_EQ(doc["clusters"].size(), 1u);
  EXPECT_EQ(doc["users"].size(), 1u);
  EXPECT_EQ(doc["contexts"].size(), 1u);
  EXPECT_FALSE(Named(doc["contexts"], "prod").IsNull());
  EXPECT_EQ(doc["current-context"].as<std::string>(), "");  // it was ours
}

TEST_F(KubeconfigFileTest, RemoveLeavesSomeoneElsesCurrentContext) {
  ASSERT_TRUE(MergeIntoKubeconfig(path_, "a", kAdmin).ok());
  ASSERT_TRUE(MergeIntoKubeconfig(path_, "b", kAdmin).ok());
  ASSERT_TRUE(RemoveFromKubeconfig(path_, "a").ok());
  YAML::Node doc = Load();
  EXPECT_EQ(doc["current-context"].as<std::string>(), "kubenode-b");
  EXPECT_EQ(doc["contexts"].size(), 1u);
}

TEST_F(KubeconfigFileTest, RemoveFromAMissingFileIsFineAndCreatesNothing) {
  ASSERT_TRUE(RemoveFromKubeconfig(path_, "a").ok());
  EXPECT_FALSE(fs::exists(path_));
}

TEST_F(KubeconfigFileTest, ABrokenKubeconfigIsAnErrorNamingItAndIsLeftAlone) {
  Write("clusters: [\n");
  Status s = MergeIntoKubeconfig(path_, "a", kAdmin);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message().rfind(path_ + ": line ", 0), 0u) << s.message();
  std::ifstream in(path_);
  std::ostringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "clusters: [\n");
  EXPECT_EQ(MergeIntoKubeconfig(root_ + "/fresh", "a", "kind: Config\n").message(), "admin kubeconfig: no cluster");
  EXPECT_FALSE(fs::exists(root_ + "/fresh"));
}

TEST_F(KubeconfigFileTest, PathIsTheFirstOfKubeconfigElseHome) {
  const char* old_kc = getenv("KUBECONFIG");
  const std::string saved_kc = old_kc ? old_kc : "";
  const std::string saved_home = getenv("HOME") ? getenv("HOME") : "";
  setenv("KUBECONFIG", "/a/one:/b/two", 1);
  EXPECT_EQ(*KubeconfigPath(), "/a/one");
  unsetenv("KUBECONFIG");
  setenv("HOME", "/home/u", 1);
  EXPECT_EQ(*KubeconfigPath(), "/home/u/.kube/config");
  if (old_kc) setenv("KUBECONFIG", saved_kc.c_str(), 1);
  setenv("HOME", saved_home.c_str(), 1);
}

}  // namespace
}  // namespace kubenode::cluster

namespace kubenode::cluster {
namespace {

TEST(StandaloneKubeconfigTest, RenamesTheAdminEntriesAndMakesThemCurrent) {
  Result<std::string> text = StandaloneKubeconfig("hello-world", kAdmin);
  ASSERT_TRUE(text.ok()) << text.status().message();
  YAML::Node doc = YAML::Load(*text);
  EXPECT_EQ(doc["current-context"].as<std::string>(), "kubenode-hello-world");
  EXPECT_EQ(doc["clusters"].size(), 1u);
  EXPECT_EQ(doc["clusters"][0]["name"].as<std::string>(), "kubenode-hello-world");
  EXPECT_EQ(doc["users"][0]["user"]["client-certificate-data"].as<std::string>(), "Q0VSVA==");
  EXPECT_EQ(doc["contexts"][0]["context"]["user"].as<std::string>(), "kubenode-hello-world");
}

}  // namespace
}  // namespace kubenode::cluster
