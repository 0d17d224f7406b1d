#include "proxy/endpoint_slice_builder.h"

#include <gtest/gtest.h>

#include "tests/proxy/test_objects.h"

namespace kubenode::proxy {
namespace {

using testing::ContainerPort;
using testing::HelloService;
using testing::MakePod;
using testing::MakeService;
using testing::Port;

std::vector<PodWithStatus> Pods(std::vector<testing::PodAndStatus> in) {
  std::vector<PodWithStatus> out;
  for (auto& p : in) out.push_back({std::move(p.pod), std::move(p.status)});
  return out;
}

std::vector<std::string> PodNames(const api::EndpointSlice& slice) {
  std::vector<std::string> names;
  for (const api::Endpoint& e : slice.endpoints) names.push_back(e.target_pod);
  return names;
}

TEST(SelectorTest, EveryKeyMustMatchAndEmptyMatchesNothing) {
  EXPECT_TRUE(SelectorMatches({{"app", "nginx"}}, {{"app", "nginx"}, {"tier", "web"}}));
  EXPECT_FALSE(SelectorMatches({{"app", "nginx"}, {"tier", "db"}}, {{"app", "nginx"}, {"tier", "web"}}));
  EXPECT_FALSE(SelectorMatches({{"app", "nginx"}}, {}));
  EXPECT_FALSE(SelectorMatches({}, {{"app", "nginx"}}));
}

TEST(EndpointSliceBuilderTest, ReferenceService) {
  api::Service hello = HelloService();
  hello.spec.cluster_ip = "10.96.12.34";
  auto pods = Pods({MakePod("nginx-b", {{"app", "nginx"}}, "10.244.0.11"), MakePod("nginx-a", {{"app", "nginx"}}, "10.244.0.10"),
                    MakePod("redis", {{"app", "redis"}}, "10.244.0.12")});
  std::vector<api::EndpointSlice> slices = BuildEndpointSlices(hello, pods);
  ASSERT_EQ(slices.size(), 1u);
  const api::EndpointSlice& slice = slices[0];
  EXPECT_EQ(slice.metadata.name.substr(0, 14), "hello-service-");
  EXPECT_EQ(slice.metadata.name.size(), 19u);
  EXPECT_EQ(slice.metadata.ns, "default");
  EXPECT_EQ(slice.metadata.labels, (api::Labels{{"kubernetes.io/service-name", "hello-service"},
                                                {"endpointslice.kubernetes.io/managed-by", "endpointslice-controller.k8s.io"}}));
  EXPECT_EQ(slice.ports, (std::vector<api::EndpointPort>{{"", api::Protocol::kTCP, 80}}));
  ASSERT_EQ(PodNames(slice), (std::vector<std::string>{"nginx-a", "nginx-b"}));
  api::Endpoint expected;
  expected.addresses = {"10.244.0.10"};
  expected.conditions = {true, true, false};
  expected.node_name = "node-1";
  expected.target_pod = "nginx-a";
  EXPECT_EQ(slice.endpoints[0], expected);
  // Same inputs, same name.
  EXPECT_EQ(BuildEndpointSlices(hello, pods)[0].metadata.name, slice.metadata.name);
}

TEST(EndpointSliceBuilderTest, NotReadyPodsAreEndpointsThatAreNotReady) {
  auto slices = BuildEndpointSlices(HelloService(), Pods({MakePod("starting", {{"app", "nginx"}}, "10.244.0.10", false)}));
  ASSERT_EQ(slices.size(), 1u);
  ASSERT_EQ(slices[0].endpoints.size(), 1u);
  EXPECT_FALSE(slices[0].endpoints[0].conditions.ready);
  EXPECT_FALSE(slices[0].endpoints[0].conditions.serving);
}

TEST(EndpointSliceBuilderTest, TerminalPodsAndPodsWithoutIPAreLeftOut) {
  auto pods = Pods({MakePod("done", {{"app", "nginx"}}, "10.244.0.10", false, api::PodPhase::kSucceeded),
                    MakePod("failed", {{"app", "nginx"}}, "10.244.0.11", false, api::PodPhase::kFailed),
                    MakePod("pending", {{"app", "nginx"}}, "", false, api::PodPhase::kPending),
                    MakePod("running", {{"app", "nginx"}}, "10.244.0.12")});
  auto slices = BuildEndpointSlices(HelloService(), pods);
  ASSERT_EQ(slices.size(), 1u);
  EXPECT_EQ(PodNames(slices[0]), std::vector<std::string>{"running"});
}

TEST(EndpointSliceBuilderTest, OtherNamespacesDoNotMatch) {
  auto other = MakePod("nginx", {{"app", "nginx"}}, "10.244.0.10");
  other.pod.metadata.ns = "kube-system";
  auto slices = BuildEndpointSlices(HelloService(), Pods({other}));
  ASSERT_EQ(slices.size(), 1u);
  EXPECT_TRUE(slices[0].endpoints.empty());
}

TEST(EndpointSliceBuilderTest, NoSelectorNoSlices) {
  api::Service manual = MakeService("manual", {Port("", 80)});
  EXPECT_TRUE(BuildEndpointSlices(manual, Pods({MakePod("nginx", {{"app", "nginx"}}, "10.244.0.10")})).empty());
}

TEST(EndpointSliceBuilderTest, NoMatchingPodsGivesAnEmptyPlaceholder) {
  auto slices = BuildEndpointSlices(HelloService(), {});
  ASSERT_EQ(slices.size(), 1u);
  EXPECT_TRUE(slices[0].endpoints.empty());
  EXPECT_TRUE(slices[0].ports.empty());
  EXPECT_EQ(slices[0].metadata.labels.at(kHeadlessLabel), "") << "not allocated yet counts as headless";
}

TEST(EndpointSliceBuilderTest, NamedTargetPortResolvesPerPodAndSplitsSlices) {
  api::Service web = MakeService("web", {Port("http", 80, api::IntOrString::String("web")), Port("metrics", 9090)},
                                 {{"app", "web"}});
  web.spec.cluster_ip = "10.96.0.5";
  auto pods = Pods({
      MakePod("v1-a", {{"app", "web"}}, "10.244.0.10", true, api::PodPhase::kRunning, {ContainerPort("web", 8080)}),
      MakePod("v1-b", {{"app", "web"}}, "10.244.0.11", true, api::PodPhase::kRunning, {ContainerPort("web", 8080)}),
      MakePod("v2", {{"app", "web"}}, "10.244.0.12", true, api::PodPhase::kRunning, {ContainerPort("web", 8081)}),
      // Has the name only for UDP: not a match for a TCP service port.
      MakePod("udp", {{"app", "web"}}, "10.244.0.13", true, api::PodPhase::kRunning,
              {ContainerPort("web", 8080, api::Protocol::kUDP)}),
  });
  auto slices = BuildEndpointSlices(web, pods);
  ASSERT_EQ(slices.size(), 3u);
  std::map<std::string, std::vector<api::EndpointPort>> ports_by_pods;
  for (const auto& slice : slices) {
    std::string names;
    for (const auto& n : PodNames(slice)) names += n + ",";
    ports_by_pods[names] = slice.ports;
    EXPECT_EQ(slice.metadata.name.substr(0, 4), "web-");
  }
  EXPECT_EQ(ports_by_pods["v1-a,v1-b,"], (std::vector<api::EndpointPort>{{"http", api::Protocol::kTCP, 8080},
                                                                          {"metrics", api::Protocol::kTCP, 9090}}));
  EXPECT_EQ(ports_by_pods["v2,"], (std::vector<api::EndpointPort>{{"http", api::Protocol::kTCP, 8081},
                                                                   {"metrics", api::Protocol::kTCP, 9090}}));
  EXPECT_EQ(ports_by_pods["udp,"], (std::vector<api::EndpointPort>{{"metrics", api::Protocol::kTCP, 9090}}));
  // Names differ and the output is sorted by them.
  EXPECT_LT(slices[0].metadata.name, slices[1].metadata.name);
  EXPECT_LT(slices[1].metadata.name, slices[2].metadata.name);
}

TEST(EndpointSliceBuilderTest, NumericTargetPortAndDefaultedTargetPort) {
  api::Service s = MakeService("s", {Port("a", 80, api::IntOrString::Int(8080)), Port("b", 81)}, {{"app", "x"}});
  s.spec.ports[1].target_port = {};  // as if decoding had not defaulted it
  auto slices = BuildEndpointSlices(s, Pods({MakePod("x", {{"app", "x"}}, "10.244.0.10")}));
  ASSERT_EQ(slices.size(), 1u);
  EXPECT_EQ(slices[0].ports, (std::vector<api::EndpointPort>{{"a", api::Protocol::kTCP, 8080}, {"b", api::Protocol::kTCP, 81}}));
}

TEST(EndpointSliceBuilderTest, SplitsAtMaxEndpointsPerSliceAndFillsNodeName) {
  std::vector<testing::PodAndStatus> in;
  for (int i = 0; i < 5; ++i) {
    in.push_back(MakePod("p" + std::to_string(i), {{"app", "nginx"}}, "10.244.0." + std::to_string(10 + i)));
    in.back().pod.spec.node_name.clear();
  }
  EndpointSliceBuilderOptions options;
  options.max_endpoints_per_slice = 2;
  options.node_name = "this-node";
  auto slices = BuildEndpointSlices(HelloService(), Pods(std::move(in)), options);
  ASSERT_EQ(slices.size(), 3u);
  size_t total = 0;
  for (const auto& slice : slices) {
    EXPECT_LE(slice.endpoints.size(), 2u);
    total += slice.endpoints.size();
    for (const auto& e : slice.endpoints) EXPECT_EQ(e.node_name, "this-node");
  }
  EXPECT_EQ(total, 5u);
}

TEST(EndpointSliceBuilderTest, CopiesServiceLabelsButNotReservedOnes) {
  api::Service s = HelloService();
  s.spec.cluster_ip = "10.96.12.34";
  s.metadata.labels = {{"team", "web"}, {"kubernetes.io/service-name", "spoofed"}};
  auto slices = BuildEndpointSlices(s, {});
  ASSERT_EQ(slices.size(), 1u);
  EXPECT_EQ(slices[0].metadata.labels.at("team"), "web");
  EXPECT_EQ(slices[0].metadata.labels.at("kubernetes.io/service-name"), "hello-service");
  EXPECT_FALSE(slices[0].metadata.labels.contains(kHeadlessLabel));
}

TEST(EndpointSliceBuilderTest, LongServiceNamesAreTruncatedLikeGenerateName) {
  api::Service s = HelloService();
  s.metadata.name = std::string(70, 'a');
  auto slices = BuildEndpointSlices(s, {});
  ASSERT_EQ(slices.size(), 1u);
  EXPECT_EQ(slices[0].metadata.name.size(), 63u);
  EXPECT_EQ(slices[0].metadata.labels.at("kubernetes.io/service-name"), s.metadata.name);
}

}  // namespace
}  // namespace kubenode::proxy
