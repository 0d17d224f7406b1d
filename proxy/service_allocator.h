// Fills in what a Service manifest may leave out and upstream's apiserver would allocate: spec.clusterIP and
// spec.ports[*].nodePort. Values written in the manifest are honoured if free and in range; values left out
// are taken from the Service's previous allocation (by port name, like upstream's patchAllocatedValues) and
// only otherwise picked at random, so that a Service keeps its IP and ports across edits and restarts.
// A conflict fails the later Service and names the one holding the value; the holder is unaffected.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "api/service.h"
#include "base/clock.h"
#include "base/status.h"
#include "proxy/allocation_store.h"
#include "proxy/cluster_ip_allocator.h"
#include "proxy/node_port_allocator.h"

namespace kubenode::proxy {

struct ServiceAllocatorOptions {
  std::string cluster_ip_range = kDefaultServiceClusterIPRange;  // --service-cluster-ip-range
  std::string node_port_range = kDefaultServiceNodePortRange;    // --service-node-port-range
  std::optional<uint64_t> seed;  // random picks; unset: seeded from std::random_device
  const Clock* clock = nullptr;  // creation timestamps; unset: the real clock
  // A released Service's cluster IP and node ports stay reserved for its name this long, so that a Service
  // removed and re-added (e.g. its manifest directory recreated) gets them back. Another Service asking for
  // one of them explicitly takes it at once; they are also given up early when a range runs out. Reservations
  // live in memory only (a restart ends them). Upstream makes no such promise.
  std::chrono::seconds release_grace{600};
};

class ServiceAllocator {
 public:
  // Parses the ranges and re-takes everything `store` remembers. Remembered values outside the (possibly
  // changed) ranges are dropped with a warning and reallocated when their Service is next allocated.
  static Result<std::unique_ptr<ServiceAllocator>> Create(AllocationStore* store, const ServiceAllocatorOptions& options);

  // Returns `service` with spec.clusterIP and (for type NodePort) every spec.ports[i].nodePort set, and
  // remembers them under "namespace/name". Like the API server it also sets metadata.creationTimestamp
  // on first allocation (unless the Service has one) and keeps it for later calls. Calling it again for the same Service is an update: values that
  // are no longer used are released. On error nothing changes. Headless Services ("None") get no IP.
  Result<api::Service> Allocate(const api::Service& service);
  // Frees everything held by namespace/name (into the release grace, see ServiceAllocatorOptions). OK if it
  // holds nothing.
  Status Release(const std::string& ns, const std::string& name);
  // Frees the allocations of every Service not in `keep` ("namespace/name"): those deleted while kubenode
  // was not running. Returns the keys released.
  Result<std::vector<std::string>> ReleaseAllExcept(const std::set<std::string>& keep);

  // While a SaveBatch lives, Allocate, Release and ReleaseAllExcept change the allocations in memory only and
  // its end saves them once: applying thousands of Services then costs one save, not one whole-state save
  // each. A failing final save is logged (the values are in use either way, as with Release).
  class SaveBatch {
   public:
    explicit SaveBatch(ServiceAllocator& allocator);
    ~SaveBatch();
    SaveBatch(const SaveBatch&) = delete;
    SaveBatch& operator=(const SaveBatch&) = delete;

   private:
    ServiceAllocator& allocator_;
  };

  std::optional<ServiceAllocation> Get(const std::string& ns, const std::string& name) const;
  const IPv4Cidr& cluster_ip_range() const { return cluster_ips_.cidr(); }
  const PortRange& node_port_range() const { return node_ports_.port_range(); }

 private:
  ServiceAllocator(AllocationStore* store, const Clock* clock, ClusterIPAllocator cluster_ips,
                   NodePortAllocator node_ports, std::chrono::seconds release_grace);
  void Restore(const AllocationMap& saved);
  void Free(const ServiceAllocation& allocation);
  // Moves `key`'s allocation into the release grace.
  void ReserveLocked(const std::string& key, ServiceAllocation allocation);
  // Frees reservations whose grace ended (all of them with `all`).
  void ExpireLocked(bool all);
  // Frees the reservation of `owner` (another Service's released values wanted by `key`).
  void ReclaimLocked(const std::string& owner, const std::string& key);

  AllocationStore* store_;
  const Clock* clock_;
  mutable std::mutex mu_;
  ClusterIPAllocator cluster_ips_;
  NodePortAllocator node_ports_;
  AllocationMap allocations_;
  const std::chrono::seconds release_grace_;
  struct Reserved {
    ServiceAllocation allocation;
    std::chrono::system_clock::time_point until;
  };
  std::map<std::string, Reserved> reserved_;  // released, by "namespace/name"
  int batch_depth_ = 0;  // open SaveBatches
  bool batch_dirty_ = false;
};

}  // namespace kubenode::proxy
