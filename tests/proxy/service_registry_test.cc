#include "proxy/service_registry.h"

#include <gtest/gtest.h>

#include "base/fake_clock.h"
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
