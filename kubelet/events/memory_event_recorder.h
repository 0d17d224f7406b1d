// An in-memory EventRecorder: a bounded ring of events where repeats (same object, type, reason and
// message) are folded into one entry with a count and first/last timestamps, as the API server's event
// aggregation that kubectl shows as "x3 over 2m". Thread-safe; queried by the CLI.
#pragma once

#include <chrono>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "base/clock.h"
#include "kubelet/event_recorder.h"

namespace kubenode::kubelet {

struct RecordedEvent {
  EventObject object;
  EventType type = EventType::kNormal;
  std::string reason;
  std::string message;
  int32_t count = 1;
  std::chrono::system_clock::time_point first_timestamp;
  std::chrono::system_clock::time_point last_timestamp;
  std::string source = "kubelet";
};

class MemoryEventRecorder : public EventRecorder {
 public:
  explicit MemoryEventRecorder(const Clock& clock, size_t capacity = 1000) : clock_(clock), capacity_(capacity) {}

  void Event(const EventObject& object, EventType type, const std::string& reason, const std::string& message) override;

  // All events, oldest last update first.
  std::vector<RecordedEvent> List() const;
  // Events about one object (kind + namespace + name), e.g. for `describe pod`.
  std::vector<RecordedEvent> ListFor(const std::string& kind, const std::string& ns, const std::string& name) const;

 private:
  const Clock& clock_;
  const size_t capacity_;
  mutable std::mutex mu_;
  std::deque<RecordedEvent> events_;  // ordered by last_timestamp
};

}  // namespace kubenode::kubelet
