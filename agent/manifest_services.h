// Manifest mode's Service "API server": takes the Services found in the manifest directory, fills in
// clusterIP and nodePorts (ServiceAllocator), and tells the proxy what was added, changed and removed —
// the role upstream's apiserver + informer play. Bad Services (duplicates, allocation conflicts) are
// reported naming the file; the Service that held the name, IP or port keeps working.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "kubelet/config/pod_source.h"
#include "kubelet/event_recorder.h"
#include "proxy/service_allocator.h"
#include "proxy/service_handler.h"
#include "proxy/service_printer.h"

namespace kubenode::agent {

class ManifestServices {
 public:
  ManifestServices(proxy::ServiceAllocator& allocator, proxy::ServiceHandler& handler, kubelet::EventRecorder& events,
                   const Clock& clock);

  // Every relist of the manifest directory: all files and their objects.
  void OnManifests(const std::vector<kubelet::ManifestFile>& files);

  // Services as allocated, sorted by namespace/name; for the CLI and the endpoint builder.
  std::vector<proxy::ServiceRecord> Records() const;
  std::vector<api::Service> Services() const;
  std::optional<proxy::ServiceRecord> Get(const std::string& ns, const std::string& name) const;

 private:
  struct Active {
    api::Service declared;   // as written in the manifest (defaulted, not allocated)
    api::Service allocated;  // what the proxy has
    std::string file;
    api::Time created_at;
  };
  struct Declared {
    api::Service service;
    std::string file;
  };

  std::map<std::string, Declared> Collect(const std::vector<kubelet::ManifestFile>& files);
  void Apply(const std::string& key, const Declared& declared);
  void Report(const std::string& key, const api::Service& service, const std::string& message);

  proxy::ServiceAllocator& allocator_;
  proxy::ServiceHandler& handler_;
  kubelet::EventRecorder& events_;
  const Clock& clock_;

  mutable std::mutex mu_;
  std::map<std::string, Active> active_;        // "namespace/name"
  std::map<std::string, std::string> errors_;   // "namespace/name" → last error reported
  bool synced_ = false;
};

}  // namespace kubenode::agent
