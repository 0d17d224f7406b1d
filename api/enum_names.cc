// The upstream spelling of each enum value, as written in manifests and printed by kubectl.
#include "api/endpoint_slice.h"
#include "api/pod.h"
#include "api/pod_status.h"
#include "api/service.h"

namespace kubenode::api {

const char* ToString(Protocol protocol) {
  switch (protocol) {
    case Protocol::kTCP: return "TCP";
    case Protocol::kUDP: return "UDP";
    case Protocol::kSCTP: return "SCTP";
  }
  return "TCP";
}

const char* ToString(PullPolicy policy) {
  switch (policy) {
    case PullPolicy::kAlways: return "Always";
    case PullPolicy::kIfNotPresent: return "IfNotPresent";
    case PullPolicy::kNever: return "Never";
  }
  return "IfNotPresent";
}

const char* ToString(RestartPolicy policy) {
  switch (policy) {
    case RestartPolicy::kAlways: return "Always";
    case RestartPolicy::kOnFailure: return "OnFailure";
    case RestartPolicy::kNever: return "Never";
  }
  return "Always";
}

const char* ToString(DNSPolicy policy) {
  switch (policy) {
    case DNSPolicy::kClusterFirst: return "ClusterFirst";
    case DNSPolicy::kClusterFirstWithHostNet: return "ClusterFirstWithHostNet";
    case DNSPolicy::kDefault: return "Default";
    case DNSPolicy::kNone: return "None";
  }
  return "ClusterFirst";
}

const char* ToString(TerminationMessagePolicy policy) {
  switch (policy) {
    case TerminationMessagePolicy::kFile: return "File";
    case TerminationMessagePolicy::kFallbackToLogsOnError: return "FallbackToLogsOnError";
  }
  return "File";
}

const char* ToString(PodPhase phase) {
  switch (phase) {
    case PodPhase::kPending: return "Pending";
    case PodPhase::kRunning: return "Running";
    case PodPhase::kSucceeded: return "Succeeded";
    case PodPhase::kFailed: return "Failed";
    case PodPhase::kUnknown: return "Unknown";
  }
  return "Unknown";
}

const char* ToString(ServiceType type) {
  switch (type) {
    case ServiceType::kClusterIP: return "ClusterIP";
    case ServiceType::kNodePort: return "NodePort";
  }
  return "ClusterIP";
}

const char* ToString(SessionAffinity affinity) {
  switch (affinity) {
    case SessionAffinity::kNone: return "None";
    case SessionAffinity::kClientIP: return "ClientIP";
  }
  return "None";
}

const char* ToString(TrafficPolicy policy) {
  switch (policy) {
    case TrafficPolicy::kCluster: return "Cluster";
    case TrafficPolicy::kLocal: return "Local";
  }
  return "Cluster";
}

}  // namespace kubenode::api
