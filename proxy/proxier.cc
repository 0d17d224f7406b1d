#include "proxy/proxier.h"

#include <linux/netfilter.h>
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <tuple>

#include "base/log.h"
#include "netfilter/diff.h"

namespace kubenode::proxy {
namespace {

using Endpoints = std::map<ServicePortName, std::set<std::pair<std::string, int32_t>>>;

// Ready endpoints of `s` (of any protocol unless `udp_only`).
void AddReadyEndpoints(const ServicePortInfo& s, Endpoints& out, bool udp_only = true) {
  if (udp_only && s.protocol != api::Protocol::kUDP) return;
  auto& eps = out[s.id];
  for (const EndpointInfo& e : s.endpoints)
    if (e.ready) eps.insert({e.ip, e.port});
}

double Since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

bool ChangesRules(const netfilter::Transaction& tx) {
  for (const netfilter::Op& op : tx.ops) {
    if (std::holds_alternative<netfilter::AddRule>(op) || std::holds_alternative<netfilter::DeleteRule>(op) ||
        std::holds_alternative<netfilter::DeleteTable>(op))
      return true;
  }
  return false;
}

// Keeps the live size of every set whose elements still fit, so that a replan or a takeover does not recreate
// sets only to resize them (see SetCapacity).
void AdoptSizes(const netfilter::Table& current, netfilter::Table& desired) {
  for (auto& [name, d] : desired.sets) {
    auto it = current.sets.find(name);
    if (it == current.sets.end() || d.IsDynamic()) continue;
    if (it->second.size != 0 && it->second.size >= d.elements.size()) d.size = it->second.size;
  }
}

}  // namespace

Proxier::Proxier(netfilter::Backend& backend, PlannerConfig config, Conntrack* conntrack)
    : backend_(backend), config_(std::move(config)), conntrack_(conntrack), planner_(config_) {}

Status Proxier::Sync(const std::vector<ServicePortInfo>& services) {
  if (needs_full_resync_ || !applied_) return FullResync(services);
  return SyncAll(services);
}

Status Proxier::ApplyTransaction(const netfilter::Transaction& tx) {
  if (tx.empty()) return {};
  const auto t0 = std::chrono::steady_clock::now();
  Status s = backend_.Apply(tx);
  stats_.apply_s = Since(t0);
  if (s.ok()) return {};
  // The kernel rolled the whole transaction back; what is there is unknown to us until we read it.
  needs_full_resync_ = true;
  planner_.Reset();
  Logger("proxy")->error("sync of table {} failed, keeping the previous ruleset: {}", config_.table, s.message());
  return s.WithContext("sync proxy rules");
}

Status Proxier::SyncAll(const std::vector<ServicePortInfo>& services) {
  const auto t0 = std::chrono::steady_clock::now();
  Result<Plan> plan = planner_.PlanAll(services);
  timing_.plan_s = Since(t0);
  if (!plan.ok()) return plan.status().WithContext("plan proxy ruleset");
  for (const std::string& s : plan->skipped) Logger("proxy")->warn("skipping {}", s);
  return Commit(&*applied_, std::move(plan->table), services, false);
}

Status Proxier::FullResync(const std::vector<ServicePortInfo>& services) {
  // The live table first: when there is none (a fresh node), the plan is applied as it is, with no diff.
  auto t0 = std::chrono::steady_clock::now();
  auto live = backend_.Dump(NFPROTO_IPV4, config_.table);
  timing_.dump_s = Since(t0);
  if (!live.ok()) {
    needs_full_resync_ = true;
    Logger("proxy")->error("full resync: {}", live.status().message());
    return live.status().WithContext("full resync");
  }
  t0 = std::chrono::steady_clock::now();
  Result<Plan> plan = planner_.PlanAll(services);
  timing_.plan_s = Since(t0);
  if (!plan.ok()) return plan.status().WithContext("plan proxy ruleset");
  for (const std::string& s : plan->skipped) Logger("proxy")->warn("skipping {}", s);
  return Commit(live->has_value() ? &**live : nullptr, std::move(plan->table), services, true);
}

Status Proxier::RepairDrift() {
  if (needs_full_resync_ || !applied_) return Status();
  const auto t0 = std::chrono::steady_clock::now();
  auto live = backend_.Dump(NFPROTO_IPV4, config_.table);
  if (!live.ok()) {
    needs_full_resync_ = true;
    planner_.Reset();
    return live.status().WithContext("check proxy rules");
  }
  const netfilter::Table* current = live->has_value() ? &**live : nullptr;
  netfilter::Transaction tx = netfilter::Diff(current, *applied_);
  live = std::optional<netfilter::Table>();
  malloc_trim(0);  // the live copy was as big as the model (see Commit)
  stats_ = SyncStats{};
  stats_.dump_s = Since(t0);
  stats_.element_ops = tx.ElementOps();
  stats_.other_ops = tx.NonElementOps();
  stats_.drift_ops = tx.ops.size();
  if (tx.empty()) return Status();
  Logger("proxy")->warn("table {} differs from the applied ruleset ({} element ops, {} other ops): repairing",
                        config_.table, stats_.element_ops, stats_.other_ops);
  if (Status s = ApplyTransaction(tx); !s.ok()) return s;
  if (!ChangesRules(tx)) return Status();
  return ReadBackRules();
}

Status Proxier::Sync(const std::vector<ServicePortInfo>& services, const std::set<std::string>& changed) {
  if (needs_full_resync_ || !applied_ || !planner_.has_state()) return FullResync(services);
  return SyncChanges(services, changed, [&]() -> const std::vector<ServicePortInfo>& { return services; });
}

Status Proxier::Sync(const PortsByService& services, const std::set<std::string>& changed) {
  std::optional<std::vector<ServicePortInfo>> flat;
  auto all = [&]() -> const std::vector<ServicePortInfo>& {
    if (!flat) {
      flat.emplace();
      for (const auto& [key, ports] : services)
        if (ports) flat->insert(flat->end(), ports->begin(), ports->end());
    }
    return *flat;
  };
  if (needs_full_resync_ || !applied_ || !planner_.has_state()) return FullResync(all());
  std::vector<ServicePortInfo> mine;
  for (const std::string& name : changed) {
    auto it = services.find(name);
    if (it != services.end() && it->second) mine.insert(mine.end(), it->second->begin(), it->second->end());
  }
  // `changed` is in string order ("a-b/x" before "a/x"); the planner looks Services up in id order.
  std::sort(mine.begin(), mine.end(), [](const ServicePortInfo& a, const ServicePortInfo& b) {
    return std::tie(a.id, a.protocol, a.port) < std::tie(b.id, b.protocol, b.port);
  });
  return SyncChanges(mine, changed, all);
}

Status Proxier::SyncChanges(const std::vector<ServicePortInfo>& services, const std::set<std::string>& changed,
                            const std::function<const std::vector<ServicePortInfo>&()>& all) {
  if (changed.empty()) {
    stats_ = SyncStats{};
    stats_.incremental = true;
    return Status();
  }
  auto t0 = std::chrono::steady_clock::now();
  Result<IncrementalPlanner::Change> change = planner_.PlanChanges(services, changed);
  const double plan_s = Since(t0);
  if (!change.ok()) {
    needs_full_resync_ = true;
    return change.status().WithContext("plan proxy ruleset");
  }
  if (change->needs_full) return SyncAll(all());
  for (const std::string& s : change->skipped) Logger("proxy")->warn("skipping {}", s);

  netfilter::Transaction tx{NFPROTO_IPV4, config_.table, {}};
  if (change->static_table) {
    // The groups changed: diff the definitions and rules alone (no elements on either side).
    netfilter::Table skeleton{applied_->family, applied_->name, applied_->chains, {}};
    for (const auto& [name, set] : applied_->sets) {
      netfilter::Set def;
      def.name = set.name;
      def.key = set.key;
      def.data = set.data;
      def.flags = set.flags;
      def.timeout_ms = set.timeout_ms;
      def.size = set.size;
      skeleton.sets.emplace(name, std::move(def));
    }
    AdoptSizes(skeleton, *change->static_table);
    tx = netfilter::Diff(&skeleton, *change->static_table);
    // A definition changed in place (not expected: definitions depend on names only): the table would be
    // recreated, so its elements must come with it.
    for (const netfilter::Op& op : tx.ops)
      if (std::holds_alternative<netfilter::DeleteTable>(op)) return SyncAll(all());
  }
  // A set about to outgrow its size is recreated bigger: plan everything (the table is then rebuilt in one
  // transaction).
  std::map<std::string, int64_t> growth;
  for (const netfilter::DeleteElements& d : change->deletes) growth[d.set] -= static_cast<int64_t>(d.keys.size());
  for (const netfilter::AddElements& a : change->adds) growth[a.set] += static_cast<int64_t>(a.elements.size());
  for (const auto& [name, delta] : growth) {
    if (delta <= 0) continue;
    const netfilter::Set* set = nullptr;
    if (change->static_table && change->static_table->sets.count(name)) set = &change->static_table->sets.at(name);
    auto it = applied_->sets.find(name);
    const int64_t have = it == applied_->sets.end() ? 0 : static_cast<int64_t>(it->second.elements.size());
    if (!set && it != applied_->sets.end()) set = &it->second;
    if (set && set->size != 0 && have + delta > static_cast<int64_t>(set->size)) {
      Logger("proxy")->info("set {} outgrows its size {}: replanning the table", name, set->size);
      return SyncAll(all());
    }
  }
  for (netfilter::DeleteElements& d : change->deletes) {
    // Elements of a set deleted in the same transaction go with it.
    if (change->static_table && !change->static_table->sets.count(d.set)) continue;
    tx.ops.push_back(d);
  }
  for (netfilter::AddElements& a : change->adds) tx.ops.push_back(a);
  netfilter::OrderOps(tx);
  stats_ = SyncStats{false, true, change->services, tx.ElementOps(), tx.NonElementOps()};
  stats_.plan_s = plan_s;
  stats_.diff_s = Since(t0) - plan_s;

  if (Status s = ApplyTransaction(tx); !s.ok()) return s;
  // What is in the kernel now.
  for (const netfilter::DeleteElements& d : change->deletes) {
    auto it = applied_->sets.find(d.set);
    if (it == applied_->sets.end()) continue;
    for (const netfilter::Bytes& k : d.keys) it->second.elements.erase(k);
  }
  if (change->static_table) {
    for (auto it = applied_->sets.begin(); it != applied_->sets.end();)
      it = change->static_table->sets.count(it->first) ? std::next(it) : applied_->sets.erase(it);
    for (auto& [name, def] : change->static_table->sets) applied_->sets.try_emplace(name, std::move(def));
  }
  for (netfilter::AddElements& a : change->adds) {
    auto& elements = applied_->sets[a.set].elements;
    for (auto& [k, d] : a.elements) elements[std::move(k)] = std::move(d);
  }
  if (ChangesRules(tx)) {
    t0 = std::chrono::steady_clock::now();
    if (Status s = ReadBackRules(); !s.ok()) return s;
    stats_.readback_s = Since(t0);
  }

  // Conntrack: only the changed Services' UDP endpoints can have gone.
  UdpEndpoints before, after, after_any;
  for (const std::string& name : changed) {
    auto slash = name.find('/');
    if (slash == std::string::npos) continue;
    const std::string ns = name.substr(0, slash), svc = name.substr(slash + 1);
    for (auto it = udp_endpoints_.lower_bound(ServicePortName{ns, svc, ""});
         it != udp_endpoints_.end() && it->first.ns == ns && it->first.name == svc;) {
      before.insert(udp_endpoints_.extract(it++));
    }
    auto first = std::lower_bound(services.begin(), services.end(), std::tie(ns, svc),
                                  [](const ServicePortInfo& s, const auto& key) {
                                    return std::tie(s.id.ns, s.id.name) < key;
                                  });
    for (auto it = first; it != services.end() && it->id.ns == ns && it->id.name == svc; ++it) {
      AddReadyEndpoints(*it, after);
      if (before.count(it->id)) AddReadyEndpoints(*it, after_any, false);
    }
  }
  if (conntrack_) CleanupConntrack(before, after_any);
  udp_endpoints_.merge(after);
  Logger("proxy")->debug("synced table {}: {} changed services, {} element ops, {} other ops", config_.table,
                         changed.size(), stats_.element_ops, stats_.other_ops);
  return Status();
}

Status Proxier::ReadBackRules() {
  // Rule handles are assigned by the kernel (cheap: no elements).
  auto rules = backend_.Dump(NFPROTO_IPV4, config_.table, /*elements=*/false);
  if (!rules.ok() || !rules->has_value()) {
    needs_full_resync_ = true;
    applied_.reset();
    planner_.Reset();
    Status s = rules.ok() ? Status::Error("table " + config_.table + " vanished after sync") : rules.status();
    Logger("proxy")->error("reading back rule handles: {}", s.message());
    return s.WithContext("read back proxy rules");
  }
  applied_->chains = std::move((*rules)->chains);
  return Status();
}

Status Proxier::Commit(const netfilter::Table* current, netfilter::Table desired,
                       const std::vector<ServicePortInfo>& services, bool full) {
  auto t0 = std::chrono::steady_clock::now();
  if (current) AdoptSizes(*current, desired);
  netfilter::Transaction tx = netfilter::Diff(current, desired);
  timing_.diff_s = Since(t0);
  stats_ = SyncStats{full, false, services.size(), tx.ElementOps(), tx.NonElementOps()};
  stats_.dump_s = full ? timing_.dump_s : 0;
  stats_.plan_s = timing_.plan_s;
  stats_.diff_s = timing_.diff_s;
  if (Status s = ApplyTransaction(tx); !s.ok()) return s;
  const bool rules_changed = ChangesRules(tx);
  if (!rules_changed && current) desired.chains = current->chains;  // same rules, with their handles
  applied_ = std::move(desired);
  if (rules_changed) {
    t0 = std::chrono::steady_clock::now();
    if (Status s = ReadBackRules(); !s.ok()) return s;
    stats_.readback_s = Since(t0);
  }
  UdpEndpoints now, now_any;
  for (const ServicePortInfo& s : services) {
    AddReadyEndpoints(s, now);
    if (udp_endpoints_.count(s.id)) AddReadyEndpoints(s, now_any, false);
  }
  if (conntrack_) CleanupConntrack(udp_endpoints_, now_any);
  udp_endpoints_ = std::move(now);
  needs_full_resync_ = false;
  // A full plan, its transaction and (on a resync) the live table's copy were freed just now: give the pages
  // back to the system, or the process keeps the peak of the largest full sync for good.
  tx = {};
  malloc_trim(0);
  Logger("proxy")->debug("synced table {}: {} element ops, {} other ops{}", config_.table, stats_.element_ops,
                         stats_.other_ops, full ? " (full resync)" : "");
  return Status();
}

void Proxier::CleanupConntrack(const UdpEndpoints& before, const UdpEndpoints& after) {
  // UDP endpoints that were ready before this sync and are not any more, per service port.
  std::set<std::pair<std::string, int32_t>> gone;
  for (const auto& [id, eps] : before) {
    auto it = after.find(id);
    for (const auto& ep : eps)
      if (it == after.end() || !it->second.count(ep)) gone.insert(ep);
  }
  for (const auto& [ip, port] : gone) {
    Result<int> n = conntrack_->DeleteUdpToEndpoint(ip, static_cast<uint16_t>(port));
    if (!n.ok()) Logger("proxy")->warn("{}", n.status().message());
  }
}

Status Proxier::Cleanup() {
  auto live = backend_.Dump(NFPROTO_IPV4, config_.table, /*elements=*/false);
  if (!live.ok()) return live.status().WithContext("cleanup");
  applied_.reset();
  planner_.Reset();
  needs_full_resync_ = true;
  if (!live->has_value()) return Status();
  netfilter::Transaction tx{NFPROTO_IPV4, config_.table, {netfilter::DeleteTable{}}};
  return backend_.Apply(tx).WithContext("cleanup");
}

}  // namespace kubenode::proxy
