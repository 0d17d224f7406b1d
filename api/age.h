// kubectl's AGE column: k8s.io/apimachinery/pkg/util/duration.HumanDuration.
#pragma once

#include <chrono>
#include <string>

namespace kubenode::api {

// About 2-3 significant figures: "45s", "5m30s", "3h20m", "2d3h", "400d", "3y20d". Slightly negative
// durations (clock skew) print "0s"; below -1s "<invalid>".
std::string FormatAge(std::chrono::seconds age);

}  // namespace kubenode::api
