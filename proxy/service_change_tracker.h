// Keeps the Services and EndpointSlices the proxy has been told about and reduces them to what the ruleset
// planner consumes: one ServicePortInfo per Service port with its endpoints. Like upstream kube-proxy's
// ServiceChangeTracker + EndpointsChangeTracker, it also says which Services changed since the last
// snapshot, so that the proxier can skip work when nothing did. Handlers may be called from any thread;
// Snapshot() belongs to the sync loop.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstddef>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/service_handler.h"
#include "proxy/service_port.h"

namespace kubenode::proxy {

// Orders "namespace/name" keys as (namespace, name): the order of ServicePortName, so that walking a
// PortsByService visits ports sorted by id.
struct ServiceKeyLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const;
};

// The built ports of every proxied Service, by "namespace/name"; each vector is sorted by id, protocol, port
// and never empty. The vectors are immutable and shared between the tracker and the snapshots it handed out.
using PortsByService = std::map<std::string, std::shared_ptr<const std::vector<ServicePortInfo>>, ServiceKeyLess>;

// An immutable view of every proxied Service port, sorted by id then protocol, as one sequence over a shared
// PortsByService (taking it costs nothing, whatever the number of Services). Iteration flattens the
// per-Service vectors; operator[] walks to its index (O(index): for tests and printing).
class ServicePorts {
 public:
  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = ServicePortInfo;
    using difference_type = std::ptrdiff_t;
    using pointer = const ServicePortInfo*;
    using reference = const ServicePortInfo&;
    const_iterator() = default;
    reference operator*() const { return (*service_->second)[index_]; }
    pointer operator->() const { return &**this; }
    const_iterator& operator++() {
      if (++index_ == service_->second->size()) {
        ++service_;
        index_ = 0;
      }
      return *this;
    }
    const_iterator operator++(int) {
      const_iterator old = *this;
      ++*this;
      return old;
    }
    bool operator==(const const_iterator& other) const { return service_ == other.service_ && index_ == other.index_; }

   private:
    friend class ServicePorts;
    explicit const_iterator(PortsByService::const_iterator service) : service_(service) {}
    PortsByService::const_iterator service_;
    size_t index_ = 0;
  };
  using iterator = const_iterator;
  using value_type = ServicePortInfo;
  using size_type = size_t;
  using difference_type = std::ptrdiff_t;
  using reference = const ServicePortInfo&;
  using const_reference = const ServicePortInfo&;

  ServicePorts();
  ServicePorts(std::shared_ptr<const PortsByService> by_service, size_t size);

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const_iterator begin() const { return const_iterator(by_service_->begin()); }
  const_iterator end() const { return const_iterator(by_service_->end()); }
  const ServicePortInfo& operator[](size_t i) const { return *std::next(begin(), static_cast<difference_type>(i)); }
  // One flat vector (O(N): for full syncs and tests).
  std::vector<ServicePortInfo> ToVector() const { return {begin(), end()}; }
  // The per-Service map underneath (for Proxier::Sync(PortsByService, changed)).
  const PortsByService& by_service() const { return *by_service_; }

  friend bool operator==(const ServicePorts& a, const std::vector<ServicePortInfo>& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
  }

 private:
  std::shared_ptr<const PortsByService> by_service_;
  size_t size_ = 0;
};

struct ServiceSnapshot {
  ServicePorts ports;  // every proxied Service port, sorted by id then protocol
  // "namespace/name" of every Service whose ports or endpoints differ from the previous snapshot,
  // including Services that disappeared.
  std::set<std::string> changed;
  uint64_t generation = 0;  // of the inputs this snapshot reflects
};

class ServiceChangeTracker : public ServiceHandler, public EndpointSliceHandler {
 public:
  // `node_name`: endpoints on this node are is_local. `on_change`, if set, is called (without locks held)
  // after every handler call that changed something, to wake the sync loop.
  explicit ServiceChangeTracker(std::string node_name, std::function<void()> on_change = nullptr);

  void OnServiceAdd(const api::Service& service) override;
  // OnServiceAdd without a copy: the tracker keeps `service` itself (shared with EndpointSliceSync).
  void AddService(std::shared_ptr<const api::Service> service);
  void OnServiceUpdate(const api::Service& old_service, const api::Service& service) override;
  void OnServiceAddShared(std::shared_ptr<const api::Service> service) override { AddService(std::move(service)); }
  void OnServiceUpdateShared(const api::Service& old_service, std::shared_ptr<const api::Service> service) override;
  void OnServiceDelete(const api::Service& service) override;
  void OnServicesSynced() override;
  void OnEndpointSliceAdd(const api::EndpointSlice& slice) override;
  void OnEndpointSliceUpdate(const api::EndpointSlice& old_slice, const api::EndpointSlice& slice) override;
  void OnEndpointSliceDelete(const api::EndpointSlice& slice) override;
  void OnEndpointSlicesSynced() override;

  // Both sources delivered their initial state: before that a sync would delete rules of Services that
  // merely have not been reported yet.
  bool synced() const;
  // Something changed since the last Snapshot().
  bool dirty() const;
  // Counts the changes ever made; a snapshot carries the generation it reflects.
  uint64_t generation() const;

  // The current state and what changed since the previous call; clears dirty(). Costs O(changed Services):
  // the ports are shared with the tracker, which rebuilds only the changed Services' vectors. (If a caller
  // still holds the previous snapshot when a Service changed, the per-Service map -- pointers, not ports --
  // is copied once so that the held snapshot stays as it was.)
  ServiceSnapshot Snapshot();

  // Changes made while a Batch is alive form one step: TrySnapshot() refuses to cut through it, so that a
  // Service delivered in the step is never seen without the endpoints computed in the same step (else it
  // would be programmed as "no endpoints" and reject traffic until the next sync). Ending the last open
  // batch calls on_change if anything changed. Batches may nest and come from several threads.
  class Batch {
   public:
    explicit Batch(ServiceChangeTracker& tracker);
    ~Batch();
    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;

   private:
    ServiceChangeTracker& tracker_;
  };
  // Snapshot(), or nullopt while a Batch is open (the sync loop then waits for the batch's on_change).
  std::optional<ServiceSnapshot> TrySnapshot();

  // For printing (`describe svc` lists endpoints).
  std::optional<api::Service> GetService(const std::string& ns, const std::string& name) const;
  std::vector<api::Service> Services() const;  // sorted by namespace/name
  // The Service's slices as the tracker keeps them (by slice name): name, namespace, service-name label, ports,
  // and per endpoint its first address and conditions; other fields are not kept.
  std::vector<api::EndpointSlice> SlicesFor(const std::string& ns, const std::string& name) const;

 private:
  // Records a change to Service `key` (namespace/name) for the next Snapshot().
  void MarkChangedLocked(const std::string& key);
  void Notify(bool changed);
  ServiceSnapshot SnapshotLocked();
  // What the proxy needs of an EndpointSlice (as upstream's endpointSliceCache keeps endpoint info, not
  // slices): a tenth of the api object's size, which matters at 10 000 Services.
  struct TrackedEndpoint {
    std::string address;  // the first one; the proxy balances over it alone
    api::EndpointConditions conditions;
    bool is_local = false;
    bool operator==(const TrackedEndpoint&) const = default;
  };
  struct TrackedSlice {
    std::vector<api::EndpointPort> ports;
    std::vector<TrackedEndpoint> endpoints;
    bool operator==(const TrackedSlice&) const = default;
  };
  TrackedSlice Track(const api::EndpointSlice& slice) const;
  // Removes slice `name` of Service `service_key`; marks the Service changed if it was there.
  void RemoveSliceLocked(const std::string& service_key, const std::string& name);
  std::vector<ServicePortInfo> BuildLocked(const std::string& service_key) const;
  // reported_, for writing: copied first if a snapshot still shares it.
  PortsByService& MutableReportedLocked();

  const std::string node_name_;
  const std::function<void()> on_change_;

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const api::Service>> services_;  // by namespace/name; immutable
  // Service key (its namespace/name, from the slice's service-name label) -> slice name -> slice, as
  // upstream keys its cache: a slice is identified by its Service and name.
  std::map<std::string, std::map<std::string, TrackedSlice>> slices_;
  std::set<std::string> pending_;                                      // service keys touched since Snapshot
  std::shared_ptr<PortsByService> reported_;                           // as of the last Snapshot
  size_t reported_ports_ = 0;                                          // in reported_
  bool services_synced_ = false;
  bool slices_synced_ = false;
  bool dirty_ = false;
  uint64_t generation_ = 0;
  int open_batches_ = 0;
};

// "namespace/name" of the Service an EndpointSlice belongs to (its kubernetes.io/service-name label), or ""
// if the slice has no such label.
std::string ServiceKeyOf(const api::EndpointSlice& slice);

}  // namespace kubenode::proxy
