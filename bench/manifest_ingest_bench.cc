// Manifest ingestion at scale (issue 8): `kubenode apply -f` of one file of N Services (default 10 000) into
// a running manifest source, through ManifestServices + ServiceRegistry (+ a file allocation store) into a
// ServiceChangeTracker, as the daemon wires them; no containerd, no nftables (proxy_sync_bench covers those).
//   ./build/bench/manifest_ingest_bench [N]
// Prints: apply (store write), apply → every Service delivered to the tracker, one more Service applied →
// delivered, an idle relist (nothing changed) and its CPU share at the 20 s period, and RSS. For the old
// design it prints what its per-event work cost at N (all files read + a full registry Sync + one allocation
// save), which it repeated for every one of the N files it wrote.
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>

#include "agent/manifest_services.h"
#include "agent/manifest_store.h"
#include "base/clock.h"
#include "kubelet/config/manifest_source.h"
#include "kubelet/events/memory_event_recorder.h"
#include "proxy/allocation_store.h"
#include "proxy/service_allocator.h"
#include "proxy/service_change_tracker.h"
#include "proxy/service_registry.h"

using namespace kubenode;
using Steady = std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {

double Ms(Steady::time_point since) { return std::chrono::duration<double, std::milli>(Steady::now() - since).count(); }

std::string ServiceDoc(int i) {
  return "apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-" + std::to_string(i) +
         "\nspec:\n  selector: {app: app-" + std::to_string(i) + "}\n  ports:\n  - name: http\n    port: 80\n"
         "    targetPort: 8080\n";
}

long RssKb(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with(field)) return std::stol(line.substr(std::string(field).size()));
  }
  return -1;
}

double CpuMs() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 10000;
  char tmpl[] = "/tmp/manifest-ingest-bench-XXXXXX";
  const std::string root = mkdtemp(tmpl);
  const std::string dir = root + "/manifests";
  fs::create_directories(dir);

  kubenode::RealClock clock;
  kubelet::MemoryEventRecorder events(clock);
  proxy::FileAllocationStore store(root + "/service-allocations.json");
  auto allocator = std::move(proxy::ServiceAllocator::Create(&store, {.clock = &clock})).value();
  proxy::ServiceChangeTracker tracker("node1");
  proxy::ServiceRegistry registry(allocator.get(), &tracker, &clock);
  agent::ManifestServices services(registry, events);

  std::mutex mu;
  std::condition_variable cv;
  size_t delivered = 0;
  kubelet::ManifestDirectorySource source(dir, "node1", std::chrono::seconds(20), events,
                                          [&](const std::vector<kubelet::ManifestFile>& files) {
                                            {
                                              proxy::ServiceChangeTracker::Batch batch(tracker);
                                              services.OnManifests(files);
                                            }
                                            std::lock_guard lock(mu);
                                            delivered = tracker.Services().size();
                                            cv.notify_all();
                                          });
  if (!source.Start([](const std::string&, std::vector<api::Pod>) {}).ok()) return 1;
  auto wait_for = [&](size_t count) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, std::chrono::minutes(10), [&] { return delivered >= count; });
  };

  std::string text;
  for (int i = 0; i < n; ++i) text += (i ? "---\n" : "") + ServiceDoc(i);
  const double cpu0 = CpuMs();
  auto t0 = Steady::now();
  agent::ManifestStore manifests(dir);
  auto lines = manifests.Apply(text, "services.yaml");
  if (!lines.ok()) {
    std::fprintf(stderr, "apply: %s\n", lines.status().message().c_str());
    return 1;
  }
  const double apply_ms = Ms(t0);
  if (!wait_for(static_cast<size_t>(n))) return 1;
  const double ingest_ms = Ms(t0);
  const double ingest_cpu = CpuMs() - cpu0;
  std::printf("N=%d  apply -f (one store write): %.0f ms;  apply -> all %d Services in the tracker: %.0f ms "
              "(process CPU %.0f ms)\n", n, apply_ms, n, ingest_ms, ingest_cpu);
  std::printf("files decoded by the manifest source: %llu (apply's decode of the file it wrote is reused)\n",
              static_cast<unsigned long long>(source.decoded_files()));

  t0 = Steady::now();
  if (!manifests.Apply(ServiceDoc(n), "one-more.yaml").ok()) return 1;
  if (!wait_for(static_cast<size_t>(n + 1))) return 1;
  std::printf("one more Service (a new file) applied -> in the tracker: %.1f ms\n", Ms(t0));

  const int rounds = 10;
  const double idle_cpu0 = CpuMs();
  t0 = Steady::now();
  for (int i = 0; i < rounds; ++i) source.SyncNow(nullptr);
  const double idle_ms = Ms(t0) / rounds, idle_cpu = (CpuMs() - idle_cpu0) / rounds;
  std::printf("idle relist (nothing changed): %.2f ms wall, %.2f ms CPU -> %.3f %% of one core at the 20 s period\n",
              idle_ms, idle_cpu, idle_cpu / 20000.0 * 100);
  std::printf("RSS %ld kB (peak %ld kB)\n", RssKb("VmRSS:"), RssKb("VmHWM:"));
  source.Stop();

  // The old design's unit of work, at N: every inotify event (one per written file) re-read all files and
  // re-delivered every Service (a full registry Sync), and each new Service saved the whole allocation file.
  const std::string old_dir = root + "/old";
  fs::create_directories(old_dir);
  for (int i = 0; i < n; ++i) std::ofstream(old_dir + "/service_default_svc-" + std::to_string(i) + ".yaml") << ServiceDoc(i);
  t0 = Steady::now();
  size_t bytes = 0;
  for (const auto& entry : fs::directory_iterator(old_dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    bytes += std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()).size();
  }
  const double read_ms = Ms(t0);
  std::vector<api::Service> all = services.Services();
  t0 = Steady::now();
  registry.Sync(all);
  const double sync_ms = Ms(t0);
  t0 = Steady::now();
  proxy::FileAllocationStore old_store(root + "/old-allocations.json");
  (void)old_store.Save(*std::move(store.Load()));
  const double save_ms = Ms(t0);
  const double per_event = read_ms + sync_ms + save_ms;
  std::printf("old design per event at N: read %d files %.1f ms (%zu bytes) + registry Sync %.1f ms + allocation save "
              "%.1f ms = %.1f ms; x%d events ~ %.0f s (about half that: the directory grows) ; idle relist ~%.1f ms\n",
              n, read_ms, bytes, sync_ms, save_ms, per_event, n, per_event * n / 1000.0, read_ms + sync_ms);
  fs::remove_all(root);
  return 0;
}
