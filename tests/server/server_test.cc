#include "server/kubelet_server.h"

#include <sys/socket.h>

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "tests/server/test_tls.h"

namespace kubenode::server {
namespace {

using testing::Get;
using testing::TestPki;
namespace net = boost::asio;

ServerOptions Plain() {
  ServerOptions o;
  o.name = "test";
  o.address = "127.0.0.1";
  o.port = 0;
  return o;
}

// The body of a chunked response, de-chunked.
std::string Dechunk(const std::string& response) {
  size_t pos = response.find("\r\n\r\n");
  std::string body;
  if (pos == std::string::npos) return body;
  pos += 4;
  for (;;) {
    size_t eol = response.find("\r\n", pos);
    if (eol == std::string::npos) return body;
    size_t size = std::stoul(response.substr(pos, eol - pos), nullptr, 16);
    if (size == 0) return body;
    body += response.substr(eol + 2, size);
    pos = eol + 2 + size + 2;
  }
}

TEST(ServerTest, AnswersRoutesAndGoStyleErrors) {
  Router router;
  router.Add("GET", "/hello", [](Exchange& e) { e.Respond(Response::Text(200, "hi " + e.request().Query("name"))); });
  router.Add("GET", "/silent", [](Exchange&) {});
  Server server(Plain(), router, nullptr);
  ASSERT_TRUE(server.Start().ok());
  std::string ok = testing::Exchange(server.port(), Get("/hello?name=a%20b"));
  EXPECT_NE(ok.find("HTTP/1.1 200 OK"), std::string::npos) << ok;
  EXPECT_NE(ok.find("hi a b"), std::string::npos) << ok;
  std::string missing = testing::Exchange(server.port(), Get("/nothing"));
  EXPECT_NE(missing.find("HTTP/1.1 404"), std::string::npos) << missing;
  EXPECT_NE(missing.find("404 page not found"), std::string::npos) << missing;
  std::string method = testing::Exchange(server.port(), "POST /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  EXPECT_NE(method.find("HTTP/1.1 405"), std::string::npos) << method;
  std::string silent = testing::Exchange(server.port(), Get("/silent"));
  EXPECT_NE(silent.find("HTTP/1.1 500"), std::string::npos) << silent;
}

TEST(ServerTest, KeepsTheConnectionForTheNextRequest) {
  Router router;
  int served = 0;
  router.Add("GET", "/n", [&](Exchange& e) { e.Respond(Response::Text(200, "n=" + std::to_string(++served))); });
  Server server(Plain(), router, nullptr);
  ASSERT_TRUE(server.Start().ok());
  std::string both = testing::Exchange(server.port(), "GET /n HTTP/1.1\r\nHost: x\r\n\r\n" + Get("/n"));
  EXPECT_NE(both.find("n=1"), std::string::npos) << both;
  EXPECT_NE(both.find("n=2"), std::string::npos) << both;
}

TEST(ServerTest, StreamsChunks) {
  Router router;
  router.Add("GET", "/stream", [](Exchange& e) {
    ResponseStream* s = e.StartStream(200, "text/plain");
    ASSERT_NE(s, nullptr);
    for (const char* part : {"one\n", "two\n", "three\n"}) ASSERT_TRUE(s->Write(part).ok());
  });
  Server server(Plain(), router, nullptr);
  ASSERT_TRUE(server.Start().ok());
  std::string response = testing::Exchange(server.port(), Get("/stream"));
  EXPECT_NE(response.find("Transfer-Encoding: chunked"), std::string::npos) << response;
  EXPECT_EQ(Dechunk(response), "one\ntwo\nthree\n");
}

TEST(ServerTest, HijackedConnectionSeesBytesSentAfterTheHead) {
  Router router;
  router.Add("POST", "/echo", [](Exchange& e) {
    std::unique_ptr<ByteStream> raw = e.Hijack();
    ASSERT_NE(raw, nullptr);
    EXPECT_TRUE(raw->HasBuffered());  // "early" arrived with the head
    ASSERT_TRUE(raw->WriteAll("HTTP/1.1 101 Switching Protocols\r\n\r\n").ok());
    char buffer[64];
    for (;;) {
      auto n = raw->ReadSome(buffer, sizeof(buffer));
      ASSERT_TRUE(n.ok());
      if (*n == 0) break;
      ASSERT_TRUE(raw->WriteAll(std::string_view(buffer, *n)).ok());
    }
    raw->ShutdownWrite();
  });
  Server server(Plain(), router, nullptr);
  ASSERT_TRUE(server.Start().ok());
  net::io_context ioc;
  net::ip::tcp::socket socket(ioc);
  socket.connect({net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(server.port())});
  net::write(socket, net::buffer(std::string("POST /echo HTTP/1.1\r\nHost: x\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\nearly")));
  net::write(socket, net::buffer(std::string("-late")));
  socket.shutdown(net::ip::tcp::socket::shutdown_send);
  std::string out;
  boost::system::error_code ec;
  net::read(socket, net::dynamic_buffer(out), ec);
  EXPECT_EQ(out, "HTTP/1.1 101 Switching Protocols\r\n\r\nearly-late");
}

TEST(ServerTest, StopEndsAStreamWaitingForTheClient) {
  Router router;
  std::atomic<bool> started{false}, saw_gone{false};
  router.Add("GET", "/follow", [&](Exchange& e) {
    ResponseStream* s = e.StartStream(200, "text/plain");
    ASSERT_TRUE(s->Write("first\n").ok());
    started = true;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!s->ClientGone() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    saw_gone = s->ClientGone();
  });
  Server server(Plain(), router, nullptr);
  ASSERT_TRUE(server.Start().ok());
  std::thread client([&] { testing::Exchange(server.port(), Get("/follow")); });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!started && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(started.load());
  server.Stop();
  EXPECT_TRUE(saw_gone.load());
  client.join();
}

TEST(ServerTest, ClientGoneOnceTheClientCloses) {
  Router router;
  std::atomic<bool> saw_gone{false};
  router.Add("GET", "/follow", [&](Exchange& e) {
    ResponseStream* s = e.StartStream(200, "text/plain");
    ASSERT_TRUE(s->Write("first\n").ok());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!s->ClientGone() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    saw_gone = s->ClientGone();
  });
  Server server(Plain(), router, nullptr);
  ASSERT_TRUE(server.Start().ok());
  {
    net::io_context ioc;
    net::ip::tcp::socket socket(ioc);
    socket.connect({net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(server.port())});
    net::write(socket, net::buffer(Get("/follow")));
    std::string head;
    net::read_until(socket, net::dynamic_buffer(head), "first");
  }  // closed
  server.Stop();  // joins the handler's thread
  EXPECT_TRUE(saw_gone.load());
}

TEST(ServerTest, ClosesASilentConnectionAfterTheReadTimeout) {
  Router router;
  ServerOptions options = Plain();
  options.read_timeout = std::chrono::milliseconds(200);
  Server server(options, router, nullptr);
  ASSERT_TRUE(server.Start().ok());
  std::string out = testing::Exchange(server.port(), "");  // sends nothing, reads until closed
  EXPECT_EQ(out, "");
}

TEST(ServerTest, RefusesConnectionsBeyondTheLimit) {
  Router router;
  router.Add("GET", "/x", [](Exchange& e) { e.Respond(Response::Text(200, "x")); });
  ServerOptions options = Plain();
  options.max_connections = 1;
  Server server(options, router, nullptr);
  ASSERT_TRUE(server.Start().ok());
  net::io_context ioc;
  net::ip::tcp::socket holder(ioc);
  holder.connect({net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(server.port())});
  // The holder is served (keep-alive), then a second client is refused while it stays open.
  net::write(holder, net::buffer(std::string("GET /x HTTP/1.1\r\nHost: x\r\n\r\n")));
  std::string first;
  net::read_until(holder, net::dynamic_buffer(first), "\r\n\r\nx");
  EXPECT_EQ(testing::Exchange(server.port(), Get("/x")), "");
}

class RecordingGate : public RequestGate {
 public:
  std::optional<Response> Admit(Request& request, const PeerCertificate& peer) override {
    last = peer;
    request.user.name = peer.verified ? peer.common_name : "system:anonymous";
    return std::nullopt;
  }
  PeerCertificate last;
};

TEST(ServerTest, TlsReportsTheClientCertificateToTheGate) {
  TestPki pki;
  pki.MakeCert("alice", "/O=devs/O=ops/CN=alice");
  pki.MakeCert("mallory", "/O=system:masters/CN=mallory", "other");
  Router router;
  router.Add("GET", "/who", [](Exchange& e) { e.Respond(Response::Text(200, "user=" + e.request().user.name)); });
  RecordingGate gate;
  ServerOptions options = Plain();
  options.tls = TlsOptions{pki.Path("server.crt"), pki.Path("server.key"), pki.Path("ca.crt")};
  Server server(options, router, &gate);
  ASSERT_TRUE(server.Start().ok());

  std::string alice = testing::Exchange(server.port(), Get("/who"), &pki, "alice");
  EXPECT_NE(alice.find("user=alice"), std::string::npos) << alice;
  EXPECT_TRUE(gate.last.verified);
  EXPECT_EQ(gate.last.organizations, (std::vector<std::string>{"devs", "ops"}));

  std::string none = testing::Exchange(server.port(), Get("/who"), &pki);
  EXPECT_NE(none.find("user=system:anonymous"), std::string::npos) << none;
  EXPECT_FALSE(gate.last.present);

  std::string mallory = testing::Exchange(server.port(), Get("/who"), &pki, "mallory");
  EXPECT_NE(mallory.find("user=system:anonymous"), std::string::npos) << mallory;
  EXPECT_TRUE(gate.last.present);
  EXPECT_FALSE(gate.last.verified);
  EXPECT_FALSE(gate.last.error.empty());
}

TEST(ServerTest, StartFailsNamingAMissingCertificate) {
  Router router;
  ServerOptions options = Plain();
  options.tls = TlsOptions{"/nonexistent/kubelet.crt", "/nonexistent/kubelet.key", ""};
  Server server(options, router, nullptr);
  Status s = server.Start();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("tlsCertFile /nonexistent/kubelet.crt"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace kubenode::server
