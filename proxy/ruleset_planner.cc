#include "proxy/ruleset_planner.h"

#include <netinet/in.h>
// After netinet/in.h, whose guards keep linux/in.h from redefining it.
#include <linux/netfilter.h>

#include <algorithm>
#include <map>
#include <set>

#include "netfilter/builders.h"
#include "netfilter/diff.h"
#include "netfilter/values.h"

namespace kubenode::proxy {

using netfilter::BaseHook;
using netfilter::Bytes;
using netfilter::Chain;
using netfilter::Concat;
using netfilter::DataType;
using netfilter::Expr;
using netfilter::Reg32;
using netfilter::Rule;
using netfilter::Set;
using netfilter::Table;
namespace b = netfilter::build;

namespace {

constexpr char kNoEndpointServices[] = "no-endpoint-services";
constexpr char kNoEndpointNodePorts[] = "no-endpoint-nodeports";
constexpr char kNoLocalEndpointNodePorts[] = "no-local-endpoint-nodeports";
constexpr char kClusterIps[] = "cluster-ips";
constexpr char kNodePortsMasq[] = "nodeports-masquerade";
constexpr char kHairpin[] = "hairpin";

const netfilter::TypeList kServiceKey{DataType::kIpv4Addr, DataType::kInetProto, DataType::kInetService};
const netfilter::TypeList kNodePortKey{DataType::kInetProto, DataType::kInetService};
const netfilter::TypeList kEndpoint{DataType::kIpv4Addr, DataType::kInetService};

std::string AffinityServices(int32_t t) { return "affinity-services-" + std::to_string(t); }
std::string AffinityNodePorts(int32_t t) { return "affinity-nodeports-" + std::to_string(t); }

uint8_t ProtoNumber(api::Protocol p) {
  switch (p) {
    case api::Protocol::kTCP: return IPPROTO_TCP;
    case api::Protocol::kUDP: return IPPROTO_UDP;
    case api::Protocol::kSCTP: return IPPROTO_SCTP;
  }
  return IPPROTO_TCP;
}

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

struct Endpoint {
  Bytes ip;
  uint16_t port;
  bool local;
  bool operator<(const Endpoint& o) const { return std::tie(ip, port) < std::tie(o.ip, o.port); }
};

}  // namespace

std::string ServiceIpsMap(size_t n) { return "service-ips-" + std::to_string(n); }
std::string NodePortsMap(size_t n) { return "service-nodeports-" + std::to_string(n); }
std::string AffinityMap(int32_t t) { return "affinity-" + std::to_string(t); }

Result<Plan> PlanRuleset(const std::vector<ServicePortInfo>& services, const PlannerConfig& config) {
  Plan plan;
  Table& t = plan.table;
  t.family = NFPROTO_IPV4;
  t.name = config.table;

  Exprs not_localhost;  // ip daddr != 127.0.0.0/8 when NodePorts must not answer on localhost
  if (!config.localhost_nodeports) not_localhost = *b::IpPrefix(true, "127.0.0.0/8", true);
  Exprs off_cluster;
  if (!config.pod_cidr.empty()) {
    auto e = b::IpPrefix(false, config.pod_cidr, true);
    if (!e.ok()) return e.status().WithContext("pod CIDR");
    off_cluster = *e;
  }

  auto add_set = [&](const std::string& name, netfilter::TypeList key, netfilter::TypeList data = {}) -> Set& {
    Set& s = t.sets[name];
    s.name = name;
    s.key = std::move(key);
    s.data = std::move(data);
    return s;
  };
  Set& no_ep = add_set(kNoEndpointServices, kServiceKey);
  Set& no_ep_np = add_set(kNoEndpointNodePorts, kNodePortKey);
  Set& no_local_np = add_set(kNoLocalEndpointNodePorts, kNodePortKey);
  Set& cluster_ips = add_set(kClusterIps, kServiceKey);
  Set& np_masq = add_set(kNodePortsMasq, kNodePortKey);
  Set& hairpin = add_set(kHairpin, {DataType::kIpv4Addr, DataType::kIpv4Addr});

  std::set<size_t> ip_groups, np_groups;
  std::set<int32_t> affinity_timeouts;
  std::set<Bytes> seen_services, seen_nodeports;

  std::vector<const ServicePortInfo*> sorted;
  for (const ServicePortInfo& s : services) sorted.push_back(&s);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->id < b->id; });

  for (const ServicePortInfo* sp : sorted) {
    const std::string name = sp->id.ToString();
    Result<Bytes> cip = netfilter::Ipv4(sp->cluster_ip);
    if (!cip.ok() || sp->port <= 0 || sp->port > 65535 || sp->node_port < 0 || sp->node_port > 65535) {
      plan.skipped.push_back(name + ": bad clusterIP or port");
      continue;
    }
    const Bytes proto = netfilter::Proto(ProtoNumber(sp->protocol));
    const Bytes svc_key = Concat({*cip, proto, netfilter::Port(static_cast<uint16_t>(sp->port))});
    if (!seen_services.insert(svc_key).second) {
      plan.skipped.push_back(name + ": duplicate " + sp->cluster_ip + ":" + std::to_string(sp->port));
      continue;
    }
    std::vector<Endpoint> ready;
    for (const EndpointInfo& ep : sp->endpoints) {
      if (!ep.ready) continue;
      Result<Bytes> ip = netfilter::Ipv4(ep.ip);
      if (!ip.ok() || ep.port <= 0 || ep.port > 65535) {
        plan.skipped.push_back(name + ": bad endpoint " + ep.ip + ":" + std::to_string(ep.port));
        continue;
      }
      ready.push_back({*ip, static_cast<uint16_t>(ep.port), ep.is_local});
    }
    std::sort(ready.begin(), ready.end());
    ready.erase(std::unique(ready.begin(), ready.end(),
                            [](const Endpoint& a, const Endpoint& b) { return !(a < b) && !(b < a); }),
                ready.end());
    const bool affinity = sp->session_affinity == api::SessionAffinity::kClientIP;
    const int32_t timeout = std::max<int32_t>(1, sp->affinity_timeout_seconds);

    // ClusterIP.
    if (ready.empty()) {
      no_ep.elements[svc_key] = "";
    } else {
      cluster_ips.elements[svc_key] = "";
      Set& m = add_set(ServiceIpsMap(ready.size()),
                       {DataType::kIpv4Addr, DataType::kInetProto, DataType::kInetService, DataType::kMark}, kEndpoint);
      ip_groups.insert(ready.size());
      for (size_t i = 0; i < ready.size(); ++i) {
        m.elements[Concat({*cip, proto, netfilter::Port(sp->port), netfilter::U32(i)})] =
            Concat({ready[i].ip, netfilter::Port(ready[i].port)});
        hairpin.elements[Concat({ready[i].ip, ready[i].ip})] = "";
      }
      if (affinity) {
        affinity_timeouts.insert(timeout);
        add_set(AffinityServices(timeout), kServiceKey).elements[svc_key] = "";
      }
    }

    // NodePort.
    if (sp->node_port == 0) continue;
    const Bytes np_key = Concat({proto, netfilter::Port(static_cast<uint16_t>(sp->node_port))});
    if (!seen_nodeports.insert(np_key).second) {
      plan.skipped.push_back(name + ": duplicate nodePort " + std::to_string(sp->node_port));
      continue;
    }
    const bool local_policy = sp->external_traffic_policy == api::TrafficPolicy::kLocal;
    std::vector<Endpoint> targets;
    for (const Endpoint& ep : ready)
      if (!local_policy || ep.local) targets.push_back(ep);
    if (ready.empty()) {
      no_ep_np.elements[np_key] = "";
      continue;
    }
    if (targets.empty()) {
      no_local_np.elements[np_key] = "";
      continue;
    }
    if (!local_policy) np_masq.elements[np_key] = "";
    Set& m = add_set(NodePortsMap(targets.size()), {DataType::kInetProto, DataType::kInetService, DataType::kMark},
                     kEndpoint);
    np_groups.insert(targets.size());
    for (size_t i = 0; i < targets.size(); ++i) {
      m.elements[Concat({proto, netfilter::Port(sp->node_port), netfilter::U32(i)})] =
          Concat({targets[i].ip, netfilter::Port(targets[i].port)});
    }
    if (affinity) {
      affinity_timeouts.insert(timeout);
      add_set(AffinityNodePorts(timeout), kNodePortKey).elements[np_key] = "";
    }
  }

  for (int32_t timeout : affinity_timeouts) {
    Set& m = add_set(AffinityMap(timeout),
                     {DataType::kIpv4Addr, DataType::kIpv4Addr, DataType::kInetProto, DataType::kInetService}, kEndpoint);
    m.flags = netfilter::kSetFlagDynamic | netfilter::kSetFlagTimeout;
    m.timeout_ms = static_cast<uint64_t>(timeout) * 1000;
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
  const Exprs reject_services = Join({ServiceKeyLoads(), {b::LookupSet(Reg32(0), kNoEndpointServices), b::RejectDefault()}});
  const Exprs reject_nodeports = Join({b::FibDaddrLocal(), not_localhost, NodePortKeyLoads(),
                                       {b::LookupSet(Reg32(0), kNoEndpointNodePorts), b::RejectDefault()}});

  Chain& input = chain("filter-input", "filter", NF_INET_LOCAL_IN, -110);
  rule(input, reject_services);
  rule(input, reject_nodeports);
  rule(input, Join({b::FibDaddrLocal(), NodePortKeyLoads(), {b::LookupSet(Reg32(0), kNoLocalEndpointNodePorts), b::Drop()}}));
  Chain& forward = chain("filter-forward", "filter", NF_INET_FORWARD, -110);
  rule(forward, reject_services);
  Chain& output = chain("filter-output", "filter", NF_INET_LOCAL_OUT, -110);
  rule(output, reject_services);
  rule(output, reject_nodeports);

  for (auto [name, hook] : {std::pair{"nat-prerouting", NF_INET_PRE_ROUTING}, std::pair{"nat-output", NF_INET_LOCAL_OUT}}) {
    Chain& c = chain(name, "nat", hook, -100);
    if (!off_cluster.empty())
      rule(c, Join({off_cluster, ServiceKeyLoads(), {b::LookupSet(Reg32(0), kClusterIps)}, b::MarkOr(kMasqueradeMark)}));
    rule(c, Join({b::FibDaddrLocal(), not_localhost, NodePortKeyLoads(), {b::LookupSet(Reg32(0), kNodePortsMasq)},
                  b::MarkOr(kMasqueradeMark)}));
    for (int32_t timeout : affinity_timeouts) {
      rule(c, {b::IpSaddr(Reg32(0)), b::IpDaddr(Reg32(1)), b::L4Proto(Reg32(2)), b::ThDport(Reg32(3)),
               b::LookupMap(Reg32(0), AffinityMap(timeout), Reg32(0)), b::DnatTo(Reg32(0), Reg32(1))});
    }
    for (size_t n : ip_groups) {
      rule(c, Join({ServiceKeyLoads(), {b::NumgenRandom(n, Reg32(3)), b::LookupMap(Reg32(0), ServiceIpsMap(n), Reg32(0)),
                                        b::DnatTo(Reg32(0), Reg32(1))}}));
    }
    for (size_t n : np_groups) {
      rule(c, Join({b::FibDaddrLocal(), not_localhost, NodePortKeyLoads(),
                    {b::NumgenRandom(n, Reg32(2)), b::LookupMap(Reg32(0), NodePortsMap(n), Reg32(0)),
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
  rule(post, Join({b::MarkHas(kMasqueradeMark), {b::MasqueradeFullyRandom()}}));
  rule(post, Join({b::CtStatusDnat(), {b::IpSaddr(Reg32(0)), b::IpDaddr(Reg32(1)), b::LookupSet(Reg32(0), kHairpin),
                                       b::MasqueradeFullyRandom()}}));
  if (config.localhost_nodeports)
    rule(post, Join({b::CtStatusDnat(), *b::IpPrefix(false, "127.0.0.0/8", false), {b::MasqueradeFullyRandom()}}));
  return plan;
}

netfilter::Transaction PlanTransaction(const netfilter::Table* previous, const netfilter::Table& desired) {
  return netfilter::Diff(previous, desired);
}

}  // namespace kubenode::proxy
