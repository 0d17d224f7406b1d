#include "kubelet/runtime/service_env.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "api/decode.h"
#include "kubelet/config/static_pod.h"
#include "kubelet/runtime/environment.h"
#include "kubelet/runtime/service_lister.h"

namespace kubenode::kubelet {
namespace {

class FakeServiceLister : public ServiceLister {
 public:
  bool synced = true;
  std::vector<ServiceInfo> services;
  bool HasSynced() const override { return synced; }
  std::vector<ServiceInfo> List() const override { return services; }
};

api::Pod PodFrom(const std::string& yaml) {
  auto decoded = api::DecodeManifests(yaml, "pod.yaml");
  EXPECT_TRUE(decoded.ok()) << decoded.status().message();
  return *(*decoded)[0].pod();
}

std::map<std::string, std::string> AsMap(const std::vector<api::EnvVar>& env) {
  std::map<std::string, std::string> out;
  for (const auto& e : env) {
    EXPECT_EQ(out.count(e.name), 0u) << "duplicate " << e.name;
    out[e.name] = e.value;
  }
  return out;
}

FakeServiceLister Cluster() {
  FakeServiceLister lister;
  lister.services = {
      {"default", "kubernetes", "10.96.0.1", {{"https", 443, "TCP"}}},
      {"default", "other", "10.96.0.9", {{"", 80, ""}}},
      {"team", "my-svc", "10.96.3.4", {{"http", 80, "TCP"}, {"dns", 53, "UDP"}}},
      {"team", "headless", "None", {{"", 80, "TCP"}}},
      {"elsewhere", "far", "10.96.5.5", {{"", 80, "TCP"}}},
  };
  return lister;
}

TEST(ServiceEnvTest, VariablesOfOneServiceAsUpstreamNamesThem) {
  auto env = AsMap(ServiceEnvVars({{"team", "my-svc", "10.96.3.4", {{"http", 80, "TCP"}, {"dns", 53, "UDP"}}}}));
  const std::map<std::string, std::string> want = {
      {"MY_SVC_SERVICE_HOST", "10.96.3.4"},
      {"MY_SVC_SERVICE_PORT", "80"},
      {"MY_SVC_SERVICE_PORT_HTTP", "80"},
      {"MY_SVC_SERVICE_PORT_DNS", "53"},
      {"MY_SVC_PORT", "tcp://10.96.3.4:80"},
      {"MY_SVC_PORT_80_TCP", "tcp://10.96.3.4:80"},
      {"MY_SVC_PORT_80_TCP_PROTO", "tcp"},
      {"MY_SVC_PORT_80_TCP_PORT", "80"},
      {"MY_SVC_PORT_80_TCP_ADDR", "10.96.3.4"},
      {"MY_SVC_PORT_53_UDP", "udp://10.96.3.4:53"},
      {"MY_SVC_PORT_53_UDP_PROTO", "udp"},
      {"MY_SVC_PORT_53_UDP_PORT", "53"},
      {"MY_SVC_PORT_53_UDP_ADDR", "10.96.3.4"},
  };
  EXPECT_EQ(env, want);
}

TEST(ServiceEnvTest, UnnamedDefaultProtocolIPv6AndHeadless) {
  auto env = AsMap(ServiceEnvVars({{"ns", "v6", "fd00::1", {{"", 8080, ""}}}, {"ns", "h", "None", {{"", 1, ""}}},
                                   {"ns", "noip", "", {{"", 1, ""}}}}));
  EXPECT_EQ(env["V6_PORT"], "tcp://[fd00::1]:8080");
  EXPECT_EQ(env["V6_PORT_8080_TCP_ADDR"], "fd00::1");
  EXPECT_EQ(env.count("V6_SERVICE_PORT_"), 0u);
  EXPECT_EQ(env.size(), 7u);  // HOST, PORT, _PORT and the four link variables; nothing for h and noip
}

TEST(ServiceEnvTest, MapHasTheNamespacesServicesAndAlwaysKubernetes) {
  FakeServiceLister lister = Cluster();
  auto env = ServiceEnvMap(&lister, "team", true);
  EXPECT_EQ(env["KUBERNETES_SERVICE_HOST"], "10.96.0.1");
  EXPECT_EQ(env["KUBERNETES_SERVICE_PORT"], "443");
  EXPECT_EQ(env["KUBERNETES_SERVICE_PORT_HTTPS"], "443");
  EXPECT_EQ(env["KUBERNETES_PORT_443_TCP"], "tcp://10.96.0.1:443");
  EXPECT_EQ(env["MY_SVC_SERVICE_HOST"], "10.96.3.4");
  EXPECT_EQ(env.count("OTHER_SERVICE_HOST"), 0u);  // default's other Services are not the master's
  EXPECT_EQ(env.count("FAR_SERVICE_HOST"), 0u);
  EXPECT_EQ(env.count("HEADLESS_SERVICE_HOST"), 0u);

  auto no_links = ServiceEnvMap(&lister, "team", false);
  EXPECT_EQ(no_links["KUBERNETES_SERVICE_HOST"], "10.96.0.1");
  EXPECT_EQ(no_links.count("MY_SVC_SERVICE_HOST"), 0u);

  auto in_default = ServiceEnvMap(&lister, "default", true);
  EXPECT_EQ(in_default["OTHER_SERVICE_HOST"], "10.96.0.9");
  EXPECT_TRUE(ServiceEnvMap(nullptr, "team", true).empty());  // no API server: none
}

TEST(ServiceEnvTest, ANamespacesOwnKubernetesServiceWinsOverTheMasters) {
  FakeServiceLister lister = Cluster();
  lister.services.push_back({"team", "kubernetes", "10.96.7.7", {{"", 80, "TCP"}}});
  EXPECT_EQ(ServiceEnvMap(&lister, "team", true)["KUBERNETES_SERVICE_HOST"], "10.96.7.7");
  std::reverse(lister.services.begin(), lister.services.end());
  EXPECT_EQ(ServiceEnvMap(&lister, "team", true)["KUBERNETES_SERVICE_HOST"], "10.96.7.7");
  EXPECT_EQ(ServiceEnvMap(&lister, "team", false)["KUBERNETES_SERVICE_HOST"], "10.96.0.1");
}

constexpr char kPod[] = R"yaml(apiVersion: v1
kind: Pod
metadata: {name: web, namespace: team, uid: u-1}
spec:
  containers:
  - name: c
    image: busybox
    env:
    - {name: MY_SVC_SERVICE_HOST, value: mine}
    - {name: URL, value: "http://$(KUBERNETES_SERVICE_HOST):$(MY_SVC_SERVICE_PORT)/$(MY_SVC_SERVICE_HOST)"}
)yaml";

TEST(ServiceEnvTest, ContainerEnvWinsAndExpandsServiceVariables) {
  FakeServiceLister lister = Cluster();
  const api::Pod pod = PodFrom(kPod);
  auto env = ResolveEnvironment(pod, pod.spec.containers[0], {}, nullptr, &lister);
  ASSERT_TRUE(env.ok()) << env.status().message();
  // The container's own variables first, in order; then the Service ones it does not set.
  ASSERT_GE(env->size(), 3u);
  EXPECT_EQ((*env)[0].name, "MY_SVC_SERVICE_HOST");
  EXPECT_EQ((*env)[1].name, "URL");
  auto got = AsMap(*env);
  EXPECT_EQ(got["MY_SVC_SERVICE_HOST"], "mine");
  EXPECT_EQ(got["URL"], "http://10.96.0.1:80/mine");
  EXPECT_EQ(got["MY_SVC_PORT_80_TCP_ADDR"], "10.96.3.4");
  EXPECT_EQ(got["KUBERNETES_SERVICE_PORT"], "443");
}

TEST(ServiceEnvTest, EnableServiceLinksFalseKeepsOnlyKubernetes) {
  FakeServiceLister lister = Cluster();
  std::string yaml = kPod;
  yaml.replace(yaml.find("spec:\n"), 6, "spec:\n  enableServiceLinks: false\n");
  const api::Pod pod = PodFrom(yaml);
  auto env = ResolveEnvironment(pod, pod.spec.containers[0], {}, nullptr, &lister);
  ASSERT_TRUE(env.ok()) << env.status().message();
  auto got = AsMap(*env);
  EXPECT_EQ(got["KUBERNETES_SERVICE_HOST"], "10.96.0.1");
  EXPECT_EQ(got.count("MY_SVC_PORT"), 0u);
  EXPECT_EQ(got["URL"], "http://10.96.0.1:$(MY_SVC_SERVICE_PORT)/mine");
}

TEST(ServiceEnvTest, ApiPodWaitsForTheFirstServiceListStaticPodDoesNot) {
  FakeServiceLister lister = Cluster();
  lister.synced = false;
  api::Pod pod = PodFrom(kPod);
  auto env = ResolveEnvironment(pod, pod.spec.containers[0], {}, nullptr, &lister);
  ASSERT_FALSE(env.ok());
  EXPECT_EQ(env.status().message(), "services have not yet been read at least once, cannot construct envvars");
  pod.metadata.annotations[kConfigSourceAnnotation] = "file";
  EXPECT_TRUE(ResolveEnvironment(pod, pod.spec.containers[0], {}, nullptr, &lister).ok());
  // Without an API server there is nothing to wait for.
  pod.metadata.annotations.clear();
  EXPECT_TRUE(ResolveEnvironment(pod, pod.spec.containers[0], {}, nullptr, nullptr).ok());
}

TEST(ServiceEnvTest, ServiceInfoFromApiJson) {
  auto info = ServiceInfoFromJson(nlohmann::json::parse(R"({"metadata":{"namespace":"team","name":"s"},
      "spec":{"clusterIP":"10.96.1.2","ports":[{"name":"web","port":8080,"protocol":"SCTP","targetPort":80}]}})"));
  EXPECT_EQ(info.ns, "team");
  EXPECT_EQ(info.name, "s");
  EXPECT_EQ(info.cluster_ip, "10.96.1.2");
  ASSERT_EQ(info.ports.size(), 1u);
  EXPECT_EQ(info.ports[0].name, "web");
  EXPECT_EQ(info.ports[0].port, 8080);
  EXPECT_EQ(info.ports[0].protocol, "SCTP");
}

}  // namespace
}  // namespace kubenode::kubelet
