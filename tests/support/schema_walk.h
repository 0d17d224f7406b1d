// Drives the Pod decoder with one schema property path at a time: a minimal Pod holding a valid value at
// that path must decode without error and print the value back in ToJson. Used by the unit test on the
// compiled-in schema and by the e2e test on the live API server's schema.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "api/decode.h"
#include "api/json.h"
#include "api/schema.h"

namespace kubenode::testing_support {

struct PathStep {
  enum Kind { kField, kItem, kMapValue } kind;
  std::string name;  // kField
};

// "spec.containers[].resources.limits{}" → field spec, field containers, item, field resources, ...
inline std::vector<PathStep> ParseSchemaPath(const std::string& path) {
  std::vector<PathStep> steps;
  std::string name;
  auto flush = [&] {
    if (!name.empty()) steps.push_back({PathStep::kField, name});
    name.clear();
  };
  for (size_t i = 0; i < path.size(); ++i) {
    if (path.compare(i, 2, "[]") == 0) {
      flush();
      steps.push_back({PathStep::kItem, ""});
      ++i;
    } else if (path.compare(i, 2, "{}") == 0) {
      flush();
      steps.push_back({PathStep::kMapValue, ""});
      ++i;
    } else if (path[i] == '.') {
      flush();
    } else {
      name += path[i];
    }
  }
  flush();
  return steps;
}

// A value of the leaf's type; enums the typed decoder checks get a valid name.
inline nlohmann::json SampleValue(const api::schema::Type& type, const std::string& field) {
  using api::schema::Kind;
  switch (type.kind) {
    case Kind::kString: {
      if (field == "apiVersion") return "v1";
      if (field == "kind") return "Pod";
      if (field == "restartPolicy") return "Always";
      if (field == "imagePullPolicy") return "IfNotPresent";
      if (field == "protocol") return "UDP";
      if (field == "terminationMessagePolicy") return "FallbackToLogsOnError";
      if (field == "dnsPolicy") return "Default";
      return "x";
    }
    case Kind::kInteger: return 7;
    case Kind::kNumber: return 1.5;
    case Kind::kBoolean: return true;
    case Kind::kIntOrString: return 8080;
    case Kind::kQuantity: return "250m";
    case Kind::kTime: return "2026-01-02T03:04:05Z";
    case Kind::kAny: return {{"f:x", nlohmann::json::object()}};
    case Kind::kObject:
    case Kind::kMap: return nlohmann::json::object();
    case Kind::kArray: return nlohmann::json::array();
  }
  return "x";
}

// Empty when `path` decodes and round-trips; otherwise what went wrong.
inline std::string CheckPathRoundTrips(const std::string& path, const api::schema::Type& root) {
  nlohmann::json doc = {{"apiVersion", "v1"},
                        {"kind", "Pod"},
                        {"metadata", {{"name", "a"}}},
                        {"spec", {{"containers", {{{"name", "a"}, {"image", "a"}}}}}}};
  const std::vector<PathStep> steps = ParseSchemaPath(path);
  const api::schema::Type* type = &root;
  nlohmann::json* at = &doc;
  std::string field;
  for (const PathStep& step : steps) {
    if (step.kind == PathStep::kField) {
      auto it = type->properties.find(step.name);
      if (it == type->properties.end()) return "the schema has no field " + step.name;
      type = it->second;
      field = step.name;
      at = &(*at)[step.name];
    } else if (step.kind == PathStep::kItem) {
      type = type->element;
      if (!at->is_array()) *at = nlohmann::json::array();
      if (at->empty()) at->push_back(nullptr);
      at = &(*at)[0];
    } else {
      type = type->element;
      at = &(*at)["k"];
    }
  }
  const nlohmann::json value = SampleValue(*type, field);
  const bool scalar = !value.is_object() && !value.is_array();
  if (scalar || at->is_null()) *at = value;
  YAML::Node node = YAML::Load(doc.dump());
  api::Decoded<api::Pod> decoded = api::DecodePod(node);
  if (!decoded.errors.empty()) return "decode: " + decoded.errors[0].ToString() + " in " + doc.dump();
  if (path.rfind("status", 0) == 0) return "";  // status is the node's to write, not kept from manifests
  nlohmann::json out = api::ToJson(decoded.object);
  const nlohmann::json* back = &out;
  for (const PathStep& step : steps) {
    const nlohmann::json* next = nullptr;
    if (step.kind == PathStep::kField && back->is_object() && back->contains(step.name)) next = &(*back)[step.name];
    if (step.kind == PathStep::kItem && back->is_array() && !back->empty()) next = &(*back)[0];
    if (step.kind == PathStep::kMapValue && back->is_object() && back->contains("k")) next = &(*back)["k"];
    if (next == nullptr) return "lost in ToJson: " + out.dump();
    back = next;
  }
  if (scalar && *back != value) return "printed as " + back->dump() + ", written " + value.dump();
  return "";
}

}  // namespace kubenode::testing_support
