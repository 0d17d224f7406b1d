// Workloads of a real v1.28 cluster (../shared/k8s) on kubenode: a Deployment through the real
// controller-manager — 3 replicas Running, scaled to 5 and to 2, a rolling update to another image tag that
// completes and leaves no old pod on the node, a deleted pod replaced — and a Service over it answering
// through its ClusterIP with the proxy on.
#include <fstream>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/api_node_fixture.h"

namespace kubenode::testing {
namespace {

using nlohmann::json;

constexpr char kNode[] = "kubenode-workloads-1";

class ApiWorkloadsTest : public ApiNodeFixture<kNode> {
 protected:
  // The proxy is on (a Service test): the node's identity gets kube-proxy's role, as in api_mode_test.cc.
  std::vector<std::string> DaemonFlags() const override { return FlagsWithProxy(); }
  void TearDown() override {
    DaemonFixture::TearDown();
    RemoveProxyTable();
  }

  // Names of the Deployment's pods in the API that are not being deleted.
  std::set<std::string> ApiPods(const std::string& selector) {
    std::set<std::string> names;
    json list = KubectlJson("get pods -l " + selector);
    if (!list.is_object()) return names;
    for (const json& pod : list["items"]) {
      if (!pod["metadata"].contains("deletionTimestamp")) names.insert(pod["metadata"]["name"].get<std::string>());
    }
    return names;
  }
  // Names of the pods with a sandbox on the node (CRI, any state) among `prefix`*.
  std::set<std::string> NodePods(const std::string& prefix) {
    std::set<std::string> names;
    auto sandboxes = runtime_->ListPodSandbox({});
    if (!sandboxes.ok()) return names;
    for (const auto& s : *sandboxes) {
      auto it = s.labels.find("io.kubernetes.pod.name");
      if (it != s.labels.end() && it->second.rfind(prefix, 0) == 0) names.insert(it->second);
    }
    return names;
  }
  // `kubectl rollout status` exits 0 once every replica of the newest ReplicaSet is available.
  void ExpectRolledOut(const std::string& deployment) {
    CommandResult r = control_plane_->Kubectl("rollout status deployment/" + deployment + " --timeout=180s");
    EXPECT_EQ(r.exit_code, 0) << r.output << "\n" << control_plane_->Kubectl("get pods -o wide").output;
  }
  // Every API pod of the Deployment is Ready on this node, and the node runs exactly those (after cleanup).
  void ExpectNodeRunsExactly(const std::string& selector, size_t replicas) {
    std::set<std::string> api, node;
    EXPECT_TRUE(Eventually(
        [&] {
          api = ApiPods(selector);
          node = NodePods("web-");
          return api.size() == replicas && api == node;
        },
        120s, 1s))
        << "API: " << json(api).dump() << " node: " << json(node).dump();
    json list = KubectlJson("get pods -l " + selector);
    ASSERT_TRUE(list.is_object());
    for (const json& pod : list["items"]) {
      EXPECT_EQ(pod["spec"]["nodeName"], kNode);
      EXPECT_EQ(pod["status"].value("phase", ""), "Running") << pod.dump(1);
      EXPECT_EQ(Condition(pod, "Ready"), "True") << pod["metadata"]["name"];
    }
  }
};

TEST_F(ApiWorkloadsTest, DeploymentScalesRollsOutAndReplacesPods) {
  ASSERT_TRUE(Eventually([&] { return Condition(KubectlJson(std::string("get node ") + kNode), "Ready") == "True"; },
                         60s, 500ms));
  WaitForDefaultServiceAccount();
  CommandResult created = control_plane_->Kubectl("create deployment web --image=nginx:latest --replicas=3");
  ASSERT_EQ(created.exit_code, 0) << created.output;
  ExpectRolledOut("web");
  ExpectNodeRunsExactly("app=web", 3);

  ASSERT_EQ(control_plane_->Kubectl("scale deployment web --replicas=5").exit_code, 0);
  ExpectRolledOut("web");
  ExpectNodeRunsExactly("app=web", 5);

  // A second tag of nginx in the harness's registry, for the rolling update.
  const std::string registry = RequiredEnv("KUBENODE_REGISTRY");
  const std::string policy = control_plane_->dir() + "/policy.json";
  std::ofstream(policy) << R"({"default":[{"type":"insecureAcceptAnything"}]})";
  CommandResult pushed = RunCommand("skopeo --policy " + policy +
                                    " copy -q --src-tls-verify=false --dest-tls-verify=false docker://" + registry +
                                    "/library/nginx:latest docker://" + registry + "/library/nginx:rollout 2>&1");
  ASSERT_EQ(pushed.exit_code, 0) << pushed.output;
  const std::set<std::string> before = ApiPods("app=web");
  ASSERT_EQ(control_plane_->Kubectl("set image deployment/web nginx=nginx:rollout").exit_code, 0);
  ExpectRolledOut("web");
  ExpectNodeRunsExactly("app=web", 5);
  json list = KubectlJson("get pods -l app=web");
  ASSERT_TRUE(list.is_object());
  for (const json& pod : list["items"]) {
    EXPECT_FALSE(before.count(pod["metadata"]["name"].get<std::string>())) << "an old pod survived the rollout";
    EXPECT_EQ(pod["spec"]["containers"][0]["image"], "nginx:rollout");
  }

  ASSERT_EQ(control_plane_->Kubectl("scale deployment web --replicas=2").exit_code, 0);
  ExpectRolledOut("web");
  ExpectNodeRunsExactly("app=web", 2);

  // A deleted pod is replaced by the ReplicaSet, and the replacement runs here.
  const std::string victim = *ApiPods("app=web").begin();
  CommandResult del = control_plane_->Kubectl("delete pod " + victim + " --timeout=90s");
  ASSERT_EQ(del.exit_code, 0) << del.output;
  ExpectRolledOut("web");
  ExpectNodeRunsExactly("app=web", 2);
  EXPECT_FALSE(ApiPods("app=web").count(victim));

  // A Service over the Deployment answers through its apiserver-allocated ClusterIP.
  CommandResult bind = control_plane_->Kubectl(
      "create clusterrolebinding kubenode:node-proxier --clusterrole=system:node-proxier --group=system:nodes");
  ASSERT_EQ(bind.exit_code, 0) << bind.output;
  CommandResult exposed = control_plane_->Kubectl("expose deployment web --port=80");
  ASSERT_EQ(exposed.exit_code, 0) << exposed.output;
  json service = KubectlJson("get service web");
  ASSERT_TRUE(service.is_object());
  const std::string cluster_ip = service["spec"]["clusterIP"];
  std::string page;
  EXPECT_TRUE(Eventually(
      [&] {
        page = RunCommand("curl -sS --max-time 5 http://" + cluster_ip + "/ 2>&1").output;
        return page.find("Welcome to nginx") != std::string::npos;
      },
      60s, 1s))
      << page;
  control_plane_->Kubectl("delete service web");
  control_plane_->Kubectl("delete deployment web --timeout=90s");
}

}  // namespace
}  // namespace kubenode::testing
