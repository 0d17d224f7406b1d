#include "agent/describe_node.h"

#include <gtest/gtest.h>

#include "tests/kubelet/fake_runtime.h"

namespace kubenode::agent {
namespace {

host::NodeInfo HostInfo() {
  host::NodeInfo info;
  info.hostname = "box";
  info.internal_ip = "192.168.1.9";
  info.architecture = "amd64";
  info.cpu_count = 4;
  info.memory_bytes = 8 * 1024 * 1024;
  return info;
}

// The daemon describes the node it runs: the name and IP it was given and its own runtime's version.
TEST(DescribeNodeTest, ShowsTheDaemonsNodeNameIPAndRuntime) {
  RealClock clock;
  kubelet::testing::FakeRuntime runtime(clock);
  auto text = DescribeNode(runtime, HostInfo(), "node-a", "10.0.0.5", "v0.9.0");
  ASSERT_TRUE(text.ok()) << text.status().message();
  EXPECT_NE(text->find("Name:               node-a\n"), std::string::npos) << *text;
  EXPECT_NE(text->find("                    kubernetes.io/hostname=node-a\n"), std::string::npos) << *text;
  EXPECT_NE(text->find("  InternalIP:  10.0.0.5\n  Hostname:    node-a\n"), std::string::npos) << *text;
  EXPECT_NE(text->find("  cpu:     4\n  memory:  8192Ki\n"), std::string::npos) << *text;
  EXPECT_NE(text->find("  Container Runtime Version:  containerd://1.6.20~ds1\n"), std::string::npos) << *text;
  EXPECT_NE(text->find("  Kubelet Version:            v0.9.0\n"), std::string::npos) << *text;
}

}  // namespace
}  // namespace kubenode::agent
