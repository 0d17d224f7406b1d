#include "cri/convert.h"

#include <gtest/gtest.h>

namespace kubenode::cri {
namespace {

namespace v1 = runtime::v1;

PodSandboxConfig NginxSandbox() {
  PodSandboxConfig config;
  config.metadata = {"nginx-node1", "uid-1", "default", 2};
  config.hostname = "nginx-node1";
  config.log_directory = "/var/log/pods/default_nginx-node1_uid-1";
  config.labels = {{"app", "nginx"}, {"io.kubernetes.pod.uid", "uid-1"}};
  config.annotations = {{"kubernetes.io/config.source", "file"}};
  config.port_mappings = {{Protocol::kUDP, 53, 5353, "127.0.0.1"}};
  return config;
}

TEST(ConvertTest, SandboxConfigCarriesMetadataLabelsAndPodNetwork) {
  v1::PodSandboxConfig out;
  ToProto(NginxSandbox(), &out);
  EXPECT_EQ(out.metadata().name(), "nginx-node1");
  EXPECT_EQ(out.metadata().uid(), "uid-1");
  EXPECT_EQ(out.metadata().namespace_(), "default");
  EXPECT_EQ(out.metadata().attempt(), 2u);
  EXPECT_EQ(out.log_directory(), "/var/log/pods/default_nginx-node1_uid-1");
  EXPECT_EQ(out.labels().at("io.kubernetes.pod.uid"), "uid-1");
  EXPECT_EQ(out.annotations().at("kubernetes.io/config.source"), "file");
  ASSERT_EQ(out.port_mappings_size(), 1);
  EXPECT_EQ(out.port_mappings(0).protocol(), v1::UDP);
  EXPECT_EQ(out.port_mappings(0).host_port(), 5353);
  EXPECT_EQ(out.linux().security_context().namespace_options().network(), v1::POD);
}

TEST(ConvertTest, HostNetworkSandboxAndItsContainersUseTheNodeNamespace) {
  PodSandboxConfig sandbox = NginxSandbox();
  sandbox.host_network = true;
  v1::PodSandboxConfig sandbox_out;
  ToProto(sandbox, &sandbox_out);
  EXPECT_EQ(sandbox_out.linux().security_context().namespace_options().network(), v1::NODE);

  ContainerConfig container;
  container.metadata = {"etcd", 1};
  container.image = "sha256:abc";
  container.command = {"etcd"};
  container.args = {"--data-dir", "/var/lib/etcd"};
  container.envs = {{"A", "1"}};
  container.mounts = {{"/var/lib/etcd", "/srv/etcd", false}};
  container.log_path = "etcd/1.log";
  v1::ContainerConfig out;
  ToProto(container, sandbox, &out);
  EXPECT_EQ(out.linux().security_context().namespace_options().network(), v1::NODE);
  EXPECT_EQ(out.metadata().attempt(), 1u);
  EXPECT_EQ(out.image().image(), "sha256:abc");
  ASSERT_EQ(out.args_size(), 2);
  EXPECT_EQ(out.args(1), "/var/lib/etcd");
  EXPECT_EQ(out.envs(0).key(), "A");
  EXPECT_EQ(out.mounts(0).host_path(), "/srv/etcd");
  EXPECT_EQ(out.log_path(), "etcd/1.log");
}

TEST(ConvertTest, ContainerResourcesAndSandboxCgroupParent) {
  PodSandboxConfig sandbox = NginxSandbox();
  sandbox.cgroup_parent = "/kubepods/burstable/pod1234";
  v1::PodSandboxConfig sandbox_out;
  ToProto(sandbox, &sandbox_out);
  EXPECT_EQ(sandbox_out.linux().cgroup_parent(), "/kubepods/burstable/pod1234");

  ContainerConfig container;
  container.metadata = {"app", 0};
  v1::ContainerConfig plain;
  ToProto(container, sandbox, &plain);
  EXPECT_FALSE(plain.linux().has_resources());  // unset: the runtime's defaults

  container.resources = LinuxContainerResources{100000, 20000, 102, 67108864, 999, {{"2MB", 0}, {"1GB", 1073741824}}};
  v1::ContainerConfig out;
  ToProto(container, sandbox, &out);
  const auto& r = out.linux().resources();
  EXPECT_EQ(r.cpu_period(), 100000);
  EXPECT_EQ(r.cpu_quota(), 20000);
  EXPECT_EQ(r.cpu_shares(), 102);
  EXPECT_EQ(r.memory_limit_in_bytes(), 67108864);
  EXPECT_EQ(r.oom_score_adj(), 999);
  ASSERT_EQ(r.hugepage_limits_size(), 2);
  EXPECT_EQ(r.hugepage_limits(1).page_size(), "1GB");
  EXPECT_EQ(r.hugepage_limits(1).limit(), 1073741824u);
}

TEST(ConvertTest, FiltersSetOnlyWhatIsAsked) {
  v1::ContainerFilter out;
  ToProto(ContainerFilter{.pod_sandbox_id = "s1", .state = ContainerState::kRunning}, &out);
  EXPECT_EQ(out.pod_sandbox_id(), "s1");
  ASSERT_TRUE(out.has_state());
  EXPECT_EQ(out.state().state(), v1::CONTAINER_RUNNING);
  v1::PodSandboxFilter sandbox_out;
  ToProto(SandboxFilter{.label_selector = {{"a", "b"}}}, &sandbox_out);
  EXPECT_FALSE(sandbox_out.has_state());
  EXPECT_EQ(sandbox_out.label_selector().at("a"), "b");
}

TEST(ConvertTest, StatusesComeBackWithIpsTimesAndExitCodes) {
  v1::PodSandboxStatus sandbox;
  sandbox.set_id("s1");
  sandbox.set_state(v1::SANDBOX_READY);
  sandbox.mutable_network()->set_ip("10.88.0.5");
  sandbox.mutable_network()->add_additional_ips()->set_ip("fd00::5");
  PodSandboxStatus s = FromProto(sandbox);
  EXPECT_EQ(s.state, SandboxState::kReady);
  EXPECT_EQ(s.ip, "10.88.0.5");
  ASSERT_EQ(s.additional_ips.size(), 1u);
  EXPECT_FALSE(s.host_network);

  v1::ContainerStatus container;
  container.set_id("c1");
  container.mutable_metadata()->set_name("nginx");
  container.mutable_metadata()->set_attempt(3);
  container.set_state(v1::CONTAINER_EXITED);
  container.set_exit_code(137);
  container.set_reason("OOMKilled");
  container.set_finished_at(42);
  ContainerStatus c = FromProto(container);
  EXPECT_EQ(c.state, ContainerState::kExited);
  EXPECT_EQ(c.metadata.attempt, 3u);
  EXPECT_EQ(c.exit_code, 137);
  EXPECT_EQ(c.reason, "OOMKilled");
  EXPECT_EQ(c.finished_at_ns, 42);
  EXPECT_STREQ(ToString(c.state), "CONTAINER_EXITED");
}

}  // namespace
}  // namespace kubenode::cri
