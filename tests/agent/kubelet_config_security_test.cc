// seccompDefault and allowedUnsafeSysctls: read from the file and checked as upstream's kubelet does at start.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/kubelet_config.h"

namespace kubenode::agent {
namespace {

TEST(KubeletConfigSecurityTest, DefaultsAreUpstreams) {
  auto c = ParseKubeletConfig("apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n", "k.yaml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_FALSE(c->seccomp_default);
  EXPECT_TRUE(c->allowed_unsafe_sysctls.empty());
}

TEST(KubeletConfigSecurityTest, ReadsSeccompDefaultAndAllowedUnsafeSysctls) {
  auto c = ParseKubeletConfig(R"(apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
seccompDefault: true
allowedUnsafeSysctls: ["net.core.somaxconn", "kernel.msg*"]
)",
                              "k.yaml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_TRUE(c->seccomp_default);
  EXPECT_EQ(c->allowed_unsafe_sysctls, (std::vector<std::string>{"net.core.somaxconn", "kernel.msg*"}));
}

TEST(KubeletConfigSecurityTest, NodeWideOrMalformedSysctlsAreRefusedWithTheirLine) {
  auto c = ParseKubeletConfig(R"(apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
seccompDefault: "yes"
allowedUnsafeSysctls:
- vm.swappiness
- "Net.*"
)",
                              "k.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), ::testing::HasSubstr("line 3: seccompDefault: expected a boolean"));
  c = ParseKubeletConfig(R"(apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
allowedUnsafeSysctls:
- vm.swappiness
- "Net.*"
)",
                         "k.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(),
              ::testing::HasSubstr("allowedUnsafeSysctls[0]: Invalid value: \"vm.swappiness\": the sysctl "
                                   "\"vm.swappiness\" are not known to be namespaced"));
  EXPECT_THAT(c.status().message(), ::testing::HasSubstr("allowedUnsafeSysctls[1]: Invalid value: \"Net.*\": sysctl"));
}

}  // namespace
}  // namespace kubenode::agent
