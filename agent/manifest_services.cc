#include "agent/manifest_services.h"

#include "base/log.h"

namespace kubenode::agent {
namespace {

std::string KeyOf(const api::Service& service) { return service.metadata.ns + "/" + service.metadata.name; }

}  // namespace

ManifestServices::ManifestServices(proxy::ServiceRegistry& registry, kubelet::EventRecorder& events)
    : registry_(registry), events_(events) {}

std::map<std::string, ManifestServices::Declared> ManifestServices::Collect(
    const std::vector<kubelet::ManifestFile>& files) {
  std::map<std::string, std::vector<Declared>> definitions;  // every definition of each Service, in file order
  for (const auto& file : files) {
    for (const auto& object : file.objects) {
      if (const auto* service = std::get_if<api::Service>(&object.object)) {
        definitions[KeyOf(*service)].push_back({*service, file.path});
      }
    }
  }
  std::map<std::string, Declared> chosen;
  for (auto& [key, defs] : definitions) {
    // Of two files defining one Service, the one in effect keeps it; otherwise the first file.
    size_t pick = 0;
    if (auto it = file_of_.find(key); it != file_of_.end()) {
      for (size_t i = 0; i < defs.size(); ++i) {
        if (defs[i].file == it->second) pick = i;
      }
    }
    for (size_t i = 0; i < defs.size(); ++i) {
      if (i == pick) continue;
      Report(key, defs[i].service,
             defs[i].file + ": service " + key + " is already defined in " + defs[pick].file +
                 "; this definition is ignored");
    }
    chosen.emplace(key, std::move(defs[pick]));
  }
  return chosen;
}

void ManifestServices::OnManifests(const std::vector<kubelet::ManifestFile>& files) {
  std::lock_guard lock(mu_);
  std::map<std::string, Declared> declared = Collect(files);
  // Services in effect first, so that on a conflict they keep what they hold and the newcomer is refused.
  std::vector<api::Service> ordered;
  for (const auto& [key, d] : declared) {
    if (file_of_.count(key)) ordered.push_back(d.service);
  }
  for (const auto& [key, d] : declared) {
    if (!file_of_.count(key)) ordered.push_back(d.service);
  }
  std::map<std::string, Status> refused = registry_.Sync(ordered);

  file_of_.clear();
  for (const auto& [key, d] : declared) {
    if (auto it = refused.find(key); it != refused.end()) {
      Report(key, d.service, d.file + ": " + it->second.message());
    } else {
      errors_.erase(key);
    }
    if (registry_.Get(d.service.metadata.ns, d.service.metadata.name)) file_of_[key] = d.file;
  }
  for (auto it = errors_.begin(); it != errors_.end();) {
    it = declared.count(it->first) ? std::next(it) : errors_.erase(it);
  }
}

void ManifestServices::Report(const std::string& key, const api::Service& service, const std::string& message) {
  if (auto it = errors_.find(key); it != errors_.end() && it->second == message) return;  // once per distinct error
  errors_[key] = message;
  Logger("proxy")->error("{}", message);
  events_.Event({"Service", service.metadata.ns, service.metadata.name, "", ""}, kubelet::EventType::kWarning,
                "FailedToAllocate", message);
}

std::vector<api::Service> ManifestServices::Services() const {
  std::vector<api::Service> services;
  for (auto& record : registry_.List()) services.push_back(std::move(record.service));
  return services;
}

}  // namespace kubenode::agent
