// PrimaryIPv4Address in a network namespace of the test's own, where the test decides the addresses.
#include "host/node_info.h"

#include <sched.h>

#include <cstdlib>
#include <thread>

#include <gtest/gtest.h>

namespace kubenode::host {
namespace {

// Runs `body` on a thread that lives in a new, empty network namespace (namespaces are per thread;
// child processes started from that thread, such as `ip`, inherit it).
template <typename Body>
void InFreshNetns(Body body) {
  std::thread t([&] {
    ASSERT_EQ(unshare(CLONE_NEWNET), 0) << "unshare(CLONE_NEWNET) needs root";
    body();
  });
  t.join();
}

TEST(NodeInfoTest, PrimaryAddressIsOnTheDefaultRouteInterface) {
  InFreshNetns([] {
    ASSERT_EQ(std::system("ip link set lo up && "
                          "ip link add first0 type veth peer name first1 && ip link set first1 up && ip addr add 192.0.2.10/24 dev first0 && "
                          "ip link set first0 up && "
                          "ip link add uplink0 type veth peer name uplink1 && ip link set uplink1 up && ip addr add 198.51.100.7/24 dev uplink0 && "
                          "ip link set uplink0 up && ip route add default via 198.51.100.1 dev uplink0"),
              0);
    auto ip = PrimaryIPv4Address();
    ASSERT_TRUE(ip.ok()) << ip.status().message();
    EXPECT_EQ(*ip, "198.51.100.7");
  });
}

TEST(NodeInfoTest, WithoutDefaultRouteFirstGlobalAddressOfAnUpInterface) {
  InFreshNetns([] {
    ASSERT_EQ(std::system("ip link set lo up && "
                          "ip link add down0 type veth peer name down1 && ip addr add 203.0.113.1/24 dev down0 && "
                          "ip link add only0 type veth peer name only1 && ip link set only1 up && ip addr add 192.0.2.33/24 dev only0 && "
                          "ip link set only0 up"),
              0);
    auto ip = PrimaryIPv4Address();
    ASSERT_TRUE(ip.ok()) << ip.status().message();
    EXPECT_EQ(*ip, "192.0.2.33");
  });
}

TEST(NodeInfoTest, NoAddressIsAnError) {
  InFreshNetns([] {
    auto ip = PrimaryIPv4Address();
    ASSERT_FALSE(ip.ok());
    EXPECT_EQ(ip.status().message(), "no global IPv4 address on any interface that is up");
  });
}

}  // namespace
}  // namespace kubenode::host
