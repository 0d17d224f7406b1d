#include "kubelet/admission/admission.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "kubelet/admission/node_affinity.h"

namespace kubenode::kubelet::admission {
namespace {

constexpr int32_t kSystemCriticalPriority = 2'000'000'000;       // scheduling.SystemCriticalPriority
constexpr int64_t kDefaultEvictionHardMemory = 100 * 1024 * 1024;  // evictionHard memory.available<100Mi

int64_t Get(const api::ResourceList& list, const char* name, bool milli) {
  auto it = list.find(name);
  if (it == list.end()) return 0;
  return milli ? it->second.milli : it->second.Value();
}

PodRequest RequestOf(const api::Container& c) {
  return {Get(c.resources.requests, "cpu", true), Get(c.resources.requests, "memory", false),
          Get(c.resources.requests, "ephemeral-storage", false)};
}

const nlohmann::json* Find(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() || it->is_null() ? nullptr : &*it;
}

// One host port a pod uses (upstream HostPortInfo: ip, protocol, port; ip defaults to 0.0.0.0).
using HostPort = std::tuple<std::string, std::string, int32_t>;

std::vector<HostPort> HostPorts(const api::Pod& pod) {
  std::vector<HostPort> out;
  const auto* spec = Find(pod.source, "spec");
  const auto* containers = spec ? Find(*spec, "containers") : nullptr;
  for (size_t i = 0; i < pod.spec.containers.size(); ++i) {
    const auto& c = pod.spec.containers[i];
    for (size_t j = 0; j < c.ports.size(); ++j) {
      if (c.ports[j].host_port <= 0) continue;
      std::string ip;
      // hostIP is not typed in api::ContainerPort: read it from the object as written.
      if (containers && containers->is_array() && i < containers->size()) {
        const auto* ports = Find((*containers)[i], "ports");
        if (ports && ports->is_array() && j < ports->size()) ip = (*ports)[j].value("hostIP", "");
      }
      if (ip.empty()) ip = "0.0.0.0";
      out.emplace_back(ip, api::ToString(c.ports[j].protocol), c.ports[j].host_port);
    }
  }
  return out;
}

// Upstream HostPortInfo.CheckConflict: 0.0.0.0 clashes with any address on the same protocol and port.
bool PortsConflict(const std::vector<HostPort>& wanted, const std::set<HostPort>& used) {
  for (const auto& [ip, proto, port] : wanted) {
    for (const auto& [uip, uproto, uport] : used) {
      if (uproto != proto || uport != port) continue;
      if (ip == "0.0.0.0" || uip == "0.0.0.0" || ip == uip) return true;
    }
  }
  return false;
}

struct Insufficient {
  std::string resource;
  int64_t requested, used, capacity;
};

// Upstream noderesources fitsRequest, in its order: pods, cpu, memory, ephemeral-storage.
std::vector<Insufficient> Fits(const api::Pod& pod, const NodeFacts& node, const std::vector<const api::Pod*>& others) {
  std::vector<Insufficient> out;
  const auto n = static_cast<int64_t>(others.size());
  if (n + 1 > node.max_pods) out.push_back({"pods", 1, n, node.max_pods});
  const auto want = ComputePodRequest(pod);
  if (want.milli_cpu == 0 && want.memory == 0 && want.ephemeral_storage == 0) return out;
  PodRequest used;
  for (const auto* p : others) {
    const auto r = ComputePodRequest(*p);
    used.milli_cpu += r.milli_cpu;
    used.memory += r.memory;
    used.ephemeral_storage += r.ephemeral_storage;
  }
  if (want.milli_cpu > 0 && want.milli_cpu > node.allocatable_milli_cpu - used.milli_cpu) {
    out.push_back({"cpu", want.milli_cpu, used.milli_cpu, node.allocatable_milli_cpu});
  }
  if (want.memory > 0 && want.memory > node.allocatable_memory - used.memory) {
    out.push_back({"memory", want.memory, used.memory, node.allocatable_memory});
  }
  if (node.allocatable_ephemeral_storage > 0 && want.ephemeral_storage > 0 &&
      want.ephemeral_storage > node.allocatable_ephemeral_storage - used.ephemeral_storage) {
    out.push_back({"ephemeral-storage", want.ephemeral_storage, used.ephemeral_storage,
                   node.allocatable_ephemeral_storage});
  }
  return out;
}

std::string Message(const Insufficient& r) {
  return "Node didn't have enough resource: " + r.resource + ", requested: " + std::to_string(r.requested) +
         ", used: " + std::to_string(r.used) + ", capacity: " + std::to_string(r.capacity);
}

// Upstream PredicateFailureError.Error() (v1.28).
AdmitResult Predicate(const std::string& name) { return {false, name, "Predicate " + name + " failed", ""}; }

}  // namespace

api::Labels NodeLabels(const std::string& node_name, const std::string& arch) {
  return {{"kubernetes.io/hostname", node_name},
          {"kubernetes.io/os", "linux"},
          {"kubernetes.io/arch", arch},
          {"beta.kubernetes.io/os", "linux"},
          {"beta.kubernetes.io/arch", arch}};
}

NodeFacts UnboundedNode(const std::string& node_name) {
#if defined(__aarch64__)
  const char* arch = "arm64";
#else
  const char* arch = "amd64";
#endif
  NodeFacts n;
  n.name = node_name;
  n.labels = NodeLabels(node_name, arch);
  n.allocatable_milli_cpu = n.allocatable_memory = INT64_MAX / 4;
  n.max_pods = INT32_MAX;
  return n;
}

NodeFacts MakeNodeFacts(const std::string& node_name, const std::string& arch, int64_t cpu_count,
                        int64_t memory_bytes, int64_t max_pods, const Reserved& reserved) {
  NodeFacts n;
  n.name = node_name;
  n.labels = NodeLabels(node_name, arch);
  n.max_pods = max_pods;
  auto reserve = [&](const char* name, bool milli) {
    return Get(reserved.system_reserved, name, milli) + Get(reserved.kube_reserved, name, milli);
  };
  n.allocatable_milli_cpu = std::max<int64_t>(0, cpu_count * 1000 - reserve("cpu", true));
  n.allocatable_memory = std::max<int64_t>(0, memory_bytes - reserve("memory", false) - kDefaultEvictionHardMemory);
  return n;
}

PodRequest ComputePodRequest(const api::Pod& pod) {
  PodRequest sum;
  for (const auto& c : pod.spec.containers) {
    const auto r = RequestOf(c);
    sum.milli_cpu += r.milli_cpu;
    sum.memory += r.memory;
    sum.ephemeral_storage += r.ephemeral_storage;
  }
  // Init containers run one at a time before the others: the pod needs the largest of them at least.
  for (const auto& c : pod.spec.init_containers) {
    const auto r = RequestOf(c);
    sum.milli_cpu = std::max(sum.milli_cpu, r.milli_cpu);
    sum.memory = std::max(sum.memory, r.memory);
    sum.ephemeral_storage = std::max(sum.ephemeral_storage, r.ephemeral_storage);
  }
  // spec.overhead (RuntimeClass) is added by the scheduler too.
  if (const auto* spec = Find(pod.source, "spec")) {
    if (const auto* overhead = Find(*spec, "overhead"); overhead && overhead->is_object()) {
      for (const auto& [name, value] : overhead->items()) {
        if (!value.is_string()) continue;
        auto q = api::ParseQuantity(value.get<std::string>());
        if (!q) continue;
        if (name == "cpu") sum.milli_cpu += q->milli;
        if (name == "memory") sum.memory += q->Value();
        if (name == "ephemeral-storage") sum.ephemeral_storage += q->Value();
      }
    }
  }
  return sum;
}

bool IsCriticalPod(const api::Pod& pod) {
  // Upstream IsStaticPod: any source but the API server; IsMirrorPod: the mirror annotation.
  auto source = pod.metadata.annotations.find("kubernetes.io/config.source");
  if (source != pod.metadata.annotations.end() && source->second != "api") return true;
  if (pod.metadata.annotations.contains("kubernetes.io/config.mirror")) return true;
  if (pod.spec.priority && *pod.spec.priority >= kSystemCriticalPriority) return true;
  return pod.spec.priority_class_name == "system-node-critical" ||
         pod.spec.priority_class_name == "system-cluster-critical";
}

AdmitResult Admit(const api::Pod& pod, const NodeFacts& node, const std::vector<const api::Pod*>& admitted) {
  // The checks preemption cannot help come first (upstream).
  if (auto os = pod.metadata.labels.find("kubernetes.io/os");
      os != pod.metadata.labels.end() && os->second != "linux") {
    return {false, "PodOSSelectorNodeLabelDoesNotMatch",
            "Failed to admit pod as the `kubernetes.io/os` label doesn't match node label", ""};
  }
  if (const auto* spec = Find(pod.source, "spec")) {
    if (const auto* os = Find(*spec, "os"); os && os->value("name", "") != "linux") {
      return {false, "PodOSNotSupported", "Failed to admit pod as the OS field doesn't match node OS", ""};
    }
  }
  // generalFilter: resources, then node affinity, node name, host ports; the first failure is reported.
  const auto insufficient = Fits(pod, node, admitted);
  std::vector<AdmitResult> other;
  if (!MatchesNodeSelectorAndAffinity(pod, node.name, node.labels)) other.push_back(Predicate("NodeAffinity"));
  if (!pod.spec.node_name.empty() && pod.spec.node_name != node.name) other.push_back(Predicate("NodeName"));
  std::set<HostPort> used;
  for (const auto* p : admitted) {
    for (auto& hp : HostPorts(*p)) used.insert(std::move(hp));
  }
  if (PortsConflict(HostPorts(pod), used)) other.push_back(Predicate("NodePorts"));

  if (insufficient.empty() && other.empty()) return {};
  if (!insufficient.empty() && other.empty() && IsCriticalPod(pod)) {
    // Upstream's CriticalPodAdmissionHandler evicts lower-priority pods to make room, and fails the pod
    // (UnexpectedAdmissionError) when evicting every non-critical pod would still not be enough.
    // kubenode evicts nothing: it admits the critical pod over the node's allocatable when evicting
    // would have made room (a Warning says so), and refuses it with the resource's reason otherwise.
    std::vector<const api::Pod*> critical;
    for (const auto* p : admitted) {
      if (IsCriticalPod(*p)) critical.push_back(p);
    }
    if (Fits(pod, node, critical).empty()) {
      AdmitResult r;
      r.overcommit_warning = Message(insufficient.front()) +
                             "; admitted as a critical pod without evicting other pods (kubenode does not preempt)";
      return r;
    }
  }
  if (!insufficient.empty()) {
    const auto& r = insufficient.front();
    return {false, "OutOf" + r.resource, Message(r), ""};
  }
  return other.front();
}

}  // namespace kubenode::kubelet::admission
