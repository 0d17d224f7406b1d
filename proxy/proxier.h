// The proxy's sync loop object. Sync(services) plans the desired table, diffs it against what was last
// applied and commits ONE transaction through the Backend. On failure the kernel keeps the old ruleset (the
// transaction is atomic), the error names the failing object, and the next Sync does a full resync: read the
// live table, diff, apply the difference — also how a new process takes over a table left by an earlier one,
// with no flush-then-rebuild gap. Not thread-safe: one caller (the proxy's sync thread).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "netfilter/backend.h"
#include "proxy/conntrack.h"
#include "proxy/ruleset_planner.h"

namespace kubenode::proxy {

struct SyncStats {
  bool full_resync = false;
  size_t element_ops = 0;
  size_t other_ops = 0;  // chains, sets, rules, tables
};

class Proxier {
 public:
  // `conntrack` may be null (no UDP conntrack cleanup).
  Proxier(netfilter::Backend& backend, PlannerConfig config, Conntrack* conntrack = nullptr);

  // Brings the kernel to the state for `services`. The first call, and the first after a failure, is a full
  // resync.
  Status Sync(const std::vector<ServicePortInfo>& services);
  // Reads the live table and applies only what differs from the desired state.
  Status FullResync(const std::vector<ServicePortInfo>& services);
  // Deletes the proxy's table, if present (for --cleanup). Nothing else is touched.
  Status Cleanup();

  bool needs_full_resync() const { return needs_full_resync_; }
  const SyncStats& last_stats() const { return stats_; }
  // What the proxier believes is in the kernel (nullopt before the first successful sync).
  const std::optional<netfilter::Table>& applied() const { return applied_; }

 private:
  Status Commit(const netfilter::Table* current, netfilter::Table desired, const std::vector<ServicePortInfo>& services,
                bool full);
  void CleanupConntrack(const std::vector<ServicePortInfo>& services);

  netfilter::Backend& backend_;
  PlannerConfig config_;
  Conntrack* conntrack_;
  std::optional<netfilter::Table> applied_;
  std::vector<ServicePortInfo> applied_services_;
  bool needs_full_resync_ = true;
  SyncStats stats_;
};

}  // namespace kubenode::proxy
