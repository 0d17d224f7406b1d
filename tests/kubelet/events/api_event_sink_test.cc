#include "kubelet/events/api_event_sink.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "base/fake_clock.h"
#include "tests/apiclient/fake_transport.h"

namespace kubenode::kubelet {
namespace {

using nlohmann::json;

EventObject Container(const std::string& pod = "nginx") {
  return {.kind = "Pod", .ns = "default", .name = pod, .uid = "uid-" + pod, .field_path = "spec.containers{nginx}"};
}

ApiEventSink::Options FastRetries() {
  ApiEventSink::Options o;
  o.retry_backoff = std::chrono::milliseconds(0);
  return o;
}

class ApiEventSinkTest : public ::testing::Test {
 protected:
  ApiEventSinkTest() : limiter_(clock_, 0, 1), client_(transport_, limiter_), sink_(clock_, FastRetries()) {
    sink_.Attach(client_, "node-1");
  }

  std::vector<apiclient::HttpRequest> Requests(const std::string& method) {
    std::vector<apiclient::HttpRequest> out;
    for (const auto& r : transport_.requests()) {
      if (r.method == method) out.push_back(r);
    }
    return out;
  }
  void AnswerPosts(int n, int status = 201) {
    for (int i = 0; i < n; ++i) transport_.Queue("POST /api/v1/namespaces/", {status, "{}"});
  }

  apiclient::FakeTransport transport_;
  FakeClock clock_;
  apiclient::RateLimiter limiter_;
  apiclient::ApiClient client_;
  ApiEventSink sink_;
};

TEST_F(ApiEventSinkTest, PostsACoreV1EventAsTheKubeletWritesIt) {
  AnswerPosts(1);
  sink_.Event(Container(), EventType::kNormal, "Pulled", "Successfully pulled image \"nginx\"");
  sink_.SendPending();

  auto posts = Requests("POST");
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0].path, "/api/v1/namespaces/default/events");
  json e = json::parse(posts[0].body);
  const std::string name = e["metadata"]["name"];
  EXPECT_EQ(name.rfind("nginx.", 0), 0u) << name;
  EXPECT_EQ(name.size(), std::string("nginx.").size() + 16) << name;
  EXPECT_EQ(e["metadata"]["namespace"], "default");
  EXPECT_EQ(e["involvedObject"], json({{"kind", "Pod"},
                                       {"namespace", "default"},
                                       {"name", "nginx"},
                                       {"uid", "uid-nginx"},
                                       {"apiVersion", "v1"},
                                       {"fieldPath", "spec.containers{nginx}"}}));
  EXPECT_EQ(e["reason"], "Pulled");
  EXPECT_EQ(e["message"], "Successfully pulled image \"nginx\"");
  EXPECT_EQ(e["type"], "Normal");
  EXPECT_EQ(e["source"], json({{"component", "kubelet"}, {"host", "node-1"}}));
  EXPECT_EQ(e["firstTimestamp"], "2026-01-01T00:00:00Z");
  EXPECT_EQ(e["lastTimestamp"], "2026-01-01T00:00:00Z");
  EXPECT_EQ(e["count"], 1);
  EXPECT_EQ(e["reportingComponent"], "kubelet");
  EXPECT_EQ(e["reportingInstance"], "node-1");
}

TEST_F(ApiEventSinkTest, NodeEventsGoToTheDefaultNamespace) {
  AnswerPosts(1);
  sink_.Event({.kind = "Node", .name = "node-1", .uid = "node-1"}, EventType::kNormal, "Starting", "Starting kubelet.");
  sink_.SendPending();
  auto posts = Requests("POST");
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0].path, "/api/v1/namespaces/default/events");
  json e = json::parse(posts[0].body);
  EXPECT_FALSE(e["involvedObject"].contains("namespace"));
  EXPECT_FALSE(e["involvedObject"].contains("fieldPath"));
  EXPECT_EQ(e["involvedObject"]["kind"], "Node");
}

TEST_F(ApiEventSinkTest, ARepeatPatchesTheEventWithItsCount) {
  AnswerPosts(1);
  transport_.Queue("PATCH /api/v1/namespaces/default/events/", {200, "{}"});
  sink_.Event(Container(), EventType::kWarning, "BackOff", "Back-off restarting failed container");
  clock_.Advance(std::chrono::seconds(30));
  sink_.Event(Container(), EventType::kWarning, "BackOff", "Back-off restarting failed container");
  sink_.SendPending();

  auto posts = Requests("POST");
  auto patches = Requests("PATCH");
  ASSERT_EQ(posts.size(), 1u);
  ASSERT_EQ(patches.size(), 1u);
  const std::string name = json::parse(posts[0].body)["metadata"]["name"];
  EXPECT_EQ(patches[0].path, "/api/v1/namespaces/default/events/" + name);
  EXPECT_EQ(patches[0].content_type, apiclient::kStrategicMergePatch);
  EXPECT_EQ(json::parse(patches[0].body), json({{"count", 2}, {"lastTimestamp", "2026-01-01T00:00:30Z"}}));
}

TEST_F(ApiEventSinkTest, DifferentMessagesAndOldRepeatsAreNewEvents) {
  AnswerPosts(3);
  sink_.Event(Container(), EventType::kNormal, "Pulling", "Pulling image \"a\"");
  sink_.Event(Container(), EventType::kNormal, "Pulling", "Pulling image \"b\"");
  clock_.Advance(std::chrono::minutes(11));  // past the 10-minute window
  sink_.Event(Container(), EventType::kNormal, "Pulling", "Pulling image \"a\"");
  sink_.SendPending();
  auto posts = Requests("POST");
  ASSERT_EQ(posts.size(), 3u);
  EXPECT_TRUE(Requests("PATCH").empty());
  EXPECT_NE(json::parse(posts[0].body)["metadata"]["name"], json::parse(posts[2].body)["metadata"]["name"]);
  EXPECT_EQ(json::parse(posts[2].body)["count"], 1);
}

TEST_F(ApiEventSinkTest, AnExpiredEventIsCreatedAgainWithItsCount) {
  AnswerPosts(2);
  transport_.Queue("PATCH /api/v1/namespaces/default/events/", {404, R"({"kind":"Status","code":404})"});
  sink_.Event(Container(), EventType::kWarning, "BackOff", "Back-off");
  sink_.Event(Container(), EventType::kWarning, "BackOff", "Back-off");
  sink_.SendPending();
  auto posts = Requests("POST");
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(json::parse(posts[1].body)["count"], 2);
}

TEST_F(ApiEventSinkTest, TheSpamFilterDropsThe26thEventOfAnObjectInABurst) {
  AnswerPosts(60);
  for (int i = 0; i < 26; ++i) sink_.Event(Container(), EventType::kNormal, "Started", "event " + std::to_string(i));
  sink_.Event(Container("other"), EventType::kNormal, "Started", "another object has its own bucket");
  sink_.SendPending();
  auto posts = Requests("POST");
  ASSERT_EQ(posts.size(), 26u);
  EXPECT_EQ(json::parse(posts[24].body)["message"], "event 24");
  EXPECT_EQ(json::parse(posts[25].body)["involvedObject"]["name"], "other");
  EXPECT_EQ(sink_.spam_dropped(), 1u);

  // One token per 5 minutes.
  clock_.Advance(std::chrono::minutes(5));
  sink_.Event(Container(), EventType::kNormal, "Started", "after the refill");
  sink_.Event(Container(), EventType::kNormal, "Started", "one too many");
  sink_.SendPending();
  posts = Requests("POST");
  ASSERT_EQ(posts.size(), 27u);
  EXPECT_EQ(json::parse(posts[26].body)["message"], "after the refill");
  EXPECT_EQ(sink_.spam_dropped(), 2u);
}

TEST_F(ApiEventSinkTest, ServerErrorsAreRetriedAFewTimesThenDropped) {
  transport_.Queue("POST /api/v1/namespaces/", {503, "{}"});
  transport_.Queue("POST /api/v1/namespaces/", {201, "{}"});
  sink_.Event(Container(), EventType::kNormal, "Created", "Created container nginx");
  sink_.SendPending();
  EXPECT_EQ(Requests("POST").size(), 2u);

  // No answer at all, every time: 4 attempts, then the next event is sent.
  sink_.Event(Container(), EventType::kNormal, "Started", "Started container nginx");
  sink_.SendPending();
  EXPECT_EQ(Requests("POST").size(), 6u);

  // A refusal (4xx) is not retried.
  transport_.Queue("POST /api/v1/namespaces/", {422, R"({"kind":"Status","message":"invalid"})"});
  sink_.Event(Container(), EventType::kNormal, "Killing", "Stopping container nginx");
  sink_.SendPending();
  EXPECT_EQ(Requests("POST").size(), 7u);
}

TEST_F(ApiEventSinkTest, TheMemoryRecorderGetsEverything) {
  AnswerPosts(30);
  for (int i = 0; i < 30; ++i) sink_.Event(Container(), EventType::kNormal, "Started", "event " + std::to_string(i));
  sink_.SendPending();
  EXPECT_EQ(sink_.List().size(), 30u);  // the spam filter and failures only concern the API server
}

TEST(ApiEventSinkDetachedTest, WithoutAnApiServerItOnlyForwards) {
  FakeClock clock;
  ApiEventSink sink(clock);
  sink.Event(Container(), EventType::kNormal, "Pulled", "pulled");
  sink.SendPending();
  EXPECT_EQ(sink.List().size(), 1u);
  EXPECT_EQ(sink.queue_dropped(), 0u);
}

// A transport whose requests wait until released: an API server that does not answer.
class StuckTransport : public apiclient::Transport {
 public:
  Result<apiclient::HttpResponse> Do(const apiclient::HttpRequest&) override {
    std::unique_lock lock(mu_);
    ++calls_;
    entered_.notify_all();
    released_cv_.wait(lock, [this] { return released_; });
    return apiclient::HttpResponse{201, "{}"};
  }
  Result<int> Stream(const apiclient::HttpRequest&, const std::function<bool(std::string_view)>&,
                     const std::atomic<bool>&, std::string&) override {
    return Status::Error("not used");
  }
  bool WaitEntered(std::chrono::seconds limit) {
    std::unique_lock lock(mu_);
    return entered_.wait_for(lock, limit, [this] { return calls_ > 0; });
  }
  void Release() {
    std::lock_guard lock(mu_);
    released_ = true;
    released_cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable entered_, released_cv_;
  int calls_ = 0;
  bool released_ = false;
};

TEST(ApiEventSinkStuckTest, EventNeverWaitsForTheApiServer) {
  FakeClock clock;
  StuckTransport transport;
  apiclient::RateLimiter limiter(clock, 0, 1);
  apiclient::ApiClient client(transport, limiter);
  ApiEventSink::Options options = FastRetries();
  options.memory_capacity = 5000;
  ApiEventSink sink(clock, options);
  sink.Attach(client, "node-1");
  sink.Start();
  sink.Event(Container("first"), EventType::kNormal, "Pulled", "the sender takes this one and hangs");
  ASSERT_TRUE(transport.WaitEntered(std::chrono::seconds(10)));

  // With the sender stuck, 2000 more events: the queue keeps 1000 and drops the oldest.
  for (int i = 0; i < 2000; ++i) {
    sink.Event(Container("p" + std::to_string(i)), EventType::kNormal, "Started", "started");
  }
  EXPECT_EQ(sink.queue_dropped(), 1000u);
  EXPECT_EQ(sink.List().size(), 2001u);
  transport.Release();
  sink.Stop();
}

}  // namespace
}  // namespace kubenode::kubelet
