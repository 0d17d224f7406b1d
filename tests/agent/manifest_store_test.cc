#include "agent/manifest_store.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/support/reference_manifests.h"

namespace kubenode::agent {
namespace {
namespace fs = std::filesystem;

class ManifestStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("kubenode-store-test-" + std::to_string(getpid()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::vector<std::string> Files() {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

  fs::path dir_;
};

TEST_F(ManifestStoreTest, ApplyWritesOneFilePerObjectAndReportsLikeKubectl) {
  ManifestStore store(dir_);
  auto lines = store.Apply(std::string(kubenode::testing::kReferencePod) + "---\n" + kubenode::testing::kReferenceService, "all.yaml");
  ASSERT_TRUE(lines.ok()) << lines.status().message();
  EXPECT_EQ(*lines, (std::vector<std::string>{"pod/nginx created", "service/hello-service created"}));
  EXPECT_EQ(Files(), (std::vector<std::string>{"pod_default_nginx.yaml", "service_default_hello-service.yaml"}));

  auto again = store.Apply(kubenode::testing::kReferencePod, "nginx.yaml");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, std::vector<std::string>{"pod/nginx unchanged"});

  std::string changed = kubenode::testing::kReferencePod;
  changed.replace(changed.find("nginx:latest"), 12, "nginx:1.25");
  auto configured = store.Apply(changed, "nginx.yaml");
  ASSERT_TRUE(configured.ok());
  EXPECT_EQ(*configured, std::vector<std::string>{"pod/nginx configured"});
}

TEST_F(ManifestStoreTest, InvalidInputWritesNothing) {
  ManifestStore store(dir_);
  std::string bad = std::string(kubenode::testing::kReferenceService) + "---\napiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: {containers: [{name: c}]}\n";
  auto result = store.Apply(bad, "bad.yaml");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(), "bad.yaml: document 1, line 12: spec.containers[0].image: Required value");
  EXPECT_FALSE(fs::exists(dir_ / "service_default_hello-service.yaml"));
}

TEST_F(ManifestStoreTest, ObjectDefinedInAHandWrittenFileIsNotDefinedTwice) {
  fs::create_directories(dir_);
  std::ofstream(dir_ / "etcd-and-nginx.yaml") << kubenode::testing::kReferencePod;
  ManifestStore store(dir_);
  auto result = store.Apply(kubenode::testing::kReferencePod, "nginx.yaml");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(), "pod \"nginx\" is already defined in " + (dir_ / "etcd-and-nginx.yaml").string() +
                                           ": edit or remove that file instead");
  auto deleted = store.Delete(kubenode::testing::kReferencePod, "nginx.yaml");
  ASSERT_FALSE(deleted.ok());
  EXPECT_TRUE(fs::exists(dir_ / "etcd-and-nginx.yaml"));
}

TEST_F(ManifestStoreTest, DeleteRemovesAppliedObjectsAndNamesMissingOnes) {
  ManifestStore store(dir_);
  ASSERT_TRUE(store.Apply(kubenode::testing::kReferencePod, "nginx.yaml").ok());
  auto deleted = store.Delete(kubenode::testing::kReferencePod, "nginx.yaml");
  ASSERT_TRUE(deleted.ok()) << deleted.status().message();
  EXPECT_EQ(*deleted, std::vector<std::string>{"pod \"nginx\" deleted"});
  EXPECT_TRUE(Files().empty());
  auto missing = store.Delete(kubenode::testing::kReferenceService, "service.yaml");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), "Error from server (NotFound): services \"hello-service\" not found");
}

}  // namespace
}  // namespace kubenode::agent
