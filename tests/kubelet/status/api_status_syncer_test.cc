#include "kubelet/status/api_status_syncer.h"

#include <gtest/gtest.h>

#include "base/fake_clock.h"
#include "kubelet/config/static_pod.h"
#include "tests/apiclient/fake_transport.h"

namespace kubenode::kubelet {
namespace {

using nlohmann::json;

PodWithStatus ApiPod(const std::string& name, const std::string& uid, api::PodPhase phase) {
  PodWithStatus p;
  p.pod.metadata.name = name;
  p.pod.metadata.ns = "default";
  p.pod.metadata.uid = uid;
  p.pod.metadata.annotations[kConfigSourceAnnotation] = "api";
  p.status.phase = phase;
  return p;
}

class ApiStatusSyncerTest : public ::testing::Test {
 protected:
  ApiStatusSyncerTest() : limiter_(clock_, 0, 1), client_(transport_, limiter_), syncer_(client_) {}
  std::vector<apiclient::HttpRequest> Requests(const std::string& method) {
    std::vector<apiclient::HttpRequest> out;
    for (const auto& r : transport_.requests()) {
      if (r.method == method) out.push_back(r);
    }
    return out;
  }
  apiclient::FakeTransport transport_;
  FakeClock clock_;
  apiclient::RateLimiter limiter_;
  apiclient::ApiClient client_;
  ApiStatusSyncer syncer_;
};

TEST_F(ApiStatusSyncerTest, PatchesOnlyChangesOfApiPodsWithTheUid) {
  PodWithStatus file_pod = ApiPod("static", "uid-s", api::PodPhase::kRunning);
  file_pod.pod.metadata.annotations[kConfigSourceAnnotation] = "file";
  syncer_.OnStatuses({ApiPod("web", "uid-w", api::PodPhase::kPending), file_pod});
  transport_.Queue("PATCH /api/v1/namespaces/default/pods/web/status", {200, "{}"});
  EXPECT_EQ(syncer_.SyncOnce(), 0);
  auto patches = Requests("PATCH");
  ASSERT_EQ(patches.size(), 1u);
  EXPECT_EQ(patches[0].content_type, apiclient::kStrategicMergePatch);
  json body = json::parse(patches[0].body);
  EXPECT_EQ(body["metadata"]["uid"], "uid-w");
  EXPECT_EQ(body["status"]["phase"], "Pending");
  // The same status again: nothing to send.
  syncer_.OnStatuses({ApiPod("web", "uid-w", api::PodPhase::kPending)});
  EXPECT_EQ(syncer_.SyncOnce(), 0);
  EXPECT_EQ(Requests("PATCH").size(), 1u);
}

TEST_F(ApiStatusSyncerTest, ChangesCoalesceAndFailuresRetryTheNewest) {
  syncer_.OnStatuses({ApiPod("web", "uid-w", api::PodPhase::kPending)});
  syncer_.OnStatuses({ApiPod("web", "uid-w", api::PodPhase::kRunning)});
  transport_.Queue("PATCH /api/v1/namespaces/default/pods/web/status",
                   {409, R"({"kind":"Status","code":409,"message":"conflict"})"});
  EXPECT_EQ(syncer_.SyncOnce(), 1);
  transport_.Queue("PATCH /api/v1/namespaces/default/pods/web/status", {200, "{}"});
  EXPECT_EQ(syncer_.SyncOnce(), 0);
  auto patches = Requests("PATCH");
  ASSERT_EQ(patches.size(), 2u);
  EXPECT_EQ(json::parse(patches[1].body)["status"]["phase"], "Running");
}

TEST_F(ApiStatusSyncerTest, ADeletingPodIsDeletedOnceTheKubeletStoppedIt) {
  syncer_.OnStatuses({ApiPod("web", "uid-w", api::PodPhase::kRunning)});
  transport_.Queue("PATCH /api/v1/namespaces/default/pods/web/status", {200, "{}"});
  EXPECT_EQ(syncer_.SyncOnce(), 0);
  syncer_.MarkDeleting("uid-w", "default", "web");
  EXPECT_EQ(syncer_.SyncOnce(), 0);
  EXPECT_TRUE(Requests("DELETE").empty()) << "deleted while still running";
  syncer_.OnStatuses({});  // the kubelet stopped it
  transport_.Queue("DELETE /api/v1/namespaces/default/pods/web", {200, "{}"});
  EXPECT_EQ(syncer_.SyncOnce(), 0);
  auto deletes = Requests("DELETE");
  ASSERT_EQ(deletes.size(), 1u);
  json options = json::parse(deletes[0].body);
  EXPECT_EQ(options["gracePeriodSeconds"], 0);
  EXPECT_EQ(options["preconditions"]["uid"], "uid-w");
}

}  // namespace
}  // namespace kubenode::kubelet

namespace kubenode::kubelet {
namespace {

TEST_F(ApiStatusSyncerTest, StaticPodsReportToTheirMirrorPod) {
  std::optional<MirrorPod> mirror;
  syncer_.SetMirrorResolver([&](const std::string&, const std::string&) { return mirror; });
  PodWithStatus etcd = ApiPod("etcd-n1", "static-uid", api::PodPhase::kRunning);
  etcd.pod.metadata.annotations[kConfigSourceAnnotation] = "file";
  syncer_.OnStatuses({etcd});
  EXPECT_EQ(syncer_.SyncOnce(), 0);
  EXPECT_TRUE(Requests("PATCH").empty()) << "no mirror pod yet";
  mirror = MirrorPod{"default", "etcd-n1", "mirror-uid", "h", false};
  syncer_.OnStatuses({etcd});
  transport_.Queue("PATCH /api/v1/namespaces/default/pods/etcd-n1/status", {200, "{}"});
  EXPECT_EQ(syncer_.SyncOnce(), 0);
  ASSERT_EQ(Requests("PATCH").size(), 1u);
  EXPECT_EQ(json::parse(Requests("PATCH")[0].body)["metadata"]["uid"], "mirror-uid");
  // A recreated mirror (new UID) gets the status again.
  mirror->uid = "mirror-uid-2";
  syncer_.OnStatuses({etcd});
  transport_.Queue("PATCH /api/v1/namespaces/default/pods/etcd-n1/status", {200, "{}"});
  EXPECT_EQ(syncer_.SyncOnce(), 0);
  EXPECT_EQ(Requests("PATCH").size(), 2u);
}

}  // namespace
}  // namespace kubenode::kubelet

namespace kubenode::kubelet {
namespace {

// The stopped pod's last status (its containers terminated) reaches the API before the pod is DELETEd.
TEST_F(ApiStatusSyncerTest, ADeletedPodsLastStatusIsPatchedBeforeItsDelete) {
  syncer_.OnStatuses({ApiPod("web", "uid-w", api::PodPhase::kRunning)});
  transport_.Queue("PATCH /api/v1/namespaces/default/pods/web/status", {200, "{}"});
  EXPECT_EQ(syncer_.SyncOnce(), 0);
  syncer_.MarkDeleting("uid-w", "default", "web");
  syncer_.OnStatuses({ApiPod("web", "uid-w", api::PodPhase::kFailed)});  // the kubelet's last status...
  syncer_.OnStatuses({});                                                 // ...then it left the kubelet
  transport_.Queue("PATCH /api/v1/namespaces/default/pods/web/status", {200, "{}"});
  transport_.Queue("DELETE /api/v1/namespaces/default/pods/web", {200, "{}"});
  EXPECT_EQ(syncer_.SyncOnce(), 0);
  std::vector<std::string> order;
  for (const auto& r : transport_.requests()) order.push_back(r.method);
  EXPECT_EQ(order, (std::vector<std::string>{"PATCH", "PATCH", "DELETE"}));
  auto patches = Requests("PATCH");
  ASSERT_EQ(patches.size(), 2u);
  EXPECT_EQ(json::parse(patches[1].body)["status"]["phase"], "Failed");
}

// The API source reports a deleting pod on every watch event; one arriving while its DELETE is in flight must
// not leave a nameless delete behind (that would be DELETE /api/v1/namespaces//pods/: a deletecollection).
class HookTransport : public apiclient::FakeTransport {
 public:
  Result<apiclient::HttpResponse> Do(const apiclient::HttpRequest& request) override {
    if (on_request) on_request(request);
    return FakeTransport::Do(request);
  }
  std::function<void(const apiclient::HttpRequest&)> on_request;
};

TEST(ApiStatusSyncerDeleteTest, AMarkDeletingDuringTheDeleteSendsNoNamelessDelete) {
  HookTransport transport;
  FakeClock clock;
  apiclient::RateLimiter limiter(clock, 0, 1);
  apiclient::ApiClient client(transport, limiter);
  ApiStatusSyncer syncer(client);
  transport.on_request = [&](const apiclient::HttpRequest& r) {
    if (r.method == "DELETE") syncer.MarkDeleting("uid-w", "default", "web");  // the watch's next event
  };
  syncer.MarkDeleting("uid-w", "default", "web");  // never ran here
  transport.Queue("DELETE /api/v1/namespaces/default/pods/web", {200, "{}"});
  EXPECT_EQ(syncer.SyncOnce(), 0);
  transport.on_request = nullptr;
  syncer.SyncOnce();
  for (const auto& r : transport.requests()) {
    EXPECT_EQ(r.path, "/api/v1/namespaces/default/pods/web") << r.method;
  }
}

}  // namespace
}  // namespace kubenode::kubelet
