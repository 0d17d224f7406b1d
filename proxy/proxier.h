// The proxy's sync loop object. Sync(services, changed) replans only the Services named in `changed` and
// commits their element changes (plus rule changes when the set of endpoint-count groups changed) as ONE
// transaction through the Backend: its cost follows the changed Services, not the table size.
// Sync(services) replans everything and diffs it against what was last applied. On failure the kernel keeps the old ruleset (the
// transaction is atomic), the error names the failing object, and the next Sync does a full resync: read the
// live table, diff, apply the difference — also how a new process takes over a table left by an earlier one,
// with no flush-then-rebuild gap. Not thread-safe: one caller (the proxy's sync thread).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "netfilter/backend.h"
#include "proxy/conntrack.h"
#include "proxy/ruleset_planner.h"
#include "proxy/service_change_tracker.h"

namespace kubenode::proxy {

struct SyncStats {
  bool full_resync = false;
  bool incremental = false;    // planned from the changed Services only
  size_t planned_services = 0;  // Service ports planned
  size_t element_ops = 0;
  size_t other_ops = 0;  // chains, sets, rules, tables
  size_t drift_ops = 0;  // RepairDrift: ops that put back what changed behind the proxy's back
  // Where the time went, in seconds: reading the live table (full resync), planning, diffing, the kernel
  // transaction (Apply), reading back rule handles.
  double dump_s = 0, plan_s = 0, diff_s = 0, apply_s = 0, readback_s = 0;
};

class Proxier {
 public:
  // `conntrack` may be null (no UDP conntrack cleanup).
  Proxier(netfilter::Backend& backend, PlannerConfig config, Conntrack* conntrack = nullptr);

  // Brings the kernel to the state for `services`. The first call, and the first after a failure, is a full
  // resync.
  Status Sync(const std::vector<ServicePortInfo>& services);
  // The same for a caller that knows which Services changed since its previous Sync ("namespace/name", as
  // ServiceSnapshot::changed; deleted Services included). `services` is every Service port, sorted by id (as
  // ServiceSnapshot::ports). Only the changed Services are replanned; a first sync, a sync after a failure, or
  // a change touching a ClusterIP:port or NodePort claimed twice falls back to full planning.
  Status Sync(const std::vector<ServicePortInfo>& services, const std::set<std::string>& changed);
  // The same with every Service port given per Service (as ServiceSnapshot::ports.by_service()): an
  // incremental sync reads only the changed Services' entries, so its cost does not grow with the number of
  // Services; a full sync (first, after a failure, or a fallback) flattens the map first.
  Status Sync(const PortsByService& services, const std::set<std::string>& changed);
  // Reads the live table and applies only what differs from the desired state.
  Status FullResync(const std::vector<ServicePortInfo>& services);
  // The periodic re-check (every syncPeriod): reads the live table and repairs whatever differs from what was
  // last applied (elements or rules deleted or added behind the proxy's back; dynamic affinity entries are not
  // compared). Nothing to compare before a first successful sync or while a full resync is due (the next Sync
  // reads the live table anyway). last_stats().drift_ops counts the repairs.
  Status RepairDrift();
  // Deletes the proxy's table, if present (for --cleanup). Nothing else is touched.
  Status Cleanup();

  bool needs_full_resync() const { return needs_full_resync_; }
  // The next Sync reads the live table and plans everything (the caller lost track, e.g. a sync threw).
  void ForceFullResync() { needs_full_resync_ = true; }
  const SyncStats& last_stats() const { return stats_; }
  // What the proxier believes is in the kernel (nullopt before the first successful sync).
  const std::optional<netfilter::Table>& applied() const { return applied_; }

 private:
  // Applies `tx` (if not empty); on failure forgets what it believed was applied, so the next sync is full.
  Status ApplyTransaction(const netfilter::Transaction& tx);
  using UdpEndpoints = std::map<ServicePortName, std::set<std::pair<std::string, int32_t>>>;
  Status SyncAll(const std::vector<ServicePortInfo>& services);
  // Sync(services, changed) past the full-resync check: `changed_ports` holds at least the changed Services'
  // ports, sorted by id; `all` gives every port (sorted by id) for the fallbacks to full planning.
  Status SyncChanges(const std::vector<ServicePortInfo>& changed_ports, const std::set<std::string>& changed,
                     const std::function<const std::vector<ServicePortInfo>&()>& all);
  Status Commit(const netfilter::Table* current, netfilter::Table desired, const std::vector<ServicePortInfo>& services,
                bool full);
  Status ReadBackRules();
  // Deletes UDP conntrack entries of endpoints in `before` that are not in `after` (same Service port, any
  // protocol).
  void CleanupConntrack(const UdpEndpoints& before, const UdpEndpoints& after);

  netfilter::Backend& backend_;
  PlannerConfig config_;
  Conntrack* conntrack_;
  std::optional<netfilter::Table> applied_;
  IncrementalPlanner planner_;
  UdpEndpoints udp_endpoints_;  // ready UDP endpoints as last applied, per Service port
  bool needs_full_resync_ = true;
  SyncStats stats_;
  struct {
    double dump_s = 0, plan_s = 0, diff_s = 0;
  } timing_;
};

}  // namespace kubenode::proxy
