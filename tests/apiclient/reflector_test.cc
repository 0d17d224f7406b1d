#include "apiclient/reflector.h"

#include <gtest/gtest.h>

#include "base/fake_clock.h"
#include "tests/apiclient/fake_transport.h"

namespace kubenode::apiclient {
namespace {

std::string Pod(const std::string& name, const std::string& rv) {
  return R"({"metadata":{"name":")" + name + R"(","namespace":"default","resourceVersion":")" + rv + R"("}})";
}

std::string Event(const std::string& type, const std::string& object) {
  return R"({"type":")" + type + R"(","object":)" + object + "}\n";
}

class ReflectorTest : public ::testing::Test {
 protected:
  ReflectorTest()
      : limiter_(clock_, 0, 1),
        client_(transport_, limiter_),
        store_(EventHandlers{
            [this](const nlohmann::json& o) { log_.push_back("add " + ObjectKey(o)); },
            [this](const nlohmann::json&, const nlohmann::json& n) { log_.push_back("update " + ObjectKey(n)); },
            [this](const nlohmann::json& o) { log_.push_back("delete " + ObjectKey(o)); }}),
        reflector_(client_, {"/api/v1/pods", "fieldSelector=spec.nodeName%3Dn1"}, store_) {}

  FakeTransport transport_;
  FakeClock clock_;
  RateLimiter limiter_;
  ApiClient client_;
  std::vector<std::string> log_;
  Store store_;
  Reflector reflector_;
  std::atomic<bool> stop_{false};
};

TEST_F(ReflectorTest, ListThenWatchFromItsVersion) {
  transport_.Queue("GET /api/v1/pods?fieldSelector",
                   {200, R"({"metadata":{"resourceVersion":"10"},"items":[)" + Pod("a", "5") + "]}"});
  auto rv = reflector_.ListOnce();
  ASSERT_TRUE(rv.ok());
  EXPECT_EQ(*rv, "10");
  EXPECT_TRUE(reflector_.HasSynced());
  // Events may arrive split anywhere, even inside a line.
  std::string events = Event("ADDED", Pod("b", "11")) + Event("MODIFIED", Pod("a", "12")) +
                       Event("BOOKMARK", R"({"metadata":{"resourceVersion":"13"}})") +
                       Event("DELETED", Pod("b", "14"));
  transport_.Queue("GET /api/v1/pods?fieldSelector",
                   {200, "", {events.substr(0, 17), events.substr(17, 40), events.substr(57)}});
  auto resumed = reflector_.WatchOnce(*rv, stop_);
  ASSERT_TRUE(resumed.ok()) << resumed.status().message();
  EXPECT_EQ(*resumed, "14");
  EXPECT_EQ(log_, (std::vector<std::string>{"add default/a", "add default/b", "update default/a", "delete default/b"}));
  const std::string watch = transport_.requests()[1].path;
  EXPECT_NE(watch.find("fieldSelector=spec.nodeName%3Dn1&watch=true&allowWatchBookmarks=true&resourceVersion=10"),
            std::string::npos)
      << watch;
}

TEST_F(ReflectorTest, ExpiredVersionAsksForARelist) {
  transport_.Queue("GET /api/v1/pods", {200, "", {Event("ERROR", R"({"kind":"Status","code":410,"message":"too old"})")}});
  auto watched = reflector_.WatchOnce("3", stop_);
  ASSERT_FALSE(watched.ok());
  EXPECT_EQ(watched.status().message().rfind("expired", 0), 0u) << watched.status().message();
  transport_.Queue("GET /api/v1/pods", {410, R"({"kind":"Status","code":410,"message":"gone"})"});
  watched = reflector_.WatchOnce("3", stop_);
  ASSERT_FALSE(watched.ok());
  EXPECT_EQ(watched.status().message().rfind("expired", 0), 0u) << watched.status().message();
}

TEST_F(ReflectorTest, RelistDeletesWhatIsGoneAndUpdatesWhatChanged) {
  store_.Add(nlohmann::json::parse(Pod("a", "1")));
  store_.Add(nlohmann::json::parse(Pod("b", "1")));
  log_.clear();
  transport_.Queue("GET /api/v1/pods",
                   {200, R"({"metadata":{"resourceVersion":"9"},"items":[)" + Pod("a", "9") + "," + Pod("c", "9") + "]}"});
  ASSERT_TRUE(reflector_.ListOnce().ok());
  EXPECT_EQ(log_, (std::vector<std::string>{"delete default/b", "update default/a", "add default/c"}));
}

TEST_F(ReflectorTest, ListFailureNamesTheRequest) {
  transport_.Queue("GET /api/v1/pods", {403, R"({"kind":"Status","code":403,"message":"nodes cannot list pods"})"});
  auto listed = reflector_.ListOnce();
  ASSERT_FALSE(listed.ok());
  EXPECT_EQ(listed.status().message(), "GET pods: 403 Forbidden: nodes cannot list pods");
  EXPECT_FALSE(reflector_.HasSynced());
}

}  // namespace
}  // namespace kubenode::apiclient
