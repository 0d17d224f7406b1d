#include "kubelet/runtime/service_lister.h"

namespace kubenode::kubelet {

ServiceInfo ServiceInfoFromJson(const nlohmann::json& service) {
  ServiceInfo info;
  if (!service.is_object()) return info;
  const nlohmann::json metadata = service.value("metadata", nlohmann::json::object());
  info.ns = metadata.value("namespace", "");
  info.name = metadata.value("name", "");
  const nlohmann::json spec = service.value("spec", nlohmann::json::object());
  if (spec.contains("clusterIP") && spec["clusterIP"].is_string()) info.cluster_ip = spec["clusterIP"].get<std::string>();
  if (spec.contains("ports") && spec["ports"].is_array()) {
    for (const nlohmann::json& p : spec["ports"]) {
      if (!p.is_object()) continue;
      ServicePortInfo port;
      port.name = p.value("name", "");
      port.port = p.contains("port") && p["port"].is_number_integer() ? p["port"].get<int32_t>() : 0;
      port.protocol = p.value("protocol", "");
      info.ports.push_back(std::move(port));
    }
  }
  return info;
}

ApiServiceLister::ApiServiceLister(apiclient::ApiClient& client)
    : reflector_(client, {"/api/v1/services", ""}, store_) {}

ApiServiceLister::~ApiServiceLister() { Stop(); }

void ApiServiceLister::Start() {
  stop_ = false;
  thread_ = std::thread([this] { reflector_.Run(stop_); });
}

void ApiServiceLister::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

std::vector<ServiceInfo> ApiServiceLister::List() const {
  std::vector<ServiceInfo> out;
  for (const nlohmann::json& object : store_.List()) out.push_back(ServiceInfoFromJson(object));
  return out;
}

}  // namespace kubenode::kubelet
