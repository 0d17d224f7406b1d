#include "proxy/ruleset_planner.h"

#include <netinet/in.h>
// After netinet/in.h, whose guards keep linux/in.h from redefining it.
#include <linux/netfilter.h>

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <tuple>
#include <map>
#include <set>

#include "base/ipv4.h"
#include "netfilter/diff.h"
#include "netfilter/values.h"
#include "proxy/ruleset_names.h"

namespace kubenode::proxy {

using netfilter::Bytes;
using netfilter::Set;
using netfilter::Table;
using netfilter::AddElements;
using netfilter::DeleteElements;
using namespace names;

namespace {

uint8_t ProtoNumber(api::Protocol p) {
  switch (p) {
    case api::Protocol::kTCP: return IPPROTO_TCP;
    case api::Protocol::kUDP: return IPPROTO_UDP;
    case api::Protocol::kSCTP: return IPPROTO_SCTP;
  }
  return IPPROTO_TCP;
}

}  // namespace

std::string ServiceIpsMap(size_t n) { return "service-ips-" + std::to_string(n); }
std::string NodePortsMap(size_t n) { return "service-nodeports-" + std::to_string(n); }
std::string AffinityMap(int32_t t) { return "affinity-" + std::to_string(t); }

uint32_t SetCapacity(size_t elements) {
  uint32_t c = kMinSetCapacity;
  while (c < 2 * elements && c < (1u << 30)) c <<= 1;
  return c;
}

namespace {

// Builds concatenated keys and data without temporaries: every field is padded to 4 bytes.
class KeyBuilder {
 public:
  KeyBuilder& Ip(uint32_t network_order) { return Put(&network_order, 4); }
  KeyBuilder& Proto(uint8_t p) { return Put(&p, 1); }
  KeyBuilder& Port(uint16_t port) {
    uint16_t be = htons(port);
    return Put(&be, 2);
  }
  KeyBuilder& Index(uint32_t i) { return Put(&i, 4); }
  Bytes Get() const { return Bytes(buf_, n_); }

 private:
  KeyBuilder& Put(const void* p, size_t len) {
    std::memcpy(buf_ + n_, p, len);
    std::memset(buf_ + n_ + len, 0, (4 - len % 4) % 4);
    n_ += (len + 3) / 4 * 4;
    return *this;
  }
  char buf_[24];
  size_t n_ = 0;
};

struct Ep {
  uint32_t ip;  // network order
  uint16_t port;
  bool local;
  bool operator<(const Ep& o) const {
    // Byte order of the address (as the model's Bytes compare), then port.
    uint32_t a = ntohl(ip), b = ntohl(o.ip);
    return std::tie(a, port) < std::tie(b, o.port);
  }
  bool operator==(const Ep& o) const { return ip == o.ip && port == o.port; }
};

// The endpoint IP of a hairpin key (`ip . ip`).
uint32_t HairpinIp(const Bytes& key) {
  uint32_t ip = 0;
  std::memcpy(&ip, key.data(), std::min<size_t>(4, key.size()));
  return ip;
}

}  // namespace

ServiceElements PlanServiceElements(const ServicePortInfo& sp) {
  ServiceElements out;
  const std::optional<uint32_t> cluster_ip = ParseIPv4(sp.cluster_ip);
  if (!cluster_ip || sp.port <= 0 || sp.port > 65535 || sp.node_port < 0 || sp.node_port > 65535) {
    out.skipped.push_back(sp.id.ToString() + ": bad clusterIP or port");
    return out;
  }
  out.valid = true;
  const uint32_t cip = htonl(*cluster_ip);  // network order, as keys hold it
  const uint8_t proto = ProtoNumber(sp.protocol);
  const uint16_t port = static_cast<uint16_t>(sp.port);
  out.service_key = KeyBuilder().Ip(cip).Proto(proto).Port(port).Get();

  std::vector<Ep> ready;
  ready.reserve(sp.endpoints.size());
  for (const EndpointInfo& ep : sp.endpoints) {
    if (!ep.ready) continue;
    const std::optional<uint32_t> ip = ParseIPv4(ep.ip);
    if (!ip || ep.port <= 0 || ep.port > 65535) {
      out.skipped.push_back(sp.id.ToString() + ": bad endpoint " + ep.ip + ":" + std::to_string(ep.port));
      continue;
    }
    ready.push_back({htonl(*ip), static_cast<uint16_t>(ep.port), ep.is_local});
  }
  std::sort(ready.begin(), ready.end());
  ready.erase(std::unique(ready.begin(), ready.end()), ready.end());
  const bool affinity = sp.session_affinity == api::SessionAffinity::kClientIP;
  const int32_t timeout = std::max<int32_t>(1, sp.affinity_timeout_seconds);

  // ClusterIP.
  if (ready.empty()) {
    out.cluster.push_back({kNoEndpointServices, {{out.service_key, ""}}});
  } else {
    out.cluster.push_back({kClusterIps, {{out.service_key, ""}}});
    SetElements m{ServiceIpsMap(ready.size()), {}};
    m.elements.reserve(ready.size());
    out.hairpin.reserve(ready.size());
    for (size_t i = 0; i < ready.size(); ++i) {
      m.elements.emplace_back(KeyBuilder().Ip(cip).Proto(proto).Port(port).Index(static_cast<uint32_t>(i)).Get(),
                              KeyBuilder().Ip(ready[i].ip).Port(ready[i].port).Get());
      out.hairpin.push_back(KeyBuilder().Ip(ready[i].ip).Ip(ready[i].ip).Get());
    }
    out.cluster.push_back(std::move(m));
    out.ip_group = ready.size();
    if (affinity) {
      out.cluster_affinity = timeout;
      out.cluster.push_back({AffinityServices(timeout), {{out.service_key, ""}}});
    }
  }

  // NodePort.
  if (sp.node_port == 0) return out;
  const uint16_t node_port = static_cast<uint16_t>(sp.node_port);
  out.nodeport_key = KeyBuilder().Proto(proto).Port(node_port).Get();
  const bool local_policy = sp.external_traffic_policy == api::TrafficPolicy::kLocal;
  std::vector<Ep> targets;
  for (const Ep& ep : ready)
    if (!local_policy || ep.local) targets.push_back(ep);
  if (ready.empty()) {
    out.nodeport.push_back({kNoEndpointNodePorts, {{out.nodeport_key, ""}}});
    return out;
  }
  if (targets.empty()) {
    out.nodeport.push_back({kNoLocalEndpointNodePorts, {{out.nodeport_key, ""}}});
    return out;
  }
  if (!local_policy) out.nodeport.push_back({kNodePortsMasq, {{out.nodeport_key, ""}}});
  SetElements m{NodePortsMap(targets.size()), {}};
  m.elements.reserve(targets.size());
  for (size_t i = 0; i < targets.size(); ++i) {
    m.elements.emplace_back(KeyBuilder().Proto(proto).Port(node_port).Index(static_cast<uint32_t>(i)).Get(),
                            KeyBuilder().Ip(targets[i].ip).Port(targets[i].port).Get());
  }
  out.nodeport.push_back(std::move(m));
  out.np_group = targets.size();
  if (affinity) {
    out.nodeport_affinity = timeout;
    out.nodeport.push_back({AffinityNodePorts(timeout), {{out.nodeport_key, ""}}});
  }
  return out;
}

Result<Plan> IncrementalPlanner::PlanAll(const std::vector<ServicePortInfo>& services) {
  Reset();
  Plan plan;
  std::vector<const ServicePortInfo*> sorted;
  sorted.reserve(services.size());
  for (const ServicePortInfo& s : services) sorted.push_back(&s);
  std::stable_sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) {
    return std::tie(a->id, a->protocol) < std::tie(b->id, b->protocol);
  });

  // Each set's elements, gathered, then sorted once so that the maps are built from sorted input.
  std::map<std::string, std::vector<std::pair<Bytes, Bytes>>> by_set;
  service_keys_.reserve(sorted.size());
  hairpin_.reserve(sorted.size() * 4);
  for (const ServicePortInfo* sp : sorted) {
    ServiceElements e = PlanServiceElements(*sp);
    for (std::string& s : e.skipped) plan.skipped.push_back(std::move(s));
    e.skipped.clear();
    if (!e.valid) continue;
    const std::string name = sp->id.ns + "/" + sp->id.name;
    if (!service_keys_.insert(e.service_key).second) {
      plan.skipped.push_back(sp->id.ToString() + ": duplicate " + sp->cluster_ip + ":" + std::to_string(sp->port));
      conflicts_ = true;
      continue;
    }
    if (!e.nodeport_key.empty() && !nodeport_keys_.insert(e.nodeport_key).second) {
      plan.skipped.push_back(sp->id.ToString() + ": duplicate nodePort " + std::to_string(sp->node_port));
      conflicts_ = true;
      e.nodeport_key.clear();
      e.nodeport.clear();
      e.np_group = 0;
      e.nodeport_affinity = 0;
    }
    Add(e, +1);
    for (auto* part : {&e.cluster, &e.nodeport}) {
      for (SetElements& s : *part) {
        auto& v = by_set[s.set];
        for (auto& kv : s.elements) v.push_back(std::move(kv));
      }
    }
    ports_[name].push_back(*sp);
  }
  groups_ = CurrentGroups();
  Result<Table> table = PlanStatic(groups_, config_);
  if (!table.ok()) {
    Reset();
    return table.status();
  }
  plan.table = std::move(*table);
  Table& t = plan.table;
  {
    auto& v = by_set[kHairpin];
    v.reserve(hairpin_.size());
    for (const auto& [ip, count] : hairpin_) v.emplace_back(KeyBuilder().Ip(ip).Ip(ip).Get(), "");
  }
  for (auto& [name, v] : by_set) {
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    Set& set = t.sets.at(name);
    for (auto& kv : v) set.elements.emplace_hint(set.elements.end(), std::move(kv.first), std::move(kv.second));
    set.size = SetCapacity(set.elements.size());
  }
  has_state_ = true;
  return plan;
}

void IncrementalPlanner::Reset() {
  has_state_ = false;
  conflicts_ = false;
  ports_.clear();
  service_keys_.clear();
  nodeport_keys_.clear();
  hairpin_.clear();
  ip_groups_.clear();
  np_groups_.clear();
  affinity_.clear();
  groups_ = Groups{};
}

void IncrementalPlanner::Add(const ServiceElements& e, int sign) {
  auto bump = [sign](auto& counts, auto key) {
    if (!key) return;
    if ((counts[key] += sign) == 0) counts.erase(key);
  };
  bump(ip_groups_, e.ip_group);
  bump(np_groups_, e.np_group);
  bump(affinity_, e.cluster_affinity);
  bump(affinity_, e.nodeport_affinity);
  for (const Bytes& k : e.hairpin) {
    const uint32_t ip = HairpinIp(k);
    int& n = hairpin_[ip];
    n += sign;
    if (n == 0) hairpin_.erase(ip);
  }
}

Groups IncrementalPlanner::CurrentGroups() const {
  Groups g;
  for (const auto& [n, count] : ip_groups_) g.ip.insert(n);
  for (const auto& [n, count] : np_groups_) g.np.insert(n);
  for (const auto& [t, count] : affinity_) g.affinity.insert(t);
  return g;
}

Result<IncrementalPlanner::Change> IncrementalPlanner::PlanChanges(const std::vector<ServicePortInfo>& services,
                                                                   const std::set<std::string>& changed) {
  Change change;
  if (!has_state_ || conflicts_) {
    change.needs_full = true;
    return change;
  }
  // The new contributions of the changed Services, and the old ones they replace (recomputed from what was
  // planned for them).
  std::vector<std::pair<std::string, std::vector<Port>>> fresh;
  std::map<std::string, std::vector<Port>> olds;
  for (const std::string& name : changed) {
    auto it = ports_.find(name);
    if (it == ports_.end()) continue;
    std::vector<Port>& o = olds[name];
    for (const ServicePortInfo& info : it->second) o.push_back(Port{info, PlanServiceElements(info)});
  }
  std::unordered_set<Bytes> old_service_keys, old_nodeport_keys, new_service_keys, new_nodeport_keys;
  for (const std::string& name : changed) {
    auto slash = name.find('/');
    if (slash == std::string::npos) continue;
    const std::string ns = name.substr(0, slash), svc = name.substr(slash + 1);
    if (auto it = olds.find(name); it != olds.end()) {
      for (const Port& p : it->second) {
        old_service_keys.insert(p.elements.service_key);
        if (!p.elements.nodeport_key.empty()) old_nodeport_keys.insert(p.elements.nodeport_key);
      }
    }
    auto first = std::lower_bound(services.begin(), services.end(), std::tie(ns, svc),
                                  [](const ServicePortInfo& s, const auto& key) {
                                    return std::tie(s.id.ns, s.id.name) < key;
                                  });
    std::vector<const ServicePortInfo*> mine;
    for (auto it = first; it != services.end() && it->id.ns == ns && it->id.name == svc; ++it) mine.push_back(&*it);
    std::stable_sort(mine.begin(), mine.end(), [](auto* a, auto* b) {
      return std::tie(a->id, a->protocol) < std::tie(b->id, b->protocol);
    });
    std::vector<Port> ports;
    for (const ServicePortInfo* sp : mine) {
      ServiceElements e = PlanServiceElements(*sp);
      for (std::string& s : e.skipped) change.skipped.push_back(std::move(s));
      e.skipped.clear();
      ++change.services;
      if (!e.valid) continue;
      if (!new_service_keys.insert(e.service_key).second) {
        change.needs_full = true;
        return change;
      }
      if (!e.nodeport_key.empty() && !new_nodeport_keys.insert(e.nodeport_key).second) {
        change.needs_full = true;
        return change;
      }
      ports.push_back(Port{*sp, std::move(e)});
    }
    fresh.emplace_back(name, std::move(ports));
  }
  // A key another (unchanged) Service port holds: which one wins is decided over all of them.
  for (const Bytes& k : new_service_keys)
    if (service_keys_.count(k) && !old_service_keys.count(k)) return Change{.needs_full = true};
  for (const Bytes& k : new_nodeport_keys)
    if (nodeport_keys_.count(k) && !old_nodeport_keys.count(k)) return Change{.needs_full = true};

  // Old and new elements of every touched set, then the difference.
  std::map<std::string, std::pair<std::map<Bytes, Bytes>, std::map<Bytes, Bytes>>> touched;
  std::unordered_map<Bytes, int> hairpin_delta;
  auto collect = [&](const ServiceElements& e, bool is_new) {
    for (const auto* part : {&e.cluster, &e.nodeport})
      for (const SetElements& s : *part) {
        auto& side = is_new ? touched[s.set].second : touched[s.set].first;
        for (const auto& [k, d] : s.elements) side[k] = d;
      }
    for (const Bytes& k : e.hairpin) hairpin_delta[k] += is_new ? 1 : -1;
  };
  for (const auto& [name, ports] : fresh) {
    if (auto it = olds.find(name); it != olds.end())
      for (const Port& p : it->second) collect(p.elements, false);
    for (const Port& p : ports) collect(p.elements, true);
  }
  // Hairpin keys are shared: an element goes when its last user goes, comes with its first.
  DeleteElements hairpin_del{kHairpin, {}, false};
  AddElements hairpin_add{kHairpin, {}};
  for (const auto& [k, d] : hairpin_delta) {
    if (d == 0) continue;
    auto it = hairpin_.find(HairpinIp(k));
    int before = it == hairpin_.end() ? 0 : it->second;
    int after = before + d;
    if (before > 0 && after == 0) hairpin_del.keys.push_back(k);
    if (before == 0 && after > 0) hairpin_add.elements.emplace_back(k, "");
  }
  // Now the remembered state.
  for (auto& [name, ports] : fresh) {
    if (auto it = olds.find(name); it != olds.end()) {
      for (const Port& p : it->second) {
        Add(p.elements, -1);
        service_keys_.erase(p.elements.service_key);
        if (!p.elements.nodeport_key.empty()) nodeport_keys_.erase(p.elements.nodeport_key);
      }
      ports_.erase(name);
    }
    std::vector<ServicePortInfo> infos;
    infos.reserve(ports.size());
    for (Port& p : ports) {
      Add(p.elements, +1);
      service_keys_.insert(p.elements.service_key);
      if (!p.elements.nodeport_key.empty()) nodeport_keys_.insert(p.elements.nodeport_key);
      infos.push_back(std::move(p.info));
    }
    if (!infos.empty()) ports_[name] = std::move(infos);
  }
  std::sort(hairpin_del.keys.begin(), hairpin_del.keys.end());
  std::sort(hairpin_add.elements.begin(), hairpin_add.elements.end());
  if (!hairpin_del.keys.empty()) change.deletes.push_back(std::move(hairpin_del));
  if (!hairpin_add.elements.empty()) change.adds.push_back(std::move(hairpin_add));

  for (const auto& [set, sides] : touched) {
    const auto& [before, after] = sides;
    DeleteElements del{set, {}, false};
    AddElements add{set, {}};
    auto bi = before.begin();
    auto ai = after.begin();
    while (bi != before.end() || ai != after.end()) {
      if (ai == after.end() || (bi != before.end() && bi->first < ai->first)) {
        del.keys.push_back(bi->first);
        ++bi;
      } else if (bi == before.end() || ai->first < bi->first) {
        add.elements.emplace_back(ai->first, ai->second);
        ++ai;
      } else {
        if (bi->second != ai->second) {
          del.keys.push_back(bi->first);
          add.elements.emplace_back(ai->first, ai->second);
        }
        ++bi;
        ++ai;
      }
    }
    if (!del.keys.empty()) change.deletes.push_back(std::move(del));
    if (!add.elements.empty()) change.adds.push_back(std::move(add));
  }

  Groups groups = CurrentGroups();
  if (!(groups == groups_)) {
    Result<Table> t = PlanStatic(groups, config_);
    if (!t.ok()) {
      Reset();
      return t.status();
    }
    change.static_table = std::move(*t);
    groups_ = std::move(groups);
  }
  return change;
}

Result<Plan> PlanRuleset(const std::vector<ServicePortInfo>& services, const PlannerConfig& config) {
  IncrementalPlanner planner(config);
  return planner.PlanAll(services);
}

netfilter::Transaction PlanTransaction(const netfilter::Table* previous, const netfilter::Table& desired) {
  return netfilter::Diff(previous, desired);
}

}  // namespace kubenode::proxy
