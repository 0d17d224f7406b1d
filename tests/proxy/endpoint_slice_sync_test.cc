#include "proxy/endpoint_slice_sync.h"

#include <gtest/gtest.h>

#include "proxy/service_change_tracker.h"
#include "tests/proxy/test_objects.h"

namespace kubenode::proxy {
namespace {

// Records the calls it receives.
class RecordingHandler : public EndpointSliceHandler {
 public:
  void OnEndpointSliceAdd(const api::EndpointSlice& s) override { calls.push_back("add " + s.metadata.name); }
  void OnEndpointSliceUpdate(const api::EndpointSlice&, const api::EndpointSlice& s) override {
    calls.push_back("update " + s.metadata.name);
  }
  void OnEndpointSliceDelete(const api::EndpointSlice& s) override { calls.push_back("delete " + s.metadata.name); }
  void OnEndpointSlicesSynced() override { calls.push_back("synced"); }
  std::vector<std::string> calls;
};

PodWithStatus Pod(std::string name, std::string ip, bool ready = true) {
  auto p = testing::MakePod(std::move(name), {{"app", "nginx"}}, std::move(ip), ready);
  return {std::move(p.pod), std::move(p.status)};
}

TEST(EndpointSliceSyncTest, ReportsOnlyDifferences) {
  RecordingHandler handler;
  EndpointSliceSync sync(&handler, {});
  api::Service hello = testing::HelloService();
  hello.spec.cluster_ip = "10.96.12.34";

  sync.Sync({hello}, {Pod("a", "10.244.0.10")});
  ASSERT_EQ(handler.calls.size(), 2u);
  std::string name = sync.Current().begin()->second.metadata.name;
  EXPECT_EQ(handler.calls, (std::vector<std::string>{"add " + name, "synced"}));

  handler.calls.clear();
  sync.Sync({hello}, {Pod("a", "10.244.0.10")});
  EXPECT_TRUE(handler.calls.empty());

  sync.Sync({hello}, {Pod("a", "10.244.0.10", false)});
  EXPECT_EQ(handler.calls, std::vector<std::string>{"update " + name});

  handler.calls.clear();
  sync.Sync({}, {Pod("a", "10.244.0.10")});
  EXPECT_EQ(handler.calls, std::vector<std::string>{"delete " + name});
}

TEST(EndpointSliceSyncTest, FeedsTheChangeTrackerEndToEnd) {
  ServiceChangeTracker tracker("node-1");
  EndpointSliceSync sync(&tracker, {});
  api::Service hello = testing::HelloService();
  hello.spec.cluster_ip = "10.96.12.34";
  tracker.OnServiceAdd(hello);
  tracker.OnServicesSynced();
  sync.Sync({hello}, {Pod("a", "10.244.0.10"), Pod("b", "10.244.0.11", false)});
  EXPECT_TRUE(tracker.synced());
  ServiceSnapshot snapshot = tracker.Snapshot();
  ASSERT_EQ(snapshot.ports.size(), 1u);
  EXPECT_EQ(snapshot.ports[0].endpoints,
            (std::vector<EndpointInfo>{{"10.244.0.10", 80, true, true}, {"10.244.0.11", 80, false, true}}));
}

}  // namespace
}  // namespace kubenode::proxy
