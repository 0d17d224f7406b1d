#include "systemd/watchdog.h"

#include "base/log.h"
#include "systemd/notify.h"

namespace kubenode::systemd {

Status RunHealthChecks(const std::vector<HealthCheck>& checks) {
  std::string failures;
  for (const auto& c : checks) {
    Status s;
    try {
      s = c.check();
    } catch (const std::exception& e) {  // a broken check counts as unhealthy, never ends the watchdog
      s = Status::Error(std::string("check threw: ") + e.what());
    } catch (...) {
      s = Status::Error("check threw an unknown exception");
    }
    if (s.ok()) continue;
    if (!failures.empty()) failures += "; ";
    failures += c.name + ": " + s.message();
  }
  return failures.empty() ? Status() : Status::Error(failures);
}

Watchdog::Watchdog(std::chrono::microseconds interval, std::vector<HealthCheck> checks)
    : interval_(interval), checks_(std::move(checks)) {}

Watchdog::~Watchdog() { Stop(); }

void Watchdog::Start() { thread_ = std::thread([this] { Loop(); }); }

void Watchdog::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Watchdog::Loop() {
  auto log = Logger("agent");
  bool healthy = true;
  for (;;) {
    Status s = RunHealthChecks(checks_);
    // Logged once per transition: a stuck loop would otherwise log at every interval.
    if (s.ok()) {
      NotifyWatchdog();
      if (!healthy) {
        log->info("healthy again: systemd watchdog pings resumed");
        NotifyStatus("running");
      }
    } else if (healthy) {
      log->error("unhealthy, not pinging the systemd watchdog: {}", s.message());
      NotifyStatus("unhealthy: " + s.message());
    }
    healthy = s.ok();
    std::unique_lock lock(mu_);
    if (cv_.wait_for(lock, interval_, [&] { return stopping_; })) return;
  }
}

}  // namespace kubenode::systemd
