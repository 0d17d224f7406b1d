#include "kubelet/config/api_source.h"

#include <thread>

#include <gtest/gtest.h>

#include "base/fake_clock.h"
#include "kubelet/config/static_pod.h"
#include "tests/apiclient/fake_transport.h"

namespace kubenode::kubelet {
namespace {

std::string PodJson(const std::string& name, const std::string& uid, const std::string& rv) {
  return R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + name + R"(","namespace":"default","uid":")" +
         uid + R"(","resourceVersion":")" + rv +
         R"("},"spec":{"nodeName":"n1","containers":[{"name":"c","image":"busybox"}],"schedulerName":"default-scheduler"},)"
         R"("status":{"phase":"Pending"}})";
}

class ApiSourceTest : public ::testing::Test {
 protected:
  ApiSourceTest() : limiter_(clock_, 0, 1), client_(transport_, limiter_) {}

  // Waits (bounded) for a delivery with `count` pods; returns the last delivery.
  std::vector<api::Pod> WaitForDelivery(size_t count) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(10), [&] { return !deliveries_.empty() && deliveries_.back().size() == count; });
    return deliveries_.empty() ? std::vector<api::Pod>{} : deliveries_.back();
  }

  PodSnapshotSink Sink() {
    return [this](const std::string& source, std::vector<api::Pod> pods) {
      EXPECT_EQ(source, "api");
      std::lock_guard<std::mutex> lock(mu_);
      deliveries_.push_back(std::move(pods));
      cv_.notify_all();
    };
  }

  apiclient::FakeTransport transport_;
  FakeClock clock_;
  apiclient::RateLimiter limiter_;
  apiclient::ApiClient client_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::vector<api::Pod>> deliveries_;
};

TEST_F(ApiSourceTest, DeliversTheNodesPodsAfterTheFirstListThenEachChange) {
  transport_.Queue("GET /api/v1/pods?fieldSelector=spec.nodeName%3Dn1",
                   {200, R"({"kind":"PodList","metadata":{"resourceVersion":"7"},"items":[)" + PodJson("a", "uid-a", "5") + "]}"});
  transport_.Queue("GET /api/v1/pods?fieldSelector=spec.nodeName%3Dn1&watch=true",
                   {200, "", {R"({"type":"ADDED","object":)" + PodJson("b", "uid-b", "8") + "}\n"}});
  ApiPodSource source(client_, "n1");
  ASSERT_TRUE(source.Start(Sink()).ok());
  std::vector<api::Pod> pods = WaitForDelivery(2);
  source.Stop();
  ASSERT_EQ(pods.size(), 2u);
  EXPECT_EQ(pods[0].metadata.name, "a");
  EXPECT_EQ(pods[0].metadata.uid, "uid-a");
  EXPECT_EQ(pods[0].metadata.annotations.at(kConfigSourceAnnotation), "api");
  EXPECT_EQ(pods[0].spec.containers[0].image_pull_policy, api::PullPolicy::kAlways);  // defaulted
  EXPECT_EQ(pods[0].source["spec"]["schedulerName"], "default-scheduler");  // kept
  EXPECT_FALSE(pods[0].source.contains("status"));
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& delivery : deliveries_) EXPECT_FALSE(delivery.empty()) << "an empty set before the list completed";
}

TEST_F(ApiSourceTest, NothingIsDeliveredWhileTheListFails) {
  transport_.Queue("GET /api/v1/pods", {503, R"({"kind":"Status","code":503,"message":"etcd down"})"});
  ApiPodSource source(client_, "n1");
  ASSERT_TRUE(source.Start(Sink()).ok());
  // The reflector retries after 0.8 s; wait past the first attempt, then stop.
  for (int i = 0; i < 100 && transport_.requests().empty(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  source.Stop();
  std::lock_guard<std::mutex> lock(mu_);
  EXPECT_TRUE(deliveries_.empty());
}

TEST_F(ApiSourceTest, APodBeingDeletedLeavesTheSnapshotAndIsReported) {
  std::string deleting = PodJson("b", "uid-b", "9");
  deleting.replace(deleting.find(R"("resourceVersion")"), 0, R"("deletionTimestamp":"2026-12-07T00:00:00Z",)");
  transport_.Queue("GET /api/v1/pods?fieldSelector=spec.nodeName%3Dn1&watch",
                   {200, "", {R"({"type":"MODIFIED","object":)" + deleting + "}\n"}});
  transport_.Queue("GET /api/v1/pods?fieldSelector=spec.nodeName%3Dn1",
                   {200, R"({"metadata":{"resourceVersion":"7"},"items":[)" + PodJson("a", "uid-a", "5") + "," +
                             PodJson("b", "uid-b", "6") + "]}"});
  ApiPodSource source(client_, "n1");
  std::vector<std::string> deleted;
  source.SetDeletionObserver([&](const api::Pod& pod) {
    std::lock_guard<std::mutex> lock(mu_);
    deleted.push_back(pod.metadata.uid);
  });
  ASSERT_TRUE(source.Start(Sink()).ok());
  // The list (a, b) and the watch event may reach one delivery or several; the one after the deletion has only a.
  std::vector<api::Pod> pods;
  {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(10),
                 [&] { return !deleted.empty() && !deliveries_.empty() && deliveries_.back().size() == 1; });
    if (!deliveries_.empty()) pods = deliveries_.back();
  }
  source.Stop();
  ASSERT_EQ(pods.size(), 1u);
  EXPECT_EQ(pods[0].metadata.name, "a");
  EXPECT_EQ(deleted, std::vector<std::string>{"uid-b"});
}

TEST(DecodeApiPodTest, ListItemsWithoutTypeMetaAreV1Pods) {
  auto pod = DecodeApiPod(nlohmann::json::parse(
      R"({"metadata":{"name":"x","namespace":"ns","uid":"u"},"spec":{"containers":[{"name":"c","image":"busybox"}]}})"));
  ASSERT_TRUE(pod.ok()) << pod.status().message();
  EXPECT_EQ(pod->metadata.uid, "u");
}

TEST(DecodeApiPodTest, NamesThePodInErrors) {
  auto pod = DecodeApiPod(nlohmann::json::parse(
      R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"x","namespace":"ns"},"spec":{"containers":"no"}})"));
  ASSERT_FALSE(pod.ok());
  EXPECT_NE(pod.status().message().find("API pod ns/x"), std::string::npos) << pod.status().message();
  EXPECT_NE(pod.status().message().find("spec.containers"), std::string::npos) << pod.status().message();
}

}  // namespace
}  // namespace kubenode::kubelet
