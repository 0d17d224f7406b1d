#include "kubelet/printers/pod_json.h"

#include "api/json.h"

namespace kubenode::kubelet {

nlohmann::json PodToJson(const PodWithStatus& pod) {
  auto out = api::ToJson(pod.pod);
  out["status"] = api::ToJson(pod.status);
  return out;
}

}  // namespace kubenode::kubelet
