#include "proxy/proxier.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <set>

#include "netfilter/fake_backend.h"
#include "netfilter/render.h"
#include "netfilter/values.h"
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
  ASSERT_TRUE(Proxier(fake, Config()).Sync({Service({"10.88.0.5"})}).ok());
  size_t n = fake.applied().size();
  Proxier p(fake, Config());
  ASSERT_TRUE(p.FullResync({Service({"10.88.0.5"})}).ok());
  EXPECT_EQ(fake.applied().size(), n);
}

TEST(ProxierTest, RepairDriftRestoresWhatChangedBehindTheProxysBack) {
  netfilter::FakeBackend fake;
  Proxier p(fake, Config());
  const std::vector<ServicePortInfo> services = {Service({"10.88.0.5", "10.88.0.6"})};
  ASSERT_TRUE(p.RepairDrift().ok());  // nothing applied yet: nothing to compare
  EXPECT_EQ(fake.dumps(), 0);
  ASSERT_TRUE(p.Sync(services, {}).ok());
  ASSERT_TRUE(p.RepairDrift().ok());
  EXPECT_EQ(p.last_stats().drift_ops, 0u);
  const int applies = fake.successful_applies();
  EXPECT_EQ(fake.applied().size(), static_cast<size_t>(applies));

  // Someone deletes an endpoint element and a rule, and adds an element.
  netfilter::Table* live = fake.MutableTable(2, kProxyTable);
  ASSERT_NE(live, nullptr);
  auto& ips = live->sets.at(ServiceIpsMap(2)).elements;
  ASSERT_EQ(ips.size(), 2u);
  ips.erase(ips.begin());
  live->sets.at("no-endpoint-services").elements.emplace(netfilter::Concat({netfilter::Ipv4OrDie("10.96.0.10"),
                                                                            netfilter::Proto(6), netfilter::Port(81)}),
                                                         "");
  for (netfilter::Chain& c : live->chains)
    if (c.name == "filter-input") c.rules.erase(c.rules.begin());
  // The change-driven sync sees no change.
  ASSERT_TRUE(p.Sync(services, {}).ok());
  EXPECT_EQ(fake.successful_applies(), applies);
  // The periodic check repairs all of it in one transaction.
  ASSERT_TRUE(p.RepairDrift().ok());
  EXPECT_EQ(p.last_stats().drift_ops, 3u);
  EXPECT_EQ(fake.successful_applies(), applies + 1);
  EXPECT_EQ(Live(fake), Planned(services));
  ASSERT_TRUE(p.RepairDrift().ok());
  EXPECT_EQ(p.last_stats().drift_ops, 0u);

  // A deleted table is recreated.
  ASSERT_TRUE(fake.Apply({2, kProxyTable, {netfilter::DeleteTable{}}}).ok());
  ASSERT_TRUE(p.RepairDrift().ok());
  EXPECT_EQ(Live(fake), Planned(services));
  // Incremental syncs go on from the repaired state.
  ASSERT_TRUE(p.Sync({Service({"10.88.0.7", "10.88.0.6"})}, {"default/nginx"}).ok());
  EXPECT_TRUE(p.last_stats().incremental);
  EXPECT_EQ(Live(fake), Planned({Service({"10.88.0.7", "10.88.0.6"})}));
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

// Services named so that their ids sort as the vector does ("svc-007").
ServicePortInfo Numbered(int i, int endpoints, api::Protocol proto = api::Protocol::kTCP) {
  char name[16];
  std::snprintf(name, sizeof name, "svc-%03d", i);
  ServicePortInfo s;
  s.id = {"default", name, ""};
  s.protocol = proto;
  s.cluster_ip = "10.96.1." + std::to_string(i + 1);
  s.port = 80;
  s.node_port = i % 3 == 0 ? 30000 + i : 0;
  // Endpoints shared between neighbours (hairpin elements are shared).
  for (int e = 0; e < endpoints; ++e) s.endpoints.push_back({"10.88.0." + std::to_string(i + e + 1), 8080, true, e % 2 == 0});
  return s;
}

std::string Name(const ServicePortInfo& s) { return s.id.ns + "/" + s.id.name; }

TEST(ProxierTest, IncrementalSyncTouchesOnlyChangedServices) {
  netfilter::FakeBackend fake;
  Proxier p(fake, Config());
  std::vector<ServicePortInfo> services;
  for (int i = 0; i < 40; ++i) services.push_back(Numbered(i, 1 + i % 4));
  ASSERT_TRUE(p.Sync(services, {}).ok());
  EXPECT_TRUE(p.last_stats().full_resync);

  // One endpoint of one service changes: only that service is planned, only element ops, only its keys.
  services[10].endpoints[0].ip = "10.88.9.9";
  ASSERT_TRUE(p.Sync(services, {Name(services[10])}).ok());
  EXPECT_TRUE(p.last_stats().incremental);
  EXPECT_EQ(p.last_stats().planned_services, 1u);
  EXPECT_EQ(p.last_stats().other_ops, 0u);
  const netfilter::Transaction& tx = fake.applied().back();
  const netfilter::Bytes cip = netfilter::Ipv4OrDie("10.96.1.11");
  for (const auto& op : tx.ops) {
    if (auto* d = std::get_if<netfilter::DeleteElements>(&op); d && d->set.rfind("service-ips-", 0) == 0) {
      for (const auto& k : d->keys) EXPECT_EQ(k.substr(0, 4), cip);
    }
    if (auto* a = std::get_if<netfilter::AddElements>(&op); a && a->set.rfind("service-ips-", 0) == 0) {
      for (const auto& [k, v] : a->elements) EXPECT_EQ(k.substr(0, 4), cip);
    }
  }
  // 10.88.0.11 is still used by services 8 and 9 (shared hairpin element): only 10.88.9.9 . 10.88.9.9 is added.
  // Endpoints .12, .13, 9.9 now (sorted): indexes 0..2 of service-ips-3 get new data (3 deletes, 3 adds).
  EXPECT_EQ(tx.ElementOps(), 7u);
  EXPECT_EQ(Live(fake), Planned(services));
  EXPECT_EQ(netfilter::RenderTable(*p.applied()), Planned(services));

  // Nothing changed: nothing planned or applied.
  size_t applies = fake.applied().size();
  ASSERT_TRUE(p.Sync(services, {}).ok());
  EXPECT_EQ(fake.applied().size(), applies);
}

TEST(ProxierTest, IncrementalSyncEqualsFullReplan) {
  netfilter::FakeBackend fake;
  FakeConntrack ct;
  Proxier p(fake, Config(), &ct);
  std::vector<ServicePortInfo> services;
  for (int i = 0; i < 30; ++i) services.push_back(Numbered(i, 1 + i % 3, i % 5 == 0 ? api::Protocol::kUDP : api::Protocol::kTCP));
  ASSERT_TRUE(p.Sync(services, {}).ok());
  uint32_t rng = 12345;
  auto next = [&](uint32_t mod) {
    rng = rng * 1103515245u + 12345u;
    return (rng >> 8) % mod;
  };
  for (int round = 0; round < 200; ++round) {
    std::set<std::string> changed;
    for (int k = 0, n = 1 + next(3); k < n; ++k) {
      size_t i = next(services.size());
      ServicePortInfo& s = services[i];
      switch (next(8)) {
        case 0: s.endpoints.push_back({"10.88.1." + std::to_string(next(250) + 1), 8080, true, next(2) == 0}); break;
        case 1: if (!s.endpoints.empty()) s.endpoints.erase(s.endpoints.begin() + next(s.endpoints.size())); break;
        case 2: if (!s.endpoints.empty()) s.endpoints[next(s.endpoints.size())].ready ^= true; break;
        case 3: s.session_affinity = s.session_affinity == api::SessionAffinity::kClientIP ? api::SessionAffinity::kNone
                                                                                          : api::SessionAffinity::kClientIP;
                s.affinity_timeout_seconds = 10 + next(2); break;
        case 4: s.external_traffic_policy = s.external_traffic_policy == api::TrafficPolicy::kLocal
                                                ? api::TrafficPolicy::kCluster : api::TrafficPolicy::kLocal; break;
        case 5: s.node_port = s.node_port ? 0 : 31000 + std::stoi(s.id.name.substr(4)); break;
        case 6: {  // deleted, or (if deleted before) back
          changed.insert(Name(s));
          services.erase(services.begin() + i);
          continue;
        }
        default: s.endpoints.clear(); break;
      }
      changed.insert(Name(s));
    }
    if (services.size() < 20) {
      for (int i = 0; i < 30; ++i) {
        ServicePortInfo s = Numbered(i, 2);
        auto it = std::lower_bound(services.begin(), services.end(), s, [](auto& a, auto& b) { return a.id < b.id; });
        if (it == services.end() || it->id != s.id) {
          changed.insert(Name(s));
          services.insert(it, s);
        }
      }
    }
    ASSERT_TRUE(p.Sync(services, changed).ok()) << "round " << round;
    ASSERT_TRUE(p.last_stats().incremental) << "round " << round;
    ASSERT_EQ(Live(fake), Planned(services)) << "round " << round;
    ASSERT_EQ(netfilter::RenderTable(*p.applied()), Planned(services)) << "round " << round;
  }
  // The applied model carries the kernel's rule handles: a full replan against it changes nothing.
  size_t applies = fake.applied().size();
  ASSERT_TRUE(p.Sync(services).ok());
  EXPECT_EQ(fake.applied().size(), applies);
  // And a new process taking over sees nothing to do either.
  Proxier other(fake, Config());
  ASSERT_TRUE(other.Sync(services, {}).ok());
  EXPECT_EQ(fake.applied().size(), applies);
}

TEST(ProxierTest, IncrementalGroupChangeAddsRuleAndMap) {
  netfilter::FakeBackend fake;
  Proxier p(fake, Config());
  std::vector<ServicePortInfo> services{Numbered(1, 1), Numbered(2, 1)};
  ASSERT_TRUE(p.Sync(services, {}).ok());
  services[1].endpoints.push_back({"10.88.7.7", 8080, true, true});
  ASSERT_TRUE(p.Sync(services, {Name(services[1])}).ok());
  EXPECT_TRUE(p.last_stats().incremental);
  const netfilter::Transaction& tx = fake.applied().back();
  size_t add_rules = 0, add_sets = 0;
  for (const auto& op : tx.ops) {
    add_rules += std::holds_alternative<netfilter::AddRule>(op);
    if (auto* a = std::get_if<netfilter::AddSet>(&op)) {
      ++add_sets;
      EXPECT_EQ(a->set.name, "service-ips-2");
    }
  }
  EXPECT_EQ(add_sets, 1u);
  EXPECT_EQ(add_rules, 2u);  // nat-prerouting and nat-output
  EXPECT_EQ(Live(fake), Planned(services));
  // Rule handles were read back: removing the group deletes exactly those rules and the map.
  services[1].endpoints.pop_back();
  ASSERT_TRUE(p.Sync(services, {Name(services[1])}).ok());
  size_t del_rules = 0, del_sets = 0;
  for (const auto& op : fake.applied().back().ops) {
    del_rules += std::holds_alternative<netfilter::DeleteRule>(op);
    del_sets += std::holds_alternative<netfilter::DeleteSet>(op);
  }
  EXPECT_EQ(del_rules, 2u);
  EXPECT_EQ(del_sets, 1u);
  EXPECT_EQ(Live(fake), Planned(services));
}

TEST(ProxierTest, IncrementalFailureFallsBackToFullResync) {
  netfilter::FakeBackend fake;
  Proxier p(fake, Config());
  std::vector<ServicePortInfo> services{Numbered(1, 1), Numbered(2, 1)};
  ASSERT_TRUE(p.Sync(services, {}).ok());
  services[0].endpoints[0].ip = "10.88.5.5";
  fake.FailNextApplies(1);
  EXPECT_FALSE(p.Sync(services, {Name(services[0])}).ok());
  EXPECT_TRUE(p.needs_full_resync());
  services[1].endpoints[0].ip = "10.88.6.6";
  ASSERT_TRUE(p.Sync(services, {Name(services[1])}).ok());  // the earlier change is not lost
  EXPECT_TRUE(p.last_stats().full_resync);
  EXPECT_EQ(Live(fake), Planned(services));
}

TEST(ProxierTest, DuplicateClusterIpFallsBackToFullPlanning) {
  netfilter::FakeBackend fake;
  Proxier p(fake, Config());
  std::vector<ServicePortInfo> services{Numbered(1, 1), Numbered(2, 1), Numbered(3, 1)};
  ASSERT_TRUE(p.Sync(services, {}).ok());
  services[2].cluster_ip = services[0].cluster_ip;
  ASSERT_TRUE(p.Sync(services, {Name(services[2])}).ok());
  EXPECT_FALSE(p.last_stats().incremental);
  EXPECT_EQ(Live(fake), Planned(services));
  services[0].endpoints[0].ip = "10.88.5.5";  // the winner changes: still planned in full while the clash lasts
  ASSERT_TRUE(p.Sync(services, {Name(services[0])}).ok());
  EXPECT_FALSE(p.last_stats().incremental);
  EXPECT_EQ(Live(fake), Planned(services));
}

TEST(ProxierTest, SetOutgrowingItsSizeIsRecreatedBigger) {
  netfilter::FakeBackend fake;
  Proxier p(fake, Config());
  std::vector<ServicePortInfo> services;
  for (int i = 0; i < 600; ++i) {
    ServicePortInfo s = Numbered(i, 0);
    s.cluster_ip = "10.97." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1);
    s.endpoints.push_back({"10.89." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1), 8080, true, true});
    s.node_port = 0;
    services.push_back(s);
  }
  ASSERT_TRUE(p.Sync(services, {}).ok());
  EXPECT_EQ(p.applied()->sets.at("cluster-ips").size, 2048u);
  EXPECT_EQ(p.applied()->sets.at("no-endpoint-services").size, kMinSetCapacity);
  // Within the size: incremental.
  std::set<std::string> changed;
  for (int i = 0; i < 600; ++i) {
    services[i].endpoints.clear();
    changed.insert(Name(services[i]));
  }
  ASSERT_TRUE(p.Sync(services, changed).ok());
  EXPECT_TRUE(p.last_stats().incremental);
  EXPECT_EQ(p.applied()->sets.at("no-endpoint-services").size, kMinSetCapacity);
  // Beyond it: the table is replanned and rebuilt with a bigger set, in one transaction.
  changed.clear();
  for (int i = 600; i < 1100; ++i) {
    ServicePortInfo s = Numbered(i, 0);
    char name[16];
    std::snprintf(name, sizeof name, "svd-%04d", i);
    s.id.name = name;
    s.cluster_ip = "10.98." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1);
    s.node_port = 0;
    services.push_back(s);
    changed.insert(Name(s));
  }
  ASSERT_TRUE(p.Sync(services, changed).ok());
  EXPECT_FALSE(p.last_stats().incremental);
  EXPECT_EQ(p.applied()->sets.at("no-endpoint-services").size, 4096u);
  EXPECT_TRUE(std::holds_alternative<netfilter::DeleteTable>(fake.applied().back().ops.front()));
  auto live = fake.Dump(2, kProxyTable);
  ASSERT_TRUE(live.ok() && live->has_value());
  EXPECT_EQ((*live)->sets.at("no-endpoint-services").size, 4096u);
  EXPECT_EQ(Live(fake), Planned(services));
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
