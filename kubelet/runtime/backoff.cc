#include "kubelet/runtime/backoff.h"

#include <algorithm>

namespace kubenode::kubelet {

Backoff::Backoff(const Clock& clock, Duration initial, Duration max) : clock_(clock), initial_(initial), max_(max) {}

bool Backoff::IsInBackOffSince(const std::string& key, Time event_time) const {
  return BackOffUntil(key, event_time).has_value();
}

std::optional<Backoff::Time> Backoff::BackOffUntil(const std::string& key, Time event_time) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  if (Expired(event_time, it->second.last_update)) return std::nullopt;
  if (clock_.WallNow() - event_time < it->second.delay) return event_time + it->second.delay;
  return std::nullopt;
}

bool Backoff::IsInBackOffSinceUpdate(const std::string& key, Time now) const {
  return BackOffUntilSinceUpdate(key, now).has_value();
}

std::optional<Backoff::Time> Backoff::BackOffUntilSinceUpdate(const std::string& key, Time now) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  if (Expired(now, it->second.last_update)) return std::nullopt;
  if (now - it->second.last_update < it->second.delay) return it->second.last_update + it->second.delay;
  return std::nullopt;
}

void Backoff::Next(const std::string& key, Time event_time) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || Expired(event_time, it->second.last_update)) {
    entries_[key] = Entry{initial_, clock_.WallNow()};
    return;
  }
  it->second.delay = std::min(it->second.delay * 2, max_);
  it->second.last_update = clock_.WallNow();
}

Backoff::Duration Backoff::Get(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  return it == entries_.end() ? Duration{} : it->second.delay;
}

void Backoff::ForgetPrefix(const std::string& prefix) {
  std::lock_guard lock(mu_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    it = it->first.starts_with(prefix) ? entries_.erase(it) : std::next(it);
  }
}

void Backoff::GC() {
  std::lock_guard lock(mu_);
  const Time now = clock_.WallNow();
  for (auto it = entries_.begin(); it != entries_.end();) {
    it = Expired(now, it->second.last_update) ? entries_.erase(it) : std::next(it);
  }
}

}  // namespace kubenode::kubelet
