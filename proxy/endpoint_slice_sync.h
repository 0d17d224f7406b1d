// Manifest mode's endpointslice controller loop: keeps every Service's EndpointSlices equal to what
// BuildEndpointSlices gives for the node's pods, and hands the differences (added, changed, removed slices)
// to an EndpointSliceHandler, as an API-server watch would.
//
// Work is O(changed): a Service that changes recomputes its own slices; a pod that changes recomputes only
// the Services whose selector matches its old or new labels. Services are indexed by one pair of their
// selector (every pod they match carries it), pods by each of their labels.
//
// It also sits between the Service source and the proxy (`next`, the change tracker): a new or changed
// Service's slices are published *before* the Service is forwarded, so that whatever snapshot first sees
// the Service also sees its endpoints, never the "no endpoints" (reject) state. A deleted Service is
// forwarded first and its slices removed after.
//
// Nothing is published before the first SetPods (the kubelet has reported every pod): until then every
// Service would look endpoint-less. The first SetPods publishes all Services' slices, then
// OnEndpointSlicesSynced.
//
// Only a fingerprint of each published slice is kept (the tracker holds the slices); handlers get the old
// slice's identity (namespace, name, service-name label) on update and delete, which is what identifies it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "proxy/endpoint_slice_builder.h"
#include "proxy/service_change_tracker.h"
#include "proxy/service_handler.h"

namespace kubenode::proxy {

class EndpointSliceSync : public ServiceHandler {
 public:
  // `next`, if set, receives every Service call after this one has published the Service's slices; it is given
  // the Service object this one keeps (one copy for both).
  EndpointSliceSync(EndpointSliceHandler* handler, EndpointSliceBuilderOptions options,
                    ServiceChangeTracker* next = nullptr)
      : handler_(handler), next_(next), options_(std::move(options)) {}

  void OnServiceAdd(const api::Service& service) override;
  void OnServiceUpdate(const api::Service& old_service, const api::Service& service) override;
  void OnServiceDelete(const api::Service& service) override;
  // Keep `service` itself (and hand it on to `next`): no copy.
  void OnServiceAddShared(std::shared_ptr<const api::Service> service) override;
  void OnServiceUpdateShared(const api::Service& old_service, std::shared_ptr<const api::Service> service) override;
  void OnServicesSynced() override;

  // Every pod of the node (a listing, not a change): recomputes the Services that an added, changed or removed
  // pod matches with its old or new labels. The first call publishes every Service's slices.
  void SetPods(const std::vector<PodWithStatus>& pods);

  // Makes the Services equal to `services` (without forwarding them to `next`), then SetPods(pods).
  void Sync(const std::vector<api::Service>& services, const std::vector<PodWithStatus>& pods);

  // How many times a Service's slices were computed (to check the O(changed) promise).
  uint64_t builds() const;
  // The names of the slices published for a Service, sorted.
  std::vector<std::string> SliceNames(const std::string& ns, const std::string& name) const;

 private:
  struct Published {
    std::string name;
    uint64_t fingerprint = 0;
  };

  // Returns the Service as kept (shared with the tracker).
  std::shared_ptr<const api::Service> UpsertLocked(std::shared_ptr<const api::Service> service);
  void RemoveLocked(const std::string& key);
  void UnindexLocked(const std::string& key);  // forgets the Service without publishing anything
  // Computes Service `key`'s slices (none if it is gone) and publishes the difference.
  void RecomputeLocked(const std::string& key);
  // Adds the Services whose selector matches `pod` to `keys`.
  void MatchingServicesLocked(const PodWithStatus& pod, std::set<std::string>& keys) const;
  void IndexPodLocked(const std::string& key, const PodWithStatus& pod, bool add);

  EndpointSliceHandler* const handler_;
  ServiceChangeTracker* const next_;
  const EndpointSliceBuilderOptions options_;

  // The handlers are called under the lock so that two concurrent changes cannot interleave their deltas.
  mutable std::mutex mu_;
  bool active_ = false;                                         // SetPods was called: publishing
  std::map<std::string, std::shared_ptr<const api::Service>> services_;  // by namespace/name; immutable
  std::map<std::string, std::set<std::string>> services_by_label_;  // "ns\0key\0value" -> Service keys
  std::map<std::string, PodWithStatus> pods_;                   // by namespace/name/uid
  std::map<std::string, std::set<std::string>> pods_by_label_;  // "ns\0key\0value" -> pod keys
  std::map<std::string, std::vector<Published>> published_;     // Service key -> its slices, by name
  uint64_t builds_ = 0;
};

}  // namespace kubenode::proxy
