// :10248's /healthz over a real socket against the kubelet's PLEG health (fake runtime): 500 with the
// failing check once relists have failed for longer than the threshold.
#include <filesystem>

#include <gtest/gtest.h>

#include "base/fake_clock.h"
#include "kubelet/kubelet.h"
#include "server/healthz.h"
#include "server/kubelet_server.h"
#include "tests/kubelet/fake_probe_manager.h"
#include "tests/kubelet/fake_runtime.h"
#include "tests/server/test_tls.h"

namespace kubenode::server {
namespace {

TEST(HealthzPlegTest, UnhealthyWhenRelistsFailBeyondTheThreshold) {
  char tmpl[] = "/tmp/healthz-pleg-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  FakeClock clock;
  kubelet::testing::FakeRuntime runtime(clock);
  kubelet::testing::FakeProbeManager probes;
  kubelet::MemoryEventRecorder events{clock};
  kubelet::KubeletConfig config;
  config.node_name = "node1";
  config.pod_manifest_path = "";
  config.root_dir = dir + "/root";
  config.pod_logs_dir = dir + "/logs";
  config.pod_worker_threads = 0;
  kubelet::Kubelet kubelet(config, runtime, runtime, clock, probes, events);

  // The threshold (3 min in the daemon) is the test's: Kubelet::Health measures real time.
  std::atomic<int64_t> threshold_ms{std::chrono::milliseconds(std::chrono::minutes(3)).count()};
  Router router;
  router.Add("GET", "/healthz", HealthzHandler("kubelet", {{"pleg", [&] {
                                                           return kubelet.Health(std::chrono::milliseconds(threshold_ms.load()));
                                                         }}}));
  ServerOptions options;
  options.address = "127.0.0.1";
  options.port = 0;
  Server server(options, router, nullptr);
  ASSERT_TRUE(server.Start().ok());

  kubelet.SyncOnce();
  std::string healthy = testing::Exchange(server.port(), testing::Get("/healthz"));
  EXPECT_NE(healthy.find("HTTP/1.1 200"), std::string::npos) << healthy;
  EXPECT_EQ(healthy.substr(healthy.size() - 2), "ok");

  runtime.FailNext("ListPodSandbox", "rpc error: code = Unavailable desc = connection refused", 100);
  kubelet.SyncOnce();  // the relist fails: blocked PLEG
  threshold_ms = 0;    // ... for longer than the threshold
  std::string unhealthy = testing::Exchange(server.port(), testing::Get("/healthz"));
  EXPECT_NE(unhealthy.find("HTTP/1.1 500"), std::string::npos) << unhealthy;
  EXPECT_NE(unhealthy.find("[-]pleg failed: reason withheld\nhealthz check failed\n"), std::string::npos) << unhealthy;
  server.Stop();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace kubenode::server
