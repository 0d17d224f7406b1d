#include "apiclient/client.h"

#include <gtest/gtest.h>

#include "base/fake_clock.h"
#include "tests/apiclient/fake_transport.h"

namespace kubenode::apiclient {
namespace {

TEST(ClientTest, FailuresNameTheRequestAndTheServersStatus) {
  FakeTransport transport;
  FakeClock clock;
  RateLimiter limiter(clock, 0, 1);
  ApiClient client(transport, limiter);
  transport.Queue("PATCH /api/v1/namespaces/default/pods/nginx/status",
                  {409, R"({"kind":"Status","code":409,"message":"the object has been modified"})"});
  auto patched = client.Patch("/api/v1/namespaces/default/pods/nginx/status", {{"status", {}}});
  ASSERT_FALSE(patched.ok());
  EXPECT_EQ(patched.status().message(), "PATCH pods/nginx/status: 409 Conflict: the object has been modified");
  EXPECT_EQ(transport.requests()[0].content_type, kStrategicMergePatch);

  transport.Queue("GET /api/v1/nodes/n1", {200, R"({"kind":"Node","metadata":{"name":"n1"}})"});
  auto node = client.Get("/api/v1/nodes/n1");
  ASSERT_TRUE(node.ok());
  EXPECT_EQ((*node)["metadata"]["name"], "n1");
}

TEST(ClientTest, NoAnswerIsAnErrorAndAnAnswerIsAResponse) {
  FakeTransport transport;
  FakeClock clock;
  RateLimiter limiter(clock, 0, 1);
  ApiClient client(transport, limiter);
  EXPECT_FALSE(client.Call("GET", "/api/v1/pods").ok());
  transport.Queue("GET /api/v1/pods", {404, "not json"});
  auto response = client.Call("GET", "/api/v1/pods");
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->code, 404);
  EXPECT_TRUE(response->body.is_null());
}

TEST(RateLimiterTest, BurstThenQps) {
  FakeClock clock;
  RateLimiter limiter(clock, 50, 100);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(limiter.Reserve().count(), 0) << i;
  EXPECT_EQ(limiter.Reserve(), std::chrono::milliseconds(20));  // one token per 1/50 s
  EXPECT_EQ(limiter.Reserve(), std::chrono::milliseconds(40));
  clock.Advance(std::chrono::seconds(1));  // 50 more tokens, 2 already owed
  for (int i = 0; i < 48; ++i) EXPECT_EQ(limiter.Reserve().count(), 0) << i;
  EXPECT_GT(limiter.Reserve().count(), 0);
}

}  // namespace
}  // namespace kubenode::apiclient
