#include "cluster/kubeconfig_file.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "api/json.h"
#include "api/node_reader.h"
#include "cluster/state.h"

namespace kubenode::cluster {
namespace {

using nlohmann::json;

// YAML → JSON as sigs.k8s.io/yaml reads it: quoted scalars are strings, plain ones resolve as YAML 1.1.
Result<json> ToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return json(nullptr);
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const YAML::Node& item : node) {
        Result<json> v = ToJson(item);
        if (!v.ok()) return v;
        out.push_back(std::move(*v));
      }
      return out;
    }
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& entry : node) {
        if (!entry.first.IsScalar()) {
          return Status::Error("line " + std::to_string(entry.first.Mark().line + 1) + ": expected a field name");
        }
        Result<json> v = ToJson(entry.second);
        if (!v.ok()) return v;
        out[entry.first.Scalar()] = std::move(*v);
      }
      return out;
    }
    case YAML::NodeType::Scalar:
      break;
  }
  if (node.Tag() == "!") return json(node.Scalar());  // quoted
  const std::string& s = node.Scalar();
  switch (api::Classify(node)) {
    case api::ScalarKind::kNull:
      return json(nullptr);
    case api::ScalarKind::kBool:
      return json(*api::ResolveBool(s));
    case api::ScalarKind::kInt:
      if (std::optional<int64_t> i = api::ParseInt(s)) return json(*i);
      return json(s);
    case api::ScalarKind::kFloat:
      return json(std::strtod(s.c_str(), nullptr));
    case api::ScalarKind::kString:
      break;
  }
  return json(s);
}

Result<json> ParseKubeconfig(std::string_view text, const std::string& where) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return Status::Error(where + ": line " + std::to_string(e.mark.line + 1) + ": invalid YAML: " + e.msg);
  }
  Result<json> doc = ToJson(root);
  if (!doc.ok()) return doc.status().WithContext(where);
  if (doc->is_null()) doc = json::object();
  if (!doc->is_object()) return Status::Error(where + ": expected a kubeconfig mapping");
  return doc;
}

// Reads the kubeconfig at `path`, or an empty one when there is none yet.
Result<json> ReadKubeconfig(const std::string& path, bool& exists) {
  std::ifstream in(path, std::ios::binary);
  exists = static_cast<bool>(in);
  if (!exists) return json::object();
  std::ostringstream text;
  text << in.rdbuf();
  return ParseKubeconfig(text.str(), path);
}

// Replaces or appends `entry` (by its name) in list `key`.
void Upsert(json& doc, const char* key, json entry) {
  json& list = doc[key];
  if (!list.is_array()) list = json::array();
  for (json& existing : list) {
    if (existing.is_object() && existing.value("name", "") == entry["name"]) {
      existing = std::move(entry);
      return;
    }
  }
  list.push_back(std::move(entry));
}

bool Erase(json& doc, const char* key, const std::string& name) {
  auto list = doc.find(key);
  if (list == doc.end() || !list->is_array()) return false;
  const size_t before = list->size();
  list->erase(std::remove_if(list->begin(), list->end(),
                             [&](const json& e) { return e.is_object() && e.value("name", "") == name; }),
              list->end());
  return list->size() != before;
}

Status Write(const std::string& path, const json& doc, bool exists) {
  unsigned mode = 0600;
  struct stat st {};
  if (exists && ::stat(path.c_str(), &st) == 0) mode = st.st_mode & 07777;  // keep the user's choice
  return ClusterState::WriteFile(path, api::ToYaml(doc), mode);
}

}  // namespace

std::string ContextName(std::string_view cluster) { return "kubenode-" + std::string(cluster); }

Result<std::string> KubeconfigPath() {
  const char* env = std::getenv("KUBECONFIG");
  if (env != nullptr && *env != '\0') {
    std::string list(env);
    // client-go's rule: the first of the listed files; kubectl writes new entries there.
    std::string first = list.substr(0, list.find(':'));
    if (!first.empty()) return first;
  }
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0') return Status::Error("neither $KUBECONFIG nor $HOME is set");
  return std::string(home) + "/.kube/config";
}

namespace {

// Puts the first cluster and user of `admin` into `doc` as ContextName(cluster), current.
Status MergeAdmin(json& doc, std::string_view cluster, std::string_view admin_kubeconfig) {
  Result<json> admin = ParseKubeconfig(admin_kubeconfig, "admin kubeconfig");
  if (!admin.ok()) return admin.status();
  auto first = [&](const char* key, const char* field) -> const json* {
    auto list = admin->find(key);
    if (list == admin->end() || !list->is_array() || list->empty() || !(*list)[0].is_object()) return nullptr;
    auto value = (*list)[0].find(field);
    return value == (*list)[0].end() ? nullptr : &*value;
  };
  const json* cluster_entry = first("clusters", "cluster");
  const json* user_entry = first("users", "user");
  if (cluster_entry == nullptr) return Status::Error("admin kubeconfig: no cluster");
  if (user_entry == nullptr) return Status::Error("admin kubeconfig: no user");
  const std::string name = ContextName(cluster);
  if (!doc.contains("apiVersion")) doc["apiVersion"] = "v1";
  if (!doc.contains("kind")) doc["kind"] = "Config";
  if (!doc.contains("preferences")) doc["preferences"] = json::object();
  Upsert(doc, "clusters", {{"name", name}, {"cluster", *cluster_entry}});
  Upsert(doc, "users", {{"name", name}, {"user", *user_entry}});
  Upsert(doc, "contexts", {{"name", name}, {"context", {{"cluster", name}, {"user", name}}}});
  doc["current-context"] = name;
  return Status();
}

}  // namespace

Status MergeIntoKubeconfig(const std::string& path, std::string_view cluster, std::string_view admin_kubeconfig) {
  bool exists = false;
  Result<json> doc = ReadKubeconfig(path, exists);
  if (!doc.ok()) return doc.status();
  if (Status s = MergeAdmin(*doc, cluster, admin_kubeconfig); !s.ok()) return s;
  return Write(path, *doc, exists).WithContext("kubeconfig " + path);
}

Result<std::string> StandaloneKubeconfig(std::string_view cluster, std::string_view admin_kubeconfig) {
  json doc = json::object();
  if (Status s = MergeAdmin(doc, cluster, admin_kubeconfig); !s.ok()) return s;
  return api::ToYaml(doc);
}

Status RemoveFromKubeconfig(const std::string& path, std::string_view cluster) {
  bool exists = false;
  Result<json> doc = ReadKubeconfig(path, exists);
  if (!doc.ok()) return doc.status();
  if (!exists) return Status();
  const std::string name = ContextName(cluster);
  bool changed = Erase(*doc, "clusters", name);
  changed = Erase(*doc, "users", name) || changed;
  changed = Erase(*doc, "contexts", name) || changed;
  if (doc->value("current-context", "") == name) {
    (*doc)["current-context"] = "";
    changed = true;
  }
  if (!changed) return Status();
  return Write(path, *doc, exists).WithContext("kubeconfig " + path);
}

}  // namespace kubenode::cluster
