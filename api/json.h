// Objects as `kubectl get -o json` prints them: upstream JSON field names, empty and zero fields omitted
// where upstream marks them omitempty, times in RFC 3339 UTC. nlohmann::json keeps keys sorted, which
// is also kubectl's order. ToYaml renders the same document as `kubectl get -o yaml`.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "api/age.h"  // FormatAge, for AGE columns next to this output
#include "api/endpoint_slice.h"
#include "api/pod.h"
#include "api/pod_status.h"
#include "api/service.h"

namespace kubenode::api {

nlohmann::json ToJson(const ObjectMeta& meta);
nlohmann::json ToJson(const Pod& pod);  // apiVersion, kind, metadata, spec; add "status" with ToJson(PodStatus)
nlohmann::json ToJson(const PodStatus& status);
nlohmann::json ToJson(const Service& service);
nlohmann::json ToJson(const EndpointSlice& slice);

// Block YAML in go-yaml's style: two-space indents, list items at their key's indent, strings quoted
// only when they would read back as another type or break the syntax.
std::string ToYaml(const nlohmann::json& value);

}  // namespace kubenode::api
