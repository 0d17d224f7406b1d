#include "api/ports.h"

#include <gtest/gtest.h>

namespace kubenode::api {
namespace {

Container WithPorts(std::string name, std::vector<ContainerPort> ports) {
  Container container;
  container.name = std::move(name);
  container.ports = std::move(ports);
  return container;
}

TEST(PortsTest, FindContainerPortTakesTheFirstOfThatName) {
  Container c = WithPorts("app", {{.name = "http", .container_port = 8080},
                                  {.name = "dns", .container_port = 53, .protocol = Protocol::kUDP},
                                  {.name = "http", .container_port = 9090}});
  EXPECT_EQ(FindContainerPort(c, "http"), 8080);
  EXPECT_EQ(FindContainerPort(c, "dns"), 53);
  EXPECT_EQ(FindContainerPort(c, "admin"), std::nullopt);
}

TEST(PortsTest, FindPodPortMatchesNameAndProtocolAcrossContainers) {
  Pod pod;
  pod.spec.containers.push_back(WithPorts("a", {{.name = "dns", .container_port = 5353, .protocol = Protocol::kUDP}}));
  pod.spec.containers.push_back(WithPorts("b", {{.name = "dns", .container_port = 5354},
                                                {.name = "web", .container_port = 80}}));
  EXPECT_EQ(FindPodPort(pod, "dns", Protocol::kUDP), 5353);
  EXPECT_EQ(FindPodPort(pod, "dns", Protocol::kTCP), 5354);
  EXPECT_EQ(FindPodPort(pod, "web", Protocol::kTCP), 80);
  EXPECT_EQ(FindPodPort(pod, "web", Protocol::kUDP), std::nullopt);
}

}  // namespace
}  // namespace kubenode::api
