#include "proxy/service_change_tracker.h"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "netfilter/fake_backend.h"
#include "netfilter/render.h"
#include "proxy/proxier.h"
#include "tests/proxy/test_objects.h"

namespace kubenode::proxy {
namespace {

using testing::MakeService;
using testing::Port;

api::Endpoint Ep(std::string ip, bool ready = true, std::string node = "node-1") {
  api::Endpoint e;
  e.addresses = {std::move(ip)};
  e.conditions.ready = ready;
  e.conditions.serving = ready;
  e.node_name = std::move(node);
  return e;
}

api::EndpointSlice Slice(std::string name, std::string service, std::vector<api::EndpointPort> ports,
                         std::vector<api::Endpoint> endpoints) {
  api::EndpointSlice s;
  s.metadata.name = std::move(name);
  s.metadata.labels[api::kServiceNameLabel] = std::move(service);
  s.ports = std::move(ports);
  s.endpoints = std::move(endpoints);
  return s;
}

api::EndpointPort EpPort(std::string name, int32_t port, api::Protocol protocol = api::Protocol::kTCP) {
  return {std::move(name), protocol, port};
}

api::Service Hello() {
  api::Service s = testing::HelloService();
  s.spec.cluster_ip = "10.96.12.34";
  return s;
}

TEST(ServiceChangeTrackerTest, ReferenceServiceWithItsEndpoints) {
  ServiceChangeTracker tracker("node-1");
  tracker.OnServiceAdd(Hello());
  tracker.OnEndpointSliceAdd(Slice("hello-service-abcde", "hello-service", {EpPort("", 80)},
                                   {Ep("10.244.0.10"), Ep("10.244.0.9", false), Ep("10.244.0.11", true, "node-2")}));
  ServiceSnapshot snapshot = tracker.Snapshot();
  ASSERT_EQ(snapshot.ports.size(), 1u);
  ServicePortInfo expected;
  expected.id = {"default", "hello-service", ""};
  expected.cluster_ip = "10.96.12.34";
  expected.port = 80;
  expected.node_port = 30001;
  expected.endpoints = {{"10.244.0.9", 80, false, true}, {"10.244.0.10", 80, true, true}, {"10.244.0.11", 80, true, false}};
  EXPECT_EQ(snapshot.ports[0], expected);
  EXPECT_EQ(snapshot.changed, std::set<std::string>{"default/hello-service"});
}

TEST(ServiceChangeTrackerTest, EndpointsMatchByPortNameAndProtocol) {
  ServiceChangeTracker tracker("node-1");
  api::Service web = MakeService("web", {Port("http", 80, api::IntOrString::String("web")), Port("dns", 53, {}, api::Protocol::kUDP)});
  web.spec.cluster_ip = "10.96.0.50";
  tracker.OnServiceAdd(web);
  tracker.OnEndpointSliceAdd(Slice("web-1", "web", {EpPort("http", 8080), EpPort("dns", 5353, api::Protocol::kUDP)},
                                   {Ep("10.244.0.5")}));
  // Same name, wrong protocol: not an endpoint of "dns".
  tracker.OnEndpointSliceAdd(Slice("web-2", "web", {EpPort("dns", 5353, api::Protocol::kTCP)}, {Ep("10.244.0.6")}));
  ServiceSnapshot snapshot = tracker.Snapshot();
  ASSERT_EQ(snapshot.ports.size(), 2u);
  // Sorted by port name: dns before http.
  EXPECT_EQ(snapshot.ports[0].id.port, "dns");
  EXPECT_EQ(snapshot.ports[0].protocol, api::Protocol::kUDP);
  EXPECT_EQ(snapshot.ports[0].endpoints, (std::vector<EndpointInfo>{{"10.244.0.5", 5353, true, true}}));
  EXPECT_EQ(snapshot.ports[1].id.port, "http");
  EXPECT_EQ(snapshot.ports[1].endpoints, (std::vector<EndpointInfo>{{"10.244.0.5", 8080, true, true}}));
  EXPECT_EQ(snapshot.ports[1].node_port, 0);
}

TEST(ServiceChangeTrackerTest, CarriesAffinityAndTrafficPolicy) {
  ServiceChangeTracker tracker("node-1");
  api::Service s = Hello();
  s.spec.session_affinity = api::SessionAffinity::kClientIP;
  s.spec.session_affinity_timeout_seconds = 60;
  s.spec.external_traffic_policy = api::TrafficPolicy::kLocal;
  tracker.OnServiceAdd(s);
  ServiceSnapshot snapshot = tracker.Snapshot();
  ASSERT_EQ(snapshot.ports.size(), 1u);
  EXPECT_EQ(snapshot.ports[0].session_affinity, api::SessionAffinity::kClientIP);
  EXPECT_EQ(snapshot.ports[0].affinity_timeout_seconds, 60);
  EXPECT_EQ(snapshot.ports[0].external_traffic_policy, api::TrafficPolicy::kLocal);
  EXPECT_TRUE(snapshot.ports[0].endpoints.empty());
}

TEST(ServiceChangeTrackerTest, SkipsHeadlessAndUnallocatedServices) {
  ServiceChangeTracker tracker("node-1");
  tracker.OnServiceAdd(MakeService("headless", {Port("", 80)}, {}, api::ServiceType::kClusterIP, "None"));
  tracker.OnServiceAdd(MakeService("pending", {Port("", 80)}));
  ServiceSnapshot snapshot = tracker.Snapshot();
  EXPECT_TRUE(snapshot.ports.empty());
  EXPECT_TRUE(snapshot.changed.empty());
}

TEST(ServiceChangeTrackerTest, DuplicateEndpointAcrossSlicesCountsOnceAndReadyWins) {
  ServiceChangeTracker tracker("node-1");
  tracker.OnServiceAdd(Hello());
  tracker.OnEndpointSliceAdd(Slice("a", "hello-service", {EpPort("", 80)}, {Ep("10.244.0.10", false)}));
  tracker.OnEndpointSliceAdd(Slice("b", "hello-service", {EpPort("", 80)}, {Ep("10.244.0.10", true)}));
  ServiceSnapshot snapshot = tracker.Snapshot();
  ASSERT_EQ(snapshot.ports.size(), 1u);
  EXPECT_EQ(snapshot.ports[0].endpoints, (std::vector<EndpointInfo>{{"10.244.0.10", 80, true, true}}));
}

TEST(ServiceChangeTrackerTest, ReportsOnlyServicesThatReallyChanged) {
  ServiceChangeTracker tracker("node-1");
  api::Service a = MakeService("a", {Port("", 80)}, {}, api::ServiceType::kClusterIP, "10.96.0.1");
  api::Service b = MakeService("b", {Port("", 80)}, {}, api::ServiceType::kClusterIP, "10.96.0.2");
  tracker.OnServiceAdd(a);
  tracker.OnServiceAdd(b);
  EXPECT_TRUE(tracker.dirty());
  EXPECT_EQ(tracker.Snapshot().changed, (std::set<std::string>{"default/a", "default/b"}));
  EXPECT_FALSE(tracker.dirty());

  // Re-adding an identical object is not a change at all.
  uint64_t generation = tracker.generation();
  tracker.OnServiceUpdate(a, a);
  EXPECT_FALSE(tracker.dirty());
  EXPECT_EQ(tracker.generation(), generation);

  // A label edit changes the object but nothing the proxy uses: dirty, but no Service reported.
  api::Service labelled = a;
  labelled.metadata.labels["team"] = "x";
  tracker.OnServiceUpdate(a, labelled);
  EXPECT_TRUE(tracker.dirty());
  ServiceSnapshot snapshot = tracker.Snapshot();
  EXPECT_TRUE(snapshot.changed.empty());
  EXPECT_EQ(snapshot.ports.size(), 2u);
  EXPECT_EQ(snapshot.generation, tracker.generation());

  // An endpoint change reports that Service only.
  tracker.OnEndpointSliceAdd(Slice("b-1", "b", {EpPort("", 80)}, {Ep("10.244.0.3")}));
  EXPECT_EQ(tracker.Snapshot().changed, std::set<std::string>{"default/b"});

  // A change undone before the snapshot is no change.
  api::Service moved = b;
  moved.spec.ports[0].port = 81;
  tracker.OnServiceUpdate(b, moved);
  tracker.OnServiceUpdate(moved, b);
  EXPECT_TRUE(tracker.Snapshot().changed.empty());

  // Deleting reports the Service and drops its ports.
  tracker.OnServiceDelete(a);
  snapshot = tracker.Snapshot();
  EXPECT_EQ(snapshot.changed, std::set<std::string>{"default/a"});
  ASSERT_EQ(snapshot.ports.size(), 1u);
  EXPECT_EQ(snapshot.ports[0].id.name, "b");
}

TEST(ServiceChangeTrackerTest, SliceDeleteAndRelabelMoveEndpoints) {
  ServiceChangeTracker tracker("node-1");
  tracker.OnServiceAdd(MakeService("a", {Port("", 80)}, {}, api::ServiceType::kClusterIP, "10.96.0.1"));
  tracker.OnServiceAdd(MakeService("b", {Port("", 80)}, {}, api::ServiceType::kClusterIP, "10.96.0.2"));
  api::EndpointSlice slice = Slice("s", "a", {EpPort("", 80)}, {Ep("10.244.0.3")});
  tracker.OnEndpointSliceAdd(slice);
  tracker.Snapshot();

  api::EndpointSlice relabelled = slice;
  relabelled.metadata.labels[api::kServiceNameLabel] = "b";
  tracker.OnEndpointSliceUpdate(slice, relabelled);
  ServiceSnapshot snapshot = tracker.Snapshot();
  EXPECT_EQ(snapshot.changed, (std::set<std::string>{"default/a", "default/b"}));
  EXPECT_TRUE(snapshot.ports[0].endpoints.empty());
  EXPECT_EQ(snapshot.ports[1].endpoints.size(), 1u);
  EXPECT_EQ(tracker.SlicesFor("default", "b").size(), 1u);

  tracker.OnEndpointSliceDelete(relabelled);
  snapshot = tracker.Snapshot();
  EXPECT_EQ(snapshot.changed, std::set<std::string>{"default/b"});
  EXPECT_TRUE(snapshot.ports[1].endpoints.empty());
}

// The tracker keeps what the proxy uses of a slice, not the slice: an update that changes nothing of it
// (labels, targetRef, a second address) does not wake the sync loop, and describe still lists the endpoints.
TEST(ServiceChangeTrackerTest, SliceUpdateOfUnusedFieldsIsNoChange) {
  ServiceChangeTracker tracker("node-1");
  tracker.OnServiceAdd(MakeService("a", {Port("http", 80)}, {}, api::ServiceType::kClusterIP, "10.96.0.1"));
  api::EndpointSlice slice = Slice("a-1", "a", {EpPort("http", 8080)}, {Ep("10.244.0.3"), Ep("10.244.0.4", false)});
  tracker.OnEndpointSliceAdd(slice);
  tracker.Snapshot();

  api::EndpointSlice relabelled = slice;
  relabelled.metadata.labels["app"] = "web";
  relabelled.metadata.uid = "uid-2";
  relabelled.endpoints[0].target_pod = "pod-3";
  relabelled.endpoints[0].addresses.push_back("10.244.0.30");
  tracker.OnEndpointSliceUpdate(slice, relabelled);
  EXPECT_FALSE(tracker.dirty());

  std::vector<api::EndpointSlice> slices = tracker.SlicesFor("default", "a");
  ASSERT_EQ(slices.size(), 1u);
  EXPECT_EQ(slices[0].metadata.name, "a-1");
  EXPECT_EQ(ServiceKeyOf(slices[0]), "default/a");
  EXPECT_EQ(slices[0].ports, slice.ports);
  ASSERT_EQ(slices[0].endpoints.size(), 2u);
  EXPECT_EQ(slices[0].endpoints[0].addresses, std::vector<std::string>{"10.244.0.3"});
  EXPECT_TRUE(slices[0].endpoints[0].conditions.ready);
  EXPECT_FALSE(slices[0].endpoints[1].conditions.ready);

  relabelled.endpoints[1].conditions.ready = true;
  tracker.OnEndpointSliceUpdate(slice, relabelled);
  EXPECT_TRUE(tracker.dirty());
  EXPECT_EQ(tracker.Snapshot().ports[0].endpoints.size(), 2u);
}

TEST(ServiceChangeTrackerTest, SliceWithoutServiceLabelIsIgnored) {
  ServiceChangeTracker tracker("node-1");
  api::EndpointSlice orphan = Slice("orphan", "", {EpPort("", 80)}, {Ep("10.244.0.3")});
  orphan.metadata.labels.clear();
  tracker.OnEndpointSliceAdd(orphan);
  EXPECT_FALSE(tracker.dirty());
}

TEST(ServiceChangeTrackerTest, SyncedNeedsBothSourcesAndNotifies) {
  int notified = 0;
  ServiceChangeTracker tracker("node-1", [&] { ++notified; });
  EXPECT_FALSE(tracker.synced());
  tracker.OnServicesSynced();
  EXPECT_FALSE(tracker.synced());
  tracker.OnEndpointSlicesSynced();
  EXPECT_TRUE(tracker.synced());
  EXPECT_EQ(notified, 2);
  tracker.OnServiceAdd(Hello());
  tracker.OnServiceAdd(Hello());  // no change, no wake-up
  EXPECT_EQ(notified, 3);
}

TEST(ServiceChangeTrackerTest, BatchIsNeverSnapshottedHalfway) {
  // The sync loop wakes on every change; inside a batch (a Service and its endpoints delivered as one step)
  // it must not see the Service without its endpoints.
  ServiceChangeTracker* self = nullptr;
  std::vector<std::optional<ServiceSnapshot>> seen;
  ServiceChangeTracker tracker("node-1", [&] { seen.push_back(self->TrySnapshot()); });
  self = &tracker;
  {
    ServiceChangeTracker::Batch batch(tracker);
    tracker.OnServiceAdd(Hello());
    tracker.OnEndpointSliceAdd(Slice("hello-service-abcde", "hello-service", {EpPort("", 80)}, {Ep("10.244.0.10")}));
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_FALSE(seen[0].has_value());
    EXPECT_FALSE(seen[1].has_value());
  }
  ASSERT_EQ(seen.size(), 3u);  // the batch's end wakes the loop
  ASSERT_TRUE(seen[2].has_value());
  ASSERT_EQ(seen[2]->ports.size(), 1u);
  ASSERT_EQ(seen[2]->ports[0].endpoints.size(), 1u);
  EXPECT_EQ(seen[2]->ports[0].endpoints[0].ip, "10.244.0.10");
  EXPECT_EQ(seen[2]->changed, std::set<std::string>{"default/hello-service"});
  {
    ServiceChangeTracker::Batch unchanged(tracker);
  }
  EXPECT_EQ(seen.size(), 3u);  // nothing changed: no wake-up
}

TEST(ServiceChangeTrackerTest, HandlersFromOtherThreads) {
  ServiceChangeTracker tracker("node-1");
  std::atomic<bool> stop = false;
  std::thread writer([&] {
    for (int i = 0; i < 200; ++i) {
      api::Service s = MakeService("s" + std::to_string(i % 10), {Port("", 80 + i)}, {}, api::ServiceType::kClusterIP,
                                   "10.96.0." + std::to_string(i % 10 + 1));
      tracker.OnServiceAdd(s);
    }
    stop = true;
  });
  while (!stop) tracker.Snapshot();
  writer.join();
  ServiceSnapshot snapshot = tracker.Snapshot();
  ASSERT_EQ(snapshot.ports.size(), 10u);
  EXPECT_EQ(snapshot.ports[0].port, 80 + 190);  // s0 was last written with i = 190
}

TEST(ServiceChangeTrackerTest, PortsAreSortedByNamespaceThenName) {
  // "a-b/x" < "a/x" as strings, but namespace "a" sorts before "a-b".
  ServiceChangeTracker tracker("node-1");
  api::Service dashed = MakeService("x", {Port("", 80)}, {}, api::ServiceType::kClusterIP, "10.96.0.1");
  dashed.metadata.ns = "a-b";
  api::Service plain = MakeService("x", {Port("", 80)}, {}, api::ServiceType::kClusterIP, "10.96.0.2");
  plain.metadata.ns = "a";
  tracker.OnServiceAdd(dashed);
  tracker.OnServiceAdd(plain);
  ServiceSnapshot snapshot = tracker.Snapshot();
  ASSERT_EQ(snapshot.ports.size(), 2u);
  EXPECT_EQ(snapshot.ports[0].id.ns, "a");
  EXPECT_EQ(snapshot.ports[1].id.ns, "a-b");
  EXPECT_EQ(snapshot.ports.by_service().begin()->first, "a/x");
}

TEST(ServiceChangeTrackerTest, SnapshotsShareUnchangedServicesAndStayImmutable) {
  ServiceChangeTracker tracker("node-1");
  tracker.OnServiceAdd(MakeService("a", {Port("", 80)}, {}, api::ServiceType::kClusterIP, "10.96.0.1"));
  tracker.OnServiceAdd(MakeService("b", {Port("", 80)}, {}, api::ServiceType::kClusterIP, "10.96.0.2"));
  ServiceSnapshot first = tracker.Snapshot();
  const std::vector<ServicePortInfo> before = first.ports.ToVector();

  // `first` is still held: the next snapshot must not change it.
  tracker.OnServiceAdd(MakeService("a", {Port("", 81)}, {}, api::ServiceType::kClusterIP, "10.96.0.1"));
  tracker.OnServiceDelete(MakeService("b", {Port("", 80)}, {}, api::ServiceType::kClusterIP, "10.96.0.2"));
  tracker.OnServiceAdd(MakeService("c", {Port("", 80)}, {}, api::ServiceType::kClusterIP, "10.96.0.3"));
  ServiceSnapshot second = tracker.Snapshot();
  EXPECT_EQ(first.ports, before);
  EXPECT_EQ(second.changed, (std::set<std::string>{"default/a", "default/b", "default/c"}));
  ASSERT_EQ(second.ports.size(), 2u);
  EXPECT_EQ(second.ports[0].port, 81);
  EXPECT_EQ(second.ports[1].id.name, "c");

  // An unchanged Service's ports are the same object in both snapshots.
  first = ServiceSnapshot{};
  tracker.OnServiceAdd(MakeService("a", {Port("", 82)}, {}, api::ServiceType::kClusterIP, "10.96.0.1"));
  const auto* c_ports = second.ports.by_service().at("default/c").get();
  second = ServiceSnapshot{};  // released: updated in place
  ServiceSnapshot third = tracker.Snapshot();
  EXPECT_EQ(third.changed, std::set<std::string>{"default/a"});
  EXPECT_EQ(third.ports.by_service().at("default/c").get(), c_ports);
  EXPECT_EQ(third.ports[0].port, 82);
  EXPECT_EQ(third.ports.size(), 2u);
}

TEST(ServiceChangeTrackerTest, PortsWithinAServiceAreSorted) {
  ServiceChangeTracker tracker("node-1");
  tracker.OnServiceAdd(MakeService("a", {Port("web", 80), Port("dns", 53)}, {}, api::ServiceType::kClusterIP,
                                   "10.96.0.1"));
  ServiceSnapshot snapshot = tracker.Snapshot();
  ASSERT_EQ(snapshot.ports.size(), 2u);
  EXPECT_EQ(snapshot.ports[0].id.port, "dns");
  EXPECT_EQ(snapshot.ports[1].id.port, "web");
  EXPECT_TRUE(ServicePorts().empty());
  EXPECT_EQ(ServicePorts().begin(), ServicePorts().end());
}

TEST(ServiceChangeTrackerTest, ProxierSyncFromPerServicePortsEqualsFullReplan) {
  // The daemon's path (Snapshot + Sync(by_service, changed)) against a full plan of the flat ports.
  PlannerConfig config;
  config.pod_cidr = "10.244.0.0/16";
  netfilter::FakeBackend fake;
  Proxier proxier(fake, config);
  ServiceChangeTracker tracker("node-1");
  auto svc = [](std::string ns, std::string name, int ip, int32_t port) {
    api::Service s = MakeService(std::move(name), {Port("", port)}, {}, api::ServiceType::kClusterIP,
                                 "10.96.0." + std::to_string(ip));
    s.metadata.ns = std::move(ns);
    return s;
  };
  auto slice = [](std::string ns, std::string service, std::vector<std::string> ips) {
    std::vector<api::Endpoint> eps;
    for (auto& ip : ips) eps.push_back(Ep(std::move(ip)));
    api::EndpointSlice s = Slice(service + "-1", service, {EpPort("", 8080)}, std::move(eps));
    s.metadata.ns = std::move(ns);
    return s;
  };
  tracker.OnServiceAdd(svc("a", "x", 1, 80));
  tracker.OnServiceAdd(svc("a-b", "x", 2, 80));
  tracker.OnServiceAdd(svc("a", "y", 3, 80));
  tracker.OnEndpointSliceAdd(slice("a", "x", {"10.244.0.1", "10.244.0.2"}));
  tracker.OnEndpointSliceAdd(slice("a-b", "x", {"10.244.0.3"}));
  tracker.OnEndpointSliceAdd(slice("a", "y", {"10.244.0.4"}));
  auto check = [&](bool incremental) {
    ServiceSnapshot snapshot = tracker.Snapshot();
    ASSERT_TRUE(proxier.Sync(snapshot.ports.by_service(), snapshot.changed).ok());
    EXPECT_EQ(proxier.last_stats().incremental, incremental);
    const auto plan = PlanRuleset(snapshot.ports.ToVector(), config);
    ASSERT_TRUE(plan.ok());
    EXPECT_EQ(netfilter::RenderTable(*proxier.applied()), netfilter::RenderTable(plan->table));
  };
  check(false);  // first sync: full

  tracker.OnEndpointSliceUpdate(slice("a-b", "x", {"10.244.0.3"}), slice("a-b", "x", {"10.244.0.5", "10.244.0.6"}));
  tracker.OnServiceDelete(svc("a", "y", 3, 80));
  check(true);
  EXPECT_EQ(proxier.last_stats().planned_services, 1u);  // a-b/x; a/y is gone

  // Two Services claiming one ClusterIP:port: the proxier falls back to planning all of them.
  tracker.OnServiceAdd(svc("c", "dup", 1, 80));
  check(false);
}

}  // namespace
}  // namespace kubenode::proxy
