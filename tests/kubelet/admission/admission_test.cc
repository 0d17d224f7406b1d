// Admission as upstream's GeneralPredicates: resources against allocatable, node selection, host ports,
// and critical pods admitted over allocatable when evicting (which kubenode does not do) would have helped.
#include "kubelet/admission/admission.h"

#include <gtest/gtest.h>

#include "tests/kubelet/admission/pod_yaml.h"

namespace kubenode::kubelet::admission {
namespace {

constexpr int64_t kGi = 1024LL * 1024 * 1024;

NodeFacts Node() {
  NodeFacts n;
  n.name = "node-a";
  n.allocatable_milli_cpu = 2000;
  n.allocatable_memory = 4 * kGi;
  n.max_pods = 3;
  n.labels = NodeLabels("node-a", "amd64");
  return n;
}

TEST(AdmissionTest, AllocatableIsCapacityMinusReservationsAndTheEvictionThreshold) {
  Reserved r;
  r.system_reserved["cpu"] = *api::ParseQuantity("500m");
  r.system_reserved["memory"] = *api::ParseQuantity("1Gi");
  r.kube_reserved["cpu"] = *api::ParseQuantity("250m");
  r.kube_reserved["memory"] = *api::ParseQuantity("512Mi");
  const auto n = MakeNodeFacts("node-a", "arm64", 4, 8 * kGi, 110, r);
  EXPECT_EQ(n.allocatable_milli_cpu, 3250);
  EXPECT_EQ(n.allocatable_memory, 8 * kGi - kGi - kGi / 2 - 100 * 1024 * 1024);
  EXPECT_EQ(n.max_pods, 110);
  EXPECT_EQ(n.labels.at("kubernetes.io/arch"), "arm64");
  EXPECT_EQ(n.labels.at("kubernetes.io/hostname"), "node-a");
}

TEST(AdmissionTest, PodRequestIsTheSumOfContainersOrTheLargestInitContainer) {
  auto pod = PodFromYaml(R"(apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  initContainers:
  - {name: i, image: busybox, resources: {requests: {cpu: "1500m", memory: 10Mi}}}
  containers:
  - {name: a, image: busybox, resources: {requests: {cpu: 500m, memory: 100Mi}}}
  - {name: b, image: busybox, resources: {limits: {cpu: 250m, memory: 50Mi}}}
)");
  const auto r = ComputePodRequest(pod);
  EXPECT_EQ(r.milli_cpu, 1500);                 // the init container's is larger than 500m + 250m
  EXPECT_EQ(r.memory, 150 * 1024 * 1024);       // limits default the requests
}

TEST(AdmissionTest, OutOfMemoryCountsTheAdmittedPodsWithUpstreamsMessage) {
  const auto a = PodRequesting("a", "", "3Gi");
  auto pod = PodRequesting("b", "", "2Gi");
  pod.metadata.annotations["kubernetes.io/config.source"] = "api";  // not critical
  auto r = Admit(pod, Node(), {&a});
  EXPECT_FALSE(r.admit);
  EXPECT_EQ(r.reason, "OutOfmemory");
  EXPECT_EQ(r.message, "Node didn't have enough resource: memory, requested: 2147483648, used: 3221225472, capacity: 4294967296");
  EXPECT_TRUE(Admit(pod, Node(), {}).admit);
}

TEST(AdmissionTest, OutOfCpuComesBeforeMemoryAndPodsBeforeBoth) {
  auto pod = PodRequesting("b", "3", "8Gi");
  pod.metadata.annotations["kubernetes.io/config.source"] = "api";
  auto r = Admit(pod, Node(), {});
  EXPECT_EQ(r.reason, "OutOfcpu");
  EXPECT_EQ(r.message, "Node didn't have enough resource: cpu, requested: 3000, used: 0, capacity: 2000");
  const auto x = PodRequesting("px", "", ""), y = PodRequesting("py", "", ""), z = PodRequesting("pz", "", "");
  r = Admit(pod, Node(), {&x, &y, &z});
  EXPECT_EQ(r.reason, "OutOfpods");
  EXPECT_EQ(r.message, "Node didn't have enough resource: pods, requested: 1, used: 3, capacity: 3");
}

TEST(AdmissionTest, BestEffortPodsOnlyCountAgainstMaxPods) {
  auto pod = PodRequesting("b", "", "");
  pod.metadata.annotations["kubernetes.io/config.source"] = "api";
  const auto big = PodRequesting("big", "2", "4Gi");
  EXPECT_TRUE(Admit(pod, Node(), {&big}).admit);
}

TEST(AdmissionTest, CriticalPodIsAdmittedOverAllocatableOnlyWhenEvictionWouldHaveMadeRoom) {
  auto api_pod = PodRequesting("a", "", "3Gi");
  api_pod.metadata.annotations["kubernetes.io/config.source"] = "api";
  auto critical = PodRequesting("c", "", "2Gi");
  critical.metadata.annotations["kubernetes.io/config.source"] = "file";  // a static pod
  ASSERT_TRUE(IsCriticalPod(critical));
  auto r = Admit(critical, Node(), {&api_pod});
  EXPECT_TRUE(r.admit);
  EXPECT_NE(r.overcommit_warning.find("Node didn't have enough resource: memory"), std::string::npos);
  EXPECT_NE(r.overcommit_warning.find("without evicting"), std::string::npos);

  // Other critical pods cannot be evicted, and no pod makes room for more than the node has.
  auto other_critical = PodRequesting("d", "", "3Gi");
  other_critical.metadata.annotations["kubernetes.io/config.source"] = "file";
  r = Admit(critical, Node(), {&other_critical});
  EXPECT_FALSE(r.admit);
  EXPECT_EQ(r.reason, "OutOfmemory");
  auto huge = PodRequesting("h", "", "5Gi");
  huge.metadata.annotations["kubernetes.io/config.source"] = "file";
  EXPECT_EQ(Admit(huge, Node(), {}).reason, "OutOfmemory");
}

TEST(AdmissionTest, CriticalByPriorityOrClassName) {
  auto pod = PodRequesting("p", "", "");
  pod.metadata.annotations["kubernetes.io/config.source"] = "api";
  EXPECT_FALSE(IsCriticalPod(pod));
  pod.spec.priority = 2000001000;
  EXPECT_TRUE(IsCriticalPod(pod));
  pod.spec.priority = 1000;
  pod.spec.priority_class_name = "system-cluster-critical";
  EXPECT_TRUE(IsCriticalPod(pod));
}

TEST(AdmissionTest, NodeSelectorAndRequiredAffinityAgainstTheNodeLabels) {
  auto pod = PodRequesting("p", "", "", "  nodeSelector:\n    kubernetes.io/os: linux\n");
  EXPECT_TRUE(Admit(pod, Node(), {}).admit);
  pod = PodRequesting("p", "", "", "  nodeSelector:\n    disktype: ssd\n");
  auto r = Admit(pod, Node(), {});
  EXPECT_FALSE(r.admit);
  EXPECT_EQ(r.reason, "NodeAffinity");
  EXPECT_EQ(r.message, "Predicate NodeAffinity failed");

  const std::string affinity = R"(  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchExpressions:
          - {key: kubernetes.io/arch, operator: In, values: [arm64]}
        - matchFields:
          - {key: metadata.name, operator: In, values: [)";
  pod = PodRequesting("p", "", "", affinity + "node-a]}\n");
  EXPECT_TRUE(Admit(pod, Node(), {}).admit);  // the second term matches
  pod = PodRequesting("p", "", "", affinity + "node-b]}\n");
  EXPECT_EQ(Admit(pod, Node(), {}).reason, "NodeAffinity");

  pod = PodRequesting("p", "", "", R"(  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchExpressions:
          - {key: kubernetes.io/hostname, operator: NotIn, values: [other]}
          - {key: gpu, operator: DoesNotExist}
          - {key: kubernetes.io/os, operator: Exists}
)");
  EXPECT_TRUE(Admit(pod, Node(), {}).admit);
}

TEST(AdmissionTest, NodeNameOfAnotherNode) {
  auto pod = PodRequesting("p", "", "", "  nodeName: node-b\n");
  auto r = Admit(pod, Node(), {});
  EXPECT_EQ(r.reason, "NodeName");
  EXPECT_EQ(r.message, "Predicate NodeName failed");
}

TEST(AdmissionTest, HostPortClashesOnSameProtocolPortAndAddress) {
  auto with_port = [](const std::string& name, const std::string& port_yaml) {
    return PodFromYaml("apiVersion: v1\nkind: Pod\nmetadata: {name: " + name +
                       "}\nspec:\n  containers:\n  - name: c\n    image: busybox\n    ports:\n    - " + port_yaml + "\n");
  };
  const auto a = with_port("a", "{containerPort: 80, hostPort: 8080}");
  auto r = Admit(with_port("b", "{containerPort: 81, hostPort: 8080}"), Node(), {&a});
  EXPECT_FALSE(r.admit);
  EXPECT_EQ(r.reason, "NodePorts");
  EXPECT_EQ(r.message, "Predicate NodePorts failed");
  EXPECT_TRUE(Admit(with_port("b", "{containerPort: 80, hostPort: 8080, protocol: UDP}"), Node(), {&a}).admit);
  EXPECT_TRUE(Admit(with_port("b", "{containerPort: 80, hostPort: 8081}"), Node(), {&a}).admit);
  const auto on_ip = with_port("c", "{containerPort: 80, hostPort: 9090, hostIP: 127.0.0.1}");
  EXPECT_TRUE(Admit(with_port("b", "{containerPort: 80, hostPort: 9090, hostIP: 10.0.0.1}"), Node(), {&on_ip}).admit);
  EXPECT_EQ(Admit(with_port("b", "{containerPort: 80, hostPort: 9090}"), Node(), {&on_ip}).reason, "NodePorts");
}

TEST(AdmissionTest, OsLabelAndOsField) {
  auto pod = PodRequesting("p", "", "");
  pod.metadata.labels["kubernetes.io/os"] = "windows";
  EXPECT_EQ(Admit(pod, Node(), {}).reason, "PodOSSelectorNodeLabelDoesNotMatch");
  pod = PodRequesting("p", "", "", "  os:\n    name: windows\n");
  EXPECT_EQ(Admit(pod, Node(), {}).reason, "PodOSNotSupported");
}

TEST(AdmissionTest, ResourcesAreReportedBeforeOtherFailures) {
  auto pod = PodRequesting("p", "", "8Gi", "  nodeSelector:\n    disktype: ssd\n");
  pod.metadata.annotations["kubernetes.io/config.source"] = "api";
  EXPECT_EQ(Admit(pod, Node(), {}).reason, "OutOfmemory");
  // A critical pod is not saved from a non-resource failure.
  pod.metadata.annotations["kubernetes.io/config.source"] = "file";
  EXPECT_EQ(Admit(pod, Node(), {}).reason, "OutOfmemory");
  auto small = PodRequesting("p", "", "1Gi", "  nodeSelector:\n    disktype: ssd\n");
  EXPECT_EQ(Admit(small, Node(), {}).reason, "NodeAffinity");
}

}  // namespace
}  // namespace kubenode::kubelet::admission
