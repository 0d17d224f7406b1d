// Manifest mode's stand-in for the API server's Service storage: every Service read from a manifest is
// allocated (cluster IP, node ports), timestamped and then handed to a ServiceHandler, exactly as a watch
// would deliver stored Services. A Service that fails allocation is not delivered; if an earlier version
// of it was, that version stays in effect, so a bad edit never takes a working Service down.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "proxy/service_allocator.h"
#include "proxy/service_handler.h"
#include "proxy/service_printer.h"

namespace kubenode::proxy {

class ServiceRegistry {
 public:
  ServiceRegistry(ServiceAllocator* allocator, ServiceHandler* handler, const Clock* clock)
      : allocator_(allocator), handler_(handler), clock_(clock) {}

  // Adds or replaces one Service; returns it as stored (allocated) or why it was refused.
  Result<api::Service> Apply(const api::Service& service);
  // Removes a Service and frees its allocations. OK if it is not there.
  void Delete(const std::string& ns, const std::string& name);

  // Makes the stored set equal to `services` (a rescan of the manifest directory), in order, so that on a
  // conflict the earlier Service wins. Returns the error of each refused Service by "namespace/name"; a
  // refused Service that was stored before keeps its stored version. The first call also frees
  // allocations remembered for Services that no longer exist and reports OnServicesSynced.
  std::map<std::string, Status> Sync(const std::vector<api::Service>& services);

  // Removes the Services named in `remove` ("namespace/name"), then applies `apply` in order (the earlier
  // wins a conflict); returns the error of each refused Service as Sync does. The lock is taken per Service,
  // so that readers (`get svc`) never wait for a large batch, and the allocator saves once for all of them.
  std::map<std::string, Status> Update(const std::vector<api::Service>& apply, const std::vector<std::string>& remove);

  std::optional<ServiceRecord> Get(const std::string& ns, const std::string& name) const;
  std::vector<ServiceRecord> List() const;  // sorted by namespace/name

 private:
  // What a record holds: the allocated Service as one immutable object, shared with the handler (the
  // proxy keeps the same object: at 10 000 Services a copy per stage was megabytes).
  struct Stored {
    std::shared_ptr<const api::Service> service;
    api::Time created_at;
  };
  Result<std::shared_ptr<const api::Service>> ApplyLocked(const api::Service& service);
  void DeleteLocked(const std::string& key);

  ServiceAllocator* const allocator_;
  ServiceHandler* const handler_;
  const Clock* const clock_;
  mutable std::mutex mu_;
  std::map<std::string, Stored> records_;  // by namespace/name
  bool synced_ = false;
};

}  // namespace kubenode::proxy
