// Service environment variables as upstream kubelet's getServiceEnvVarMap + pkg/kubelet/envvars: for each
// Service with a ClusterIP — the `kubernetes` Service of `default` always, the pod's namespace's Services
// when enableServiceLinks — NAME_SERVICE_HOST, NAME_SERVICE_PORT(_PORTNAME) and the Docker link variables
// NAME_PORT, NAME_PORT_<port>_<PROTO>(_PROTO|_PORT|_ADDR).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "api/pod.h"

namespace kubenode::kubelet {

struct ServicePortInfo {
  std::string name;
  int32_t port = 0;
  std::string protocol;  // "" reads as TCP
};

// The fields of a Service the environment is made of.
struct ServiceInfo {
  std::string ns, name;
  std::string cluster_ip;  // "" or "None": no variables
  std::vector<ServicePortInfo> ports;
};

// The kubelet's view of the cluster's Services (upstream's serviceLister + serviceHasSynced).
class ServiceLister {
 public:
  virtual ~ServiceLister() = default;
  // True once the first LIST has been read.
  virtual bool HasSynced() const = 0;
  virtual std::vector<ServiceInfo> List() const = 0;
};

// The variables of `services` in their order (upstream envvars.FromServices).
std::vector<api::EnvVar> ServiceEnvVars(const std::vector<ServiceInfo>& services);

// NAME -> value for a pod in `ns`. `lister` null (no API server): none, as upstream without a master.
std::map<std::string, std::string> ServiceEnvMap(const ServiceLister* lister, const std::string& ns,
                                                 bool enable_service_links);

}  // namespace kubenode::kubelet
