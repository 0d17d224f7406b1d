// ManifestServices fed manifest deliveries (changes, as kubelet::ManifestSink delivers them) in front of a
// real ServiceRegistry + ServiceAllocator on a memory store, with a handler that counts what reaches the proxy.
#include "agent/manifest_services.h"

#include <gtest/gtest.h>

#include "base/fake_clock.h"
#include "kubelet/events/memory_event_recorder.h"
#include "proxy/service_allocator.h"
#include "tests/proxy/test_objects.h"

namespace kubenode::agent {
namespace {

using proxy::testing::MakeService;
using proxy::testing::Port;

api::Service NodePortService(const std::string& name, int32_t node_port) {
  return MakeService(name, {Port("", 80, {}, api::Protocol::kTCP, node_port)}, {{"app", "x"}},
                     api::ServiceType::kNodePort);
}

kubelet::ManifestFile File(const std::string& path, const std::vector<api::Service>& services) {
  kubelet::ManifestFile file{path, {}, "", false};
  for (const auto& s : services) file.objects.push_back({path, 0, 1, std::make_shared<const api::Service>(s)});
  return file;
}

kubelet::ManifestFile Removed(const std::string& path) { return {path, {}, "", true}; }

class CountingHandler : public proxy::ServiceHandler {
 public:
  void OnServiceAdd(const api::Service&) override { ++adds; }
  void OnServiceUpdate(const api::Service&, const api::Service&) override { ++updates; }
  void OnServiceDelete(const api::Service&) override { ++deletes; }
  void OnServicesSynced() override { ++synced; }
  int adds = 0, updates = 0, deletes = 0, synced = 0;
};

class ManifestServicesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    proxy::ServiceAllocatorOptions options;
    options.seed = 5;
    options.clock = &clock_;
    allocator_ = std::move(proxy::ServiceAllocator::Create(&store_, options)).value();
    registry_ = std::make_unique<proxy::ServiceRegistry>(allocator_.get(), &handler_, &clock_);
    services_ = std::make_unique<ManifestServices>(*registry_, events_);
  }
  std::vector<kubelet::RecordedEvent> EventsWithReason(const std::string& reason) {
    std::vector<kubelet::RecordedEvent> out;
    for (const auto& e : events_.List()) {
      if (e.reason == reason) out.push_back(e);
    }
    return out;
  }

  FakeClock clock_;
  kubelet::MemoryEventRecorder events_{clock_};
  proxy::MemoryAllocationStore store_;
  CountingHandler handler_;
  std::unique_ptr<proxy::ServiceAllocator> allocator_;
  std::unique_ptr<proxy::ServiceRegistry> registry_;
  std::unique_ptr<ManifestServices> services_;
};

TEST_F(ManifestServicesTest, OneChangedFileTouchesOnlyItsServicesAndManyServicesSaveOnce) {
  std::vector<api::Service> many;
  for (int i = 0; i < 200; ++i) many.push_back(MakeService("svc-" + std::to_string(i), {Port("", 80)}));
  services_->OnManifests({File("/m/many.yaml", many)});
  EXPECT_EQ(handler_.adds, 200);
  EXPECT_EQ(handler_.synced, 1);
  EXPECT_EQ(store_.saves(), 1);  // one save for the whole delivery, not one per Service
  EXPECT_EQ(store_.saved().size(), 200u);

  services_->OnManifests({File("/m/one.yaml", {MakeService("extra", {Port("", 80)})})});
  EXPECT_EQ(handler_.adds, 201);
  EXPECT_EQ(handler_.updates, 0);
  EXPECT_EQ(handler_.deletes, 0);
  EXPECT_EQ(store_.saves(), 2);

  many[7].spec.ports[0].port = 8080;  // one Service of the big file edited
  services_->OnManifests({File("/m/many.yaml", many)});
  EXPECT_EQ(handler_.updates, 1);
  EXPECT_EQ(handler_.adds, 201);

  services_->OnManifests({Removed("/m/one.yaml")});
  EXPECT_EQ(handler_.deletes, 1);
  EXPECT_EQ(services_->Services().size(), 200u);
}

TEST_F(ManifestServicesTest, DuplicateServiceNameTheFileThatSortsFirstWinsAlsoAgainstARunningOne) {
  services_->OnManifests({File("/m/b.yaml", {NodePortService("web", 30002)})});
  ASSERT_EQ(registry_->Get("default", "web")->service.spec.ports[0].node_port, 30002);

  services_->OnManifests({File("/m/a.yaml", {NodePortService("web", 30001)})});
  // As after a restart, when both files are read together: a.yaml's definition is the one in effect.
  EXPECT_EQ(registry_->Get("default", "web")->service.spec.ports[0].node_port, 30001);
  auto events = EventsWithReason("FailedValidation");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].object.kind, "Service");
  EXPECT_EQ(events[0].message, "/m/b.yaml: service default/web is already defined in /m/a.yaml; this definition is ignored");

  services_->OnManifests({File("/m/c.yaml", {MakeService("other", {Port("", 80)})})});
  EXPECT_EQ(EventsWithReason("FailedValidation").size(), 1u);  // reported once

  services_->OnManifests({Removed("/m/a.yaml")});  // b.yaml's definition takes over
  EXPECT_EQ(registry_->Get("default", "web")->service.spec.ports[0].node_port, 30002);
}

TEST_F(ManifestServicesTest, RefusedServiceIsRetriedWhenTheHolderGoes) {
  services_->OnManifests({File("/m/a.yaml", {NodePortService("first", 30001)}),
                          File("/m/b.yaml", {NodePortService("second", 30001)})});
  EXPECT_TRUE(registry_->Get("default", "first"));
  EXPECT_FALSE(registry_->Get("default", "second"));
  auto refused = EventsWithReason("FailedToAllocate");
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_TRUE(refused[0].message.starts_with("/m/b.yaml: ")) << refused[0].message;

  services_->OnManifests({Removed("/m/a.yaml")});
  EXPECT_FALSE(registry_->Get("default", "first"));
  ASSERT_TRUE(registry_->Get("default", "second"));
  EXPECT_EQ(registry_->Get("default", "second")->service.spec.ports[0].node_port, 30001);
}

}  // namespace
}  // namespace kubenode::agent
