// Termination messages: the file mounted at terminationMessagePath, read after the exit; the log's tail
// with FallbackToLogsOnError.
#include "kubelet/runtime/termination_message.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace kubenode::kubelet {
namespace {

namespace fs = std::filesystem;

class TerminationMessageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/termination-message-XXXXXX";
    dir_ = mkdtemp(tmpl);
    pod_.metadata.uid = "u1";
    container_.name = "app";
  }
  void TearDown() override { fs::remove_all(dir_); }
  // The status of the exited instance `config` made, with its file holding `message` and its log `log`.
  cri::ContainerStatus Exited(const cri::ContainerConfig& config, int exit_code, const std::string& message,
                              const std::string& log) {
    cri::ContainerStatus s;
    s.state = cri::ContainerState::kExited;
    s.exit_code = exit_code;
    s.annotations = config.annotations;
    if (!config.mounts.empty()) std::ofstream(config.mounts[0].host_path) << message;
    s.log_path = dir_ + "/0.log";
    std::ofstream(s.log_path) << log;
    return s;
  }
  std::string dir_;
  api::Pod pod_;
  api::Container container_;
};

TEST_F(TerminationMessageTest, EachInstanceGetsAWorldWritableFileMountedAtThePath) {
  cri::ContainerConfig a, b;
  ASSERT_TRUE(AddTerminationMessageMount(dir_, pod_, container_, a).ok());
  ASSERT_TRUE(AddTerminationMessageMount(dir_, pod_, container_, b).ok());
  ASSERT_EQ(a.mounts.size(), 1u);
  EXPECT_EQ(a.mounts[0].container_path, "/dev/termination-log");
  EXPECT_EQ(fs::path(a.mounts[0].host_path).parent_path(), dir_ + "/pods/u1/containers/app");
  EXPECT_NE(a.mounts[0].host_path, b.mounts[0].host_path);
  EXPECT_EQ(fs::status(a.mounts[0].host_path).permissions(), fs::perms(0666));
  EXPECT_EQ(a.annotations.at(kTerminationMessagePathAnnotation), "/dev/termination-log");
  EXPECT_EQ(a.annotations.at(kTerminationMessagePolicyAnnotation), "File");

  container_.termination_message_path = "";
  cri::ContainerConfig none;
  ASSERT_TRUE(AddTerminationMessageMount(dir_, pod_, container_, none).ok());
  EXPECT_TRUE(none.mounts.empty());
}

TEST_F(TerminationMessageTest, MessageIsTheFilesContentCappedAt4096Bytes) {
  cri::ContainerConfig config;
  ASSERT_TRUE(AddTerminationMessageMount(dir_, pod_, container_, config).ok());
  EXPECT_EQ(TerminationMessage(Exited(config, 3, "bye\n", "")), "bye\n");
  const std::string big(5000, 'x');
  EXPECT_EQ(TerminationMessage(Exited(config, 3, big, "")).size(), 4096u);
  // The file policy never falls back to the log.
  EXPECT_EQ(TerminationMessage(Exited(config, 3, "", "2024-01-01T00:00:00Z stdout F oops\n")), "");
  // A running container has no termination message.
  auto running = Exited(config, 0, "bye\n", "");
  running.state = cri::ContainerState::kRunning;
  EXPECT_EQ(TerminationMessage(running), "");
  // CRI's own message comes first.
  auto with_message = Exited(config, 1, "bye\n", "");
  with_message.message = "runtime says";
  EXPECT_EQ(TerminationMessage(with_message), "runtime says: bye\n");
}

TEST_F(TerminationMessageTest, FallbackToLogsOnErrorUsesTheLogsTailOnlyForAnEmptyFileAndAFailure) {
  container_.termination_message_policy = api::TerminationMessagePolicy::kFallbackToLogsOnError;
  cri::ContainerConfig config;
  ASSERT_TRUE(AddTerminationMessageMount(dir_, pod_, container_, config).ok());
  const std::string log =
      "2024-01-01T00:00:00.1Z stdout F starting\n"
      "2024-01-01T00:00:00.2Z stderr P par\n"
      "2024-01-01T00:00:00.3Z stderr F tial failure\n";
  EXPECT_EQ(TerminationMessage(Exited(config, 2, "", log)), "starting\npartial failure\n");
  EXPECT_EQ(TerminationMessage(Exited(config, 0, "", log)), "");          // success: no fallback
  EXPECT_EQ(TerminationMessage(Exited(config, 2, "own\n", log)), "own\n");  // the file wins
}

TEST(LastLogTextTest, KeepsTheLast80LinesAndTheLast2048Bytes) {
  std::string log;
  for (int i = 0; i < 100; ++i) log += "2024-01-01T00:00:00Z stdout F line " + std::to_string(i) + "\n";
  const auto text = LastLogText(log, 80, 2048);
  EXPECT_EQ(text.substr(0, 8), "line 20\n");
  EXPECT_TRUE(text.ends_with("line 99\n"));
  std::string wide;
  for (int i = 0; i < 10; ++i) wide += "2024-01-01T00:00:00Z stdout F " + std::string(500, 'a' + i) + "\n";
  const auto cut = LastLogText(wide, 80, 2048);
  EXPECT_EQ(cut.size(), 2048u);
  EXPECT_TRUE(cut.ends_with(std::string(500, 'j') + "\n"));
}

}  // namespace
}  // namespace kubenode::kubelet
