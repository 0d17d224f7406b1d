#include "proxy/service_allocator.h"

#include <gtest/gtest.h>

#include "base/fake_clock.h"
#include "tests/proxy/test_objects.h"

namespace kubenode::proxy {
namespace {

using testing::HelloService;
using testing::MakeService;
using testing::Port;

class ServiceAllocatorTest : public ::testing::Test {
 protected:
  std::unique_ptr<ServiceAllocator> NewAllocator(uint64_t seed = 42, std::string cluster_ip_range = "") {
    ServiceAllocatorOptions options;
    options.seed = seed;
    options.clock = &clock_;
    if (!cluster_ip_range.empty()) options.cluster_ip_range = std::move(cluster_ip_range);
    Result<std::unique_ptr<ServiceAllocator>> allocator = ServiceAllocator::Create(&store_, options);
    EXPECT_TRUE(allocator.ok()) << allocator.status().message();
    return allocator.ok() ? std::move(allocator).value() : nullptr;
  }

  MemoryAllocationStore store_;
  FakeClock clock_;
};

TEST_F(ServiceAllocatorTest, ReferenceServiceKeepsItsNodePortAndGetsAClusterIP) {
  auto allocator = NewAllocator();
  Result<api::Service> hello = allocator->Allocate(HelloService());
  ASSERT_TRUE(hello.ok()) << hello.status().message();
  EXPECT_EQ(hello->spec.ports[0].node_port, 30001);
  EXPECT_TRUE(allocator->cluster_ip_range().Contains(*ParseIPv4(hello->spec.cluster_ip))) << hello->spec.cluster_ip;
  ServiceAllocation saved = store_.saved().at("default/hello-service");
  EXPECT_EQ(saved.cluster_ip, hello->spec.cluster_ip);
  EXPECT_EQ(saved.node_ports, (std::vector<NodePortAllocation>{{"", api::Protocol::kTCP, 30001}}));
  EXPECT_EQ(saved.created_at, clock_.WallNow());
  EXPECT_EQ(hello->metadata.creation_timestamp, clock_.WallNow());
}

TEST_F(ServiceAllocatorTest, AllocatesMissingNodePortsOnlyForNodePortServices) {
  auto allocator = NewAllocator();
  Result<api::Service> np = allocator->Allocate(
      MakeService("np", {Port("http", 80), Port("https", 443)}, {}, api::ServiceType::kNodePort));
  ASSERT_TRUE(np.ok()) << np.status().message();
  EXPECT_TRUE(allocator->node_port_range().Contains(np->spec.ports[0].node_port));
  EXPECT_TRUE(allocator->node_port_range().Contains(np->spec.ports[1].node_port));
  EXPECT_NE(np->spec.ports[0].node_port, np->spec.ports[1].node_port);

  Result<api::Service> cip = allocator->Allocate(MakeService("cip", {Port("http", 80)}));
  ASSERT_TRUE(cip.ok());
  EXPECT_EQ(cip->spec.ports[0].node_port, 0);

  api::Service bad = MakeService("bad", {Port("http", 80, {}, api::Protocol::kTCP, 30005)});
  EXPECT_EQ(allocator->Allocate(bad).status().message(),
            "service default/bad: spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'");
}

TEST_F(ServiceAllocatorTest, TcpAndUdpOfOnePortShareANodePort) {
  auto allocator = NewAllocator();
  Result<api::Service> dns = allocator->Allocate(MakeService(
      "dns", {Port("dns-tcp", 53, {}, api::Protocol::kTCP), Port("dns-udp", 53, {}, api::Protocol::kUDP)}, {},
      api::ServiceType::kNodePort));
  ASSERT_TRUE(dns.ok()) << dns.status().message();
  EXPECT_EQ(dns->spec.ports[0].node_port, dns->spec.ports[1].node_port);
}

TEST_F(ServiceAllocatorTest, NodePortConflictNamesBothServicesAndTheFirstKeepsIt) {
  auto allocator = NewAllocator();
  api::Service a = MakeService("a", {Port("", 80, {}, api::Protocol::kTCP, 30001)}, {}, api::ServiceType::kNodePort);
  api::Service b = MakeService("b", {Port("", 8080, {}, api::Protocol::kTCP, 30001)}, {}, api::ServiceType::kNodePort);
  ASSERT_TRUE(allocator->Allocate(a).ok());
  Result<api::Service> second = allocator->Allocate(b);
  EXPECT_EQ(second.status().message(),
            "service default/b: spec.ports[0].nodePort: Invalid value: 30001: provided port is already allocated "
            "to service default/a");
  // Nothing of b's failed attempt is held: its cluster IP was given back.
  EXPECT_FALSE(allocator->Get("default", "b"));
  EXPECT_FALSE(store_.saved().contains("default/b"));
  // a is unaffected, and re-applying it still works.
  Result<api::Service> again = allocator->Allocate(a);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->spec.ports[0].node_port, 30001);
  // Once a is gone, b gets the port.
  ASSERT_TRUE(allocator->Release("default", "a").ok());
  EXPECT_TRUE(allocator->Allocate(b).ok());
}

TEST_F(ServiceAllocatorTest, UdpOnAnotherServicesNodePortConflictsToo) {
  auto allocator = NewAllocator();
  ASSERT_TRUE(allocator->Allocate(MakeService("a", {Port("", 80, {}, api::Protocol::kTCP, 30001)}, {},
                                              api::ServiceType::kNodePort)).ok());
  Result<api::Service> udp = allocator->Allocate(
      MakeService("b", {Port("", 53, {}, api::Protocol::kUDP, 30001)}, {}, api::ServiceType::kNodePort));
  EXPECT_FALSE(udp.ok());
}

TEST_F(ServiceAllocatorTest, DuplicateNodePortWithinOneService) {
  auto allocator = NewAllocator();
  Result<api::Service> dup = allocator->Allocate(MakeService(
      "dup", {Port("a", 80, {}, api::Protocol::kTCP, 30001), Port("b", 81, {}, api::Protocol::kTCP, 30001)}, {},
      api::ServiceType::kNodePort));
  EXPECT_EQ(dup.status().message(), "service default/dup: spec.ports[1].nodePort: Duplicate value: 30001");
}

TEST_F(ServiceAllocatorTest, ClusterIPConflictNamesBothServices) {
  auto allocator = NewAllocator();
  ASSERT_TRUE(allocator->Allocate(MakeService("a", {Port("", 80)}, {}, api::ServiceType::kClusterIP, "10.96.0.10")).ok());
  Result<api::Service> b =
      allocator->Allocate(MakeService("b", {Port("", 80)}, {}, api::ServiceType::kClusterIP, "10.96.0.10"));
  EXPECT_EQ(b.status().message(),
            "service default/b: spec.clusterIP: Invalid value: \"10.96.0.10\": failed to allocate IP 10.96.0.10: "
            "provided IP is already allocated to service default/a");
}

TEST_F(ServiceAllocatorTest, ClusterIPOutsideTheRange) {
  auto allocator = NewAllocator();
  Result<api::Service> out =
      allocator->Allocate(MakeService("out", {Port("", 80)}, {}, api::ServiceType::kClusterIP, "192.168.1.1"));
  EXPECT_EQ(out.status().message(),
            "service default/out: spec.clusterIP: Invalid value: \"192.168.1.1\": failed to allocate IP 192.168.1.1: "
            "the provided IP (192.168.1.1) is not in the valid range. The range of valid IPs is 10.96.0.0/12");
}

TEST_F(ServiceAllocatorTest, NodePortOutsideTheRange) {
  auto allocator = NewAllocator();
  Result<api::Service> out = allocator->Allocate(
      MakeService("out", {Port("", 80, {}, api::Protocol::kTCP, 8080)}, {}, api::ServiceType::kNodePort));
  EXPECT_EQ(out.status().message(),
            "service default/out: spec.ports[0].nodePort: Invalid value: 8080: provided port is not in the valid "
            "range. The range of valid ports is 30000-32767");
}

TEST_F(ServiceAllocatorTest, HeadlessServicesGetNoIP) {
  auto allocator = NewAllocator();
  Result<api::Service> headless =
      allocator->Allocate(MakeService("db", {Port("", 5432)}, {{"app", "db"}}, api::ServiceType::kClusterIP, "None"));
  ASSERT_TRUE(headless.ok());
  EXPECT_EQ(headless->spec.cluster_ip, "None");
  EXPECT_EQ(allocator->Get("default", "db")->cluster_ip, "");
}

TEST_F(ServiceAllocatorTest, UpdatesKeepValuesByPortNameAndReleaseDroppedOnes) {
  auto allocator = NewAllocator();
  Result<api::Service> first = allocator->Allocate(
      MakeService("web", {Port("http", 80), Port("metrics", 9090)}, {}, api::ServiceType::kNodePort));
  ASSERT_TRUE(first.ok());
  int32_t http = first->spec.ports[0].node_port;
  int32_t metrics = first->spec.ports[1].node_port;

  // The manifest is edited: metrics removed, http moved to another service port number.
  Result<api::Service> second =
      allocator->Allocate(MakeService("web", {Port("http", 8080)}, {}, api::ServiceType::kNodePort));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->spec.cluster_ip, first->spec.cluster_ip);
  EXPECT_EQ(second->spec.ports[0].node_port, http);
  // metrics' port is free again for someone else.
  EXPECT_TRUE(allocator->Allocate(MakeService("other", {Port("", 1, {}, api::Protocol::kTCP, metrics)}, {},
                                              api::ServiceType::kNodePort)).ok());

  // Switching to ClusterIP releases the node port.
  ASSERT_TRUE(allocator->Allocate(MakeService("web", {Port("http", 8080)})).ok());
  EXPECT_TRUE(allocator->Allocate(MakeService("third", {Port("", 1, {}, api::Protocol::kTCP, http)}, {},
                                              api::ServiceType::kNodePort)).ok());
}

TEST_F(ServiceAllocatorTest, ChangingTheClusterIPReleasesTheOldOne) {
  auto allocator = NewAllocator();
  ASSERT_TRUE(allocator->Allocate(MakeService("a", {Port("", 80)}, {}, api::ServiceType::kClusterIP, "10.96.0.10")).ok());
  ASSERT_TRUE(allocator->Allocate(MakeService("a", {Port("", 80)}, {}, api::ServiceType::kClusterIP, "10.96.0.11")).ok());
  EXPECT_TRUE(allocator->Allocate(MakeService("b", {Port("", 80)}, {}, api::ServiceType::kClusterIP, "10.96.0.10")).ok());
}

TEST_F(ServiceAllocatorTest, AllocationsSurviveANewAllocatorOnTheSameStore) {
  auto before = NewAllocator(1);
  Result<api::Service> web =
      before->Allocate(MakeService("web", {Port("http", 80), Port("https", 443)}, {}, api::ServiceType::kNodePort));
  ASSERT_TRUE(web.ok());
  before.reset();

  // A different seed: equal results can only come from the store.
  clock_.Advance(std::chrono::hours(1));
  auto after = NewAllocator(99);
  Result<api::Service> again =
      after->Allocate(MakeService("web", {Port("http", 80), Port("https", 443)}, {}, api::ServiceType::kNodePort));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->spec.cluster_ip, web->spec.cluster_ip);
  EXPECT_EQ(again->spec.ports, web->spec.ports);
  EXPECT_EQ(again->metadata.creation_timestamp, web->metadata.creation_timestamp);
  EXPECT_NE(again->metadata.creation_timestamp, clock_.WallNow());
  // And they are held: another Service cannot take them.
  Result<api::Service> thief = after->Allocate(
      MakeService("thief", {Port("", 80)}, {}, api::ServiceType::kClusterIP, web->spec.cluster_ip));
  EXPECT_FALSE(thief.ok());
}

TEST_F(ServiceAllocatorTest, ReleaseAllExceptForgetsServicesDeletedWhileDown) {
  auto allocator = NewAllocator();
  ASSERT_TRUE(allocator->Allocate(MakeService("keep", {Port("", 80)})).ok());
  ASSERT_TRUE(allocator->Allocate(MakeService("gone", {Port("", 80)}, {}, api::ServiceType::kClusterIP, "10.96.0.20")).ok());
  Result<std::vector<std::string>> released = allocator->ReleaseAllExcept({"default/keep"});
  ASSERT_TRUE(released.ok());
  EXPECT_EQ(*released, std::vector<std::string>{"default/gone"});
  EXPECT_EQ(store_.saved().size(), 1u);
  EXPECT_TRUE(allocator->Allocate(MakeService("new", {Port("", 80)}, {}, api::ServiceType::kClusterIP, "10.96.0.20")).ok());
}

TEST_F(ServiceAllocatorTest, RememberedValuesOutsideANewRangeAreReallocated) {
  ASSERT_TRUE(store_.Save({{"default/web", {"10.0.0.5", {{"", api::Protocol::kTCP, 8080}}}}}).ok());
  auto allocator = NewAllocator();
  Result<api::Service> web = allocator->Allocate(MakeService("web", {Port("", 80)}, {}, api::ServiceType::kNodePort));
  ASSERT_TRUE(web.ok()) << web.status().message();
  EXPECT_TRUE(allocator->cluster_ip_range().Contains(*ParseIPv4(web->spec.cluster_ip)));
  EXPECT_TRUE(allocator->node_port_range().Contains(web->spec.ports[0].node_port));
}

TEST_F(ServiceAllocatorTest, FailedSaveChangesNothing) {
  auto allocator = NewAllocator();
  store_.set_fail_saves(true);
  Result<api::Service> web = allocator->Allocate(
      MakeService("web", {Port("", 80, {}, api::Protocol::kTCP, 30001)}, {}, api::ServiceType::kNodePort, "10.96.0.10"));
  EXPECT_EQ(web.status().message(), "service default/web: saving allocations: save failed (injected)");
  store_.set_fail_saves(false);
  EXPECT_FALSE(allocator->Get("default", "web"));
  EXPECT_TRUE(allocator->Allocate(MakeService("other", {Port("", 80, {}, api::Protocol::kTCP, 30001)}, {},
                                              api::ServiceType::kNodePort, "10.96.0.10")).ok());
}

TEST_F(ServiceAllocatorTest, RejectsBadFlags) {
  ServiceAllocatorOptions options;
  options.node_port_range = "1-0";
  EXPECT_EQ(ServiceAllocator::Create(&store_, options).status().message(),
            "--service-node-port-range: invalid port range: \"1-0\"");
}

// Six usable addresses: the range runs out quickly.
constexpr char kSmallRange[] = "10.96.0.0/29";

TEST_F(ServiceAllocatorTest, ReAddedServiceGetsItsOldValuesWithinTheGrace) {
  auto allocator = NewAllocator(7, kSmallRange);
  api::Service np = testing::MakeService("web", {testing::Port("http", 80)}, {}, api::ServiceType::kNodePort);
  Result<api::Service> first = allocator->Allocate(np);
  ASSERT_TRUE(first.ok());
  // The manifest directory disappears (every Service released) and comes back.
  ASSERT_TRUE(allocator->ReleaseAllExcept({}).ok());
  EXPECT_FALSE(store_.saved().contains("default/web"));
  for (int i = 0; i < 4; ++i) {  // others meanwhile never get the reserved IP
    Result<api::Service> other = allocator->Allocate(testing::MakeService("o" + std::to_string(i), {testing::Port("", 80)}));
    ASSERT_TRUE(other.ok()) << other.status().message();
    EXPECT_NE(other->spec.cluster_ip, first->spec.cluster_ip);
  }
  clock_.Advance(std::chrono::minutes(9));
  Result<api::Service> again = allocator->Allocate(np);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->spec.cluster_ip, first->spec.cluster_ip);
  EXPECT_EQ(again->spec.ports[0].node_port, first->spec.ports[0].node_port);
  EXPECT_EQ(again->metadata.creation_timestamp, clock_.WallNow());  // a new object
  EXPECT_TRUE(store_.saved().contains("default/web"));

  // After the grace the values are free again.
  ASSERT_TRUE(allocator->Release("default", "web").ok());
  clock_.Advance(std::chrono::minutes(11));
  api::Service wants = testing::MakeService("late", {testing::Port("", 80)});
  wants.spec.cluster_ip = first->spec.cluster_ip;
  EXPECT_TRUE(allocator->Allocate(wants).ok());
}

TEST_F(ServiceAllocatorTest, ReservationsGiveWayToExplicitRequestsAndAFullRange) {
  auto allocator = NewAllocator(7, kSmallRange);
  Result<api::Service> web = allocator->Allocate(testing::MakeService("web", {testing::Port("", 80)}));
  ASSERT_TRUE(web.ok());
  ASSERT_TRUE(allocator->Release("default", "web").ok());
  api::Service wants = testing::MakeService("wants", {testing::Port("", 80)});
  wants.spec.cluster_ip = web->spec.cluster_ip;
  Result<api::Service> taken = allocator->Allocate(wants);
  ASSERT_TRUE(taken.ok()) << taken.status().message();
  // web's reservation is gone: it gets another address.
  Result<api::Service> back = allocator->Allocate(testing::MakeService("web", {testing::Port("", 80)}));
  ASSERT_TRUE(back.ok());
  EXPECT_NE(back->spec.cluster_ip, web->spec.cluster_ip);
  // Fill the range with reservations, then one more Service: the reservations give way.
  ASSERT_TRUE(allocator->ReleaseAllExcept({}).ok());
  for (int i = 0; i < 6; ++i) {
    Result<api::Service> s = allocator->Allocate(testing::MakeService("n" + std::to_string(i), {testing::Port("", 80)}));
    EXPECT_TRUE(s.ok()) << i << ": " << s.status().message();
  }
}

}  // namespace
}  // namespace kubenode::proxy
