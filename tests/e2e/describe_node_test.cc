// `kubenode describe node` against the harness's containerd, as a user runs it.
#include <gtest/gtest.h>

#include "tests/support/e2e_env.h"

namespace kubenode {
namespace {

using testing::RequiredEnv;
using testing::RunCommand;

TEST(DescribeNodeTest, ShowsHostnameInternalIPAndRuntimeVersion) {
  const std::string endpoint = RequiredEnv("KUBENODE_CRI_ENDPOINT");
  ASSERT_FALSE(endpoint.empty());
  auto result = RunCommand(std::string(KUBENODE_BINARY) + " --container-runtime-endpoint " + endpoint +
                           " describe node 2>&1");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  auto hostname = RunCommand("hostname | tr A-Z a-z");
  EXPECT_NE(result.output.find("Name:               " + hostname.output), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("  InternalIP:  "), std::string::npos) << result.output;
  auto ip = RunCommand("ip -4 -o route get 1.1.1.1 | sed -n 's/.* src \\([0-9.]*\\).*/\\1/p'");
  EXPECT_NE(result.output.find("  InternalIP:  " + ip.output), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("  Container Runtime Version:  containerd://1."), std::string::npos)
      << result.output;
}

TEST(DescribeNodeTest, UnreachableRuntimeIsAClearError) {
  auto result = RunCommand(std::string(KUBENODE_BINARY) +
                           " --container-runtime-endpoint unix:///nonexistent.sock describe node 2>&1");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.output.rfind("error: Version unix:///nonexistent.sock: rpc error: code = Unavailable", 0), 0u)
      << result.output;
}

}  // namespace
}  // namespace kubenode
