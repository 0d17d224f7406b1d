#include "agent/manifest_services.h"

#include "base/log.h"

namespace kubenode::agent {
namespace {

std::string KeyOf(const api::Service& service) { return service.metadata.ns + "/" + service.metadata.name; }

bool Same(const std::shared_ptr<const api::Service>& a, const std::shared_ptr<const api::Service>& b) {
  return a == b || *a == *b;
}

}  // namespace

ManifestServices::ManifestServices(proxy::ServiceRegistry& registry, kubelet::EventRecorder& events)
    : registry_(registry), events_(events) {}

void ManifestServices::UpdateFile(const kubelet::ManifestFile& file, std::set<std::string>& affected) {
  ServicesByKey next;
  if (!file.removed) {
    for (const auto& object : file.objects) {
      if (auto service = object.shared_service()) next.emplace(KeyOf(*service), std::move(service));
    }
  }
  auto& current = files_[file.path];
  for (const auto& [key, service] : current) {
    auto same = next.find(key);
    if (same != next.end() && Same(same->second, service)) continue;
    affected.insert(key);
    auto defs = definitions_.find(key);
    defs->second.erase(file.path);
    if (defs->second.empty()) definitions_.erase(defs);
  }
  for (auto& [key, service] : next) {
    auto old = current.find(key);
    if (old != current.end() && Same(old->second, service)) continue;
    affected.insert(key);
    current[key] = std::move(service);
  }
  for (auto it = current.begin(); it != current.end();) {
    it = next.contains(it->first) ? std::next(it) : current.erase(it);
  }
  for (const auto& key : affected) {
    if (auto it = current.find(key); it != current.end()) definitions_[key][file.path] = it->second.get();
  }
  if (current.empty()) files_.erase(file.path);
}

void ManifestServices::OnManifests(const std::vector<kubelet::ManifestFile>& changed) {
  std::lock_guard lock(mu_);
  std::set<std::string> affected;
  for (const auto& file : changed) UpdateFile(file, affected);

  // The keys to look at: those whose definitions changed and those refused before (a deletion or an edit
  // may have freed what they asked for). Each goes to the definition of the first file.
  std::set<std::string> keys = affected;
  keys.insert(refused_.begin(), refused_.end());
  std::vector<std::string> remove;
  std::vector<api::Service> existing, added;
  for (const auto& key : keys) {
    auto defs = definitions_.find(key);
    if (defs == definitions_.end()) {
      remove.push_back(key);
      refused_.erase(key);
      errors_.erase(key);
      duplicates_.erase(key);
      continue;
    }
    const auto& [winner_file, winner] = *defs->second.begin();
    std::set<std::string> reported;
    for (auto it = std::next(defs->second.begin()); it != defs->second.end(); ++it) {
      const std::string message = it->first + ": service " + key + " is already defined in " + winner_file +
                                  "; this definition is ignored";
      reported.insert(message);
      if (!duplicates_[key].contains(message)) Report(key, *it->second, "FailedValidation", message);
    }
    duplicates_[key] = std::move(reported);
    // Services in effect first, so that on a conflict they keep what they hold and the newcomer is refused.
    (registry_.Get(winner->metadata.ns, winner->metadata.name) ? existing : added).push_back(*winner);
  }
  existing.insert(existing.end(), added.begin(), added.end());

  std::map<std::string, Status> refused;
  if (!synced_) {
    // The first delivery holds every file: a full Sync also frees what Services deleted while kubenode was
    // not running held, and tells the proxy that the initial list is complete.
    refused = registry_.Sync(existing);
    synced_ = true;
  } else if (!existing.empty() || !remove.empty()) {
    refused = registry_.Update(existing, remove);
  }
  for (const auto& service : existing) {
    const std::string key = KeyOf(service);
    if (auto it = refused.find(key); it != refused.end()) {
      refused_.insert(key);
      const std::string message = definitions_[key].begin()->first + ": " + it->second.message();
      if (errors_[key] != message) Report(key, service, "FailedToAllocate", message);
      errors_[key] = message;
    } else {
      refused_.erase(key);
      errors_.erase(key);
    }
  }
  // The heap is given back by the manifest source once a delivery is done (ManifestDirectorySource::Sync).
}

void ManifestServices::Report(const std::string& key, const api::Service& service, const std::string& reason,
                              const std::string& message) {
  Logger("proxy")->error("{}", message);
  events_.Event({"Service", service.metadata.ns, service.metadata.name, "", ""}, kubelet::EventType::kWarning, reason,
                message);
}

std::vector<api::Service> ManifestServices::Services() const {
  std::vector<api::Service> services;
  for (auto& record : registry_.List()) services.push_back(std::move(record.service));
  return services;
}

}  // namespace kubenode::agent
