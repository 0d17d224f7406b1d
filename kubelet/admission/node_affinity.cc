#include "kubelet/admission/node_affinity.h"

#include <algorithm>
#include <charconv>
#include <optional>

namespace kubenode::kubelet::admission {
namespace {

const nlohmann::json* Find(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() || it->is_null() ? nullptr : &*it;
}

std::optional<int64_t> ParseInt(const std::string& s) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// One NodeSelectorRequirement against a value that may be absent (labels.Selector semantics).
bool MatchesRequirement(const nlohmann::json& req, const std::optional<std::string>& value) {
  const std::string op = req.value("operator", "");
  std::vector<std::string> values;
  if (const auto* v = Find(req, "values"); v && v->is_array()) {
    for (const auto& s : *v) {
      if (s.is_string()) values.push_back(s.get<std::string>());
    }
  }
  auto in = [&] { return value && std::find(values.begin(), values.end(), *value) != values.end(); };
  if (op == "In") return in();
  if (op == "NotIn") return !in();
  if (op == "Exists") return value.has_value();
  if (op == "DoesNotExist") return !value.has_value();
  if (op == "Gt" || op == "Lt") {
    // Exactly one integer value; a label that is not an integer does not match.
    if (!value || values.size() != 1) return false;
    auto have = ParseInt(*value);
    auto want = ParseInt(values[0]);
    if (!have || !want) return false;
    return op == "Gt" ? *have > *want : *have < *want;
  }
  return false;  // unknown operator: upstream's parse error makes the term match nothing
}

}  // namespace

bool MatchesNodeSelectorTerm(const nlohmann::json& term, const std::string& node_name, const api::Labels& labels) {
  const auto* exprs = Find(term, "matchExpressions");
  const auto* fields = Find(term, "matchFields");
  const bool has_exprs = exprs && exprs->is_array() && !exprs->empty();
  const bool has_fields = fields && fields->is_array() && !fields->empty();
  if (!has_exprs && !has_fields) return false;
  if (has_exprs) {
    for (const auto& req : *exprs) {
      const std::string key = req.value("key", "");
      auto it = labels.find(key);
      std::optional<std::string> value;
      if (it != labels.end()) value = it->second;
      if (!MatchesRequirement(req, value)) return false;
    }
  }
  if (has_fields) {
    for (const auto& req : *fields) {
      // Only metadata.name is a node field selectors may name.
      if (req.value("key", "") != "metadata.name") return false;
      if (!MatchesRequirement(req, node_name)) return false;
    }
  }
  return true;
}

bool MatchesNodeSelectorAndAffinity(const api::Pod& pod, const std::string& node_name, const api::Labels& labels) {
  for (const auto& [key, value] : pod.spec.node_selector) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  const auto* spec = Find(pod.source, "spec");
  const auto* affinity = spec ? Find(*spec, "affinity") : nullptr;
  const auto* node_affinity = affinity ? Find(*affinity, "nodeAffinity") : nullptr;
  const auto* required = node_affinity ? Find(*node_affinity, "requiredDuringSchedulingIgnoredDuringExecution") : nullptr;
  if (required == nullptr) return true;
  const auto* terms = Find(*required, "nodeSelectorTerms");
  if (terms == nullptr || !terms->is_array()) return false;
  for (const auto& term : *terms) {
    if (MatchesNodeSelectorTerm(term, node_name, labels)) return true;
  }
  return false;
}

}  // namespace kubenode::kubelet::admission
