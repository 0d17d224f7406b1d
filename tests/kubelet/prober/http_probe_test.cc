#include "kubelet/prober/http_probe.h"

#include <gtest/gtest.h>

#include "test_server.h"
#include "tls_test_server.h"

namespace kubenode::kubelet::prober {
namespace {

using testing::TestServer;
using testing::TlsTestServer;

HttpProbeRequest Request(int port, std::string path = "/healthz") {
  api::HTTPGetAction action;
  action.port = api::IntOrString::Int(port);
  action.path = std::move(path);
  Result<HttpProbeRequest> request = NewHttpProbeRequest(action, api::Container{}, "127.0.0.1");
  EXPECT_TRUE(request.ok());
  return *request;
}

std::string RequestPath(const std::string& request) {
  size_t start = request.find(' ') + 1;
  return request.substr(start, request.find(' ', start) - start);
}

TEST(NewHttpProbeRequestTest, DefaultsFromPodAndContainer) {
  api::HTTPGetAction action;
  action.port = api::IntOrString::String("http");
  api::Container container;
  container.name = "web";
  container.ports = {{.name = "http", .container_port = 8080}};
  Result<HttpProbeRequest> request = NewHttpProbeRequest(action, container, "10.88.0.5");
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->Url(), "http://10.88.0.5:8080/");
  EXPECT_EQ(SerializeRequest(*request),
            "GET / HTTP/1.1\r\nHost: 10.88.0.5:8080\r\nUser-Agent: kube-probe/1.28\r\nAccept: */*\r\n"
            "Connection: close\r\n\r\n");
}

TEST(NewHttpProbeRequestTest, HostPathAndHeadersFromTheAction) {
  api::HTTPGetAction action;
  action.port = api::IntOrString::Int(80);
  action.host = "fd00::5";
  action.path = "ready?verbose=1#top";
  action.http_headers = {{"Host", "example.com"}, {"user-agent", "custom"}, {"Accept", ""}, {"X-Token", "t"}};
  Result<HttpProbeRequest> request = NewHttpProbeRequest(action, api::Container{}, "10.88.0.5");
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->Url(), "http://[fd00::5]:80/ready?verbose=1");
  EXPECT_EQ(SerializeRequest(*request),
            "GET /ready?verbose=1 HTTP/1.1\r\nHost: example.com\r\nuser-agent: custom\r\nX-Token: t\r\n"
            "Connection: close\r\n\r\n");
}

TEST(NewHttpProbeRequestTest, UnknownPortNameIsAnError) {
  api::HTTPGetAction action;
  action.port = api::IntOrString::String("http");
  api::Container container;
  container.name = "web";
  EXPECT_EQ(NewHttpProbeRequest(action, container, "10.88.0.5").status().message(),
            "port http not found in container web");
}

TEST(HttpProbeTest, Status200IsSuccessWithTheBody) {
  TestServer server([](const std::string&) { return TestServer::Response(200, "ok"); });
  Result<ProbeOutcome> outcome = HttpProbe(Request(server.port()), std::chrono::seconds(1));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->result, Outcome::kSuccess);
  EXPECT_EQ(outcome->output, "ok");
  ASSERT_EQ(server.requests().size(), 1u);
  const std::string request = server.requests()[0];
  EXPECT_EQ(request.rfind("GET /healthz HTTP/1.1\r\n", 0), 0u) << request;
  EXPECT_NE(request.find("\r\nUser-Agent: kube-probe/1.28\r\n"), std::string::npos) << request;
  EXPECT_NE(request.find("\r\nHost: 127.0.0.1:" + std::to_string(server.port()) + "\r\n"), std::string::npos);
}

TEST(HttpProbeTest, Status500IsFailureWithoutTheBody) {
  TestServer server([](const std::string&) { return TestServer::Response(500, "secret stack trace"); });
  Result<ProbeOutcome> outcome = HttpProbe(Request(server.port()), std::chrono::seconds(1));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->result, Outcome::kFailure);
  EXPECT_EQ(outcome->output, "HTTP probe failed with statuscode: 500");
}

TEST(HttpProbeTest, Status399IsSuccessAnd400Failure) {
  TestServer server([](const std::string& request) {
    return TestServer::Response(RequestPath(request) == "/a" ? 399 : 400);
  });
  EXPECT_EQ(HttpProbe(Request(server.port(), "/a"), std::chrono::seconds(1))->result, Outcome::kWarning);
  EXPECT_EQ(HttpProbe(Request(server.port(), "/b"), std::chrono::seconds(1))->result, Outcome::kFailure);
}

TEST(HttpProbeTest, ConnectionRefusedReadsLikeGo) {
  const int port = TestServer::ClosedPort();
  Result<ProbeOutcome> outcome = HttpProbe(Request(port), std::chrono::seconds(1));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->result, Outcome::kFailure);
  const std::string address = "127.0.0.1:" + std::to_string(port);
  EXPECT_EQ(outcome->output,
            "Get \"http://" + address + "/healthz\": dial tcp " + address + ": connect: connection refused");
}

TEST(HttpProbeTest, NoAnswerWithinTheTimeoutIsFailure) {
  TestServer server([](const std::string&) { return std::nullopt; });
  Result<ProbeOutcome> outcome = HttpProbe(Request(server.port()), std::chrono::milliseconds(100));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->result, Outcome::kFailure);
  EXPECT_EQ(outcome->output, "Get \"http://127.0.0.1:" + std::to_string(server.port()) +
                                 "/healthz\": context deadline exceeded (Client.Timeout exceeded while awaiting "
                                 "headers)");
}

TEST(HttpProbeTest, ChunkedBodyAndBodyUntilClose) {
  TestServer server([](const std::string& request) -> std::optional<std::string> {
    if (RequestPath(request) == "/chunked") {
      return std::string("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n3\r\n!!!\r\n0\r\n\r\n");
    }
    return std::string("HTTP/1.0 200 OK\r\n\r\nuntil close");
  });
  EXPECT_EQ(HttpProbe(Request(server.port(), "/chunked"), std::chrono::seconds(1))->output, "ok!!!");
  EXPECT_EQ(HttpProbe(Request(server.port(), "/plain"), std::chrono::seconds(1))->output, "until close");
}

TEST(HttpProbeTest, BodyIsCutAt10KiB) {
  TestServer server([](const std::string&) { return TestServer::Response(200, std::string(20000, 'x')); });
  Result<ProbeOutcome> outcome = HttpProbe(Request(server.port()), std::chrono::seconds(1));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->output.size(), kMaxResponseBody);
}

TEST(HttpProbeTest, FollowsRedirectsOnTheSameHost) {
  TestServer server([](const std::string& request) {
    const std::string path = RequestPath(request);
    if (path == "/healthz") return TestServer::Response(302, "", "Location: /moved\r\n");
    if (path == "/moved") return TestServer::Response(307, "", "Location: inner\r\n");
    return TestServer::Response(path == "/inner" ? 500 : 404);
  });
  Result<ProbeOutcome> outcome = HttpProbe(Request(server.port()), std::chrono::seconds(1));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->result, Outcome::kFailure);
  EXPECT_EQ(outcome->output, "HTTP probe failed with statuscode: 500");
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST(HttpProbeTest, FollowsAbsoluteRedirectToAnotherPortOfTheSameHost) {
  TestServer target([](const std::string&) { return TestServer::Response(200, "there"); });
  TestServer server([&](const std::string&) {
    return TestServer::Response(301, "", "Location: http://127.0.0.1:" + std::to_string(target.port()) + "/x\r\n");
  });
  Result<ProbeOutcome> outcome = HttpProbe(Request(server.port()), std::chrono::seconds(1));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->result, Outcome::kSuccess);
  EXPECT_EQ(outcome->output, "there");
}

TEST(HttpProbeTest, RedirectToAnotherHostIsAWarning) {
  TestServer server(
      [](const std::string&) { return TestServer::Response(302, "gone", "Location: http://example.com/\r\n"); });
  Result<ProbeOutcome> outcome = HttpProbe(Request(server.port()), std::chrono::seconds(1));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->result, Outcome::kWarning);
  EXPECT_EQ(outcome->output, "Probe terminated redirects, Response body: gone");
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(HttpProbeTest, StopsAfterTenRedirects) {
  TestServer server([](const std::string&) { return TestServer::Response(302, "", "Location: /again\r\n"); });
  Result<ProbeOutcome> outcome = HttpProbe(Request(server.port()), std::chrono::seconds(2));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->result, Outcome::kFailure);
  EXPECT_EQ(outcome->output,
            "Get \"http://127.0.0.1:" + std::to_string(server.port()) + "/again\": stopped after 10 redirects");
  EXPECT_EQ(server.requests().size(), 10u);
}

TEST(HttpProbeTest, MalformedResponseIsFailure) {
  TestServer server([](const std::string&) { return std::string("hello\r\n\r\n"); });
  Result<ProbeOutcome> outcome = HttpProbe(Request(server.port()), std::chrono::seconds(1));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->result, Outcome::kFailure);
  EXPECT_NE(outcome->output.find("malformed HTTP response \"hello\""), std::string::npos) << outcome->output;
}

// A 200 whose Content-Length is not a number is a broken response (Go's transport), not a success with
// whatever body arrived.
TEST(HttpProbeTest, BadContentLengthIsFailure) {
  TestServer server([](const std::string&) { return std::string("HTTP/1.1 200 OK\r\nContent-Length: 12abc\r\n\r\nok"); });
  Result<ProbeOutcome> outcome = HttpProbe(Request(server.port()), std::chrono::seconds(1));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->result, Outcome::kFailure);
  EXPECT_NE(outcome->output.find("bad Content-Length \"12abc\""), std::string::npos) << outcome->output;
}

HttpProbeRequest HttpsRequest(int port, std::string path = "/healthz") {
  HttpProbeRequest request = Request(port, std::move(path));
  request.scheme = "https";
  return request;
}

// Upstream's probes speak TLS without verifying the certificate: kubeadm's control-plane pods probe
// their own self-signed serving certificates this way.
TEST(HttpsProbeTest, Status200OverTlsIsSuccessWithTheBody) {
  TlsTestServer server([](const std::string&) { return TestServer::Response(200, "ok"); });
  Result<ProbeOutcome> outcome = HttpProbe(HttpsRequest(server.port(), "/livez"), std::chrono::seconds(5));
  ASSERT_TRUE(outcome.ok()) << outcome.status().message();
  EXPECT_EQ(outcome->result, Outcome::kSuccess) << outcome->output;
  EXPECT_EQ(outcome->output, "ok");
  ASSERT_EQ(server.requests().size(), 1u);
  const std::string request = server.requests()[0];
  EXPECT_EQ(request.rfind("GET /livez HTTP/1.1\r\n", 0), 0u) << request;
  EXPECT_NE(request.find("\r\nUser-Agent: kube-probe/1.28\r\n"), std::string::npos) << request;
}

TEST(HttpsProbeTest, Status500OverTlsIsFailure) {
  TlsTestServer server([](const std::string&) { return TestServer::Response(500, "[-]etcd failed"); });
  Result<ProbeOutcome> outcome = HttpProbe(HttpsRequest(server.port(), "/readyz"), std::chrono::seconds(5));
  ASSERT_TRUE(outcome.ok()) << outcome.status().message();
  EXPECT_EQ(outcome->result, Outcome::kFailure);
  EXPECT_EQ(outcome->output, "HTTP probe failed with statuscode: 500");
}

TEST(HttpsProbeTest, PlainHttpServerFailsTheHandshake) {
  TestServer server([](const std::string&) { return TestServer::Response(200, "ok"); });
  Result<ProbeOutcome> outcome = HttpProbe(HttpsRequest(server.port()), std::chrono::seconds(5));
  ASSERT_TRUE(outcome.ok()) << outcome.status().message();
  EXPECT_EQ(outcome->result, Outcome::kFailure);
  const std::string prefix = "Get \"https://127.0.0.1:" + std::to_string(server.port()) + "/healthz\": tls: ";
  EXPECT_EQ(outcome->output.rfind(prefix, 0), 0u) << outcome->output;
}

TEST(HttpsProbeTest, ConnectionRefusedReadsLikeGo) {
  const int port = TestServer::ClosedPort();
  Result<ProbeOutcome> outcome = HttpProbe(HttpsRequest(port), std::chrono::seconds(5));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->result, Outcome::kFailure);
  EXPECT_EQ(outcome->output, "Get \"https://127.0.0.1:" + std::to_string(port) +
                                 "/healthz\": dial tcp 127.0.0.1:" + std::to_string(port) +
                                 ": connect: connection refused");
}

TEST(HttpProbeTest, UnknownSchemeIsAnError) {
  HttpProbeRequest request = Request(8443);
  request.scheme = "gopher";
  Result<ProbeOutcome> outcome = HttpProbe(request, std::chrono::seconds(1));
  ASSERT_FALSE(outcome.ok());
}

}  // namespace
}  // namespace kubenode::kubelet::prober
