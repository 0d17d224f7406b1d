// Validation of objects built in code (no manifest lines): every rule reports upstream's message.
#include "api/validate.h"

#include <gtest/gtest.h>

#include "api/names.h"

namespace kubenode::api {
namespace {

Pod ValidPod() {
  Pod pod;
  pod.metadata.name = "web";
  Container c;
  c.name = "web";
  c.image = "nginx:1.25";
  pod.spec.containers.push_back(c);
  return pod;
}

Service ValidService() {
  Service svc;
  svc.metadata.name = "web";
  svc.spec.selector = {{"app", "web"}};
  svc.spec.ports.push_back({"", Protocol::kTCP, 80, IntOrString::Int(8080), 0});
  return svc;
}

std::vector<std::string> Messages(const FieldErrors& errors) {
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.ToString());
  return out;
}

TEST(ValidateTest, ValidObjectsHaveNoErrors) {
  EXPECT_TRUE(Validate(ValidPod()).ok());
  EXPECT_TRUE(Validate(ValidService()).ok());
}

TEST(ValidateTest, StatusJoinsErrorsOnePerLine) {
  Pod pod = ValidPod();
  pod.metadata.name.clear();
  pod.spec.containers[0].image.clear();
  EXPECT_EQ(Validate(pod).message(),
            "metadata.name: Required value: name or generateName is required\n"
            "spec.containers[0].image: Required value");
}

TEST(ValidateTest, HostNetworkNeedsMatchingHostPort) {
  Pod pod = ValidPod();
  pod.spec.host_network = true;
  pod.spec.containers[0].ports.push_back({"", 80, 8080, Protocol::kTCP});
  EXPECT_EQ(Messages(ValidatePod(pod)),
            std::vector<std::string>{"spec.containers[0].ports[0].hostPort: Invalid value: 8080: must match "
                                     "`containerPort` when `hostNetwork` is true"});
}

TEST(ValidateTest, ProbeRules) {
  Pod pod = ValidPod();
  Probe liveness;
  liveness.handler.http_get = HTTPGetAction{"/", IntOrString::Int(0), "", "FTP", {{"bad header", "x"}}};
  liveness.success_threshold = 2;
  liveness.period_seconds = -1;
  pod.spec.containers[0].liveness_probe = liveness;
  Probe readiness;
  readiness.handler.exec = ExecAction{};
  pod.spec.containers[0].readiness_probe = readiness;
  EXPECT_EQ(Messages(ValidatePod(pod)),
            (std::vector<std::string>{
                "spec.containers[0].livenessProbe.httpGet.port: Invalid value: 0: must be between 1 and 65535, inclusive",
                "spec.containers[0].livenessProbe.httpGet.scheme: Unsupported value: \"FTP\": supported values: "
                "\"HTTP\", \"HTTPS\"",
                "spec.containers[0].livenessProbe.httpGet.httpHeaders[0].name: Invalid value: \"bad header\": a valid "
                "HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for "
                "validation is '[-A-Za-z0-9]+')",
                "spec.containers[0].livenessProbe.periodSeconds: Invalid value: -1: must be greater than or equal to 0",
                "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1",
                "spec.containers[0].readinessProbe.exec.command: Required value",
            }));
}

TEST(ValidateTest, InitContainersMayNotHaveProbes) {
  Pod pod = ValidPod();
  Container init;
  init.name = "init";
  init.image = "busybox";
  init.readiness_probe = Probe{};
  init.readiness_probe->handler.exec = ExecAction{{"true"}};
  pod.spec.init_containers.push_back(init);
  EXPECT_EQ(Messages(ValidatePod(pod)),
            std::vector<std::string>{"spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers"});
}

TEST(ValidateTest, MountAndEnvRules) {
  Pod pod = ValidPod();
  pod.spec.volumes.push_back({"data", EmptyDirVolumeSource{}, std::nullopt});
  Container& c = pod.spec.containers[0];
  c.volume_mounts.push_back({"data", "/data", "../etc", false});
  c.volume_mounts.push_back({"data", "/data", "", false});
  c.env.push_back({"1BAD", "x"});
  EXPECT_EQ(Messages(ValidatePod(pod)),
            (std::vector<std::string>{
                "spec.containers[0].env[0].name: Invalid value: \"1BAD\": a valid environment variable name must "
                "consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. "
                "'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is "
                "'[-._a-zA-Z][-._a-zA-Z0-9]*')",
                "spec.containers[0].volumeMounts[0].subPath: Invalid value: \"../etc\": must not contain '..'",
                "spec.containers[0].volumeMounts[1].mountPath: Invalid value: \"/data\": must be unique",
            }));
}

TEST(ValidateTest, DuplicatePortAcrossContainers) {
  Pod pod = ValidPod();
  pod.spec.containers[0].ports.push_back({"", 53, 0, Protocol::kUDP});
  Container side = pod.spec.containers[0];
  side.name = "side";
  side.ports = {{"", 53, 0, Protocol::kTCP}, {"", 53, 0, Protocol::kUDP}};
  pod.spec.containers.push_back(side);
  EXPECT_EQ(Messages(ValidatePod(pod)),
            std::vector<std::string>{"spec.containers[1].ports[1].containerPort: Duplicate value: \"53/UDP\""});
}

TEST(ValidateTest, ServiceRules) {
  Service svc = ValidService();
  svc.spec.type = ServiceType::kNodePort;
  svc.spec.cluster_ip = "None";
  svc.spec.ports.push_back({"b", Protocol::kTCP, 81, IntOrString::Int(81), 30005});
  svc.spec.ports.push_back({"c", Protocol::kTCP, 82, IntOrString::Int(82), 30005});
  svc.spec.ports[0].name = "a";
  EXPECT_EQ(Messages(ValidateService(svc)),
            (std::vector<std::string>{
                "spec.ports[2].nodePort: Duplicate value: 30005",
                "spec.clusterIP: Invalid value: \"None\": may not be set to 'None' for NodePort services",
            }));
  Service local = ValidService();
  local.spec.external_traffic_policy = TrafficPolicy::kLocal;
  local.spec.selector = {{"app", "-bad-"}};
  EXPECT_EQ(Messages(ValidateService(local)),
            (std::vector<std::string>{
                "spec.selector: Invalid value: \"-bad-\": a valid label must be an empty string or consist of "
                "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. "
                "'MyValue',  or 'my_value',  or '12345', regex used for validation is "
                "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
                "spec.externalTrafficPolicy: Invalid value: \"Local\": may only be set for externally-accessible services",
            }));
}

TEST(ValidateTest, MetadataRules) {
  Pod pod = ValidPod();
  pod.metadata.ns = "Prod";
  pod.metadata.labels = {{"example.com/", "x"}};
  pod.metadata.annotations = {{"ok.example.com/Note", "fine"}};
  EXPECT_EQ(Messages(ValidatePod(pod)),
            (std::vector<std::string>{
                "metadata.namespace: Invalid value: \"Prod\": a lowercase RFC 1123 label must consist of lower case "
                "alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. "
                "'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
                "metadata.labels: Invalid value: \"example.com/\": name part must be non-empty",
                "metadata.labels: Invalid value: \"example.com/\": name part must consist of alphanumeric characters, "
                "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  "
                "or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
            }));
}

TEST(NamesTest, Basics) {
  EXPECT_TRUE(IsDNS1123Label("a-1").empty());
  EXPECT_EQ(IsDNS1123Label("a.b"), std::vector<std::string>{"must not contain dots"});
  EXPECT_EQ(IsDNS1123Label(std::string(64, 'a')), std::vector<std::string>{"must be no more than 63 characters"});
  EXPECT_TRUE(IsDNS1123Subdomain("a.b-c").empty());
  EXPECT_TRUE(IsValidPortName("http").empty());
  EXPECT_EQ(IsValidPortName("-80"), (std::vector<std::string>{"must contain at least one letter (a-z)",
                                                             "must not begin or end with a hyphen"}));
  EXPECT_TRUE(IsIPv4Address("10.96.0.1"));
  EXPECT_FALSE(IsIPv4Address("10.96.0"));
  EXPECT_FALSE(IsIPv4Address("010.96.0.1"));
  EXPECT_FALSE(IsIPv4Address("fd00::1"));
}

}  // namespace
}  // namespace kubenode::api
