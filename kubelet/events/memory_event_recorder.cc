#include "kubelet/events/memory_event_recorder.h"

#include "base/log.h"

namespace kubenode::kubelet {
namespace {

bool SameEvent(const RecordedEvent& e, const EventObject& o, EventType type, const std::string& reason,
               const std::string& message) {
  return e.object.kind == o.kind && e.object.ns == o.ns && e.object.name == o.name && e.object.uid == o.uid &&
         e.object.field_path == o.field_path && e.type == type && e.reason == reason && e.message == message;
}

// As the events API's note limit (1 KiB): a message quoting a huge manifest must not be kept whole.
std::string TruncateMessage(const std::string& message) {
  constexpr size_t kMaxMessage = 1024;
  if (message.size() <= kMaxMessage) return message;
  size_t cut = kMaxMessage - 3;
  while (cut > 0 && (static_cast<unsigned char>(message[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 sequence
  return message.substr(0, cut) + "...";
}

}  // namespace

void MemoryEventRecorder::Event(const EventObject& object, EventType type, const std::string& reason,
                                const std::string& full_message) {
  std::string message = TruncateMessage(full_message);
  const auto now = clock_.WallNow();
  Logger("kubelet")->debug("event {} {}/{} {}: {}", type == EventType::kWarning ? "Warning" : "Normal", object.ns,
                           object.name, reason, message);
  std::lock_guard lock(mu_);
  for (auto it = events_.begin(); it != events_.end(); ++it) {
    if (!SameEvent(*it, object, type, reason, message)) continue;
    RecordedEvent e = std::move(*it);
    events_.erase(it);
    ++e.count;
    e.last_timestamp = now;
    events_.push_back(std::move(e));
    return;
  }
  RecordedEvent e;
  e.object = object;
  e.type = type;
  e.reason = reason;
  e.message = std::move(message);
  e.first_timestamp = e.last_timestamp = now;
  events_.push_back(std::move(e));
  while (events_.size() > capacity_) events_.pop_front();
}

std::vector<RecordedEvent> MemoryEventRecorder::List() const {
  std::lock_guard lock(mu_);
  return {events_.begin(), events_.end()};
}

std::vector<RecordedEvent> MemoryEventRecorder::ListFor(const std::string& kind, const std::string& ns,
                                                        const std::string& name) const {
  std::lock_guard lock(mu_);
  std::vector<RecordedEvent> out;
  for (const auto& e : events_) {
    if (e.object.kind == kind && e.object.ns == ns && e.object.name == name) out.push_back(e);
  }
  return out;
}

}  // namespace kubenode::kubelet
