// Kernel cost of kubenode's proxy ruleset: full sync and one endpoint change at N services x 10 endpoints,
// through NftnlBackend inside a fresh network namespace, printed beside `nft -f` of an upstream-shaped
// ruleset (kube-proxy nftables <= v1.35: service verdict map -> per-service chain -> numgen vmap ->
// per-endpoint chains) of the same services, loaded in the same run. See bench/README.md.
#include <malloc.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <set>
#include <tuple>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "netfilter/fake_backend.h"
#include "netfilter/nftnl_backend.h"
#include "proxy/proxier.h"
#include "proxy/service_change_tracker.h"

using namespace kubenode;
using Clock = std::chrono::steady_clock;

namespace {

double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

int Sh(const std::string& cmd) {
  int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

std::string Ip(uint32_t base, uint32_t idx) {
  uint32_t a = base + idx;
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." + std::to_string((a >> 8) & 255) + "." +
         std::to_string(a & 255);
}
constexpr uint32_t kServiceBase = (10u << 24) | (96u << 16);   // 10.96.0.0
constexpr uint32_t kEndpointBase = (10u << 24) | (128u << 16); // 10.128.0.0

std::vector<proxy::ServicePortInfo> Services(int n, int endpoints) {
  std::vector<proxy::ServicePortInfo> out(n);
  for (int s = 0; s < n; ++s) {
    auto& sp = out[s];
    sp.id = {"bench", "svc-" + std::to_string(s), ""};
    sp.cluster_ip = Ip(kServiceBase, s + 1);
    sp.port = 80;
    sp.node_port = s < 2000 ? 30000 + s : 0;
    for (int e = 0; e < endpoints; ++e) sp.endpoints.push_back({Ip(kEndpointBase, s * endpoints + e), 8080, true, true});
  }
  // Sorted by id, as ServiceSnapshot::ports (Sync with a changed set relies on it).
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

// The same Services as api objects, as the daemon's tracker receives them (one slice of `endpoints` each).
api::Service ApiService(int s) {
  api::Service svc;
  svc.metadata.ns = "bench";
  svc.metadata.name = "svc-" + std::to_string(s);
  svc.spec.type = s < 2000 ? api::ServiceType::kNodePort : api::ServiceType::kClusterIP;
  svc.spec.cluster_ip = Ip(kServiceBase, s + 1);
  api::ServicePort port;
  port.port = 80;
  port.node_port = s < 2000 ? 30000 + s : 0;
  svc.spec.ports = {port};
  return svc;
}

api::EndpointSlice ApiSlice(int s, int endpoints, int first_ip) {
  api::EndpointSlice slice;
  slice.metadata.ns = "bench";
  slice.metadata.name = "svc-" + std::to_string(s) + "-abcde";
  slice.metadata.labels[api::kServiceNameLabel] = "svc-" + std::to_string(s);
  slice.ports = {{"", api::Protocol::kTCP, 8080}};
  for (int e = 0; e < endpoints; ++e) {
    api::Endpoint ep;
    ep.addresses = {Ip(kEndpointBase, first_ip + e)};
    ep.conditions.ready = ep.conditions.serving = true;
    ep.node_name = "bench-node";
    slice.endpoints.push_back(std::move(ep));
  }
  return slice;
}

void WriteUpstream(const std::string& path, const std::vector<proxy::ServicePortInfo>& services) {
  std::ofstream f(path);
  f << "table ip upstream {\n";
  f << "  chain mark-for-masquerade { meta mark set meta mark | 0x4000; }\n";
  for (size_t s = 0; s < services.size(); ++s) {
    const auto& sp = services[s];
    for (size_t e = 0; e < sp.endpoints.size(); ++e) {
      const auto& ep = sp.endpoints[e];
      f << "  chain ep-" << s << "-" << e << " { ip saddr " << ep.ip << " jump mark-for-masquerade; meta l4proto tcp dnat to "
        << ep.ip << ":" << ep.port << "; }\n";
    }
    f << "  chain svc-" << s << " { numgen random mod " << sp.endpoints.size() << " vmap { ";
    for (size_t e = 0; e < sp.endpoints.size(); ++e) f << (e ? ", " : "") << e << " : goto ep-" << s << "-" << e;
    f << " }; }\n";
  }
  f << "  map service-ips { type ipv4_addr . inet_proto . inet_service : verdict; elements = { ";
  for (size_t s = 0; s < services.size(); ++s)
    f << (s ? ", " : "") << services[s].cluster_ip << " . tcp . " << services[s].port << " : goto svc-" << s;
  f << " }; }\n";
  f << "  chain nat-prerouting { type nat hook prerouting priority -100; ip daddr . meta l4proto . th dport vmap @service-ips; }\n";
  f << "}\n";
}

struct Row {
  int n = 0;
  double full = 0, plan = 0, apply = 0, change = 0, change_cpu = 0, replan_change = 0, kernel_change = 0,
         upstream = 0;
  double snapshot = 0;                                   // copy + sort of all ports (the old Snapshot)
  double tracker_change = 0, tracker_cpu = 0, tracker_snapshot = 0;  // Snapshot() + Sync(by_service, changed)
  proxy::SyncStats stats;
  std::string upstream_text;
};

double ThreadCpu() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

double Mean(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x;
  return v.empty() ? 0 : sum / v.size();
}

}  // namespace

// `n` Services with one slice of 10 endpoints each, both sources synced.
void LoadTracker(proxy::ServiceChangeTracker& tracker, int n) {
  for (int i = 0; i < n; ++i) {
    tracker.OnServiceAdd(ApiService(i));
    tracker.OnEndpointSliceAdd(ApiSlice(i, 10, i * 10));
  }
  tracker.OnServicesSynced();
  tracker.OnEndpointSlicesSynced();
}

// The process's resident set (VmRSS of /proc/self/status), in MB.
double RssMb() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return -1;
}

// Memory of the daemon's proxy state: 10 000 Services x 10 endpoints through the tracker, the planner and a
// FakeBackend (the kernel's table in this process's memory too, as a stand-in for the applied model), then
// 5 churn cycles that change every Service's endpoints.
void MemoryBench() {
  const int n = 10000;
  const double base = RssMb();
  netfilter::FakeBackend backend;
  backend.set_record_history(false);
  proxy::PlannerConfig config;
  config.pod_cidr = "10.128.0.0/9";
  proxy::Proxier proxier(backend, config);
  proxy::ServiceChangeTracker tracker("bench-node");
  LoadTracker(tracker, n);
  const double inputs = RssMb();
  auto sync = [&] {
    proxy::ServiceSnapshot snapshot = tracker.Snapshot();
    Status s = proxier.Sync(snapshot.ports.by_service(), snapshot.changed);
    if (!s.ok()) std::fprintf(stderr, "memory bench sync: %s\n", s.message().c_str());
  };
  sync();
  const double loaded = RssMb();
  std::vector<double> cycles;
  for (int cycle = 1; cycle <= 5; ++cycle) {
    for (int i = 0; i < n; ++i) {
      api::EndpointSlice old_slice = ApiSlice(i, 10, i * 10 + ((cycle - 1) % 2) * n * 10);
      api::EndpointSlice new_slice = ApiSlice(i, 10, i * 10 + (cycle % 2) * n * 10);
      tracker.OnEndpointSliceUpdate(old_slice, new_slice);
      if (i % 100 == 99) sync();  // the sync loop takes 100 changes at a time
    }
    sync();
    cycles.push_back(RssMb());
  }
  std::printf("memory (VmRSS): start %.1f MB; %d Services x 10 endpoints in the tracker %.1f MB; synced %.1f MB "
              "(+%.1f MB: proxier model, planner, FakeBackend's table); after churn cycles:",
              base, n, inputs, loaded, loaded - inputs);
  for (double c : cycles) std::printf(" %.1f", c);
  // The periodic drift check (a dump of the whole table) gives back what the churn left in free lists.
  if (Status s = proxier.RepairDrift(); !s.ok()) std::fprintf(stderr, "memory bench drift check: %s\n", s.message().c_str());
  std::printf(" MB; after a drift check %.1f", RssMb());
  // What the daemon holds: the same without the FakeBackend's copy of the table (the kernel's, in the daemon).
  *backend.MutableTable(2, proxy::kProxyTable) = netfilter::Table{};
  malloc_trim(0);
  std::printf(" MB; without the FakeBackend's table %.1f MB\n\n", RssMb());
  std::fflush(stdout);
}

int main() {
  if (std::getenv("KUBENODE_BENCH_MEMORY_ONLY") != nullptr) {
    MemoryBench();
    return 0;
  }
  const std::string ns = "kn-bench-" + std::to_string(getpid());
  const std::string tmp = "/tmp/" + ns + ".nft";
  const bool upstream_10k = std::getenv("KUBENODE_BENCH_UPSTREAM_10K") != nullptr;
  std::vector<Row> rows;
  MemoryBench();
  std::printf("%-6s %13s %10s %12s %16s %17s %18s %16s %8s\n", "N x10", "kubenode full", "(plan)", "(kernel tx)",
              "1 change (Sync)", "1 change (replan)", "1 change (kernel)", "upstream nft -f", "ratio");
  for (int n : {1000, 10000}) {
    if (Sh("ip netns add " + ns) != 0) return 1;
    auto services = Services(n, 10);
    Row row;
    row.n = n;
    {
      netfilter::NftnlBackend backend("/run/netns/" + ns);
      proxy::PlannerConfig config;
      config.pod_cidr = "10.128.0.0/9";
      proxy::Proxier proxier(backend, config);
      auto t0 = Clock::now();
      Status s = proxier.Sync(services, {});
      auto t1 = Clock::now();
      if (!s.ok()) {
        std::fprintf(stderr, "full sync: %s\n", s.message().c_str());
        Sh("ip netns del " + ns);
        return 1;
      }
      row.full = Seconds(t0, t1);
      row.stats = proxier.last_stats();
      // Planning alone, and the kernel transaction alone: the same table applied again from scratch into a
      // second table name.
      proxy::PlannerConfig other = config;
      other.table = "kubenode-proxy-2";
      auto p0 = Clock::now();
      auto plan = proxy::PlanRuleset(services, other);
      row.plan = Seconds(p0, Clock::now());
      auto tx = proxy::PlanTransaction(nullptr, plan->table);
      auto t2 = Clock::now();
      s = backend.Apply(tx);
      row.apply = Seconds(t2, Clock::now());
      if (!s.ok()) std::fprintf(stderr, "apply: %s\n", s.message().c_str());
      tx = {};
      const int changes = 20;
      // One endpoint change, end to end as the daemon does it: Sync with the changed Service named.
      std::vector<double> times;
      for (int i = 0; i < changes; ++i) {
        auto& svc = services[(i * 7919) % n];
        svc.endpoints[i % 10].ip = Ip(kEndpointBase, n * 10 + i);
        const std::set<std::string> changed{svc.id.ns + "/" + svc.id.name};
        const double cpu0 = ThreadCpu();
        auto c0 = Clock::now();
        s = proxier.Sync(services, changed);
        times.push_back(Seconds(c0, Clock::now()));
        row.change_cpu += (ThreadCpu() - cpu0) / changes;
        if (!s.ok() || !proxier.last_stats().incremental) std::fprintf(stderr, "change: %s\n", s.message().c_str());
      }
      row.change = Mean(times);
      // The daemon's path: ServiceChangeTracker fed with api objects, then per change Snapshot() and
      // Proxier::Sync(snapshot.ports.by_service(), snapshot.changed), into a third table.
      {
        proxy::PlannerConfig third = config;
        third.table = "kubenode-proxy-3";
        proxy::Proxier daemon(backend, third);
        proxy::ServiceChangeTracker tracker("bench-node");
        LoadTracker(tracker, n);
        {
          proxy::ServiceSnapshot snapshot = tracker.Snapshot();
          s = daemon.Sync(snapshot.ports.by_service(), snapshot.changed);
          if (!s.ok()) std::fprintf(stderr, "tracker full sync: %s\n", s.message().c_str());
        }
        std::vector<double> snaps;
        times.clear();
        for (int i = 0; i < changes; ++i) {
          const int svc = (i * 7919) % n;
          api::EndpointSlice old_slice = ApiSlice(svc, 10, svc * 10);
          api::EndpointSlice new_slice = old_slice;
          new_slice.endpoints[i % 10].addresses = {Ip(kEndpointBase, n * 10 + 4 * changes + i)};
          tracker.OnEndpointSliceUpdate(old_slice, new_slice);
          const double cpu0 = ThreadCpu();
          auto c0 = Clock::now();
          proxy::ServiceSnapshot snapshot = tracker.Snapshot();
          auto c1 = Clock::now();
          s = daemon.Sync(snapshot.ports.by_service(), snapshot.changed);
          times.push_back(Seconds(c0, Clock::now()));
          snaps.push_back(Seconds(c0, c1));
          row.tracker_cpu += (ThreadCpu() - cpu0) / changes;
          if (!s.ok() || !daemon.last_stats().incremental || snapshot.changed.size() != 1)
            std::fprintf(stderr, "tracker change: %s\n", s.message().c_str());
          // Restore the slice so that the next change of this Service starts from ApiSlice again.
          tracker.OnEndpointSliceUpdate(new_slice, old_slice);
          proxy::ServiceSnapshot restore = tracker.Snapshot();
          (void)daemon.Sync(restore.ports.by_service(), restore.changed);
        }
        row.tracker_change = Mean(times);
        row.tracker_snapshot = Mean(snaps);
      }
      // What ServiceChangeTracker::Snapshot() did per sync before it shared per-Service ports: copy and sort
      // every port (O(N)).
      {
        auto s0 = Clock::now();
        for (int i = 0; i < 5; ++i) {
          std::vector<proxy::ServicePortInfo> copy(services.begin(), services.end());
          std::sort(copy.begin(), copy.end(), [](const auto& a, const auto& b) {
            return std::tie(a.id, a.protocol, a.port) < std::tie(b.id, b.protocol, b.port);
          });
        }
        row.snapshot = Seconds(s0, Clock::now()) / 5;
      }
      // The same through Sync(services) (replans and diffs everything).
      times.clear();
      for (int i = 0; i < changes / 4; ++i) {
        services[(i * 6007) % n].endpoints[(i + 5) % 10].ip = Ip(kEndpointBase, n * 10 + 2 * changes + i);
        auto c0 = Clock::now();
        s = proxier.Sync(services);
        times.push_back(Seconds(c0, Clock::now()));
        if (!s.ok()) std::fprintf(stderr, "replan change: %s\n", s.message().c_str());
      }
      row.replan_change = Mean(times);
      // The kernel part of one change alone: element delete + add on the second table, planned outside.
      proxy::IncrementalPlanner planner(other);
      (void)planner.PlanAll(services);
      times.clear();
      for (int i = 0; i < changes; ++i) {
        auto& svc = services[(i * 104729) % n];
        svc.endpoints[(i + 3) % 10].ip = Ip(kEndpointBase, n * 10 + 3 * changes + i);
        auto change = planner.PlanChanges(services, {svc.id.ns + "/" + svc.id.name});
        netfilter::Transaction one{2, other.table, {}};
        for (auto& d : change->deletes) one.ops.push_back(d);
        for (auto& a : change->adds) one.ops.push_back(a);
        auto k0 = Clock::now();
        s = backend.Apply(one);
        times.push_back(Seconds(k0, Clock::now()));
        if (!s.ok()) std::fprintf(stderr, "kernel change: %s\n", s.message().c_str());
      }
      row.kernel_change = Mean(times);
    }
    Sh("ip netns del " + ns);

    row.upstream_text = "skipped (set KUBENODE_BENCH_UPSTREAM_10K=1)";
    if (n <= 1000 || upstream_10k) {
      WriteUpstream(tmp, Services(n, 10));
      Sh("ip netns add " + ns);
      auto u0 = Clock::now();
      int rc = Sh("ip netns exec " + ns + " nft -f " + tmp);
      row.upstream = Seconds(u0, Clock::now());
      Sh("ip netns del " + ns);
      std::remove(tmp.c_str());
      char buf[64];
      std::snprintf(buf, sizeof buf, rc == 0 ? "%.3f s" : "failed", row.upstream);
      row.upstream_text = buf;
    }
    char ratio[32] = "-";
    if (row.upstream > 0) std::snprintf(ratio, sizeof ratio, "%.1fx", row.upstream / row.full);
    std::printf("%-6d %11.3f s %8.3f s %10.3f s %13.2f ms %14.2f ms %15.2f ms %16s %8s\n", n, row.full, row.plan,
                row.apply, row.change * 1000, row.replan_change * 1000, row.kernel_change * 1000,
                row.upstream_text.c_str(), ratio);
    std::fflush(stdout);
    std::printf("       full sync breakdown: dump %.3f s, plan %.3f s, diff %.3f s, apply %.3f s, read back %.3f s; "
                "1 change: thread CPU %.3f ms\n",
                row.stats.dump_s, row.stats.plan_s, row.stats.diff_s, row.stats.apply_s, row.stats.readback_s,
                row.change_cpu * 1000);
    std::printf("       daemon path, 1 change: tracker Snapshot() + Sync(by_service, changed) %.3f ms (thread CPU "
                "%.3f ms; Snapshot() alone %.4f ms); the old Snapshot's copy + sort of all ports: %.2f ms\n",
                row.tracker_change * 1000, row.tracker_cpu * 1000, row.tracker_snapshot * 1000, row.snapshot * 1000);
    std::fflush(stdout);
    rows.push_back(row);
  }
  if (rows.size() == 2) {
    const Row& a = rows[0];
    const Row& b = rows[1];
    std::printf("\nN=%d / N=%d: full sync %.1fx, 1 change (Sync) %.2fx, 1 change (kernel) %.2fx, 1 change (replan) %.1fx, "
                "1 change (daemon: Snapshot + Sync) %.2fx (CPU %.2fx)\n",
                b.n, a.n, b.full / a.full, b.change / a.change, b.kernel_change / a.kernel_change,
                b.replan_change / a.replan_change, b.tracker_change / a.tracker_change, b.tracker_cpu / a.tracker_cpu);
  }
  return 0;
}
