// systemReserved / kubeReserved in the KubeletConfiguration: what allocatable (pod admission) subtracts.
#include <gtest/gtest.h>

#include "agent/kubelet_config.h"

namespace kubenode::agent {
namespace {

constexpr char kHeader[] = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n";

TEST(KubeletReservedTest, ReadsSystemAndKubeReserved) {
  auto c = ParseKubeletConfig(std::string(kHeader) +
                                  "systemReserved: {cpu: 500m, memory: 1Gi}\nkubeReserved: {ephemeral-storage: 1G, pid: \"100\"}\n",
                              "k.yaml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->system_reserved.at("cpu").milli, 500);
  EXPECT_EQ(c->system_reserved.at("memory").Value(), 1LL << 30);
  EXPECT_EQ(c->kube_reserved.at("ephemeral-storage").Value(), 1'000'000'000);
  EXPECT_EQ(c->kube_reserved.at("pid").Value(), 100);
}

TEST(KubeletReservedTest, RefusesUnknownResourcesAndBadQuantities) {
  auto c = ParseKubeletConfig(std::string(kHeader) + "systemReserved: {gpu: \"1\", memory: lots}\n", "k.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("systemReserved.gpu: Unsupported value: \"gpu\""), std::string::npos)
      << c.status().message();
  EXPECT_NE(c.status().message().find("systemReserved.memory: Invalid value: \"lots\""), std::string::npos)
      << c.status().message();
}

}  // namespace
}  // namespace kubenode::agent
