#include "agent/local_api.h"

#include <unistd.h>

#include <gtest/gtest.h>

namespace kubenode::agent {
namespace {

std::string TestSocket() { return "/tmp/kubenode-local-api-test-" + std::to_string(getpid()) + ".sock"; }

TEST(LocalApiTest, RoutesRequestsAndReturnsReplies) {
  LocalApiServer server(TestSocket());
  server.Route("get pods", [](const nlohmann::json& request) {
    return Reply::Ok("output=" + request.value("output", "") + "\n");
  });
  ASSERT_TRUE(server.Start().ok());
  auto reply = CallLocalApi(TestSocket(), {{"route", "get pods"}, {"output", "wide"}});
  ASSERT_TRUE(reply.ok()) << reply.status().message();
  EXPECT_EQ(reply->exit_code, 0);
  EXPECT_EQ(reply->out, "output=wide\n");
}

TEST(LocalApiTest, UnknownRouteAndThrowingHandlerAreErrorsNotCrashes) {
  LocalApiServer server(TestSocket());
  server.Route("boom", [](const nlohmann::json&) -> Reply { throw std::runtime_error("bad handler"); });
  ASSERT_TRUE(server.Start().ok());
  auto unknown = CallLocalApi(TestSocket(), {{"route", "get nodes"}});
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->exit_code, 1);
  EXPECT_EQ(unknown->err, "the daemon does not serve \"get nodes\"");
  auto boom = CallLocalApi(TestSocket(), {{"route", "boom"}});
  ASSERT_TRUE(boom.ok());
  EXPECT_EQ(boom->err, "internal error: bad handler");
  // The server still answers after a failing handler.
  EXPECT_TRUE(CallLocalApi(TestSocket(), {{"route", "x"}}).ok());
}

TEST(LocalApiTest, NoDaemonIsAClearError) {
  auto reply = CallLocalApi("/tmp/kubenode-no-such-daemon.sock", {{"route", "get pods"}});
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().message(),
            "cannot reach the kubenode daemon at /tmp/kubenode-no-such-daemon.sock: No such file or directory "
            "(is `kubenode run` running?)");
}

}  // namespace
}  // namespace kubenode::agent
