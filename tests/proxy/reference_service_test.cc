// The task's reference manifest, verbatim, through every stage this part of the proxy owns: decode,
// allocate, endpointslices from pods, the change tracker's ServicePortInfo, and kubectl-style printing.
#include <gtest/gtest.h>

#include "tests/support/reference_manifests.h"

#include "api/decode.h"
#include "base/fake_clock.h"
#include "proxy/endpoint_slice_sync.h"
#include "proxy/service_allocator.h"
#include "proxy/service_change_tracker.h"
#include "proxy/service_printer.h"
#include "tests/proxy/test_objects.h"

namespace kubenode::proxy {
namespace {

std::string Pad(const std::string& cell, size_t width) { return cell + std::string(width - cell.size(), ' '); }

TEST(ReferenceServiceTest, FromManifestToRulesInputAndPrintedOutput) {
  Result<std::vector<api::ManifestObject>> objects = api::DecodeManifests(kubenode::testing::kReferenceService, "hello.yaml");
  ASSERT_TRUE(objects.ok()) << objects.status().message();
  ASSERT_EQ(objects->size(), 1u);
  const api::Service& decoded = *objects->front().service();

  MemoryAllocationStore store;
  ServiceAllocatorOptions options;
  options.seed = 1;
  Result<std::unique_ptr<ServiceAllocator>> allocator = ServiceAllocator::Create(&store, options);
  ASSERT_TRUE(allocator.ok());
  Result<api::Service> service = (*allocator)->Allocate(decoded);
  ASSERT_TRUE(service.ok()) << service.status().message();
  const std::string ip = service->spec.cluster_ip;
  ASSERT_TRUE((*allocator)->cluster_ip_range().Contains(*ParseIPv4(ip))) << ip;
  EXPECT_EQ(service->spec.ports[0].node_port, 30001);

  ServiceChangeTracker tracker("node-1");
  EndpointSliceSync slices(&tracker, {"node-1"});
  tracker.OnServiceAdd(*service);
  tracker.OnServicesSynced();
  auto ready = testing::MakePod("nginx-1", {{"app", "nginx"}}, "10.244.0.10");
  auto starting = testing::MakePod("nginx-2", {{"app", "nginx"}}, "10.244.0.11", false);
  slices.Sync({*service}, {{ready.pod, ready.status}, {starting.pod, starting.status}});
  ASSERT_TRUE(tracker.synced());

  ServiceSnapshot snapshot = tracker.Snapshot();
  ServicePortInfo expected;
  expected.id = {"default", "hello-service", ""};
  expected.cluster_ip = ip;
  expected.port = 80;
  expected.node_port = 30001;
  expected.endpoints = {{"10.244.0.10", 80, true, true}, {"10.244.0.11", 80, false, true}};
  EXPECT_EQ(snapshot.ports, std::vector<ServicePortInfo>{expected});

  FakeClock clock;
  ServiceRecord record{*service, clock.WallNow() - std::chrono::minutes(5)};
  const size_t ip_width = std::max<size_t>(ip.size(), 10) + 3;
  EXPECT_EQ(FormatServices({record}, {}, clock),
            "NAME            TYPE       " + Pad("CLUSTER-IP", ip_width) + "EXTERNAL-IP   PORT(S)        AGE\n" +
                "hello-service   NodePort   " + Pad(ip, ip_width) + "<none>        80:30001/TCP   5m\n");
  EXPECT_EQ(DescribeService(record, tracker.SlicesFor("default", "hello-service")),
            "Name:                     hello-service\n"
            "Namespace:                default\n"
            "Labels:                   <none>\n"
            "Annotations:              <none>\n"
            "Selector:                 app=nginx\n"
            "Type:                     NodePort\n"
            "IP Family Policy:         SingleStack\n"
            "IP Families:              IPv4\n"
            "IP:                       " + ip + "\n" +
            "IPs:                      " + ip + "\n" +
            "Port:                     <unset>  80/TCP\n"
            "TargetPort:               80/TCP\n"
            "NodePort:                 <unset>  30001/TCP\n"
            "Endpoints:                10.244.0.10:80\n"
            "Session Affinity:         None\n"
            "External Traffic Policy:  Cluster\n"
            "Internal Traffic Policy:  Cluster\n"
            "Events:                   <none>\n");
}

}  // namespace
}  // namespace kubenode::proxy
