#include "server/logs_handler.h"

#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "base/fake_clock.h"

namespace kubenode::server {
namespace {

// 2026-01-01T00:00:00Z is the fake clock's wall time.
constexpr char kT0[] = "2026-01-01T00:00:00.5Z";
constexpr char kT1[] = "2026-01-01T00:01:00Z";

class FakeSource : public ContainerLogSource {
 public:
  std::optional<kubelet::PodWithStatus> GetPod(const std::string& ns, const std::string& name) override {
    std::lock_guard lock(mu);
    if (ns == pod.pod.metadata.ns && name == pod.pod.metadata.name) return pod;
    return std::nullopt;
  }
  Result<ContainerLog> ContainerLogOf(const std::string& id) override {
    std::lock_guard lock(mu);
    auto it = logs.find(id);
    if (it == logs.end()) return Status::Error("container " + id + " not found");
    return it->second;
  }
  void SetRunning(const std::string& id, bool running) {
    std::lock_guard lock(mu);
    logs[id].running = running;
  }
  std::mutex mu;
  kubelet::PodWithStatus pod;
  std::map<std::string, ContainerLog> logs;
};

// Records what the handler sends; the stream's writes are observable while the handler runs.
class FakeExchange : public Exchange, public ResponseStream {
 public:
  explicit FakeExchange(std::string target) {
    r.target = target;
    r.method = "GET";
    size_t q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) {
      std::string rest = target.substr(q + 1);
      for (size_t start = 0; start <= rest.size();) {
        size_t amp = rest.find('&', start);
        std::string pair = rest.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
        size_t eq = pair.find('=');
        r.query.emplace(pair.substr(0, eq), eq == std::string::npos ? "" : pair.substr(eq + 1));
        if (amp == std::string::npos) break;
        start = amp + 1;
      }
    }
  }
  const Request& request() const override { return r; }
  void Respond(Response res) override { response = std::move(res); }
  ResponseStream* StartStream(int s, std::string, std::vector<std::pair<std::string, std::string>>) override {
    status = s;
    return this;
  }
  std::unique_ptr<ByteStream> Hijack() override { return nullptr; }
  Status Write(std::string_view data) override {
    std::lock_guard lock(mu);
    body += data;
    cv.notify_all();
    return {};
  }
  bool ClientGone() override { return gone.load(); }

  std::string Body() {
    std::lock_guard lock(mu);
    return body;
  }
  // Waits (bounded) until the body contains `text`.
  bool WaitFor(const std::string& text) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(20), [&] { return body.find(text) != std::string::npos; });
  }

  Request r;
  Response response;
  int status = 0;
  std::mutex mu;
  std::condition_variable cv;
  std::string body;
  std::atomic<bool> gone{false};
};

// Runs the handler in a thread; a failed assertion still ends it (as a client gone) before the test ends.
class Serving {
 public:
  Serving(FakeExchange& e, Handler& h) : e_(e), thread_([&e, &h] { h(e); }) {}
  ~Serving() {
    e_.gone = true;
    join();
  }
  void join() {
    if (thread_.joinable()) thread_.join();
  }

 private:
  FakeExchange& e_;
  std::thread thread_;
};

std::string Record(const char* time, const std::string& text, const char* stream = "stdout") {
  return std::string(time) + " " + stream + " F " + text + "\n";
}

class LogsHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("kubenode-logs-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
    auto& p = source_.pod;
    p.pod.metadata.name = "web";
    p.pod.metadata.ns = "default";
    p.pod.spec.containers.push_back({.name = "app"});
    api::ContainerStatus cs;
    cs.name = "app";
    cs.container_id = "containerd://c2";
    cs.state.running = api::ContainerStateRunning{};
    cs.last_state.terminated = api::ContainerStateTerminated{.exit_code = 1, .container_id = "containerd://c1"};
    p.status.container_statuses.push_back(cs);
    source_.logs["c1"] = {dir_ + "/0.log", false};
    source_.logs["c2"] = {dir_ + "/1.log", true};
    std::ofstream(dir_ + "/0.log") << Record(kT0, "previous run");
    std::ofstream(dir_ + "/1.log") << Record(kT0, "one") << Record(kT0, "two") << Record(kT1, "three");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  struct Answer {
    Response response;
    int status = 0;  // of a stream
    std::string body;  // of a stream
  };
  Answer Run(const std::string& target) {
    FakeExchange e(target);
    handler_(e);
    return {e.response, e.status, e.Body()};
  }
  void Append(const std::string& file, const std::string& text) {
    std::ofstream(dir_ + "/" + file, std::ios::app) << text;
  }

  std::string dir_;
  FakeSource source_;
  FakeClock clock_;
  Handler handler_ = ContainerLogsHandler(source_, clock_);
};

TEST_F(LogsHandlerTest, UpstreamsErrors) {
  auto missing = Run("/containerLogs/default/web");
  EXPECT_EQ(missing.response.status, 400);
  EXPECT_EQ(missing.response.body, R"({"message": "Missing container name."})");
  auto no_pod = Run("/containerLogs/default/db/app");
  EXPECT_EQ(no_pod.response.status, 404);
  EXPECT_EQ(no_pod.response.body, "pod \"db\" does not exist");
  auto no_container = Run("/containerLogs/default/web/sidecar");
  EXPECT_EQ(no_container.response.status, 404);
  EXPECT_EQ(no_container.response.body, "container \"sidecar\" not found in pod \"web\"");
  EXPECT_EQ(Run("/containerLogs/default/web/app?tailLines=x").response.status, 400);
  EXPECT_EQ(Run("/containerLogs/default/web/app?follow=maybe").response.status, 400);
  auto both = Run("/containerLogs/default/web/app?sinceSeconds=5&sinceTime=2026-01-01T00:00:00Z");
  EXPECT_EQ(both.response.status, 422);
  EXPECT_EQ(Run("/containerLogs/default/web/app?limitBytes=0").response.status, 422);

  source_.pod.status.container_statuses[0] = {.name = "app"};
  source_.pod.status.container_statuses[0].state.waiting = api::ContainerStateWaiting{.reason = "ContainerCreating"};
  auto waiting = Run("/containerLogs/default/web/app");
  EXPECT_EQ(waiting.response.status, 400);
  EXPECT_EQ(waiting.response.body, "container \"app\" in pod \"web\" is waiting to start: ContainerCreating");
  auto previous = Run("/containerLogs/default/web/app?previous=true");
  EXPECT_EQ(previous.response.body, "previous terminated container \"app\" in pod \"web\" not found");
}

TEST_F(LogsHandlerTest, TailTimestampsLimitSinceAndPrevious) {
  EXPECT_EQ(Run("/containerLogs/default/web/app").body, "one\ntwo\nthree\n");
  EXPECT_EQ(Run("/containerLogs/default/web/app?tailLines=2").body, "two\nthree\n");
  EXPECT_EQ(Run("/containerLogs/default/web/app?tail=all").body, "one\ntwo\nthree\n");
  EXPECT_EQ(Run("/containerLogs/default/web/app?tailLines=1&timestamps=true").body,
            "2026-01-01T00:01:00.000000000Z three\n");
  EXPECT_EQ(Run("/containerLogs/default/web/app?limitBytes=6").body, "one\ntw");
  EXPECT_EQ(Run("/containerLogs/default/web/app?sinceTime=2026-01-01T00:00:30Z").body, "three\n");
  clock_.Advance(std::chrono::seconds(90));  // now 00:01:30: the last 40s hold only "three"
  EXPECT_EQ(Run("/containerLogs/default/web/app?sinceSeconds=40").body, "three\n");
  auto previous = Run("/containerLogs/default/web/app?previous=1");
  EXPECT_EQ(previous.status, 200);
  EXPECT_EQ(previous.body, "previous run\n");
}

TEST_F(LogsHandlerTest, FollowStreamsNewLinesUntilTheContainerExits) {
  FakeExchange e("/containerLogs/default/web/app?follow=true&tailLines=1");
  Serving serving(e, handler_);
  ASSERT_TRUE(e.WaitFor("three\n"));
  Append("1.log", Record(kT1, "fou"));
  Append("1.log", std::string(kT1) + " stdout P half \n");  // a split line: shown once its F arrives
  ASSERT_TRUE(e.WaitFor("fou\n"));
  Append("1.log", Record(kT1, "line"));
  ASSERT_TRUE(e.WaitFor("half line\n"));
  Append("1.log", Record(kT1, "last words"));
  source_.SetRunning("c2", false);
  serving.join();  // ends on its own once the container exited and the file is drained
  EXPECT_EQ(e.Body(), "three\nfou\nhalf line\nlast words\n");
}

TEST_F(LogsHandlerTest, FollowEndsWhenTheClientGoes) {
  FakeExchange e("/containerLogs/default/web/app?follow=true");
  Serving serving(e, handler_);
  ASSERT_TRUE(e.WaitFor("three\n"));
  e.gone = true;
  serving.join();
  EXPECT_EQ(e.Body(), "one\ntwo\nthree\n");
}

TEST_F(LogsHandlerTest, FollowContinuesInTheRotatedFile) {
  FakeExchange e("/containerLogs/default/web/app?follow=true&limitBytes=100");
  Serving serving(e, handler_);
  ASSERT_TRUE(e.WaitFor("three\n"));
  Append("1.log", Record(kT1, "before rotation"));
  std::filesystem::rename(dir_ + "/1.log", dir_ + "/1.log.20260101-000100");
  std::ofstream(dir_ + "/1.log") << Record(kT1, "after rotation");
  ASSERT_TRUE(e.WaitFor("after rotation\n"));
  source_.SetRunning("c2", false);
  serving.join();
  EXPECT_EQ(e.Body(), "one\ntwo\nthree\nbefore rotation\nafter rotation\n");
}

}  // namespace
}  // namespace kubenode::server
