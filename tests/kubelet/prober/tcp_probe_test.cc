#include "kubelet/prober/tcp_probe.h"

#include <gtest/gtest.h>

#include "test_server.h"

namespace kubenode::kubelet::prober {
namespace {

using testing::TestServer;

TEST(TcpProbeTest, SucceedsWhenSomethingListens) {
  TestServer server([](const std::string&) { return std::string(); });
  ProbeOutcome outcome = TcpProbe("127.0.0.1", server.port(), std::chrono::seconds(1));
  EXPECT_EQ(outcome.result, Outcome::kSuccess);
  EXPECT_EQ(outcome.output, "");
}

TEST(TcpProbeTest, ConnectionRefusedReadsLikeGo) {
  const int port = TestServer::ClosedPort();
  ProbeOutcome outcome = TcpProbe("127.0.0.1", port, std::chrono::seconds(1));
  EXPECT_EQ(outcome.result, Outcome::kFailure);
  EXPECT_EQ(outcome.output, "dial tcp 127.0.0.1:" + std::to_string(port) + ": connect: connection refused");
}

TEST(TcpProbeTest, IPv6AddressIsBracketed) {
  const int port = TestServer::ClosedPort();
  ProbeOutcome outcome = TcpProbe("::1", port, std::chrono::seconds(1));
  EXPECT_EQ(outcome.result, Outcome::kFailure);
  EXPECT_EQ(outcome.output.rfind("dial tcp [::1]:" + std::to_string(port) + ": ", 0), 0u) << outcome.output;
}

}  // namespace
}  // namespace kubenode::kubelet::prober
