#include "agent/local_api.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <future>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace kubenode::agent {
namespace {

using namespace std::chrono_literals;

std::string TestSocket() { return "/tmp/kubenode-local-api-test-" + std::to_string(getpid()) + ".sock"; }

// A connected client socket that has sent nothing (yet); -1 when connect fails. Bounded reads.
int Connect(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  path.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  return fd;
}

// Everything the server sends until it closes (or 10 s of silence).
std::string ReadReply(int fd) {
  std::string data;
  char buf[4096];
  for (ssize_t n; (n = recv(fd, buf, sizeof(buf), 0)) > 0;) data.append(buf, static_cast<size_t>(n));
  return data;
}

// Sends raw bytes as a request and returns the raw reply.
std::string RawCall(const std::string& path, const std::string& bytes) {
  int fd = Connect(path);
  if (fd < 0) return "connect failed";
  send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  shutdown(fd, SHUT_WR);
  std::string reply = ReadReply(fd);
  close(fd);
  return reply;
}

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

// `kubenode logs` of a container that printed byte 0xFF, an event message with such bytes.
TEST(LocalApiTest, ReplyWithInvalidUtf8IsDeliveredWithReplacementCharacter) {
  LocalApiServer server(TestSocket());
  server.Route("logs", [](const nlohmann::json&) { return Reply{1, "a\xff" "b\n", "bad \xc3(\n"}; });
  ASSERT_TRUE(server.Start().ok());
  auto reply = CallLocalApi(TestSocket(), {{"route", "logs"}});
  ASSERT_TRUE(reply.ok()) << reply.status().message();
  EXPECT_EQ(reply->out, "a\xef\xbf\xbd" "b\n");
  EXPECT_EQ(reply->err, "bad \xef\xbf\xbd(\n");
  EXPECT_TRUE(CallLocalApi(TestSocket(), {{"route", "logs"}}).ok());
}

TEST(LocalApiTest, RequestOfTheWrongShapeIsAnErrorNamingTheFieldAndServingGoesOn) {
  LocalApiServer server(TestSocket());
  server.Route("get pods", [](const nlohmann::json&) { return Reply::Ok("pods\n"); });
  ASSERT_TRUE(server.Start().ok());
  const std::pair<std::string, std::string> cases[] = {
      {R"({"route":null})", "local API: request field \"route\": must be a string"},
      {R"({"route":1})", "local API: request field \"route\": must be a string"},
      {R"({"route":[]})", "local API: request field \"route\": must be a string"},
      {R"({"namespace":"default"})", "local API: request field \"route\": missing"},
      {R"([])", "local API: request must be a JSON object"},
      {R"("get pods")", "local API: request must be a JSON object"},
      {"{\"route\":\"get \xff\"}", "local API: request is not JSON"},
  };
  for (const auto& [request, error] : cases) {
    SCOPED_TRACE(request);
    auto reply = nlohmann::json::parse(RawCall(TestSocket(), request), nullptr, false);
    ASSERT_TRUE(reply.is_object());
    EXPECT_EQ(reply.value("exit_code", 0), 1);
    EXPECT_EQ(reply.value("err", ""), error);
  }
  auto ok = CallLocalApi(TestSocket(), {{"route", "get pods"}});
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->out, "pods\n");
}

TEST(LocalApiTest, RequestFieldNamesTheFieldOfTheWrongType) {
  const nlohmann::json request = {{"name", "web"}, {"tail", "10"}, {"previous", 1}, {"container", nullptr}};
  EXPECT_EQ(*RequestField<std::string>(request, "name"), "web");
  EXPECT_EQ(*RequestField<std::string>(request, "namespace", "default"), "default");
  EXPECT_EQ(RequestField<int64_t>(request, "tail").status().message(), "request field \"tail\": must be an integer");
  EXPECT_EQ(RequestField<bool>(request, "previous").status().message(),
            "request field \"previous\": must be a boolean");
  EXPECT_EQ(RequestField<std::string>(request, "container").status().message(),
            "request field \"container\": must be a string");
  EXPECT_EQ(*RequestField<int64_t>(nlohmann::json{{"tail", 5}}, "tail", -1), 5);
}

// One client that connects and never sends must not hold up anyone else (the server had one thread).
TEST(LocalApiTest, SilentClientDoesNotDelayConcurrentCalls) {
  LocalApiServer server(TestSocket());
  server.Route("get pods", [](const nlohmann::json&) { return Reply::Ok("pods\n"); });
  ASSERT_TRUE(server.Start().ok());
  int silent = Connect(TestSocket());
  ASSERT_GE(silent, 0);
  std::vector<std::future<Result<Reply>>> calls;
  for (int i = 0; i < 100; ++i) {
    calls.push_back(std::async(std::launch::async, [] {
      // Far below the server's 5 s read deadline: only concurrency answers in time.
      return CallLocalApi(TestSocket(), {{"route", "get pods"}}, {.timeout = 1s});
    }));
  }
  int served = 0;
  for (auto& call : calls) {
    auto reply = call.get();
    ASSERT_TRUE(reply.ok()) << reply.status().message();
    // More than 64 at once are told to retry: an answer too, and never a wait.
    if (reply->err.rfind("local API: busy", 0) == 0) continue;
    EXPECT_EQ(reply->out, "pods\n");
    ++served;
  }
  EXPECT_GT(served, 0);
  close(silent);
}

TEST(LocalApiTest, ClientThatDoesNotSendItsRequestInTimeGetsAnError) {
  LocalApiServer server(TestSocket(), {.read_timeout = 100ms});
  ASSERT_TRUE(server.Start().ok());
  int fd = Connect(TestSocket());
  ASSERT_GE(fd, 0);
  send(fd, "{\"route\":", 9, MSG_NOSIGNAL);  // and then nothing
  auto reply = nlohmann::json::parse(ReadReply(fd), nullptr, false);
  close(fd);
  ASSERT_TRUE(reply.is_object());
  EXPECT_EQ(reply.value("err", ""),
            "local API: request not received within 100 ms (a client sends it whole, then shuts down its write "
            "side)");
}

TEST(LocalApiTest, ConnectionsBeyondTheCapAreToldBusyAtOnce) {
  LocalApiServer server(TestSocket(), {.max_connections = 1});
  server.Route("get pods", [](const nlohmann::json&) { return Reply::Ok("pods\n"); });
  ASSERT_TRUE(server.Start().ok());
  int silent = Connect(TestSocket());  // accepted first: holds the only slot until its 5 s deadline
  ASSERT_GE(silent, 0);
  auto reply = CallLocalApi(TestSocket(), {{"route", "get pods"}}, {.timeout = 4s});
  ASSERT_TRUE(reply.ok()) << reply.status().message();
  EXPECT_EQ(reply->err, "local API: busy (1 requests in progress), try again");
  close(silent);
}

TEST(LocalApiTest, RequestLargerThan16MiBIsRefusedWithAClearError) {
  LocalApiServer server(TestSocket());
  bool called = false;
  server.Route("apply", [&called](const nlohmann::json&) {
    called = true;
    return Reply::Ok("applied\n");
  });
  ASSERT_TRUE(server.Start().ok());
  auto reply = CallLocalApi(TestSocket(), {{"route", "apply"}, {"content", std::string(50 * 1024 * 1024, 'x')}});
  ASSERT_TRUE(reply.ok()) << reply.status().message();
  EXPECT_EQ(reply->exit_code, 1);
  EXPECT_EQ(reply->err, "local API: request larger than 16 MiB");
  EXPECT_FALSE(called);
  EXPECT_EQ(CallLocalApi(TestSocket(), {{"route", "apply"}, {"content", "x"}})->out, "applied\n");
}

TEST(LocalApiTest, StopReturnsWithAnIdleClientConnected) {
  auto server = std::make_unique<LocalApiServer>(TestSocket());
  ASSERT_TRUE(server->Start().ok());
  int idle = Connect(TestSocket());
  ASSERT_GE(idle, 0);
  // Let the server accept it, so that Stop() meets it mid-read; the answer to a real call proves that.
  EXPECT_TRUE(CallLocalApi(TestSocket(), {{"route", "x"}}, {.timeout = 2s}).ok());
  auto stopped = std::async(std::launch::async, [&server] { server->Stop(); });
  // Bounded: well below the 5 s read deadline that would end the idle connection on its own.
  const bool returned = stopped.wait_for(2s) == std::future_status::ready;
  close(idle);  // unblocks a Stop() that waits for the client, so that the test ends either way
  stopped.get();
  EXPECT_TRUE(returned) << "Stop() waited for an idle client";
  EXPECT_FALSE(CallLocalApi(TestSocket(), {{"route", "x"}}).ok());
}

TEST(LocalApiTest, DaemonThatDoesNotAnswerIsAClearErrorInTheCli) {
  LocalApiServer server(TestSocket());
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  server.Route("apply", [released](const nlohmann::json&) {
    released.wait_for(10s);
    return Reply::Ok("late\n");
  });
  ASSERT_TRUE(server.Start().ok());
  auto reply = CallLocalApi(TestSocket(), {{"route", "apply"}}, {.timeout = 200ms});
  release.set_value();
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().message(), "kubenode daemon at " + TestSocket() + " did not answer within 200 ms");
}

// `kubenode apply -f` of a file with byte 0xFF: an error, not SIGABRT from nlohmann's dump().
TEST(LocalApiTest, RequestThatIsNotUtf8IsAnErrorNotAnAbort) {
  auto reply = CallLocalApi(TestSocket(), {{"route", "apply"}, {"content", "name: \xff\n"}});
  ASSERT_FALSE(reply.ok());
  EXPECT_NE(reply.status().message().find("request is not valid UTF-8"), std::string::npos)
      << reply.status().message();
}

// The socket is its owner's alone (mode 0600, the daemon runs as root): any other user is refused by the kernel.
// The mode is checked always; the refusal itself needs root to become another user (scripts/test runs as root).
TEST(LocalApiTest, NonRootUserCannotConnect) {
  LocalApiServer server(TestSocket());
  ASSERT_TRUE(server.Start().ok());
  const std::string path = TestSocket();
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(st.st_uid, geteuid());
  if (geteuid() != 0) return;  // an unprivileged process cannot switch users: the mode above is the proof
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Only async-signal-safe calls in the child of a threaded process.
    if (setgid(65534) != 0 || setuid(65534) != 0) _exit(2);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
    if (connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0) _exit(0);
    _exit(errno == EACCES ? 1 : 3);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1) << "0: connected, 2: setuid failed, 3: another error than EACCES";
  // Root still connects.
  EXPECT_TRUE(CallLocalApi(TestSocket(), {{"route", "x"}}).ok());
}

}  // namespace
}  // namespace kubenode::agent
