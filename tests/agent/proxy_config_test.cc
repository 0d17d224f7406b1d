#include "agent/proxy_config.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace kubenode::agent {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::ElementsAre;

constexpr char kHeader[] = "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\n";

Result<ProxyConfig> Parse(const std::string& body) { return ParseProxyConfig(kHeader + body, "proxy.yaml"); }
// The error text of a file that must fail.
std::string ErrorOf(const std::string& body) {
  Result<ProxyConfig> c = Parse(body);
  EXPECT_FALSE(c.ok()) << body;
  return c.ok() ? "" : c.status().message();
}

TEST(ProxyConfigTest, MinimalFileGetsDefaults) {
  Result<ProxyConfig> c = Parse("");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->hostname_override, "");
  EXPECT_EQ(c->bind_address, "0.0.0.0");
  EXPECT_EQ(c->healthz_bind_address, "0.0.0.0:10256");
  EXPECT_EQ(c->metrics_bind_address, "127.0.0.1:10249");
  EXPECT_TRUE(c->cluster_cidrs.empty());
  EXPECT_EQ(c->nftables.sync_period, seconds(30));
  EXPECT_EQ(c->nftables.min_sync_period, seconds(1));
  EXPECT_EQ(c->nftables.masquerade_bit, 14);
  EXPECT_FALSE(c->nftables.masquerade_all);
  EXPECT_TRUE(c->node_port_addresses.empty());
  EXPECT_EQ(c->service_cluster_ip_range, "10.96.0.0/12");
  EXPECT_EQ(c->service_node_port_range, (NodePortRange{30000, 32767}));
  EXPECT_EQ(c->service_node_port_range.ToString(), "30000-32767");
}

TEST(ProxyConfigTest, ReadsModelledFields) {
  Result<ProxyConfig> c = Parse(R"(mode: nftables
hostnameOverride: node-1
bindAddress: 192.168.1.5
healthzBindAddress: 0.0.0.0
metricsBindAddress: ""
clusterCIDR: 10.244.0.0/16,fd00:10:244::/56
nftables:
  syncPeriod: 1m
  minSyncPeriod: 500ms
  masqueradeBit: 5
  masqueradeAll: true
nodePortAddresses: [192.168.1.0/24, 127.0.0.0/8]
serviceClusterIPRange: 10.100.0.0/16
serviceNodePortRange: 31000-31999
)");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->hostname_override, "node-1");
  EXPECT_EQ(c->bind_address, "192.168.1.5");
  EXPECT_EQ(c->healthz_bind_address, "0.0.0.0:10256");  // port appended like upstream
  EXPECT_EQ(c->metrics_bind_address, "127.0.0.1:10249");  // "": the default (not served either way)
  EXPECT_THAT(c->cluster_cidrs, ElementsAre("10.244.0.0/16", "fd00:10:244::/56"));
  EXPECT_EQ(c->nftables.sync_period, minutes(1));
  EXPECT_EQ(c->nftables.min_sync_period, milliseconds(500));
  EXPECT_EQ(c->nftables.masquerade_bit, 5);
  EXPECT_TRUE(c->nftables.masquerade_all);
  EXPECT_THAT(c->node_port_addresses, ElementsAre("192.168.1.0/24", "127.0.0.0/8"));
  EXPECT_EQ(c->service_cluster_ip_range, "10.100.0.0/16");
  EXPECT_EQ(c->service_node_port_range, (NodePortRange{31000, 31999}));
}

TEST(ProxyConfigTest, HealthzBindAddressIsServedWhereSetAndEmptyTurnsItOff) {
  Result<ProxyConfig> custom = Parse("healthzBindAddress: 127.0.0.1:18256\n");
  ASSERT_TRUE(custom.ok()) << custom.status().message();
  EXPECT_EQ(custom->healthz_bind_address, "127.0.0.1:18256");
  Result<ProxyConfig> off = Parse("healthzBindAddress: \"\"\n");
  ASSERT_TRUE(off.ok()) << off.status().message();
  EXPECT_EQ(off->healthz_bind_address, "");
}

TEST(ProxyConfigTest, IPv6BindAddressChangesDefaultAddresses) {
  Result<ProxyConfig> c = Parse("bindAddress: \"::\"\nhealthzBindAddress: \"::\"\n");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->healthz_bind_address, "[::]:10256");
  EXPECT_EQ(c->metrics_bind_address, "[::1]:10249");
}

TEST(ProxyConfigTest, EmptyModeMeansNftablesOthersAreErrors) {
  EXPECT_TRUE(Parse("mode: \"\"\n").ok());
  Result<ProxyConfig> c = Parse("mode: iptables\n");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "proxy.yaml: line 3: mode: Invalid value: \"iptables\": kubenode implements only the nftables mode");
}

TEST(ProxyConfigTest, ZeroPeriodsMeanDefaults) {
  Result<ProxyConfig> c = Parse("nftables: {syncPeriod: 0s, minSyncPeriod: \"0\", masqueradeBit: 0}\n");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->nftables.sync_period, seconds(30));
  EXPECT_EQ(c->nftables.min_sync_period, seconds(1));
  EXPECT_EQ(c->nftables.masquerade_bit, 0);  // an explicit 0 is a bit like any other
}

TEST(ProxyConfigTest, StrictAboutUnknownFieldsAtEveryLevel) {
  Result<ProxyConfig> c = Parse(R"(clusterCidr: 10.244.0.0/16
nftables:
  syncPeriod: 10s
  masqueradeALL: true
)");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "proxy.yaml: line 3: clusterCidr: unknown field \"clusterCidr\"\n"
            "proxy.yaml: line 6: nftables.masqueradeALL: unknown field \"masqueradeALL\"");
}

TEST(ProxyConfigTest, AcceptsKnownUpstreamFieldsItDoesNotImplement) {
  Result<ProxyConfig> c = Parse(R"(clientConnection:
  kubeconfig: /var/lib/kube-proxy/kubeconfig.conf
  qps: 5
iptables: {masqueradeBit: 14, syncPeriod: 30s}
ipvs: {scheduler: rr}
detectLocalMode: ClusterCIDR
configSyncPeriod: 15m
featureGates: {}
)");
  ASSERT_TRUE(c.ok()) << c.status().message();
}

TEST(ProxyConfigTest, FieldsWithoutEffectAreRejectedByName) {
  EXPECT_EQ(ErrorOf(R"(conntrack:
  maxPerCore: 32768
oomScoreAdj: -999
featureGates: {NFTablesProxyMode: true}
)"),
            "proxy.yaml: line 3: conntrack: field not supported by kubenode\n"
            "proxy.yaml: line 5: oomScoreAdj: field not supported by kubenode\n"
            "proxy.yaml: line 6: featureGates: field not supported by kubenode (no feature gates)");
  EXPECT_EQ(ErrorOf(R"(detectLocalMode: InterfaceNamePrefix
healthzBindAddress: 127.0.0.1:8080
metricsBindAddress: 0.0.0.0:9999
nodePortAddresses: ["::1/128"]
)"),
            "proxy.yaml: line 5: metricsBindAddress: field not supported by kubenode (no metrics server; leave it "
            "unset or \"\")\n"
            "proxy.yaml: line 3: detectLocalMode: field not supported by kubenode (only ClusterCIDR, the pod CIDR)\n"
            "proxy.yaml: line 6: nodePortAddresses[0]: Invalid value: \"::1/128\": kubenode's proxy is IPv4 only");
}

TEST(ProxyConfigTest, ValidationErrors) {
  Result<ProxyConfig> c = Parse(R"(bindAddress: localhost
metricsBindAddress: 127.0.0.1:99999
nftables:
  syncPeriod: 1s
  minSyncPeriod: 2s
  masqueradeBit: 32
clusterCIDR: 10.244.0.0/16,10.245.0.0/16
nodePortAddresses: [primary, 10.0.0.0/33]
serviceClusterIPRange: 10.96.0.1/12
serviceNodePortRange: 32767-30000
)");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "proxy.yaml: line 3: bindAddress: Invalid value: \"localhost\": must be a valid IP address\n"
            "proxy.yaml: line 4: metricsBindAddress: Invalid value: \"127.0.0.1:99999\": must be IP:port\n"
            "proxy.yaml: line 6: nftables.syncPeriod: Invalid value: \"1s\": must be greater than or equal to "
            "nftables.minSyncPeriod\n"
            "proxy.yaml: line 8: nftables.masqueradeBit: Invalid value: 32: must be within the range [0, 31]\n"
            "proxy.yaml: line 9: clusterCIDR: Invalid value: \"10.244.0.0/16,10.245.0.0/16\": must be a CIDR or a "
            "dual-stack pair of CIDRs (IPv4,IPv6)\n"
            "proxy.yaml: line 10: nodePortAddresses[0]: Invalid value: \"primary\": must be a CIDR (kubenode does "
            "not implement the keywords primary, localhost, all)\n"
            "proxy.yaml: line 10: nodePortAddresses[1]: Invalid value: \"10.0.0.0/33\": must be a CIDR (kubenode "
            "does not implement the keywords primary, localhost, all)\n"
            "proxy.yaml: line 11: serviceClusterIPRange: Invalid value: \"10.96.0.1/12\": must be an IPv4 CIDR with "
            "zero host bits, such as \"10.96.0.0/12\"\n"
            "proxy.yaml: line 12: serviceNodePortRange: invalid port range \"32767-30000\": the first port must not "
            "be greater than the last");
}

TEST(ProxyConfigTest, ChecksAPIVersionAndKind) {
  Result<ProxyConfig> c =
      ParseProxyConfig("apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeProxyConfiguration\n", "p.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "p.yaml: line 1: apiVersion: Unsupported value: \"kubelet.config.k8s.io/v1beta1\": supported values: "
            "\"kubeproxy.config.k8s.io/v1alpha1\"");
}

TEST(NodePortRangeTest, ParsesUpstreamSyntax) {
  EXPECT_EQ(*ParseNodePortRange("30000-32767"), (NodePortRange{30000, 32767}));
  EXPECT_EQ(*ParseNodePortRange("30000+2767"), (NodePortRange{30000, 32767}));
  EXPECT_EQ(*ParseNodePortRange("31000"), (NodePortRange{31000, 31000}));
  EXPECT_EQ(*ParseNodePortRange("1-65535"), (NodePortRange{1, 65535}));
  EXPECT_EQ(ParseNodePortRange("0-100").status().message(),
            "invalid port range \"0-100\": ports must be between 1 and 65535");
  EXPECT_EQ(ParseNodePortRange("30000-70000").status().message(),
            "invalid port range \"30000-70000\": ports must be between 1 and 65535");
  EXPECT_EQ(ParseNodePortRange("a-b").status().message(),
            "invalid port range \"a-b\": expected \"A-B\", \"A+N\" or \"A\" with port numbers");
  EXPECT_EQ(ParseNodePortRange("30000-").status().message(),
            "invalid port range \"30000-\": expected \"A-B\", \"A+N\" or \"A\" with port numbers");
  EXPECT_EQ(ParseNodePortRange("").status().message(),
            "invalid port range \"\": expected \"A-B\", \"A+N\" or \"A\" with port numbers");
}

TEST(ProxyConfigTest, LoadsFromFile) {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("kubenode-proxy-config-" + std::to_string(getpid()) + ".yaml"))
          .string();
  {
    std::ofstream out(path);
    out << kHeader << "clusterCIDR: 10.244.0.0/16\n";
  }
  Result<ProxyConfig> c = LoadProxyConfig(path);
  std::filesystem::remove(path);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_THAT(c->cluster_cidrs, ElementsAre("10.244.0.0/16"));
  EXPECT_EQ(LoadProxyConfig(path).status().message(), path + ": cannot read: No such file or directory");
}

}  // namespace
}  // namespace kubenode::agent
