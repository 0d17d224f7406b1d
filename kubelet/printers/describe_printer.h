// `kubectl describe pod` as kubectl prints it (staging/src/k8s.io/kubectl/pkg/describe/describe.go
// describePod), from the kubelet's own pod and status and the recorded events of the pod. Pure.
#pragma once

#include <string>
#include <vector>

#include "api/pod_status.h"
#include "kubelet/events/memory_event_recorder.h"
#include "kubelet/status/status_manager.h"

namespace kubenode::kubelet {

// Times are printed as kubectl does, RFC 1123 with a numeric zone in the local time zone; ages and the
// events' "Age" column are relative to `now`.
std::string DescribePod(const PodWithStatus& pod, const std::vector<RecordedEvent>& events, api::Time now);

// A probe in one line: "http-get http://:80/ delay=0s timeout=1s period=10s #success=1 #failure=3".
std::string DescribeProbe(const api::Probe& probe);

// Go's time.RFC1123Z in the local time zone: "Mon, 02 Jan 2006 15:04:05 -0700".
std::string FormatRFC1123Z(api::Time t);

}  // namespace kubenode::kubelet
