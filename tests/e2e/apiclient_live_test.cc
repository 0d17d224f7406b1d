// The API client against a real v1.28 API server: kubeconfig with client certificates, named errors, and a
// reflector that follows a node's pods through LIST + WATCH with the node's own credentials.
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "apiclient/client.h"
#include "apiclient/curl_transport.h"
#include "apiclient/kubeconfig.h"
#include "apiclient/reflector.h"
#include "base/clock.h"
#include "tests/support/control_plane.h"

namespace kubenode::testing {
namespace {

using apiclient::ApiClient;
using apiclient::CurlTransport;
using apiclient::RateLimiter;

class ApiClientLiveTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { control_plane_ = new ControlPlane(); }
  static void TearDownTestSuite() {
    delete control_plane_;
    control_plane_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(control_plane_->ok()); }

  static ControlPlane* control_plane_;
  RealClock clock_;
  RateLimiter limiter_{clock_, 50, 100};
};

ControlPlane* ApiClientLiveTest::control_plane_ = nullptr;

bool WaitFor(const std::function<bool()>& condition, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return condition();
}

TEST_F(ApiClientLiveTest, AdminKubeconfigReadsAndErrorsNameTheRequest) {
  auto creds = apiclient::LoadKubeconfig(control_plane_->admin_kubeconfig());
  ASSERT_TRUE(creds.ok()) << creds.status().message();
  EXPECT_FALSE(creds->client_cert_pem.empty());
  CurlTransport transport(*creds);
  ApiClient client(transport, limiter_);
  auto ns = client.Get("/api/v1/namespaces/kube-system");
  ASSERT_TRUE(ns.ok()) << ns.status().message();
  EXPECT_EQ((*ns)["metadata"]["name"], "kube-system");
  auto missing = client.Get("/api/v1/namespaces/default/pods/nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), "GET pods/nope: 404 Not Found: pods \"nope\" not found");
}

TEST_F(ApiClientLiveTest, ANodeFollowsItsPodsByListAndWatch) {
  const std::string node = "kubenode-live-1";
  CommandResult kubeconfig = RunCommand("bash " + K8sBinariesDir() + "/node-kubeconfig.sh " + control_plane_->dir() +
                                        " " + node + " 2>&1");
  ASSERT_EQ(kubeconfig.exit_code, 0) << kubeconfig.output;
  const std::string node_kubeconfig = control_plane_->dir() + "/node-" + node + ".kubeconfig";
  auto creds = apiclient::LoadKubeconfig(node_kubeconfig);
  ASSERT_TRUE(creds.ok()) << creds.status().message() << " (node-kubeconfig.sh said: " << kubeconfig.output << ")";
  CurlTransport transport(*creds);
  ApiClient client(transport, limiter_);
  // A node may create its own Node object (NodeRestriction).
  auto created = client.Create("/api/v1/nodes", {{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", node}}}});
  ASSERT_TRUE(created.ok()) << created.status().message();

  std::mutex mu;
  std::vector<std::string> seen;
  apiclient::Store store(apiclient::EventHandlers{
      [&](const nlohmann::json& o) { std::lock_guard l(mu); seen.push_back("add " + apiclient::ObjectKey(o)); },
      [&](const nlohmann::json&, const nlohmann::json&) {},
      [&](const nlohmann::json& o) { std::lock_guard l(mu); seen.push_back("delete " + apiclient::ObjectKey(o)); }});
  apiclient::Reflector reflector(client, {"/api/v1/pods", "fieldSelector=spec.nodeName%3D" + node}, store);
  std::atomic<bool> stop{false};
  std::thread run([&] { reflector.Run(stop); });
  ASSERT_TRUE(WaitFor([&] { return reflector.HasSynced(); }, std::chrono::seconds(20)));

  for (int i = 0; i < 60 && control_plane_->Kubectl("get serviceaccount default").exit_code != 0; ++i) sleep(1);
  const std::string manifest = control_plane_->dir() + "/bound.yaml";
  std::ofstream(manifest) << "apiVersion: v1\nkind: Pod\nmetadata: {name: bound}\nspec:\n  nodeName: " << node
                          << "\n  containers: [{name: c, image: busybox}]\n---\n"
                             "apiVersion: v1\nkind: Pod\nmetadata: {name: elsewhere}\nspec:\n  nodeName: other-node\n"
                             "  containers: [{name: c, image: busybox}]\n";
  CommandResult apply = control_plane_->Kubectl("create -f " + manifest);
  ASSERT_EQ(apply.exit_code, 0) << apply.output;
  EXPECT_TRUE(WaitFor([&] { return store.Get("default/bound").has_value(); }, std::chrono::seconds(20)));
  CommandResult del = control_plane_->Kubectl("delete pod bound --grace-period=0 --force --wait=false");
  ASSERT_EQ(del.exit_code, 0) << del.output;
  EXPECT_TRUE(WaitFor([&] { return !store.Get("default/bound").has_value(); }, std::chrono::seconds(20)));
  stop = true;
  run.join();
  std::lock_guard l(mu);
  EXPECT_EQ(seen, (std::vector<std::string>{"add default/bound", "delete default/bound"}));
  EXPECT_FALSE(store.Get("default/elsewhere").has_value());  // the field selector keeps other nodes' pods out
}

}  // namespace
}  // namespace kubenode::testing
