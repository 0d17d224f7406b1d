#include "cluster/control_plane.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "api/decode.h"

namespace kubenode::cluster {
namespace {

const std::string kTestData = std::string(KUBENODE_SOURCE_DIR) + "/tests/e2e/testdata/kubeadm";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// YAML text in one canonical form (parsed and emitted again), so that only content and order count.
std::string Canonical(const std::string& yaml) {
  YAML::Emitter out;
  out << YAML::Load(yaml);
  return out.c_str();
}

ControlPlaneOptions Options() {
  ControlPlaneOptions o;
  o.node_name = "hello-world-control-plane";
  o.advertise_address = "172.30.7.2";
  o.pki_dir = "/state/hello-world/pki";
  o.etcd_data_dir = "/state/hello-world/etcd";
  o.controller_manager_conf = "/state/hello-world/controller-manager.conf";
  o.scheduler_conf = "/state/hello-world/scheduler.conf";
  o.flexvolume_dir = "/state/hello-world/kubelet-plugins/volume/exec";
  return o;
}

// The generated manifests are kubeadm v1.28's (tests/e2e/testdata/kubeadm, from a real `kubeadm init`)
// field for field, once kubeadm's service subnet and etcd tag are chosen and the placeholders filled in.
TEST(ControlPlaneTest, MatchesWhatKubeadmWrites) {
  ControlPlaneOptions o = Options();
  o.service_subnet = "10.96.0.0/12";
  o.etcd_image_tag = "3.5.9-0";
  const std::map<std::string, std::string> vars = {
      {"@ROOT@", "/state/hello-world"}, {"@ADVERTISE@", o.advertise_address}, {"@NODE@", o.node_name},
      {"@ETCD_PORT@", "2379"}, {"@ETCD_PEER_PORT@", "2380"}, {"@ETCD_METRICS_PORT@", "2381"},
      {"@API_PORT@", "6443"}, {"@KCM_PORT@", "10257"}, {"@SCHED_PORT@", "10259"}};
  auto manifests = ControlPlaneManifests(o);
  ASSERT_TRUE(manifests.ok()) << manifests.status().message();
  ASSERT_EQ(manifests->size(), 4u);
  for (const StaticPodManifest& m : *manifests) {
    std::string want = ReadFile(kTestData + "/" + m.file);
    ASSERT_FALSE(want.empty()) << m.file;
    for (const auto& [key, value] : vars) {
      for (size_t at = want.find(key); at != std::string::npos; at = want.find(key, at + value.size())) {
        want.replace(at, key.size(), value);
      }
    }
    EXPECT_EQ(Canonical(m.yaml), Canonical(want)) << m.file;
  }
}

TEST(ControlPlaneTest, EveryManifestDecodesStrictlyWithKindsNetworks) {
  auto manifests = ControlPlaneManifests(Options());
  ASSERT_TRUE(manifests.ok());
  std::map<std::string, std::vector<std::string>> commands;
  for (const StaticPodManifest& m : *manifests) {
    auto objects = api::DecodeManifests(m.yaml, m.file);
    ASSERT_TRUE(objects.ok()) << m.file << ": " << objects.status().message();
    ASSERT_EQ(objects->size(), 1u);
    const api::Pod* pod = (*objects)[0].pod();
    ASSERT_NE(pod, nullptr) << m.file;
    EXPECT_EQ(pod->metadata.ns, "kube-system");
    EXPECT_TRUE(pod->spec.host_network) << m.file;
    EXPECT_EQ(pod->spec.priority_class_name, "system-node-critical");
    ASSERT_EQ(pod->spec.containers.size(), 1u);
    const api::Container& c = pod->spec.containers[0];
    EXPECT_TRUE(c.liveness_probe.has_value()) << m.file;
    EXPECT_TRUE(c.startup_probe.has_value()) << m.file;
    EXPECT_EQ(c.image.rfind("registry.k8s.io/", 0), 0u) << c.image;
    commands[pod->metadata.name] = c.command;
  }
  auto has = [&](const std::string& pod, const std::string& flag) {
    const auto& cmd = commands[pod];
    return std::find(cmd.begin(), cmd.end(), flag) != cmd.end();
  };
  EXPECT_TRUE(has("kube-apiserver", "--authorization-mode=Node,RBAC"));
  EXPECT_TRUE(has("kube-apiserver", "--enable-admission-plugins=NodeRestriction"));
  EXPECT_TRUE(has("kube-apiserver", "--service-cluster-ip-range=10.96.0.0/16"));
  EXPECT_TRUE(has("kube-apiserver", "--etcd-servers=https://127.0.0.1:2379"));
  EXPECT_TRUE(has("kube-apiserver", "--kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt"));
  EXPECT_TRUE(has("kube-apiserver", "--requestheader-client-ca-file=/etc/kubernetes/pki/front-proxy-ca.crt"));
  EXPECT_TRUE(has("kube-controller-manager", "--allocate-node-cidrs=true"));
  EXPECT_TRUE(has("kube-controller-manager", "--cluster-cidr=10.244.0.0/16"));
  EXPECT_TRUE(has("kube-controller-manager", "--service-cluster-ip-range=10.96.0.0/16"));
  EXPECT_TRUE(has("etcd", "--listen-client-urls=https://127.0.0.1:2379,https://172.30.7.2:2379"));
  EXPECT_TRUE(has("etcd", "--initial-cluster=hello-world-control-plane=https://172.30.7.2:2380"));
  EXPECT_TRUE(has("kube-scheduler", "--kubeconfig=/etc/kubernetes/scheduler.conf"));
}

TEST(ControlPlaneTest, WritesTheFourFilesAndEtcdsDataDir) {
  char tmpl[] = "/tmp/kubenode-control-plane-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string root = tmpl;
  ClusterState state(root, "hello-world");
  ControlPlaneOptions o = ControlPlaneOptionsFor(state, "hello-world-control-plane", "172.30.7.2");
  EXPECT_EQ(o.pki_dir, state.pki_dir());
  ASSERT_TRUE(WriteControlPlaneManifests(state.NodeManifestsDir("hello-world-control-plane"), o).ok());
  for (const char* f : {"etcd.yaml", "kube-apiserver.yaml", "kube-controller-manager.yaml", "kube-scheduler.yaml"}) {
    EXPECT_TRUE(std::filesystem::exists(state.NodeManifestsDir("hello-world-control-plane") + "/" + f)) << f;
  }
  struct stat st {};
  ASSERT_EQ(::stat(o.etcd_data_dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  std::filesystem::remove_all(root);
}

TEST(ControlPlaneTest, MissingPathIsNamed) {
  ControlPlaneOptions o = Options();
  o.pki_dir.clear();
  auto m = ControlPlaneManifests(o);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("pki_dir"), std::string::npos);
}

}  // namespace
}  // namespace kubenode::cluster
