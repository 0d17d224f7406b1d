#include "cmd/cli.h"

#include <unistd.h>

#include <fstream>

#include <gtest/gtest.h>

#include "agent/local_api.h"

namespace kubenode::cmd {
namespace {

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Route("apply", [this](const nlohmann::json& request) {
      applied_ = request.value("content", "");
      return agent::Reply::Ok("pod/web created\n");
    });
    ASSERT_TRUE(server_.Start().ok());
  }
  void TearDown() override { std::remove(file_.c_str()); }

  std::string Write(const std::string& content) {
    std::ofstream(file_, std::ios::binary) << content;
    return file_;
  }

  const std::string pid_ = std::to_string(getpid());
  const std::string socket_ = "/tmp/kubenode-cli-test-" + pid_ + ".sock";
  const std::string file_ = "/tmp/kubenode-cli-test-" + pid_ + ".yaml";
  agent::LocalApiServer server_{socket_};
  std::string applied_;
};

// kubectl exits 1 with a decode error naming the file; the CLI used to abort in nlohmann's dump().
TEST_F(CliTest, ApplyOfAFileThatIsNotUtf8IsADecodeErrorNamingTheFile) {
  const std::string file = Write("apiVersion: v1\nkind: Pod\nmetadata:\n  name: \xff\n");
  ::testing::internal::CaptureStderr();
  const int code = RunWithFile(socket_, "apply", file);
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(code, 1);
  EXPECT_EQ(err,
            "error: error parsing " + file + ": error converting YAML to JSON: yaml: invalid leading UTF-8 octet\n");
  EXPECT_EQ(applied_, "");  // never sent
}

TEST_F(CliTest, EachKindOfBadUtf8IsNamed) {
  const std::pair<std::string, std::string> cases[] = {
      {"a: \xc3", "incomplete UTF-8 octet sequence"},
      {"a: \xc3(", "invalid trailing UTF-8 octet"},
      {"a: \xc0\xaf", "invalid length of a UTF-8 sequence"},
      {"a: \xed\xa0\x80", "invalid Unicode character"},
  };
  for (const auto& [content, problem] : cases) {
    SCOPED_TRACE(problem);
    const std::string file = Write(content);
    ::testing::internal::CaptureStderr();
    EXPECT_EQ(RunWithFile(socket_, "apply", file), 1);
    EXPECT_EQ(::testing::internal::GetCapturedStderr(),
              "error: error parsing " + file + ": error converting YAML to JSON: yaml: " + problem + "\n");
  }
}

TEST_F(CliTest, ApplyOfAUtf8FileIsSent) {
  const std::string content = "metadata:\n  name: caf\xc3\xa9 \xf0\x9f\x98\x80\n";
  const std::string file = Write(content);
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(RunWithFile(socket_, "apply", file), 0);
  EXPECT_EQ(::testing::internal::GetCapturedStdout(), "pod/web created\n");
  EXPECT_EQ(applied_, content);
}

}  // namespace
}  // namespace kubenode::cmd
