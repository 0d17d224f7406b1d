#include "proxy/allocation_store.h"

#include <sys/stat.h>

#include <algorithm>
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

// The files in dir_ whose name starts with `prefix`.
std::vector<std::string> FilesStartingWith(const std::string& dir, const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().filename().string().rfind(prefix, 0) == 0) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

TEST_F(FileAllocationStoreTest, CorruptFileIsMovedAsideAndTheBackupUsed) {
  const std::string path = dir_ + "/allocations.json";
  const AllocationMap saved = {{"default/a", {"10.96.0.5", {}}}, {"default/b", {"10.96.0.6", {}}}};
  ASSERT_TRUE(FileAllocationStore(path).Save(saved).ok());
  EXPECT_TRUE(std::filesystem::exists(path + ".bak"));
  std::ofstream(path) << "{\"version\": 1, \"serv";  // truncated
  FileAllocationStore store(path);
  Result<AllocationMap> loaded = store.Load();
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ(*loaded, saved);
  ASSERT_EQ(store.problems().size(), 2u);
  EXPECT_EQ(store.problems()[0].rfind(path + ": not a JSON object; moved to " + path + ".corrupt-", 0), 0u)
      << store.problems()[0];
  EXPECT_EQ(store.problems()[1], "restored 2 services from " + path + ".bak");
  EXPECT_EQ(FilesStartingWith(dir_, "allocations.json.corrupt-").size(), 1u);
  EXPECT_FALSE(std::filesystem::exists(path));  // the next Save writes a fresh one
}

TEST_F(FileAllocationStoreTest, DeletedFileIsRestoredFromTheBackup) {
  const std::string path = dir_ + "/allocations.json";
  const AllocationMap saved = {{"default/a", {"10.96.0.5", {{"", api::Protocol::kTCP, 30001}}}}};
  ASSERT_TRUE(FileAllocationStore(path).Save(saved).ok());
  std::filesystem::remove(path);
  FileAllocationStore store(path);
  Result<AllocationMap> loaded = store.Load();
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(*loaded, saved);
  ASSERT_EQ(store.problems().size(), 1u);
  EXPECT_EQ(store.problems()[0], path + ": missing; restored 1 services from " + path + ".bak");
}

TEST_F(FileAllocationStoreTest, BadEntriesAreLeftOutWithoutBackup) {
  const std::string path = dir_ + "/allocations.json";
  std::ofstream(path) << R"({"version": 1, "services": {"default/a": {"clusterIP": 7}, "default/b": {"clusterIP": "10.96.0.6"},
    "default/c": {"creationTimestamp": "yesterday"}, "default/d": {"nodePorts": [{"name": "", "protocol": "ICMP", "nodePort": 1}]}}})";
  FileAllocationStore store(path);
  Result<AllocationMap> loaded = store.Load();
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(*loaded, (AllocationMap{{"default/b", {"10.96.0.6", {}}}}));
  ASSERT_EQ(store.problems().size(), 2u);
  EXPECT_EQ(store.problems()[0].rfind(path + ": services[default/a].clusterIP: not a string (and 2 more); moved to ", 0), 0u)
      << store.problems()[0];
  EXPECT_EQ(store.problems()[1], path + ".bak: absent; keeping the 1 services that decoded");
  // Whatever the text, Load does not fail.
  for (const char* text : {"{\"version\": \"one\"}", "", "[]", "\xff\xfe"}) {
    std::ofstream(path) << text;
    FileAllocationStore again(path);
    EXPECT_TRUE(again.Load().ok()) << text;
    EXPECT_FALSE(again.problems().empty()) << text;
  }
  // The whole-text decoder still names the first bad entry.
  EXPECT_EQ(AllocationsFromJson("{\"version\": 1, \"services\": {\"default/a\": {\"clusterIP\": 7}}}").status().message(),
            "services[default/a].clusterIP: not a string");
}

TEST_F(FileAllocationStoreTest, SaveIntoMissingDirectoryFails) {
  Status saved = FileAllocationStore(dir_ + "/missing/allocations.json").Save({});
  EXPECT_FALSE(saved.ok());
  EXPECT_NE(saved.message().find(dir_ + "/missing/allocations.json.tmp"), std::string::npos) << saved.message();
}

}  // namespace
}  // namespace kubenode::proxy
