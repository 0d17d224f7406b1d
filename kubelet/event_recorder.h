// Events as upstream's record.EventRecorder: reasons and messages as kubelet writes them (Pulling, Pulled,
// Created, Started, Killing, BackOff, Unhealthy, FailedSync, ...).
#pragma once

#include <string>

namespace kubenode::kubelet {

enum class EventType { kNormal, kWarning };

// What an event is about: a pod, or one container in it (fieldPath "spec.containers{nginx}").
struct EventObject {
  std::string kind = "Pod";
  std::string ns;
  std::string name;
  std::string uid;
  std::string field_path;
};

class EventRecorder {
 public:
  virtual ~EventRecorder() = default;
  virtual void Event(const EventObject& object, EventType type, const std::string& reason,
                     const std::string& message) = 0;
};

}  // namespace kubenode::kubelet
