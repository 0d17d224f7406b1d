// An in-memory CRI runtime and image service that behaves like containerd 1.6 where the kubelet can tell:
// 64-hex IDs, sandbox and container states with created/started/finished times from the injected clock,
// exit codes and reasons (Completed/Error), label/state/id filters, "not found" errors for unknown IDs,
// reserved container names per sandbox+attempt, StopPodSandbox stopping the sandbox's containers,
// RemovePodSandbox refusing a ready sandbox, idempotent removes. Failures can be injected per call or image.
#pragma once

#include <algorithm>
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/clock.h"
#include "cri/runtime_service.h"

namespace kubenode::kubelet::testing {

class FakeRuntime : public cri::RuntimeService, public cri::ImageService {
 public:
  explicit FakeRuntime(const Clock& clock) : clock_(clock) {}

  // ---- test controls ----
  // The next `count` calls of `call` ("RunPodSandbox", "CreateContainer", "StartContainer", ...) fail.
  void FailNext(const std::string& call, const std::string& message, int count = 1) {
    std::lock_guard lock(mu_);
    failures_[call] = {message, count};
  }
  // The next `count` calls of `call` throw std::runtime_error (a bug below the kubelet, e.g. in a library).
  void ThrowNext(const std::string& call, int count = 1) {
    std::lock_guard lock(mu_);
    throws_[call] = count;
  }
  // PullImage of `image` fails with 401 unless its AuthConfig carries these credentials.
  void RequirePullCredentials(const std::string& image, const std::string& username, const std::string& password) {
    std::lock_guard lock(mu_);
    pull_credentials_[image] = username + ":" + password;
  }
  void FailPull(const std::string& image, const std::string& message) {
    std::lock_guard lock(mu_);
    pull_failures_[image] = message;
  }
  void ClearPullFailure(const std::string& image) {
    std::lock_guard lock(mu_);
    pull_failures_.erase(image);
  }
  void AddImage(const std::string& image) {
    std::lock_guard lock(mu_);
    images_[image] = "sha256:" + NewIdLocked().substr(0, 64);
  }
  // ImageStatus reports `image` as running as this user (CRI Image uid / username).
  void SetImageUser(const std::string& image, std::optional<int64_t> uid, const std::string& username = "") {
    std::lock_guard lock(mu_);
    image_users_[image] = {uid, username};
  }
  // The process of a running container exits with `code`.
  // `reason` as the runtime reports it (containerd: "OOMKilled"); empty: Completed/Error by the code.
  void ExitContainer(const std::string& id, int32_t code, const std::string& reason = "") {
    std::lock_guard lock(mu_);
    auto& c = containers_.at(id);
    if (c.status.state != cri::ContainerState::kRunning) return;
    FinishLocked(c, code);
    if (!reason.empty()) c.status.reason = reason;
  }
  // The sandbox dies (its network namespace is gone): NotReady, and its containers exit.
  void KillSandbox(const std::string& id) {
    std::lock_guard lock(mu_);
    auto& sb = sandboxes_.at(id);
    sb.status.state = cri::SandboxState::kNotReady;
    for (auto& [cid, c] : containers_) {
      if (c.sandbox_id == id && c.status.state == cri::ContainerState::kRunning) FinishLocked(c, 137);
    }
  }
  void SetExecResult(cri::ExecResult result) {
    std::lock_guard lock(mu_);
    exec_result_ = std::move(result);
  }
  // Exec / Attach / PortForward answer this URL (a test's streaming backend) and keep their requests.
  void SetStreamUrl(std::string url) {
    std::lock_guard lock(mu_);
    stream_url_ = std::move(url);
  }
  std::vector<cri::ExecRequest> ExecRequests() const {
    std::lock_guard lock(mu_);
    return exec_requests_;
  }
  std::vector<cri::AttachRequest> AttachRequests() const {
    std::lock_guard lock(mu_);
    return attach_requests_;
  }
  std::vector<cri::PortForwardRequest> PortForwardRequests() const {
    std::lock_guard lock(mu_);
    return port_forward_requests_;
  }
  // Every mutating call, as "Call arg", in order.
  std::vector<std::string> Calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }
  void ClearCalls() {
    std::lock_guard lock(mu_);
    calls_.clear();
  }
  int CountCalls(const std::string& prefix) const {
    std::lock_guard lock(mu_);
    return static_cast<int>(std::count_if(calls_.begin(), calls_.end(), [&](const auto& c) { return c.starts_with(prefix); }));
  }
  // Containers with metadata name `name` (any state), newest first.
  std::vector<cri::ContainerStatus> ContainersNamed(const std::string& name) const {
    std::lock_guard lock(mu_);
    std::vector<cri::ContainerStatus> out;
    for (const auto& [id, c] : containers_) {
      if (c.status.metadata.name == name) out.push_back(c.status);
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.created_at_ns > b.created_at_ns; });
    return out;
  }
  std::vector<cri::ContainerStatus> RunningContainers() const {
    std::lock_guard lock(mu_);
    std::vector<cri::ContainerStatus> out;
    for (const auto& [id, c] : containers_) {
      if (c.status.state == cri::ContainerState::kRunning) out.push_back(c.status);
    }
    return out;
  }
  std::vector<cri::PodSandboxStatus> Sandboxes() const {
    std::lock_guard lock(mu_);
    std::vector<cri::PodSandboxStatus> out;
    for (const auto& [id, s] : sandboxes_) out.push_back(s.status);
    return out;
  }
  cri::PodSandboxConfig SandboxConfig(const std::string& id) const {
    std::lock_guard lock(mu_);
    return sandboxes_.at(id).config;
  }
  cri::ContainerConfig ContainerConfigOf(const std::string& id) const {
    std::lock_guard lock(mu_);
    return containers_.at(id).config;
  }
  std::vector<std::string> ExecCommands() const {
    std::lock_guard lock(mu_);
    return exec_commands_;
  }
  // The container IDs ExecSync was called with, in order.
  std::vector<std::string> ExecContainerIds() const {
    std::lock_guard lock(mu_);
    return exec_container_ids_;
  }

  // ---- RuntimeService ----
  Result<cri::VersionInfo> Version() override { return cri::VersionInfo{"containerd", "1.6.20~ds1", "v1"}; }

  Result<std::string> RunPodSandbox(const cri::PodSandboxConfig& config) override {
    std::lock_guard lock(mu_);
    calls_.push_back("RunPodSandbox " + config.metadata.name + " attempt=" + std::to_string(config.metadata.attempt));
    if (auto st = InjectedLocked("RunPodSandbox"); !st.ok()) return st;
    for (const auto& [id, sb] : sandboxes_) {
      if (sb.config.metadata == config.metadata) {
        return Status::Error("failed to reserve sandbox name \"" + config.metadata.name + "_" + config.metadata.ns + "_" +
                             config.metadata.uid + "_" + std::to_string(config.metadata.attempt) + "\": name is reserved");
      }
    }
    Sandbox sb;
    sb.config = config;
    auto& s = sb.status;
    s.id = NewIdLocked();
    s.metadata = config.metadata;
    s.state = cri::SandboxState::kReady;
    s.created_at_ns = NowNs();
    s.host_network = config.host_network;
    if (!config.host_network) s.ip = "10.244.0." + std::to_string(++next_ip_);
    s.labels = config.labels;
    s.annotations = config.annotations;
    const auto id = s.id;
    sandboxes_[id] = std::move(sb);
    return id;
  }

  Status StopPodSandbox(const std::string& sandbox_id) override {
    std::lock_guard lock(mu_);
    calls_.push_back("StopPodSandbox " + sandbox_id);
    if (auto st = InjectedLocked("StopPodSandbox"); !st.ok()) return st;
    auto it = sandboxes_.find(sandbox_id);
    if (it == sandboxes_.end()) return NotFound("sandbox", sandbox_id);
    for (auto& [cid, c] : containers_) {
      if (c.sandbox_id == sandbox_id && c.status.state == cri::ContainerState::kRunning) FinishLocked(c, 137);
    }
    it->second.status.state = cri::SandboxState::kNotReady;
    return {};
  }

  Status RemovePodSandbox(const std::string& sandbox_id) override {
    std::lock_guard lock(mu_);
    calls_.push_back("RemovePodSandbox " + sandbox_id);
    if (auto st = InjectedLocked("RemovePodSandbox"); !st.ok()) return st;
    auto it = sandboxes_.find(sandbox_id);
    if (it == sandboxes_.end()) return {};
    if (it->second.status.state == cri::SandboxState::kReady) {
      return Status::Error("sandbox container \"" + sandbox_id + "\" is not fully stopped");
    }
    for (auto c = containers_.begin(); c != containers_.end();) {
      c = c->second.sandbox_id == sandbox_id ? containers_.erase(c) : std::next(c);
    }
    sandboxes_.erase(it);
    return {};
  }

  Result<cri::PodSandboxStatus> PodSandboxStatusOf(const std::string& sandbox_id) override {
    std::lock_guard lock(mu_);
    if (auto st = InjectedLocked("PodSandboxStatus"); !st.ok()) return st;
    auto it = sandboxes_.find(sandbox_id);
    if (it == sandboxes_.end()) return NotFound("sandbox", sandbox_id);
    return it->second.status;
  }

  Result<std::vector<cri::PodSandbox>> ListPodSandbox(const cri::SandboxFilter& filter) override {
    std::lock_guard lock(mu_);
    if (auto st = InjectedLocked("ListPodSandbox"); !st.ok()) return st;
    std::vector<cri::PodSandbox> out;
    for (const auto& [id, sb] : sandboxes_) {
      const auto& s = sb.status;
      if (!filter.id.empty() && !id.starts_with(filter.id)) continue;
      if (filter.state && *filter.state != s.state) continue;
      if (!Matches(s.labels, filter.label_selector)) continue;
      out.push_back({s.id, s.metadata, s.state, s.created_at_ns, s.labels, s.annotations});
    }
    return out;
  }

  Result<std::string> CreateContainer(const std::string& sandbox_id, const cri::ContainerConfig& config,
                                      const cri::PodSandboxConfig& sandbox_config) override {
    std::lock_guard lock(mu_);
    calls_.push_back("CreateContainer " + config.metadata.name + " attempt=" + std::to_string(config.metadata.attempt));
    if (auto st = InjectedLocked("CreateContainer"); !st.ok()) return st;
    auto sb = sandboxes_.find(sandbox_id);
    if (sb == sandboxes_.end()) return NotFound("sandbox", sandbox_id);
    if (sb->second.status.state != cri::SandboxState::kReady) {
      return Status::Error("sandbox \"" + sandbox_id + "\" is not running");
    }
    for (const auto& [id, c] : containers_) {
      if (c.sandbox_id == sandbox_id && c.config.metadata == config.metadata) {
        return Status::Error("failed to reserve container name \"" + config.metadata.name + "_" +
                             sandbox_config.metadata.name + "_" + std::to_string(config.metadata.attempt) +
                             "\": name is reserved");
      }
    }
    if (!images_.contains(config.image) && !ImageIdKnownLocked(config.image)) {
      return Status::Error("failed to get image \"" + config.image + "\": not found");
    }
    Container c;
    c.sandbox_id = sandbox_id;
    c.config = config;
    auto& s = c.status;
    s.id = NewIdLocked();
    s.metadata = config.metadata;
    s.state = cri::ContainerState::kCreated;
    s.created_at_ns = NowNs();
    s.image = config.image;
    s.image_ref = config.image;
    s.labels = config.labels;
    s.annotations = config.annotations;
    s.log_path = sandbox_config.log_directory + "/" + config.log_path;
    const auto id = s.id;
    containers_[id] = std::move(c);
    return id;
  }

  Status StartContainer(const std::string& container_id) override {
    std::lock_guard lock(mu_);
    calls_.push_back("StartContainer " + NameOfLocked(container_id));
    auto it = containers_.find(container_id);
    if (it == containers_.end()) return NotFound("container", container_id);
    auto& s = it->second.status;
    if (auto st = InjectedLocked("StartContainer"); !st.ok()) {
      // containerd: a failed start leaves the container exited with code 128.
      s.state = cri::ContainerState::kExited;
      s.exit_code = 128;
      s.reason = "StartError";
      s.message = st.message();
      s.finished_at_ns = NowNs();
      return st;
    }
    if (s.state != cri::ContainerState::kCreated) {
      return Status::Error("container \"" + container_id + "\" is in " + StateName(s.state) + " state");
    }
    s.state = cri::ContainerState::kRunning;
    s.started_at_ns = NowNs();
    return {};
  }

  Status StopContainer(const std::string& container_id, std::chrono::seconds timeout) override {
    std::lock_guard lock(mu_);
    calls_.push_back("StopContainer " + NameOfLocked(container_id) + " timeout=" + std::to_string(timeout.count()));
    if (auto st = InjectedLocked("StopContainer"); !st.ok()) return st;
    auto it = containers_.find(container_id);
    if (it == containers_.end()) return NotFound("container", container_id);
    auto& c = it->second;
    if (c.status.state == cri::ContainerState::kRunning) FinishLocked(c, timeout.count() > 0 ? 143 : 137);
    if (c.status.state == cri::ContainerState::kCreated) c.status.state = cri::ContainerState::kExited;
    return {};
  }

  Status RemoveContainer(const std::string& container_id) override {
    std::lock_guard lock(mu_);
    calls_.push_back("RemoveContainer " + NameOfLocked(container_id));
    if (auto st = InjectedLocked("RemoveContainer"); !st.ok()) return st;
    containers_.erase(container_id);
    return {};
  }

  Result<std::vector<cri::Container>> ListContainers(const cri::ContainerFilter& filter) override {
    std::lock_guard lock(mu_);
    if (auto st = InjectedLocked("ListContainers"); !st.ok()) return st;
    std::vector<cri::Container> out;
    for (const auto& [id, c] : containers_) {
      const auto& s = c.status;
      if (!filter.id.empty() && !id.starts_with(filter.id)) continue;
      if (!filter.pod_sandbox_id.empty() && filter.pod_sandbox_id != c.sandbox_id) continue;
      if (filter.state && *filter.state != s.state) continue;
      if (!Matches(s.labels, filter.label_selector)) continue;
      out.push_back({s.id, c.sandbox_id, s.metadata, s.image, s.image_ref, s.state, s.created_at_ns, s.labels, s.annotations});
    }
    return out;
  }

  // ListContainerStats reports this CPU / memory usage for container `id` (attributes from the container).
  void SetContainerStats(const std::string& id, std::optional<cri::CpuUsage> cpu,
                         std::optional<cri::MemoryUsage> memory) {
    std::lock_guard lock(mu_);
    container_stats_[id] = {std::move(cpu), std::move(memory)};
  }

  Result<std::vector<cri::ContainerStats>> ListContainerStats(const cri::ContainerStatsFilter& filter) override {
    std::lock_guard lock(mu_);
    if (auto st = InjectedLocked("ListContainerStats"); !st.ok()) return st;
    std::vector<cri::ContainerStats> out;
    for (const auto& [id, c] : containers_) {
      if (!filter.id.empty() && !id.starts_with(filter.id)) continue;
      if (!filter.pod_sandbox_id.empty() && filter.pod_sandbox_id != c.sandbox_id) continue;
      if (!Matches(c.status.labels, filter.label_selector)) continue;
      cri::ContainerStats stats{id, c.status.metadata, c.status.labels, c.status.annotations, {}, {}, {}};
      if (auto it = container_stats_.find(id); it != container_stats_.end()) {
        stats.cpu = it->second.first;
        stats.memory = it->second.second;
      }
      out.push_back(std::move(stats));
    }
    return out;
  }

  Result<cri::ContainerStatus> ContainerStatusOf(const std::string& container_id) override {
    std::lock_guard lock(mu_);
    if (auto st = InjectedLocked("ContainerStatus"); !st.ok()) return st;
    auto it = containers_.find(container_id);
    if (it == containers_.end()) return NotFound("container", container_id);
    return it->second.status;
  }

  Result<cri::ExecResult> ExecSync(const std::string& container_id, const std::vector<std::string>& cmd,
                                   std::chrono::seconds timeout) override {
    std::lock_guard lock(mu_);
    std::string joined;
    for (const auto& part : cmd) joined += (joined.empty() ? "" : " ") + part;
    calls_.push_back("ExecSync " + NameOfLocked(container_id) + " " + joined);
    exec_commands_.push_back(joined);
    exec_container_ids_.push_back(container_id);
    if (!containers_.contains(container_id)) return NotFound("container", container_id);
    return exec_result_;
  }
  Result<std::string> Exec(const cri::ExecRequest& request) override {
    std::lock_guard lock(mu_);
    exec_requests_.push_back(request);
    if (auto st = InjectedLocked("Exec"); !st.ok()) return st;
    if (!containers_.contains(request.container_id)) return NotFound("container", request.container_id);
    return stream_url_;
  }
  Result<std::string> Attach(const cri::AttachRequest& request) override {
    std::lock_guard lock(mu_);
    attach_requests_.push_back(request);
    if (auto st = InjectedLocked("Attach"); !st.ok()) return st;
    if (!containers_.contains(request.container_id)) return NotFound("container", request.container_id);
    return stream_url_;
  }
  Result<std::string> PortForward(const cri::PortForwardRequest& request) override {
    std::lock_guard lock(mu_);
    port_forward_requests_.push_back(request);
    if (auto st = InjectedLocked("PortForward"); !st.ok()) return st;
    if (!sandboxes_.contains(request.pod_sandbox_id)) return NotFound("sandbox", request.pod_sandbox_id);
    return stream_url_;
  }

  // ---- ImageService ----
  Result<std::string> PullImage(const std::string& image, const cri::PodSandboxConfig* sandbox_config,
                                const cri::AuthConfig* auth = nullptr) override {
    std::lock_guard lock(mu_);
    calls_.push_back("PullImage " + image + (auth ? " as " + auth->username : ""));
    if (auto it = pull_credentials_.find(image); it != pull_credentials_.end() &&
                                                 (!auth || auth->username + ":" + auth->password != it->second)) {
      return Status::Error("failed to pull and unpack image \"" + image + "\": 401 Unauthorized");
    }
    if (auto it = pull_failures_.find(image); it != pull_failures_.end()) {
      return Status::Error("failed to pull and unpack image \"" + image + "\": " + it->second);
    }
    auto& id = images_[image];
    if (id.empty()) id = "sha256:" + NewIdLocked();
    return id;
  }

  Result<std::optional<cri::Image>> ImageStatus(const std::string& image) override {
    std::lock_guard lock(mu_);
    auto it = images_.find(image);
    if (it == images_.end()) return std::optional<cri::Image>();
    cri::Image out{it->second, {image}, {}, 1024};
    if (auto u = image_users_.find(image); u != image_users_.end()) {
      out.uid = u->second.first;
      out.username = u->second.second;
    }
    return std::optional<cri::Image>(out);
  }

  Result<std::vector<cri::Image>> ListImages() override {
    std::lock_guard lock(mu_);
    std::vector<cri::Image> out;
    for (const auto& [name, id] : images_) out.push_back({id, {name}, {}, 1024});
    return out;
  }

  Status RemoveImage(const std::string& image) override {
    std::lock_guard lock(mu_);
    images_.erase(image);
    return {};
  }

 private:
  struct Sandbox {
    cri::PodSandboxConfig config;
    cri::PodSandboxStatus status;
  };
  struct Container {
    std::string sandbox_id;
    cri::ContainerConfig config;
    cri::ContainerStatus status;
  };
  struct Failure {
    std::string message;
    int count = 0;
  };
  std::map<std::string, std::pair<std::optional<cri::CpuUsage>, std::optional<cri::MemoryUsage>>> container_stats_;

  static bool Matches(const cri::StringMap& labels, const cri::StringMap& selector) {
    for (const auto& [k, v] : selector) {
      auto it = labels.find(k);
      if (it == labels.end() || it->second != v) return false;
    }
    return true;
  }
  static Status NotFound(const std::string& what, const std::string& id) {
    return Status::Error("rpc error: code = NotFound desc = an error occurred when try to find " + what + " \"" + id +
                         "\": not found");
  }
  static std::string StateName(cri::ContainerState s) {
    switch (s) {
      case cri::ContainerState::kCreated: return "CONTAINER_CREATED";
      case cri::ContainerState::kRunning: return "CONTAINER_RUNNING";
      case cri::ContainerState::kExited: return "CONTAINER_EXITED";
      default: return "CONTAINER_UNKNOWN";
    }
  }
  int64_t NowNs() const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(clock_.WallNow().time_since_epoch()).count() + (++tick_);
  }
  std::string NewIdLocked() {
    // 64 hex digits like containerd's IDs, deterministic for tests.
    uint64_t x = 0x9e3779b97f4a7c15ull * (++next_id_);
    char buf[65];
    for (int i = 0; i < 4; ++i) {
      std::snprintf(buf + 16 * i, 17, "%016llx", static_cast<unsigned long long>(x ^ (0x1234567ull * (i + 1))));
    }
    return std::string(buf, 64);
  }
  Status InjectedLocked(const std::string& call) {
    if (auto t = throws_.find(call); t != throws_.end() && t->second > 0) {
      --t->second;
      throw std::runtime_error("injected exception in " + call);
    }
    auto it = failures_.find(call);
    if (it == failures_.end() || it->second.count <= 0) return {};
    --it->second.count;
    return Status::Error(it->second.message);
  }
  void FinishLocked(Container& c, int32_t code) {
    c.status.state = cri::ContainerState::kExited;
    c.status.exit_code = code;
    c.status.reason = code == 0 ? "Completed" : "Error";
    c.status.finished_at_ns = NowNs();
  }
  std::string NameOfLocked(const std::string& id) const {
    auto it = containers_.find(id);
    return it == containers_.end() ? id : it->second.status.metadata.name;
  }
  bool ImageIdKnownLocked(const std::string& ref) const {
    for (const auto& [name, id] : images_) {
      if (id == ref) return true;
    }
    return false;
  }

  const Clock& clock_;
  mutable std::mutex mu_;
  mutable int64_t tick_ = 0;  // keeps creation times strictly increasing under a frozen clock
  uint64_t next_id_ = 0;
  int next_ip_ = 1;
  std::map<std::string, Sandbox> sandboxes_;
  std::map<std::string, Container> containers_;
  std::map<std::string, std::string> images_;  // name -> id
  std::map<std::string, std::pair<std::optional<int64_t>, std::string>> image_users_;  // name -> uid, username
  std::map<std::string, Failure> failures_;
  std::map<std::string, int> throws_;
  std::map<std::string, std::string> pull_failures_;
  std::map<std::string, std::string> pull_credentials_;  // image -> "user:password" it needs
  cri::ExecResult exec_result_;
  std::string stream_url_ = "http://127.0.0.1:1/stream";
  std::vector<cri::ExecRequest> exec_requests_;
  std::vector<cri::AttachRequest> attach_requests_;
  std::vector<cri::PortForwardRequest> port_forward_requests_;
  std::vector<std::string> calls_;
  std::vector<std::string> exec_commands_;
  std::vector<std::string> exec_container_ids_;
};

}  // namespace kubenode::kubelet::testing
