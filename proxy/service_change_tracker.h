// Keeps the Services and EndpointSlices the proxy has been told about and reduces them to what the ruleset
// planner consumes: one ServicePortInfo per Service port with its endpoints. Like upstream kube-proxy's
// ServiceChangeTracker + EndpointsChangeTracker, it also says which Services changed since the last
// snapshot, so that the proxier can skip work when nothing did. Handlers may be called from any thread;
// Snapshot() belongs to the sync loop.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "proxy/service_handler.h"
#include "proxy/service_port.h"

namespace kubenode::proxy {

struct ServiceSnapshot {
  std::vector<ServicePortInfo> ports;  // every proxied Service port, sorted by id then protocol
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
  void OnServiceUpdate(const api::Service& old_service, const api::Service& service) override;
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

  // The current state and what changed since the previous call; clears dirty().
  ServiceSnapshot Snapshot();

  // For printing (`describe svc` lists endpoints).
  std::optional<api::Service> GetService(const std::string& ns, const std::string& name) const;
  std::vector<api::Service> Services() const;  // sorted by namespace/name
  std::vector<api::EndpointSlice> SlicesFor(const std::string& ns, const std::string& name) const;  // by slice name

 private:
  // Records a change to Service `key` (namespace/name) for the next Snapshot().
  void MarkChangedLocked(const std::string& key);
  void Notify(bool changed);
  void RemoveSliceLocked(const std::string& slice_key);
  std::vector<ServicePortInfo> BuildLocked(const std::string& service_key) const;

  const std::string node_name_;
  const std::function<void()> on_change_;

  mutable std::mutex mu_;
  std::map<std::string, api::Service> services_;                       // by namespace/name
  std::map<std::string, api::EndpointSlice> slices_;                   // by namespace/slice name
  std::map<std::string, std::set<std::string>> slices_by_service_;     // service key -> slice keys
  std::set<std::string> pending_;                                      // service keys touched since Snapshot
  std::map<std::string, std::vector<ServicePortInfo>> reported_;       // as of the last Snapshot
  bool services_synced_ = false;
  bool slices_synced_ = false;
  bool dirty_ = false;
  uint64_t generation_ = 0;
};

// "namespace/name" of the Service an EndpointSlice belongs to (its kubernetes.io/service-name label), or ""
// if the slice has no such label.
std::string ServiceKeyOf(const api::EndpointSlice& slice);

}  // namespace kubenode::proxy
