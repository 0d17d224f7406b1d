#include "kubelet/prober/probe_manager_impl.h"

#include <vector>

#include "kubelet/prober/container_prober.h"

namespace kubenode::kubelet {

namespace {

constexpr ProbeType kTypes[] = {ProbeType::kStartup, ProbeType::kReadiness, ProbeType::kLiveness};

void StopAll(std::vector<std::unique_ptr<prober::Worker>>& workers) {
  for (auto& worker : workers) worker->Stop();
  workers.clear();
}

}  // namespace

ProbeManagerImpl::ProbeManagerImpl(cri::RuntimeService& runtime, EventRecorder& recorder, const Clock& clock,
                                   ProbeManagerOptions options)
    : ProbeManagerImpl(std::make_unique<prober::ContainerProber>(runtime, recorder), clock, options) {}

ProbeManagerImpl::ProbeManagerImpl(std::unique_ptr<prober::Prober> prober, const Clock& clock,
                                   ProbeManagerOptions options)
    : prober_(std::move(prober)), clock_(clock), options_(options) {}

ProbeManagerImpl::~ProbeManagerImpl() {
  std::vector<std::unique_ptr<prober::Worker>> stopping;
  {
    std::lock_guard lock(mu_);
    for (auto& [uid, workers] : pods_) {
      for (auto& [key, worker] : workers) stopping.push_back(std::move(worker));
    }
    pods_.clear();
  }
  StopAll(stopping);
}

prober::ResultsCache& ProbeManagerImpl::Cache(ProbeType type) {
  switch (type) {
    case ProbeType::kLiveness:
      return liveness_;
    case ProbeType::kReadiness:
      return readiness_;
    case ProbeType::kStartup:
      break;
  }
  return startup_;
}

const prober::ResultsCache& ProbeManagerImpl::Cache(ProbeType type) const {
  return const_cast<ProbeManagerImpl*>(this)->Cache(type);
}

void ProbeManagerImpl::SyncPod(const api::Pod& pod, const std::string& pod_ip,
                               const std::map<std::string, std::string>& running) {
  const std::string& uid = pod.metadata.uid;

  // 1. Take out workers whose container or probe is gone or changed, and stop them unlocked.
  std::vector<std::unique_ptr<prober::Worker>> stopping;
  {
    std::lock_guard lock(mu_);
    auto pod_it = pods_.find(uid);
    if (pod_it != pods_.end()) {
      PodWorkers& workers = pod_it->second;
      for (auto it = workers.begin(); it != workers.end();) {
        const auto& [name, type] = it->first;
        const api::Probe* wanted = nullptr;
        for (const api::Container& c : pod.spec.containers) {
          if (c.name == name) wanted = prober::ProbeSpec(type, c);
        }
        if (wanted == nullptr || !(*wanted == it->second->spec())) {
          stopping.push_back(std::move(it->second));
          it = workers.erase(it);
        } else {
          ++it;
        }
      }
    }
  }
  StopAll(stopping);

  // 2. Create missing workers, tell every worker about its container, start the new ones.
  std::lock_guard lock(mu_);
  PodWorkers& workers = pods_[uid];
  for (const api::Container& container : pod.spec.containers) {
    auto running_it = running.find(container.name);
    const std::string container_id = running_it == running.end() ? "" : running_it->second;
    for (ProbeType type : kTypes) {
      if (prober::ProbeSpec(type, container) == nullptr) continue;
      std::unique_ptr<prober::Worker>& worker = workers[{container.name, type}];
      bool created = false;
      if (!worker) {
        prober::WorkerEnv env{*prober_, Cache(type), startup_, clock_, options_.second,
                              [this, uid, name = container.name, type] { OnResultChange(uid, name, type); }};
        worker = std::make_unique<prober::Worker>(type, pod, container, std::move(env));
        created = true;
      }
      worker->Update(container_id, pod_ip);
      if (created) worker->Start();
    }
  }
  if (workers.empty()) pods_.erase(uid);
}

void ProbeManagerImpl::RemovePod(const std::string& pod_uid) {
  std::vector<std::unique_ptr<prober::Worker>> stopping;
  {
    std::lock_guard lock(mu_);
    auto it = pods_.find(pod_uid);
    if (it == pods_.end()) return;
    for (auto& [key, worker] : it->second) stopping.push_back(std::move(worker));
    pods_.erase(it);
  }
  StopAll(stopping);
}

ProbeResult ProbeManagerImpl::Get(ProbeType type, const std::string& container_id) const {
  return Cache(type).Get(container_id).value_or(ProbeResult::kSuccess);
}

void ProbeManagerImpl::SetOnResultChange(std::function<void(const std::string& pod_uid)> callback) {
  std::unique_lock lock(callback_mu_);
  callback_ = std::move(callback);
  // The owner of the old callback may be destroyed right after this returns: wait for calls in flight.
  callback_idle_.wait(lock, [this] { return callbacks_running_ == 0; });
}

size_t ProbeManagerImpl::WorkerCount() const {
  std::lock_guard lock(mu_);
  size_t count = 0;
  for (const auto& [uid, workers] : pods_) count += workers.size();
  return count;
}

void ProbeManagerImpl::OnResultChange(const std::string& pod_uid, const std::string& container_name,
                                      ProbeType type) {
  if (type == ProbeType::kStartup) {
    // Started (or failed): let liveness and readiness take over at once rather than after a period.
    std::lock_guard lock(mu_);
    auto pod_it = pods_.find(pod_uid);
    if (pod_it != pods_.end()) {
      for (ProbeType other : {ProbeType::kReadiness, ProbeType::kLiveness}) {
        auto it = pod_it->second.find({container_name, other});
        if (it != pod_it->second.end()) it->second->Trigger();
      }
    }
  }
  std::function<void(const std::string&)> callback;
  {
    std::lock_guard lock(callback_mu_);
    if (!callback_) return;
    callback = callback_;
    ++callbacks_running_;
  }
  // Called without the lock (it may take others); counted so that SetOnResultChange can wait for it.
  struct Done {
    ProbeManagerImpl* self;
    ~Done() {
      {
        std::lock_guard lock(self->callback_mu_);
        --self->callbacks_running_;
      }
      self->callback_idle_.notify_all();
    }
  } done{this};
  callback(pod_uid);
}

}  // namespace kubenode::kubelet
