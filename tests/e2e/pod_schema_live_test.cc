// The Pod decoder against a real v1.28 API server: its OpenAPI schema is the one compiled in, every property
// path it lists decodes and round-trips, and the pods it serves (with all its defaulting) decode strictly and
// print back unchanged.
#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api/decode.h"
#include "api/json.h"
#include "api/schema.h"
#include "tests/support/control_plane.h"
#include "tests/support/schema_walk.h"

namespace kubenode::testing {
namespace {

using nlohmann::json;

class PodSchemaLiveTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { control_plane_ = new ControlPlane(); }
  static void TearDownTestSuite() {
    delete control_plane_;
    control_plane_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(control_plane_->ok()); }

  static std::string LiveOpenApiFile() {
    std::string file = control_plane_->dir() + "/openapi-v1.json";
    CommandResult raw = control_plane_->Kubectl("get --raw /openapi/v3/api/v1 > " + file);
    EXPECT_EQ(raw.exit_code, 0) << raw.output;
    return file;
  }

  static ControlPlane* control_plane_;
};

ControlPlane* PodSchemaLiveTest::control_plane_ = nullptr;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Property paths of the raw OpenAPI v3 document, walked with its own $ref / allOf rules (independent of
// api/schema.cc's reading of the trimmed file).
void WalkOpenApi(const json& schemas, const json& node, const std::string& path, std::vector<std::string>& out) {
  const json* n = &node;
  if (n->contains("allOf") && (*n)["allOf"].size() == 1) n = &(*n)["allOf"][0];
  if (n->contains("$ref")) {
    std::string ref = (*n)["$ref"];
    n = &schemas.at(ref.substr(ref.rfind('/') + 1));
  }
  if (n->contains("properties")) {
    for (const auto& [name, property] : (*n)["properties"].items()) {
      std::string p = path.empty() ? name : path + "." + name;
      out.push_back(p);
      WalkOpenApi(schemas, property, p, out);
    }
  }
  if (n->contains("items")) WalkOpenApi(schemas, (*n)["items"], path + "[]", out);
  if (n->contains("additionalProperties") && (*n)["additionalProperties"].is_object()) {
    WalkOpenApi(schemas, (*n)["additionalProperties"], path + "{}", out);
  }
}

TEST_F(PodSchemaLiveTest, CompiledInSchemaIsTheApiServers) {
  std::string live = LiveOpenApiFile();
  CommandResult trimmed =
      RunCommand("python3 " KUBENODE_SOURCE_DIR "/scripts/gen-pod-schema < " + live);
  ASSERT_EQ(trimmed.exit_code, 0) << trimmed.output;
  EXPECT_EQ(trimmed.output, ReadFile(KUBENODE_SOURCE_DIR "/api/schema/pod_v1.28.json"))
      << "regenerate api/schema/pod_v1.28.json with scripts/gen-pod-schema";
}

TEST_F(PodSchemaLiveTest, EveryPathOfTheLiveSchemaDecodes) {
  json document = json::parse(ReadFile(LiveOpenApiFile()));
  const json& schemas = document["components"]["schemas"];
  std::vector<std::string> paths;
  WalkOpenApi(schemas, schemas.at("io.k8s.api.core.v1.Pod"), "", paths);
  EXPECT_EQ(paths.size(), 1177u);
  for (const std::string& path : paths) {
    SCOPED_TRACE(path);
    EXPECT_EQ(testing_support::CheckPathRoundTrips(path, api::schema::PodType()), "");
  }
}

// What the API server stores for a pod: its defaults (dnsPolicy, schedulerName, tolerations, the service
// account's projected volume, ...) must all decode strictly and print back as served.
TEST_F(PodSchemaLiveTest, ServedPodsDecodeStrictlyAndRoundTrip) {
  // The default ServiceAccount (made by the controller-manager) must exist before pods are admitted.
  CommandResult sa;
  for (int i = 0; i < 60; ++i) {
    sa = control_plane_->Kubectl("get serviceaccount default -o name");
    if (sa.exit_code == 0) break;
    sleep(1);
  }
  ASSERT_EQ(sa.exit_code, 0) << sa.output;
  const std::string manifest = control_plane_->dir() + "/pods.yaml";
  std::ofstream(manifest) << R"(apiVersion: v1
kind: Pod
metadata: {name: nginx, labels: {app: nginx}}
spec: {containers: [{name: nginx, image: nginx:latest}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: loaded
  annotations: {note: "a pod with many fields set"}
spec:
  priorityClassName: system-node-critical
  hostNetwork: true
  dnsPolicy: ClusterFirstWithHostNet
  securityContext:
    seccompProfile: {type: RuntimeDefault}
    runAsUser: 1000
    sysctls: [{name: net.ipv4.ping_group_range, value: "0 1000"}]
  tolerations: [{operator: Exists, effect: NoExecute}]
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms: [{matchExpressions: [{key: kubernetes.io/os, operator: In, values: [linux]}]}]
  volumes:
  - {name: data, hostPath: {path: /var/lib/x, type: DirectoryOrCreate}}
  - {name: config, configMap: {name: cfg, optional: true}}
  containers:
  - name: main
    image: registry.k8s.io/etcd:3.5.9-0
    command: [etcd, --data-dir=/var/lib/x]
    resources:
      requests: {cpu: 100m, memory: 100Mi}
      limits: {memory: 1Gi}
    securityContext: {capabilities: {drop: [NET_RAW]}, readOnlyRootFilesystem: true}
    env: [{name: POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}]
    livenessProbe:
      httpGet: {host: 127.0.0.1, path: /health, port: 2381, scheme: HTTP}
      initialDelaySeconds: 10
      failureThreshold: 8
    volumeMounts: [{name: data, mountPath: /var/lib/x}, {name: config, mountPath: /etc/cfg}]
)";
  CommandResult create = control_plane_->Kubectl("create -f " + manifest);
  ASSERT_EQ(create.exit_code, 0) << create.output;
  for (const char* name : {"nginx", "loaded"}) {
    SCOPED_TRACE(name);
    CommandResult got = control_plane_->Kubectl(std::string("get pod ") + name + " -o json");
    ASSERT_EQ(got.exit_code, 0) << got.output;
    json served = json::parse(got.output);
    auto decoded = api::DecodeManifests(got.output, name, {.strict = true, .validate = true});
    ASSERT_TRUE(decoded.ok()) << decoded.status().message();
    const api::Pod& pod = *(*decoded)[0].pod();
    served.erase("status");
    json printed = api::ToJson(pod);
    EXPECT_EQ(printed, served) << json::diff(served, printed).dump(1);
  }
}

}  // namespace
}  // namespace kubenode::testing
