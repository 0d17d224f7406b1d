// Manifest mode's Service source: collects the Services of every file in the manifest directory and keeps
// the proxy::ServiceRegistry (allocation + delivery to the proxy, the role of upstream's apiserver and
// informer) equal to them. What is about files lives here: a Service defined in two files, and errors that
// must name the file. The Service that held a name, IP or port keeps working.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "kubelet/config/pod_source.h"
#include "kubelet/event_recorder.h"
#include "proxy/service_registry.h"

namespace kubenode::agent {

class ManifestServices {
 public:
  ManifestServices(proxy::ServiceRegistry& registry, kubelet::EventRecorder& events);

  // Every relist of the manifest directory: all files and their objects.
  void OnManifests(const std::vector<kubelet::ManifestFile>& files);

  // The Services in effect (allocated), sorted by namespace/name.
  std::vector<api::Service> Services() const;

 private:
  struct Declared {
    api::Service service;
    std::string file;
  };

  std::map<std::string, Declared> Collect(const std::vector<kubelet::ManifestFile>& files);
  void Report(const std::string& key, const api::Service& service, const std::string& message);

  proxy::ServiceRegistry& registry_;
  kubelet::EventRecorder& events_;

  std::mutex mu_;
  std::map<std::string, std::string> file_of_;  // "namespace/name" → file of the version in effect
  std::map<std::string, std::string> errors_;   // "namespace/name" → last error reported
};

}  // namespace kubenode::agent
