#include "kubelet/prober/worker.h"

#include <algorithm>
#include <exception>

#include "base/log.h"

namespace kubenode::kubelet::prober {

Worker::Worker(ProbeType type, api::Pod pod, api::Container container, WorkerEnv env)
    : type_(type),
      pod_(std::move(pod)),
      container_(std::move(container)),
      spec_(*ProbeSpec(type, container_)),
      env_(std::move(env)) {}

Worker::~Worker() { Stop(); }

ProbeResult Worker::InitialResult() const {
  switch (type_) {
    case ProbeType::kLiveness:
      return ProbeResult::kSuccess;
    case ProbeType::kReadiness:
      return ProbeResult::kFailure;
    case ProbeType::kStartup:
      return ProbeResult::kUnknown;
  }
  return ProbeResult::kUnknown;
}

void Worker::Update(const std::string& container_id, const std::string& pod_ip) {
  bool trigger = false;
  {
    std::lock_guard lock(mu_);
    pod_ip_ = pod_ip;
    if (container_id.empty()) {
      if (running_) {
        running_ = false;
        ++generation_;
        env_.results.Set(container_id_, ProbeResult::kFailure);
      }
      return;
    }
    if (container_id != container_id_) {
      if (!container_id_.empty()) env_.results.Remove(container_id_);
      container_id_ = container_id;
      started_at_ = env_.clock.Now();
    } else if (running_) {
      return;  // nothing changed
    }
    // A new container, or (rarely) the same one seen running again: start over.
    running_ = true;
    on_hold_ = false;
    last_result_ = ProbeResult::kUnknown;
    result_run_ = 0;
    ++generation_;
    env_.results.Set(container_id_, InitialResult());
    trigger = true;
  }
  if (trigger) Trigger();
}

void Worker::DoProbe() {
  std::string container_id;
  std::string pod_ip;
  uint64_t generation = 0;
  {
    std::lock_guard lock(mu_);
    if (!running_ || on_hold_) return;
    if (env_.clock.Now() - started_at_ < spec_.initial_delay_seconds * env_.second) return;
    const bool started =
        !container_.startup_probe || env_.startup.Get(container_id_) == std::optional(ProbeResult::kSuccess);
    // Startup probes run until the container has started, the others only after.
    if (started == (type_ == ProbeType::kStartup)) return;
    container_id = container_id_;
    pod_ip = pod_ip_;
    generation = generation_;
  }

  const ProbeResult result = env_.prober.Probe(type_, ProbeTarget{pod_, container_, container_id, pod_ip});
  if (result == ProbeResult::kUnknown) return;  // the probe errored: throw the run away

  bool changed = false;
  {
    std::lock_guard lock(mu_);
    if (generation != generation_) return;  // the container changed while probing
    if (result == last_result_) {
      ++result_run_;
    } else {
      last_result_ = result;
      result_run_ = 1;
    }
    const int threshold =
        std::max(1, result == ProbeResult::kFailure ? spec_.failure_threshold : spec_.success_threshold);
    if (result_run_ < threshold) return;
    changed = env_.results.Set(container_id, result);
    if (result == ProbeResult::kFailure && type_ != ProbeType::kReadiness) {
      // The kubelet will restart the container; probe again only once a new container runs.
      on_hold_ = true;
      result_run_ = 0;
    }
  }
  if (changed && env_.on_change) env_.on_change();
}

void Worker::Start() {
  {
    std::lock_guard lock(loop_mu_);
    if (thread_.joinable() || stopping_) return;
    triggered_ = false;  // the first round runs at once anyway
  }
  thread_ = std::thread([this] { Run(); });
}

void Worker::Trigger() {
  {
    std::lock_guard lock(loop_mu_);
    triggered_ = true;
  }
  loop_cv_.notify_all();
}

void Worker::Stop() {
  {
    std::lock_guard lock(loop_mu_);
    stopping_ = true;
  }
  loop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mu_);
  if (!container_id_.empty()) env_.results.Remove(container_id_);
  container_id_.clear();
  running_ = false;
  ++generation_;
}

void Worker::Run() {
  const auto period = std::max(1, spec_.period_seconds) * env_.second;
  auto next = std::chrono::steady_clock::now() + period;
  while (true) {
    try {
      DoProbe();
    } catch (const std::exception& e) {
      Logger("prober")->error("{} probe of {}/{} container {} threw: {}", ProbeTypeName(type_), pod_.metadata.ns,
                              pod_.metadata.name, container_.name, e.what());
    } catch (...) {
      Logger("prober")->error("{} probe of {}/{} container {} threw", ProbeTypeName(type_), pod_.metadata.ns,
                              pod_.metadata.name, container_.name);
    }
    std::unique_lock lock(loop_mu_);
    loop_cv_.wait_until(lock, next, [this] { return stopping_ || triggered_; });
    if (stopping_) return;
    if (triggered_) {
      triggered_ = false;  // an extra round; the period keeps its phase
      continue;
    }
    const auto now = std::chrono::steady_clock::now();
    next += period;
    if (next <= now) next = now + period;  // a slow probe: skip missed ticks
  }
}

}  // namespace kubenode::kubelet::prober
