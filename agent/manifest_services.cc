#include "agent/manifest_services.h"

#include <set>

#include "base/log.h"

namespace kubenode::agent {
namespace {

std::string KeyOf(const api::Service& service) { return service.metadata.ns + "/" + service.metadata.name; }

}  // namespace

ManifestServices::ManifestServices(proxy::ServiceAllocator& allocator, proxy::ServiceHandler& handler,
                                   kubelet::EventRecorder& events, const Clock& clock)
    : allocator_(allocator), handler_(handler), events_(events), clock_(clock) {}

std::map<std::string, ManifestServices::Declared> ManifestServices::Collect(
    const std::vector<kubelet::ManifestFile>& files) {
  // All definitions of each Service, in file order.
  std::map<std::string, std::vector<Declared>> definitions;
  for (const auto& file : files) {
    for (const auto& object : file.objects) {
      if (const auto* service = std::get_if<api::Service>(&object.object)) {
        definitions[KeyOf(*service)].push_back({*service, file.path});
      }
    }
  }
  std::map<std::string, Declared> chosen;
  for (auto& [key, defs] : definitions) {
    // Of two files defining one Service, the one already running keeps it; otherwise the first file.
    size_t pick = 0;
    if (auto it = active_.find(key); it != active_.end()) {
      for (size_t i = 0; i < defs.size(); ++i) {
        if (defs[i].file == it->second.file) pick = i;
      }
    }
    for (size_t i = 0; i < defs.size(); ++i) {
      if (i == pick) continue;
      Report(key, defs[i].service,
             defs[i].file + ": service " + key + " is already defined in " + defs[pick].file + "; this definition is ignored");
    }
    chosen.emplace(key, std::move(defs[pick]));
  }
  return chosen;
}

void ManifestServices::OnManifests(const std::vector<kubelet::ManifestFile>& files) {
  std::lock_guard lock(mu_);
  std::map<std::string, Declared> declared = Collect(files);

  if (!synced_) {
    // Allocations of Services deleted while kubenode was down are released before anything is allocated.
    std::set<std::string> keep;
    for (const auto& [key, _] : declared) keep.insert(key);
    auto released = allocator_.ReleaseAllExcept(keep);
    if (!released.ok()) Logger("proxy")->warn("releasing stale service allocations: {}", released.status().message());
  }

  // Removed Services first (they free IPs and ports), then the ones already running (so that they keep
  // what they hold), then new ones.
  for (auto it = active_.begin(); it != active_.end();) {
    if (declared.count(it->first)) {
      ++it;
      continue;
    }
    handler_.OnServiceDelete(it->second.allocated);
    if (Status s = allocator_.Release(it->second.allocated.metadata.ns, it->second.allocated.metadata.name); !s.ok()) {
      Logger("proxy")->warn("releasing service {}: {}", it->first, s.message());
    }
    Logger("proxy")->info("service {} removed (its manifest is gone)", it->first);
    errors_.erase(it->first);
    it = active_.erase(it);
  }
  for (const auto& [key, d] : declared) {
    if (active_.count(key)) Apply(key, d);
  }
  for (const auto& [key, d] : declared) {
    if (!active_.count(key)) Apply(key, d);
  }
  for (auto it = errors_.begin(); it != errors_.end();) {
    it = declared.count(it->first) ? std::next(it) : errors_.erase(it);
  }

  if (!synced_) {
    synced_ = true;
    handler_.OnServicesSynced();
  }
}

void ManifestServices::Apply(const std::string& key, const Declared& declared) {
  auto it = active_.find(key);
  if (it != active_.end() && it->second.declared == declared.service && it->second.file == declared.file) return;
  auto allocated = allocator_.Allocate(declared.service);
  if (!allocated.ok()) {
    // The previous version (if any) keeps running: a bad edit must not take a working Service down.
    Report(key, declared.service, declared.file + ": " + allocated.status().message());
    return;
  }
  errors_.erase(key);
  if (it == active_.end()) {
    active_[key] = {declared.service, *allocated, declared.file, clock_.WallNow()};
    handler_.OnServiceAdd(*allocated);
    Logger("proxy")->info("service {} added from {}: clusterIP {}", key, declared.file, allocated->spec.cluster_ip);
    return;
  }
  api::Service old = it->second.allocated;
  it->second.declared = declared.service;
  it->second.allocated = *allocated;
  it->second.file = declared.file;
  if (!(old == *allocated)) {
    handler_.OnServiceUpdate(old, *allocated);
    Logger("proxy")->info("service {} updated from {}", key, declared.file);
  }
}

void ManifestServices::Report(const std::string& key, const api::Service& service, const std::string& message) {
  if (auto it = errors_.find(key); it != errors_.end() && it->second == message) return;  // once per distinct error
  errors_[key] = message;
  Logger("proxy")->error("{}", message);
  events_.Event({"Service", service.metadata.ns, service.metadata.name, "", ""}, kubelet::EventType::kWarning,
                "FailedToAllocate", message);
}

std::vector<proxy::ServiceRecord> ManifestServices::Records() const {
  std::lock_guard lock(mu_);
  std::vector<proxy::ServiceRecord> records;
  for (const auto& [_, a] : active_) records.push_back({a.allocated, a.created_at});
  return records;
}

std::vector<api::Service> ManifestServices::Services() const {
  std::lock_guard lock(mu_);
  std::vector<api::Service> services;
  for (const auto& [_, a] : active_) services.push_back(a.allocated);
  return services;
}

std::optional<proxy::ServiceRecord> ManifestServices::Get(const std::string& ns, const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = active_.find(ns + "/" + name);
  if (it == active_.end()) return std::nullopt;
  return proxy::ServiceRecord{it->second.allocated, it->second.created_at};
}

}  // namespace kubenode::agent
