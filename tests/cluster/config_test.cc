#include "cluster/config.h"

#include <gtest/gtest.h>

namespace kubenode::cluster {
namespace {

constexpr char kIssueFile[] = R"(kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
name: hello-world
nodes:
  - role: control-plane
  - role: worker
    extraPortMappings:
    - containerPort: 30001
      hostPort: 8000
      protocol: TCP
)";

std::string Header() { return "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n"; }

std::string ErrorOf(const std::string& text, const std::string& name = "") {
  Result<ClusterConfig> c = ParseClusterConfig(text, "cluster.yaml", name);
  return c.ok() ? "OK" : c.status().message();
}

TEST(ClusterConfigTest, TheIssuesFileDecodesWithKindsDefaults) {
  Result<ClusterConfig> c = ParseClusterConfig(kIssueFile, "cluster.yaml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->name, "hello-world");
  ASSERT_EQ(c->nodes.size(), 2u);
  EXPECT_EQ(c->nodes[0].role, NodeRole::kControlPlane);
  EXPECT_EQ(c->nodes[1].role, NodeRole::kWorker);
  ASSERT_EQ(c->nodes[1].extra_port_mappings.size(), 1u);
  EXPECT_EQ(c->nodes[1].extra_port_mappings[0],
            (PortMapping{.container_port = 30001, .host_port = 8000, .listen_address = "0.0.0.0", .protocol = "TCP"}));
  EXPECT_EQ(c->networking.pod_subnet, "10.244.0.0/16");
  EXPECT_EQ(c->networking.service_subnet, "10.96.0.0/16");
  EXPECT_EQ(c->networking.api_server_address, "127.0.0.1");
  EXPECT_EQ(c->networking.api_server_port, 0);
  EXPECT_EQ(c->networking.ip_family, "ipv4");
  EXPECT_EQ(c->networking.kube_proxy_mode, "iptables");
  EXPECT_FALSE(c->networking.disable_default_cni);
  EXPECT_EQ(NodeNames(*c), (std::vector<std::string>{"hello-world-control-plane", "hello-world-worker"}));
}

TEST(ClusterConfigTest, NoNodesMeansOneControlPlaneAndNoNameMeansKubenode) {
  Result<ClusterConfig> c = ParseClusterConfig(Header(), "cluster.yaml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->name, "kubenode");
  EXPECT_EQ(NodeNames(*c), (std::vector<std::string>{"kubenode-control-plane"}));
  Result<ClusterConfig> d = DefaultClusterConfig("dev");
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(NodeNames(*d), (std::vector<std::string>{"dev-control-plane"}));
}

TEST(ClusterConfigTest, TheNameFlagWinsOverTheFile) {
  Result<ClusterConfig> c = ParseClusterConfig(kIssueFile, "cluster.yaml", "other");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->name, "other");
  EXPECT_EQ(ErrorOf(kIssueFile, "Bad_Name"),
            "'Bad_Name' is not a valid cluster name, cluster names must match `^[a-z0-9.-]+$`");
}

TEST(ClusterConfigTest, WorkersAreNumberedAsKindNumbersThem) {
  Result<ClusterConfig> c = ParseClusterConfig(
      Header() + "name: k\nnodes:\n- role: worker\n- role: control-plane\n- role: worker\n- role: worker\n", "f");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(NodeNames(*c),
            (std::vector<std::string>{"k-worker", "k-control-plane", "k-worker2", "k-worker3"}));
}

TEST(ClusterConfigTest, EveryFieldKubenodeHonoursDecodes) {
  Result<ClusterConfig> c = ParseClusterConfig(Header() + R"(nodes:
- role: control-plane
  labels: {tier: cp}
  extraMounts:
  - hostPath: /srv/data
    containerPath: /data
    readOnly: true
    propagation: None
  extraPortMappings:
  - containerPort: 53
    hostPort: 5353
    listenAddress: 127.0.0.1
    protocol: UDP
networking:
  ipFamily: ipv4
  apiServerAddress: 127.0.0.2
  apiServerPort: 6443
  podSubnet: 10.100.0.0/16
  serviceSubnet: 10.200.0.0/16
  disableDefaultCNI: true
  kubeProxyMode: none
featureGates:
  SidecarContainers: true
runtimeConfig:
  api/alpha: "false"
containerdConfigPatches:
- |-
  [plugins."io.containerd.grpc.v1.cri".registry]
)",
                                               "f");
  ASSERT_TRUE(c.ok()) << c.status().message();
  const NodeConfig& n = c->nodes[0];
  EXPECT_EQ(n.labels, (api::Labels{{"tier", "cp"}}));
  EXPECT_EQ(n.extra_mounts, (std::vector<Mount>{{"/srv/data", "/data", true}}));
  EXPECT_EQ(n.extra_port_mappings[0],
            (PortMapping{.container_port = 53, .host_port = 5353, .listen_address = "127.0.0.1", .protocol = "UDP"}));
  EXPECT_EQ(c->networking.api_server_address, "127.0.0.2");
  EXPECT_EQ(c->networking.api_server_port, 6443);
  EXPECT_EQ(c->networking.pod_subnet, "10.100.0.0/16");
  EXPECT_EQ(c->networking.service_subnet, "10.200.0.0/16");
  EXPECT_TRUE(c->networking.disable_default_cni);
  EXPECT_EQ(c->networking.kube_proxy_mode, "none");
  EXPECT_EQ(c->feature_gates, (std::map<std::string, bool>{{"SidecarContainers", true}}));
  EXPECT_EQ(c->runtime_config, (std::map<std::string, std::string>{{"api/alpha", "false"}}));
  EXPECT_EQ(c->containerd_config_patches,
            (std::vector<std::string>{"[plugins.\"io.containerd.grpc.v1.cri\".registry]"}));
}

TEST(ClusterConfigTest, EncodedConfigDecodesToTheSame) {
  Result<ClusterConfig> c = ParseClusterConfig(kIssueFile, "cluster.yaml");
  ASSERT_TRUE(c.ok());
  const std::string text = EncodeClusterConfig(*c);
  Result<ClusterConfig> again = ParseClusterConfig(text, "state");
  ASSERT_TRUE(again.ok()) << again.status().message() << "\n" << text;
  EXPECT_EQ(again->name, "hello-world");
  EXPECT_EQ(NodeNames(*again), NodeNames(*c));
  EXPECT_EQ(again->nodes[1].extra_port_mappings, c->nodes[1].extra_port_mappings);
  EXPECT_EQ(EncodeClusterConfig(*again), text);
}

TEST(ClusterConfigTest, UnknownFieldsAndWrongTypesNameTheFieldAndLine) {
  EXPECT_EQ(ErrorOf(Header() + "nodes:\n- role: worker\n  rol: control-plane\n"),
            "cluster.yaml: line 5: nodes[0].rol: unknown field \"rol\"");
  EXPECT_EQ(ErrorOf(Header() + "networking:\n  apiServerPort: high\n"),
            "cluster.yaml: line 4: networking.apiServerPort: expected an integer, got \"high\"");
  EXPECT_EQ(ErrorOf(Header() + "nodes: control-plane\n"),
            "cluster.yaml: line 3: nodes: expected a sequence, got \"control-plane\"");
  EXPECT_EQ(ErrorOf("kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha3\n"),
            "cluster.yaml: line 2: apiVersion: Unsupported value: \"kind.x-k8s.io/v1alpha3\": supported values: "
            "\"kind.x-k8s.io/v1alpha4\"");
}

TEST(ClusterConfigTest, KindFieldsKubenodeCannotHonourAreErrorsNotSilence) {
  EXPECT_EQ(ErrorOf(Header() + "kubeadmConfigPatches:\n- |\n  kind: ClusterConfiguration\n"),
            "cluster.yaml: line 3: kubeadmConfigPatches: not supported: kubenode does not run kubeadm; it writes the "
            "control plane itself");
  EXPECT_EQ(ErrorOf(Header() + "nodes:\n- role: control-plane\n  image: kindest/node:v1.28.0\n"),
            "cluster.yaml: line 5: nodes[0].image: not supported: kubenode nodes are network namespaces running "
            "kubenode, not node images");
  EXPECT_EQ(ErrorOf(Header() + "containerdConfigPatchesJSON6902:\n- '[]'\n"),
            "cluster.yaml: line 3: containerdConfigPatchesJSON6902: not supported: kubenode merges "
            "containerdConfigPatches only");
  EXPECT_EQ(ErrorOf(Header() + "networking:\n  ipFamily: dual\n"),
            "cluster.yaml: line 4: networking.ipFamily: Unsupported value: \"dual\": supported values: \"ipv4\"");
  EXPECT_EQ(ErrorOf(Header() + "networking:\n  kubeProxyMode: ipvs\n"),
            "cluster.yaml: line 4: networking.kubeProxyMode: Unsupported value: \"ipvs\": supported values: "
            "\"iptables\", \"nftables\", \"none\"");
  EXPECT_EQ(ErrorOf(Header() + "nodes:\n- extraMounts:\n  - {hostPath: /a, containerPath: /b, selinuxRelabel: true}\n"),
            "cluster.yaml: line 5: nodes[0].extraMounts[0].selinuxRelabel: not supported: kubenode does not relabel "
            "mounts");
}

TEST(ClusterConfigTest, RolesAreControlPlaneOrWorkerAndExactlyOneControlPlane) {
  EXPECT_EQ(ErrorOf(Header() + "nodes:\n- role: master\n"),
            "cluster.yaml: line 4: nodes[0].role: Unsupported value: \"master\": supported values: \"control-plane\", "
            "\"worker\"");
  EXPECT_EQ(ErrorOf(Header() + "nodes:\n- role: worker\n"),
            "cluster.yaml: line 3: nodes: must have at least one control-plane node");
  EXPECT_EQ(ErrorOf(Header() + "nodes:\n- role: control-plane\n- role: worker\n- {}\n"),
            "cluster.yaml: line 6: nodes[2].role: multiple control-plane nodes are not supported");
}

TEST(ClusterConfigTest, HostPortClashesAcrossAllNodesAreErrors) {
  EXPECT_EQ(ErrorOf(Header() + R"(nodes:
- role: control-plane
  extraPortMappings:
  - {containerPort: 80, hostPort: 8000, listenAddress: 127.0.0.1}
- role: worker
  extraPortMappings:
  - {containerPort: 81, hostPort: 8000}
)"),
            "cluster.yaml: line 9: nodes[1].extraPortMappings[0]: port mapping with same listen address, port and "
            "protocol already configured: 0.0.0.0:8000/TCP (nodes[0].extraPortMappings[0])");
  // Other protocol, other address, random ports: no clash.
  EXPECT_EQ(ErrorOf(Header() + R"(nodes:
- role: control-plane
  extraPortMappings:
  - {containerPort: 80, hostPort: 8000, listenAddress: 127.0.0.1}
  - {containerPort: 80, hostPort: 8000, listenAddress: 127.0.0.2}
  - {containerPort: 80, hostPort: 8000, listenAddress: 127.0.0.1, protocol: UDP}
  - {containerPort: 80, hostPort: 0}
  - {containerPort: 81, hostPort: 0}
)"),
            "OK");
  EXPECT_EQ(ErrorOf(Header() + R"(networking: {apiServerPort: 6443}
nodes:
- extraPortMappings:
  - {containerPort: 80, hostPort: 6443}
)"),
            "cluster.yaml: line 6: nodes[0].extraPortMappings[0]: port mapping with same listen address, port and "
            "protocol already configured: 0.0.0.0:6443/TCP (networking.apiServerPort)");
}

TEST(ClusterConfigTest, PortsAddressesAndSubnetsAreChecked) {
  EXPECT_EQ(ErrorOf(Header() + "nodes:\n- extraPortMappings:\n  - {containerPort: 70000, hostPort: 8000}\n"),
            "cluster.yaml: line 5: nodes[0].extraPortMappings[0].containerPort: Invalid value: 70000: invalid port "
            "number");
  EXPECT_EQ(ErrorOf(Header() + "nodes:\n- extraPortMappings:\n  - {hostPort: 8000}\n"),
            "cluster.yaml: line 5: nodes[0].extraPortMappings[0].containerPort: Required value");
  EXPECT_EQ(ErrorOf(Header() + "nodes:\n- extraPortMappings:\n  - {containerPort: 80, protocol: tcp}\n"),
            "cluster.yaml: line 5: nodes[0].extraPortMappings[0].protocol: Unsupported value: \"tcp\": supported "
            "values: \"TCP\", \"UDP\", \"SCTP\"");
  EXPECT_EQ(ErrorOf(Header() + "networking:\n  podSubnet: 10.244.0.0\n"),
            "cluster.yaml: line 4: networking.podSubnet: Invalid value: \"10.244.0.0\": must be an IPv4 CIDR such as "
            "10.244.0.0/16");
  EXPECT_EQ(ErrorOf(Header() + "networking:\n  apiServerAddress: localhost\n"),
            "cluster.yaml: line 4: networking.apiServerAddress: Invalid value: \"localhost\": must be an IPv4 address");
  EXPECT_EQ(ErrorOf(Header() + "name: Hello\n"),
            "cluster.yaml: line 3: name: 'Hello' is not a valid cluster name, cluster names must match "
            "`^[a-z0-9.-]+$`");
  EXPECT_EQ(ErrorOf(Header() + "nodes:\n- extraMounts:\n  - {containerPath: /b}\n"),
            "cluster.yaml: line 5: nodes[0].extraMounts[0].hostPath: Required value");
}

}  // namespace
}  // namespace kubenode::cluster
