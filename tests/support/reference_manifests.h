// The reference scenario's manifests, verbatim from the developers' brief (examples/ holds the same
// text as files). Every test that needs "the reference pod/service" uses these.
#pragma once

namespace kubenode::testing {

inline constexpr char kReferencePod[] = R"(apiVersion: v1            # nginx.yaml
kind: Pod
metadata: {name: nginx, labels: {app: nginx}}
spec: {containers: [{name: nginx, image: nginx:latest}]}
)";

inline constexpr char kReferenceService[] = R"(apiVersion: v1            # service.yaml
kind: Service
metadata: {name: hello-service}
spec:
  type: NodePort
  selector: {app: nginx}
  ports: [{port: 80, nodePort: 30001, protocol: TCP}]
)";

}  // namespace kubenode::testing
