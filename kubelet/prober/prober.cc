#include "kubelet/prober/prober.h"

namespace kubenode::kubelet::prober {

const char* ProbeTypeName(ProbeType type) {
  switch (type) {
    case ProbeType::kLiveness:
      return "Liveness";
    case ProbeType::kReadiness:
      return "Readiness";
    case ProbeType::kStartup:
      return "Startup";
  }
  return "Unknown";
}

const api::Probe* ProbeSpec(ProbeType type, const api::Container& container) {
  const std::optional<api::Probe>* probe = nullptr;
  switch (type) {
    case ProbeType::kLiveness:
      probe = &container.liveness_probe;
      break;
    case ProbeType::kReadiness:
      probe = &container.readiness_probe;
      break;
    case ProbeType::kStartup:
      probe = &container.startup_probe;
      break;
  }
  return probe && probe->has_value() ? &**probe : nullptr;
}

}  // namespace kubenode::kubelet::prober
