#include "api/schema.h"

#include <cmath>
#include <cstdlib>
#include <deque>
#include <set>

#include "api/node_reader.h"
#include "api/quantity.h"
#include "api/rfc3339.h"
#include "base/log.h"

namespace kubenode::api::schema {

extern const char kPodSchemaJson[];

namespace {

// Types live as long as the process: one arena, built once.
class Registry {
 public:
  explicit Registry(const nlohmann::json& document) {
    const nlohmann::json& types = document.at("types");
    for (const auto& [name, body] : types.items()) named_[name] = &arena_.emplace_back();
    for (const auto& [name, body] : types.items()) Fill(*named_[name], body);
    root_ = named_.at(document.at("root").get<std::string>());
  }
  const Type& root() const { return *root_; }

 private:
  const Type* Node(const nlohmann::json& body) {
    if (body.contains("ref")) return named_.at(body["ref"].get<std::string>());
    Type& type = arena_.emplace_back();
    Fill(type, body);
    return &type;
  }

  void Fill(Type& type, const nlohmann::json& body) {
    type.format = body.value("format", "");
    if (body.contains("oneOf")) {
      type.kind = type.format == "int-or-string" ? Kind::kIntOrString : Kind::kQuantity;
      return;
    }
    const std::string json_type = body.value("type", "");
    if (json_type == "string") {
      type.kind = type.format == "date-time" ? Kind::kTime : Kind::kString;
    } else if (json_type == "integer") {
      type.kind = Kind::kInteger;
    } else if (json_type == "number") {
      type.kind = Kind::kNumber;
    } else if (json_type == "boolean") {
      type.kind = Kind::kBoolean;
    } else if (json_type == "array") {
      type.kind = Kind::kArray;
      type.element = Node(body.at("items"));
    } else if (body.contains("additionalProperties")) {
      type.kind = Kind::kMap;
      type.element = Node(body["additionalProperties"]);
    } else if (body.contains("properties")) {
      type.kind = Kind::kObject;
      for (const auto& [name, property] : body["properties"].items()) type.properties[name] = Node(property);
    } else {
      type.kind = Kind::kAny;  // free-form objects such as managedFields' fieldsV1
    }
  }

  std::deque<Type> arena_;
  std::map<std::string, Type*> named_;
  const Type* root_ = nullptr;
};

class Checker {
 public:
  Checker(bool strict, FieldErrors& errors, FieldLines& lines) : strict_(strict), errors_(errors), lines_(lines) {}

  nlohmann::json Value(const YAML::Node& node, const Type& type, const std::string& path) {
    if (!node.IsMap() && !node.IsSequence() && Classify(node) == ScalarKind::kNull) return nullptr;
    switch (type.kind) {
      case Kind::kObject: return Object(node, type, path);
      case Kind::kMap: return Map(node, *type.element, path);
      case Kind::kArray: return Array(node, *type.element, path);
      case Kind::kAny: return Any(node, path);
      default: return Scalar(node, type, path);
    }
  }

 private:
  void Error(const std::string& path, std::string message) { errors_.push_back({path, std::move(message)}); }
  void Expected(const std::string& path, const char* what, const YAML::Node& node) {
    Error(path, std::string("expected ") + what + ", got " + DescribeNode(node));
  }

  // Calls visit(key, value) per entry of a mapping; refuses non-string and repeated keys.
  template <typename F>
  bool Entries(const YAML::Node& node, const std::string& path, F visit) {
    if (!node.IsMap()) {
      Expected(path, "a mapping", node);
      return false;
    }
    std::set<std::string> seen;
    for (const auto& entry : node) {
      if (!entry.first.IsScalar()) {
        Error(path, "expected a field name, got " + DescribeNode(entry.first));
        continue;
      }
      const std::string& key = entry.first.Scalar();
      if (!seen.insert(key).second) {
        std::string field_path = path.empty() ? key : path + "." + key;
        lines_.Record(field_path, entry.first.Mark().line + 1);
        Error(field_path, "duplicate field " + Quote(key));
        continue;
      }
      visit(key, entry.first, entry.second);
    }
    return true;
  }

  nlohmann::json Object(const YAML::Node& node, const Type& type, const std::string& path) {
    nlohmann::json out = nlohmann::json::object();
    Entries(node, path, [&](const std::string& key, const YAML::Node& key_node, const YAML::Node& value) {
      std::string field_path = path.empty() ? key : path + "." + key;
      lines_.Record(field_path, key_node.Mark().line + 1, !value.IsMap() && !value.IsSequence() &&
                                                              Classify(value) == ScalarKind::kNull);
      auto it = type.properties.find(key);
      if (it == type.properties.end()) {
        if (strict_) {
          Error(field_path, "unknown field " + Quote(key));
        } else {
          Logger("api")->debug("ignoring field {} unknown to the v1.28 schema", field_path);
        }
        return;
      }
      nlohmann::json v = Value(value, *it->second, field_path);
      if (!v.is_null()) out[key] = std::move(v);
    });
    return out;
  }

  nlohmann::json Map(const YAML::Node& node, const Type& element, const std::string& path) {
    nlohmann::json out = nlohmann::json::object();
    Entries(node, path, [&](const std::string& key, const YAML::Node& key_node, const YAML::Node& value) {
      std::string entry_path = path + "[" + key + "]";
      lines_.Record(entry_path, key_node.Mark().line + 1);
      nlohmann::json v = Value(value, element, entry_path);
      // map[string]string keeps a null value as "" (as Go's decoder); other maps keep null.
      if (v.is_null() && element.kind == Kind::kString) v = "";
      out[key] = std::move(v);
    });
    return out;
  }

  nlohmann::json Array(const YAML::Node& node, const Type& element, const std::string& path) {
    if (!node.IsSequence()) {
      Expected(path, "a sequence", node);
      return nullptr;
    }
    nlohmann::json out = nlohmann::json::array();
    for (size_t i = 0; i < node.size(); ++i) {
      std::string item_path = path + "[" + std::to_string(i) + "]";
      lines_.Record(item_path, node[i].Mark().line + 1);
      out.push_back(Value(node[i], element, item_path));
    }
    return out;
  }

  nlohmann::json Any(const YAML::Node& node, const std::string& path) {
    if (node.IsSequence()) {
      nlohmann::json out = nlohmann::json::array();
      for (size_t i = 0; i < node.size(); ++i) out.push_back(Any(node[i], path + "[" + std::to_string(i) + "]"));
      return out;
    }
    if (node.IsMap()) {
      nlohmann::json out = nlohmann::json::object();
      Entries(node, path, [&](const std::string& key, const YAML::Node&, const YAML::Node& value) {
        out[key] = Any(value, path + "." + key);
      });
      return out;
    }
    const std::string& s = node.Scalar();
    switch (Classify(node)) {
      case ScalarKind::kNull: return nullptr;
      case ScalarKind::kBool: return *ResolveBool(s);
      case ScalarKind::kInt:
        if (auto v = ParseInt(s)) return *v;
        return std::strtod(s.c_str(), nullptr);
      case ScalarKind::kFloat: return std::strtod(s.c_str(), nullptr);
      case ScalarKind::kString: return s;
    }
    return s;
  }

  nlohmann::json Integer(const YAML::Node& node, const Type& type, const std::string& path, const char* what) {
    std::optional<int64_t> value;
    if (node.IsScalar() && Classify(node) == ScalarKind::kInt) value = ParseInt(node.Scalar());
    if (!value) {
      Expected(path, what, node);
      return nullptr;
    }
    const bool int32 = type.format == "int32" || type.kind == Kind::kIntOrString;
    if (int32 && (*value < INT32_MIN || *value > INT32_MAX)) {
      Error(path, "integer " + node.Scalar() + " is out of range [" + std::to_string(INT32_MIN) + ", " +
                      std::to_string(INT32_MAX) + "]");
      return nullptr;
    }
    return *value;
  }

  nlohmann::json Scalar(const YAML::Node& node, const Type& type, const std::string& path) {
    if (!node.IsScalar()) {
      Expected(path, ExpectedName(type.kind), node);
      return nullptr;
    }
    const ScalarKind kind = Classify(node);
    const std::string& s = node.Scalar();
    switch (type.kind) {
      case Kind::kString:
        if (kind == ScalarKind::kString) return s;
        break;
      case Kind::kBoolean:
        if (kind == ScalarKind::kBool) return *ResolveBool(s);
        break;
      case Kind::kInteger: return Integer(node, type, path, "an integer");
      case Kind::kNumber:
        if (kind == ScalarKind::kInt || kind == ScalarKind::kFloat) return std::strtod(s.c_str(), nullptr);
        break;
      case Kind::kIntOrString:
        if (kind == ScalarKind::kString) return s;
        return Integer(node, type, path, "an integer or a string");
      case Kind::kQuantity:
        if (kind == ScalarKind::kString || kind == ScalarKind::kInt || kind == ScalarKind::kFloat) {
          if (ParseQuantity(s)) return s;
          Error(path, "Invalid value: " + Quote(s) +
                          ": quantities must match the regular expression "
                          "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
          return nullptr;
        }
        break;
      case Kind::kTime:
        if (ParseRFC3339(s)) return s;
        break;
      default: break;
    }
    Expected(path, ExpectedName(type.kind), node);
    return nullptr;
  }

  static const char* ExpectedName(Kind kind) {
    switch (kind) {
      case Kind::kString: return "a string";
      case Kind::kBoolean: return "a boolean";
      case Kind::kInteger: return "an integer";
      case Kind::kNumber: return "a number";
      case Kind::kIntOrString: return "an integer or a string";
      case Kind::kQuantity: return "a quantity";
      case Kind::kTime: return "an RFC 3339 time";
      case Kind::kObject:
      case Kind::kMap: return "a mapping";
      case Kind::kArray: return "a sequence";
      case Kind::kAny: return "a value";
    }
    return "a value";
  }

  bool strict_;
  FieldErrors& errors_;
  FieldLines& lines_;
};

void CollectPaths(const Type& type, const std::string& path, std::vector<std::string>& out) {
  switch (type.kind) {
    case Kind::kObject:
      for (const auto& [name, property] : type.properties) {
        std::string p = path.empty() ? name : path + "." + name;
        out.push_back(p);
        CollectPaths(*property, p, out);
      }
      break;
    case Kind::kMap: CollectPaths(*type.element, path + "{}", out); break;
    case Kind::kArray: CollectPaths(*type.element, path + "[]", out); break;
    default: break;
  }
}

}  // namespace

const Type& PodType() {
  static const Registry* registry = new Registry(nlohmann::json::parse(kPodSchemaJson));
  return registry->root();
}

nlohmann::json Check(const YAML::Node& node, const Type& type, const std::string& path, bool strict,
                     FieldErrors& errors, FieldLines& lines) {
  Checker checker(strict, errors, lines);
  nlohmann::json out = checker.Value(node, type, path);
  return out;
}

std::vector<std::string> PropertyPaths(const Type& type) {
  std::vector<std::string> out;
  CollectPaths(type, "", out);
  return out;
}

}  // namespace kubenode::api::schema
