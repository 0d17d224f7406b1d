#include "proxy/allocation_store.h"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace kubenode::proxy {
namespace {

class FileAllocationStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/allocation_store_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(FileAllocationStoreTest, MissingFileIsEmpty) {
  FileAllocationStore store(dir_ + "/allocations.json");
  Result<AllocationMap> loaded = store.Load();
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_TRUE(loaded->empty());
}

TEST_F(FileAllocationStoreTest, RoundTripsAndLeavesNoTemporaryFile) {
  const std::string path = dir_ + "/allocations.json";
  AllocationMap allocations = {
      {"default/hello-service", {"10.96.12.34", {{"", api::Protocol::kTCP, 30001}}}},
      {"kube-system/dns",
       {"10.96.0.10",
        {{"dns", api::Protocol::kUDP, 30053}, {"dns-tcp", api::Protocol::kTCP, 30053}},
        api::Time(std::chrono::seconds(1'767'225'600))}},
  };
  ASSERT_TRUE(FileAllocationStore(path).Save(allocations).ok());
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  struct stat st{};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  Result<AllocationMap> loaded = FileAllocationStore(path).Load();
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ(*loaded, allocations);
}

TEST_F(FileAllocationStoreTest, FormatIsStable) {
  AllocationMap allocations = {{"default/hello-service", {"10.96.12.34", {{"", api::Protocol::kTCP, 30001}}}}};
  EXPECT_EQ(AllocationsToJson(allocations), R"({
  "version": 1,
  "services": {
    "default/hello-service": {
      "clusterIP": "10.96.12.34",
      "nodePorts": [
        {
          "name": "",
          "protocol": "TCP",
          "nodePort": 30001
        }
      ]
    }
  }
}
)");
}

TEST_F(FileAllocationStoreTest, CorruptFileIsAnErrorNamingTheFile) {
  const std::string path = dir_ + "/allocations.json";
  std::ofstream(path) << "{\"version\": 1, \"services\": {\"default/a\": {\"clusterIP\": 7}}}";
  EXPECT_EQ(FileAllocationStore(path).Load().status().message(),
            path + ": services[default/a].clusterIP: not a string");
  std::ofstream(path) << R"({"version": 1, "services": {"default/a": {"creationTimestamp": "yesterday"}}})";
  EXPECT_EQ(FileAllocationStore(path).Load().status().message(),
            path + ": services[default/a].creationTimestamp: invalid time \"yesterday\"");
  std::ofstream(path) << "{\"version\": 1, \"serv";
  EXPECT_EQ(FileAllocationStore(path).Load().status().message(), path + ": not a JSON object");
  std::ofstream(path) << "{\"version\": \"one\"}";
  EXPECT_EQ(FileAllocationStore(path).Load().status().message(), path + ": unsupported version \"one\"");
  std::ofstream(path) << R"({"version": 1, "services": {"default/a": {"nodePorts": [{"name": "", "protocol": "ICMP", "nodePort": 1}]}}})";
  EXPECT_FALSE(FileAllocationStore(path).Load().ok());
}

TEST_F(FileAllocationStoreTest, SaveIntoMissingDirectoryFails) {
  Status saved = FileAllocationStore(dir_ + "/missing/allocations.json").Save({});
  EXPECT_FALSE(saved.ok());
  EXPECT_NE(saved.message().find(dir_ + "/missing/allocations.json.tmp"), std::string::npos) << saved.message();
}

}  // namespace
}  // namespace kubenode::proxy
