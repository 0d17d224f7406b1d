#include "kubelet/runtime/executor.h"

#include <algorithm>
#include <filesystem>

#include "base/log.h"
#include "kubelet/runtime/cri_configs.h"
#include "kubelet/runtime/environment.h"
#include "kubelet/runtime/hosts_file.h"
#include "kubelet/runtime/labels.h"
#include "kubelet/runtime/pod_logs.h"
#include "kubelet/runtime/pull_secrets.h"
#include "kubelet/runtime/termination_message.h"
#include "kubelet/runtime/volumes.h"

namespace kubenode::kubelet {
namespace {

constexpr int64_t kMinimumGracePeriodSeconds = 2;  // upstream minimumGracePeriodInSeconds

const api::Container* FindSpec(const api::Pod* pod, const std::string& name, bool* is_init = nullptr) {
  if (pod == nullptr) return nullptr;
  for (const auto& c : pod->spec.containers) {
    if (c.name == name) {
      if (is_init) *is_init = false;
      return &c;
    }
  }
  for (const auto& c : pod->spec.init_containers) {
    if (c.name == name) {
      if (is_init) *is_init = true;
      return &c;
    }
  }
  return nullptr;
}

std::string PodIP(const PodRuntimeState& state) {
  auto ips = state.PodIPs();
  return ips.empty() ? "" : ips.front();
}

}  // namespace

EventObject PodRef(const api::Pod& pod) {
  return {"Pod", pod.metadata.ns, pod.metadata.name, pod.metadata.uid, ""};
}

EventObject ContainerRef(const api::Pod& pod, const std::string& container, bool is_init) {
  auto ref = PodRef(pod);
  ref.field_path = std::string(is_init ? "spec.initContainers{" : "spec.containers{") + container + "}";
  return ref;
}

PodExecutor::PodExecutor(cri::RuntimeService& runtime, cri::ImageService& images, EventRecorder& events,
                         HookRunner& hooks, const Clock& clock, Backoff& crash_backoff, Backoff& image_backoff,
                         ExecutorOptions options)
    : runtime_(runtime),
      images_(images),
      events_(events),
      hooks_(hooks),
      clock_(clock),
      crash_backoff_(crash_backoff),
      puller_(images, events, clock, image_backoff),
      options_(std::move(options)) {}

Status PodExecutor::KillContainer(const api::Pod* pod, const RuntimeContainer& c, const std::string& pod_ip,
                                  const std::string& message, KillReason reason,
                                  std::optional<int64_t> grace_override) {
  bool is_init = c.is_init;
  const api::Container* spec = FindSpec(pod, c.name, &is_init);
  // Upstream setTerminationGracePeriod: the pod's grace period, or the probe's for probe failures.
  int64_t grace = pod != nullptr ? pod->spec.termination_grace_period_seconds : c.grace_period_seconds;
  if (spec != nullptr) {
    if (reason == KillReason::kLivenessFailed && spec->liveness_probe && spec->liveness_probe->termination_grace_period_seconds) {
      grace = *spec->liveness_probe->termination_grace_period_seconds;
    } else if (reason == KillReason::kStartupFailed && spec->startup_probe &&
               spec->startup_probe->termination_grace_period_seconds) {
      grace = *spec->startup_probe->termination_grace_period_seconds;
    }
  }
  if (pod != nullptr) {
    events_.Event(ContainerRef(*pod, c.name, is_init), EventType::kNormal, "Killing",
                  message.empty() ? "Stopping container " + c.name : message);
  }
  if (spec != nullptr && spec->lifecycle && spec->lifecycle->pre_stop && grace > 0 &&
      c.state == cri::ContainerState::kRunning) {
    const auto start = clock_.Now();
    auto st = hooks_.Run(c.id, pod_ip, *spec, *spec->lifecycle->pre_stop, std::chrono::seconds(grace));
    if (!st.ok()) {
      events_.Event(ContainerRef(*pod, c.name, is_init), EventType::kWarning, "FailedPreStopHook",
                    "PreStopHook failed: " + st.message());
    }
    grace -= std::chrono::duration_cast<std::chrono::seconds>(clock_.Now() - start).count();
  }
  grace = std::max(grace, kMinimumGracePeriodSeconds);
  if (grace_override) grace = *grace_override;
  auto st = runtime_.StopContainer(c.id, std::chrono::seconds(grace));
  if (!st.ok()) {
    return st.WithContext("StopContainer " + c.name + " (" + c.id.substr(0, 13) + ") of pod " +
                          (pod ? FormatPod(*pod) : c.sandbox_id));
  }
  return {};
}

void PodExecutor::SetApiObjects(ApiObjects* objects) {
  api_objects_ = objects;
  api_volumes_ = objects ? std::make_unique<ApiVolumeWriter>(*objects, clock_) : nullptr;
}

Status PodExecutor::KillPod(const api::Pod* pod, const PodRuntimeState& state, std::optional<int64_t> grace_override) {
  const auto ip = PodIP(state);
  Status first;
  // Upstream kills the containers in parallel; serial is enough for the few containers of a static pod.
  for (const auto& c : state.containers) {
    if (c.state != cri::ContainerState::kRunning && c.state != cri::ContainerState::kUnknown) continue;
    auto st = KillContainer(pod, c, ip, "", KillReason::kPodKilled, grace_override);
    if (!st.ok() && first.ok()) first = st;
  }
  for (const auto& s : state.sandboxes) {
    if (s.state != cri::SandboxState::kReady) continue;
    auto st = runtime_.StopPodSandbox(s.id);
    if (!st.ok() && first.ok()) first = st.WithContext("StopPodSandbox " + s.id.substr(0, 13) + " of pod " + state.uid);
  }
  return first;
}

Status PodExecutor::RemovePod(const PodRuntimeState& state) {
  Status first;
  for (const auto& c : state.containers) {
    auto st = runtime_.RemoveContainer(c.id);
    if (!st.ok() && first.ok()) first = st.WithContext("RemoveContainer " + c.name + " of pod " + state.uid);
  }
  for (const auto& s : state.sandboxes) {
    auto st = runtime_.RemovePodSandbox(s.id);
    if (!st.ok() && first.ok()) first = st.WithContext("RemovePodSandbox " + s.id.substr(0, 13) + " of pod " + state.uid);
  }
  if (first.ok()) first = TearDownPodDir(options_.root_dir, state.uid);
  return first;
}

void PodExecutor::PruneInitContainers(const api::Pod& pod, const PodRuntimeState& state, bool remove_all) {
  // Upstream pruneInitContainersBeforeStart / purgeInitContainers: keep the newest exited instance of each
  // init container (its status), or none when the sandbox is replaced.
  std::map<std::string, int> seen;
  for (const auto& c : state.containers) {
    if (!c.is_init || c.state != cri::ContainerState::kExited) continue;
    if (!remove_all && ++seen[c.name] == 1) continue;
    auto st = runtime_.RemoveContainer(c.id);
    if (!st.ok()) {
      Logger("kubelet")->warn("RemoveContainer init container {} of pod {}: {}", c.name, FormatPod(pod), st.message());
    }
  }
}

ContainerSyncResult PodExecutor::StartContainer(const api::Pod& pod, const PodRuntimeState& state,
                                                const api::Container& container, bool is_init,
                                                const std::string& sandbox_id,
                                                const cri::PodSandboxConfig& sandbox_config, const std::string& pod_ip,
                                                const std::map<std::string, std::string>& volumes,
                                                const std::vector<SecretObject>& pull_secrets) {
  const auto ref = ContainerRef(pod, container.name, is_init);
  // Upstream doBackOff: starting again after an exit counts towards the container's back-off.
  for (const auto& c : state.containers) {
    if (c.name == container.name && c.state == cri::ContainerState::kExited) {
      crash_backoff_.Next(BackoffKey(pod, container), c.finished_at);
      break;
    }
  }
  auto pulled = puller_.EnsureImage(pod, container, ref, sandbox_config, pull_secrets);
  if (!pulled.ok()) {
    events_.Event(ref, EventType::kWarning, "Failed", "Error: " + pulled.reason);
    return {container.name, pulled.reason, pulled.message};
  }
  const auto* previous = state.FindContainer(container.name);
  const int32_t restart_count =
      previous ? previous->restart_count + 1
               : RestartCountFromLogs(PodLogDirectory(options_.pod_logs_dir, pod) + "/" + container.name);
  // Upstream getImageUser: who the image runs as decides runAsNonRoot and the user a pod does not set.
  auto image = images_.ImageStatus(container.image);
  if (!image.ok()) {
    const auto message = "Failed to inspect image \"" + container.image + "\": " + image.status().message();
    events_.Event(ref, EventType::kWarning, "Failed", "Error: " + message);
    return {container.name, "CreateContainerConfigError", message};
  }
  auto config = BuildContainerConfig(pod, container, is_init, restart_count, pulled.image_ref, volumes,
                                     ImageUserOf(*image),
                                     SecurityOptions{options_.root_dir + "/seccomp", options_.seccomp_default});
  if (config.ok()) {
    if (auto st = AddTerminationMessageMount(options_.root_dir, pod, container, *config); !st.ok()) {
      Logger("kubelet")->error("pod {} container {}: {}", FormatPod(pod), container.name, st.message());  // as upstream
    }
    std::vector<std::string> ips = state.PodIPs();
    if (!pod_ip.empty() && (ips.empty() || ips.front() != pod_ip)) ips = {pod_ip};
    if (auto st = AddHostsMount(options_.root_dir, pod, container, ips, options_.dns.cluster_domain, *config); !st.ok()) {
      config = st;
    }
  }
  if (config.ok()) {
    // Env from its sources and $(VAR) in command and args (the spec's own values stay in the hash).
    auto env = ResolveEnvironment(pod, container, {pod_ip, options_.node_ip}, api_objects_, services_);
    if (!env.ok()) {
      config = env.status();
    } else {
      std::map<std::string, std::string> values;
      config->envs.clear();
      for (const auto& e : *env) {
        config->envs.push_back({e.name, e.value});
        values[e.name] = e.value;
      }
      for (auto& arg : config->command) arg = ExpandVariables(arg, values);
      for (auto& arg : config->args) arg = ExpandVariables(arg, values);
    }
  }
  if (!config.ok()) {
    events_.Event(ref, EventType::kWarning, "Failed", "Error: " + config.status().message());
    return {container.name, "CreateContainerConfigError", config.status().message()};
  }
  auto id = runtime_.CreateContainer(sandbox_id, *config, sandbox_config);
  if (!id.ok()) {
    events_.Event(ref, EventType::kWarning, "Failed", "Error: " + id.status().message());
    return {container.name, "CreateContainerError", "CreateContainer: " + id.status().message()};
  }
  events_.Event(ref, EventType::kNormal, "Created", "Created container " + container.name);
  if (auto st = runtime_.StartContainer(*id); !st.ok()) {
    events_.Event(ref, EventType::kWarning, "Failed", "Error: " + st.message());
    return {container.name, "RunContainerError", "StartContainer: " + st.message()};
  }
  events_.Event(ref, EventType::kNormal, "Started", "Started container " + container.name);
  if (container.lifecycle && container.lifecycle->post_start) {
    auto st = hooks_.Run(*id, pod_ip, container, *container.lifecycle->post_start,
                         std::chrono::seconds(pod.spec.termination_grace_period_seconds));
    if (!st.ok()) {
      events_.Event(ref, EventType::kWarning, "FailedPostStartHook", "PostStartHook failed: " + st.message());
      RuntimeContainer started;
      started.id = *id;
      started.name = container.name;
      started.state = cri::ContainerState::kRunning;
      started.is_init = is_init;
      std::string message = st.message();
      if (auto killed = KillContainer(&pod, started, pod_ip, "FailedPostStartHook", KillReason::kPodKilled, std::nullopt);
          !killed.ok()) {
        // As upstream, the container then keeps running: say why, in the log and in the sync result.
        Logger("kubelet")->error("killing container {} of pod {} after its postStart hook failed: {}", container.name,
                                 FormatPod(pod), killed.message());
        message += "; killing the container failed: " + killed.message();
      }
      return {container.name, "PostStartHookError", message};
    }
  }
  return {container.name, "", ""};
}

Status PodExecutor::ConfigureSandboxDns(const api::Pod& pod, bool record_events, cri::PodSandboxConfig& config) {
  // Upstream generatePodSandboxConfig: hostname (spec.hostname, setHostnameAsFQDN) and DNSConfig per dnsPolicy.
  auto hostname = SandboxHostname(pod, options_.dns.cluster_domain);
  if (!hostname.ok()) return hostname.status();
  config.hostname = *hostname;
  auto host = ReadHostResolvConf(options_.dns.resolv_conf);
  if (!host.ok()) return host.status();
  auto dns = BuildPodDns(pod, options_.dns, *host);
  if (record_events) {
    for (const auto& [reason, message] : dns.warnings) events_.Event(PodRef(pod), EventType::kWarning, reason, message);
  }
  config.dns_config = std::move(dns.config);
  return {};
}

SyncResult PodExecutor::SyncPod(const api::Pod& pod, const PodRuntimeState& state, const PodActions& actions) {
  SyncResult result;
  auto log = Logger("kubelet");
  auto fail = [&](Status st) {
    if (result.error.ok()) result.error = std::move(st);
  };
  for (const auto& b : actions.backoffs) {
    events_.Event(ContainerRef(pod, b.name, b.is_init), EventType::kWarning, "BackOff",
                  "Back-off restarting failed container " + b.name + " in pod " + FormatPod(pod));
    result.containers.push_back({b.name, "CrashLoopBackOff", b.message});
    if (!result.retry_at || b.until < *result.retry_at) result.retry_at = b.until;
  }

  if (actions.create_sandbox && !state.sandboxes.empty()) {
    events_.Event(PodRef(pod), EventType::kNormal, "SandboxChanged", "Pod sandbox changed, it will be killed and re-created.");
  }
  if (actions.kill_pod) {
    if (auto st = KillPod(&pod, state); !st.ok()) {
      fail(st);
      return result;
    }
    if (actions.create_sandbox) PruneInitContainers(pod, state, /*remove_all=*/true);
    if (!actions.create_sandbox) return result;
  } else {
    const auto ip = PodIP(state);
    for (const auto& k : actions.containers_to_kill) {
      const auto* c = std::find_if(state.containers.data(), state.containers.data() + state.containers.size(),
                                   [&](const RuntimeContainer& rc) { return rc.id == k.id; });
      if (c == state.containers.data() + state.containers.size()) continue;
      if (auto st = KillContainer(&pod, *c, ip, k.message, k.reason, std::nullopt); !st.ok()) {
        fail(st);
        return result;
      }
    }
  }
  if (actions.next_init_container) PruneInitContainers(pod, state, /*remove_all=*/false);

  const bool anything_to_start = actions.next_init_container || !actions.containers_to_start.empty();
  if (!anything_to_start && !actions.create_sandbox) return result;

  auto volumes = SetUpVolumes(options_.root_dir, pod, api_volumes_.get());
  if (!volumes.ok()) {
    events_.Event(PodRef(pod), EventType::kWarning, "FailedMount", volumes.status().message());
    fail(volumes.status().WithContext("pod " + FormatPod(pod)));
    return result;
  }

  std::string sandbox_id = actions.sandbox_id;
  std::string pod_ip = PodIP(state);
  auto sandbox_config = BuildSandboxConfig(pod, actions.attempt, options_.pod_logs_dir,
                                           options_.cgroup_parent ? options_.cgroup_parent(pod) : "");
  if (auto st = ConfigureSandboxDns(pod, actions.create_sandbox, sandbox_config); !st.ok()) {
    events_.Event(PodRef(pod), EventType::kWarning, "FailedCreatePodSandBox", "Failed to create pod sandbox: " + st.message());
    fail(st.WithContext("pod " + FormatPod(pod)));
    return result;
  }
  if (actions.create_sandbox) {
    // Upstream createPodSandbox makes the pod's log directory before asking the runtime for the sandbox.
    std::error_code ec;
    std::filesystem::create_directories(sandbox_config.log_directory, ec);
    if (ec) {
      const auto message = "Failed to create log directory for pod " + FormatPod(pod) + ": " + ec.message();
      events_.Event(PodRef(pod), EventType::kWarning, "FailedCreatePodSandBox", message);
      fail(Status::Error(message));
      return result;
    }
    for (const auto& m : UnenforcedSecurityFields(pod, options_.host_security)) {
      events_.Event(PodRef(pod), EventType::kWarning, "NotEnforced", m);
    }
    auto id = runtime_.RunPodSandbox(sandbox_config);
    if (!id.ok()) {
      events_.Event(PodRef(pod), EventType::kWarning, "FailedCreatePodSandBox",
                    "Failed to create pod sandbox: " + id.status().message());
      fail(id.status().WithContext("RunPodSandbox for pod " + FormatPod(pod)));
      return result;
    }
    sandbox_id = *id;
    auto status = runtime_.PodSandboxStatusOf(sandbox_id);
    if (!status.ok()) {
      fail(status.status().WithContext("PodSandboxStatus of pod " + FormatPod(pod)));
      return result;
    }
    pod_ip = status->ip;
    log->info("created sandbox {} (attempt {}) for pod {} with IP {}", sandbox_id.substr(0, 13), actions.attempt,
              FormatPod(pod), pod_ip.empty() ? "<host>" : pod_ip);
  }

  // Read once per sync, as upstream's getPullSecretsForPod; missing ones are a warning event, not a failure.
  const std::vector<SecretObject> pull_secrets = PullSecretsForPod(pod, api_objects_, events_);
  auto start = [&](const api::Container& c, bool is_init) {
    auto r = StartContainer(pod, state, c, is_init, sandbox_id, sandbox_config, pod_ip, *volumes, pull_secrets);
    if (!r.reason.empty()) {
      fail(Status::Error(r.reason + ": " + r.message).WithContext("start container " + c.name + " of pod " + FormatPod(pod)));
    }
    result.containers.push_back(std::move(r));
  };
  if (actions.next_init_container) {
    start(pod.spec.init_containers[*actions.next_init_container], true);
    return result;  // init containers run one at a time
  }
  for (size_t idx : actions.containers_to_start) start(pod.spec.containers[idx], false);
  return result;
}

}  // namespace kubenode::kubelet
