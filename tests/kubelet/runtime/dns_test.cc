// Pod DNS per dnsPolicy as upstream's dns.go, and the pod's hostname/domain.
#include "kubelet/runtime/dns.h"

#include <gtest/gtest.h>

namespace kubenode::kubelet {
namespace {

using Strings = std::vector<std::string>;

api::Pod PodIn(const std::string& ns) {
  api::Pod pod;
  pod.metadata.name = "web";
  pod.metadata.ns = ns;
  pod.metadata.uid = "u1";
  return pod;
}

const cri::DNSConfig kHost{{"192.0.2.53", "192.0.2.54"}, {"corp.example", "example"}, {"timeout:2"}};

TEST(DnsTest, ParsesResolvConfAsUpstream) {
  const auto c = ParseResolvConf(
      "# comment\nnameserver 10.0.0.1\nsearch old.example\nnameserver 10.0.0.2\nsearch a.example. . b.example\n"
      "options ndots:2 timeout:1\noptions ndots:3\nnameserver\n");
  EXPECT_EQ(c.servers, (Strings{"10.0.0.1", "10.0.0.2"}));
  EXPECT_EQ(c.searches, (Strings{"a.example", "b.example"}));  // the last search line wins
  EXPECT_EQ(c.options, (Strings{"ndots:3", "timeout:1"}));
}

TEST(DnsTest, ClusterFirstWithClusterDnsUsesItAndTheClusterSearches) {
  DnsOptions o{{"10.96.0.10"}, "cluster.local", "/etc/resolv.conf"};
  auto dns = BuildPodDns(PodIn("team"), o, kHost);
  EXPECT_EQ(dns.config.servers, (Strings{"10.96.0.10"}));
  EXPECT_EQ(dns.config.searches,
            (Strings{"team.svc.cluster.local", "svc.cluster.local", "cluster.local", "corp.example", "example"}));
  EXPECT_EQ(dns.config.options, (Strings{"ndots:5"}));
  EXPECT_TRUE(dns.warnings.empty());
}

TEST(DnsTest, ClusterFirstWithoutClusterDnsFallsBackToDefaultWithAWarning) {
  auto dns = BuildPodDns(PodIn("default"), DnsOptions{}, kHost);
  EXPECT_EQ(dns.config, kHost);
  ASSERT_EQ(dns.warnings.size(), 1u);
  EXPECT_EQ(dns.warnings[0].first, "MissingClusterDNS");
  EXPECT_NE(dns.warnings[0].second.find("Falling back to \"Default\" policy."), std::string::npos);
}

TEST(DnsTest, HostNetworkClusterFirstIsDefaultUnlessWithHostNet) {
  DnsOptions o{{"10.96.0.10"}, "cluster.local", "/etc/resolv.conf"};
  auto pod = PodIn("default");
  pod.spec.host_network = true;
  EXPECT_EQ(BuildPodDns(pod, o, kHost).config, kHost);
  pod.spec.dns_policy = api::DNSPolicy::kClusterFirstWithHostNet;
  EXPECT_EQ(BuildPodDns(pod, o, kHost).config.servers, (Strings{"10.96.0.10"}));
}

TEST(DnsTest, NoneTakesOnlyDnsConfigAndDnsConfigMergesIntoOthers) {
  auto pod = PodIn("default");
  pod.spec.dns_policy = api::DNSPolicy::kNone;
  pod.spec.dns_config = api::PodDNSConfig{{"1.1.1.1"}, {"my.example"}, {{"ndots", "2"}, {"edns0", std::nullopt}}};
  auto dns = BuildPodDns(pod, DnsOptions{}, kHost);
  EXPECT_EQ(dns.config.servers, (Strings{"1.1.1.1"}));
  EXPECT_EQ(dns.config.searches, (Strings{"my.example"}));
  EXPECT_EQ(dns.config.options, (Strings{"ndots:2", "edns0"}));
  EXPECT_TRUE(dns.warnings.empty());

  pod.spec.dns_policy = api::DNSPolicy::kDefault;
  pod.spec.dns_config = api::PodDNSConfig{{"192.0.2.53", "1.1.1.1"}, {"example"}, {{"timeout", "5"}}};
  dns = BuildPodDns(pod, DnsOptions{}, kHost);
  EXPECT_EQ(dns.config.servers, (Strings{"192.0.2.53", "192.0.2.54", "1.1.1.1"}));
  EXPECT_EQ(dns.config.searches, (Strings{"corp.example", "example"}));
  EXPECT_EQ(dns.config.options, (Strings{"timeout:5"}));
}

TEST(DnsTest, LimitsCutNameserversAndSearchesWithAWarning) {
  auto pod = PodIn("default");
  pod.spec.dns_policy = api::DNSPolicy::kNone;
  api::PodDNSConfig c;
  c.nameservers = {"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"};
  for (int i = 0; i < 40; ++i) c.searches.push_back("s" + std::to_string(i) + ".example");
  pod.spec.dns_config = c;
  auto dns = BuildPodDns(pod, DnsOptions{}, kHost);
  EXPECT_EQ(dns.config.servers.size(), 3u);
  EXPECT_EQ(dns.config.searches.size(), 32u);
  ASSERT_EQ(dns.warnings.size(), 2u);
  EXPECT_EQ(dns.warnings[0].second,
            "Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: "
            "10.0.0.1 10.0.0.2 10.0.0.3");
  EXPECT_EQ(dns.warnings[1].first, "DNSConfigForming");
}

TEST(DnsTest, HostnameSubdomainAndFqdn) {
  auto pod = PodIn("team");
  auto name = PodHostnameAndDomain(pod, "cluster.local");
  EXPECT_EQ(name.hostname, "web");
  EXPECT_EQ(name.domain, "");
  pod.spec.hostname = "db-0";
  pod.spec.subdomain = "db";
  name = PodHostnameAndDomain(pod, "cluster.local");
  EXPECT_EQ(name.hostname, "db-0");
  EXPECT_EQ(name.domain, "db.team.svc.cluster.local");
  EXPECT_EQ(*SandboxHostname(pod, "cluster.local"), "db-0");
  pod.source = {{"spec", {{"setHostnameAsFQDN", true}}}};
  EXPECT_EQ(*SandboxHostname(pod, "cluster.local"), "db-0.db.team.svc.cluster.local");
  pod.spec.host_network = true;
  EXPECT_EQ(*SandboxHostname(pod, "cluster.local"), "");

  auto long_pod = PodIn("default");
  long_pod.metadata.name = std::string(62, 'a') + "-b";
  EXPECT_EQ(PodHostnameAndDomain(long_pod, "").hostname, std::string(62, 'a'));
}

}  // namespace
}  // namespace kubenode::kubelet
