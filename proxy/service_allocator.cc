#include "proxy/service_allocator.h"

#include <chrono>
#include <map>
#include <random>
#include <utility>

#include "base/log.h"

namespace kubenode::proxy {

namespace {

std::string Key(const std::string& ns, const std::string& name) { return ns + "/" + name; }

std::string PortField(size_t i) { return "spec.ports[" + std::to_string(i) + "].nodePort"; }

}  // namespace

Result<std::unique_ptr<ServiceAllocator>> ServiceAllocator::Create(AllocationStore* store,
                                                                   const ServiceAllocatorOptions& options) {
  uint64_t seed = options.seed ? *options.seed : (uint64_t{std::random_device{}()} << 32) ^ std::random_device{}();
  Result<ClusterIPAllocator> cluster_ips = ClusterIPAllocator::Create(options.cluster_ip_range, seed);
  if (!cluster_ips.ok()) return cluster_ips.status();
  Result<NodePortAllocator> node_ports = NodePortAllocator::Create(options.node_port_range, seed + 1);
  if (!node_ports.ok()) return node_ports.status();
  Result<AllocationMap> saved = store->Load();
  if (!saved.ok()) return saved.status().WithContext("loading service allocations");
  static const RealClock real_clock;
  const Clock* clock = options.clock ? options.clock : &real_clock;
  std::unique_ptr<ServiceAllocator> allocator(
      new ServiceAllocator(store, clock, std::move(cluster_ips).value(), std::move(node_ports).value(),
                           options.release_grace));
  allocator->Restore(*saved);
  return allocator;
}

ServiceAllocator::ServiceAllocator(AllocationStore* store, const Clock* clock, ClusterIPAllocator cluster_ips,
                                   NodePortAllocator node_ports, std::chrono::seconds release_grace)
    : store_(store),
      clock_(clock),
      cluster_ips_(std::move(cluster_ips)),
      node_ports_(std::move(node_ports)),
      release_grace_(release_grace) {}

void ServiceAllocator::Restore(const AllocationMap& saved) {
  auto log = Logger("proxy");
  for (const auto& [key, remembered] : saved) {
    ServiceAllocation kept;
    kept.created_at = remembered.created_at;
    if (!remembered.cluster_ip.empty()) {
      Status taken = cluster_ips_.Allocate(remembered.cluster_ip, key);
      if (taken.ok()) {
        kept.cluster_ip = remembered.cluster_ip;
      } else {
        log->warn("service {}: dropping remembered cluster IP: {}", key, taken.message());
      }
    }
    for (const NodePortAllocation& port : remembered.node_ports) {
      Status taken = node_ports_.Allocate(port.node_port, key);
      if (taken.ok()) {
        kept.node_ports.push_back(port);
      } else {
        log->warn("service {}: dropping remembered node port {}: {}", key, port.node_port, taken.message());
      }
    }
    allocations_.emplace(key, std::move(kept));
  }
}

void ServiceAllocator::Free(const ServiceAllocation& allocation) {
  if (!allocation.cluster_ip.empty()) cluster_ips_.Release(allocation.cluster_ip);
  for (const NodePortAllocation& port : allocation.node_ports) node_ports_.Release(port.node_port);
}

void ServiceAllocator::ReserveLocked(const std::string& key, ServiceAllocation allocation) {
  if (release_grace_.count() <= 0) {
    Free(allocation);
    return;
  }
  reserved_[key] = {std::move(allocation), clock_->WallNow() + release_grace_};
}

void ServiceAllocator::ExpireLocked(bool all) {
  const auto now = clock_->WallNow();
  for (auto it = reserved_.begin(); it != reserved_.end();) {
    if (!all && it->second.until > now) {
      ++it;
      continue;
    }
    Free(it->second.allocation);
    it = reserved_.erase(it);
  }
}

void ServiceAllocator::ReclaimLocked(const std::string& owner, const std::string& key) {
  if (owner.empty() || owner == key) return;
  auto it = reserved_.find(owner);
  if (it == reserved_.end()) return;
  Logger("proxy")->info("service {} takes values reserved for released service {}", key, owner);
  Free(it->second.allocation);
  reserved_.erase(it);
}

Result<api::Service> ServiceAllocator::Allocate(const api::Service& service) {
  const std::string key = Key(service.metadata.ns, service.metadata.name);
  std::lock_guard lock(mu_);
  ExpireLocked(false);
  auto found = allocations_.find(key);
  const ServiceAllocation* previous = found == allocations_.end() ? nullptr : &found->second;
  const bool stored = previous != nullptr;
  // Released within the grace: its values come back (they are still held under its name). Taken out of the
  // reservations for this call (put back on failure), so that reservations giving way cannot free them.
  std::optional<Reserved> restored;
  if (auto it = reserved_.find(key); !stored && it != reserved_.end()) {
    restored = std::move(it->second);
    reserved_.erase(it);
    previous = &restored->allocation;
  }

  // What this call takes that the Service did not hold before, to give back if a later step fails.
  std::vector<std::string> taken_ips;
  std::vector<int32_t> taken_ports;
  auto fail = [&](const Status& error) -> Result<api::Service> {
    for (const std::string& ip : taken_ips) cluster_ips_.Release(ip);
    for (int32_t port : taken_ports) node_ports_.Release(port);
    if (restored) reserved_[key] = std::move(*restored);
    return error.WithContext("service " + key);
  };

  api::Service out = service;
  ServiceAllocation next;
  // Whole seconds, as the API (and the state file) keeps them.
  if (!out.metadata.creation_timestamp) {
    // A Service re-added within the grace is a new object: a new timestamp.
    out.metadata.creation_timestamp = stored && previous->created_at
                                          ? *previous->created_at
                                          : std::chrono::floor<std::chrono::seconds>(clock_->WallNow());
  }
  next.created_at = out.metadata.creation_timestamp;

  std::string& ip = out.spec.cluster_ip;
  if (ip != "None") {
    if (ip.empty() && previous) ip = previous->cluster_ip;
    if (ip.empty()) {
      Result<std::string> picked = cluster_ips_.AllocateNext(key);
      if (!picked.ok() && !reserved_.empty()) {
        ExpireLocked(true);  // the range ran out: reservations give way
        picked = cluster_ips_.AllocateNext(key);
      }
      if (!picked.ok()) return fail(picked.status().WithContext("spec.clusterIP"));
      ip = *picked;
      taken_ips.push_back(ip);
    } else {
      ReclaimLocked(cluster_ips_.Owner(ip), key);
      bool held = cluster_ips_.Owner(ip) == key;
      Status taken = cluster_ips_.Allocate(ip, key);
      if (!taken.ok()) return fail(taken.WithContext("spec.clusterIP: Invalid value: \"" + ip + "\""));
      if (!held) taken_ips.push_back(ip);
    }
    next.cluster_ip = ip;
  }

  std::vector<api::ServicePort>& ports = out.spec.ports;
  if (out.spec.type != api::ServiceType::kNodePort) {
    for (size_t i = 0; i < ports.size(); ++i) {
      if (ports[i].node_port != 0) {
        return fail(Status::Error(PortField(i) + ": Forbidden: may not be used when `type` is 'ClusterIP'"));
      }
    }
  } else {
    std::set<std::pair<int32_t, api::Protocol>> used;  // (nodePort, protocol) already in this Service
    auto take = [&](size_t i, int32_t node_port) -> Status {
      if (used.contains({node_port, ports[i].protocol})) {
        return Status::Error(PortField(i) + ": Duplicate value: " + std::to_string(node_port));
      }
      ReclaimLocked(node_ports_.Owner(node_port), key);
      bool held = node_ports_.Owner(node_port) == key;
      Status taken = node_ports_.Allocate(node_port, key);
      if (!taken.ok()) return taken.WithContext(PortField(i) + ": Invalid value: " + std::to_string(node_port));
      if (!held) taken_ports.push_back(node_port);
      used.emplace(node_port, ports[i].protocol);
      ports[i].node_port = node_port;
      return Status();
    };
    // Values in the manifest first, so that a remembered value cannot take a port the manifest asks for.
    for (size_t i = 0; i < ports.size(); ++i) {
      if (ports[i].node_port == 0) continue;
      if (Status taken = take(i, ports[i].node_port); !taken.ok()) return fail(taken);
    }
    // Like upstream, the TCP and UDP ports of one service port number share a node port.
    std::map<int32_t, int32_t> by_service_port;
    for (size_t i = 0; i < ports.size(); ++i) {
      if (ports[i].node_port == 0) continue;
      by_service_port.emplace(ports[i].port, ports[i].node_port);
    }
    for (size_t i = 0; i < ports.size(); ++i) {
      if (ports[i].node_port != 0) continue;
      std::vector<int32_t> candidates;
      if (previous) {
        for (const NodePortAllocation& old : previous->node_ports) {
          if (old.port_name == ports[i].name && old.protocol == ports[i].protocol) candidates.push_back(old.node_port);
        }
      }
      if (auto same = by_service_port.find(ports[i].port); same != by_service_port.end()) {
        candidates.push_back(same->second);
      }
      for (int32_t candidate : candidates) {
        if (take(i, candidate).ok()) break;
      }
      if (ports[i].node_port == 0) {
        Result<int32_t> picked = node_ports_.AllocateNext(key);
        if (!picked.ok() && !reserved_.empty()) {
          ExpireLocked(true);
          picked = node_ports_.AllocateNext(key);
        }
        if (!picked.ok()) return fail(picked.status().WithContext(PortField(i)));
        taken_ports.push_back(*picked);
        used.emplace(*picked, ports[i].protocol);
        ports[i].node_port = *picked;
      }
      by_service_port.emplace(ports[i].port, ports[i].node_port);
    }
    for (const api::ServicePort& port : ports) {
      next.node_ports.push_back({port.name, port.protocol, port.node_port});
    }
  }

  if ((!stored || *previous != next) && batch_depth_ > 0) {
    batch_dirty_ = true;
  } else if (!stored || *previous != next) {
    AllocationMap updated = allocations_;
    updated[key] = next;
    if (Status saved = store_->Save(updated); !saved.ok()) return fail(saved.WithContext("saving allocations"));
  }

  // Give back what the previous allocation held and this one does not.
  if (previous) {
    if (!previous->cluster_ip.empty() && previous->cluster_ip != next.cluster_ip) {
      cluster_ips_.Release(previous->cluster_ip);
    }
    for (const NodePortAllocation& old : previous->node_ports) {
      bool kept = false;
      for (const NodePortAllocation& now : next.node_ports) kept = kept || now.node_port == old.node_port;
      if (!kept) node_ports_.Release(old.node_port);
    }
  }
  allocations_[key] = std::move(next);
  return out;
}

// Deleting must not fail because the state file cannot be written: the values are freed in memory
// regardless, and the error only says that a restart would bring them back until ReleaseAllExcept.
Status ServiceAllocator::Release(const std::string& ns, const std::string& name) {
  const std::string key = Key(ns, name);
  std::lock_guard lock(mu_);
  ExpireLocked(false);
  auto found = allocations_.find(key);
  if (found == allocations_.end()) return Status();
  ReserveLocked(key, std::move(found->second));
  allocations_.erase(found);
  if (batch_depth_ > 0) {
    batch_dirty_ = true;
    return Status();
  }
  return store_->Save(allocations_).WithContext("service " + key + ": saving allocations");
}

Result<std::vector<std::string>> ServiceAllocator::ReleaseAllExcept(const std::set<std::string>& keep) {
  std::lock_guard lock(mu_);
  std::vector<std::string> released;
  for (auto it = allocations_.begin(); it != allocations_.end();) {
    if (keep.contains(it->first)) {
      ++it;
      continue;
    }
    released.push_back(it->first);
    ReserveLocked(it->first, std::move(it->second));
    it = allocations_.erase(it);
  }
  if (!released.empty() && batch_depth_ > 0) {
    batch_dirty_ = true;
  } else if (!released.empty()) {
    if (Status saved = store_->Save(allocations_); !saved.ok()) return saved.WithContext("saving allocations");
  }
  return released;
}

ServiceAllocator::SaveBatch::SaveBatch(ServiceAllocator& allocator) : allocator_(allocator) {
  std::lock_guard lock(allocator_.mu_);
  ++allocator_.batch_depth_;
}

ServiceAllocator::SaveBatch::~SaveBatch() {
  std::lock_guard lock(allocator_.mu_);
  if (--allocator_.batch_depth_ > 0 || !allocator_.batch_dirty_) return;
  allocator_.batch_dirty_ = false;
  if (Status saved = allocator_.store_->Save(allocator_.allocations_); !saved.ok()) {
    Logger("proxy")->error("{}", saved.WithContext("saving allocations").message());
  }
}

std::optional<ServiceAllocation> ServiceAllocator::Get(const std::string& ns, const std::string& name) const {
  std::lock_guard lock(mu_);
  auto found = allocations_.find(Key(ns, name));
  if (found == allocations_.end()) return std::nullopt;
  return found->second;
}

}  // namespace kubenode::proxy
