#include "server/auth.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/fake_clock.h"
#include "tests/apiclient/fake_transport.h"

namespace kubenode::server {
namespace {

using apiclient::FakeTransport;

constexpr char kTokenReview[] = "POST /apis/authentication.k8s.io/v1/tokenreviews";
constexpr char kSar[] = "POST /apis/authorization.k8s.io/v1/subjectaccessreviews";

std::string Authenticated(const std::string& user) {
  return nlohmann::json{{"status", {{"authenticated", true}, {"user", {{"username", user}, {"groups", {"g1"}}}}}}}.dump();
}
std::string Allowed(bool allowed) { return nlohmann::json{{"status", {{"allowed", allowed}}}}.dump(); }

class AuthTest : public ::testing::Test {
 protected:
  AuthTest() : limiter_(clock_, 0, 1), api_(transport_, limiter_) {}

  KubeletAuth Make(AuthOptions o) {
    o.node_name = "node-1";
    return KubeletAuth(o, &api_, clock_);
  }
  static Request Get(const std::string& path, const std::string& token = "") {
    Request r;
    r.method = "GET";
    r.path = path;
    if (!token.empty()) r.headers.emplace("authorization", "Bearer " + token);
    return r;
  }
  size_t Calls(const std::string& prefix) {
    size_t n = 0;
    for (const auto& r : transport_.requests()) n += (r.method + " " + r.path).rfind(prefix, 0) == 0;
    return n;
  }

  FakeTransport transport_;
  FakeClock clock_;
  apiclient::RateLimiter limiter_;
  apiclient::ApiClient api_;
};

TEST(RequestAttributesTest, UpstreamsSubresourcesAndVerbs) {
  EXPECT_EQ(RequestAttributes("GET", "/stats/summary").subresource, "stats");
  EXPECT_EQ(RequestAttributes("GET", "/stats").subresource, "stats");
  EXPECT_EQ(RequestAttributes("GET", "/statsx").subresource, "proxy");
  EXPECT_EQ(RequestAttributes("GET", "/metrics/resource").subresource, "metrics");
  EXPECT_EQ(RequestAttributes("GET", "/logs/").subresource, "log");
  EXPECT_EQ(RequestAttributes("GET", "/containerLogs/ns/p/c").subresource, "proxy");
  EXPECT_EQ(RequestAttributes("POST", "/exec/ns/p/c").verb, "create");
  EXPECT_EQ(RequestAttributes("PUT", "/x").verb, "update");
  EXPECT_EQ(RequestAttributes("PATCH", "/x").verb, "patch");
  EXPECT_EQ(RequestAttributes("DELETE", "/x").verb, "delete");
  EXPECT_EQ(RequestAttributes("HEAD", "/x").verb, "");
}

TEST_F(AuthTest, NoCredentialsIs401UnlessAnonymousIsOn) {
  KubeletAuth closed = Make({.token_webhook = true, .authorize_webhook = true});
  Request r = Get("/pods");
  auto refused = closed.Admit(r, {});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);
  EXPECT_EQ(refused->body, "Unauthorized");

  KubeletAuth open = Make({.anonymous = true});
  Request r2 = Get("/pods");
  EXPECT_FALSE(open.Admit(r2, {}));
  EXPECT_EQ(r2.user.name, "system:anonymous");
  EXPECT_EQ(r2.user.groups, std::vector<std::string>{"system:unauthenticated"});
}

TEST_F(AuthTest, VerifiedClientCertificateNamesTheUserAndBadOneIs401EvenWithAnonymous) {
  KubeletAuth auth = Make({.x509 = true, .anonymous = true});
  PeerCertificate alice{.present = true, .verified = true, .common_name = "alice", .organizations = {"devs"}};
  Request r = Get("/pods");
  EXPECT_FALSE(auth.Admit(r, alice));
  EXPECT_EQ(r.user.name, "alice");
  EXPECT_EQ(r.user.groups, (std::vector<std::string>{"devs", "system:authenticated"}));

  PeerCertificate bad{.present = true, .verified = false, .error = "unable to get local issuer certificate",
                      .common_name = "mallory"};
  Request r2 = Get("/pods");
  auto refused = auth.Admit(r2, bad);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);
}

TEST_F(AuthTest, TokenReviewAnswersAreCachedForTheirTtl) {
  KubeletAuth auth = Make({.token_webhook = true, .token_cache_ttl = std::chrono::minutes(2)});
  transport_.Queue(kTokenReview, {201, Authenticated("bob")});
  Request r = Get("/pods", "secret-token");
  EXPECT_FALSE(auth.Admit(r, {}));
  EXPECT_EQ(r.user.name, "bob");
  EXPECT_EQ(r.user.groups, (std::vector<std::string>{"g1", "system:authenticated"}));
  auto sent = nlohmann::json::parse(transport_.requests()[0].body);
  EXPECT_EQ(sent["kind"], "TokenReview");
  EXPECT_EQ(sent["spec"]["token"], "secret-token");

  clock_.Advance(std::chrono::seconds(119));
  Request again = Get("/pods", "secret-token");
  EXPECT_FALSE(auth.Admit(again, {}));
  EXPECT_EQ(Calls(kTokenReview), 1u);

  clock_.Advance(std::chrono::seconds(2));
  transport_.Queue(kTokenReview, {201, R"({"status":{"authenticated":false}})"});
  Request expired = Get("/pods", "secret-token");
  auto refused = auth.Admit(expired, {});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);
  EXPECT_EQ(Calls(kTokenReview), 2u);
  // The rejection is cached too.
  Request rejected = Get("/pods", "secret-token");
  EXPECT_TRUE(auth.Admit(rejected, {}));
  EXPECT_EQ(Calls(kTokenReview), 2u);
}

TEST_F(AuthTest, TokenReviewFailureIs401AndNotCached) {
  KubeletAuth auth = Make({.anonymous = true, .token_webhook = true});
  transport_.Queue(kTokenReview, {500, R"({"kind":"Status","code":500,"message":"boom"})"});
  Request r = Get("/pods", "t");
  auto refused = auth.Admit(r, {});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);
  transport_.Queue(kTokenReview, {201, Authenticated("bob")});
  Request r2 = Get("/pods", "t");
  EXPECT_FALSE(auth.Admit(r2, {}));
  EXPECT_EQ(Calls(kTokenReview), 2u);
}

TEST_F(AuthTest, SubjectAccessReviewWithUpstreamsAttributesAndForbiddenBody) {
  KubeletAuth auth = Make({.x509 = true, .authorize_webhook = true});
  PeerCertificate carol{.present = true, .verified = true, .common_name = "carol", .organizations = {"viewers"}};
  transport_.Queue(kSar, {201, Allowed(false)});
  Request r = Get("/containerLogs/default/nginx/nginx");
  auto refused = auth.Admit(r, carol);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403);
  EXPECT_EQ(refused->body, "Forbidden (user=carol, verb=get, resource=nodes, subresource=proxy)");
  auto sent = nlohmann::json::parse(transport_.requests()[0].body);
  EXPECT_EQ(sent["kind"], "SubjectAccessReview");
  EXPECT_EQ(sent["spec"]["user"], "carol");
  EXPECT_EQ(sent["spec"]["groups"], (nlohmann::json{"viewers", "system:authenticated"}));
  const auto& ra = sent["spec"]["resourceAttributes"];
  EXPECT_EQ(ra["verb"], "get");
  EXPECT_EQ(ra["resource"], "nodes");
  EXPECT_EQ(ra["subresource"], "proxy");
  EXPECT_EQ(ra["name"], "node-1");
  EXPECT_EQ(ra["group"], "");
  EXPECT_EQ(ra["version"], "v1");

  transport_.Queue(kSar, {201, Allowed(true)});
  Request stats = Get("/stats/summary");
  EXPECT_FALSE(auth.Admit(stats, carol));
  EXPECT_EQ(nlohmann::json::parse(transport_.requests()[1].body)["spec"]["resourceAttributes"]["subresource"], "stats");
  EXPECT_EQ(stats.user.name, "carol");
}

TEST_F(AuthTest, DecisionsAreCachedAuthorized5mUnauthorized30s) {
  KubeletAuth auth = Make({.x509 = true, .authorize_webhook = true});
  PeerCertificate dave{.present = true, .verified = true, .common_name = "dave"};
  transport_.Queue(kSar, {201, Allowed(false)});
  Request r = Get("/pods");
  EXPECT_TRUE(auth.Admit(r, dave));
  clock_.Advance(std::chrono::seconds(29));
  EXPECT_TRUE(auth.Admit(r, dave));
  EXPECT_EQ(Calls(kSar), 1u);
  clock_.Advance(std::chrono::seconds(2));
  transport_.Queue(kSar, {201, Allowed(true)});
  EXPECT_FALSE(auth.Admit(r, dave));
  EXPECT_EQ(Calls(kSar), 2u);
  clock_.Advance(std::chrono::minutes(4));
  EXPECT_FALSE(auth.Admit(r, dave));
  EXPECT_EQ(Calls(kSar), 2u);
  clock_.Advance(std::chrono::minutes(2));
  transport_.Queue(kSar, {201, Allowed(true)});
  EXPECT_FALSE(auth.Admit(r, dave));
  EXPECT_EQ(Calls(kSar), 3u);
}

TEST_F(AuthTest, SarErrorIs500AuthorizationError) {
  KubeletAuth auth = Make({.anonymous = true, .authorize_webhook = true});
  transport_.Queue(kSar, {500, R"({"kind":"Status","code":500,"message":"boom"})"});
  Request r = Get("/metrics");
  auto refused = auth.Admit(r, {});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 500);
  EXPECT_EQ(refused->body, "Authorization error (user=system:anonymous, verb=get, resource=nodes, subresource=metrics)");
}

}  // namespace
}  // namespace kubenode::server
