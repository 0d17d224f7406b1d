// Runs one probe of one container and reports what users should see (upstream prober.go's probe()).
// Workers call it once per period; the real one is ContainerProber, tests use a fake.
#pragma once

#include <string>

#include "api/pod.h"
#include "kubelet/prober/probe_manager.h"

namespace kubenode::kubelet::prober {

// "Liveness", "Readiness", "Startup": the first word of probe event messages.
const char* ProbeTypeName(ProbeType type);

// The probe of `type` in `container`; nullptr if it has none.
const api::Probe* ProbeSpec(ProbeType type, const api::Container& container);

struct ProbeTarget {
  const api::Pod& pod;
  const api::Container& container;
  const std::string& container_id;
  const std::string& pod_ip;
};

class Prober {
 public:
  virtual ~Prober() = default;
  // kSuccess or kFailure; kUnknown when the probe could not run, and the run must be thrown away.
  virtual ProbeResult Probe(ProbeType type, const ProbeTarget& target) = 0;
};

}  // namespace kubenode::kubelet::prober
