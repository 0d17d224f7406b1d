#include "server/stream_handlers.h"

#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "base/fake_clock.h"
#include "tests/kubelet/fake_runtime.h"
#include "tests/server/stream_fakes.h"

namespace kubenode::server {
namespace {

using testing::Backend;
using testing::FakeExchange;
using testing::ReadHead;
using testing::ReadToEnd;
using testing::SendAll;

constexpr char kSwitching[] = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n\r\n";

class FakeTargets : public StreamTargets {
 public:
  StreamTarget Container(const PodRef& pod, const std::string& container) override {
    asked.push_back(pod);
    if (pod.name != "nginx") return {404, "pod does not exist"};
    auto it = containers.find(container);
    if (it == containers.end()) return {404, "container not found (\"" + container + "\")"};
    return it->second;
  }
  StreamTarget Sandbox(const PodRef& pod) override {
    asked.push_back(pod);
    if (pod.name != "nginx") return {404, "pod does not exist"};
    return {200, "", sandbox_id};
  }

  std::map<std::string, StreamTarget> containers;
  std::string sandbox_id;
  std::vector<PodRef> asked;
};

// Splits "/p?a=1&b=2" into the Request the server would build (no percent-decoding needed here).
Request MakeRequest(const std::string& method, const std::string& target,
                    std::multimap<std::string, std::string> headers = {{"connection", "Upgrade"},
                                                                       {"upgrade", "SPDY/3.1"}}) {
  Request r;
  r.method = method;
  r.target = target;
  size_t q = target.find('?');
  r.path = target.substr(0, q);
  if (q != std::string::npos) {
    std::string query = target.substr(q + 1);
    size_t start = 0;
    while (start <= query.size()) {
      size_t amp = query.find('&', start);
      std::string pair = query.substr(start, amp - start);
      size_t eq = pair.find('=');
      r.query.emplace(pair.substr(0, eq), eq == std::string::npos ? "" : pair.substr(eq + 1));
      if (amp == std::string::npos) break;
      start = amp + 1;
    }
  }
  r.headers = std::move(headers);
  return r;
}

class StreamHandlersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto image = runtime_.PullImage("nginx:latest", nullptr);
    ASSERT_TRUE(image.ok());
    cri::PodSandboxConfig sandbox;
    sandbox.metadata.name = "nginx";
    sandbox.metadata.ns = "default";
    sandbox.metadata.uid = "uid-1";
    auto sandbox_id = runtime_.RunPodSandbox(sandbox);
    ASSERT_TRUE(sandbox_id.ok());
    cri::ContainerConfig container;
    container.metadata.name = "nginx";
    container.image = *image;
    auto container_id = runtime_.CreateContainer(*sandbox_id, container, sandbox);
    ASSERT_TRUE(container_id.ok()) << container_id.status().message();
    targets_->containers["nginx"] = StreamTarget{200, "", *container_id, false};
    targets_->sandbox_id = *sandbox_id;
    runtime_.SetStreamUrl(backend_.Url("/stream/Tok"));
    AddStreamRoutes(router_, StreamDeps{&runtime_, targets_, {}, std::chrono::seconds(30)});
  }

  // Serves the request; the handler's answer is in the exchange.
  void Serve(FakeExchange& exchange) {
    bool known = false;
    const Handler* handler = router_.Find(exchange.request().method, exchange.request().path, &known);
    ASSERT_NE(handler, nullptr) << exchange.request().method << " " << exchange.request().path;
    (*handler)(exchange);
  }

  // Serves an upgraded request against a backend that switches protocols, says `greeting` and closes.
  std::string ServeUpgraded(FakeExchange& exchange, std::string* backend_head) {
    backend_.Serve([&](int fd) {
      *backend_head = ReadHead(fd);
      SendAll(fd, std::string(kSwitching) + "greeting");
    });
    std::thread handler([&] { Serve(exchange); });
    std::string got = ReadToEnd(exchange.client_fd);
    ::shutdown(exchange.client_fd, SHUT_WR);
    handler.join();
    backend_.Join();
    return got;
  }

  FakeClock clock_;
  kubelet::testing::FakeRuntime runtime_{clock_};
  std::shared_ptr<FakeTargets> targets_ = std::make_shared<FakeTargets>();
  Backend backend_;
  Router router_;
};

TEST_F(StreamHandlersTest, ExecAsksCriForTheSessionAndProxiesToIt) {
  FakeExchange exchange(MakeRequest(
      "POST", "/exec/default/nginx/nginx?command=sh&command=-c&command=echo hi&input=1&output=1&error=1&tty=1"));
  std::string head;
  std::string got = ServeUpgraded(exchange, &head);

  ASSERT_EQ(runtime_.ExecRequests().size(), 1u);
  const cri::ExecRequest exec = runtime_.ExecRequests()[0];
  EXPECT_EQ(exec.container_id, targets_->containers["nginx"].id);
  EXPECT_EQ(exec.cmd, (std::vector<std::string>{"sh", "-c", "echo hi"}));
  EXPECT_TRUE(exec.tty);
  EXPECT_TRUE(exec.stdin);
  EXPECT_TRUE(exec.stdout);
  EXPECT_FALSE(exec.stderr) << "a terminal carries stderr on stdout, as upstream";
  EXPECT_TRUE(head.starts_with("POST /stream/Tok HTTP/1.1\r\n")) << head;
  EXPECT_EQ(got, std::string(kSwitching) + "greeting");
  ASSERT_EQ(targets_->asked.size(), 1u);
  EXPECT_EQ(targets_->asked[0].ns, "default");
  EXPECT_EQ(targets_->asked[0].uid, "");
}

TEST_F(StreamHandlersTest, ExecAcceptsThePathWithThePodUid) {
  FakeExchange exchange(MakeRequest("GET", "/exec/default/nginx/uid-1/nginx?command=ls&output=true"));
  std::string head;
  ServeUpgraded(exchange, &head);
  ASSERT_EQ(targets_->asked.size(), 1u);
  EXPECT_EQ(targets_->asked[0].uid, "uid-1");
  ASSERT_EQ(runtime_.ExecRequests().size(), 1u);
  EXPECT_TRUE(runtime_.ExecRequests()[0].stdout);
  EXPECT_TRUE(head.starts_with("GET /stream/Tok HTTP/1.1\r\n")) << head;
}

TEST_F(StreamHandlersTest, ExecWithoutAnyStreamIsABadRequest) {
  FakeExchange exchange(MakeRequest("POST", "/exec/default/nginx/nginx?command=ls&tty=1"));
  Serve(exchange);
  ASSERT_TRUE(exchange.responded);
  EXPECT_EQ(exchange.responded->status, 400);
  EXPECT_EQ(exchange.responded->body, "you must specify at least 1 of stdin, stdout, stderr");
  EXPECT_TRUE(runtime_.ExecRequests().empty());
}

TEST_F(StreamHandlersTest, UnknownPodsAndContainersAreNotFound) {
  FakeExchange no_pod(MakeRequest("POST", "/exec/default/apache/apache?command=ls&output=1"));
  Serve(no_pod);
  ASSERT_TRUE(no_pod.responded);
  EXPECT_EQ(no_pod.responded->status, 404);
  EXPECT_EQ(no_pod.responded->body, "pod does not exist");

  FakeExchange no_container(MakeRequest("POST", "/attach/default/nginx/sidecar?output=1"));
  Serve(no_container);
  ASSERT_TRUE(no_container.responded);
  EXPECT_EQ(no_container.responded->status, 404);
  EXPECT_EQ(no_container.responded->body, "container not found (\"sidecar\")");

  FakeExchange short_path(MakeRequest("POST", "/exec/default/nginx?command=ls&output=1"));
  Serve(short_path);
  ASSERT_TRUE(short_path.responded);
  EXPECT_EQ(short_path.responded->status, 404);
  EXPECT_TRUE(runtime_.ExecRequests().empty());
  EXPECT_TRUE(runtime_.AttachRequests().empty());
}

TEST_F(StreamHandlersTest, RuntimeErrorsKeepUpstreamsStatusMapping) {
  runtime_.FailNext("Exec", "rpc error: code = Unknown desc = container is not running");
  FakeExchange failing(MakeRequest("POST", "/exec/default/nginx/nginx?command=ls&output=1"));
  Serve(failing);
  ASSERT_TRUE(failing.responded);
  EXPECT_EQ(failing.responded->status, 500);
  EXPECT_NE(failing.responded->body.find("container is not running"), std::string::npos);
  EXPECT_FALSE(failing.hijacked);

  targets_->containers["nginx"].id = "gone";  // removed between the lookup and the call
  FakeExchange gone(MakeRequest("POST", "/exec/default/nginx/nginx?command=ls&output=1"));
  Serve(gone);
  ASSERT_TRUE(gone.responded);
  EXPECT_EQ(gone.responded->status, 404) << gone.responded->body;
}

TEST_F(StreamHandlersTest, AttachTakesTheTerminalFromTheContainerSpec) {
  targets_->containers["nginx"].tty = true;
  FakeExchange exchange(MakeRequest("POST", "/attach/default/nginx/nginx?input=1&output=1"));
  std::string head;
  std::string got = ServeUpgraded(exchange, &head);
  ASSERT_EQ(runtime_.AttachRequests().size(), 1u);
  const cri::AttachRequest attach = runtime_.AttachRequests()[0];
  EXPECT_EQ(attach.container_id, targets_->containers["nginx"].id);
  EXPECT_TRUE(attach.tty);
  EXPECT_TRUE(attach.stdin);
  EXPECT_TRUE(attach.stdout);
  EXPECT_FALSE(attach.stderr);
  EXPECT_EQ(got, std::string(kSwitching) + "greeting");
}

TEST_F(StreamHandlersTest, PortForwardOverSpdyNamesNoPortsAndUsesTheSandbox) {
  FakeExchange exchange(MakeRequest("POST", "/portForward/default/nginx"));
  std::string head;
  std::string got = ServeUpgraded(exchange, &head);
  ASSERT_EQ(runtime_.PortForwardRequests().size(), 1u);
  EXPECT_EQ(runtime_.PortForwardRequests()[0].pod_sandbox_id, targets_->sandbox_id);
  EXPECT_TRUE(runtime_.PortForwardRequests()[0].ports.empty());
  EXPECT_EQ(got, std::string(kSwitching) + "greeting");
}

TEST(PortForwardPortsTest, WebSocketRequestsNameTheirPorts) {
  std::multimap<std::string, std::string> ws = {{"connection", "Upgrade"}, {"upgrade", "websocket"}};
  auto ports = ParsePortForwardPorts(MakeRequest("GET", "/portForward/d/p?port=80,8080&port=443", ws));
  ASSERT_TRUE(ports.ok()) << ports.status().message();
  EXPECT_EQ(*ports, (std::vector<int32_t>{80, 8080, 443}));

  auto none = ParsePortForwardPorts(MakeRequest("GET", "/portForward/d/p", ws));
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().message(), "query parameter \"port\" is required");
  auto zero = ParsePortForwardPorts(MakeRequest("GET", "/portForward/d/p?port=0", ws));
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.status().message(), "port \"0\" must be > 0");
  EXPECT_FALSE(ParsePortForwardPorts(MakeRequest("GET", "/portForward/d/p?port=http", ws)).ok());
  EXPECT_FALSE(ParsePortForwardPorts(MakeRequest("GET", "/portForward/d/p?port=70000", ws)).ok());
  EXPECT_FALSE(ParsePortForwardPorts(MakeRequest("GET", "/portForward/d/p?port=", ws)).ok());

  // SPDY: the ports travel in each stream's headers; a port parameter is ignored.
  auto spdy = ParsePortForwardPorts(MakeRequest("POST", "/portForward/d/p?port=http"));
  ASSERT_TRUE(spdy.ok());
  EXPECT_TRUE(spdy->empty());
}

TEST_F(StreamHandlersTest, BadPortForwardPortsAreABadRequest) {
  FakeExchange exchange(MakeRequest("GET", "/portForward/default/nginx?port=0",
                                    {{"connection", "Upgrade"}, {"upgrade", "websocket"}}));
  Serve(exchange);
  ASSERT_TRUE(exchange.responded);
  EXPECT_EQ(exchange.responded->status, 400);
  EXPECT_TRUE(runtime_.PortForwardRequests().empty());
}

TEST_F(StreamHandlersTest, RunAnswersTheCommandsOutput) {
  runtime_.SetExecResult(cri::ExecResult{"out\n", "err\n", 0});
  FakeExchange exchange(MakeRequest("POST", "/run/default/nginx/nginx?cmd=cat /etc/hostname"));
  Serve(exchange);
  ASSERT_TRUE(exchange.responded);
  EXPECT_EQ(exchange.responded->status, 200);
  EXPECT_EQ(exchange.responded->body, "out\nerr\n");
  ASSERT_EQ(runtime_.ExecCommands().size(), 1u);
  EXPECT_EQ(runtime_.ExecCommands()[0], "cat /etc/hostname");
  EXPECT_EQ(runtime_.ExecContainerIds()[0], targets_->containers["nginx"].id);
}

TEST_F(StreamHandlersTest, RunReportsANonZeroExitAsAnError) {
  runtime_.SetExecResult(cri::ExecResult{"", "no such file\n", 3});
  FakeExchange exchange(MakeRequest("POST", "/run/default/nginx/uid-1/nginx?cmd=cat /nope"));
  Serve(exchange);
  ASSERT_TRUE(exchange.responded);
  EXPECT_EQ(exchange.responded->status, 500);
  EXPECT_EQ(exchange.responded->body, "command 'cat /nope' exited with 3: no such file\n");
}

TEST_F(StreamHandlersTest, RunIsPostOnly) {
  bool known = false;
  EXPECT_EQ(router_.Find("GET", "/run/default/nginx/nginx", &known), nullptr);
  EXPECT_TRUE(known);  // the server answers 405
  EXPECT_NE(router_.Find("GET", "/exec/default/nginx/nginx"), nullptr);
  EXPECT_NE(router_.Find("POST", "/portForward/default/nginx"), nullptr);
}

}  // namespace
}  // namespace kubenode::server
