// `kubectl get pods` and `kubectl get events` tables as kubectl prints them (pure functions).
// STATUS, READY and RESTARTS follow kubectl's printPod (pkg/printers/internalversion/printers.go).
#pragma once

#include <string>
#include <vector>

#include "api/pod_status.h"
#include "kubelet/events/memory_event_recorder.h"
#include "kubelet/status/status_manager.h"

namespace kubenode::kubelet {

struct PodRow {
  std::string name, ready, status, restarts, age, ip, node;
};

// One pod's columns at `now`.
PodRow ComputePodRow(const PodWithStatus& pod, api::Time now);

// The table, columns padded as kubectl's tabwriter (3 spaces between columns). `wide` adds
// IP, NODE, NOMINATED NODE, READINESS GATES.
std::string PrintPods(const std::vector<PodWithStatus>& pods, api::Time now, bool wide);

// LAST SEEN   TYPE   REASON   OBJECT   MESSAGE; LAST SEEN is "45s" or "2m (x3 over 5m)".
std::string PrintEvents(const std::vector<RecordedEvent>& events, api::Time now);

// Pads columns like text/tabwriter with minwidth 0, padding 3.
std::string FormatTable(const std::vector<std::vector<std::string>>& rows);

}  // namespace kubenode::kubelet
