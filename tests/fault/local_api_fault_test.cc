// Abuse of the daemon's local API socket while the reference Pod and Service serve: silent clients, requests of
// the wrong JSON shape, non-UTF-8 bytes in requests and in replies (container logs, events), an oversized
// request, 100 concurrent clients. The daemon never dies, every other call is answered, no request through the
// Service fails.
#include <sys/socket.h>
#include <sys/un.h>

#include <gtest/gtest.h>

#include "tests/fault/reference_fault_fixture.h"

namespace kubenode {
namespace {

using namespace std::chrono_literals;
using testing::Eventually;
using testing::ReferenceFaultFixture;
using testing::RunCommand;
using nlohmann::json;

class LocalApiFaultTest : public ReferenceFaultFixture {
 protected:
  int Connect() {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    socket_.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0) << std::strerror(errno);
    return fd;
  }
  // Sends raw bytes as one request and returns the raw reply ("" when the daemon closed without one).
  std::string Raw(const std::string& request) {
    int fd = Connect();
    timeval tv{10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    size_t done = 0;
    while (done < request.size()) {
      ssize_t n = send(fd, request.data() + done, request.size() - done, MSG_NOSIGNAL);
      if (n <= 0) break;  // the daemon may refuse an oversized request before it is all sent
      done += static_cast<size_t>(n);
    }
    shutdown(fd, SHUT_WR);
    std::string reply;
    char buf[65536];
    for (ssize_t n; (n = recv(fd, buf, sizeof(buf), 0)) > 0;) reply.append(buf, static_cast<size_t>(n));
    close(fd);
    return reply;
  }
  // `get pods` answers within `limit` (the bound says "not blocked behind another client", it is no benchmark).
  void ExpectAnswered(std::chrono::seconds limit = 3s) {
    const auto asked = std::chrono::steady_clock::now();
    auto r = Cli("get pods");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_LT(std::chrono::steady_clock::now() - asked, limit) << "get pods was not answered within " << limit.count() << " s";
  }
};

TEST_F(LocalApiFaultTest, AbuseNeitherKillsNorBlocksTheDaemon) {
  StartReference();
  ASSERT_FALSE(HasFailure());
  ExpectNoFailedRequestDuring([&] {
    // Silent clients: connected, never sending.
    std::vector<int> silent;
    for (int i = 0; i < 5; ++i) silent.push_back(Connect());
    ExpectAnswered();

    // Requests of every wrong shape: a JSON error reply, never a dead daemon.
    for (const std::string& request : std::vector<std::string>{std::string("{\"route\":null}"), std::string("{\"route\":1}"), std::string("{\"route\":[]}"), std::string("[]"),
          std::string("\"get pods\""), std::string("{}"), std::string("not json"), std::string("\xff\xfe\x00", 3),
          std::string("{\"route\":\"get pods\",\"namespace\":5}"), std::string("{\"route\":\"get pods\",\"output\":{}}"),
          std::string("{\"route\":\"logs\",\"name\":7}"), std::string("{\"route\":\"apply\",\"file\":\"x.yaml\",\"content\":null}"),
          std::string("{\"route\":\"describe pods\",\"name\":[1]}"), std::string("{\"route\":\"\xff\"}")}) {
      SCOPED_TRACE(request);
      const std::string raw = Raw(request);
      auto reply = json::parse(raw, nullptr, false);
      ASSERT_FALSE(reply.is_discarded()) << raw;
      EXPECT_NE(reply.value("exit_code", 0), 0) << raw;
      EXPECT_EQ(raw.find("json.exception"), std::string::npos) << raw;
      ASSERT_TRUE(Alive()) << DaemonLog();
    }
    // An oversized request (50 MB) is refused; the daemon goes on.
    const std::string big = Raw("{\"route\":\"apply\",\"file\":\"big.yaml\",\"content\":\"" + std::string(50 * 1024 * 1024, 'a') + "\"}");
    if (!big.empty()) {
      auto reply = json::parse(big, nullptr, false);
      ASSERT_FALSE(reply.is_discarded()) << big.substr(0, 200);
      EXPECT_NE(reply.value("exit_code", 0), 0);
    }
    ASSERT_TRUE(Alive()) << DaemonLog();
    ExpectAnswered();

    // 100 concurrent CLI clients, all answered.
    auto many = RunCommand("for i in $(seq 100); do " + std::string(KUBENODE_BINARY) + " --socket " + socket_ +
                           " get pods >/dev/null 2>&1 & done; fails=0; for j in $(jobs -p); do wait $j || "
                           "fails=$((fails+1)); done; echo $fails");
    EXPECT_EQ(many.output, "0\n");
    for (int fd : silent) close(fd);
    ExpectAnswered();
  });
  ExpectPodUntouchedFor(pod_, ids_, sandbox_, 2s);
}

TEST_F(LocalApiFaultTest, NonUtf8BytesInLogsAndEventsAreReplacedNotFatal) {
  WriteManifest("binary.yaml", R"(apiVersion: v1
kind: Pod
metadata: {name: binary}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: busybox:latest
    command: ["sh", "-c", 'printf "before \377\376 after\n"; exec sleep 3600']
)");
  WaitForRunning(PodName("binary"));
  ASSERT_FALSE(HasFailure());
  std::string logs;
  ASSERT_TRUE(Eventually(
      [&] {
        auto r = Cli("logs " + PodName("binary"));
        logs = r.output;
        return r.exit_code == 0 && logs.find("after") != std::string::npos;
      },
      30s))
      << logs;
  EXPECT_NE(logs.find("before \xEF\xBF\xBD\xEF\xBF\xBD after"), std::string::npos) << logs;

  // A manifest with a non-UTF-8 byte makes an event whose message holds it; every reply path survives.
  WriteManifest("latin1.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: caf\xe9}\nspec: {containers: []}\n");
  ASSERT_TRUE(Eventually([&] { return Cli("get events").output.find("latin1.yaml") != std::string::npos; }, 30s))
      << Cli("get events").output;
  for (const char* command : {"get events", "get events -o json", "get events -o yaml", "describe node", "get pods -o yaml"}) {
    auto r = Cli(command);
    EXPECT_EQ(r.exit_code, 0) << command << ": " << r.output.substr(0, 2000);
  }
  // And after a restart, while the file stays.
  RestartDaemon();
  ASSERT_FALSE(HasFailure());
  ASSERT_TRUE(Eventually([&] { return Cli("get events").output.find("latin1.yaml") != std::string::npos; }, 30s));
  EXPECT_TRUE(Alive()) << DaemonLog();
}

}  // namespace
}  // namespace kubenode
