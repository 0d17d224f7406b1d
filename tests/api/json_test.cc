// kubectl-style JSON and YAML output, and kubectl's AGE format.
#include "api/json.h"

#include <gtest/gtest.h>

#include "api/decode.h"
#include "api/rfc3339.h"

namespace kubenode::api {
namespace {

using nlohmann::json;

Time At(const char* rfc3339) { return *ParseRFC3339(rfc3339); }

Pod ReferencePod() {
  auto objects = DecodeManifests(
      "apiVersion: v1\nkind: Pod\nmetadata: {name: nginx, labels: {app: nginx}}\n"
      "spec: {containers: [{name: nginx, image: nginx:latest}]}\n",
      "nginx.yaml");
  EXPECT_TRUE(objects.ok()) << objects.status().message();
  return *objects->at(0).pod();
}

TEST(JsonTest, ReferencePodAsJson) {
  EXPECT_EQ(ToJson(ReferencePod()).dump(),
            R"({"apiVersion":"v1","kind":"Pod","metadata":{"creationTimestamp":null,"labels":{"app":"nginx"},)"
            R"("name":"nginx","namespace":"default"},"spec":{"containers":[{"image":"nginx:latest",)"
            R"("imagePullPolicy":"Always","name":"nginx","resources":{},"terminationMessagePath":"/dev/termination-log",)"
            R"("terminationMessagePolicy":"File"}],"dnsPolicy":"ClusterFirst","restartPolicy":"Always",)"
            R"("securityContext":{},"terminationGracePeriodSeconds":30}})");
}

TEST(JsonTest, ReferencePodAsYaml) {
  EXPECT_EQ(ToYaml(ToJson(ReferencePod())),
            "apiVersion: v1\n"
            "kind: Pod\n"
            "metadata:\n"
            "  creationTimestamp: null\n"
            "  labels:\n"
            "    app: nginx\n"
            "  name: nginx\n"
            "  namespace: default\n"
            "spec:\n"
            "  containers:\n"
            "  - image: nginx:latest\n"
            "    imagePullPolicy: Always\n"
            "    name: nginx\n"
            "    resources: {}\n"
            "    terminationMessagePath: /dev/termination-log\n"
            "    terminationMessagePolicy: File\n"
            "  dnsPolicy: ClusterFirst\n"
            "  restartPolicy: Always\n"
            "  securityContext: {}\n"
            "  terminationGracePeriodSeconds: 30\n");
}

TEST(JsonTest, PodStatusUsesUpstreamNamesAndTimes) {
  PodStatus status;
  status.phase = PodPhase::kRunning;
  status.host_ip = "192.168.1.10";
  status.pod_ip = "10.88.0.5";
  status.pod_ips = {"10.88.0.5"};
  status.start_time = At("2026-01-01T00:00:00Z");
  status.conditions.push_back({"Ready", true, "", "", At("2026-01-01T00:00:05Z")});
  ContainerStatus c;
  c.name = "nginx";
  c.ready = true;
  c.started = true;
  c.image = "docker.io/library/nginx:latest";
  c.image_id = "sha256:abc";
  c.container_id = "containerd://0123";
  c.state.running = ContainerStateRunning{At("2026-01-01T00:00:02Z")};
  c.last_state.terminated = ContainerStateTerminated{137, 0, "Error", "", At("2026-01-01T00:00:01Z"),
                                                     At("2026-01-01T00:00:01Z"), "containerd://aaaa"};
  status.container_statuses.push_back(c);
  EXPECT_EQ(ToYaml(ToJson(status)),
            "conditions:\n"
            "- lastProbeTime: null\n"
            "  lastTransitionTime: \"2026-01-01T00:00:05Z\"\n"
            "  status: \"True\"\n"
            "  type: Ready\n"
            "containerStatuses:\n"
            "- containerID: containerd://0123\n"
            "  image: docker.io/library/nginx:latest\n"
            "  imageID: sha256:abc\n"
            "  lastState:\n"
            "    terminated:\n"
            "      containerID: containerd://aaaa\n"
            "      exitCode: 137\n"
            "      finishedAt: \"2026-01-01T00:00:01Z\"\n"
            "      reason: Error\n"
            "      startedAt: \"2026-01-01T00:00:01Z\"\n"
            "  name: nginx\n"
            "  ready: true\n"
            "  restartCount: 0\n"
            "  started: true\n"
            "  state:\n"
            "    running:\n"
            "      startedAt: \"2026-01-01T00:00:02Z\"\n"
            "hostIP: 192.168.1.10\n"
            "hostIPs:\n"
            "- ip: 192.168.1.10\n"
            "phase: Running\n"
            "podIP: 10.88.0.5\n"
            "podIPs:\n"
            "- ip: 10.88.0.5\n"
            "startTime: \"2026-01-01T00:00:00Z\"\n");
}

TEST(JsonTest, PodStatusHasQOSClass) {
  PodStatus status;
  status.qos_class = "Burstable";
  EXPECT_EQ(ToJson(status).dump(), R"({"phase":"Pending","qosClass":"Burstable"})");
}

TEST(JsonTest, WaitingContainerHasEmptyLastState) {
  PodStatus status;
  ContainerStatus c;
  c.name = "app";
  c.image = "app:1";
  c.state.waiting = ContainerStateWaiting{"ContainerCreating", ""};
  status.container_statuses.push_back(c);
  EXPECT_EQ(ToJson(status).dump(),
            R"({"containerStatuses":[{"image":"app:1","imageID":"","lastState":{},"name":"app","ready":false,)"
            R"("restartCount":0,"started":false,"state":{"waiting":{"reason":"ContainerCreating"}}}],"phase":"Pending"})");
}

TEST(JsonTest, ServiceAsYaml) {
  Service svc;
  svc.metadata.name = "hello-service";
  svc.metadata.creation_timestamp = At("2026-01-01T00:00:00Z");
  svc.spec.type = ServiceType::kNodePort;
  svc.spec.cluster_ip = "10.96.0.20";
  svc.spec.selector = {{"app", "nginx"}};
  svc.spec.ports.push_back({"", Protocol::kTCP, 80, IntOrString::Int(80), 30001});
  EXPECT_EQ(ToYaml(ToJson(svc)),
            "apiVersion: v1\n"
            "kind: Service\n"
            "metadata:\n"
            "  creationTimestamp: \"2026-01-01T00:00:00Z\"\n"
            "  name: hello-service\n"
            "  namespace: default\n"
            "spec:\n"
            "  clusterIP: 10.96.0.20\n"
            "  clusterIPs:\n"
            "  - 10.96.0.20\n"
            "  externalTrafficPolicy: Cluster\n"
            "  ports:\n"
            "  - nodePort: 30001\n"
            "    port: 80\n"
            "    protocol: TCP\n"
            "    targetPort: 80\n"
            "  selector:\n"
            "    app: nginx\n"
            "  sessionAffinity: None\n"
            "  type: NodePort\n"
            "status:\n"
            "  loadBalancer: {}\n");
}

TEST(JsonTest, ClientIPServiceHasAffinityConfigAndNoTrafficPolicy) {
  Service svc;
  svc.metadata.name = "web";
  svc.spec.session_affinity = SessionAffinity::kClientIP;
  svc.spec.ports.push_back({"http", Protocol::kUDP, 53, IntOrString::String("dns"), 0});
  json spec = ToJson(svc)["spec"];
  EXPECT_EQ(spec.dump(),
            R"({"ports":[{"name":"http","port":53,"protocol":"UDP","targetPort":"dns"}],"sessionAffinity":"ClientIP",)"
            R"("sessionAffinityConfig":{"clientIP":{"timeoutSeconds":10800}},"type":"ClusterIP"})");
}

TEST(JsonTest, EndpointSlice) {
  EndpointSlice slice;
  slice.metadata.name = "web-abc";
  slice.metadata.labels = {{kServiceNameLabel, "web"}};
  slice.endpoints.push_back({{"10.88.0.5"}, {true, true, false}, "node-1", "web-0"});
  slice.ports.push_back({"", Protocol::kTCP, 8080});
  EXPECT_EQ(ToJson(slice).dump(),
            R"({"addressType":"IPv4","apiVersion":"discovery.k8s.io/v1","endpoints":[{"addresses":["10.88.0.5"],)"
            R"("conditions":{"ready":true,"serving":true,"terminating":false},"nodeName":"node-1",)"
            R"("targetRef":{"kind":"Pod","name":"web-0","namespace":"default"}}],"kind":"EndpointSlice",)"
            R"("metadata":{"creationTimestamp":null,"labels":{"kubernetes.io/service-name":"web"},"name":"web-abc",)"
            R"("namespace":"default"},"ports":[{"name":"","port":8080,"protocol":"TCP"}]})");
  EndpointSlice empty;
  empty.metadata.name = "none";
  EXPECT_TRUE(ToJson(empty)["endpoints"].is_null());
}

TEST(YamlTest, QuotesOnlyWhatWouldReadBackDifferently) {
  json doc = {{"a", "80"},           {"b", "true"},       {"c", ""},         {"d", "yes"},    {"e", "1.5"},
              {"f", "a: b"},         {"g", "it's #1 ok"}, {"h", "- x"},      {"i", "--port=80"},
              {"j", "*star"},        {"k", "plain text"}, {"l", "null"},     {"m", " lead"},  {"n", "tab\there"},
              {"o", "line1\nline2"}, {"p", "x\n"},        {"q", "a #b"},     {"r", 5},        {"s", false},
              {"t", nullptr},        {"u", json::array()}, {"v", "2026-01-01T00:00:00Z"}};
  EXPECT_EQ(ToYaml(doc),
            "a: \"80\"\n"
            "b: \"true\"\n"
            "c: \"\"\n"
            "d: \"yes\"\n"
            "e: \"1.5\"\n"
            "f: 'a: b'\n"
            "g: 'it''s #1 ok'\n"
            "h: '- x'\n"
            "i: --port=80\n"
            "j: '*star'\n"
            "k: plain text\n"
            "l: \"null\"\n"
            "m: ' lead'\n"
            "\"n\": \"tab\\there\"\n"  // a bare n would read back as false (YAML 1.1)
            "o: |-\n"
            "  line1\n"
            "  line2\n"
            "p: |\n"
            "  x\n"
            "q: 'a #b'\n"
            "r: 5\n"
            "s: false\n"
            "t: null\n"
            "u: []\n"
            "v: \"2026-01-01T00:00:00Z\"\n");
}

TEST(YamlTest, NestedSequences) {
  json doc = {{"cmd", {"sh", "-c", "echo hi"}}, {"grid", {{1, 2}, {{{"k", "v"}}}}}};
  EXPECT_EQ(ToYaml(doc),
            "cmd:\n"
            "- sh\n"
            "- -c\n"
            "- echo hi\n"
            "grid:\n"
            "- - 1\n"
            "  - 2\n"
            "- - k: v\n");
}

TEST(AgeTest, MatchesKubectlHumanDuration) {
  using std::chrono::seconds;
  EXPECT_EQ(FormatAge(seconds(-5)), "<invalid>");
  EXPECT_EQ(FormatAge(seconds(-1)), "0s");
  EXPECT_EQ(FormatAge(seconds(0)), "0s");
  EXPECT_EQ(FormatAge(seconds(45)), "45s");
  EXPECT_EQ(FormatAge(seconds(119)), "119s");
  EXPECT_EQ(FormatAge(seconds(120)), "2m");
  EXPECT_EQ(FormatAge(seconds(330)), "5m30s");
  EXPECT_EQ(FormatAge(seconds(600)), "10m");
  EXPECT_EQ(FormatAge(seconds(179 * 60 + 59)), "179m");
  EXPECT_EQ(FormatAge(seconds(3 * 3600)), "3h");
  EXPECT_EQ(FormatAge(seconds(3 * 3600 + 20 * 60 + 10)), "3h20m");
  EXPECT_EQ(FormatAge(seconds(47 * 3600 + 59 * 60)), "47h");
  EXPECT_EQ(FormatAge(seconds(2 * 86400)), "2d");
  EXPECT_EQ(FormatAge(seconds(2 * 86400 + 3 * 3600)), "2d3h");
  EXPECT_EQ(FormatAge(seconds(8 * 86400 + 5 * 3600)), "8d");
  EXPECT_EQ(FormatAge(seconds(400 * 86400)), "400d");
  EXPECT_EQ(FormatAge(seconds(2 * 365 * 86400)), "2y");
  EXPECT_EQ(FormatAge(seconds(3 * 365 * 86400 + 20 * 86400)), "3y20d");
  EXPECT_EQ(FormatAge(seconds(9 * 365 * 86400 + 20 * 86400)), "9y");
}

TEST(Rfc3339Test, RoundTripsAndRejectsGarbage) {
  EXPECT_EQ(FormatRFC3339(At("2026-01-01T00:00:00Z")), "2026-01-01T00:00:00Z");
  EXPECT_EQ(FormatRFC3339(At("2026-01-01T02:30:00+02:00")), "2026-01-01T00:30:00Z");
  EXPECT_EQ(FormatRFC3339(At("2026-03-04T05:06:07.891Z")), "2026-03-04T05:06:07Z");
  EXPECT_FALSE(ParseRFC3339("2026-01-01").has_value());
  EXPECT_FALSE(ParseRFC3339("2026-13-01T00:00:00Z").has_value());
  EXPECT_FALSE(ParseRFC3339("2026-01-01T00:00:00").has_value());
}

}  // namespace
}  // namespace kubenode::api
