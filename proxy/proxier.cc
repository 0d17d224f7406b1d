#include "proxy/proxier.h"

#include <linux/netfilter.h>

#include <map>
#include <set>

#include "base/log.h"
#include "netfilter/diff.h"

namespace kubenode::proxy {

Proxier::Proxier(netfilter::Backend& backend, PlannerConfig config, Conntrack* conntrack)
    : backend_(backend), config_(std::move(config)), conntrack_(conntrack) {}

Status Proxier::Sync(const std::vector<ServicePortInfo>& services) {
  if (needs_full_resync_ || !applied_) return FullResync(services);
  Result<Plan> plan = PlanRuleset(services, config_);
  if (!plan.ok()) return plan.status().WithContext("plan proxy ruleset");
  for (const std::string& s : plan->skipped) Logger("proxy")->warn("skipping {}", s);
  return Commit(&*applied_, std::move(plan->table), services, false);
}

Status Proxier::FullResync(const std::vector<ServicePortInfo>& services) {
  Result<Plan> plan = PlanRuleset(services, config_);
  if (!plan.ok()) return plan.status().WithContext("plan proxy ruleset");
  for (const std::string& s : plan->skipped) Logger("proxy")->warn("skipping {}", s);
  auto live = backend_.Dump(NFPROTO_IPV4, config_.table);
  if (!live.ok()) {
    needs_full_resync_ = true;
    Logger("proxy")->error("full resync: {}", live.status().message());
    return live.status().WithContext("full resync");
  }
  return Commit(live->has_value() ? &**live : nullptr, std::move(plan->table), services, true);
}

Status Proxier::Commit(const netfilter::Table* current, netfilter::Table desired,
                       const std::vector<ServicePortInfo>& services, bool full) {
  netfilter::Transaction tx = netfilter::Diff(current, desired);
  stats_ = SyncStats{full, tx.ElementOps(), tx.NonElementOps()};
  if (!tx.empty()) {
    if (Status s = backend_.Apply(tx); !s.ok()) {
      // The kernel rolled the whole transaction back; what is there is unknown to us until we read it.
      needs_full_resync_ = true;
      Logger("proxy")->error("sync of table {} failed, keeping the previous ruleset: {}", config_.table, s.message());
      return s.WithContext("sync proxy rules");
    }
  }
  // Rule handles are assigned by the kernel: read them back when rules changed (cheap: no elements).
  bool rules_changed = false;
  for (const netfilter::Op& op : tx.ops) {
    if (std::holds_alternative<netfilter::AddRule>(op) || std::holds_alternative<netfilter::DeleteRule>(op) ||
        std::holds_alternative<netfilter::DeleteTable>(op))
      rules_changed = true;
  }
  if (rules_changed) {
    auto rules = backend_.Dump(NFPROTO_IPV4, config_.table, /*elements=*/false);
    if (!rules.ok() || !rules->has_value()) {
      needs_full_resync_ = true;
      applied_.reset();
      Status s = rules.ok() ? Status::Error("table " + config_.table + " vanished after sync") : rules.status();
      Logger("proxy")->error("reading back rule handles: {}", s.message());
      return s.WithContext("read back proxy rules");
    }
    desired.chains = (*rules)->chains;
  } else if (current) {
    desired.chains = current->chains;  // same rules, with their handles
  }
  if (conntrack_) CleanupConntrack(services);
  applied_ = std::move(desired);
  applied_services_ = services;
  needs_full_resync_ = false;
  Logger("proxy")->debug("synced table {}: {} element ops, {} other ops{}", config_.table, stats_.element_ops,
                         stats_.other_ops, full ? " (full resync)" : "");
  return Status();
}

void Proxier::CleanupConntrack(const std::vector<ServicePortInfo>& services) {
  // UDP endpoints that were ready before this sync and are not any more, per service port.
  std::map<ServicePortName, std::set<std::pair<std::string, int32_t>>> now;
  for (const ServicePortInfo& s : services)
    for (const EndpointInfo& e : s.endpoints)
      if (e.ready) now[s.id].insert({e.ip, e.port});
  std::set<std::pair<std::string, int32_t>> gone;
  for (const ServicePortInfo& s : applied_services_) {
    if (s.protocol != api::Protocol::kUDP) continue;
    for (const EndpointInfo& e : s.endpoints)
      if (e.ready && !now[s.id].count({e.ip, e.port})) gone.insert({e.ip, e.port});
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
  needs_full_resync_ = true;
  if (!live->has_value()) return Status();
  netfilter::Transaction tx{NFPROTO_IPV4, config_.table, {netfilter::DeleteTable{}}};
  return backend_.Apply(tx).WithContext("cleanup");
}

}  // namespace kubenode::proxy
