// The latest result of one probe type per container ID (upstream prober/results.Manager). Thread-safe.
// Change notification is the worker's job: Set reports whether the value changed.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "kubelet/prober/probe_manager.h"

namespace kubenode::kubelet::prober {

class ResultsCache {
 public:
  // Returns true if the stored result changed (or was not there).
  bool Set(const std::string& container_id, ProbeResult result);
  void Remove(const std::string& container_id);
  std::optional<ProbeResult> Get(const std::string& container_id) const;
  size_t size() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, ProbeResult> results_;
};

}  // namespace kubenode::kubelet::prober
