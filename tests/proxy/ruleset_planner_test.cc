#include "proxy/ruleset_planner.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <set>

#include "netfilter/render.h"
#include "netfilter/values.h"

namespace kubenode::proxy {
namespace {

// The reference service: NodePort 30001, port 80, selector app=nginx, one endpoint 10.88.0.5:80.
ServicePortInfo Nginx(std::vector<EndpointInfo> endpoints = {{"10.88.0.5", 80, true, true}}) {
  ServicePortInfo s;
  s.id = {"default", "nginx", ""};
  s.cluster_ip = "10.96.0.10";
  s.port = 80;
  s.node_port = 30001;
  s.endpoints = std::move(endpoints);
  return s;
}

PlannerConfig Config() {
  PlannerConfig c;
  c.pod_cidr = "10.88.0.0/16";
  return c;
}

std::string Render(const std::vector<ServicePortInfo>& services, const PlannerConfig& config = Config()) {
  Result<Plan> plan = PlanRuleset(services, config);
  EXPECT_TRUE(plan.ok()) << plan.status().message();
  return netfilter::RenderTable(plan->table);
}

const char kReferenceRuleset[] = R"(table ip kubenode-proxy {
	set cluster-ips {
		type ipv4_addr . inet_proto . inet_service
		elements = { 10.96.0.10 . tcp . 80 }
	}

	set hairpin {
		type ipv4_addr . ipv4_addr
		elements = { 10.88.0.5 . 10.88.0.5 }
	}

	set no-endpoint-nodeports {
		type inet_proto . inet_service
	}

	set no-endpoint-services {
		type ipv4_addr . inet_proto . inet_service
	}

	set no-local-endpoint-nodeports {
		type inet_proto . inet_service
	}

	set nodeports-masquerade {
		type inet_proto . inet_service
		elements = { tcp . 30001 }
	}

	map service-ips-1 {
		type ipv4_addr . inet_proto . inet_service . mark : ipv4_addr . inet_service
		elements = { 10.96.0.10 . tcp . 80 . 0 : 10.88.0.5 . 80 }
	}

	map service-nodeports-1 {
		type inet_proto . inet_service . mark : ipv4_addr . inet_service
		elements = { tcp . 30001 . 0 : 10.88.0.5 . 80 }
	}

	chain filter-forward {
		type filter hook forward priority -110; policy accept;
		ip daddr . meta l4proto . th dport @no-endpoint-services reject
	}

	chain filter-input {
		type filter hook input priority -110; policy accept;
		ip daddr . meta l4proto . th dport @no-endpoint-services reject
		fib daddr type local meta l4proto . th dport @no-endpoint-nodeports reject
		fib daddr type local meta l4proto . th dport @no-local-endpoint-nodeports drop
	}

	chain filter-output {
		type filter hook output priority -110; policy accept;
		ip daddr . meta l4proto . th dport @no-endpoint-services reject
		fib daddr type local meta l4proto . th dport @no-endpoint-nodeports reject
	}

	chain filter-prerouting {
		type filter hook prerouting priority -110; policy accept;
		ip daddr 127.0.0.0/8 ip saddr != 127.0.0.0/8 counter drop
	}

	chain nat-output {
		type nat hook output priority -100; policy accept;
		ip saddr != 10.88.0.0/16 ip daddr . meta l4proto . th dport @cluster-ips meta mark set meta mark | 0x00004000
		fib daddr type local meta l4proto . th dport @nodeports-masquerade meta mark set meta mark | 0x00004000
		dnat ip to ip daddr . meta l4proto . th dport . numgen random mod 1 map @service-ips-1
		fib daddr type local dnat ip to meta l4proto . th dport . numgen random mod 1 map @service-nodeports-1
	}

	chain nat-postrouting {
		type nat hook postrouting priority 100; policy accept;
		meta mark & 0x00004000 == 0x00004000 masquerade fully-random
		ct status dnat ip saddr . ip daddr @hairpin masquerade fully-random
		ct status dnat ip saddr 127.0.0.0/8 masquerade fully-random
	}

	chain nat-prerouting {
		type nat hook prerouting priority -100; policy accept;
		ip saddr != 10.88.0.0/16 ip daddr . meta l4proto . th dport @cluster-ips meta mark set meta mark | 0x00004000
		fib daddr type local meta l4proto . th dport @nodeports-masquerade meta mark set meta mark | 0x00004000
		dnat ip to ip daddr . meta l4proto . th dport . numgen random mod 1 map @service-ips-1
		fib daddr type local dnat ip to meta l4proto . th dport . numgen random mod 1 map @service-nodeports-1
	}
}
)";

TEST(RulesetPlannerTest, ReferenceServiceMatchesExpectedRuleset) {
  EXPECT_EQ(Render({Nginx()}), kReferenceRuleset);
}

TEST(RulesetPlannerTest, NoReadyEndpointsRejectsClusterIpAndNodePort) {
  std::string text = Render({Nginx({{"10.88.0.5", 80, /*ready=*/false, true}})});
  EXPECT_NE(text.find("set no-endpoint-services {\n\t\ttype ipv4_addr . inet_proto . inet_service\n"
                      "\t\telements = { 10.96.0.10 . tcp . 80 }"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("set no-endpoint-nodeports {\n\t\ttype inet_proto . inet_service\n\t\telements = { tcp . 30001 }"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("service-ips-"), std::string::npos) << text;
  EXPECT_EQ(text.find("numgen"), std::string::npos) << text;
}

TEST(RulesetPlannerTest, EndpointCountGroupsShareOneRuleEach) {
  ServicePortInfo a = Nginx({{"10.88.0.5", 80, true, true}, {"10.88.0.6", 80, true, true}});
  ServicePortInfo b = Nginx({{"10.88.0.7", 8080, true, true}, {"10.88.0.8", 8080, true, true}});
  b.id.name = "other";
  b.cluster_ip = "10.96.0.11";
  b.node_port = 0;
  Result<Plan> plan = PlanRuleset({a, b}, Config());
  ASSERT_TRUE(plan.ok());
  const netfilter::Table& t = plan->table;
  ASSERT_TRUE(t.sets.count("service-ips-2"));
  EXPECT_EQ(t.sets.at("service-ips-2").elements.size(), 4u);
  EXPECT_EQ(t.FindChain("nat-prerouting")->rules.size(), 4u);  // 2 mark rules + 1 ClusterIP group + 1 NodePort group
  std::string text = netfilter::RenderTable(t);
  EXPECT_NE(text.find("10.96.0.11 . tcp . 80 . 1 : 10.88.0.8 . 8080"), std::string::npos) << text;
}

TEST(RulesetPlannerTest, SessionAffinityUsesDynamicMapAndBoundedRules) {
  ServicePortInfo s = Nginx({{"10.88.0.5", 80, true, true}, {"10.88.0.6", 80, true, true}});
  s.session_affinity = api::SessionAffinity::kClientIP;
  s.affinity_timeout_seconds = 60;
  ServicePortInfo s2 = s;
  s2.id.name = "second";
  s2.cluster_ip = "10.96.0.12";
  s2.node_port = 30002;
  std::string text = Render({s, s2});
  EXPECT_NE(text.find("map affinity-60 {\n\t\ttype ipv4_addr . ipv4_addr . inet_proto . inet_service : ipv4_addr . "
                      "inet_service\n\t\tflags dynamic,timeout\n\t\ttimeout 60s\n\t}"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\t\tdnat ip to ip saddr . ip daddr . meta l4proto . th dport map @affinity-60\n"
                      "\t\tdnat ip to ip daddr . meta l4proto . th dport . numgen random mod 2 map @service-ips-2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("ct status dnat ct original ip daddr . meta l4proto . ct original proto-dst @affinity-services-60 "
                      "update @affinity-60 { ct original ip saddr . ct original ip daddr . meta l4proto . ct original "
                      "proto-dst timeout 60s : ip daddr . th dport }"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("elements = { 10.96.0.10 . tcp . 80,\n\t\t\t     10.96.0.12 . tcp . 80 }"), std::string::npos) << text;
  // Two services with the same timeout share the affinity rules.
  Result<Plan> plan = PlanRuleset({s, s2}, Config());
  EXPECT_EQ(plan->table.FindChain("nat-postrouting")->rules.size(), 5u);
}

TEST(RulesetPlannerTest, LocalTrafficPolicyUsesLocalEndpointsWithoutMasquerade) {
  ServicePortInfo s = Nginx({{"10.88.0.5", 80, true, /*is_local=*/true}, {"10.88.1.9", 80, true, /*is_local=*/false}});
  s.external_traffic_policy = api::TrafficPolicy::kLocal;
  Result<Plan> plan = PlanRuleset({s}, Config());
  ASSERT_TRUE(plan.ok());
  const auto& sets = plan->table.sets;
  EXPECT_TRUE(sets.at("nodeports-masquerade").elements.empty());
  ASSERT_TRUE(sets.count("service-nodeports-1"));
  std::string text = netfilter::RenderSet(sets.at("service-nodeports-1"));
  EXPECT_NE(text.find("tcp . 30001 . 0 : 10.88.0.5 . 80"), std::string::npos) << text;
  EXPECT_EQ(sets.at("service-ips-2").elements.size(), 2u);  // ClusterIP still uses every endpoint

  // No local endpoint: NodePort traffic is dropped, not rejected.
  s.endpoints = {{"10.88.1.9", 80, true, false}};
  plan = PlanRuleset({s}, Config());
  EXPECT_EQ(netfilter::RenderSet(plan->table.sets.at("no-local-endpoint-nodeports")),
            "\tset no-local-endpoint-nodeports {\n\t\ttype inet_proto . inet_service\n\t\telements = { tcp . 30001 }\n\t}\n");
  EXPECT_TRUE(plan->table.sets.at("no-endpoint-nodeports").elements.empty());
}

TEST(RulesetPlannerTest, EndpointChangeIsOnlyElementOps) {
  Result<Plan> before = PlanRuleset({Nginx()}, Config());
  Result<Plan> after = PlanRuleset({Nginx({{"10.88.0.6", 80, true, true}})}, Config());
  netfilter::Transaction tx = PlanTransaction(&before->table, after->table);
  EXPECT_EQ(tx.NonElementOps(), 0u);
  // service-ips-1, service-nodeports-1 and hairpin each lose one element and gain one.
  EXPECT_EQ(tx.ElementOps(), 6u);
  std::string ops;
  for (const auto& op : tx.ops) ops += netfilter::Describe(tx, op, &after->table) + "\n";
  EXPECT_NE(ops.find("delete element from map service-ips-1: 10.96.0.10 . tcp . 80 . 0\n"), std::string::npos) << ops;
  EXPECT_NE(ops.find("add element to map service-ips-1: 10.96.0.10 . tcp . 80 . 0 : 10.88.0.6 . 80\n"), std::string::npos)
      << ops;
}

TEST(RulesetPlannerTest, LocalhostNodePortsCanBeDisabled) {
  PlannerConfig c = Config();
  c.localhost_nodeports = false;
  std::string text = Render({Nginx()}, c);
  EXPECT_NE(text.find("fib daddr type local ip daddr != 127.0.0.0/8 dnat ip to meta l4proto . th dport . numgen random "
                      "mod 1 map @service-nodeports-1"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("ip saddr 127.0.0.0/8 masquerade"), std::string::npos) << text;
  // No localhost NodePorts, no route_localnet: no guard either.
  EXPECT_EQ(text.find("filter-prerouting"), std::string::npos) << text;
  EXPECT_FALSE(LocalhostNodePorts(c));
}

TEST(RulesetPlannerTest, LocalhostNodePortsAreGuardedAgainstOtherSources) {
  // CVE-2020-8558: with route_localnet=1, packets to 127.0.0.0/8 from other hosts are dropped before DNAT.
  std::string text = Render({Nginx()});
  EXPECT_NE(text.find("chain filter-prerouting {\n\t\ttype filter hook prerouting priority -110; policy accept;\n"
                      "\t\tip daddr 127.0.0.0/8 ip saddr != 127.0.0.0/8 counter drop\n\t}"),
            std::string::npos)
      << text;
  EXPECT_TRUE(LocalhostNodePorts(Config()));
}

TEST(RulesetPlannerTest, NodePortAddressesRepeatNodePortRulesPerCidr) {
  PlannerConfig c = Config();
  c.node_port_addresses = {"192.168.77.0/24", "10.0.0.0/8"};
  EXPECT_FALSE(LocalhostNodePorts(c));
  std::string text = Render({Nginx()}, c);
  for (const char* cidr : {"192.168.77.0/24", "10.0.0.0/8"}) {
    EXPECT_NE(text.find(std::string("fib daddr type local ip daddr ") + cidr +
                        " dnat ip to meta l4proto . th dport . numgen random mod 1 map @service-nodeports-1"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find(std::string("fib daddr type local ip daddr ") + cidr +
                        " meta l4proto . th dport @no-endpoint-nodeports reject"),
              std::string::npos)
        << text;
  }
  EXPECT_EQ(text.find("filter-prerouting"), std::string::npos) << text;
  EXPECT_EQ(text.find("ip saddr 127.0.0.0/8 masquerade"), std::string::npos) << text;
  // A CIDR holding 127.0.0.1 turns localhost NodePorts (and the guard) on.
  c.node_port_addresses = {"127.0.0.0/8"};
  EXPECT_TRUE(LocalhostNodePorts(c));
  text = Render({Nginx()}, c);
  EXPECT_NE(text.find("ip daddr 127.0.0.0/8 ip saddr != 127.0.0.0/8 counter drop"), std::string::npos) << text;
  c.node_port_addresses = {"bad"};
  EXPECT_FALSE(PlanRuleset({Nginx()}, c).ok());
}

TEST(RulesetPlannerTest, UnknownServiceCidrTrafficIsRejected) {
  PlannerConfig c = Config();
  c.service_cidr = "10.96.0.0/12";
  std::string text = Render({Nginx()}, c);
  const std::string rule = "ip daddr 10.96.0.0/12 ip daddr . meta l4proto . th dport != @cluster-ips reject";
  for (const char* chain : {"chain filter-forward {", "chain filter-output {"}) {
    size_t at = text.find(chain);
    ASSERT_NE(at, std::string::npos) << text;
    size_t end = text.find("\t}", at);
    EXPECT_NE(text.substr(at, end - at).find(rule), std::string::npos) << chain << "\n" << text;
  }
  EXPECT_EQ(text.find(rule, text.find("chain filter-input {")), text.find(rule, text.find("chain filter-output {")))
      << "not in filter-input: ClusterIPs are not local\n" << text;
}

TEST(RulesetPlannerTest, MasqueradeBitAndMasqueradeAll) {
  PlannerConfig c = Config();
  c.masquerade_mark = 1u << 5;
  c.masquerade_all = true;
  std::string text = Render({Nginx()}, c);
  EXPECT_NE(text.find("\t\tip daddr . meta l4proto . th dport @cluster-ips meta mark set meta mark | 0x00000020\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("meta mark & 0x00000020 == 0x00000020 masquerade fully-random"), std::string::npos) << text;
  EXPECT_EQ(text.find("0x00004000"), std::string::npos) << text;
  EXPECT_EQ(text.find("ip saddr != 10.88.0.0/16"), std::string::npos) << text;
}

TEST(RulesetPlannerTest, BadInputsAreSkippedAndNamed) {
  ServicePortInfo bad = Nginx();
  bad.id.name = "broken";
  bad.cluster_ip = "not-an-ip";
  ServicePortInfo dup = Nginx();
  dup.id.name = "zz-duplicate";
  Result<Plan> plan = PlanRuleset({Nginx(), bad, dup}, Config());
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->skipped.size(), 2u);
  EXPECT_EQ(plan->skipped[0], "default/broken: bad clusterIP or port");
  EXPECT_EQ(plan->skipped[1], "default/zz-duplicate: duplicate 10.96.0.10:80");
  EXPECT_FALSE(PlanRuleset({}, PlannerConfig{.pod_cidr = "10.88.0.0/99"}).ok());
}


// Many services, names sorted as their ids ("svc-007"), `endpoints` endpoints each (distinct IPs).
std::vector<ServicePortInfo> Many(int n, int endpoints) {
  std::vector<ServicePortInfo> out;
  for (int i = 0; i < n; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "svc-%03d", i);
    ServicePortInfo s;
    s.id = {"default", name, ""};
    s.cluster_ip = "10.96.1." + std::to_string(i + 1);
    s.port = 80;
    s.node_port = i % 2 ? 30000 + i : 0;
    for (int e = 0; e < endpoints; ++e) s.endpoints.push_back({"10.88." + std::to_string(i) + "." + std::to_string(e + 1), 8080, true, true});
    out.push_back(s);
  }
  return out;
}

TEST(IncrementalPlannerTest, EndpointChangeOfOneServiceYieldsOnlyItsElements) {
  auto services = Many(50, 3);
  IncrementalPlanner planner(Config());
  ASSERT_TRUE(planner.PlanAll(services).ok());
  services[7].endpoints[1].ip = "10.88.200.1";
  auto change = planner.PlanChanges(services, {"default/svc-007"});
  ASSERT_TRUE(change.ok());
  ASSERT_FALSE(change->needs_full);
  EXPECT_FALSE(change->static_table);
  EXPECT_EQ(change->services, 1u);
  // The new endpoint sorts last: indexes 1 and 2 of service-ips-3 and of service-nodeports-3 (service 7 has a
  // NodePort) get new data; hairpin swaps one key.
  std::map<std::string, size_t> deletes, adds;
  for (const auto& d : change->deletes) deletes[d.set] += d.keys.size();
  for (const auto& a : change->adds) adds[a.set] += a.elements.size();
  const std::map<std::string, size_t> expected{{"hairpin", 1}, {"service-ips-3", 2}, {"service-nodeports-3", 2}};
  EXPECT_EQ(deletes, expected);
  EXPECT_EQ(adds, expected);
  const netfilter::Bytes key7 = netfilter::Ipv4OrDie("10.96.1.8");
  for (const auto& d : change->deletes) {
    if (d.set == "service-ips-3") {
      for (const auto& k : d.keys) EXPECT_EQ(k.substr(0, 4), key7);
    }
  }
}

TEST(IncrementalPlannerTest, NewEndpointCountGroupReplansStaticPart) {
  auto services = Many(10, 2);
  IncrementalPlanner planner(Config());
  ASSERT_TRUE(planner.PlanAll(services).ok());
  services[3].endpoints.push_back({"10.88.200.1", 8080, true, true});
  auto change = planner.PlanChanges(services, {"default/svc-003"});
  ASSERT_TRUE(change.ok());
  ASSERT_TRUE(change->static_table);
  EXPECT_TRUE(change->static_table->sets.count("service-ips-3"));
  EXPECT_TRUE(change->static_table->sets.count("service-ips-2"));  // the others still use it
  EXPECT_EQ(planner.groups().ip, (std::set<size_t>{2, 3}));
  // Back: group 3 is gone again.
  services[3].endpoints.pop_back();
  change = planner.PlanChanges(services, {"default/svc-003"});
  ASSERT_TRUE(change.ok() && change->static_table);
  EXPECT_FALSE(change->static_table->sets.count("service-ips-3"));
  // A pure endpoint swap within the group keeps the static part.
  services[3].endpoints[0].ip = "10.88.201.1";
  change = planner.PlanChanges(services, {"default/svc-003"});
  ASSERT_TRUE(change.ok());
  EXPECT_FALSE(change->static_table);
}

TEST(IncrementalPlannerTest, DuplicateKeysNeedFullPlanning) {
  auto services = Many(5, 1);
  IncrementalPlanner planner(Config());
  ASSERT_TRUE(planner.PlanAll(services).ok());
  services[2].cluster_ip = services[1].cluster_ip;  // now claimed twice
  auto change = planner.PlanChanges(services, {"default/svc-002"});
  ASSERT_TRUE(change.ok());
  EXPECT_TRUE(change->needs_full);
  services[3].node_port = services[1].node_port;
  services[2].cluster_ip = "10.96.1.3";
  change = planner.PlanChanges(services, {"default/svc-003"});
  ASSERT_TRUE(change.ok());
  EXPECT_TRUE(change->needs_full);
}

}  // namespace
}  // namespace kubenode::proxy
