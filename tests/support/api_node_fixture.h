// kubenode as a node of a real v1.28 cluster, for e2e tests: one control plane per test suite
// (tests/support/control_plane.h) with a node kubeconfig for `node_name`, and per test a `kubenode run
// --kubeconfig` (tests/support/daemon_fixture.h) on the harness's containerd.
#pragma once

#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/control_plane.h"
#include "tests/support/daemon_fixture.h"

namespace kubenode::testing {

template <const char* kNodeName>
class ApiNodeFixture : public DaemonFixture {
 protected:
  static void SetUpTestSuite() {
    control_plane_ = new ControlPlane();
    if (!control_plane_->ok()) return;
    CommandResult made = RunCommand("bash " + K8sBinariesDir() + "/node-kubeconfig.sh " + control_plane_->dir() + " " +
                                    kNodeName + " 2>&1");
    if (made.exit_code != 0) ADD_FAILURE() << "node-kubeconfig.sh: " << made.output;
  }
  static void TearDownTestSuite() {
    if (control_plane_ != nullptr && control_plane_->ok()) {
      control_plane_->Kubectl(std::string("delete node ") + kNodeName);
    }
    delete control_plane_;
    control_plane_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(control_plane_->ok());
    DaemonFixture::SetUp();
  }
  // The kubelet half only; a test of the proxy half overrides this.
  std::vector<std::string> DaemonFlags() const override {
    return {"--no-proxy", "--hostname-override", kNodeName, "--kubeconfig", NodeKubeconfig()};
  }
  // As kubeadm: the kubelet trusts client certificates of the cluster CA, so that the apiserver's
  // kubelet-client certificate reaches :10250 (kubectl logs / exec).
  std::string ExtraKubeletConfig() const override {
    return "authentication:\n  x509:\n    clientCAFile: " + control_plane_->dir() + "/pki/ca.crt\n";
  }
  static std::string NodeKubeconfig() { return control_plane_->dir() + "/node-" + kNodeName + ".kubeconfig"; }
  // The kubelet and the proxy, for a test of Services: the node's identity then needs kube-proxy's role
  // (clusterrolebinding kubenode:node-proxier), and the test's TearDown calls RemoveProxyTable().
  std::vector<std::string> FlagsWithProxy() const {
    return {"--cluster-cidr", RequiredEnv("KUBENODE_POD_SUBNET"), "--hostname-override", kNodeName, "--kubeconfig",
            NodeKubeconfig()};
  }
  // The proxy leaves its table when it stops, as kube-proxy does; `run --cleanup` removes it.
  static void RemoveProxyTable() { RunCommand(std::string(KUBENODE_BINARY) + " run --cleanup"); }

  // `kubectl ARGS -o json` as admin; null when kubectl failed.
  nlohmann::json KubectlJson(const std::string& args) {
    CommandResult r = control_plane_->Kubectl(args + " -o json");
    if (r.exit_code != 0) return nullptr;
    return nlohmann::json::parse(r.output, nullptr, false);
  }
  static std::string Condition(const nlohmann::json& object, const std::string& type) {
    if (!object.is_object() || !object["status"].contains("conditions")) return "";
    for (const nlohmann::json& c : object["status"]["conditions"]) {
      if (c.value("type", "") == type) return c.value("status", "");
    }
    return "";
  }
  // Pods are admitted only once the controller-manager made the namespace's default ServiceAccount.
  void WaitForDefaultServiceAccount() {
    for (int i = 0; i < 60 && control_plane_->Kubectl("get serviceaccount default").exit_code != 0; ++i) sleep(1);
  }

  // A busybox pod for the scheduler (no nodeName, no service-account volume) running `command`, applied with
  // kubectl; the test fails when kubectl refuses it.
  void ApplyBusyboxPod(const std::string& name, const std::string& command, int grace_seconds) {
    WaitForDefaultServiceAccount();
    const std::string manifest = control_plane_->dir() + "/" + name + ".yaml";
    std::ofstream(manifest) << "apiVersion: v1\nkind: Pod\nmetadata: {name: " << name << "}\n"
                            << "spec:\n  automountServiceAccountToken: false\n  terminationGracePeriodSeconds: "
                            << grace_seconds << "\n  containers:\n  - name: main\n    image: busybox:latest\n"
                            << "    command: [sh, -c, '" << command << "']\n";
    CommandResult apply = control_plane_->Kubectl("apply -f " + manifest);
    ASSERT_EQ(apply.exit_code, 0) << apply.output;
  }
  // A container that runs until SIGTERM and then exits 0 at once.
  static constexpr char kSleepUntilTerm[] = "trap \"exit 0\" TERM; while true; do sleep 1; done";

  static inline ControlPlane* control_plane_ = nullptr;
};

}  // namespace kubenode::testing
