// The reference manifests decode with every upstream default applied.
#include "api/decode.h"
#include "api/defaults.h"

#include <gtest/gtest.h>

#include "tests/support/reference_manifests.h"

namespace kubenode::api {
namespace {

std::vector<ManifestObject> DecodeOk(std::string_view text, const std::string& file, DecodeOptions options = {}) {
  auto result = DecodeManifests(text, file, options);
  EXPECT_TRUE(result.ok()) << result.status().message();
  return result.ok() ? *result : std::vector<ManifestObject>{};
}

TEST(DecodeTest, ReferencePodGetsUpstreamDefaults) {
  auto objects = DecodeOk(kubenode::testing::kReferencePod, "nginx.yaml");
  ASSERT_EQ(objects.size(), 1u);
  EXPECT_EQ(objects[0].file, "nginx.yaml");
  EXPECT_EQ(objects[0].document, 0);
  EXPECT_EQ(objects[0].line, 1);
  const Pod& pod = *objects[0].pod();
  EXPECT_EQ(pod.metadata.name, "nginx");
  EXPECT_EQ(pod.metadata.ns, "default");
  EXPECT_EQ(pod.metadata.labels, (Labels{{"app", "nginx"}}));
  EXPECT_EQ(pod.spec.restart_policy, RestartPolicy::kAlways);
  EXPECT_EQ(pod.spec.termination_grace_period_seconds, 30);
  EXPECT_FALSE(pod.spec.host_network);
  ASSERT_EQ(pod.spec.containers.size(), 1u);
  const Container& c = pod.spec.containers[0];
  EXPECT_EQ(c.name, "nginx");
  EXPECT_EQ(c.image, "nginx:latest");
  EXPECT_EQ(c.image_pull_policy, PullPolicy::kAlways);
  EXPECT_TRUE(c.ports.empty());
  EXPECT_FALSE(c.liveness_probe.has_value());
  EXPECT_TRUE(pod.spec.init_containers.empty());
}

TEST(DecodeTest, ReferenceServiceGetsUpstreamDefaults) {
  auto objects = DecodeOk(kubenode::testing::kReferenceService, "service.yaml");
  ASSERT_EQ(objects.size(), 1u);
  const Service& svc = *objects[0].service();
  EXPECT_EQ(svc.metadata.name, "hello-service");
  EXPECT_EQ(svc.metadata.ns, "default");
  EXPECT_EQ(svc.spec.type, ServiceType::kNodePort);
  EXPECT_EQ(svc.spec.selector, (Labels{{"app", "nginx"}}));
  EXPECT_EQ(svc.spec.cluster_ip, "");
  ASSERT_EQ(svc.spec.ports.size(), 1u);
  EXPECT_EQ(svc.spec.ports[0].port, 80);
  EXPECT_EQ(svc.spec.ports[0].node_port, 30001);
  EXPECT_EQ(svc.spec.ports[0].protocol, Protocol::kTCP);
  EXPECT_EQ(svc.spec.ports[0].target_port, IntOrString::Int(80));
  EXPECT_EQ(svc.spec.ports[0].name, "");
  EXPECT_EQ(svc.spec.session_affinity, SessionAffinity::kNone);
  EXPECT_EQ(svc.spec.session_affinity_timeout_seconds, 10800);
  EXPECT_EQ(svc.spec.external_traffic_policy, TrafficPolicy::kCluster);
}

TEST(DecodeTest, MultiDocumentSkipsEmptyDocumentsAndKeepsIndexes) {
  std::string text = std::string("---\n# nothing here\n---\n") + kubenode::testing::kReferencePod + "---\n" + kubenode::testing::kReferenceService + "---\n";
  auto objects = DecodeOk(text, "all.yaml");
  ASSERT_EQ(objects.size(), 2u);
  EXPECT_EQ(objects[0].document, 1);
  EXPECT_EQ(objects[0].line, 4);
  EXPECT_TRUE(objects[0].pod() != nullptr);
  EXPECT_EQ(objects[1].document, 2);
  EXPECT_EQ(objects[1].line, 9);
  EXPECT_TRUE(objects[1].service() != nullptr);
}

TEST(DecodeTest, EmptyFileHasNoObjects) {
  EXPECT_TRUE(DecodeOk("", "empty.yaml").empty());
  EXPECT_TRUE(DecodeOk("# comment only\n", "empty.yaml").empty());
}

TEST(DecodeTest, FullPodDecodesEveryModelledField) {
  constexpr char kPod[] = R"(apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: prod
  annotations: {note: "x"}
spec:
  restartPolicy: OnFailure
  terminationGracePeriodSeconds: 5
  nodeName: node-1
  volumes:
  - name: data
    emptyDir: {}
  - name: host
    hostPath: {path: /var/log, type: Directory}
  initContainers:
  - name: init
    image: busybox@sha256:abcdef
    command: [sh, -c, "true"]
  containers:
  - name: app
    image: registry.local:5000/app
    imagePullPolicy: Never
    args: ["--port", "8080"]
    workingDir: /srv
    env: [{name: MODE, value: "prod"}]
    ports:
    - {name: http, containerPort: 8080}
    - {containerPort: 53, protocol: UDP}
    volumeMounts: [{name: data, mountPath: /data, readOnly: true}, {name: host, mountPath: /logs, subPath: app}]
    livenessProbe:
      httpGet: {port: http, httpHeaders: [{name: X-Probe, value: "1"}]}
      initialDelaySeconds: 3
    readinessProbe:
      tcpSocket: {port: 8080}
      periodSeconds: 0
    startupProbe:
      exec: {command: [cat, /ready]}
      failureThreshold: 30
    lifecycle:
      preStop: {exec: {command: [sleep, "1"]}}
  - name: sidecar
    image: busybox:1.36
)";
  auto objects = DecodeOk(kPod, "web.yaml");
  ASSERT_EQ(objects.size(), 1u);
  const Pod& pod = *objects[0].pod();
  EXPECT_EQ(pod.metadata.ns, "prod");
  EXPECT_EQ(pod.metadata.annotations, (Labels{{"note", "x"}}));
  EXPECT_EQ(pod.spec.restart_policy, RestartPolicy::kOnFailure);
  EXPECT_EQ(pod.spec.termination_grace_period_seconds, 5);
  EXPECT_EQ(pod.spec.node_name, "node-1");
  ASSERT_EQ(pod.spec.volumes.size(), 2u);
  EXPECT_TRUE(pod.spec.volumes[0].empty_dir.has_value());
  ASSERT_TRUE(pod.spec.volumes[1].host_path.has_value());
  EXPECT_EQ(pod.spec.volumes[1].host_path->path, "/var/log");
  EXPECT_EQ(pod.spec.volumes[1].host_path->type, "Directory");
  ASSERT_EQ(pod.spec.init_containers.size(), 1u);
  EXPECT_EQ(pod.spec.init_containers[0].image_pull_policy, PullPolicy::kIfNotPresent);
  EXPECT_EQ(pod.spec.init_containers[0].command, (std::vector<std::string>{"sh", "-c", "true"}));

  ASSERT_EQ(pod.spec.containers.size(), 2u);
  const Container& app = pod.spec.containers[0];
  EXPECT_EQ(app.image_pull_policy, PullPolicy::kNever);
  EXPECT_EQ(app.args, (std::vector<std::string>{"--port", "8080"}));
  EXPECT_EQ(app.working_dir, "/srv");
  EXPECT_EQ(app.env, (std::vector<EnvVar>{{"MODE", "prod"}}));
  ASSERT_EQ(app.ports.size(), 2u);
  EXPECT_EQ(app.ports[0], (ContainerPort{"http", 8080, 0, Protocol::kTCP}));
  EXPECT_EQ(app.ports[1], (ContainerPort{"", 53, 0, Protocol::kUDP}));
  ASSERT_EQ(app.volume_mounts.size(), 2u);
  EXPECT_TRUE(app.volume_mounts[0].read_only);
  EXPECT_EQ(app.volume_mounts[1].sub_path, "app");

  ASSERT_TRUE(app.liveness_probe.has_value());
  const Probe& liveness = *app.liveness_probe;
  ASSERT_TRUE(liveness.handler.http_get.has_value());
  EXPECT_EQ(liveness.handler.http_get->port, IntOrString::String("http"));
  EXPECT_EQ(liveness.handler.http_get->path, "");
  EXPECT_EQ(liveness.handler.http_get->scheme, "HTTP");
  EXPECT_EQ(liveness.handler.http_get->http_headers, (std::vector<HTTPHeader>{{"X-Probe", "1"}}));
  EXPECT_EQ(liveness.initial_delay_seconds, 3);
  EXPECT_EQ(liveness.timeout_seconds, 1);
  EXPECT_EQ(liveness.period_seconds, 10);
  EXPECT_EQ(liveness.success_threshold, 1);
  EXPECT_EQ(liveness.failure_threshold, 3);
  ASSERT_TRUE(app.readiness_probe.has_value());
  EXPECT_EQ(app.readiness_probe->handler.tcp_socket->port, IntOrString::Int(8080));
  EXPECT_EQ(app.readiness_probe->period_seconds, 10);  // 0 means unset upstream
  ASSERT_TRUE(app.startup_probe.has_value());
  EXPECT_EQ(app.startup_probe->handler.exec->command, (std::vector<std::string>{"cat", "/ready"}));
  EXPECT_EQ(app.startup_probe->failure_threshold, 30);
  ASSERT_TRUE(app.lifecycle && app.lifecycle->pre_stop && app.lifecycle->pre_stop->exec);
  EXPECT_FALSE(app.lifecycle->post_start.has_value());

  EXPECT_EQ(pod.spec.containers[1].image_pull_policy, PullPolicy::kIfNotPresent);
}

TEST(DecodeTest, NonStrictIgnoresApiServerFields) {
  constexpr char kFromServer[] = R"({"apiVersion":"v1","kind":"Service",
 "metadata":{"name":"web","namespace":"default","uid":"1234","resourceVersion":"99",
  "creationTimestamp":"2026-01-01T00:00:00Z","managedFields":[{"manager":"kubectl"}]},
 "spec":{"clusterIP":"10.96.0.10","clusterIPs":["10.96.0.10"],"ipFamilies":["IPv4"],
  "ports":[{"name":"http","port":80,"targetPort":"http","protocol":"TCP"}],"selector":{"app":"web"},
  "sessionAffinity":"ClientIP","sessionAffinityConfig":{"clientIP":{"timeoutSeconds":600}}},
 "status":{"loadBalancer":{}}})";
  auto strict = DecodeManifests(kFromServer, "server");
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(strict.status().message(),
            "server: document 0, line 4: spec.clusterIPs: unknown field \"clusterIPs\"\n"
            "server: document 0, line 4: spec.ipFamilies: unknown field \"ipFamilies\"");
  auto objects = DecodeOk(kFromServer, "server", {.strict = false});
  ASSERT_EQ(objects.size(), 1u);
  const Service& svc = *objects[0].service();
  EXPECT_EQ(svc.metadata.uid, "1234");
  ASSERT_TRUE(svc.metadata.creation_timestamp.has_value());
  EXPECT_EQ(std::chrono::system_clock::to_time_t(*svc.metadata.creation_timestamp), 1767225600);
  EXPECT_EQ(svc.spec.cluster_ip, "10.96.0.10");
  EXPECT_EQ(svc.spec.ports[0].target_port, IntOrString::String("http"));
  EXPECT_EQ(svc.spec.session_affinity, SessionAffinity::kClientIP);
  EXPECT_EQ(svc.spec.session_affinity_timeout_seconds, 600);
}

TEST(DecodeTest, ValidationCanBeSkippedForServerObjects) {
  constexpr char kNoSelector[] = "apiVersion: v1\nkind: Service\nmetadata: {name: ext}\nspec: {ports: [{port: 80}]}\n";
  EXPECT_FALSE(DecodeManifests(kNoSelector, "ext.yaml").ok());
  EXPECT_EQ(DecodeOk(kNoSelector, "ext.yaml", {.strict = false, .validate = false}).size(), 1u);
}

TEST(DefaultsTest, PullPolicyFollowsTheImageTag) {
  EXPECT_EQ(DefaultPullPolicy("nginx"), PullPolicy::kAlways);
  EXPECT_EQ(DefaultPullPolicy("nginx:latest"), PullPolicy::kAlways);
  EXPECT_EQ(DefaultPullPolicy("nginx:1.25"), PullPolicy::kIfNotPresent);
  EXPECT_EQ(DefaultPullPolicy("localhost:5000/nginx"), PullPolicy::kAlways);
  EXPECT_EQ(DefaultPullPolicy("localhost:5000/nginx:v2"), PullPolicy::kIfNotPresent);
  EXPECT_EQ(DefaultPullPolicy("nginx@sha256:0123"), PullPolicy::kIfNotPresent);
  EXPECT_EQ(DefaultPullPolicy("nginx:latest@sha256:0123"), PullPolicy::kIfNotPresent);
}

TEST(DefaultsTest, HostNetworkCopiesContainerPortToHostPort) {
  auto objects = DecodeOk(
      "apiVersion: v1\nkind: Pod\nmetadata: {name: h}\nspec:\n  hostNetwork: true\n"
      "  containers: [{name: a, image: a:1, ports: [{containerPort: 9000}]}]\n",
      "h.yaml");
  ASSERT_EQ(objects.size(), 1u);
  EXPECT_EQ(objects[0].pod()->spec.containers[0].ports[0].host_port, 9000);
}

}  // namespace
}  // namespace kubenode::api

namespace kubenode::api {
namespace {

TEST(DecodeEndpointSliceTest, ServerSliceWithUnknownConditions) {
  YAML::Node root = YAML::Load(R"({"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice",
 "metadata":{"name":"web-x1","namespace":"default","labels":{"kubernetes.io/service-name":"web"}},
 "addressType":"IPv4",
 "endpoints":[{"addresses":["10.88.0.5"],"conditions":{"ready":false,"terminating":true},"nodeName":"n1",
   "targetRef":{"kind":"Pod","name":"web-0","namespace":"default","uid":"u1"},"zone":"a"},
  {"addresses":["10.88.0.6"],"conditions":{}}],
 "ports":[{"name":"http","port":8080,"protocol":"TCP","appProtocol":"http"}]})");
  auto decoded = DecodeEndpointSlice(root, {.strict = true});
  ASSERT_TRUE(decoded.errors.empty()) << ToStatus(decoded.errors).message();
  const EndpointSlice& slice = decoded.object;
  EXPECT_EQ(slice.metadata.labels.at(kServiceNameLabel), "web");
  ASSERT_EQ(slice.endpoints.size(), 2u);
  EXPECT_EQ(slice.endpoints[0], (Endpoint{{"10.88.0.5"}, {false, false, true}, "n1", "web-0"}));
  EXPECT_EQ(slice.endpoints[1], (Endpoint{{"10.88.0.6"}, {true, true, false}, "", ""}));
  EXPECT_EQ(slice.ports, (std::vector<EndpointPort>{{"http", Protocol::kTCP, 8080}}));

  auto ipv6 = DecodeEndpointSlice(YAML::Load("addressType: IPv6\n"), {});
  EXPECT_EQ(ToStatus(ipv6.errors).message(), "addressType: Unsupported value: \"IPv6\": supported values: \"IPv4\"");
}

}  // namespace
}  // namespace kubenode::api
