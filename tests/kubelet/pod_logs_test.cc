#include "kubelet/runtime/pod_logs.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace kubenode::kubelet {
namespace {

namespace fs = std::filesystem;

class PodLogsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kubelet-logs-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Touch(const std::string& rel) {
    fs::create_directories(fs::path(dir_ + "/" + rel).parent_path());
    std::ofstream(dir_ + "/" + rel) << "x\n";
  }
  std::string dir_;
};

TEST_F(PodLogsTest, RestartCountIsOnePastTheHighestLogNumber) {
  Touch("app/0.log");
  Touch("app/1.log");
  Touch("app/4.log.20260101-000000.gz");  // rotated
  Touch("app/notes.log");
  Touch("app/9.txt");
  Touch("app/7.logs");
  fs::create_directories(dir_ + "/app/12.log");  // a directory: not a log
  EXPECT_EQ(RestartCountFromLogs(dir_ + "/app"), 5);
}

TEST_F(PodLogsTest, RestartCountIsZeroWithoutLogs) {
  EXPECT_EQ(RestartCountFromLogs(dir_ + "/absent"), 0);
  fs::create_directories(dir_ + "/empty");
  EXPECT_EQ(RestartCountFromLogs(dir_ + "/empty"), 0);
}

TEST_F(PodLogsTest, RemovePodLogsRemovesOnlyThatPodsDirectories) {
  Touch("default_web-node1_uid-1/app/0.log");
  Touch("default_web-node1_uid-12/app/0.log");
  Touch("default_db-node1_uid-2/app/0.log");
  ASSERT_TRUE(RemovePodLogs(dir_, "uid-1").ok());
  EXPECT_FALSE(fs::exists(dir_ + "/default_web-node1_uid-1"));
  EXPECT_TRUE(fs::exists(dir_ + "/default_web-node1_uid-12"));
  EXPECT_TRUE(fs::exists(dir_ + "/default_db-node1_uid-2"));
  EXPECT_TRUE(RemovePodLogs(dir_ + "/absent", "uid-1").ok());
}

}  // namespace
}  // namespace kubenode::kubelet
