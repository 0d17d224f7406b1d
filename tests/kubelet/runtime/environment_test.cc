#include "kubelet/runtime/environment.h"

#include <gtest/gtest.h>

#include "api/decode.h"
#include "tests/kubelet/runtime/fake_api_objects.h"

namespace kubenode::kubelet {
namespace {

api::Pod PodFrom(const std::string& yaml) {
  auto decoded = api::DecodeManifests(yaml, "pod.yaml");
  EXPECT_TRUE(decoded.ok()) << decoded.status().message();
  return *(*decoded)[0].pod();
}

constexpr char kPod[] = R"yaml(apiVersion: v1
kind: Pod
metadata: {name: web, namespace: team, uid: u-1, labels: {app: web}}
spec:
  nodeName: node-1
  containers:
  - name: c
    image: busybox
    resources: {requests: {cpu: 250m}, limits: {memory: 64Mi}}
    envFrom:
    - configMapRef: {name: base}
      prefix: CFG_
    - secretRef: {name: absent, optional: true}
    env:
    - {name: GREETING, value: hello}
    - {name: MESSAGE, value: "$(GREETING) $(CFG_LEVEL) $(UNDEFINED) $$(GREETING)"}
    - name: POD_IP
      valueFrom: {fieldRef: {fieldPath: status.podIP}}
    - name: NODE
      valueFrom: {fieldRef: {fieldPath: spec.nodeName}}
    - name: APP
      valueFrom: {fieldRef: {fieldPath: "metadata.labels['app']"}}
    - name: MEM
      valueFrom: {resourceFieldRef: {resource: limits.memory}}
    - name: CPU
      valueFrom: {resourceFieldRef: {resource: requests.cpu}}
    - name: PASSWORD
      valueFrom: {secretKeyRef: {name: creds, key: password}}
    - name: GREETING
      value: replaced
)yaml";

TEST(EnvironmentTest, AsUpstreamMakesIt) {
  FakeApiObjects objects;
  objects.config_maps["team/base"] = {{"LEVEL", "debug"}};
  objects.secrets["team/creds"] = {{"password", "s3cret"}};
  auto env = ResolveEnvironment(PodFrom(kPod), PodFrom(kPod).spec.containers[0], {"10.244.0.7", "10.0.0.5"}, &objects);
  ASSERT_TRUE(env.ok()) << env.status().message();
  std::map<std::string, std::string> got;
  std::vector<std::string> order;
  for (const auto& e : *env) {
    got[e.name] = e.value;
    order.push_back(e.name);
  }
  EXPECT_EQ(order.front(), "CFG_LEVEL");
  EXPECT_EQ(got["GREETING"], "replaced");
  EXPECT_EQ(got["MESSAGE"], "hello debug $(UNDEFINED) $(GREETING)");
  EXPECT_EQ(got["POD_IP"], "10.244.0.7");
  EXPECT_EQ(got["NODE"], "node-1");
  EXPECT_EQ(got["APP"], "web");
  EXPECT_EQ(got["MEM"], "67108864");
  EXPECT_EQ(got["CPU"], "1");
  EXPECT_EQ(got["PASSWORD"], "s3cret");
}

TEST(EnvironmentTest, MissingReferencesAreCreateContainerConfigErrors) {
  FakeApiObjects objects;
  auto env = ResolveEnvironment(PodFrom(kPod), PodFrom(kPod).spec.containers[0], {}, &objects);
  ASSERT_FALSE(env.ok());
  EXPECT_EQ(env.status().message(), "configmap \"base\" not found");
  objects.config_maps["team/base"] = {};
  objects.secrets["team/creds"] = {{"other", "x"}};
  env = ResolveEnvironment(PodFrom(kPod), PodFrom(kPod).spec.containers[0], {}, &objects);
  ASSERT_FALSE(env.ok());
  EXPECT_EQ(env.status().message(), "couldn't find key password in Secret team/creds");
}

TEST(EnvironmentTest, PlainValuesNeedNoApiServer) {
  api::Pod pod = PodFrom("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: c\n"
                         "    image: busybox\n    env: [{name: A, value: x}, {name: B, value: $(A)y}]\n");
  auto env = ResolveEnvironment(pod, pod.spec.containers[0], {}, nullptr);
  ASSERT_TRUE(env.ok());
  ASSERT_EQ(env->size(), 2u);
  EXPECT_EQ((*env)[1].value, "xy");
}

TEST(ExpandVariablesTest, Rules) {
  std::map<std::string, std::string> v = {{"A", "1"}};
  EXPECT_EQ(ExpandVariables("$(A)$(B)$$(A)$$$A$(", v), "1$(B)$(A)$$A$(");
}

}  // namespace
}  // namespace kubenode::kubelet
