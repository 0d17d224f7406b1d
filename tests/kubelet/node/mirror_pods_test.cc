#include "kubelet/node/mirror_pods.h"

#include <gtest/gtest.h>

#include "kubelet/config/static_pod.h"

namespace kubenode::kubelet {
namespace {

api::Pod StaticPod(const std::string& name, const std::string& hash) {
  api::Pod pod;
  pod.metadata.name = name;
  pod.metadata.ns = "kube-system";
  pod.metadata.uid = "static-" + name;
  pod.metadata.annotations[kConfigSourceAnnotation] = "file";
  pod.metadata.annotations[kConfigHashAnnotation] = hash;
  pod.spec.containers.push_back({});
  pod.spec.containers[0].name = "c";
  pod.spec.containers[0].image = "etcd";
  return pod;
}

TEST(MirrorPodsTest, CreatesMissingDeletesOutdatedAndOrphaned) {
  std::vector<api::Pod> pods = {StaticPod("etcd-n1", "h1"), StaticPod("api-n1", "h2"), StaticPod("new-n1", "h3")};
  api::Pod api_pod = StaticPod("web", "x");
  api_pod.metadata.annotations[kConfigSourceAnnotation] = "api";
  pods.push_back(api_pod);
  std::vector<MirrorPod> mirrors = {{"kube-system", "etcd-n1", "m1", "h1", false},
                                    {"kube-system", "api-n1", "m2", "old", false},
                                    {"kube-system", "gone-n1", "m3", "h9", false},
                                    {"kube-system", "new-n1", "m4", "old", true}};
  MirrorPodActions actions = PlanMirrorPods(pods, mirrors);
  ASSERT_EQ(actions.to_delete.size(), 3u);
  EXPECT_EQ(actions.to_delete[0].name, "api-n1");  // its manifest changed
  EXPECT_EQ(actions.to_delete[1].name, "gone-n1");  // its manifest is gone
  EXPECT_EQ(actions.to_delete[2].name, "new-n1");   // kubectl delete: finished at once, then recreated
  // Both are recreated once their deletion shows up; API pods have no mirror.
  EXPECT_TRUE(actions.to_create.empty());
  actions = PlanMirrorPods(pods, {{"kube-system", "etcd-n1", "m1", "h1", false}});
  ASSERT_EQ(actions.to_create.size(), 2u);
  EXPECT_EQ(actions.to_create[0]->metadata.name, "api-n1");
  EXPECT_EQ(actions.to_create[1]->metadata.name, "new-n1");
}

TEST(MirrorPodsTest, TheMirrorCarriesTheHashAndTheNodeAsOwner) {
  nlohmann::json mirror = MirrorPodObject(StaticPod("etcd-n1", "h1"), "n1", "node-uid");
  EXPECT_EQ(mirror["metadata"]["annotations"][kConfigMirrorAnnotation], "h1");
  EXPECT_FALSE(mirror["metadata"].contains("uid"));
  EXPECT_EQ(mirror["metadata"]["ownerReferences"][0]["kind"], "Node");
  EXPECT_EQ(mirror["metadata"]["ownerReferences"][0]["uid"], "node-uid");
  EXPECT_EQ(mirror["spec"]["nodeName"], "n1");
  auto back = AsMirrorPod(nlohmann::json::parse(R"({"metadata":{"name":"etcd-n1","namespace":"kube-system","uid":"m",
      "annotations":{"kubernetes.io/config.mirror":"h1"},"deletionTimestamp":"2026-01-01T00:00:00Z"}})"));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->mirror_hash, "h1");
  EXPECT_TRUE(back->deleting);
  EXPECT_FALSE(AsMirrorPod(nlohmann::json::parse(R"({"metadata":{"name":"web"}})")).has_value());
}

}  // namespace
}  // namespace kubenode::kubelet
