#include "kubelet/prober/port.h"

#include <charconv>

#include "api/ports.h"

namespace kubenode::kubelet::prober {

Result<int> ResolveContainerPort(const api::IntOrString& port, const api::Container& container) {
  long value = -1;
  if (!port.is_string) {
    value = port.int_value;
  } else if (std::optional<int32_t> named = api::FindContainerPort(container, port.string_value)) {
    value = *named;
  } else {
    // As upstream: a last try for a number stored as a string.
    const std::string& s = port.string_value;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size()) {
      return Status::Error("port " + s + " not found in container " + container.name);
    }
  }
  if (value <= 0 || value >= 65536) return Status::Error("invalid port number: " + std::to_string(value));
  return static_cast<int>(value);
}

}  // namespace kubenode::kubelet::prober
