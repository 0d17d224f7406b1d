// ClusterIPAllocator and NodePortAllocator: ranges, owners, the static band and exhaustion.
#include <set>

#include <gtest/gtest.h>

#include "proxy/cluster_ip_allocator.h"
#include "proxy/node_port_allocator.h"

namespace kubenode::proxy {
namespace {

TEST(ClusterIPAllocatorTest, RejectsRangesUpstreamRejects) {
  EXPECT_EQ(ClusterIPAllocator::Create("10.0.0.0/8", 1).status().message(),
            "--service-cluster-ip-range: 10.0.0.0/8 is too large; for 32-bit addresses, the mask must be >= 12");
  EXPECT_FALSE(ClusterIPAllocator::Create("10.96.0.0/31", 1).ok());
  EXPECT_FALSE(ClusterIPAllocator::Create("bogus", 1).ok());
}

TEST(ClusterIPAllocatorTest, HonoursRequestedIPAndNamesTheOwnerOnConflict) {
  Result<ClusterIPAllocator> ips = ClusterIPAllocator::Create("10.96.0.0/12", 1);
  ASSERT_TRUE(ips.ok());
  ASSERT_TRUE(ips->Allocate("10.96.0.10", "default/a").ok());
  EXPECT_TRUE(ips->Allocate("10.96.0.10", "default/a").ok()) << "the holder may ask again";
  EXPECT_EQ(ips->Allocate("10.96.0.10", "default/b").message(),
            "failed to allocate IP 10.96.0.10: provided IP is already allocated to service default/a");
  EXPECT_EQ(ips->Owner("10.96.0.10"), "default/a");
  ips->Release("10.96.0.10");
  EXPECT_TRUE(ips->Allocate("10.96.0.10", "default/b").ok());
}

TEST(ClusterIPAllocatorTest, RefusesAddressesOutsideTheRangeAndNetworkAndBroadcast) {
  Result<ClusterIPAllocator> ips = ClusterIPAllocator::Create("10.96.0.0/12", 1);
  ASSERT_TRUE(ips.ok());
  const std::string range_error = ": the provided IP (%) is not in the valid range. The range of valid IPs is 10.96.0.0/12";
  for (std::string ip : {"10.0.0.1", "10.96.0.0", "10.111.255.255"}) {
    std::string expected = "failed to allocate IP " + ip + range_error;
    expected.replace(expected.find('%'), 1, ip);
    EXPECT_EQ(ips->Allocate(ip, "default/a").message(), expected);
  }
  EXPECT_TRUE(ips->Allocate("10.111.255.254", "default/a").ok());
  EXPECT_EQ(ips->Allocate("banana", "default/a").message(), "failed to allocate IP banana: not a valid IPv4 address");
}

TEST(ClusterIPAllocatorTest, RandomPicksAvoidTheStaticBandUntilTheUpperPartIsFull) {
  // /27: 32 addresses, 30 usable; static band min(max(16, 32/16), 256) = 16 -> random picks from .17-.30 first.
  Result<ClusterIPAllocator> ips = ClusterIPAllocator::Create("10.96.0.0/27", 7);
  ASSERT_TRUE(ips.ok());
  std::set<std::string> picked;
  for (int i = 0; i < 14; ++i) {
    Result<std::string> ip = ips->AllocateNext("default/s" + std::to_string(i));
    ASSERT_TRUE(ip.ok());
    uint32_t host = *ParseIPv4(*ip) & 0xff;
    EXPECT_GE(host, 17u) << *ip;
    EXPECT_LE(host, 30u) << *ip;
    picked.insert(*ip);
  }
  EXPECT_EQ(picked.size(), 14u);
  for (int i = 0; i < 16; ++i) {
    Result<std::string> ip = ips->AllocateNext("default/t" + std::to_string(i));
    ASSERT_TRUE(ip.ok());
    uint32_t host = *ParseIPv4(*ip) & 0xff;
    EXPECT_GE(host, 1u);
    EXPECT_LE(host, 16u);
    picked.insert(*ip);
  }
  EXPECT_EQ(picked.size(), 30u);
  EXPECT_EQ(ips->AllocateNext("default/full").status().message(), "failed to allocate a serviceIP: range is full");
}

TEST(NodePortAllocatorTest, HonoursRequestedPortAndNamesTheOwnerOnConflict) {
  Result<NodePortAllocator> ports = NodePortAllocator::Create("30000-32767", 1);
  ASSERT_TRUE(ports.ok());
  ASSERT_TRUE(ports->Allocate(30001, "default/a").ok());
  EXPECT_EQ(ports->Allocate(30001, "default/b").message(),
            "provided port is already allocated to service default/a");
  EXPECT_EQ(ports->Allocate(80, "default/b").message(),
            "provided port is not in the valid range. The range of valid ports is 30000-32767");
  ports->Release(30001);
  EXPECT_EQ(ports->Owner(30001), "");
}

TEST(NodePortAllocatorTest, RandomPicksPreferTheUpperBandThenExhaust) {
  // 40 ports: static band min(max(16, 40/32), 128) = 16 -> 30016-30039 first.
  Result<NodePortAllocator> ports = NodePortAllocator::Create("30000-30039", 3);
  ASSERT_TRUE(ports.ok());
  std::set<int32_t> picked;
  for (int i = 0; i < 24; ++i) {
    Result<int32_t> port = ports->AllocateNext("default/s");
    ASSERT_TRUE(port.ok());
    EXPECT_GE(*port, 30016);
    picked.insert(*port);
  }
  for (int i = 0; i < 16; ++i) {
    Result<int32_t> port = ports->AllocateNext("default/s");
    ASSERT_TRUE(port.ok());
    EXPECT_LT(*port, 30016);
    picked.insert(*port);
  }
  EXPECT_EQ(picked.size(), 40u);
  EXPECT_EQ(ports->AllocateNext("default/s").status().message(), "failed to allocate a nodePort: range is full");
}

TEST(NodePortAllocatorTest, RejectsBadRanges) {
  EXPECT_EQ(NodePortAllocator::Create("30000-", 1).status().message(),
            "--service-node-port-range: invalid port range: \"30000-\"");
}

}  // namespace
}  // namespace kubenode::proxy
