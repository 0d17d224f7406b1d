#include "kubelet/kubelet.h"

#include <algorithm>

#include "base/log.h"
#include "kubelet/admission/active_deadline.h"
#include "kubelet/config/manifest_source.h"
#include "kubelet/gc/container_gc.h"
#include "kubelet/runtime/container_resources.h"
#include "kubelet/runtime/pod_logs.h"
#include "kubelet/runtime/volumes.h"

namespace kubenode::kubelet {

using namespace std::chrono_literals;

namespace {

// "850ms", "4.5s", "2m5s": how long an outage lasted, readable in a log line.
std::string FormatOutage(std::chrono::steady_clock::duration d) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  if (ms < 1000) return std::to_string(ms) + "ms";
  if (ms < 60'000) {
    const auto tenths = (ms + 50) / 100;
    return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + "s";
  }
  const auto secs = ms / 1000;
  if (secs < 3600) return std::to_string(secs / 60) + "m" + std::to_string(secs % 60) + "s";
  return std::to_string(secs / 3600) + "h" + std::to_string(secs % 3600 / 60) + "m" + std::to_string(secs % 60) + "s";
}

}  // namespace

Kubelet::Kubelet(KubeletConfig config, cri::RuntimeService& runtime, cri::ImageService& images, const Clock& clock,
                 ProbeManager& probes, MemoryEventRecorder& events, HookRunner* hooks, cm::CgroupManager* cgroups)
    : config_(std::move(config)),
      runtime_(runtime),
      images_(images),
      clock_(clock),
      probes_(probes),
      events_(events),
      own_hooks_(hooks ? nullptr : std::make_unique<CriHookRunner>(runtime)),
      crash_backoff_(clock, 10s, 300s),  // upstream backOffPeriod, MaxContainerBackOff
      image_backoff_(clock, 10s, 300s),
      executor_(runtime, images, events, hooks ? *hooks : *own_hooks_, clock, crash_backoff_, image_backoff_,
                ExecutorOptions{config_.root_dir, config_.pod_logs_dir, config_.seccomp_default, DetectHostSecurity(),
                                [this](const api::Pod& pod) { return pod_cgroups_ ? pod_cgroups_->CgroupParent(pod) : ""; },
                                config_.dns, config_.node_ip}),
      admitter_(config_.node ? *config_.node : admission::UnboundedNode(config_.node_name), events),
      pod_config_(clock, [this](const PodUpdate& u) { OnPodUpdate(u); }),
      workers_([this](const std::string& uid) { SyncPod(uid); }, config_.pod_worker_threads),
      sysctls_(SysctlAllowlist::Create(config_.allowed_unsafe_sysctls)) {
  if (config_.cgroups_per_qos) {
    if (cgroups == nullptr) {
      own_cgroups_ = cm::NewCgroupfsManager(config_.cgroupfs_mount, config_.cgroup_driver);
      cgroups = own_cgroups_.get();
    }
    const auto& machine = HostMachineInfo();
    pod_cgroups_ = std::make_unique<cm::PodContainerManager>(*cgroups, config_.cgroup_root,
                                                             cm::NodeAllocatable{machine.milli_cpu, machine.memory_capacity});
  }
  // Captures `this`: Stop() removes it again before anything it reaches is destroyed.
  probes_.SetOnResultChange([this](const std::string& uid) { workers_.Enqueue(uid); });
}

Kubelet::~Kubelet() { Stop(); }

void Kubelet::AddPodSource(std::unique_ptr<PodSource> source) {
  source_names_.insert(source->Name());
  sources_.push_back(std::move(source));
}

void Kubelet::Deliver(const std::string& source, std::vector<api::Pod> pods) {
  pod_config_.SetPods(source, std::move(pods));  // OnPodUpdate has updated desired_ when this returns
  std::lock_guard lock(mu_);
  listed_sources_.insert(source);
}

bool Kubelet::SourcesReadyLocked() const {
  return std::includes(listed_sources_.begin(), listed_sources_.end(), source_names_.begin(), source_names_.end());
}

ProbeLookup Kubelet::Probes() const {
  return [this](ProbeType type, const std::string& id) { return probes_.Get(type, id); };
}

void Kubelet::OnPodUpdate(const PodUpdate& update) {
  auto log = Logger("kubelet");
  std::vector<std::string> uids;
  std::vector<std::string> readmitted;  // refused pods admitted after an edit: their Failed status goes
  {
    std::lock_guard lock(mu_);
    for (const auto& pod : update.pods) {
      const auto& uid = pod.metadata.uid;
      switch (update.op) {
        case PodOperation::kAdd:
        case PodOperation::kUpdate:
          log->info("{} pod {} from source {}", update.op == PodOperation::kAdd ? "ADD" : "UPDATE", FormatPod(pod),
                    update.source);
          if (AdmitLocked(pod)) readmitted.push_back(uid);
          metrics_.PodSeen(uid, clock_.Now());
          desired_[uid] = pod;
          removed_.erase(uid);
          break;
        case PodOperation::kRemove:
          log->info("REMOVE pod {} from source {}", FormatPod(pod), update.source);
          desired_.erase(uid);
          metrics_.PodRemoved(uid);
          removed_[uid] = pod;
          break;
      }
      uids.push_back(uid);
    }
  }
  for (const auto& uid : readmitted) status_.Remove(uid);
  for (const auto& uid : uids) workers_.Enqueue(uid);
}

void Kubelet::TerminatePod(const std::string& uid, const std::optional<api::Pod>& last) {
  auto log = Logger("kubelet");
  if (last) {
    if (auto current = status_.Get(uid)) status_.SetStatus(current->pod, current->status, /*terminating=*/true);
  }
  auto state = GetPodRuntimeState(runtime_, uid);
  Status st = state.status();
  if (st.ok() && !state->empty()) {
    st = executor_.KillPod(last ? &*last : nullptr, *state);
    if (st.ok()) {
      state = GetPodRuntimeState(runtime_, uid);
      if (state.ok() && last) {
        // Upstream's last status of a stopped pod (containers terminated, not ready), before the pod leaves the
        // status manager: an API pod's is PATCHed before its DELETE.
        const auto previous = status_.Get(uid);
        const ReasonMap no_reasons;
        status_.SetStatus(*last,
                          BuildPodStatus({*last, *state, no_reasons, nullptr, config_.node_ip, clock_.WallNow(),
                                          previous ? &previous->status : nullptr}),
                          /*terminating=*/true);
      }
      st = state.ok() ? executor_.RemovePod(*state) : state.status();
    }
  } else if (st.ok()) {
    st = TearDownPodDir(config_.root_dir, uid);
  }
  if (st.ok()) st = RemovePodLogs(config_.pod_logs_dir, uid);
  if (st.ok() && pod_cgroups_) {
    if (auto cg = pod_cgroups_->Destroy(uid); !cg.ok()) log->warn("removing the cgroup of pod {}: {}", uid, cg.message());
  }
  if (!st.ok()) {
    log->error("terminating pod {}: {}", last ? FormatPod(*last) : uid, st.message());
    std::lock_guard lock(mu_);
    wake_at_[uid] = clock_.WallNow() + config_.sync_error_retry;
    return;
  }
  log->info("pod {} terminated and removed", last ? FormatPod(*last) : uid);
  admitter_.Forget(uid);
  probes_.RemovePod(uid);
  status_.Remove(uid);
  if (last) {
    crash_backoff_.ForgetPrefix(BackoffKeyPrefix(*last));
    image_backoff_.ForgetPrefix(uid + "_");
  }
  std::lock_guard lock(mu_);
  removed_.erase(uid);
  reasons_.erase(uid);
  wake_at_.erase(uid);
}

void Kubelet::SyncPod(const std::string& uid) {
  // Pod workers call this. An exception (a bug, or a library throwing) must neither end their thread nor
  // drop the pod's wake-up (SyncPodOnce erased it): it is retried like a failed sync.
  std::string what;
  try {
    SyncPodOnce(uid);
    return;
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
    what = "unknown exception";
  }
  std::lock_guard lock(mu_);
  std::string name = uid;
  if (auto it = desired_.find(uid); it != desired_.end()) name = FormatPod(it->second);
  Logger("kubelet")->error("sync pod {}: exception: {}; retrying in {}s", name, what, config_.sync_error_retry.count());
  wake_at_[uid] = clock_.WallNow() + config_.sync_error_retry;
}

void Kubelet::SyncPodOnce(const std::string& uid) {
  std::optional<api::Pod> pod;
  std::optional<api::Pod> removed;
  ReasonMap reasons;
  bool sources_ready = false;
  {
    std::lock_guard lock(mu_);
    if (auto it = desired_.find(uid); it != desired_.end()) pod = it->second;
    if (auto it = removed_.find(uid); it != removed_.end()) removed = it->second;
    reasons = reasons_[uid];
    wake_at_.erase(uid);
    sources_ready = SourcesReadyLocked();
    // A source that has not listed yet may still claim this pod: kill nothing before every source listed.
    if (!pod && !sources_ready) deferred_kills_.insert(uid);
  }
  if (!pod) {
    if (sources_ready) TerminatePod(uid, removed);
    return;
  }
  auto log = Logger("kubelet");
  auto state = GetPodRuntimeState(runtime_, uid);
  if (!state.ok()) {
    log->error("sync pod {}: {}", FormatPod(*pod), state.status().message());
    std::lock_guard lock(mu_);
    wake_at_[uid] = clock_.WallNow() + config_.sync_error_retry;
    return;
  }
  if (RejectIfNotAdmitted(*pod, *state)) return;
  if (const auto current = status_.Get(uid);
      auto verdict = admitter_.Check(*pod, current ? &current->status : nullptr, clock_.WallNow())) {
    SyncFailedPod(*pod, *state, *verdict);
    return;
  }
  const auto actions = ComputePodActions({*pod, *state, crash_backoff_, Probes()});
  SyncResult result;
  if (pod_cgroups_) {
    // Upstream SyncPod: the pod's cgroup exists, with its settings, before its sandbox or containers start.
    if (auto st = pod_cgroups_->EnsureExists(*pod); !st.ok()) {
      log->error("sync pod {}: {}", FormatPod(*pod), st.message());
      events_.Event(PodRef(*pod), EventType::kWarning, "FailedCreatePodContainer",
                    "unable to ensure pod container exists: " + st.message());
      if (actions.create_sandbox || actions.next_init_container || !actions.containers_to_start.empty()) {
        result.error = st;
        result.containers.clear();
      }
    }
  }
  if (!actions.Empty() && result.error.ok()) {
    result = executor_.SyncPod(*pod, *state, actions);
    for (const auto& c : result.containers) {
      if (c.reason.empty()) {
        reasons.erase(c.name);
      } else {
        reasons[c.name] = {c.reason, c.message};
      }
    }
    if (!result.error.ok()) {
      log->error("sync pod {}: {}", FormatPod(*pod), result.error.message());
      events_.Event(PodRef(*pod), EventType::kWarning, "FailedSync", "error determining status: " + result.error.message());
    }
    auto after = GetPodRuntimeState(runtime_, uid);
    if (after.ok()) state = std::move(after);
  }
  const auto previous = status_.Get(uid);
  auto status = BuildPodStatus({*pod, *state, reasons, Probes(), config_.node_ip, clock_.WallNow(),
                                previous ? &previous->status : nullptr});
  status_.SetStatus(*pod, status);
  metrics_.PodStatus(uid, status.phase == api::PodPhase::kRunning, clock_.Now());

  std::map<std::string, std::string> running;
  for (const auto& c : state->containers) {
    if (c.state == cri::ContainerState::kRunning && !running.contains(c.name)) running[c.name] = c.id;
  }
  probes_.SyncPod(*pod, status.pod_ip, running);

  std::lock_guard lock(mu_);
  if (!desired_.contains(uid)) return;  // removed meanwhile: the REMOVE enqueued another sync
  reasons_[uid] = std::move(reasons);
  std::optional<std::chrono::system_clock::time_point> wake;
  if (result.retry_at) wake = *result.retry_at;
  if (!result.error.ok()) {
    const auto retry = clock_.WallNow() + config_.sync_error_retry;
    if (!wake || retry < *wake) wake = retry;
  }
  if (auto deadline = admission::ActiveDeadline(*pod, &status); deadline && (!wake || *deadline < *wake)) wake = *deadline;
  wake_at_[uid] = wake.value_or(clock_.WallNow() + config_.sync_frequency);
}

bool Kubelet::AdmitLocked(const api::Pod& pod) {
  // Upstream HandlePodAdditions: a new pod is admitted against the active pods (admitted, not terminal).
  const auto& uid = pod.metadata.uid;
  std::vector<const api::Pod*> active;
  for (const auto& [other_uid, other] : desired_) {
    if (other_uid == uid || admitter_.Rejected(other_uid)) continue;
    if (auto st = status_.Get(other_uid);
        st && (st->status.phase == api::PodPhase::kSucceeded || st->status.phase == api::PodPhase::kFailed)) {
      continue;
    }
    active.push_back(&other);
  }
  auto previous = desired_.find(uid);
  return admitter_.OnPod(pod, previous == desired_.end() ? nullptr : &previous->second, active);
}

void Kubelet::SyncFailedPod(const api::Pod& pod, const PodRuntimeState& state, const admission::Verdict& verdict) {
  // Upstream: a rejected pod never reaches the runtime; a pod past its deadline is killed (containers and
  // sandbox) and not restarted.
  PodRuntimeState now = state;
  if (std::any_of(state.containers.begin(), state.containers.end(),
                  [](const auto& c) { return c.state == cri::ContainerState::kRunning; }) ||
      std::any_of(state.sandboxes.begin(), state.sandboxes.end(),
                  [](const auto& s) { return s.state == cri::SandboxState::kReady; })) {
    if (auto st = executor_.KillPod(&pod, state); !st.ok()) {
      Logger("kubelet")->error("killing failed pod {}: {}", FormatPod(pod), st.message());
    }
    if (auto after = GetPodRuntimeState(runtime_, pod.metadata.uid); after.ok()) now = std::move(*after);
  }
  const auto previous = status_.Get(pod.metadata.uid);
  api::PodStatus status;
  if (!verdict.rejected) {
    ReasonMap reasons;
    status = BuildPodStatus({pod, now, reasons, nullptr, config_.node_ip, clock_.WallNow(),
                             previous ? &previous->status : nullptr});
  }
  status.phase = api::PodPhase::kFailed;
  status.reason = verdict.reason;
  status.message = verdict.message;
  status_.SetStatus(pod, status);
  probes_.SyncPod(pod, "", {});
  std::lock_guard lock(mu_);
  if (desired_.contains(pod.metadata.uid)) wake_at_[pod.metadata.uid] = clock_.WallNow() + config_.sync_frequency;
}

void Kubelet::Housekeeping(bool run_gc) {
  auto log = Logger("kubelet");
  std::set<std::string> due;
  const auto relist_start = std::chrono::steady_clock::now();
  auto events = pleg_.Relist(runtime_);
  metrics_.ObserveRelist(relist_start, std::chrono::steady_clock::now() - relist_start);
  NoteRuntimeHealth(events.status());
  if (events.ok()) {
    last_relist_ok_ = std::chrono::steady_clock::now().time_since_epoch().count();
    for (const auto& e : *events) due.insert(e.pod_uid);
  }
  const auto runtime_pods = pleg_.LastState();
  if (events.ok()) metrics_.SetRuntimeState(runtime_pods);
  std::map<std::string, PodRuntimeState> desired_state;
  {
    std::lock_guard lock(mu_);
    const bool sources_ready = SourcesReadyLocked();
    if (sources_ready) {
      due.insert(deferred_kills_.begin(), deferred_kills_.end());
      deferred_kills_.clear();
    }
    const auto now = clock_.WallNow();
    for (const auto& [uid, at] : wake_at_) {
      if (at <= now) due.insert(uid);
    }
    for (const auto& [uid, state] : runtime_pods) {
      if (desired_.contains(uid)) {
        desired_state[uid] = state;
      } else if (sources_ready && !removed_.contains(uid)) {
        // Belongs to no pod of any source (e.g. its manifest was removed while the kubelet was down). Said once:
        // removal may take its whole grace period, over many relists.
        if (orphans_logged_.insert(uid).second) {
          log->info("removing orphaned pod {} ({}/{}) from the runtime", uid, state.ns, state.name);
        }
        due.insert(uid);
      }
    }
    std::erase_if(orphans_logged_, [&](const std::string& uid) { return !runtime_pods.contains(uid); });
  }
  for (const auto& uid : due) workers_.Enqueue(uid);
  if (run_gc) {
    if (pod_cgroups_) pod_cgroups_->RetryDestroy();
    if (auto st = CollectGarbage(runtime_, desired_state); !st.ok()) log->warn("container GC: {}", st.message());
    crash_backoff_.GC();
    image_backoff_.GC();
  }
}

void Kubelet::NoteRuntimeHealth(const Status& relist) {
  auto log = Logger("kubelet");
  const EventObject node{"Node", "", config_.node_name, config_.node_name, ""};
  if (!relist.ok()) {
    if (runtime_down_since_) {
      log->debug("{}", relist.message());  // said once when the outage began
      return;
    }
    runtime_down_since_ = clock_.Now();
    // Pod statuses keep their last known state meanwhile: nothing is known about the containers.
    log->warn("container runtime is down: {}", relist.message());
    events_.Event(node, EventType::kWarning, "ContainerRuntimeUnhealthy", "container runtime is down: " + relist.message());
    return;
  }
  if (!runtime_down_since_) return;
  const auto outage = FormatOutage(clock_.Now() - *runtime_down_since_);
  runtime_down_since_.reset();
  log->info("container runtime is back after {}", outage);
  events_.Event(node, EventType::kNormal, "ContainerRuntimeHealthy", "container runtime is back after " + outage);
}

void Kubelet::SyncOnce() {
  for (auto& s : sources_) {
    s->SyncNow([this](const std::string& source, std::vector<api::Pod> pods) { Deliver(source, std::move(pods)); });
  }
  Housekeeping(/*run_gc=*/false);
  workers_.RunPending();
  if (config_.pod_worker_threads > 0) workers_.WaitIdle();
  // GC after the syncs, against a fresh view of the runtime.
  auto pods = ListPodRuntimeStates(runtime_);
  if (pods.ok()) {
    std::map<std::string, PodRuntimeState> desired_state;
    {
      std::lock_guard lock(mu_);
      for (auto& [uid, state] : *pods) {
        if (desired_.contains(uid)) desired_state[uid] = std::move(state);
      }
    }
    if (auto st = CollectGarbage(runtime_, desired_state); !st.ok()) Logger("kubelet")->warn("container GC: {}", st.message());
  }
}

Status Kubelet::Start() {
  if (!sysctls_.ok()) return sysctls_.status().WithContext("allowedUnsafeSysctls");
  if (!config_.pod_manifest_path.empty()) {
    AddPodSource(std::make_unique<ManifestDirectorySource>(config_.pod_manifest_path, config_.node_name,
                                                           config_.file_check_frequency, events_, manifest_sink_));
  }
  auto version = runtime_.Version();
  if (!version.ok()) return version.status().WithContext("CRI Version");
  Logger("kubelet")->info("container runtime {} {} (CRI {})", version->runtime_name, version->runtime_version,
                          version->runtime_api_version);
  for (auto& s : sources_) {
    auto st = s->Start([this](const std::string& source, std::vector<api::Pod> pods) { Deliver(source, std::move(pods)); });
    if (!st.ok()) return st.WithContext("start pod source " + s->Name());
  }
  metrics_.SetNodeName(config_.node_name);
  started_ = std::chrono::steady_clock::now();
  last_relist_ok_ = started_.time_since_epoch().count();
  loop_ = std::thread([this] { Loop(); });
  return {};
}

bool Kubelet::AllPodsReported() const {
  std::vector<std::string> uids;
  {
    std::lock_guard lock(mu_);
    if (!SourcesReadyLocked()) return false;
    for (const auto& [uid, pod] : desired_) uids.push_back(uid);
  }
  return std::all_of(uids.begin(), uids.end(), [this](const std::string& uid) { return status_.Get(uid).has_value(); });
}

Status Kubelet::Health(std::chrono::milliseconds threshold) const {
  const auto last = std::chrono::steady_clock::time_point(std::chrono::steady_clock::duration(last_relist_ok_.load()));
  const auto elapsed = std::chrono::steady_clock::now() - last;
  if (elapsed <= threshold) return {};
  const auto ago = std::chrono::duration_cast<std::chrono::seconds>(elapsed);
  return Status::Error("PLEG is not healthy: pleg was last seen active " + std::to_string(ago.count()) +
                       "s ago; threshold is " + std::to_string(std::chrono::duration_cast<std::chrono::seconds>(threshold).count()) + "s");
}

void Kubelet::Loop() {
  // The PLEG relist period drives everything else: due wake-ups (back-off expiry, resync) and, less
  // often, garbage collection. Real time here: this thread is the daemon's heartbeat, so an exception in
  // one pass is logged and the next pass runs as usual.
  for (;;) {
    {
      std::unique_lock lock(loop_mu_);
      if (loop_cv_.wait_for(lock, config_.pleg_relist_period, [&] { return stopping_; })) return;
    }
    try {
      LoopOnce();
    } catch (const std::exception& e) {
      Logger("kubelet")->error("kubelet loop: exception: {}; continuing", e.what());
    } catch (...) {
      Logger("kubelet")->error("kubelet loop: unknown exception; continuing");
    }
  }
}

void Kubelet::LoopOnce() {
  const auto now = std::chrono::steady_clock::now();
  const bool gc = now - last_gc_ >= config_.gc_period;
  if (gc) last_gc_ = now;
  Housekeeping(gc);
  if (config_.pod_worker_threads == 0) workers_.RunPending();
  if (pods_reported_) {
    const bool all = AllPodsReported();
    if (all || now - started_ >= pods_reported_timeout_) {
      if (!all) Logger("kubelet")->warn("not every pod has a status yet; reporting pods as listed anyway");
      auto callback = std::move(pods_reported_);
      pods_reported_ = nullptr;
      callback();
    }
  }
}

void Kubelet::Stop() {
  {
    std::lock_guard lock(loop_mu_);
    stopping_ = true;
    loop_cv_.notify_all();
  }
  if (loop_.joinable()) loop_.join();
  for (auto& s : sources_) s->Stop();
  // Probe workers outlive this object in the daemon (the ProbeManager is destroyed after it): detach
  // first -- this waits for a callback in flight -- then, with no sync left to start probes again, stop
  // the probe workers of every pod this kubelet gave to the ProbeManager.
  probes_.SetOnResultChange(nullptr);
  workers_.Stop();
  std::set<std::string> uids;
  for (const auto& p : status_.List()) uids.insert(p.pod.metadata.uid);
  {
    std::lock_guard lock(mu_);
    for (const auto& [uid, pod] : desired_) uids.insert(uid);
  }
  for (const auto& uid : uids) probes_.RemovePod(uid);
}

std::vector<PodWithStatus> Kubelet::Pods() const {
  auto pods = status_.List();
  std::sort(pods.begin(), pods.end(), [](const auto& a, const auto& b) {
    return std::tie(a.pod.metadata.ns, a.pod.metadata.name) < std::tie(b.pod.metadata.ns, b.pod.metadata.name);
  });
  return pods;
}

std::optional<PodWithStatus> Kubelet::GetPod(const std::string& ns, const std::string& name) const {
  for (auto& p : status_.List()) {
    if (p.pod.metadata.ns == ns && p.pod.metadata.name == name) return p;
  }
  return std::nullopt;
}

bool Kubelet::RejectIfNotAdmitted(const api::Pod& pod, const PodRuntimeState& state) {
  // Upstream admits a pod once, when it arrives; a pod already running (adopted after a restart) stays.
  if (!state.empty() || !sysctls_.ok()) return false;
  const auto result = sysctls_->Admit(pod);
  if (result.admit) return false;
  const auto previous = status_.Get(pod.metadata.uid);
  if (!previous || previous->status.phase != api::PodPhase::kFailed || previous->status.reason != result.reason) {
    Logger("kubelet")->warn("pod {} rejected: {}: {}", FormatPod(pod), result.reason, result.message);
    events_.Event(PodRef(pod), EventType::kWarning, result.reason, result.message);
  }
  api::PodStatus status;
  status.phase = api::PodPhase::kFailed;
  status.reason = result.reason;
  status.message = "Pod was rejected: " + result.message;
  status.host_ip = config_.node_ip;
  status_.SetStatus(pod, status);
  return true;
}

}  // namespace kubenode::kubelet
