// PodSandboxConfig.dns_config reaches CRI's DNSConfig; unset, none is sent (the runtime's default).
// convert.h first: the generated CRI header declares SIGABRT... which <csignal> (via gtest) defines as macros.
#include "cri/convert.h"

#include <gtest/gtest.h>

namespace kubenode::cri {
namespace {

namespace v1 = runtime::v1;

TEST(ConvertDnsTest, SandboxDnsConfigIsSentOnlyWhenSet) {
  PodSandboxConfig config;
  config.metadata = {"web", "u1", "default", 0};
  v1::PodSandboxConfig out;
  ToProto(config, &out);
  EXPECT_FALSE(out.has_dns_config());

  config.dns_config = DNSConfig{{"10.96.0.10"}, {"default.svc.cluster.local", "svc.cluster.local"}, {"ndots:5"}};
  out.Clear();
  ToProto(config, &out);
  ASSERT_TRUE(out.has_dns_config());
  ASSERT_EQ(out.dns_config().servers_size(), 1);
  EXPECT_EQ(out.dns_config().servers(0), "10.96.0.10");
  ASSERT_EQ(out.dns_config().searches_size(), 2);
  EXPECT_EQ(out.dns_config().searches(1), "svc.cluster.local");
  ASSERT_EQ(out.dns_config().options_size(), 1);
  EXPECT_EQ(out.dns_config().options(0), "ndots:5");
}

}  // namespace
}  // namespace kubenode::cri
