#include "proxy/proxier.h"

#include <gtest/gtest.h>

#include "netfilter/fake_backend.h"
#include "netfilter/render.h"
#include "proxy/sysctl.h"

namespace kubenode::proxy {
namespace {

ServicePortInfo Service(std::vector<std::string> ips, api::Protocol proto = api::Protocol::kTCP) {
  ServicePortInfo s;
  s.id = {"default", "nginx", ""};
  s.protocol = proto;
  s.cluster_ip = "10.96.0.10";
  s.port = 80;
  s.node_port = 30001;
  for (const std::string& ip : ips) s.endpoints.push_back({ip, 80, true, true});
  return s;
}

PlannerConfig Config() {
  PlannerConfig c;
  c.pod_cidr = "10.88.0.0/16";
  return c;
}

std::string Live(netfilter::FakeBackend& fake) {
  auto t = fake.Dump(2, kProxyTable);
  return t.ok() && t->has_value() ? netfilter::RenderTable(**t) : "absent";
}

std::string Planned(const std::vector<ServicePortInfo>& s) {
  return netfilter::RenderTable(PlanRuleset(s, Config())->table);
}

TEST(ProxierTest, FirstSyncCreatesTableAndEndpointChangeIsElementOnly) {
  netfilter::FakeBackend fake;
  Proxier p(fake, Config());
  ASSERT_TRUE(p.Sync({Service({"10.88.0.5"})}).ok());
  EXPECT_TRUE(p.last_stats().full_resync);
  EXPECT_EQ(Live(fake), Planned({Service({"10.88.0.5"})}));

  ASSERT_TRUE(p.Sync({Service({"10.88.0.6"})}).ok());
  EXPECT_FALSE(p.last_stats().full_resync);
  EXPECT_EQ(p.last_stats().other_ops, 0u);
  EXPECT_EQ(p.last_stats().element_ops, 6u);
  EXPECT_EQ(fake.applied().size(), 2u);  // one transaction per sync
  EXPECT_EQ(Live(fake), Planned({Service({"10.88.0.6"})}));

  // Moving between endpoint-count groups: elements plus the new group's map and rules.
  ASSERT_TRUE(p.Sync({Service({"10.88.0.5", "10.88.0.6"})}).ok());
  EXPECT_EQ(Live(fake), Planned({Service({"10.88.0.5", "10.88.0.6"})}));
  ASSERT_TRUE(p.Sync({Service({"10.88.0.6"})}).ok());
  EXPECT_EQ(Live(fake), Planned({Service({"10.88.0.6"})}));

  // Nothing changed: nothing applied.
  size_t before = fake.applied().size();
  ASSERT_TRUE(p.Sync({Service({"10.88.0.6"})}).ok());
  EXPECT_EQ(fake.applied().size(), before);
}

TEST(ProxierTest, FailureKeepsOldStateAndForcesFullResync) {
  netfilter::FakeBackend fake;
  Proxier p(fake, Config());
  ASSERT_TRUE(p.Sync({Service({"10.88.0.5"})}).ok());
  const std::string old = Live(fake);

  // Someone else removed an element behind the proxier's back: its delete fails, naming the element.
  netfilter::Table* t = fake.MutableTable(2, kProxyTable);
  t->sets.at("service-ips-1").elements.clear();
  const std::string tampered = Live(fake);
  Status s = p.Sync({Service({"10.88.0.6"})});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("delete element from map service-ips-1: 10.96.0.10 . tcp . 80 . 0: No such file"),
            std::string::npos)
      << s.message();
  EXPECT_EQ(Live(fake), tampered);  // all or nothing
  EXPECT_NE(old, tampered);
  EXPECT_TRUE(p.needs_full_resync());

  int dumps = fake.dumps();
  fake.FailNextApplies(1, "injected");  // a failing full resync leaves it pending
  EXPECT_FALSE(p.Sync({Service({"10.88.0.6"})}).ok());
  EXPECT_TRUE(p.needs_full_resync());
  ASSERT_TRUE(p.Sync({Service({"10.88.0.6"})}).ok());
  EXPECT_TRUE(p.last_stats().full_resync);
  EXPECT_GT(fake.dumps(), dumps);
  EXPECT_FALSE(p.needs_full_resync());
  EXPECT_EQ(Live(fake), Planned({Service({"10.88.0.6"})}));
}

TEST(ProxierTest, NewInstanceTakesOverExistingTableWithoutFlush) {
  netfilter::FakeBackend fake;
  {
    Proxier old(fake, Config());
    ASSERT_TRUE(old.Sync({Service({"10.88.0.5", "10.88.0.6"})}).ok());
  }
  Proxier p(fake, Config());
  ASSERT_TRUE(p.Sync({Service({"10.88.0.5", "10.88.0.7"})}).ok());
  EXPECT_TRUE(p.last_stats().full_resync);
  const netfilter::Transaction& tx = fake.applied().back();
  for (const auto& op : tx.ops) {
    EXPECT_FALSE(std::holds_alternative<netfilter::DeleteTable>(op));
    EXPECT_FALSE(std::holds_alternative<netfilter::FlushChain>(op));
    EXPECT_FALSE(std::holds_alternative<netfilter::FlushSet>(op));
  }
  EXPECT_EQ(tx.NonElementOps(), 0u);
  EXPECT_EQ(Live(fake), Planned({Service({"10.88.0.5", "10.88.0.7"})}));
}

TEST(ProxierTest, TakeOverOfUnchangedTableAppliesNothing) {
  netfilter::FakeBackend fake;
  Proxier(fake, Config()).Sync({Service({"10.88.0.5"})});
  size_t n = fake.applied().size();
  Proxier p(fake, Config());
  ASSERT_TRUE(p.FullResync({Service({"10.88.0.5"})}).ok());
  EXPECT_EQ(fake.applied().size(), n);
}

TEST(ProxierTest, CleanupDeletesOnlyTheTable) {
  netfilter::FakeBackend fake;
  Proxier p(fake, Config());
  ASSERT_TRUE(p.Sync({Service({"10.88.0.5"})}).ok());
  ASSERT_TRUE(p.Cleanup().ok());
  EXPECT_EQ(Live(fake), "absent");
  EXPECT_TRUE(p.Cleanup().ok());  // nothing there: fine
}

TEST(ProxierTest, RemovedUdpEndpointConntrackIsDeleted) {
  netfilter::FakeBackend fake;
  FakeConntrack ct;
  Proxier p(fake, Config(), &ct);
  ASSERT_TRUE(p.Sync({Service({"10.88.0.5", "10.88.0.6"}, api::Protocol::kUDP)}).ok());
  ASSERT_TRUE(p.Sync({Service({"10.88.0.6"}, api::Protocol::kUDP)}).ok());
  ASSERT_EQ(ct.deleted.size(), 1u);
  EXPECT_EQ(ct.deleted[0], std::make_pair(std::string("10.88.0.5"), uint16_t{80}));
  // TCP endpoints are not touched.
  ASSERT_TRUE(p.Sync({Service({"10.88.0.6"})}).ok());
  ASSERT_TRUE(p.Sync({Service({})}).ok());
  EXPECT_EQ(ct.deleted.size(), 1u);
}

TEST(SysctlTest, EnsureSetsForwardingAndRouteLocalnet) {
  FakeSysctl s;
  s.values = {{"net.ipv4.ip_forward", "0"}, {"net.ipv4.conf.all.route_localnet", "1"}};
  auto r = EnsureProxySysctls(s, true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(s.values["net.ipv4.ip_forward"], "1");
  EXPECT_EQ(*r, (std::vector<std::string>{"net.ipv4.ip_forward: 0 -> 1", "net.ipv4.conf.all.route_localnet: already 1"}));
  s.values["net.ipv4.ip_forward"] = "0";
  s.fail_sets = true;
  auto f = EnsureProxySysctls(s, false);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().message(), "write sysctl net.ipv4.ip_forward: Permission denied");
}

}  // namespace
}  // namespace kubenode::proxy
