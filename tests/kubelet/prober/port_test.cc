#include "kubelet/prober/port.h"

#include <gtest/gtest.h>

namespace kubenode::kubelet::prober {
namespace {

api::Container WebContainer() {
  api::Container c;
  c.name = "web";
  c.ports = {{.name = "http", .container_port = 8080}, {.name = "metrics", .container_port = 9090}};
  return c;
}

TEST(ResolveContainerPortTest, Number) {
  Result<int> port = ResolveContainerPort(api::IntOrString::Int(80), WebContainer());
  ASSERT_TRUE(port.ok());
  EXPECT_EQ(*port, 80);
}

TEST(ResolveContainerPortTest, NameOfAContainerPort) {
  Result<int> port = ResolveContainerPort(api::IntOrString::String("metrics"), WebContainer());
  ASSERT_TRUE(port.ok());
  EXPECT_EQ(*port, 9090);
}

TEST(ResolveContainerPortTest, NumberWrittenAsString) {
  Result<int> port = ResolveContainerPort(api::IntOrString::String("8443"), WebContainer());
  ASSERT_TRUE(port.ok());
  EXPECT_EQ(*port, 8443);
}

TEST(ResolveContainerPortTest, UnknownNameNamesPortAndContainer) {
  Result<int> port = ResolveContainerPort(api::IntOrString::String("grpc"), WebContainer());
  ASSERT_FALSE(port.ok());
  EXPECT_EQ(port.status().message(), "port grpc not found in container web");
}

TEST(ResolveContainerPortTest, OutOfRange) {
  EXPECT_EQ(ResolveContainerPort(api::IntOrString::Int(0), WebContainer()).status().message(),
            "invalid port number: 0");
  EXPECT_EQ(ResolveContainerPort(api::IntOrString::Int(70000), WebContainer()).status().message(),
            "invalid port number: 70000");
}

}  // namespace
}  // namespace kubenode::kubelet::prober
