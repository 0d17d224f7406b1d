#include "kubelet/node/node_object.h"

#include <algorithm>

#include "kubelet/admission/admission.h"
#include "api/rfc3339.h"

namespace kubenode::kubelet {
namespace {

using nlohmann::json;

json Condition(const std::string& type, bool status, const std::string& reason, const std::string& message,
               const json& previous, const std::string& now) {
  std::string transition = now;
  if (previous.is_object() && previous.contains("conditions")) {
    for (const json& c : previous["conditions"]) {
      if (c.value("type", "") == type && c.value("status", "") == (status ? "True" : "False")) {
        transition = c.value("lastTransitionTime", now);
      }
    }
  }
  return {{"type", type},
          {"status", status ? "True" : "False"},
          {"reason", reason},
          {"message", message},
          {"lastHeartbeatTime", now},
          {"lastTransitionTime", transition}};
}

}  // namespace

std::string NodeVersion(const std::string& kubenode_version) {
  std::string v = kubenode_version;
  if (!v.empty() && v[0] == 'v') v.erase(0, 1);
  return std::string(kKubernetesVersion) + "-kubenode." + v;
}

std::map<std::string, std::string> NodeLabels(const NodeFacts& facts) {
  return admission::NodeLabels(facts.name, facts.host.architecture);
}

json NodeForRegistration(const NodeFacts& facts) {
  std::map<std::string, std::string> labels = facts.extra_labels;
  for (const auto& [key, value] : NodeLabels(facts)) labels[key] = value;
  json node = {{"apiVersion", "v1"},
               {"kind", "Node"},
               {"metadata",
                {{"name", facts.name},
                 {"labels", labels},
                 // As upstream: the controller-manager's attach-detach controller, not the kubelet, attaches volumes.
                 {"annotations", {{"volumes.kubernetes.io/controller-managed-attach-detach", "true"}}}}},
               {"spec", json::object()}};
  if (!facts.taints.empty()) node["spec"]["taints"] = facts.taints;
  return node;
}

json NodeStatus(const NodeFacts& facts, const json& previous, api::Time now_time) {
  const std::string now = api::FormatRFC3339(now_time);
  const std::string ip = facts.node_ip.empty() ? facts.host.internal_ip : facts.node_ip;
  json addresses = json::array();
  if (!ip.empty()) addresses.push_back({{"type", "InternalIP"}, {"address", ip}});
  addresses.push_back({{"type", "Hostname"}, {"address", facts.name}});

  const int64_t cpu_milli = facts.host.cpu_count * 1000;
  const int64_t memory = facts.host.memory_bytes;
  json capacity = {{"cpu", std::to_string(facts.host.cpu_count)},
                   {"memory", std::to_string(memory / 1024) + "Ki"},
                   {"pods", std::to_string(facts.max_pods)},
                   {"hugepages-1Gi", "0"},
                   {"hugepages-2Mi", "0"}};
  const int64_t alloc_cpu = facts.allocatable_milli_cpu >= 0 ? facts.allocatable_milli_cpu : cpu_milli;
  const int64_t alloc_memory = facts.allocatable_memory >= 0 ? facts.allocatable_memory : memory;
  json allocatable = {{"cpu", alloc_cpu % 1000 == 0 ? std::to_string(alloc_cpu / 1000) : std::to_string(alloc_cpu) + "m"},
                      {"memory", std::to_string(alloc_memory / 1024) + "Ki"},
                      {"pods", std::to_string(facts.max_pods)},
                      {"hugepages-1Gi", "0"},
                      {"hugepages-2Mi", "0"}};
  if (facts.ephemeral_storage_bytes > 0) {
    capacity["ephemeral-storage"] = std::to_string(facts.ephemeral_storage_bytes / 1024) + "Ki";
    // Upstream's default evictionHard nodefs.available is 10 %.
    const int64_t alloc_storage = facts.ephemeral_storage_bytes - facts.ephemeral_storage_bytes / 10;
    allocatable["ephemeral-storage"] = std::to_string(std::max<int64_t>(0, alloc_storage));
  }

  const bool ready = facts.not_ready_message.empty();
  json conditions = json::array({
      Condition("MemoryPressure", false, "KubeletHasSufficientMemory", "kubelet has sufficient memory available",
                previous, now),
      Condition("DiskPressure", false, "KubeletHasNoDiskPressure", "kubelet has no disk pressure", previous, now),
      Condition("PIDPressure", false, "KubeletHasSufficientPID", "kubelet has sufficient PID available", previous, now),
      ready ? Condition("Ready", true, "KubeletReady", "kubelet is posting ready status", previous, now)
            : Condition("Ready", false, "KubeletNotReady", facts.not_ready_message, previous, now),
  });
  json node_info = {{"machineID", facts.host.machine_id},
                    {"systemUUID", facts.host.machine_id},
                    {"bootID", facts.host.boot_id},
                    {"kernelVersion", facts.host.kernel_version},
                    {"osImage", facts.host.os_image},
                    {"containerRuntimeVersion", facts.runtime_version},
                    {"kubeletVersion", facts.kubelet_version},
                    {"kubeProxyVersion", facts.kubelet_version},
                    {"operatingSystem", "linux"},
                    {"architecture", facts.host.architecture}};
  return {{"addresses", addresses},
          {"capacity", capacity},
          {"allocatable", allocatable},
          {"conditions", conditions},
          {"nodeInfo", node_info},
          {"daemonEndpoints", {{"kubeletEndpoint", {{"Port", facts.kubelet_port}}}}}};
}

json WithoutHeartbeats(json status) {
  if (status.contains("conditions")) {
    for (json& c : status["conditions"]) c.erase("lastHeartbeatTime");
  }
  return status;
}

}  // namespace kubenode::kubelet
