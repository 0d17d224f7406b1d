// Memory of the daemon's whole proxy path at scale (issue 8): `kubenode apply -f` of one file of N Services
// (default 10 000) into a running manifest source, then ManifestServices -> ServiceRegistry (+ a file
// allocation store) -> EndpointSliceSync (P ready pods, default 100; Service i selects pod i % P) ->
// ServiceChangeTracker -> Proxier on a netfilter::FakeBackend (history off), wired as agent/daemon.cc does.
//   ./build/bench/daemon_path_bench [N] [P]
// Prints VmRSS and the heap in use (mallinfo2) after each stage, and their ratio to the start of the same
// run; then the same after idle rounds (relist, the same pod listing again, a drift check), which must stay
// flat. Also: how many Services had no ready endpoint in the first synced ruleset (must be 0).
#include <malloc.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>

#include "agent/manifest_services.h"
#include "agent/manifest_store.h"
#include "base/clock.h"
#include "kubelet/config/manifest_source.h"
#include "kubelet/events/memory_event_recorder.h"
#include "netfilter/fake_backend.h"
#include "proxy/allocation_store.h"
#include "proxy/endpoint_slice_sync.h"
#include "proxy/proxier.h"
#include "proxy/service_allocator.h"
#include "proxy/service_change_tracker.h"
#include "proxy/service_registry.h"

using namespace kubenode;
using Steady = std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {

double Ms(Steady::time_point since) { return std::chrono::duration<double, std::milli>(Steady::now() - since).count(); }

std::string ServiceDoc(int i, int pods) {
  return "apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-" + std::to_string(i) +
         "\nspec:\n  selector: {app: app-" + std::to_string(i % pods) +
         "}\n  ports:\n  - name: http\n    port: 80\n    targetPort: 8080\n";
}

long RssKb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
  }
  return -1;
}

long HeapKb() { return static_cast<long>(mallinfo2().uordblks / 1024); }

struct Meter {
  long rss0 = RssKb();
  long heap0 = HeapKb();
  void Print(const char* stage) const {
    const long rss = RssKb(), heap = HeapKb();
    std::printf("%-44s RSS %7.1f MB (%5.1fx start, +%6.1f MB)   heap in use %7.1f MB (+%6.1f MB)\n", stage,
                rss / 1024.0, static_cast<double>(rss) / rss0, (rss - rss0) / 1024.0, heap / 1024.0,
                (heap - heap0) / 1024.0);
  }
};

std::vector<proxy::PodWithStatus> Pods(int count) {
  std::vector<proxy::PodWithStatus> pods;
  for (int i = 0; i < count; ++i) {
    proxy::PodWithStatus p;
    p.pod.metadata.name = "pod-" + std::to_string(i);
    p.pod.metadata.uid = "uid-" + std::to_string(i);
    p.pod.metadata.labels = {{"app", "app-" + std::to_string(i)}};
    p.pod.spec.node_name = "node1";
    p.status.phase = api::PodPhase::kRunning;
    p.status.pod_ip = "10.244." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 2);
    p.status.pod_ips = {p.status.pod_ip};
    p.status.conditions.push_back({.type = "Ready", .status = true});
    pods.push_back(std::move(p));
  }
  return pods;
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 10000;
  const int pod_count = argc > 2 ? std::atoi(argv[2]) : 100;
  Meter meter;
  meter.Print("start");
  char tmpl[] = "/tmp/daemon-path-bench-XXXXXX";
  const std::string root = mkdtemp(tmpl);
  const std::string dir = root + "/manifests";
  fs::create_directories(dir);

  kubenode::RealClock clock;
  kubelet::MemoryEventRecorder events(clock);
  proxy::FileAllocationStore store(root + "/service-allocations.json");
  auto allocator = std::move(proxy::ServiceAllocator::Create(&store, {.clock = &clock})).value();
  netfilter::FakeBackend backend;
  backend.set_record_history(false);
  proxy::Proxier proxier(backend, {.pod_cidr = "10.244.0.0/16", .service_cidr = "10.96.0.0/12"});
  size_t rejected_at_first_sync = 0;
  bool first_sync_done = false;
  std::mutex sync_mu;
  std::unique_ptr<proxy::ServiceChangeTracker> tracker;
  auto sync = [&] {
    std::lock_guard lock(sync_mu);
    auto snapshot = tracker->TrySnapshot();
    if (!snapshot) return;
    if (!proxier.Sync(snapshot->ports.by_service(), snapshot->changed).ok()) std::fprintf(stderr, "sync failed\n");
    if (!first_sync_done && snapshot->ports.size() >= static_cast<size_t>(n)) {
      first_sync_done = true;
      for (const auto& port : snapshot->ports) rejected_at_first_sync += port.endpoints.empty() ? 1 : 0;
    }
  };
  tracker = std::make_unique<proxy::ServiceChangeTracker>("node1");
  proxy::EndpointSliceSync slices(tracker.get(), {.node_name = "node1"}, tracker.get());
  proxy::ServiceRegistry registry(allocator.get(), &slices, &clock);
  agent::ManifestServices services(registry, events);
  const std::vector<proxy::PodWithStatus> pods = Pods(pod_count);
  slices.SetPods(pods);  // the kubelet reported its pods before the Services arrive
  meter.Print("wired, pods reported");

  std::mutex mu;
  std::condition_variable cv;
  size_t delivered = 0;
  kubelet::ManifestDirectorySource source(dir, "node1", std::chrono::seconds(20), events,
                                          [&](const std::vector<kubelet::ManifestFile>& files) {
                                            {
                                              proxy::ServiceChangeTracker::Batch batch(*tracker);
                                              services.OnManifests(files);
                                            }
                                            std::lock_guard lock(mu);
                                            delivered = registry.List().size();
                                            cv.notify_all();
                                          });
  if (!source.Start([](const std::string&, std::vector<api::Pod>) {}).ok()) return 1;

  std::string text;
  for (int i = 0; i < n; ++i) text += (i ? "---\n" : "") + ServiceDoc(i, pod_count);
  meter.Print("manifest text built (bench input)");
  auto t0 = Steady::now();
  {
    agent::ManifestStore manifests(dir);
    if (auto lines = manifests.Apply(text, "services.yaml"); !lines.ok()) {
      std::fprintf(stderr, "apply: %s\n", lines.status().message().c_str());
      return 1;
    }
  }
  std::string().swap(text);
  meter.Print("apply -f written (store)");
  {
    std::unique_lock lock(mu);
    if (!cv.wait_for(lock, std::chrono::minutes(10), [&] { return delivered >= static_cast<size_t>(n); })) return 1;
  }
  const double ingest_ms = Ms(t0);
  meter.Print("ingested: source+services+registry+slices+tracker");
  t0 = Steady::now();
  sync();
  const double sync_ms = Ms(t0);
  meter.Print("first proxier sync (FakeBackend)");
  std::printf("apply -> all %d Services in the tracker %.0f ms; first full sync %.0f ms; Services with no endpoint in "
              "the first synced ruleset: %zu of %d\n", n, ingest_ms, sync_ms, rejected_at_first_sync, n);
  std::printf("files decoded by the manifest source: %llu (apply's decode of the file it wrote is reused)\n",
              static_cast<unsigned long long>(source.decoded_files()));

  for (int round = 1; round <= 5; ++round) {
    source.SyncNow(nullptr);  // the 20 s relist: nothing changed
    slices.SetPods(pods);     // a status delivery with nothing changed
    {
      std::lock_guard lock(sync_mu);
      if (!proxier.RepairDrift().ok()) std::fprintf(stderr, "drift check failed\n");
    }
    sync();
  }
  meter.Print("after 5 idle rounds (relist, pods, drift)");
  for (int round = 1; round <= 5; ++round) {
    // One pod flaps unready and back: O(Services it selects).
    auto flapped = pods;
    flapped[static_cast<size_t>(round) % flapped.size()].status.conditions[0].status = false;
    {
      proxy::ServiceChangeTracker::Batch batch(*tracker);
      slices.SetPods(flapped);
    }
    sync();
    slices.SetPods(pods);
    sync();
  }
  std::printf("EndpointSliceSync builds: %llu (N=%d initial + the flapped pods' Services)\n",
              static_cast<unsigned long long>(slices.builds()), n);
  meter.Print("after 5 pod flaps");
  source.Stop();
  // For heaptrack: what is still allocated here shows as "leaked", by allocation site.
  if (std::getenv("KUBENODE_BENCH_EXIT_LIVE")) std::_Exit(0);
  fs::remove_all(root);
  return 0;
}
