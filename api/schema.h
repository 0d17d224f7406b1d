// The core/v1 Pod schema of Kubernetes v1.28, compiled in from api/schema/pod_v1.28.json (the API server's
// OpenAPI v3 trimmed by scripts/gen-pod-schema). It decides which fields exist and what JSON type each
// holds; the typed decoder (decode_pod.cc) reads only the fields the node acts on, and the checked JSON
// keeps the rest so that every field round-trips.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "api/field_errors.h"
#include "api/field_lines.h"

namespace kubenode::api::schema {

enum class Kind { kObject, kMap, kArray, kString, kInteger, kNumber, kBoolean, kIntOrString, kQuantity, kTime, kAny };

struct Type {
  Kind kind = Kind::kAny;
  std::string format;                              // "int32", "int64", "byte", ...
  std::map<std::string, const Type*> properties;   // kObject
  const Type* element = nullptr;                   // kMap values, kArray items
};

const Type& PodType();

// Checks `node` against `type` and converts it to JSON as sigs.k8s.io/yaml does (plain scalars resolved
// as YAML 1.1; quantities as strings; null fields dropped). Unknown fields are errors when `strict`, and
// are dropped otherwise. Errors name the field path ("spec.containers[0].resources.limits[memory]");
// `lines` learns where each field was written.
nlohmann::json Check(const YAML::Node& node, const Type& type, const std::string& path, bool strict,
                     FieldErrors& errors, FieldLines& lines);

// Every property path under `type`: "spec.containers[].resources.limits{}" ("[]" an array item, "{}" a
// map value). For tests that compare the schema with what the decoder knows.
std::vector<std::string> PropertyPaths(const Type& type);

}  // namespace kubenode::api::schema
