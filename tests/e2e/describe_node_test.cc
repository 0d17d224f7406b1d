// `kubenode describe node` against a running daemon, as a user runs it.
#include <gtest/gtest.h>

#include "tests/support/daemon_fixture.h"

namespace kubenode {
namespace {

using testing::DaemonFixture;
using testing::RunCommand;

class DescribeNodeTest : public DaemonFixture {};

// The daemon answers from its own CRI client: the CLI's --container-runtime-endpoint (here one that does not
// exist) plays no part.
TEST_F(DescribeNodeTest, ShowsHostnameInternalIPAndTheDaemonsRuntimeVersion) {
  auto result = Cli("--container-runtime-endpoint unix:///nonexistent.sock describe node");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  auto hostname = RunCommand("hostname | tr A-Z a-z");
  EXPECT_NE(result.output.find("Name:               " + hostname.output), std::string::npos) << result.output;
  auto ip = RunCommand("ip -4 -o route get 1.1.1.1 | sed -n 's/.* src \\([0-9.]*\\).*/\\1/p'");
  EXPECT_NE(result.output.find("  InternalIP:  " + ip.output), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("  Container Runtime Version:  containerd://1."), std::string::npos)
      << result.output;
}

TEST(DescribeNodeNoDaemonTest, NoDaemonIsAClearError) {
  auto result = RunCommand(std::string(KUBENODE_BINARY) + " --socket /nonexistent.sock describe node 2>&1");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.output.rfind("error: cannot reach the kubenode daemon at /nonexistent.sock", 0), 0u)
      << result.output;
}

}  // namespace
}  // namespace kubenode
