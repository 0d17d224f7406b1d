#include "proxy/service_registry.h"

#include <gtest/gtest.h>

#include "base/fake_clock.h"
#include "proxy/endpoint_slice_sync.h"
#include "proxy/service_change_tracker.h"
#include "tests/proxy/test_objects.h"

namespace kubenode::proxy {
namespace {

using namespace std::chrono_literals;
using testing::MakeService;
using testing::Port;

api::Service NodePortService(std::string name, int32_t node_port) {
  return MakeService(std::move(name), {Port("", 80, {}, api::Protocol::kTCP, node_port)}, {{"app", "x"}},
                     api::ServiceType::kNodePort);
}

class ServiceRegistryTest : public ::testing::Test {
 protected:
  std::unique_ptr<ServiceAllocator> NewAllocator() {
    ServiceAllocatorOptions options;
    options.seed = 5;
    options.clock = &clock_;
    return std::move(ServiceAllocator::Create(&store_, options)).value();
  }

  MemoryAllocationStore store_;
  FakeClock clock_;
  ServiceChangeTracker tracker_{"node-1"};
};

TEST_F(ServiceRegistryTest, DeliversAllocatedServicesAndKeepsCreationTime) {
  auto allocator = NewAllocator();
  ServiceRegistry registry(allocator.get(), &tracker_, &clock_);
  EXPECT_TRUE(registry.Sync({testing::HelloService()}).empty());
  EXPECT_TRUE(tracker_.synced() == false) << "slices have not synced yet";
  std::optional<api::Service> delivered = tracker_.GetService("default", "hello-service");
  ASSERT_TRUE(delivered);
  EXPECT_FALSE(delivered->spec.cluster_ip.empty());
  api::Time created = registry.Get("default", "hello-service")->created_at;
  EXPECT_EQ(created, clock_.WallNow());

  clock_.Advance(10min);
  api::Service edited = testing::HelloService();
  edited.spec.ports[0].port = 8080;
  ASSERT_TRUE(registry.Apply(edited).ok());
  EXPECT_EQ(registry.Get("default", "hello-service")->created_at, created);
  EXPECT_EQ(tracker_.GetService("default", "hello-service")->spec.ports[0].port, 8080);
  EXPECT_EQ(tracker_.GetService("default", "hello-service")->spec.cluster_ip, delivered->spec.cluster_ip);
}

// One Service object from the registry down: the handler gets the stored object itself, and an update
// hands on a new one (the old object, which a snapshot may still read, is never changed).
class SharingHandler : public ServiceHandler {
 public:
  void OnServiceAdd(const api::Service&) override { ++copies; }
  void OnServiceUpdate(const api::Service&, const api::Service&) override { ++copies; }
  void OnServiceDelete(const api::Service&) override { kept.reset(); }
  void OnServicesSynced() override {}
  void OnServiceAddShared(std::shared_ptr<const api::Service> service) override { kept = std::move(service); }
  void OnServiceUpdateShared(const api::Service&, std::shared_ptr<const api::Service> service) override {
    kept = std::move(service);
  }
  std::shared_ptr<const api::Service> kept;
  int copies = 0;
};

TEST_F(ServiceRegistryTest, HandsTheStoredServiceOnWithoutACopy) {
  auto allocator = NewAllocator();
  SharingHandler handler;
  ServiceRegistry registry(allocator.get(), &handler, &clock_);
  ASSERT_TRUE(registry.Apply(testing::HelloService()).ok());
  ASSERT_TRUE(handler.kept);
  EXPECT_EQ(handler.kept.use_count(), 2) << "the registry's record and the handler share one object";
  EXPECT_EQ(*handler.kept, registry.Get("default", "hello-service")->service);
  EXPECT_FALSE(handler.kept->spec.cluster_ip.empty());

  std::shared_ptr<const api::Service> first = handler.kept;
  api::Service edited = testing::HelloService();
  edited.spec.ports[0].port = 8080;
  ASSERT_TRUE(registry.Apply(edited).ok());
  EXPECT_NE(handler.kept, first);
  EXPECT_EQ(first->spec.ports[0].port, testing::HelloService().spec.ports[0].port);
  EXPECT_EQ(handler.kept->spec.ports[0].port, 8080);
  EXPECT_EQ(handler.copies, 0);

  registry.Delete("default", "hello-service");
  EXPECT_FALSE(handler.kept);
}

// EndpointSliceSync keeps the registry's object and hands that same object to the tracker.
TEST_F(ServiceRegistryTest, EndpointSliceSyncAndTrackerKeepTheRegistrysObject) {
  auto allocator = NewAllocator();
  SharingHandler probe;
  ServiceRegistry registry(allocator.get(), &probe, &clock_);
  ASSERT_TRUE(registry.Apply(testing::HelloService()).ok());
  const long held_by_registry_and_probe = probe.kept.use_count();
  EndpointSliceSync slices(&tracker_, {.node_name = "node-1"}, &tracker_);
  slices.OnServiceAddShared(probe.kept);
  EXPECT_EQ(probe.kept.use_count(), held_by_registry_and_probe + 2) << "one reference each in slices and tracker";
  EXPECT_EQ(tracker_.GetService("default", "hello-service"), *probe.kept);
}

TEST_F(ServiceRegistryTest, ConflictRefusesTheLaterServiceAndTheFirstKeepsWorking) {
  auto allocator = NewAllocator();
  ServiceRegistry registry(allocator.get(), &tracker_, &clock_);
  std::map<std::string, Status> errors = registry.Sync({NodePortService("a", 30001), NodePortService("b", 30001)});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors.at("default/b").message(),
            "service default/b: spec.ports[0].nodePort: Invalid value: 30001: provided port is already allocated "
            "to service default/a");
  EXPECT_TRUE(tracker_.GetService("default", "a"));
  EXPECT_FALSE(tracker_.GetService("default", "b"));
  EXPECT_EQ(registry.List().size(), 1u);

  // A bad edit of a working Service keeps the previous version in effect.
  api::Service c = NodePortService("c", 30002);
  ASSERT_TRUE(registry.Apply(c).ok());
  EXPECT_FALSE(registry.Apply(NodePortService("c", 30001)).ok());
  EXPECT_EQ(tracker_.GetService("default", "c")->spec.ports[0].node_port, 30002);

  // Removing a from the manifests lets b in on the same rescan.
  errors = registry.Sync({NodePortService("b", 30001), c});
  EXPECT_TRUE(errors.empty()) << errors.begin()->second.message();
  EXPECT_FALSE(tracker_.GetService("default", "a"));
  EXPECT_EQ(tracker_.GetService("default", "b")->spec.ports[0].node_port, 30001);
}

TEST_F(ServiceRegistryTest, RestartKeepsValuesAndForgetsServicesRemovedWhileDown) {
  std::string hello_ip;
  {
    auto allocator = NewAllocator();
    ServiceRegistry registry(allocator.get(), &tracker_, &clock_);
    ASSERT_TRUE(registry.Sync({testing::HelloService(), NodePortService("old", 30002)}).empty());
    hello_ip = registry.Get("default", "hello-service")->service.spec.cluster_ip;
  }
  // Restart: "old" was deleted from the manifests meanwhile and "new" asks for its port.
  auto allocator = NewAllocator();
  ServiceChangeTracker tracker("node-1");
  ServiceRegistry registry(allocator.get(), &tracker, &clock_);
  std::map<std::string, Status> errors = registry.Sync({testing::HelloService(), NodePortService("new", 30002)});
  EXPECT_TRUE(errors.empty()) << errors.begin()->second.message();
  EXPECT_EQ(registry.Get("default", "hello-service")->service.spec.cluster_ip, hello_ip);
  EXPECT_FALSE(store_.saved().contains("default/old"));
}

TEST_F(ServiceRegistryTest, DeleteFreesAndNotifies) {
  auto allocator = NewAllocator();
  ServiceRegistry registry(allocator.get(), &tracker_, &clock_);
  ASSERT_TRUE(registry.Apply(NodePortService("a", 30001)).ok());
  registry.Delete("default", "a");
  EXPECT_FALSE(tracker_.GetService("default", "a"));
  EXPECT_FALSE(registry.Get("default", "a"));
  EXPECT_TRUE(registry.Apply(NodePortService("b", 30001)).ok());
  registry.Delete("default", "missing");  // no-op
}

}  // namespace
}  // namespace kubenode::proxy
