#include "kubelet/runtime/environment.h"

#include <nlohmann/json.hpp>

#include "kubelet/config/static_pod.h"
#include "kubelet/runtime/api_volumes.h"

namespace kubenode::kubelet {
namespace {

using nlohmann::json;

const json* ContainerSource(const api::Pod& pod, const std::string& name) {
  if (!pod.source.contains("spec")) return nullptr;
  for (const char* list : {"containers", "initContainers"}) {
    if (!pod.source["spec"].contains(list)) continue;
    for (const json& c : pod.source["spec"][list]) {
      if (c.is_object() && c.value("name", "") == name) return &c;
    }
  }
  return nullptr;
}

Result<std::optional<ObjectData>> Lookup(ApiObjects* objects, bool secret, const std::string& ns, const std::string& name) {
  if (objects == nullptr) {
    return Status::Error(std::string(secret ? "secret" : "configmap") + " \"" + name +
                         "\" not found (no API server: standalone nodes have no ConfigMaps or Secrets)");
  }
  return secret ? objects->Secret(ns, name) : objects->ConfigMap(ns, name);
}

}  // namespace

std::string ExpandVariables(const std::string& input, const std::map<std::string, std::string>& values) {
  std::string out;
  for (size_t i = 0; i < input.size(); ++i) {
    if (input[i] != '$' || i + 1 >= input.size()) {
      out += input[i];
      continue;
    }
    if (input[i + 1] == '$') {
      out += '$';
      ++i;
    } else if (input[i + 1] == '(') {
      size_t close = input.find(')', i + 2);
      if (close == std::string::npos) {
        out += input.substr(i);
        break;
      }
      const std::string name = input.substr(i + 2, close - i - 2);
      auto it = values.find(name);
      out += it != values.end() ? it->second : input.substr(i, close - i + 1);
      i = close;
    } else {
      out += '$';
    }
  }
  return out;
}

Result<std::vector<api::EnvVar>> ResolveEnvironment(const api::Pod& pod, const api::Container& container,
                                                    const PodAddresses& addresses, ApiObjects* objects,
                                                    const ServiceLister* services) {
  if (services != nullptr && !IsStaticPod(pod) && !services->HasSynced()) {
    return Status::Error("services have not yet been read at least once, cannot construct envvars");
  }
  const json* pod_spec = pod.source.contains("spec") ? &pod.source["spec"] : nullptr;
  const bool service_links = pod_spec == nullptr || !pod_spec->contains("enableServiceLinks") ||
                             !(*pod_spec)["enableServiceLinks"].is_boolean() ||
                             (*pod_spec)["enableServiceLinks"].get<bool>();
  const std::map<std::string, std::string> service_env = ServiceEnvMap(services, pod.metadata.ns, service_links);
  std::vector<api::EnvVar> out;
  std::map<std::string, std::string> values;
  auto set = [&](const std::string& name, const std::string& value) {
    if (values.count(name)) {
      for (auto& e : out) {
        if (e.name == name) e.value = value;
      }
    } else {
      out.push_back({name, value});
    }
    values[name] = value;
  };
  const json* source = ContainerSource(pod, container.name);
  const std::string& ns = pod.metadata.ns;
  if (source != nullptr && source->contains("envFrom")) {
    for (const json& from : (*source)["envFrom"]) {
      const bool secret = from.contains("secretRef");
      const json& ref = secret ? from["secretRef"] : from.value("configMapRef", json::object());
      const std::string name = ref.value("name", "");
      auto data = Lookup(objects, secret, ns, name);
      if (!data.ok()) return data.status();
      if (!*data) {
        if (ref.value("optional", false)) continue;
        return Status::Error(std::string(secret ? "secret" : "configmap") + " \"" + name + "\" not found");
      }
      for (const auto& [key, value] : **data) set(from.value("prefix", "") + key, value);
    }
  }
  const json env = source != nullptr && source->contains("env") ? (*source)["env"] : json::array();
  for (size_t i = 0; i < container.env.size(); ++i) {
    const api::EnvVar& var = container.env[i];
    const json* item = i < env.size() ? &env[i] : nullptr;
    if (item == nullptr || !item->contains("valueFrom")) {
      if (var.value.find("$(") == std::string::npos || service_env.empty()) {
        set(var.name, ExpandVariables(var.value, values));
        continue;
      }
      std::map<std::string, std::string> mapping = values;
      mapping.insert(service_env.begin(), service_env.end());  // the container's own win
      set(var.name, ExpandVariables(var.value, mapping));
      continue;
    }
    const json& from = (*item)["valueFrom"];
    if (from.contains("fieldRef")) {
      auto value = PodFieldValue(pod, from["fieldRef"].value("fieldPath", ""), addresses.pod_ip, addresses.host_ip);
      if (!value.ok()) return value.status();
      set(var.name, *value);
    } else if (from.contains("resourceFieldRef")) {
      set(var.name, ResourceFieldValue(container, from["resourceFieldRef"].value("resource", "")));
    } else {
      const bool secret = from.contains("secretKeyRef");
      const json& ref = secret ? from["secretKeyRef"] : from.value("configMapKeyRef", json::object());
      const std::string name = ref.value("name", ""), key = ref.value("key", "");
      const bool optional = ref.value("optional", false);
      auto data = Lookup(objects, secret, ns, name);
      if (!data.ok()) return data.status();
      if (!*data) {
        if (optional) continue;
        return Status::Error(std::string(secret ? "secret" : "configmap") + " \"" + name + "\" not found");
      }
      auto it = (*data)->find(key);
      if (it == (*data)->end()) {
        if (optional) continue;
        return Status::Error(std::string("couldn't find key ") + key + " in " + (secret ? "Secret " : "ConfigMap ") + ns +
                             "/" + name);
      }
      set(var.name, it->second);
    }
  }
  for (const auto& [name, value] : service_env) {
    if (!values.count(name)) out.push_back({name, value});
  }
  return out;
}

}  // namespace kubenode::kubelet
