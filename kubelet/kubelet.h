// The kubelet facade the daemon wires: pod sources -> PodConfig -> pod workers (plan + execute through
// CRI) -> status manager, with a relist PLEG, probe result changes and back-off expiry waking workers,
// container GC and orphan cleanup. Thread-safe snapshot queries serve the CLI.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "cri/runtime_service.h"
#include "kubelet/cm/pod_container_manager.h"
#include "kubelet/admission/pod_admitter.h"
#include "kubelet/config/pod_config.h"
#include "kubelet/config/pod_source.h"
#include "kubelet/events/memory_event_recorder.h"
#include "kubelet/kubelet_metrics.h"
#include "kubelet/pleg/generic_pleg.h"
#include "kubelet/pod_workers.h"
#include "kubelet/prober/probe_manager.h"
#include "kubelet/runtime/executor.h"
#include "kubelet/runtime/sysctls.h"
#include "kubelet/status/status_builder.h"
#include "kubelet/status/status_manager.h"

namespace kubenode::kubelet {

struct KubeletConfig {
  std::string node_name;
  std::string node_ip;  // status.hostIP, and podIP of hostNetwork pods
  std::string pod_manifest_path = "/etc/kubernetes/manifests";  // empty: no file source
  std::string root_dir = "/var/lib/kubelet";
  std::string pod_logs_dir = "/var/log/pods";
  std::chrono::milliseconds file_check_frequency{20'000};
  // Upstream relists every 1 s. A relist here is two list RPCs on a steady node (pleg/generic_pleg.h):
  // ~1.4 ms of CPU (kubenode + containerd, 30 pods), so 200 ms notices a dead container within ~200 ms
  // for 0.7 % of a core (bench/pleg_relist_bench; the old relist took 26 ms, 2.6 % at 1 s).
  std::chrono::milliseconds pleg_relist_period{200};
  std::chrono::milliseconds sync_frequency{60'000};    // periodic resync of every pod
  std::chrono::milliseconds gc_period{60'000};
  std::chrono::seconds sync_error_retry{10};           // retry of a failed sync (upstream pod worker back-off)
  // Most pods syncing at once (a runner thread each while busy); 0: syncs run only inside SyncOnce() (tests).
  int pod_worker_threads = PodWorkers::kMaxConcurrentPods;
  bool seccomp_default = false;                      // KubeletConfiguration seccompDefault
  std::vector<std::string> allowed_unsafe_sysctls;   // KubeletConfiguration allowedUnsafeSysctls
  // Pod and QoS cgroups (upstream cgroupsPerQOS, cgroupRoot, cgroupDriver; kubelet/cm/). Off unless the
  // daemon turns it on (its KubeletConfiguration defaults to on), so that tests leave the host alone.
  bool cgroups_per_qos = false;
  std::string cgroup_root = "/";
  cm::CgroupDriver cgroup_driver = cm::CgroupDriver::kCgroupfs;
  std::string cgroupfs_mount = "/sys/fs/cgroup";
  // What admission checks pods against (allocatable, labels); unset: the node name and its labels, with
  // resources unbounded (tests).
  std::optional<admission::NodeFacts> node;
  DnsOptions dns;  // clusterDNS, clusterDomain, resolvConf
};

class Kubelet {
 public:
  // `hooks` may be null: lifecycle hooks then run through CRI ExecSync / plain HTTP. `cgroups` may be
  // null: with cgroups_per_qos the kubelet then writes cgroupfs under cgroupfs_mount.
  Kubelet(KubeletConfig config, cri::RuntimeService& runtime, cri::ImageService& images, const Clock& clock,
          ProbeManager& probes, MemoryEventRecorder& events, HookRunner* hooks = nullptr,
          cm::CgroupManager* cgroups = nullptr);
  ~Kubelet();

  // Receives every manifest file's objects (Services for the proxy). Set before Start().
  void SetManifestSink(ManifestSink sink) { manifest_sink_ = std::move(sink); }
  // Adds a pod source besides the manifest directory (e.g. an API server later). Before Start().
  void AddPodSource(std::unique_ptr<PodSource> source);
  // API-server mode: where API pods' ConfigMaps, Secrets and tokens come from. Before Start().
  void SetApiObjects(ApiObjects* objects) { executor_.SetApiObjects(objects); }
  void SetServiceLister(const ServiceLister* services) { executor_.SetServiceLister(services); }
  // Called with all pods and statuses whenever one changes (the proxy's endpoints). Before Start().
  void AddStatusListener(StatusManager::Listener listener) { status_.AddListener(std::move(listener)); }
  // Called once, from the kubelet's loop, when every source has listed its pods and each of those pods has a
  // status (after a restart: the adopted pods' state is known), or `timeout` after Start() if some pod takes
  // longer (e.g. an image pull). The proxy's endpoints count as listed only then. Before Start().
  void SetPodsReportedCallback(std::function<void()> callback, std::chrono::milliseconds timeout) {
    pods_reported_ = std::move(callback);
    pods_reported_timeout_ = timeout;
  }
  // Every source has listed its pods and each desired pod has a status.
  bool AllPodsReported() const;
  // Upstream's PLEG Healthy(): an error once the last successful relist is older than `threshold`
  // (relistThreshold, 3 min): the loop is stuck or the runtime has not answered for that long.
  Status Health(std::chrono::milliseconds threshold = std::chrono::minutes(3)) const;

  Status Start();
  // Stops the loop, the sources and the pod workers, then detaches from the ProbeManager (no result
  // callback into this object afterwards, none in flight) and stops the probe workers of its pods, so
  // that the ProbeManager may outlive the Kubelet. Pods keep running in the runtime.
  void Stop();

  // One pass of what the threads do: read the sources, relist (PLEG), run due and pending pod syncs,
  // clean up orphans and collect garbage. Deterministic with pod_worker_threads = 0.
  void SyncOnce();

  // Snapshots for the CLI, sorted by namespace and name.
  std::vector<PodWithStatus> Pods() const;
  std::optional<PodWithStatus> GetPod(const std::string& ns, const std::string& name) const;
  std::vector<RecordedEvent> Events() const { return events_.List(); }
  std::vector<RecordedEvent> EventsFor(const std::string& ns, const std::string& name) const {
    return events_.ListFor("Pod", ns, name);
  }
  const KubeletConfig& config() const { return config_; }

 private:
  void OnPodUpdate(const PodUpdate& update);
  // A source's snapshot: into PodConfig, then the source counts as listed (after desired_ has its pods).
  void Deliver(const std::string& source, std::vector<api::Pod> pods);
  bool SourcesReadyLocked() const;  // requires mu_
  // What the pod workers run: SyncPodOnce, with an exception logged and the pod's sync retried later.
  void SyncPod(const std::string& uid);
  void SyncPodOnce(const std::string& uid);
  void TerminatePod(const std::string& uid, const std::optional<api::Pod>& last);
  void Housekeeping(bool run_gc);
  // Logs and records (once per outage) that relists fail or succeed again.
  void NoteRuntimeHealth(const Status& relist);
  void Loop();
  void LoopOnce();
  ProbeLookup Probes() const;
  // Admits a pod a source adds (or a refused pod whose spec changed); true: drop its old Failed status. Requires mu_.
  bool AdmitLocked(const api::Pod& pod);
  // A pod refused at admission or past its active deadline: nothing runs, its status is Failed.
  void SyncFailedPod(const api::Pod& pod, const PodRuntimeState& state, const admission::Verdict& verdict);

  KubeletConfig config_;
  cri::RuntimeService& runtime_;
  cri::ImageService& images_;
  const Clock& clock_;
  ProbeManager& probes_;
  MemoryEventRecorder& events_;
  std::unique_ptr<HookRunner> own_hooks_;
  std::unique_ptr<cm::CgroupManager> own_cgroups_;
  std::unique_ptr<cm::PodContainerManager> pod_cgroups_;  // null without cgroups_per_qos
  Backoff crash_backoff_;
  Backoff image_backoff_;
  PodExecutor executor_;
  admission::PodAdmitter admitter_;
  StatusManager status_;
  GenericPleg pleg_;
  KubeletMetrics metrics_;  // in the process-wide registry, as upstream's legacy registry
  PodConfig pod_config_;
  ManifestSink manifest_sink_;
  std::vector<std::unique_ptr<PodSource>> sources_;
  std::set<std::string> source_names_;

  mutable std::mutex mu_;
  std::map<std::string, api::Pod> desired_;     // uid -> pod from the sources
  std::map<std::string, api::Pod> removed_;     // uid -> last spec of a pod being terminated
  std::set<std::string> orphans_logged_;  // orphans whose removal was logged, while they are in the runtime
  std::map<std::string, ReasonMap> reasons_;    // uid -> container -> last sync error
  std::map<std::string, std::chrono::system_clock::time_point> wake_at_;  // uid -> next sync due
  std::set<std::string> listed_sources_;  // sources whose first snapshot reached desired_
  // Pods of no source seen before every source had listed: killed, if still unknown, once all have.
  std::set<std::string> deferred_kills_;

  // Since when relists fail (the container runtime is down); Housekeeping only (one thread at a time).
  std::optional<std::chrono::steady_clock::time_point> runtime_down_since_;

  PodWorkers workers_;
  std::thread loop_;
  std::mutex loop_mu_;
  std::condition_variable loop_cv_;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point last_gc_{};
  std::function<void()> pods_reported_;  // reset once called
  std::chrono::milliseconds pods_reported_timeout_{0};
  std::chrono::steady_clock::time_point started_{};
  std::atomic<std::chrono::steady_clock::rep> last_relist_ok_{0};  // steady_clock ticks
  // Pod admission of sysctls (an error here fails Start(), as a bad allowedUnsafeSysctls fails upstream).
  Result<SysctlAllowlist> sysctls_;
  // Upstream canAdmitPod/rejectPod for a pod not yet in the runtime: Failed with the reason, an event.
  bool RejectIfNotAdmitted(const api::Pod& pod, const PodRuntimeState& state);
};

}  // namespace kubenode::kubelet
