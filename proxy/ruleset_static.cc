// The static part of the proxy table: set definitions and every chain and rule (see proxy/README.md).
#include <arpa/inet.h>
#include <netinet/in.h>
// After netinet/in.h, whose guards keep linux/in.h from redefining it.
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <cstdlib>

#include "base/ipv4.h"
#include "netfilter/builders.h"
#include "proxy/ruleset_names.h"
#include "proxy/ruleset_planner.h"

namespace kubenode::proxy {

using netfilter::BaseHook;
using netfilter::Chain;
using netfilter::DataType;
using netfilter::Expr;
using netfilter::Reg32;
using netfilter::Rule;
using netfilter::Set;
using netfilter::Table;
using namespace names;
namespace b = netfilter::build;

namespace {

const netfilter::TypeList kServiceKey{DataType::kIpv4Addr, DataType::kInetProto, DataType::kInetService};
const netfilter::TypeList kNodePortKey{DataType::kInetProto, DataType::kInetService};
const netfilter::TypeList kEndpoint{DataType::kIpv4Addr, DataType::kInetService};

using Exprs = std::vector<Expr>;
Exprs Join(std::initializer_list<Exprs> parts) {
  Exprs out;
  for (const Exprs& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// ip daddr . meta l4proto . th dport -> R0..R2
Exprs ServiceKeyLoads() { return {b::IpDaddr(Reg32(0)), b::L4Proto(Reg32(1)), b::ThDport(Reg32(2))}; }
// meta l4proto . th dport -> R0..R1
Exprs NodePortKeyLoads() { return {b::L4Proto(Reg32(0)), b::ThDport(Reg32(1))}; }

}  // namespace

bool LocalhostNodePorts(const PlannerConfig& config) {
  if (config.node_port_addresses.empty()) return config.localhost_nodeports;
  const uint32_t loopback = 0x7f000001;  // 127.0.0.1
  for (const std::string& cidr : config.node_port_addresses) {
    auto slash = cidr.find('/');
    std::optional<uint32_t> net = slash == std::string::npos ? std::nullopt : ParseIPv4(std::string_view(cidr).substr(0, slash));
    if (!net) continue;
    int len = std::atoi(cidr.c_str() + slash + 1);
    if (len < 0 || len > 32) continue;
    const uint32_t mask = len == 0 ? 0 : ~uint32_t{0} << (32 - len);
    if ((*net & mask) == (loopback & mask)) return true;
  }
  return false;
}

Result<Table> PlanStatic(const Groups& groups, const PlannerConfig& config) {
  Table t;
  t.family = NFPROTO_IPV4;
  t.name = config.table;

  // One address match per NodePort rule copy: none (every local address), `ip daddr != 127.0.0.0/8`, or one
  // `ip daddr CIDR` per nodePortAddresses entry (each NodePort rule is planned once per entry).
  std::vector<Exprs> np_addresses;
  if (!config.node_port_addresses.empty()) {
    for (const std::string& cidr : config.node_port_addresses) {
      auto e = b::IpPrefix(true, cidr, false);
      if (!e.ok()) return e.status().WithContext("nodePortAddresses");
      np_addresses.push_back(*e);
    }
  } else if (!config.localhost_nodeports) {
    np_addresses.push_back(*b::IpPrefix(true, "127.0.0.0/8", true));
  } else {
    np_addresses.push_back({});
  }
  const bool localhost = LocalhostNodePorts(config);
  Exprs off_cluster;
  if (!config.pod_cidr.empty()) {
    auto e = b::IpPrefix(false, config.pod_cidr, true);
    if (!e.ok()) return e.status().WithContext("pod CIDR");
    off_cluster = *e;
  }
  Exprs in_service_cidr;
  if (!config.service_cidr.empty()) {
    auto e = b::IpPrefix(true, config.service_cidr, false);
    if (!e.ok()) return e.status().WithContext("service CIDR");
    in_service_cidr = *e;
  }

  auto add_set = [&](const std::string& name, netfilter::TypeList key, netfilter::TypeList data = {}) -> Set& {
    Set& s = t.sets[name];
    s.name = name;
    s.key = std::move(key);
    s.data = std::move(data);
    s.size = SetCapacity(0);
    return s;
  };
  add_set(kNoEndpointServices, kServiceKey);
  add_set(kNoEndpointNodePorts, kNodePortKey);
  add_set(kNoLocalEndpointNodePorts, kNodePortKey);
  add_set(kClusterIps, kServiceKey);
  add_set(kNodePortsMasq, kNodePortKey);
  add_set(kHairpin, {DataType::kIpv4Addr, DataType::kIpv4Addr});
  for (size_t n : groups.ip)
    add_set(ServiceIpsMap(n), {DataType::kIpv4Addr, DataType::kInetProto, DataType::kInetService, DataType::kMark},
            kEndpoint);
  for (size_t n : groups.np)
    add_set(NodePortsMap(n), {DataType::kInetProto, DataType::kInetService, DataType::kMark}, kEndpoint);
  const std::set<int32_t>& affinity_timeouts = groups.affinity;
  const std::set<size_t>& ip_groups = groups.ip;
  const std::set<size_t>& np_groups = groups.np;
  for (int32_t timeout : affinity_timeouts) {
    Set& m = add_set(AffinityMap(timeout),
                     {DataType::kIpv4Addr, DataType::kIpv4Addr, DataType::kInetProto, DataType::kInetService}, kEndpoint);
    m.flags = netfilter::kSetFlagDynamic | netfilter::kSetFlagTimeout;
    m.timeout_ms = static_cast<uint64_t>(timeout) * 1000;
    m.size = kAffinityMapSize;
    // The planner names both gate sets in rules, so they exist even when empty.
    add_set(AffinityServices(timeout), kServiceKey);
    add_set(AffinityNodePorts(timeout), kNodePortKey);
  }

  // Rules.
  auto chain = [&](const char* name, const char* type, uint32_t hook, int32_t prio) -> Chain& {
    t.chains.push_back(Chain{name, BaseHook{type, hook, prio}, {}});
    return t.chains.back();
  };
  auto rule = [](Chain& c, Exprs e) { c.rules.push_back(Rule{std::move(e), 0}); };
  // A rule for NodePort traffic, once per address match.
  auto nodeport_rules = [&](Chain& c, const Exprs& tail) {
    for (const Exprs& addresses : np_addresses) rule(c, Join({b::FibDaddrLocal(), addresses, tail}));
  };
  const Exprs reject_services = Join({ServiceKeyLoads(), {b::LookupSet(Reg32(0), kNoEndpointServices), b::RejectDefault()}});
  const Exprs reject_nodeports = Join({NodePortKeyLoads(), {b::LookupSet(Reg32(0), kNoEndpointNodePorts), b::RejectDefault()}});
  // ip daddr <service CIDR> ip daddr . meta l4proto . th dport != @cluster-ips reject: no such Service (a
  // Service without endpoints is not in cluster-ips either, and is refused the same way).
  const netfilter::Lookup not_a_service{Reg32(0), std::nullopt, kClusterIps, NFT_LOOKUP_F_INV};
  const Exprs reject_unknown = Join({in_service_cidr, ServiceKeyLoads(), {not_a_service, b::RejectDefault()}});

  if (localhost) {
    // Before DNAT (-110 < dstnat): with route_localnet=1 the kernel would otherwise accept packets to
    // 127.0.0.0/8 from other hosts, reaching localhost-bound servers and localhost NodePorts. Traffic the node
    // sends itself carries a 127.0.0.0/8 source (iptables' KUBE-FIREWALL "block incoming localnet
    // connections"). Counted, so that dropped packets show in `nft list`.
    Chain& pre = chain("filter-prerouting", "filter", NF_INET_PRE_ROUTING, -110);
    rule(pre, Join({*b::IpPrefix(true, "127.0.0.0/8", false), *b::IpPrefix(false, "127.0.0.0/8", true),
                    {netfilter::Counter{}, b::Drop()}}));
  }
  Chain& input = chain("filter-input", "filter", NF_INET_LOCAL_IN, -110);
  rule(input, reject_services);
  nodeport_rules(input, reject_nodeports);
  nodeport_rules(input, Join({NodePortKeyLoads(), {b::LookupSet(Reg32(0), kNoLocalEndpointNodePorts), b::Drop()}}));
  Chain& forward = chain("filter-forward", "filter", NF_INET_FORWARD, -110);
  rule(forward, reject_services);
  if (!in_service_cidr.empty()) rule(forward, reject_unknown);
  Chain& output = chain("filter-output", "filter", NF_INET_LOCAL_OUT, -110);
  rule(output, reject_services);
  if (!in_service_cidr.empty()) rule(output, reject_unknown);
  nodeport_rules(output, reject_nodeports);

  for (auto [name, hook] : {std::pair{"nat-prerouting", NF_INET_PRE_ROUTING}, std::pair{"nat-output", NF_INET_LOCAL_OUT}}) {
    Chain& c = chain(name, "nat", hook, -100);
    if (!off_cluster.empty() || config.masquerade_all) {
      rule(c, Join({config.masquerade_all ? Exprs{} : off_cluster, ServiceKeyLoads(), {b::LookupSet(Reg32(0), kClusterIps)},
                    b::MarkOr(config.masquerade_mark)}));
    }
    nodeport_rules(c, Join({NodePortKeyLoads(), {b::LookupSet(Reg32(0), kNodePortsMasq)}, b::MarkOr(config.masquerade_mark)}));
    for (int32_t timeout : affinity_timeouts) {
      rule(c, {b::IpSaddr(Reg32(0)), b::IpDaddr(Reg32(1)), b::L4Proto(Reg32(2)), b::ThDport(Reg32(3)),
               b::LookupMap(Reg32(0), AffinityMap(timeout), Reg32(0)), b::DnatTo(Reg32(0), Reg32(1))});
    }
    for (size_t n : ip_groups) {
      rule(c, Join({ServiceKeyLoads(), {b::NumgenRandom(n, Reg32(3)), b::LookupMap(Reg32(0), ServiceIpsMap(n), Reg32(0)),
                                        b::DnatTo(Reg32(0), Reg32(1))}}));
    }
    for (size_t n : np_groups) {
      nodeport_rules(c, Join({NodePortKeyLoads(), {b::NumgenRandom(n, Reg32(2)), b::LookupMap(Reg32(0), NodePortsMap(n), Reg32(0)),
                                               b::DnatTo(Reg32(0), Reg32(1))}}));
    }
  }

  Chain& post = chain("nat-postrouting", "nat", NF_INET_POST_ROUTING, 100);
  // Affinity is recorded from the DNAT result of the connection's first packet (before masquerading, which
  // ends the chain): client . original destination -> chosen endpoint.
  const Exprs record_key = {b::CtOriginalSaddr(Reg32(0)), b::CtOriginalDaddr(Reg32(1)), b::L4Proto(Reg32(2)),
                            b::CtOriginalProtoDst(Reg32(3)), b::IpDaddr(Reg32(4)), b::ThDport(Reg32(5))};
  for (int32_t timeout : affinity_timeouts) {
    const uint64_t ms = static_cast<uint64_t>(timeout) * 1000;
    rule(post, Join({b::CtStatusDnat(),
                     {b::CtOriginalDaddr(Reg32(0)), b::L4Proto(Reg32(1)), b::CtOriginalProtoDst(Reg32(2)),
                      b::LookupSet(Reg32(0), AffinityServices(timeout))},
                     record_key, {b::Update(AffinityMap(timeout), Reg32(0), Reg32(4), ms)}}));
    rule(post, Join({b::CtStatusDnat(),
                     {b::L4Proto(Reg32(0)), b::CtOriginalProtoDst(Reg32(1)), b::LookupSet(Reg32(0), AffinityNodePorts(timeout))},
                     record_key, {b::Update(AffinityMap(timeout), Reg32(0), Reg32(4), ms)}}));
  }
  rule(post, Join({b::MarkHas(config.masquerade_mark), {b::MasqueradeFullyRandom()}}));
  rule(post, Join({b::CtStatusDnat(), {b::IpSaddr(Reg32(0)), b::IpDaddr(Reg32(1)), b::LookupSet(Reg32(0), kHairpin),
                                       b::MasqueradeFullyRandom()}}));
  if (localhost)
    rule(post, Join({b::CtStatusDnat(), *b::IpPrefix(false, "127.0.0.0/8", false), {b::MasqueradeFullyRandom()}}));
  return t;
}

}  // namespace kubenode::proxy
