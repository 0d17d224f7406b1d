#include "server/http.h"

#include <gtest/gtest.h>

namespace kubenode::server {
namespace {

TEST(RouterTest, ExactAndLongestPrefixMatch) {
  Router router;
  std::string hit;
  router.Add("GET", "/healthz", [&](Exchange&) { hit = "healthz"; });
  router.Add("GET", "/stats/", [&](Exchange&) { hit = "stats"; });
  router.Add("GET", "/stats/summary", [&](Exchange&) { hit = "summary"; });
  router.Add("*", "/exec/", [&](Exchange&) { hit = "exec"; });

  EXPECT_NE(router.Find("GET", "/healthz"), nullptr);
  EXPECT_EQ(router.Find("GET", "/healthz/x"), nullptr);
  EXPECT_EQ(router.Find("GET", "/stats"), nullptr);  // the prefix needs its slash
  const Handler* summary = router.Find("GET", "/stats/summary");
  ASSERT_NE(summary, nullptr);
  struct NoExchange : Exchange {
    Request r;
    const Request& request() const override { return r; }
    void Respond(Response) override {}
    ResponseStream* StartStream(int, std::string, std::vector<std::pair<std::string, std::string>>) override {
      return nullptr;
    }
    std::unique_ptr<ByteStream> Hijack() override { return nullptr; }
  } exchange;
  (*summary)(exchange);
  EXPECT_EQ(hit, "summary");
  (*router.Find("GET", "/stats/container"))(exchange);
  EXPECT_EQ(hit, "stats");
  (*router.Find("POST", "/exec/ns/pod/c"))(exchange);
  EXPECT_EQ(hit, "exec");
}

TEST(RouterTest, ReportsAKnownPathWithAnotherMethod) {
  Router router;
  router.Add("GET", "/pods", [](Exchange&) {});
  bool known = false;
  EXPECT_EQ(router.Find("POST", "/pods", &known), nullptr);
  EXPECT_TRUE(known);
  EXPECT_EQ(router.Find("GET", "/nope", &known), nullptr);
  EXPECT_FALSE(known);
}

TEST(PathSegmentsTest, SplitsAfterThePrefix) {
  EXPECT_EQ(PathSegments("/containerLogs/default/nginx/nginx", "/containerLogs/"),
            (std::vector<std::string>{"default", "nginx", "nginx"}));
  EXPECT_EQ(PathSegments("/portForward/ns/pod", "/portForward/"), (std::vector<std::string>{"ns", "pod"}));
  EXPECT_TRUE(PathSegments("/other", "/containerLogs/").empty());
}

TEST(RequestTest, FirstQueryValueAndHeader) {
  Request request;
  request.query = {{"command", "sh"}, {"command", "-c"}, {"tty", "1"}};
  request.headers = {{"upgrade", "SPDY/3.1"}};
  EXPECT_EQ(request.Query("command"), "sh");
  EXPECT_TRUE(request.HasQuery("tty"));
  EXPECT_FALSE(request.HasQuery("stdin"));
  EXPECT_EQ(request.Header("upgrade"), "SPDY/3.1");
  EXPECT_EQ(request.Header("connection"), "");
}

}  // namespace
}  // namespace kubenode::server
