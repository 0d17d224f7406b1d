#include "api/node_reader.h"

#include <cerrno>
#include <cstdlib>
#include <regex>
#include <set>

#include "api/rfc3339.h"
#include "base/log.h"

namespace kubenode::api {
namespace {

bool IsPlain(const YAML::Node& node) { return node.Tag() == "?"; }

}  // namespace

std::optional<bool> ResolveBool(const std::string& s) {
  static const std::set<std::string> kTrue = {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"};
  static const std::set<std::string> kFalse = {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"};
  if (kTrue.count(s)) return true;
  if (kFalse.count(s)) return false;
  return std::nullopt;
}

ScalarKind Classify(const YAML::Node& node) {
  if (node.IsNull()) return ScalarKind::kNull;
  // Mappings and sequences are never null; callers check their type separately.
  if (!node.IsScalar() || !IsPlain(node)) return ScalarKind::kString;
  const std::string& s = node.Scalar();
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return ScalarKind::kNull;
  if (ResolveBool(s)) return ScalarKind::kBool;
  // Numbers start with a digit, a sign or a dot; most scalars are names and skip the regexes.
  if (std::string_view("0123456789+-.").find(s[0]) == std::string_view::npos) return ScalarKind::kString;
  // std::regex recurses per character: a long scalar would overflow the stack. No number a manifest field can
  // hold is this long; such a value is a string (and fails the field's type check as one).
  if (s.size() > 256) return ScalarKind::kString;
  static const std::regex kInt("[-+]?(0|[1-9][0-9_]*|0x[0-9a-fA-F_]+|0[0-7_]+)");
  static const std::regex kFloat(
      "[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)");
  if (std::regex_match(s, kInt)) return ScalarKind::kInt;
  if (std::regex_match(s, kFloat)) return ScalarKind::kFloat;
  return ScalarKind::kString;
}


std::string DescribeNode(const YAML::Node& node) {
  if (node.IsMap()) return "a mapping";
  if (node.IsSequence()) return "a sequence";
  switch (Classify(node)) {
    case ScalarKind::kNull: return "null";
    case ScalarKind::kBool: return "boolean " + node.Scalar();
    case ScalarKind::kInt: return "integer " + node.Scalar();
    case ScalarKind::kFloat: return "number " + node.Scalar();
    case ScalarKind::kString: return Quote(node.Scalar());
  }
  return Quote(node.Scalar());
}

namespace {

std::string Describe(const YAML::Node& node) { return DescribeNode(node); }

}  // namespace

std::optional<int64_t> ParseInt(std::string s) {
  std::erase(s, '_');
  bool negative = !s.empty() && s[0] == '-';
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.erase(0, 1);
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && s[1] == 'x') {
    base = 16;
    s.erase(0, 2);
  } else if (s.size() > 1 && s[0] == '0') {
    base = 8;
  }
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, base);
  if (errno == ERANGE || end == s.c_str() || *end != '\0') return std::nullopt;
  return negative ? -v : v;
}

void NodeReader::Object(const YAML::Node& node, const std::string& path, std::initializer_list<Field> fields,
                        std::initializer_list<const char*> ignored) {
  if (!node.IsMap()) {
    Error(path, "expected a mapping, got " + Describe(node));
    return;
  }
  std::set<std::string> seen;
  for (const auto& entry : node) {
    const YAML::Node& key = entry.first;
    const YAML::Node& value = entry.second;
    if (!key.IsScalar()) {
      Error(path, "expected a field name, got " + Describe(key));
      continue;
    }
    const std::string& name = key.Scalar();
    std::string field_path = path.empty() ? name : path + "." + name;
    lines_.Record(field_path, key.Mark().line + 1, Classify(value) == ScalarKind::kNull);
    if (!seen.insert(name).second && options_.strict) {
      Error(field_path, "duplicate field " + Quote(name));
      continue;
    }
    const Field* match = nullptr;
    for (const Field& f : fields) {
      if (name == f.name) match = &f;
    }
    if (match == nullptr) {
      bool skip = false;
      for (const char* i : ignored) skip = skip || name == i;
      if (skip) continue;
      if (options_.strict) {
        Error(field_path, "unknown field " + Quote(name));
      } else {
        Logger("api")->debug("ignoring field {} kubenode does not model", field_path);
      }
      continue;
    }
    if (Classify(value) == ScalarKind::kNull) continue;
    match->handle(value, field_path);
  }
}

bool NodeReader::ExpectSequence(const YAML::Node& node, const std::string& path) {
  if (node.IsSequence()) return true;
  Error(path, "expected a sequence, got " + Describe(node));
  return false;
}

bool NodeReader::String(const YAML::Node& node, const std::string& path, std::string& out) {
  if (!node.IsScalar() || Classify(node) != ScalarKind::kString) {
    Error(path, "expected a string, got " + Describe(node));
    return false;
  }
  out = node.Scalar();
  return true;
}

bool NodeReader::Integer(const YAML::Node& node, const std::string& path, int64_t min, int64_t max,
                         const char* what, int64_t& out) {
  std::optional<int64_t> value;
  if (node.IsScalar() && Classify(node) == ScalarKind::kInt) value = ParseInt(node.Scalar());
  if (!value) {
    Error(path, std::string("expected ") + what + ", got " + Describe(node));
    return false;
  }
  if (*value < min || *value > max) {
    Error(path, "integer " + node.Scalar() + " is out of range [" + std::to_string(min) + ", " + std::to_string(max) + "]");
    return false;
  }
  out = *value;
  return true;
}

bool NodeReader::Int32(const YAML::Node& node, const std::string& path, int32_t& out) {
  int64_t v = 0;
  if (!Integer(node, path, INT32_MIN, INT32_MAX, "an integer", v)) return false;
  out = static_cast<int32_t>(v);
  return true;
}

bool NodeReader::Int64(const YAML::Node& node, const std::string& path, int64_t& out) {
  return Integer(node, path, INT64_MIN, INT64_MAX, "an integer", out);
}

bool NodeReader::Bool(const YAML::Node& node, const std::string& path, bool& out) {
  if (node.IsScalar() && Classify(node) == ScalarKind::kBool) {
    out = *ResolveBool(node.Scalar());
    return true;
  }
  Error(path, "expected a boolean, got " + Describe(node));
  return false;
}

bool NodeReader::IntOrString(const YAML::Node& node, const std::string& path, api::IntOrString& out) {
  if (node.IsScalar() && Classify(node) == ScalarKind::kString) {
    out = api::IntOrString::String(node.Scalar());
    return true;
  }
  int64_t v = 0;
  if (!Integer(node, path, INT32_MIN, INT32_MAX, "an integer or a string", v)) return false;
  out = api::IntOrString::Int(static_cast<int32_t>(v));
  return true;
}

bool NodeReader::Time(const YAML::Node& node, const std::string& path, std::optional<api::Time>& out) {
  // An unquoted timestamp is still a string to upstream: metav1.Time decodes from a JSON string.
  if (node.IsScalar()) {
    if (auto t = ParseRFC3339(node.Scalar())) {
      out = *t;
      return true;
    }
  }
  Error(path, "expected an RFC 3339 time, got " + Describe(node));
  return false;
}

bool NodeReader::Quantity(const YAML::Node& node, const std::string& path, api::Quantity& out) {
  if (node.IsScalar() && Classify(node) != ScalarKind::kBool) {
    if (auto q = ParseQuantity(node.Scalar())) {
      out = *q;
      return true;
    }
  }
  Error(path, "expected a quantity, got " + Describe(node));
  return false;
}

void NodeReader::StringList(const YAML::Node& node, const std::string& path, std::vector<std::string>& out) {
  List(node, path, out, [&](const YAML::Node& item, const std::string& item_path, std::string& value) {
    String(item, item_path, value);
  });
}

void NodeReader::StringMap(const YAML::Node& node, const std::string& path, Labels& out) {
  if (!node.IsMap()) {
    Error(path, "expected a mapping, got " + Describe(node));
    return;
  }
  out.clear();
  for (const auto& entry : node) {
    std::string key;
    if (!entry.first.IsScalar()) {
      Error(path, "expected a string key, got " + Describe(entry.first));
      continue;
    }
    key = entry.first.Scalar();
    std::string value;
    // null values decode to "" like upstream's map[string]string.
    if (Classify(entry.second) == ScalarKind::kNull || String(entry.second, path, value)) out[key] = value;
  }
}

void DecodeObjectMeta(NodeReader& r, const YAML::Node& node, const std::string& path, ObjectMeta& meta) {
  r.Object(node, path,
           {
               {"name", [&](auto& v, auto& p) { r.String(v, p, meta.name); }},
               {"namespace", [&](auto& v, auto& p) { r.String(v, p, meta.ns); }},
               {"uid", [&](auto& v, auto& p) { r.String(v, p, meta.uid); }},
               {"labels", [&](auto& v, auto& p) { r.StringMap(v, p, meta.labels); }},
               {"annotations", [&](auto& v, auto& p) { r.StringMap(v, p, meta.annotations); }},
               {"creationTimestamp", [&](auto& v, auto& p) { r.Time(v, p, meta.creation_timestamp); }},
           },
           // Bookkeeping the API server writes; meaningless to a node agent, so accepted and dropped.
           {"resourceVersion", "generation", "selfLink", "managedFields", "ownerReferences", "finalizers",
            "deletionTimestamp", "deletionGracePeriodSeconds"});
}

}  // namespace kubenode::api
