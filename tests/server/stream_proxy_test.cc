#include "server/stream_proxy.h"

#include <gtest/gtest.h>

#include <thread>

#include "tests/server/stream_fakes.h"

namespace kubenode::server {
namespace {

using testing::Backend;
using testing::FakeExchange;
using testing::ReadHead;
using testing::ReadToEnd;
using testing::SendAll;

constexpr char kSwitching[] =
    "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n"
    "X-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n";

Request ExecRequest() {
  Request r;
  r.method = "POST";
  r.target = "/exec/default/nginx/nginx?command=cat&input=1&output=1";
  r.path = "/exec/default/nginx/nginx";
  r.headers = {{"host", "10.0.0.5:10250"},
               {"connection", "Upgrade"},
               {"upgrade", "SPDY/3.1"},
               {"x-stream-protocol-version", "v4.channel.k8s.io"},
               {"authorization", "Bearer secret-token"}};
  return r;
}

TEST(ParseBackendUrlTest, SplitsHostPortAndTarget) {
  auto url = ParseBackendUrl("http://127.0.0.1:40123/exec/AbC?x=1");
  ASSERT_TRUE(url.ok()) << url.status().message();
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, 40123);
  EXPECT_EQ(url->target, "/exec/AbC?x=1");

  auto v6 = ParseBackendUrl("http://[::1]:8080");
  ASSERT_TRUE(v6.ok()) << v6.status().message();
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 8080);
  EXPECT_EQ(v6->target, "/");

  auto no_port = ParseBackendUrl("http://localhost/x");
  ASSERT_TRUE(no_port.ok());
  EXPECT_EQ(no_port->port, 80);

  EXPECT_FALSE(ParseBackendUrl("https://127.0.0.1:1/x").ok());
  EXPECT_FALSE(ParseBackendUrl("http://127.0.0.1:99999/x").ok());
  EXPECT_FALSE(ParseBackendUrl("http://:80/x").ok());
}

TEST(StreamProxyTest, ForwardsTheRequestHeadToTheBackendsUrl) {
  BackendUrl backend{"127.0.0.1", 40123, "/exec/Tok"};
  std::string head = ForwardedRequest(ExecRequest(), backend);
  EXPECT_TRUE(head.starts_with("POST /exec/Tok HTTP/1.1\r\nHost: 127.0.0.1:40123\r\n")) << head;
  EXPECT_NE(head.find("\r\nUpgrade: SPDY/3.1\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("\r\nConnection: Upgrade\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.find("10250"), std::string::npos) << "the client's Host leaked: " << head;
  EXPECT_EQ(head.find("secret-token"), std::string::npos) << "the node's credentials leaked: " << head;
  EXPECT_TRUE(head.ends_with("\r\n\r\n"));

  Request with_body = ExecRequest();
  with_body.body = "abc";
  with_body.headers.emplace("content-length", "3");
  head = ForwardedRequest(with_body, backend);
  EXPECT_TRUE(head.ends_with("\r\nContent-Length: 3\r\n\r\nabc")) << head;
  EXPECT_EQ(head.find("Content-Length", head.find("Content-Length") + 1), std::string::npos) << head;
}

TEST(StreamProxyTest, SplicesBothWaysAndPassesOnTheClientsHalfClose) {
  Backend backend;
  std::string backend_head, backend_got;
  backend.Serve([&](int fd) {
    backend_head = ReadHead(fd);
    ASSERT_TRUE(SendAll(fd, kSwitching));
    backend_got = ReadToEnd(fd);  // ends only when the client's EOF is passed on
    ASSERT_TRUE(SendAll(fd, "pong after your EOF"));
  });
  FakeExchange exchange(ExecRequest());
  std::thread proxy([&] { ProxyStream(exchange, backend.Url("/exec/Tok")); });
  ASSERT_TRUE(SendAll(exchange.client_fd, "ping"));
  ::shutdown(exchange.client_fd, SHUT_WR);
  bool timed_out = false;
  std::string client_got = ReadToEnd(exchange.client_fd, &timed_out);
  proxy.join();
  backend.Join();

  EXPECT_FALSE(timed_out);
  EXPECT_TRUE(exchange.hijacked);
  EXPECT_FALSE(exchange.responded.has_value());
  EXPECT_TRUE(backend_head.starts_with("POST /exec/Tok HTTP/1.1\r\n")) << backend_head;
  EXPECT_EQ(backend_got, "ping");
  EXPECT_EQ(client_got, std::string(kSwitching) + "pong after your EOF");
}

TEST(StreamProxyTest, PassesOnTheBackendsHalfCloseAndKeepsTheOtherDirection) {
  Backend backend;
  std::string backend_got;
  backend.Serve([&](int fd) {
    ReadHead(fd);
    ASSERT_TRUE(SendAll(fd, std::string(kSwitching) + "exit status 0"));
    ::shutdown(fd, SHUT_WR);
    backend_got = ReadToEnd(fd);
  });
  FakeExchange exchange(ExecRequest());
  std::thread proxy([&] { ProxyStream(exchange, backend.Url("/exec/Tok")); });
  bool timed_out = false;
  std::string client_got = ReadToEnd(exchange.client_fd, &timed_out);  // the backend's EOF arrives
  ASSERT_TRUE(SendAll(exchange.client_fd, "late bytes"));              // and the client may still talk
  ::shutdown(exchange.client_fd, SHUT_WR);
  proxy.join();
  backend.Join();

  EXPECT_FALSE(timed_out);
  EXPECT_EQ(client_got, std::string(kSwitching) + "exit status 0");
  EXPECT_EQ(backend_got, "late bytes");
}

TEST(StreamProxyTest, SendsBytesTheServerHadBufferedBeforeTheSocketsOwn) {
  Backend backend;
  std::string backend_got;
  backend.Serve([&](int fd) {
    ReadHead(fd);
    ASSERT_TRUE(SendAll(fd, kSwitching));
    char buf[64];
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);  // bounded: fails the test if the bytes never come
    if (n > 0) backend_got.assign(buf, static_cast<size_t>(n));
  });
  // The client sends nothing more on the socket: only the buffered bytes can wake the proxy.
  FakeExchange exchange(ExecRequest(), "early SPDY frame");
  std::thread proxy([&] { ProxyStream(exchange, backend.Url("/exec/Tok")); });
  backend.Join();
  ::shutdown(exchange.client_fd, SHUT_WR);
  ReadToEnd(exchange.client_fd);
  proxy.join();
  EXPECT_EQ(backend_got, "early SPDY frame");
}

TEST(StreamProxyTest, AnUnreachableBackendGetsAnErrorResponseBeforeAnyUpgrade) {
  Backend backend;
  backend.Close();
  FakeExchange exchange(ExecRequest());
  ProxyStream(exchange, backend.Url("/exec/Tok"));
  EXPECT_FALSE(exchange.hijacked);
  ASSERT_TRUE(exchange.responded.has_value());
  EXPECT_EQ(exchange.responded->status, 502);
  EXPECT_NE(exchange.responded->body.find("127.0.0.1:" + std::to_string(backend.port)), std::string::npos)
      << exchange.responded->body;
  EXPECT_NE(exchange.responded->body.find("connection refused"), std::string::npos) << exchange.responded->body;
}

TEST(StreamProxyTest, ABackendErrorResponseReachesTheClientAsSent) {
  Backend backend;
  const std::string not_found = "HTTP/1.1 404 Not Found\r\nContent-Length: 16\r\n\r\nsession expired\n";
  backend.Serve([&](int fd) {
    ReadHead(fd);
    ASSERT_TRUE(SendAll(fd, not_found));
  });
  FakeExchange exchange(ExecRequest());
  std::thread proxy([&] { ProxyStream(exchange, backend.Url("/exec/Expired")); });
  backend.Join();  // the backend closed
  std::string got;
  while (got.size() < not_found.size()) {
    char buf[256];
    ssize_t n = ::recv(exchange.client_fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  ::shutdown(exchange.client_fd, SHUT_WR);
  proxy.join();
  EXPECT_EQ(got, not_found);
}

std::string Pattern(size_t size, unsigned seed) {
  std::string out(size, '\0');
  uint32_t x = seed;
  for (char& c : out) {
    x = x * 1664525u + 1013904223u;
    c = static_cast<char>(x >> 24);
  }
  return out;
}

TEST(StreamProxyTest, SeveralMegabytesBothWaysAtOnceArriveIntact) {
  const std::string up = Pattern(8 << 20, 1), down = Pattern(8 << 20, 2);
  Backend backend;
  std::string backend_got;
  backend.Serve([&](int fd) {
    ReadHead(fd);
    std::thread writer([&] {
      SendAll(fd, kSwitching);
      SendAll(fd, down);
      ::shutdown(fd, SHUT_WR);
    });
    backend_got = ReadToEnd(fd);
    writer.join();
  });
  FakeExchange exchange(ExecRequest());
  std::thread proxy([&] { ProxyStream(exchange, backend.Url("/portforward/Tok")); });
  std::thread writer([&] {
    SendAll(exchange.client_fd, up);
    ::shutdown(exchange.client_fd, SHUT_WR);
  });
  std::string client_got = ReadToEnd(exchange.client_fd);
  writer.join();
  proxy.join();
  backend.Join();

  ASSERT_EQ(backend_got.size(), up.size());
  EXPECT_TRUE(backend_got == up);
  ASSERT_EQ(client_got.size(), std::string(kSwitching).size() + down.size());
  EXPECT_TRUE(client_got == std::string(kSwitching) + down);
}

}  // namespace
}  // namespace kubenode::server
