// A canonical JSON encoding of the pod spec, used only for hashing (container hash, static pod UID), so
// that equal specs give equal hashes whatever field order a manifest used.
#pragma once

#include <nlohmann/json.hpp>

#include "api/pod.h"

namespace kubenode::kubelet {

nlohmann::json CanonicalJson(const api::Container& container);
nlohmann::json CanonicalJson(const api::Pod& pod);

}  // namespace kubenode::kubelet
