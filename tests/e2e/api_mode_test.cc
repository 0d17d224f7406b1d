// kubenode as a node of a real v1.28 cluster (../shared/k8s): it registers Ready with upstream's node
// status, keeps its Lease, runs a pod the real scheduler binds to it, reports the pod's status, and
// finishes `kubectl delete pod` within the grace period. Real containerd from the harness, real kubectl.
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/api_node_fixture.h"
#include "tests/support/reference_manifests.h"

namespace kubenode::testing {
namespace {

using nlohmann::json;

constexpr char kNode[] = "kubenode-api-1";

using ApiModeTest = ApiNodeFixture<kNode>;

TEST_F(ApiModeTest, NodeRegistersReadyRunsAScheduledPodAndDeletesIt) {
  json node;
  ASSERT_TRUE(Eventually(
      [&] {
        node = KubectlJson(std::string("get node ") + kNode);
        return Condition(node, "Ready") == "True";
      },
      60s, 500ms))
      << node.dump(1);
  EXPECT_EQ(node["metadata"]["labels"]["kubernetes.io/hostname"], kNode);
  EXPECT_EQ(node["status"]["nodeInfo"]["kubeletVersion"].get<std::string>().rfind("v1.28.7-kubenode.", 0), 0u);
  EXPECT_EQ(node["status"]["nodeInfo"]["containerRuntimeVersion"].get<std::string>().rfind("containerd://", 0), 0u);
  EXPECT_EQ(node["status"]["addresses"][0]["type"], "InternalIP");
  EXPECT_EQ(node["status"]["capacity"]["pods"], "110");
  CommandResult wide = control_plane_->Kubectl("get nodes -o wide");
  EXPECT_NE(wide.output.find(kNode), std::string::npos) << wide.output;
  EXPECT_NE(wide.output.find("Ready"), std::string::npos) << wide.output;

  // The Lease is renewed every 10 s.
  json lease = KubectlJson(std::string("-n kube-node-lease get lease ") + kNode);
  ASSERT_TRUE(lease.is_object());
  const std::string first_renew = lease["spec"]["renewTime"];
  EXPECT_EQ(lease["spec"]["leaseDurationSeconds"], 40);
  EXPECT_TRUE(Eventually(
      [&] {
        json now = KubectlJson(std::string("-n kube-node-lease get lease ") + kNode);
        return now.is_object() && now["spec"]["renewTime"] != first_renew;
      },
      30s, 1s));

  // A pod for the scheduler (no nodeName): it lands here, runs, and its status reaches the API.
  ASSERT_NO_FATAL_FAILURE(ApplyBusyboxPod("sleeper", kSleepUntilTerm, 5));
  json pod;
  ASSERT_TRUE(Eventually(
      [&] {
        pod = KubectlJson("get pod sleeper");
        return pod.is_object() && pod["status"].value("phase", "") == "Running" && Condition(pod, "Ready") == "True";
      },
      kPodTimeout, 1s))
      << pod.dump(1);
  EXPECT_EQ(pod["spec"]["nodeName"], kNode);
  EXPECT_FALSE(pod["status"].value("podIP", "").empty());
  EXPECT_EQ(pod["status"]["containerStatuses"][0]["containerID"].get<std::string>().rfind("containerd://", 0), 0u);
  EXPECT_EQ(pod["status"]["containerStatuses"][0]["restartCount"], 0);
  // kubenode's own CLI sees the same pod.
  EXPECT_NE(Cli("get pods").output.find("sleeper"), std::string::npos);

  // kubectl delete returns within the grace period (5 s) plus the node's reaction time, and the pod is gone.
  const auto started = std::chrono::steady_clock::now();
  CommandResult del = control_plane_->Kubectl("delete pod sleeper --timeout=60s");
  ASSERT_EQ(del.exit_code, 0) << del.output;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 30s);
  EXPECT_NE(control_plane_->Kubectl("get pod sleeper").output.find("NotFound"), std::string::npos);
  EXPECT_TRUE(Eventually([&] { return Cli("get pods").output.find("sleeper") == std::string::npos; }, 30s, 500ms));
}

// A static pod beside API pods: its mirror pod shows in kubectl with the pod's status, and deleting the mirror is
// undone; the static pod itself is not restarted by either.
TEST_F(ApiModeTest, StaticPodsHaveMirrorPods) {
  std::ofstream(manifest_dir_ + "/static-web.yaml")
      << "apiVersion: v1\nkind: Pod\nmetadata: {name: static-web, labels: {app: static}}\nspec:\n"
         "  containers:\n  - name: main\n    image: busybox:latest\n"
         "    command: [sh, -c, 'trap \"exit 0\" TERM; while true; do sleep 1; done']\n";
  const std::string mirror_name = std::string("static-web-") + kNode;
  json mirror;
  ASSERT_TRUE(Eventually(
      [&] {
        mirror = KubectlJson("get pod " + mirror_name);
        return mirror.is_object() && mirror["status"].value("phase", "") == "Running";
      },
      kPodTimeout, 1s))
      << mirror.dump(1);
  EXPECT_TRUE(mirror["metadata"]["annotations"].contains("kubernetes.io/config.mirror"));
  EXPECT_EQ(mirror["metadata"]["ownerReferences"][0]["kind"], "Node");
  const std::string first_uid = mirror["metadata"]["uid"];
  const std::string container_id = mirror["status"]["containerStatuses"][0]["containerID"];
  CommandResult del = control_plane_->Kubectl("delete pod " + mirror_name + " --wait=false");
  ASSERT_EQ(del.exit_code, 0) << del.output;
  ASSERT_TRUE(Eventually(
      [&] {
        mirror = KubectlJson("get pod " + mirror_name);
        return mirror.is_object() && mirror["metadata"]["uid"] != first_uid &&
               mirror["status"].value("phase", "") == "Running";
      },
      60s, 1s))
      << mirror.dump(1);
  EXPECT_EQ(mirror["status"]["containerStatuses"][0]["containerID"], container_id) << "the static pod restarted";
  // No API pod was made of the mirror: kubenode runs the static pod once.
  CommandResult pods = Cli("get pods");
  size_t count = 0;
  for (size_t at = pods.output.find("static-web"); at != std::string::npos; at = pods.output.find("static-web", at + 1)) ++count;
  EXPECT_EQ(count, 1u) << pods.output;
}

// kubenode killed (-9) and started again: the pod it runs is adopted, not restarted, and its status in the API
// stays Running with the same container.
TEST_F(ApiModeTest, ARestartAdoptsApiPods) {
  ASSERT_NO_FATAL_FAILURE(ApplyBusyboxPod("adopted", kSleepUntilTerm, 2));
  json pod;
  ASSERT_TRUE(Eventually(
      [&] {
        pod = KubectlJson("get pod adopted");
        return pod.is_object() && Condition(pod, "Ready") == "True";
      },
      kPodTimeout, 1s))
      << pod.dump(1);
  const std::string container_id = pod["status"]["containerStatuses"][0]["containerID"];
  RestartDaemon();
  // The restarted node reports again (its lease moves) and the pod is the same container, never restarted.
  json lease = KubectlJson(std::string("-n kube-node-lease get lease ") + kNode);
  ASSERT_TRUE(lease.is_object());
  const std::string renew = lease["spec"]["renewTime"];
  ASSERT_TRUE(Eventually(
      [&] {
        json now = KubectlJson(std::string("-n kube-node-lease get lease ") + kNode);
        return now.is_object() && now["spec"]["renewTime"] != renew;
      },
      30s, 1s));
  ASSERT_TRUE(Eventually([&] { return Cli("get pods").output.find("adopted") != std::string::npos; }, 30s, 500ms));
  pod = KubectlJson("get pod adopted");
  ASSERT_TRUE(pod.is_object());
  EXPECT_EQ(pod["status"]["containerStatuses"][0]["containerID"], container_id) << pod.dump(1);
  EXPECT_EQ(pod["status"]["containerStatuses"][0]["restartCount"], 0);
  EXPECT_EQ(Condition(pod, "Ready"), "True");
  CommandResult del = control_plane_->Kubectl("delete pod adopted --timeout=60s");
  EXPECT_EQ(del.exit_code, 0) << del.output;
}

// What API pods bring: a configMap volume, a secret in env, the downward API and the service-account token, which
// authenticates to the API server as the pod's ServiceAccount (TokenReview).
TEST_F(ApiModeTest, ApiPodsGetConfigMapsSecretsAndTheirToken) {
  WaitForDefaultServiceAccount();
  const std::string manifest = control_plane_->dir() + "/consumer.yaml";
  std::ofstream(manifest) << R"(apiVersion: v1
kind: ConfigMap
metadata: {name: app-config}
data: {mode: fast}
---
apiVersion: v1
kind: Secret
metadata: {name: app-secret}
stringData: {password: s3cret}
---
apiVersion: v1
kind: Pod
metadata: {name: consumer, labels: {app: consumer}}
spec:
  terminationGracePeriodSeconds: 2
  volumes:
  - {name: cfg, configMap: {name: app-config}}
  containers:
  - name: main
    image: busybox:latest
    env:
    - name: PASSWORD
      valueFrom: {secretKeyRef: {name: app-secret, key: password}}
    - name: MY_POD
      valueFrom: {fieldRef: {fieldPath: metadata.name}}
    volumeMounts: [{name: cfg, mountPath: /etc/cfg}]
    command: [sh, -c, 'echo MODE=$(cat /etc/cfg/mode); echo PASSWORD=$PASSWORD; echo POD=$MY_POD;
      echo NS=$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace);
      echo TOKEN=$(cat /var/run/secrets/kubernetes.io/serviceaccount/token); trap "exit 0" TERM; while true; do sleep 1; done']
)";
  CommandResult apply = control_plane_->Kubectl("apply -f " + manifest);
  ASSERT_EQ(apply.exit_code, 0) << apply.output;
  std::string logs;
  ASSERT_TRUE(Eventually(
      [&] {
        logs = Cli("logs consumer").output;
        return logs.find("TOKEN=") != std::string::npos;
      },
      kPodTimeout, 1s))
      << logs << "\n" << Cli("get pods").output << Cli("get events").output;
  EXPECT_NE(logs.find("MODE=fast\n"), std::string::npos) << logs;
  EXPECT_NE(logs.find("PASSWORD=s3cret\n"), std::string::npos) << logs;
  EXPECT_NE(logs.find("POD=consumer\n"), std::string::npos) << logs;
  EXPECT_NE(logs.find("NS=default\n"), std::string::npos) << logs;
  const size_t at = logs.find("TOKEN=") + 6;
  const std::string token = logs.substr(at, logs.find('\n', at) - at);
  ASSERT_GT(token.size(), 100u) << logs;
  const std::string review = control_plane_->dir() + "/review.json";
  std::ofstream(review) << json{{"apiVersion", "authentication.k8s.io/v1"},
                                {"kind", "TokenReview"},
                                {"spec", {{"token", token}}}}
                               .dump();
  json reviewed = KubectlJson("create -f " + review);
  ASSERT_TRUE(reviewed.is_object());
  EXPECT_EQ(reviewed["status"]["authenticated"], true) << reviewed.dump(1);
  EXPECT_EQ(reviewed["status"]["user"]["username"], "system:serviceaccount:default:default") << reviewed.dump(1);
}

}  // namespace
}  // namespace kubenode::testing

namespace kubenode::testing {
namespace {

// The reference scenario through the API server: kubectl applies nginx.yaml and service.yaml verbatim; the
// scheduler binds the pod here; the proxy programs the apiserver-allocated ClusterIP and NodePort 30001
// with the endpoints the control plane's EndpointSlice controller derives from the status kubenode reports.
class ApiModeReferenceTest : public ApiModeTest {
 protected:
  std::vector<std::string> DaemonFlags() const override { return FlagsWithProxy(); }
  void TearDown() override {
    DaemonFixture::TearDown();
    RemoveProxyTable();
  }
};

TEST_F(ApiModeReferenceTest, NginxThroughNodePortAndClusterIP) {
  // The proxy half reads every Service and EndpointSlice: the node's identity gets kube-proxy's role (kubeadm
  // binds it to kube-proxy's ServiceAccount; kubenode's proxy speaks as the node).
  CommandResult bind = control_plane_->Kubectl(
      "create clusterrolebinding kubenode:node-proxier --clusterrole=system:node-proxier --group=system:nodes");
  ASSERT_EQ(bind.exit_code, 0) << bind.output;
  ASSERT_TRUE(Eventually([&] { return Condition(KubectlJson(std::string("get node ") + kNode), "Ready") == "True"; },
                         60s, 500ms));
  WaitForDefaultServiceAccount();
  const std::string pod_file = control_plane_->dir() + "/nginx.yaml";
  const std::string service_file = control_plane_->dir() + "/service.yaml";
  std::ofstream(pod_file) << kReferencePod;
  std::ofstream(service_file) << kReferenceService;
  CommandResult apply = control_plane_->Kubectl("apply -f " + pod_file + " -f " + service_file);
  ASSERT_EQ(apply.exit_code, 0) << apply.output;
  json pod;
  ASSERT_TRUE(Eventually(
      [&] {
        pod = KubectlJson("get pod nginx");
        return pod.is_object() && Condition(pod, "Ready") == "True";
      },
      kPodTimeout, 1s))
      << pod.dump(1) << "\n" << control_plane_->Kubectl("get events").output;
  json service = KubectlJson("get service hello-service");
  ASSERT_TRUE(service.is_object());
  const std::string cluster_ip = service["spec"]["clusterIP"];
  auto curl = [](const std::string& url) { return RunCommand("curl -sS --max-time 5 " + url + " 2>&1").output; };
  std::string page;
  EXPECT_TRUE(Eventually([&] { return (page = curl("http://127.0.0.1:30001/")).find("Welcome to nginx") != std::string::npos; },
                         60s, 500ms))
      << page;
  EXPECT_TRUE(Eventually([&] { return (page = curl("http://" + cluster_ip + "/")).find("Welcome to nginx") != std::string::npos; },
                         30s, 500ms))
      << page;
  CommandResult events = control_plane_->Kubectl("get events");
  EXPECT_NE(events.output.find("Scheduled"), std::string::npos) << events.output;
}

}  // namespace
}  // namespace kubenode::testing
