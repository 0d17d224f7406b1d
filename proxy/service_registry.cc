#include "proxy/service_registry.h"

#include <set>

#include "base/log.h"

namespace kubenode::proxy {

namespace {

std::string Key(const api::ObjectMeta& meta) { return meta.ns + "/" + meta.name; }

}  // namespace

Result<api::Service> ServiceRegistry::Apply(const api::Service& service) {
  std::lock_guard lock(mu_);
  Result<std::shared_ptr<const api::Service>> applied = ApplyLocked(service);
  if (!applied.ok()) return applied.status();
  return **applied;
}

Result<std::shared_ptr<const api::Service>> ServiceRegistry::ApplyLocked(const api::Service& service) {
  Result<api::Service> allocated = allocator_->Allocate(service);
  if (!allocated.ok()) return allocated.status();
  const std::string key = Key(service.metadata);
  auto existing = records_.find(key);
  if (existing == records_.end()) {
    // The allocator sets creationTimestamp once and keeps it across updates and restarts.
    const api::Time created = allocated->metadata.creation_timestamp.value_or(clock_->WallNow());
    auto stored = std::make_shared<const api::Service>(std::move(*allocated));
    records_.emplace(key, Stored{stored, created});
    handler_->OnServiceAddShared(stored);
    return stored;
  }
  if (*existing->second.service == *allocated) return existing->second.service;
  std::shared_ptr<const api::Service> old = std::move(existing->second.service);
  existing->second.service = std::make_shared<const api::Service>(std::move(*allocated));
  handler_->OnServiceUpdateShared(*old, existing->second.service);
  return existing->second.service;
}

void ServiceRegistry::Delete(const std::string& ns, const std::string& name) {
  std::lock_guard lock(mu_);
  DeleteLocked(ns + "/" + name);
}

void ServiceRegistry::DeleteLocked(const std::string& key) {
  auto found = records_.find(key);
  if (found == records_.end()) return;
  const api::ObjectMeta& meta = found->second.service->metadata;
  if (Status released = allocator_->Release(meta.ns, meta.name); !released.ok()) {
    Logger("proxy")->warn("{}", released.message());
  }
  std::shared_ptr<const api::Service> deleted = std::move(found->second.service);
  records_.erase(found);
  handler_->OnServiceDelete(*deleted);
}

std::map<std::string, Status> ServiceRegistry::Update(const std::vector<api::Service>& apply,
                                                      const std::vector<std::string>& remove) {
  ServiceAllocator::SaveBatch batch(*allocator_);
  for (const std::string& key : remove) {
    std::lock_guard lock(mu_);
    DeleteLocked(key);
  }
  std::map<std::string, Status> errors;
  for (const api::Service& service : apply) {
    std::lock_guard lock(mu_);
    Result<std::shared_ptr<const api::Service>> applied = ApplyLocked(service);
    if (!applied.ok()) errors.emplace(Key(service.metadata), applied.status());
  }
  return errors;
}

std::map<std::string, Status> ServiceRegistry::Sync(const std::vector<api::Service>& services) {
  ServiceAllocator::SaveBatch batch(*allocator_);
  std::lock_guard lock(mu_);
  std::set<std::string> wanted;
  for (const api::Service& service : services) wanted.insert(Key(service.metadata));
  // Deletions first: a Service removed from the manifests frees its values for one added in the same scan.
  std::vector<std::string> gone;
  for (const auto& [key, record] : records_) {
    if (!wanted.contains(key)) gone.push_back(key);
  }
  for (const std::string& key : gone) DeleteLocked(key);
  if (!synced_) {
    // Allocations remembered from before a restart for Services that are no longer in any manifest.
    Result<std::vector<std::string>> released = allocator_->ReleaseAllExcept(wanted);
    if (!released.ok()) Logger("proxy")->warn("{}", released.status().message());
  }

  std::map<std::string, Status> errors;
  for (const api::Service& service : services) {
    Result<std::shared_ptr<const api::Service>> applied = ApplyLocked(service);
    if (!applied.ok()) errors.emplace(Key(service.metadata), applied.status());
  }
  if (!synced_) {
    synced_ = true;
    handler_->OnServicesSynced();
  }
  return errors;
}

std::optional<ServiceRecord> ServiceRegistry::Get(const std::string& ns, const std::string& name) const {
  std::lock_guard lock(mu_);
  auto found = records_.find(ns + "/" + name);
  if (found == records_.end()) return std::nullopt;
  return ServiceRecord{*found->second.service, found->second.created_at};
}

std::vector<ServiceRecord> ServiceRegistry::List() const {
  std::lock_guard lock(mu_);
  std::vector<ServiceRecord> list;
  for (const auto& [key, record] : records_) list.push_back({*record.service, record.created_at});
  return list;
}

}  // namespace kubenode::proxy
