// Per-key exponential back-off, as upstream's client-go flowcontrol.Backoff used by the kubelet for
// CrashLoopBackOff (key: pod + container + spec hash) and ImagePullBackOff (key: pod UID + image).
// Delays start at `initial` and double up to `max`; an entry whose last update is more than 2*max before
// the event (a container that ran for 10 minutes) starts over. Times are wall times, because the events
// (a container's finish time) come from the runtime as wall timestamps. No jitter: tests stay exact.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "base/clock.h"

namespace kubenode::kubelet {

class Backoff {
 public:
  using Duration = std::chrono::system_clock::duration;
  using Time = std::chrono::system_clock::time_point;

  Backoff(const Clock& clock, Duration initial, Duration max);

  // True while now - event_time < the key's current delay (upstream IsInBackOffSince).
  bool IsInBackOffSince(const std::string& key, Time event_time) const;
  // The time the back-off of `key` ends for an event at `event_time`; nullopt if not in back-off.
  std::optional<Time> BackOffUntil(const std::string& key, Time event_time) const;
  // True while now - last update < the key's delay (upstream IsInBackOffSinceUpdate; image pulls).
  bool IsInBackOffSinceUpdate(const std::string& key, Time now) const;
  // When the back-off since the last update ends; nullopt if not in back-off.
  std::optional<Time> BackOffUntilSinceUpdate(const std::string& key, Time now) const;
  // Records another failure at `event_time`: first delay, or double the previous one (upstream Next).
  void Next(const std::string& key, Time event_time);
  // The current delay of `key` (zero if none).
  Duration Get(const std::string& key) const;
  // Forgets every key starting with `prefix` (a removed pod).
  void ForgetPrefix(const std::string& prefix);
  // Drops entries not updated for 2*max (upstream GC).
  void GC();

 private:
  struct Entry {
    Duration delay{};
    Time last_update;
  };
  bool Expired(Time event_time, Time last_update) const { return event_time - last_update > 2 * max_; }

  const Clock& clock_;
  const Duration initial_;
  const Duration max_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;
};

}  // namespace kubenode::kubelet
