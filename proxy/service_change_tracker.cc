#include "proxy/service_change_tracker.h"

#include <algorithm>
#include <atomic>
#include <tuple>
#include <utility>

#include "base/log.h"
#include "proxy/ip_range.h"

namespace kubenode::proxy {

namespace {

std::string Key(const api::ObjectMeta& meta) { return meta.ns + "/" + meta.name; }

// Upstream's ShouldSkipService: nothing to proxy without a cluster IP (not yet allocated, or headless).
bool ShouldSkip(const api::Service& service) {
  return service.spec.cluster_ip.empty() || service.spec.cluster_ip == "None";
}

// Numeric address order, so that 10.0.0.9 sorts before 10.0.0.10 in rules and in debugging output.
bool EndpointLess(const EndpointInfo& a, const EndpointInfo& b) {
  auto ip_a = ParseIPv4(a.ip), ip_b = ParseIPv4(b.ip);
  return std::tie(ip_a, a.ip, a.port) < std::tie(ip_b, b.ip, b.port);
}

bool PortLess(const ServicePortInfo& a, const ServicePortInfo& b) {
  return std::tie(a.id, a.protocol, a.port) < std::tie(b.id, b.protocol, b.port);
}

// "namespace/name" split at the first '/' (namespaces cannot contain one).
std::pair<std::string_view, std::string_view> SplitKey(std::string_view key) {
  auto slash = key.find('/');
  if (slash == std::string_view::npos) return {key, {}};
  return {key.substr(0, slash), key.substr(slash + 1)};
}

const std::shared_ptr<const PortsByService>& EmptyPorts() {
  static const auto* empty = new std::shared_ptr<const PortsByService>(std::make_shared<const PortsByService>());
  return *empty;
}

}  // namespace

bool ServiceKeyLess::operator()(std::string_view a, std::string_view b) const {
  return SplitKey(a) < SplitKey(b);
}

ServicePorts::ServicePorts() : by_service_(EmptyPorts()) {}

ServicePorts::ServicePorts(std::shared_ptr<const PortsByService> by_service, size_t size)
    : by_service_(by_service ? std::move(by_service) : EmptyPorts()), size_(by_service_->empty() ? 0 : size) {}

std::string ServiceKeyOf(const api::EndpointSlice& slice) {
  auto label = slice.metadata.labels.find(api::kServiceNameLabel);
  if (label == slice.metadata.labels.end() || label->second.empty()) return "";
  return slice.metadata.ns + "/" + label->second;
}

ServiceChangeTracker::ServiceChangeTracker(std::string node_name, std::function<void()> on_change)
    : node_name_(std::move(node_name)),
      on_change_(std::move(on_change)),
      reported_(std::make_shared<PortsByService>()) {}

void ServiceChangeTracker::MarkChangedLocked(const std::string& key) {
  pending_.insert(key);
  dirty_ = true;
  ++generation_;
}

void ServiceChangeTracker::Notify(bool changed) {
  if (changed && on_change_) on_change_();
}

ServiceChangeTracker::Batch::Batch(ServiceChangeTracker& tracker) : tracker_(tracker) {
  std::lock_guard lock(tracker_.mu_);
  ++tracker_.open_batches_;
}

ServiceChangeTracker::Batch::~Batch() {
  bool wake = false;
  {
    std::lock_guard lock(tracker_.mu_);
    wake = --tracker_.open_batches_ == 0 && tracker_.dirty_;
  }
  tracker_.Notify(wake);
}

std::optional<ServiceSnapshot> ServiceChangeTracker::TrySnapshot() {
  std::lock_guard lock(mu_);
  if (open_batches_ > 0) return std::nullopt;
  return SnapshotLocked();
}

void ServiceChangeTracker::OnServiceAdd(const api::Service& service) {
  AddService(std::make_shared<const api::Service>(service));
}

void ServiceChangeTracker::AddService(std::shared_ptr<const api::Service> service) {
  bool changed = false;
  {
    std::lock_guard lock(mu_);
    std::string key = Key(service->metadata);
    auto [it, inserted] = services_.try_emplace(key, service);
    if (inserted || !(*it->second == *service)) {
      it->second = std::move(service);
      MarkChangedLocked(key);
      changed = true;
    }
  }
  Notify(changed);
}

void ServiceChangeTracker::OnServiceUpdate(const api::Service& old_service, const api::Service& service) {
  // Names cannot change on update; if a source says otherwise, treat it as delete + add.
  if (Key(old_service.metadata) != Key(service.metadata)) OnServiceDelete(old_service);
  OnServiceAdd(service);
}

void ServiceChangeTracker::OnServiceUpdateShared(const api::Service& old_service,
                                                 std::shared_ptr<const api::Service> service) {
  if (Key(old_service.metadata) != Key(service->metadata)) OnServiceDelete(old_service);
  AddService(std::move(service));
}

void ServiceChangeTracker::OnServiceDelete(const api::Service& service) {
  bool changed = false;
  {
    std::lock_guard lock(mu_);
    std::string key = Key(service.metadata);
    if (services_.erase(key) > 0) {
      MarkChangedLocked(key);
      changed = true;
    }
  }
  Notify(changed);
}

void ServiceChangeTracker::OnServicesSynced() {
  bool changed = false;
  {
    std::lock_guard lock(mu_);
    if (!services_synced_) {
      services_synced_ = true;
      dirty_ = true;
      ++generation_;
      changed = true;
    }
  }
  Notify(changed);
}

ServiceChangeTracker::TrackedSlice ServiceChangeTracker::Track(const api::EndpointSlice& slice) const {
  TrackedSlice tracked{slice.ports, {}};
  tracked.endpoints.reserve(slice.endpoints.size());
  for (const api::Endpoint& endpoint : slice.endpoints) {
    if (endpoint.addresses.empty()) continue;
    tracked.endpoints.push_back({endpoint.addresses.front(), endpoint.conditions, endpoint.node_name == node_name_});
  }
  return tracked;
}

void ServiceChangeTracker::RemoveSliceLocked(const std::string& service_key, const std::string& name) {
  auto service = slices_.find(service_key);
  if (service == slices_.end() || service->second.erase(name) == 0) return;
  if (service->second.empty()) slices_.erase(service);
  MarkChangedLocked(service_key);
}

void ServiceChangeTracker::OnEndpointSliceAdd(const api::EndpointSlice& slice) {
  bool changed = false;
  {
    std::lock_guard lock(mu_);
    const std::string service_key = ServiceKeyOf(slice);
    if (service_key.empty()) {
      Logger("proxy")->warn("endpointslice {}: no {} label; ignoring it", Key(slice.metadata), api::kServiceNameLabel);
      return;
    }
    TrackedSlice tracked = Track(slice);
    auto& by_name = slices_[service_key];
    auto [it, inserted] = by_name.try_emplace(slice.metadata.name);
    if (inserted || !(it->second == tracked)) {
      it->second = std::move(tracked);
      MarkChangedLocked(service_key);
      changed = true;
    }
  }
  Notify(changed);
}

void ServiceChangeTracker::OnEndpointSliceUpdate(const api::EndpointSlice& old_slice, const api::EndpointSlice& slice) {
  // A slice that moved to another Service (its service-name label changed) leaves the old one.
  if (old_slice.metadata.name != slice.metadata.name || ServiceKeyOf(old_slice) != ServiceKeyOf(slice)) {
    OnEndpointSliceDelete(old_slice);
  }
  OnEndpointSliceAdd(slice);
}

void ServiceChangeTracker::OnEndpointSliceDelete(const api::EndpointSlice& slice) {
  bool changed = false;
  {
    std::lock_guard lock(mu_);
    uint64_t before = generation_;
    RemoveSliceLocked(ServiceKeyOf(slice), slice.metadata.name);
    changed = generation_ != before;
  }
  Notify(changed);
}

void ServiceChangeTracker::OnEndpointSlicesSynced() {
  bool changed = false;
  {
    std::lock_guard lock(mu_);
    if (!slices_synced_) {
      slices_synced_ = true;
      dirty_ = true;
      ++generation_;
      changed = true;
    }
  }
  Notify(changed);
}

bool ServiceChangeTracker::synced() const {
  std::lock_guard lock(mu_);
  return services_synced_ && slices_synced_;
}

bool ServiceChangeTracker::dirty() const {
  std::lock_guard lock(mu_);
  return dirty_;
}

uint64_t ServiceChangeTracker::generation() const {
  std::lock_guard lock(mu_);
  return generation_;
}

std::vector<ServicePortInfo> ServiceChangeTracker::BuildLocked(const std::string& service_key) const {
  std::vector<ServicePortInfo> infos;
  auto found = services_.find(service_key);
  if (found == services_.end() || ShouldSkip(*found->second)) return infos;
  const api::Service& service = *found->second;
  const bool node_port = service.spec.type == api::ServiceType::kNodePort;
  const std::map<std::string, TrackedSlice>* slices = nullptr;
  if (auto index = slices_.find(service_key); index != slices_.end()) slices = &index->second;

  for (const api::ServicePort& port : service.spec.ports) {
    ServicePortInfo info;
    info.id = {service.metadata.ns, service.metadata.name, port.name};
    info.protocol = port.protocol;
    info.cluster_ip = service.spec.cluster_ip;
    info.port = port.port;
    info.node_port = node_port ? port.node_port : 0;
    info.session_affinity = service.spec.session_affinity;
    info.affinity_timeout_seconds = service.spec.session_affinity_timeout_seconds;
    // Upstream applies externalTrafficPolicy only to externally reachable Services.
    info.external_traffic_policy = node_port ? service.spec.external_traffic_policy : api::TrafficPolicy::kCluster;

    // An endpoint listed by two slices (possible while a controller moves it) counts once, ready if either
    // says so.
    std::map<std::pair<std::string, int32_t>, EndpointInfo> endpoints;
    for (const auto& [unused_name, slice] : slices ? *slices : std::map<std::string, TrackedSlice>{}) {
      for (const api::EndpointPort& slice_port : slice.ports) {
        if (slice_port.name != port.name || slice_port.protocol != port.protocol || slice_port.port <= 0) continue;
        for (const TrackedEndpoint& endpoint : slice.endpoints) {
          EndpointInfo e{endpoint.address, slice_port.port, endpoint.conditions.ready, endpoint.is_local};
          auto [it, inserted] = endpoints.try_emplace({e.ip, e.port}, e);
          if (!inserted && e.ready && !it->second.ready) it->second = e;
        }
      }
    }
    for (auto& [unused, e] : endpoints) info.endpoints.push_back(std::move(e));
    std::sort(info.endpoints.begin(), info.endpoints.end(), EndpointLess);
    infos.push_back(std::move(info));
  }
  std::sort(infos.begin(), infos.end(), PortLess);
  return infos;
}

PortsByService& ServiceChangeTracker::MutableReportedLocked() {
  if (reported_.use_count() > 1) {
    // A snapshot handed out earlier is still held: leave it as it was (copies pointers, not ports).
    reported_ = std::make_shared<PortsByService>(*reported_);
  } else {
    // The last other holder released it (an acq_rel decrement): its reads happen before our writes.
    std::atomic_thread_fence(std::memory_order_acquire);
  }
  return *reported_;
}

ServiceSnapshot ServiceChangeTracker::Snapshot() {
  std::lock_guard lock(mu_);
  return SnapshotLocked();
}

ServiceSnapshot ServiceChangeTracker::SnapshotLocked() {
  ServiceSnapshot snapshot;
  for (const std::string& key : pending_) {
    std::vector<ServicePortInfo> now = BuildLocked(key);
    auto before = reported_->find(key);
    bool was_reported = before != reported_->end();
    if (was_reported ? *before->second == now : now.empty()) continue;
    snapshot.changed.insert(key);
    PortsByService& reported = MutableReportedLocked();
    before = reported.find(key);  // the map may have been copied
    if (was_reported) reported_ports_ -= before->second->size();
    if (now.empty()) {
      reported.erase(before);
    } else {
      reported_ports_ += now.size();
      auto ports = std::make_shared<const std::vector<ServicePortInfo>>(std::move(now));
      if (was_reported) {
        before->second = std::move(ports);
      } else {
        reported.emplace(key, std::move(ports));
      }
    }
  }
  pending_.clear();
  dirty_ = false;
  snapshot.generation = generation_;
  snapshot.ports = ServicePorts(reported_, reported_ports_);
  return snapshot;
}

std::optional<api::Service> ServiceChangeTracker::GetService(const std::string& ns, const std::string& name) const {
  std::lock_guard lock(mu_);
  auto found = services_.find(ns + "/" + name);
  if (found == services_.end()) return std::nullopt;
  return *found->second;
}

std::vector<api::Service> ServiceChangeTracker::Services() const {
  std::lock_guard lock(mu_);
  std::vector<api::Service> services;
  for (const auto& [key, service] : services_) services.push_back(*service);
  return services;
}

std::vector<api::EndpointSlice> ServiceChangeTracker::SlicesFor(const std::string& ns, const std::string& name) const {
  std::lock_guard lock(mu_);
  std::vector<api::EndpointSlice> slices;
  auto index = slices_.find(ns + "/" + name);
  if (index == slices_.end()) return slices;
  for (const auto& [slice_name, tracked] : index->second) {
    api::EndpointSlice& slice = slices.emplace_back();
    slice.metadata.ns = ns;
    slice.metadata.name = slice_name;
    slice.metadata.labels[api::kServiceNameLabel] = name;
    slice.ports = tracked.ports;
    for (const TrackedEndpoint& endpoint : tracked.endpoints) {
      slice.endpoints.push_back({.addresses = {endpoint.address}, .conditions = endpoint.conditions});
    }
  }
  return slices;
}

}  // namespace kubenode::proxy
