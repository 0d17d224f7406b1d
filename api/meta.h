// Types shared by every object: metadata and the small value types of the core/v1 schema.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace kubenode::api {

using Labels = std::map<std::string, std::string>;
using Time = std::chrono::system_clock::time_point;

struct ObjectMeta {
  std::string name;
  std::string ns = "default";  // metadata.namespace
  std::string uid;
  Labels labels;
  Labels annotations;
  std::optional<Time> creation_timestamp;  // metadata.creationTimestamp; unset in manifests
  bool operator==(const ObjectMeta&) const = default;
};

enum class Protocol { kTCP, kUDP, kSCTP };
const char* ToString(Protocol protocol);  // "TCP", "UDP", "SCTP"

// intstr.IntOrString: a port given as a number or as a container port's name.
struct IntOrString {
  bool is_string = false;
  int32_t int_value = 0;
  std::string string_value;

  static IntOrString Int(int32_t v) { return {false, v, {}}; }
  static IntOrString String(std::string s) { return {true, 0, std::move(s)}; }
  bool IsZero() const { return !is_string && int_value == 0; }
  std::string ToString() const { return is_string ? string_value : std::to_string(int_value); }
  bool operator==(const IntOrString&) const = default;
};

}  // namespace kubenode::api
