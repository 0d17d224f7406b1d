// A gtest fixture that runs `kubenode run` as a child process against the harness's containerd, as a user
// runs it: its own manifest directory, local API socket, root dir, state dir and pod log dir (all under a
// temporary directory inside KUBENODE_TEST_DIR, so `env.sh down` removes them too), `--no-proxy`, logs to
// a file that is printed when the test fails.
//
// Helpers: apply/write/remove manifests, run CLI commands, poll `get pods -o json` until a condition
// holds, read pod status, look at the pod's sandboxes and containers through CRI, kill -9 and restart.
// TearDown stops the daemon and removes (through CRI) every sandbox that appeared while the test ran, so
// tests leak no pods whatever happens in their body.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cri/grpc_runtime_service.h"
#include "tests/support/e2e_env.h"

extern char** environ;

namespace kubenode::testing {

using nlohmann::json;
using namespace std::chrono_literals;

// Single-quotes `s` for /bin/sh.
inline std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

// Polls `condition` every `interval` until it returns true or `timeout` passes; returns its last result.
inline bool Eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                       std::chrono::milliseconds interval = 500ms) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(interval);
  }
}

// A container's status from a pod's -o json ("status.containerStatuses[name=...]"), or an empty object.
inline json ContainerStatusJson(const json& pod, const std::string& container) {
  if (!pod.is_object() || !pod.contains("status")) return json::object();
  for (const auto& c : pod["status"].value("containerStatuses", json::array())) {
    if (c.value("name", "") == container) return c;
  }
  return json::object();
}

// "containerd://<id>" → "<id>".
inline std::string StripRuntimePrefix(const std::string& container_id) {
  auto pos = container_id.find("://");
  return pos == std::string::npos ? container_id : container_id.substr(pos + 3);
}

// The value of condition `type` ("Ready", "ContainersReady", ...) in a pod's -o json, or "".
inline std::string PodCondition(const json& pod, const std::string& type) {
  if (!pod.is_object() || !pod.contains("status")) return "";
  for (const auto& c : pod["status"].value("conditions", json::array())) {
    if (c.value("type", "") == type) return c.value("status", "");
  }
  return "";
}

// A TCP port free on 127.0.0.1 now (the kernel's pick), so that daemons of parallel tests do not share
// :10250 / :10248.
inline int FreeTcpPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

class DaemonFixture : public ::testing::Test {
 protected:
  static constexpr auto kPodTimeout = std::chrono::seconds(90);

  void SetUp() override {
    const std::string test_dir = RequiredEnv("KUBENODE_TEST_DIR");
    endpoint_ = RequiredEnv("KUBENODE_CRI_ENDPOINT");
    ASSERT_FALSE(test_dir.empty());
    ASSERT_FALSE(endpoint_.empty());

    std::string tmpl = test_dir + "/daemon-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    ASSERT_NE(mkdtemp(buf.data()), nullptr) << "mkdtemp " << tmpl;
    dir_ = buf.data();
    manifest_dir_ = dir_ + "/manifests";
    socket_ = dir_ + "/kubenode.sock";
    log_file_ = dir_ + "/kubenode.log";
    for (const char* sub : {"manifests", "root", "state", "logs", "input"}) {
      std::filesystem::create_directories(dir_ + "/" + sub);
    }
    config_file_ = dir_ + "/kubelet-config.yaml";
    std::ofstream(config_file_) << "apiVersion: kubelet.config.k8s.io/v1beta1\n"
                                   "kind: KubeletConfiguration\n"
                                   "podLogsDir: "
                                << dir_ << "/logs\n"
                                << "port: " << (kubelet_port_ = FreeTcpPort()) << "\n"
                                << "healthzPort: " << (healthz_port_ = FreeTcpPort()) << "\n"
                                << ExtraKubeletConfig();

    cri::GrpcOptions options;
    options.endpoint = endpoint_;
    options.request_timeout = std::chrono::seconds(30);
    runtime_ = std::make_unique<cri::GrpcRuntimeService>(options);
    auto existing = runtime_->ListPodSandbox({});
    ASSERT_TRUE(existing.ok()) << existing.status().message();
    for (const auto& s : *existing) sandboxes_before_.insert(s.id);

    StartDaemon();
    ASSERT_FALSE(HasFailure());
    // The node name as the daemon uses it (pods are named <name>-<node>).
    auto node = Cli("describe node");
    ASSERT_EQ(node.exit_code, 0) << node.output;
    std::istringstream lines(node.output);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("Name:", 0) == 0) {
        node_ = line.substr(5);
        node_.erase(0, node_.find_first_not_of(' '));
        break;
      }
    }
    ASSERT_FALSE(node_.empty()) << node.output;
  }

  void TearDown() override {
    if (pid_ > 0) StopDaemon();
    // Every sandbox that appeared while this test ran was created by its daemon: stop and remove it.
    if (runtime_) {
      auto sandboxes = runtime_->ListPodSandbox({});
      if (sandboxes.ok()) {
        for (const auto& s : *sandboxes) {
          if (sandboxes_before_.contains(s.id)) continue;
          if (auto st = runtime_->StopPodSandbox(s.id); !st.ok()) ADD_FAILURE() << st.message();
          if (auto st = runtime_->RemovePodSandbox(s.id); !st.ok()) ADD_FAILURE() << st.message();
        }
      }
    }
    if (HasFailure() && !log_file_.empty()) {
      std::cerr << "---- kubenode log (" << log_file_ << ") ----\n" << ReadFile(log_file_) << "---- end of log ----\n";
    }
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }

  // KubeletConfiguration lines added to the test's file.
  virtual std::string ExtraKubeletConfig() const { return ""; }

  // Flags added to `kubenode run`. The kubelet tests leave the host's nftables alone.
  virtual std::vector<std::string> DaemonFlags() const { return {"--no-proxy"}; }

  // Starts `kubenode run` (stdout and stderr appended to the log) and waits until its API answers.
  void StartDaemon() {
    ASSERT_LE(pid_, 0) << "daemon already running";
    std::vector<std::string> args = {KUBENODE_BINARY,        "--socket",        socket_,
                                     "run",                  "--config",        config_file_,
                                     "--pod-manifest-path",  manifest_dir_,     "--root-dir",
                                     dir_ + "/root",         "--state-dir",     dir_ + "/state"};
    for (auto& flag : DaemonFlags()) args.push_back(std::move(flag));
    {
      std::ofstream(log_file_, std::ios::app) << "==== kubenode run started by the test ====\n";
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log_file_.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ASSERT_EQ(rc, 0) << "posix_spawn " << argv[0] << ": " << std::strerror(rc);
    pid_ = pid;
    bool up = Eventually(
        [&] {
          if (!Alive()) return true;  // reported below
          return Cli("get pods").exit_code == 0;
        },
        30s, 200ms);
    ASSERT_TRUE(Alive()) << "kubenode run exited:\n" << ReadFile(log_file_);
    ASSERT_TRUE(up) << "kubenode's API did not answer within 30 s";
  }

  bool Alive() {
    if (pid_ <= 0) return false;
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      return false;
    }
    return true;
  }

  // Sends `sig` and reaps the daemon (SIGKILL after 15 s if it has not exited).
  void SignalDaemon(int sig) {
    if (pid_ <= 0) return;
    kill(pid_, sig);
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(50ms);
    }
    ADD_FAILURE() << "kubenode did not exit within 15 s of signal " << sig << "; killing it";
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  void StopDaemon() { SignalDaemon(SIGTERM); }
  void KillDaemon() { SignalDaemon(SIGKILL); }
  void RestartDaemon() {
    KillDaemon();
    StartDaemon();
  }

  // `kubenode --socket S ARGS 2>&1`.
  CommandResult Cli(const std::string& args) {
    return RunCommand(std::string(KUBENODE_BINARY) + " --socket " + ShellQuote(socket_) + " " + args + " 2>&1");
  }

  // Writes `yaml` to a file outside the manifest directory and runs `kubenode apply -f` on it.
  CommandResult Apply(const std::string& yaml, const std::string& file_name) {
    const std::string path = dir_ + "/input/" + file_name;
    std::ofstream(path, std::ios::binary | std::ios::trunc) << yaml;
    return Cli("apply -f " + ShellQuote(path));
  }
  CommandResult Delete(const std::string& file_name) {
    return Cli("delete -f " + ShellQuote(dir_ + "/input/" + file_name));
  }

  // Writes a manifest straight into the manifest directory, atomically (a dot-file renamed into place).
  void WriteManifest(const std::string& file_name, const std::string& content) {
    const std::string tmp = manifest_dir_ + "/." + file_name + ".tmp";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out << content;
    }
    std::filesystem::rename(tmp, manifest_dir_ + "/" + file_name);
  }
  void RemoveManifest(const std::string& file_name) { std::filesystem::remove(manifest_dir_ + "/" + file_name); }
  std::string ManifestPath(const std::string& file_name) const { return manifest_dir_ + "/" + file_name; }

  // The static pod's name: `<name>-<node>`.
  std::string PodName(const std::string& name) const { return name + "-" + node_; }

  // `get pods NAME -o json` (NAME is the full pod name); null when the pod is not there.
  json GetPodJson(const std::string& pod_name) {
    auto r = Cli("get pods " + ShellQuote(pod_name) + " -o json");
    if (r.exit_code != 0) return nullptr;
    auto parsed = json::parse(r.output, nullptr, /*allow_exceptions=*/false);
    return parsed.is_discarded() ? json(nullptr) : parsed;
  }

  // Polls the pod's -o json until `condition` holds (generous timeout); returns the last document seen.
  json WaitForPod(const std::string& pod_name, const std::function<bool(const json&)>& condition,
                  std::chrono::milliseconds timeout, const std::string& what) {
    json last;
    bool ok = Eventually(
        [&] {
          last = GetPodJson(pod_name);
          return !last.is_null() && condition(last);
        },
        timeout);
    EXPECT_TRUE(ok) << pod_name << ": " << what << " not reached within " << timeout.count()
                    << " ms; last status:\n"
                    << last.dump(2);
    return last;
  }

  json WaitForRunning(const std::string& pod_name, std::chrono::milliseconds timeout = kPodTimeout) {
    return WaitForPod(
        pod_name,
        [](const json& p) {
          const json status = p.value("status", json::object());
          if (status.value("phase", "") != "Running") return false;
          auto statuses = status.value("containerStatuses", json::array());
          if (statuses.empty()) return false;
          for (const auto& c : statuses) {
            if (!c.value("ready", false) || !c.contains("state") || !c["state"].contains("running")) return false;
          }
          return true;
        },
        timeout, "Running with every container ready");
  }

  // The `get pods` row of `pod_name` (the whole line), or "".
  std::string GetPodsRow(const std::string& pod_name, const std::string& flags = "") {
    auto r = Cli("get pods " + flags);
    std::istringstream lines(r.output);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind(pod_name + " ", 0) == 0) return line;
    }
    return "";
  }

  // Watches `pod` for `duration`: the same sandbox and container IDs (container name → ID), every container
  // running with restartCount 0 in both the pod status and CRI, nothing created or removed. Then checks the
  // `get pods` row says READY n/n, Running, 0 restarts.
  void ExpectPodUntouchedFor(const std::string& pod, const std::map<std::string, std::string>& ids,
                             const std::string& sandbox_id, std::chrono::seconds duration) {
    const auto watch_until = std::chrono::steady_clock::now() + duration;
    while (std::chrono::steady_clock::now() < watch_until && !HasFailure()) {
      auto json = GetPodJson(pod);
      for (const auto& [name, id] : ids) {
        auto c = ContainerStatusJson(json, name);
        ASSERT_FALSE(c.empty()) << json.dump(2);
        EXPECT_EQ(StripRuntimePrefix(c.value("containerID", "")), id) << name;
        EXPECT_EQ(c.value("restartCount", -1), 0) << name;
        EXPECT_TRUE(c["state"].contains("running")) << json.dump(2);
      }
      auto containers = ContainersOf(pod);
      EXPECT_EQ(containers.size(), ids.size()) << "a container was created or removed";
      for (const auto& c : containers) {
        EXPECT_EQ(c.state, cri::ContainerState::kRunning) << c.id;
        EXPECT_EQ(c.id, ids.at(c.labels.at("io.kubernetes.container.name")));
        EXPECT_EQ(c.annotations.at("io.kubernetes.container.restartCount"), "0");
      }
      auto sandboxes = SandboxesOf(pod);
      ASSERT_EQ(sandboxes.size(), 1u);
      EXPECT_EQ(sandboxes[0].id, sandbox_id);
      EXPECT_EQ(sandboxes[0].state, cri::SandboxState::kReady);
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    auto row = Columns(GetPodsRow(pod));
    ASSERT_GE(row.size(), 4u) << Cli("get pods").output;
    const std::string n = std::to_string(ids.size());
    EXPECT_EQ(row[1], n + "/" + n);
    EXPECT_EQ(row[2], "Running");
    EXPECT_EQ(row[3], "0");
  }

  // Whitespace-separated columns of a table row.
  static std::vector<std::string> Columns(const std::string& row) {
    std::istringstream in(row);
    std::vector<std::string> out;
    for (std::string w; in >> w;) out.push_back(w);
    return out;
  }

  // CRI: the pod's sandboxes / containers (by the io.kubernetes.pod.name label), any state.
  std::vector<cri::PodSandbox> SandboxesOf(const std::string& pod_name) {
    auto r = runtime_->ListPodSandbox({.label_selector = {{"io.kubernetes.pod.name", pod_name}}});
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : std::vector<cri::PodSandbox>{};
  }
  std::vector<cri::Container> ContainersOf(const std::string& pod_name, const std::string& container = "") {
    cri::StringMap selector = {{"io.kubernetes.pod.name", pod_name}};
    if (!container.empty()) selector["io.kubernetes.container.name"] = container;
    auto r = runtime_->ListContainers({.label_selector = selector});
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : std::vector<cri::Container>{};
  }
  std::vector<cri::Container> RunningContainersOf(const std::string& pod_name) {
    auto all = ContainersOf(pod_name);
    std::erase_if(all, [](const cri::Container& c) { return c.state != cri::ContainerState::kRunning; });
    return all;
  }

  std::string DaemonLog() { return ReadFile(log_file_); }

  // The daemon's resident memory (VmRSS) in kB.
  long DaemonRssKb() {
    std::istringstream status(ReadFile("/proc/" + std::to_string(pid_) + "/status"));
    for (std::string line; std::getline(status, line);) {
      if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    }
    ADD_FAILURE() << "no VmRSS for pid " << pid_;
    return 0;
  }

  std::string endpoint_, dir_, manifest_dir_, socket_, log_file_, config_file_, node_;
  int kubelet_port_ = 0, healthz_port_ = 0;  // the daemon's :10250 and :10248
  pid_t pid_ = -1;
  std::unique_ptr<cri::GrpcRuntimeService> runtime_;
  std::set<std::string> sandboxes_before_;
};

}  // namespace kubenode::testing
