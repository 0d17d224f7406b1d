// Manifest mode's Service source: collects the Services of every file in the manifest directory and keeps
// the proxy::ServiceRegistry (allocation + delivery to the proxy, the role of upstream's apiserver and
// informer) equal to them. What is about files lives here: a Service defined in two files, and errors that
// must name the file. The Service that held a name, IP or port keeps working.
//
// Deliveries are changes (kubelet::ManifestSink): only the Services of changed files whose definition
// differs are re-applied, so one edited file among 10 000 Services costs that file's Services. Of two files
// defining one Service the one whose path sorts first wins, as for static pods: a restart keeps the choice.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "kubelet/config/pod_source.h"
#include "kubelet/event_recorder.h"
#include "proxy/service_registry.h"

namespace kubenode::agent {

class ManifestServices {
 public:
  ManifestServices(proxy::ServiceRegistry& registry, kubelet::EventRecorder& events);

  // The files that changed since the last call (the first call: every file), with their objects.
  void OnManifests(const std::vector<kubelet::ManifestFile>& changed);

  // The Services in effect (allocated), sorted by namespace/name.
  std::vector<api::Service> Services() const;

 private:
  // by "namespace/name"; the manifest source's immutable objects, shared rather than copied (10 000 copies
  // were 8.6 MB)
  using ServicesByKey = std::map<std::string, std::shared_ptr<const api::Service>>;

  // Records `file`'s Services; adds the keys whose definitions changed to `affected`.
  void UpdateFile(const kubelet::ManifestFile& file, std::set<std::string>& affected);
  void Report(const std::string& key, const api::Service& service, const std::string& reason,
              const std::string& message);

  proxy::ServiceRegistry& registry_;
  kubelet::EventRecorder& events_;

  std::mutex mu_;
  bool synced_ = false;                                         // the registry had its first (full) Sync
  std::map<std::string, ServicesByKey> files_;                  // file -> its Services
  std::map<std::string, std::map<std::string, const api::Service*>> definitions_;  // key -> file -> Service
  std::set<std::string> refused_;                               // keys the registry refused last time
  std::map<std::string, std::string> errors_;                   // key -> last allocation error reported
  std::map<std::string, std::set<std::string>> duplicates_;     // key -> duplicate messages reported
};

}  // namespace kubenode::agent
