// The NodeStatusReporter's Ready-transition hook that API mode turns into NodeReady/NodeNotReady events.
#include <gtest/gtest.h>

#include "base/fake_clock.h"
#include "kubelet/node/node_status_reporter.h"
#include "tests/apiclient/fake_transport.h"

namespace kubenode::kubelet {
namespace {

TEST(NodeReadyObserverTest, CalledOnReadyTransitionsOnceReported) {
  FakeClock clock;
  apiclient::FakeTransport transport;
  apiclient::RateLimiter limiter(clock, 0, 1);
  apiclient::ApiClient client(transport, limiter);
  std::string runtime_error;
  NodeFacts facts;
  facts.name = "node-1";
  facts.runtime_version = "containerd://1.6.20";
  NodeStatusReporter reporter(client, clock, facts, [&](NodeFacts& f) { f.not_ready_message = runtime_error; });
  std::vector<bool> seen;
  reporter.SetReadyObserver([&](bool ready) { seen.push_back(ready); });

  // A failed PATCH reports nothing: the server did not see the transition.
  transport.Queue("PATCH /api/v1/nodes/node-1/status", {500, "{}"});
  EXPECT_FALSE(reporter.SyncStatus().ok());
  EXPECT_TRUE(seen.empty());

  transport.Queue("PATCH /api/v1/nodes/node-1/status", {200, "{}"});
  ASSERT_TRUE(reporter.SyncStatus().ok());
  EXPECT_EQ(seen, std::vector<bool>({true}));

  clock.Advance(std::chrono::minutes(5));  // due again, still Ready: no new transition
  transport.Queue("PATCH /api/v1/nodes/node-1/status", {200, "{}"});
  ASSERT_TRUE(reporter.SyncStatus().ok());
  EXPECT_EQ(seen, std::vector<bool>({true}));

  runtime_error = "container runtime is down";
  transport.Queue("PATCH /api/v1/nodes/node-1/status", {200, "{}"});
  ASSERT_TRUE(reporter.SyncStatus().ok());
  EXPECT_EQ(seen, std::vector<bool>({true, false}));

  runtime_error.clear();
  transport.Queue("PATCH /api/v1/nodes/node-1/status", {200, "{}"});
  ASSERT_TRUE(reporter.SyncStatus().ok());
  EXPECT_EQ(seen, std::vector<bool>({true, false, true}));
}

}  // namespace
}  // namespace kubenode::kubelet
