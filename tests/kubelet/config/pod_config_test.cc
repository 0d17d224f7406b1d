#include "kubelet/config/pod_config.h"

#include <gtest/gtest.h>

#include "base/fake_clock.h"

namespace kubenode::kubelet {
namespace {

api::Pod ApiPod() {
  api::Pod pod;
  pod.metadata.name = "web";
  pod.metadata.uid = "u-1";
  pod.spec.containers.push_back({});
  pod.spec.containers[0].name = "c";
  pod.source = {{"metadata", {{"name", "web"}, {"resourceVersion", "1"}}},
                {"spec", {{"containers", {{{"name", "c"}}}}, {"tolerations", nlohmann::json::array()}}}};
  return pod;
}

TEST(PodConfigTest, UpdatesFollowTheWrittenSpecNotTheResourceVersion) {
  FakeClock clock;
  std::vector<PodOperation> ops;
  PodConfig config(clock, [&](const PodUpdate& u) { ops.push_back(u.op); });
  config.SetPods("api", {ApiPod()});
  api::Pod bumped = ApiPod();
  bumped.source["metadata"]["resourceVersion"] = "2";  // our own status PATCH came back
  config.SetPods("api", {bumped});
  api::Pod tolerated = bumped;
  tolerated.source["spec"]["tolerations"].push_back({{"operator", "Exists"}});
  config.SetPods("api", {tolerated});
  EXPECT_EQ(ops, (std::vector<PodOperation>{PodOperation::kAdd, PodOperation::kUpdate}));
}

}  // namespace
}  // namespace kubenode::kubelet
