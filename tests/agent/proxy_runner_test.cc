#include "agent/proxy_runner.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "netfilter/fake_backend.h"
#include "netfilter/render.h"
#include "tests/proxy/test_objects.h"

namespace kubenode::agent {
namespace {

using std::chrono::milliseconds;

TEST(ProxyRunnerTest, RetryDelayDoublesToItsCapAndNeverUndercutsMinSyncPeriod) {
  ProxyRunnerOptions o;  // min 1 s, cap 30 s
  EXPECT_EQ(RetryDelay(1, o), milliseconds(1000));
  EXPECT_EQ(RetryDelay(2, o), milliseconds(2000));
  EXPECT_EQ(RetryDelay(3, o), milliseconds(4000));
  EXPECT_EQ(RetryDelay(5, o), milliseconds(16000));
  EXPECT_EQ(RetryDelay(6, o), milliseconds(30000));
  EXPECT_EQ(RetryDelay(1000, o), milliseconds(30000));
  o.min_sync_period = milliseconds(5000);
  EXPECT_EQ(RetryDelay(1, o), milliseconds(5000));
}

TEST(ProxyRunnerTest, PeriodicSyncRepairsDrift) {
  netfilter::FakeBackend fake;
  proxy::Proxier proxier(fake, proxy::PlannerConfig{});
  ProxyRunner* runner_ptr = nullptr;
  proxy::ServiceChangeTracker tracker("node-1", [&] {
    if (runner_ptr) runner_ptr->Trigger();
  });
  ProxyRunner runner(tracker, proxier, {.min_sync_period = milliseconds(0), .sync_period = milliseconds(20)});
  runner_ptr = &runner;
  api::Service service = proxy::testing::HelloService();
  service.spec.cluster_ip = "10.96.12.34";
  tracker.OnServiceAdd(service);
  tracker.OnServicesSynced();
  tracker.OnEndpointSlicesSynced();
  runner.Start();

  // Waits (at most 10 s) until `done` holds, evaluated on the sync thread's lock.
  auto wait_for = [&](const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    bool ok = false;
    while (!ok && std::chrono::steady_clock::now() < deadline) {
      runner.WithProxier([&](proxy::Proxier&) { ok = done(); });
      if (!ok) std::this_thread::sleep_for(milliseconds(5));
    }
    return ok;
  };
  auto no_endpoint_services = [&]() -> size_t {
    netfilter::Table* t = fake.MutableTable(2, proxy::kProxyTable);
    return t ? t->sets.at("no-endpoint-services").elements.size() : 0;
  };
  ASSERT_TRUE(wait_for([&] { return no_endpoint_services() == 1; }));
  // Behind the proxy's back; no Service or endpoint changes afterwards.
  runner.WithProxier([&](proxy::Proxier&) {
    fake.MutableTable(2, proxy::kProxyTable)->sets.at("no-endpoint-services").elements.clear();
  });
  EXPECT_TRUE(wait_for([&] { return no_endpoint_services() == 1; })) << "not repaired by the periodic sync";
  runner.Stop();
}

}  // namespace
}  // namespace kubenode::agent

namespace kubenode::agent {
namespace {

// The watchdog's proxy check: a sync that is due and cannot happen (here: endpoints never listed) makes the
// runner unhealthy; the first successful sync makes it healthy and releases READY.
TEST(ProxyRunnerTest, HealthFailsWhileADueSyncCannotRunAndRecoversWithTheFirstSync) {
  netfilter::FakeBackend fake;
  proxy::Proxier proxier(fake, proxy::PlannerConfig{});
  ProxyRunner* runner_ptr = nullptr;
  proxy::ServiceChangeTracker tracker("node-1", [&] {
    if (runner_ptr) runner_ptr->Trigger();
  });
  ProxyRunner runner(tracker, proxier, {.min_sync_period = milliseconds(0), .sync_period = milliseconds(20)});
  runner_ptr = &runner;
  runner.Start();
  tracker.OnServicesSynced();  // the endpoints are not listed yet: no sync may run

  EXPECT_FALSE(runner.WaitFirstSync(milliseconds(100)));
  Status health = runner.Health(milliseconds(50));
  EXPECT_FALSE(health.ok());
  EXPECT_NE(health.message().find("a sync has been due for"), std::string::npos) << health.message();

  tracker.OnEndpointSlicesSynced();
  EXPECT_TRUE(runner.WaitFirstSync(std::chrono::seconds(10)));
  // Periodic checks (every 20 ms) keep succeeding, so no sync stays due for long.
  EXPECT_TRUE(runner.Health(std::chrono::seconds(5)).ok());
  runner.Stop();
}

}  // namespace
}  // namespace kubenode::agent

namespace kubenode::agent {
namespace {

// A backend whose first Apply throws, as a library bug would.
class ThrowingOnceBackend : public netfilter::FakeBackend {
 public:
  Status Apply(const netfilter::Transaction& tx) override {
    if (!thrown_.exchange(true)) throw std::runtime_error("injected exception in Apply");
    return FakeBackend::Apply(tx);
  }

 private:
  std::atomic<bool> thrown_{false};
};

// An exception in a sync fails that sync, not the thread: the next attempt (after the back-off) programs
// the Service.
TEST(ProxyRunnerTest, SyncThreadSurvivesAnExceptionAndSyncsAgain) {
  ThrowingOnceBackend fake;
  proxy::Proxier proxier(fake, proxy::PlannerConfig{});
  ProxyRunner* runner_ptr = nullptr;
  proxy::ServiceChangeTracker tracker("node-1", [&] {
    if (runner_ptr) runner_ptr->Trigger();
  });
  ProxyRunner runner(tracker, proxier, {.min_sync_period = milliseconds(0), .sync_period = std::chrono::seconds(30)});
  runner_ptr = &runner;
  api::Service service = proxy::testing::HelloService();
  service.spec.cluster_ip = "10.96.12.34";
  tracker.OnServiceAdd(service);
  tracker.OnServicesSynced();
  tracker.OnEndpointSlicesSynced();
  runner.Start();
  EXPECT_TRUE(runner.WaitFirstSync(std::chrono::seconds(20)));
  size_t services = 0;
  runner.WithProxier([&](proxy::Proxier&) {
    netfilter::Table* t = fake.MutableTable(2, proxy::kProxyTable);
    services = t ? t->sets.at("no-endpoint-services").elements.size() : 0;
  });
  EXPECT_EQ(services, 1u);
  runner.Stop();
}

}  // namespace
}  // namespace kubenode::agent
