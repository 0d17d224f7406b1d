#include "proxy/endpoint_slice_sync.h"

#include <gtest/gtest.h>

#include "base/fake_clock.h"
#include "netfilter/fake_backend.h"
#include "proxy/allocation_store.h"
#include "proxy/proxier.h"
#include "proxy/ruleset_names.h"
#include "proxy/service_allocator.h"
#include "proxy/service_change_tracker.h"
#include "proxy/service_registry.h"
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
  ASSERT_EQ(sync.SliceNames("default", "hello-service").size(), 1u);
  std::string name = sync.SliceNames("default", "hello-service").front();
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

PodWithStatus AppPod(std::string name, std::string app, std::string ip, bool ready = true) {
  auto p = testing::MakePod(std::move(name), {{"app", std::move(app)}, {"tier", "web"}}, std::move(ip), ready);
  return {std::move(p.pod), std::move(p.status)};
}

api::Service AppService(int i) {
  api::Service s = testing::MakeService("svc-" + std::to_string(i), {testing::Port("http", 80)},
                                        {{"app", "app-" + std::to_string(i)}});
  s.spec.cluster_ip = "10.96.0." + std::to_string(i + 1);
  return s;
}

// 100 Services, one pod each: a pod change recomputes the Services its old or new labels select, a Service
// change its own slices, nothing else.
TEST(EndpointSliceSyncTest, RecomputesOnlyWhatAChangeTouches) {
  RecordingHandler handler;
  EndpointSliceSync sync(&handler, {});
  std::vector<PodWithStatus> pods;
  for (int i = 0; i < 100; ++i) {
    sync.OnServiceAdd(AppService(i));
    pods.push_back(AppPod("pod-" + std::to_string(i), "app-" + std::to_string(i), "10.244.0." + std::to_string(i + 1)));
  }
  EXPECT_EQ(sync.builds(), 0u) << "nothing is computed before the pods were reported";
  sync.SetPods(pods);
  EXPECT_EQ(sync.builds(), 100u);
  EXPECT_EQ(handler.calls.size(), 101u);  // 100 adds + synced

  // The same listing again: nothing to do.
  handler.calls.clear();
  sync.SetPods(pods);
  EXPECT_EQ(sync.builds(), 100u);
  EXPECT_TRUE(handler.calls.empty());

  // One pod turns unready: its one Service.
  pods[7].status.conditions[0].status = false;
  sync.SetPods(pods);
  EXPECT_EQ(sync.builds(), 101u);
  EXPECT_EQ(handler.calls, std::vector<std::string>{"update " + sync.SliceNames("default", "svc-7").front()});

  // One pod's labels move it from svc-3 to svc-4: both, and only them.
  handler.calls.clear();
  pods[3].pod.metadata.labels["app"] = "app-4";
  sync.SetPods(pods);
  EXPECT_EQ(sync.builds(), 103u);
  EXPECT_EQ(handler.calls.size(), 3u);  // svc-3's slice becomes the empty placeholder (delete + add), svc-4's grows

  // A pod removed: its Service.
  pods.erase(pods.begin() + 50);
  sync.SetPods(pods);
  EXPECT_EQ(sync.builds(), 104u);

  // A Service edited: its own slices only; an unchanged re-delivery: nothing.
  api::Service edited = AppService(20);
  edited.spec.ports[0].target_port = api::IntOrString::Int(8080);
  sync.OnServiceUpdate(AppService(20), edited);
  EXPECT_EQ(sync.builds(), 105u);
  sync.OnServiceAdd(edited);
  EXPECT_EQ(sync.builds(), 105u);

  // A Service deleted: its slices go, nothing is built.
  handler.calls.clear();
  sync.OnServiceDelete(edited);
  EXPECT_EQ(sync.builds(), 105u);
  ASSERT_EQ(handler.calls.size(), 1u);
  EXPECT_TRUE(handler.calls[0].starts_with("delete svc-20-"));
}

// A selector of several labels is found through any pod carrying them, whatever label the index uses.
TEST(EndpointSliceSyncTest, MultiLabelSelectorsMatchThroughTheIndex) {
  api::Service web = testing::MakeService("web", {testing::Port("", 80)}, {{"app", "a"}, {"tier", "web"}});
  web.spec.cluster_ip = "10.96.0.2";
  ServiceChangeTracker tracker("node-1");
  EndpointSliceSync feeding(&tracker, {}, &tracker);
  feeding.OnServiceAdd(web);
  feeding.OnServicesSynced();
  feeding.SetPods({AppPod("a", "a", "10.244.0.2"), AppPod("b", "b", "10.244.0.3")});
  ServiceSnapshot snapshot = tracker.Snapshot();
  ASSERT_EQ(snapshot.ports.size(), 1u);
  EXPECT_EQ(snapshot.ports[0].endpoints, (std::vector<EndpointInfo>{{"10.244.0.2", 80, true, true}}));

  // Moving the pod out of the tier (the label the index does not use) removes it.
  feeding.SetPods({AppPod("a", "a", "10.244.0.2"), AppPod("b", "b", "10.244.0.3")});
  auto moved = AppPod("a", "a", "10.244.0.2");
  moved.pod.metadata.labels["tier"] = "db";
  feeding.SetPods({moved, AppPod("b", "b", "10.244.0.3")});
  snapshot = tracker.Snapshot();
  ASSERT_EQ(snapshot.ports.size(), 1u);
  EXPECT_TRUE(snapshot.ports[0].endpoints.empty());
}

// Issue 8: a Service added while a matching ready pod runs is never programmed as "no endpoints". The tracker
// is snapshotted and synced on every single change it reports (no batch to hide behind): the first ruleset
// holding the Service already balances over the pod.
TEST(EndpointSliceSyncTest, ANewServiceIsNeverSyncedWithoutItsEndpoints) {
  netfilter::FakeBackend backend;
  Proxier proxier(backend, {.pod_cidr = "10.244.0.0/16"});
  std::unique_ptr<ServiceChangeTracker> tracker;
  std::vector<std::string> seen;  // per sync: the Service's ports as planned
  tracker = std::make_unique<ServiceChangeTracker>("node-1", [&] {
    if (!tracker->synced()) return;
    ServiceSnapshot snapshot = tracker->Snapshot();
    ASSERT_TRUE(proxier.Sync(snapshot.ports.by_service(), snapshot.changed).ok());
    for (const ServicePortInfo& port : snapshot.ports) {
      if (port.id.name == "hello-service") seen.push_back(std::to_string(port.endpoints.size()) + " endpoints");
    }
    auto table = backend.Dump(2, kProxyTable);
    ASSERT_TRUE(table.ok() && table->has_value());
    const auto reject = (*table)->sets.find(names::kNoEndpointServices);
    ASSERT_NE(reject, (*table)->sets.end());
    EXPECT_TRUE(reject->second.elements.empty()) << "a Service was programmed to reject";
  });

  MemoryAllocationStore store;
  FakeClock clock;
  auto allocator = std::move(ServiceAllocator::Create(&store, {.seed = 1, .clock = &clock})).value();
  EndpointSliceSync slices(tracker.get(), {"node-1"}, tracker.get());
  ServiceRegistry registry(allocator.get(), &slices, &clock);
  registry.Sync({});
  slices.SetPods({Pod("nginx-1", "10.244.0.10")});
  ASSERT_TRUE(tracker->synced());

  ASSERT_TRUE(registry.Apply(testing::HelloService()).ok());
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.front(), "1 endpoints");
}

}  // namespace
}  // namespace kubenode::proxy
