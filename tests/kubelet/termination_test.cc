// Graceful termination as upstream's kuberuntime killContainer: the preStop hook (exec through CRI
// ExecSync, or httpGet) runs first, then StopContainer gets what is left of the pod's
// terminationGracePeriodSeconds (at least 2 s); a failing hook is a FailedPreStopHook Warning and the
// container is stopped anyway. The whole kubelet runs against the fake runtime with a FakeClock; the hooks
// go through the real CriHookRunner (the httpGet hook to a real HTTP server on 127.0.0.1).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <thread>

#include "base/fake_clock.h"
#include "kubelet/config/manifest_source.h"
#include "kubelet/kubelet.h"
#include "kubelet/runtime/hook_runner.h"
#include "tests/kubelet/fake_probe_manager.h"
#include "tests/kubelet/fake_runtime.h"

namespace kubenode::kubelet {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// The real CriHookRunner; each hook "takes" `duration` of the FakeClock, as a slow preStop would.
class TimedHookRunner : public HookRunner {
 public:
  TimedHookRunner(cri::RuntimeService& runtime, FakeClock& clock) : runner_(runtime), clock_(clock) {}
  Status Run(const std::string& container_id, const std::string& pod_ip, const api::Container& container,
             const api::Handler& handler, std::chrono::seconds timeout) override {
    timeouts.push_back(timeout);
    auto st = runner_.Run(container_id, pod_ip, container, handler, timeout);
    clock_.Advance(duration);
    return st;
  }
  std::chrono::seconds duration{0};
  std::vector<std::chrono::seconds> timeouts;

 private:
  CriHookRunner runner_;
  FakeClock& clock_;
};

// A one-request HTTP/1.1 server on 127.0.0.1 (ephemeral port). `on_request` runs before the response.
class OneShotHttpServer {
 public:
  explicit OneShotHttpServer(std::function<void(const std::string& request)> on_request)
      : on_request_(std::move(on_request)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(fd_, 4) != 0) return;
    socklen_t len = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~OneShotHttpServer() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    ::close(fd_);
  }
  int port() const { return port_; }
  int requests() const { return requests_; }

 private:
  void Serve() {
    while (!stop_) {
      pollfd pfd{fd_, POLLIN, 0};
      if (::poll(&pfd, 1, 50) != 1) continue;
      int conn = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (conn < 0) continue;
      std::string request;
      char buf[512];
      while (request.find("\r\n\r\n") == std::string::npos) {
        pollfd cp{conn, POLLIN, 0};
        if (::poll(&cp, 1, 5000) != 1) break;
        ssize_t n = ::recv(conn, buf, sizeof(buf), 0);
        if (n <= 0) break;
        request.append(buf, static_cast<size_t>(n));
      }
      on_request_(request);
      ++requests_;
      const std::string response = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      (void)::send(conn, response.data(), response.size(), MSG_NOSIGNAL);
      ::close(conn);
    }
  }

  std::function<void(const std::string&)> on_request_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

// A pod `web` with container `app` (and `sidecar`, no hooks); `pre_stop` is the YAML of app's preStop
// handler (indented for "      preStop:"), `grace` the terminationGracePeriodSeconds line or "".
std::string WebPod(const std::string& grace, const std::string& pre_stop) {
  std::string text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  uid: term-uid-1\nspec:\n";
  if (!grace.empty()) text += "  terminationGracePeriodSeconds: " + grace + "\n";
  text += "  containers:\n  - name: app\n    image: nginx:latest\n";
  if (!pre_stop.empty()) text += "    lifecycle:\n      preStop:\n" + pre_stop;
  text += "  - name: sidecar\n    image: busybox:latest\n    command: [\"sleep\", \"3600\"]\n";
  return text;
}

const char kExecPreStop[] = "        exec:\n          command: [\"/bin/sh\", \"-c\", \"nginx -s quit\"]\n";

class TerminationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kubelet-term-XXXXXX";
    dir_ = mkdtemp(tmpl);
    fs::create_directories(dir_ + "/manifests");
    runtime_ = std::make_unique<testing::FakeRuntime>(clock_);
    hooks_ = std::make_unique<TimedHookRunner>(*runtime_, clock_);
    KubeletConfig config;
    config.node_name = "node1";
    config.node_ip = "192.168.1.10";
    config.pod_manifest_path = "";
    config.root_dir = dir_ + "/root";
    config.pod_logs_dir = dir_ + "/logs";
    config.pod_worker_threads = 0;
    kubelet_ = std::make_unique<Kubelet>(config, *runtime_, *runtime_, clock_, probes_, events_, hooks_.get());
    kubelet_->AddPodSource(std::make_unique<ManifestDirectorySource>(dir_ + "/manifests", "node1", 20s, events_));
  }
  void TearDown() override {
    kubelet_.reset();
    fs::remove_all(dir_);
  }
  // Runs the pod, then removes its manifest; returns the runtime calls of the removal.
  std::vector<std::string> RunThenRemove(const std::string& manifest) {
    std::ofstream(dir_ + "/manifests/web.yaml") << manifest;
    kubelet_->SyncOnce();
    EXPECT_EQ(runtime_->RunningContainers().size(), 2u);
    app_id_ = runtime_->ContainersNamed("app").at(0).id;
    sandbox_id_ = runtime_->Sandboxes().at(0).id;
    runtime_->ClearCalls();
    fs::remove(dir_ + "/manifests/web.yaml");
    clock_.Advance(1s);
    kubelet_->SyncOnce();
    return runtime_->Calls();
  }
  static size_t IndexOf(const std::vector<std::string>& calls, const std::string& prefix) {
    for (size_t i = 0; i < calls.size(); ++i) {
      if (calls[i].starts_with(prefix)) return i;
    }
    ADD_FAILURE() << "no call " << prefix;
    return calls.size();
  }
  std::vector<RecordedEvent> EventsNamed(const std::string& reason) const {
    std::vector<RecordedEvent> out;
    for (const auto& e : events_.List()) {
      if (e.reason == reason) out.push_back(e);
    }
    return out;
  }
  void ExpectKilling(const std::string& container) {
    bool found = false;
    for (const auto& e : EventsNamed("Killing")) {
      if (e.object.field_path == "spec.containers{" + container + "}") {
        EXPECT_EQ(e.type, EventType::kNormal);
        EXPECT_EQ(e.message, "Stopping container " + container);
        EXPECT_EQ(e.object.name, "web-node1");
        found = true;
      }
    }
    EXPECT_TRUE(found) << "no Killing event for " << container;
  }

  FakeClock clock_;
  std::string dir_;
  std::unique_ptr<testing::FakeRuntime> runtime_;
  std::unique_ptr<TimedHookRunner> hooks_;
  testing::FakeProbeManager probes_;
  MemoryEventRecorder events_{clock_};
  std::unique_ptr<Kubelet> kubelet_;
  std::string app_id_;
  std::string sandbox_id_;
};

TEST_F(TerminationTest, PreStopExecRunsBeforeStopContainerWhichGetsTheRemainingGracePeriod) {
  hooks_->duration = 10s;
  const auto calls = RunThenRemove(WebPod("45", kExecPreStop));
  EXPECT_EQ(runtime_->ExecContainerIds(), (std::vector<std::string>{app_id_}));
  EXPECT_EQ(runtime_->ExecCommands(), (std::vector<std::string>{"/bin/sh -c nginx -s quit"}));
  const auto exec = IndexOf(calls, "ExecSync app /bin/sh -c nginx -s quit");
  const auto stop = IndexOf(calls, "StopContainer app ");
  EXPECT_LT(exec, stop);
  EXPECT_EQ(calls[stop], "StopContainer app timeout=35");  // 45 s - 10 s taken by the hook
  EXPECT_EQ(hooks_->timeouts, (std::vector<std::chrono::seconds>{45s}));  // the hook may use the whole period
  EXPECT_EQ(runtime_->CountCalls("StopContainer sidecar timeout=45"), 1);  // the clock is not per container
  ExpectKilling("app");
  EXPECT_TRUE(EventsNamed("FailedPreStopHook").empty());
}

TEST_F(TerminationTest, PreStopOutlastingTheGracePeriodLeavesTheMinimumTwoSeconds) {
  hooks_->duration = 44s;
  const auto calls = RunThenRemove(WebPod("45", kExecPreStop));
  EXPECT_EQ(calls[IndexOf(calls, "StopContainer app ")], "StopContainer app timeout=2");
}

TEST_F(TerminationTest, PreStopHttpGetHitsTheServerBeforeStopContainer) {
  std::atomic<int> stops_before_request{-1};
  std::string request_line;
  std::mutex mu;
  OneShotHttpServer server([&](const std::string& request) {
    stops_before_request = runtime_->CountCalls("StopContainer app ");
    std::lock_guard lock(mu);
    request_line = request.substr(0, request.find("\r\n"));
  });
  ASSERT_GT(server.port(), 0);
  const std::string pre_stop = "        httpGet:\n          host: 127.0.0.1\n          port: " +
                               std::to_string(server.port()) + "\n          path: /shutdown\n";
  hooks_->duration = 3s;
  const auto calls = RunThenRemove(WebPod("20", pre_stop));
  EXPECT_EQ(server.requests(), 1);
  EXPECT_EQ(stops_before_request, 0);
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(request_line, "GET /shutdown HTTP/1.1");
  }
  EXPECT_EQ(calls[IndexOf(calls, "StopContainer app ")], "StopContainer app timeout=17");
  EXPECT_EQ(runtime_->CountCalls("ExecSync"), 0);
  EXPECT_TRUE(EventsNamed("FailedPreStopHook").empty());
}

// The hook's httpGet goes through the probes' client: a named port of the container, the hook's headers and
// upstream's lifecycle User-Agent.
TEST_F(TerminationTest, HttpHookResolvesANamedPortAndSendsItsHeaders) {
  std::string request_text;
  std::mutex mu;
  OneShotHttpServer server([&](const std::string& request) {
    std::lock_guard lock(mu);
    request_text = request;
  });
  ASSERT_GT(server.port(), 0);
  api::Container container;
  container.name = "app";
  container.ports.push_back(api::ContainerPort{.name = "admin", .container_port = server.port()});
  api::Handler handler;
  handler.http_get.emplace();
  handler.http_get->host = "127.0.0.1";
  handler.http_get->port = api::IntOrString::String("admin");
  handler.http_get->path = "/drain";
  handler.http_get->http_headers.push_back({"X-Token", "t1"});
  CriHookRunner runner(*runtime_);
  ASSERT_TRUE(runner.Run("cid", "10.88.0.9", container, handler, 5s).ok());
  std::lock_guard lock(mu);
  EXPECT_EQ(request_text.substr(0, request_text.find("\r\n")), "GET /drain HTTP/1.1");
  EXPECT_NE(request_text.find("\r\nUser-Agent: kube-lifecycle/1.28\r\n"), std::string::npos) << request_text;
  EXPECT_NE(request_text.find("\r\nX-Token: t1\r\n"), std::string::npos) << request_text;

  handler.http_get->port = api::IntOrString::String("metrics");
  Status unknown = runner.Run("cid", "10.88.0.9", container, handler, 5s);
  EXPECT_EQ(unknown.message(), "port metrics not found in container app");
}

TEST_F(TerminationTest, FailingPreStopRecordsFailedPreStopHookAndStillStopsTheContainer) {
  runtime_->SetExecResult({"", "no such process", 1});
  const auto calls = RunThenRemove(WebPod("45", kExecPreStop));
  EXPECT_LT(IndexOf(calls, "ExecSync app"), IndexOf(calls, "StopContainer app "));
  EXPECT_EQ(runtime_->CountCalls("StopContainer app timeout=45"), 1);
  const auto failed = EventsNamed("FailedPreStopHook");
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].type, EventType::kWarning);
  EXPECT_EQ(failed[0].object.field_path, "spec.containers{app}");
  EXPECT_NE(failed[0].message.find("PreStopHook failed"), std::string::npos) << failed[0].message;
  EXPECT_NE(failed[0].message.find("exited with 1"), std::string::npos) << failed[0].message;
  ExpectKilling("app");
  EXPECT_TRUE(runtime_->Sandboxes().empty());  // the removal went on
}

TEST_F(TerminationTest, NoPreStopStopsWithTheFullDefaultGracePeriod) {
  const auto calls = RunThenRemove(WebPod("", ""));
  EXPECT_EQ(runtime_->CountCalls("ExecSync"), 0);
  EXPECT_TRUE(hooks_->timeouts.empty());
  EXPECT_EQ(calls[IndexOf(calls, "StopContainer app ")], "StopContainer app timeout=30");
  EXPECT_EQ(calls[IndexOf(calls, "StopContainer sidecar ")], "StopContainer sidecar timeout=30");
  ExpectKilling("app");
  ExpectKilling("sidecar");
}

TEST_F(TerminationTest, RemovedManifestStopsEveryContainerThenStopsAndRemovesTheSandbox) {
  const auto calls = RunThenRemove(WebPod("60", ""));
  const auto stop_app = IndexOf(calls, "StopContainer app timeout=60");
  const auto stop_sidecar = IndexOf(calls, "StopContainer sidecar timeout=60");
  const auto stop_sandbox = IndexOf(calls, "StopPodSandbox " + sandbox_id_);
  const auto remove_sandbox = IndexOf(calls, "RemovePodSandbox " + sandbox_id_);
  EXPECT_LT(stop_app, stop_sandbox);
  EXPECT_LT(stop_sidecar, stop_sandbox);
  EXPECT_LT(stop_sandbox, remove_sandbox);
  EXPECT_EQ(runtime_->CountCalls("StopContainer"), 2);
  EXPECT_EQ(runtime_->CountCalls("StopPodSandbox"), 1);
  EXPECT_EQ(runtime_->CountCalls("RemovePodSandbox"), 1);
  EXPECT_TRUE(runtime_->Sandboxes().empty());
  EXPECT_TRUE(runtime_->RunningContainers().empty());
  EXPECT_FALSE(kubelet_->GetPod("default", "web-node1"));
  ExpectKilling("app");
  ExpectKilling("sidecar");
}

}  // namespace
}  // namespace kubenode::kubelet

namespace kubenode::kubelet {
namespace {

// The pod's last status, once its containers are stopped and before it leaves the status manager, says they
// terminated and the pod is not ready: that is what an API pod's final PATCH carries before its DELETE.
TEST_F(TerminationTest, TheLastStatusBeforeRemovalHasTheContainersTerminated) {
  std::vector<PodWithStatus> last_seen;
  kubelet_->AddStatusListener([&](const std::vector<PodWithStatus>& pods) {
    for (const PodWithStatus& p : pods) {
      if (p.pod.metadata.name == "web-node1") last_seen = {p};
    }
  });
  RunThenRemove(WebPod("", ""));
  ASSERT_EQ(last_seen.size(), 1u);
  const api::PodStatus& status = last_seen[0].status;
  ASSERT_EQ(status.container_statuses.size(), 2u);
  for (const auto& c : status.container_statuses) {
    EXPECT_TRUE(c.state.terminated.has_value()) << c.name << " not terminated in the last status";
    EXPECT_FALSE(c.ready) << c.name;
  }
  bool ready_false = false;
  for (const auto& cond : status.conditions) {
    if (cond.type == "Ready") ready_false = !cond.status;
  }
  EXPECT_TRUE(ready_false);
}

}  // namespace
}  // namespace kubenode::kubelet
