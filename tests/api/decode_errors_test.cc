// Bad manifests: each error names file, document, line and field in upstream's words.
#include <gtest/gtest.h>

#include "api/decode.h"

namespace kubenode::api {
namespace {

std::string ErrorOf(std::string_view text, const std::string& file) {
  auto result = DecodeManifests(text, file);
  EXPECT_FALSE(result.ok()) << "decoded without error: " << text;
  return result.status().message();
}

// A Pod with the given spec.containers[0] body lines (indented by four spaces).
std::string PodWith(const std::string& container_lines) {
  return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n" + container_lines;
}

std::string ServiceWith(const std::string& spec_lines) {
  return "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n" + spec_lines;
}

TEST(DecodeErrorsTest, BadYaml) {
  EXPECT_EQ(ErrorOf("apiVersion: v1\nkind: Pod\nspec: [a\n  b: c: d\n", "bad.yaml"),
            "bad.yaml: line 4: invalid YAML: end of sequence flow not found");
}

TEST(DecodeErrorsTest, UnknownTopLevelField) {
  EXPECT_EQ(ErrorOf("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspecs: {}\n", "pod.yaml"),
            "pod.yaml: document 0, line 4: specs: unknown field \"specs\"");
}

TEST(DecodeErrorsTest, UnknownNestedField) {
  EXPECT_EQ(ErrorOf(PodWith("    imagee: nginx\n"), "pod.yaml"),
            "pod.yaml: document 0, line 8: spec.containers[0].imagee: unknown field \"imagee\"");
}

TEST(DecodeErrorsTest, WrongType) {
  EXPECT_EQ(ErrorOf(PodWith("    image: nginx\n    ports:\n    - containerPort: eighty\n"), "pod.yaml"),
            "pod.yaml: document 0, line 10: spec.containers[0].ports[0].containerPort: expected an integer, got \"eighty\"");
  EXPECT_EQ(ErrorOf(PodWith("    image: nginx\n    ports:\n    - containerPort: \"80\"\n"), "pod.yaml"),
            "pod.yaml: document 0, line 10: spec.containers[0].ports[0].containerPort: expected an integer, got \"80\"");
  EXPECT_EQ(ErrorOf(PodWith("    image: nginx\n    env: [{name: PORT, value: 8080}]\n"), "pod.yaml"),
            "pod.yaml: document 0, line 9: spec.containers[0].env[0].value: expected a string, got integer 8080");
  EXPECT_EQ(ErrorOf(PodWith("    image: nginx\n    args: {a: b}\n"), "pod.yaml"),
            "pod.yaml: document 0, line 9: spec.containers[0].args: expected a sequence, got a mapping");
  EXPECT_EQ(ErrorOf("apiVersion: v1\nkind: Pod\nmetadata: web\n", "pod.yaml"),
            "pod.yaml: document 0, line 3: metadata: expected a mapping, got \"web\"");
}

TEST(DecodeErrorsTest, IntegerOutOfRangeAndNullValue) {
  EXPECT_EQ(ErrorOf(PodWith("    image: nginx\n    ports: [{containerPort: 99999999999}]\n"), "pod.yaml"),
            "pod.yaml: document 0, line 9: spec.containers[0].ports[0].containerPort: integer 99999999999 is out of "
            "range [-2147483648, 2147483647]");
  // "image:" without a value is absent, like JSON null; the error points at the key's line.
  EXPECT_EQ(ErrorOf(PodWith("    image:\n    args: [a]\n"), "pod.yaml"),
            "pod.yaml: document 0, line 8: spec.containers[0].image: Required value");
}

TEST(DecodeErrorsTest, JsonManifest) {
  EXPECT_EQ(ErrorOf("{\"apiVersion\": \"v1\", \"kind\": \"Pod\",\n \"metadata\": {\"name\": \"a\"},\n"
                    " \"spec\": {\"containers\": [{\"name\": \"a\", \"image\": \"a\", \"ports\": [{\"containerPort\": \"80\"}]}]}}\n",
                    "pod.json"),
            "pod.json: document 0, line 3: spec.containers[0].ports[0].containerPort: expected an integer, got \"80\"");
}

TEST(DecodeErrorsTest, InvalidPodName) {
  EXPECT_EQ(ErrorOf("apiVersion: v1\nkind: Pod\nmetadata:\n  name: Web_1\nspec:\n  containers: [{name: a, image: a}]\n",
                    "pod.yaml"),
            "pod.yaml: document 0, line 4: metadata.name: Invalid value: \"Web_1\": a lowercase RFC 1123 subdomain must "
            "consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric "
            "character (e.g. 'example.com', regex used for validation is "
            "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
}

TEST(DecodeErrorsTest, InvalidServiceName) {
  EXPECT_EQ(ErrorOf("apiVersion: v1\nkind: Service\nmetadata: {name: 1web}\nspec:\n  selector: {app: web}\n"
                    "  ports: [{port: 80}]\n",
                    "svc.yaml"),
            "svc.yaml: document 0, line 3: metadata.name: Invalid value: \"1web\": a DNS-1035 label must consist of lower "
            "case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric "
            "character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')");
}

TEST(DecodeErrorsTest, MissingName) {
  EXPECT_EQ(ErrorOf("apiVersion: v1\nkind: Pod\nmetadata:\n  labels: {app: web}\nspec:\n  containers: [{name: a, image: a}]\n",
                    "pod.yaml"),
            "pod.yaml: document 0, line 3: metadata.name: Required value: name or generateName is required");
}

TEST(DecodeErrorsTest, MissingImage) {
  EXPECT_EQ(ErrorOf("apiVersion: v1\nkind: Pod\nmetadata: {name: nginx}\nspec: {containers: [{name: nginx}]}\n",
                    "nginx.yaml"),
            "nginx.yaml: document 0, line 4: spec.containers[0].image: Required value");
}

TEST(DecodeErrorsTest, PortOutOfRange) {
  EXPECT_EQ(ErrorOf(PodWith("    image: nginx\n    ports:\n    - containerPort: 70000\n"), "pod.yaml"),
            "pod.yaml: document 0, line 10: spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be "
            "between 1 and 65535, inclusive");
}

TEST(DecodeErrorsTest, DuplicateContainerAcrossInitAndRegular) {
  EXPECT_EQ(ErrorOf("apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  initContainers:\n  - {name: web, image: a}\n"
                    "  containers:\n  - {name: web, image: b}\n",
                    "pod.yaml"),
            "pod.yaml: document 0, line 8: spec.containers[0].name: Duplicate value: \"web\"");
}

TEST(DecodeErrorsTest, DuplicateContainerPort) {
  EXPECT_EQ(ErrorOf(PodWith("    image: nginx\n    ports:\n    - containerPort: 80\n    - containerPort: 80\n"
                            "      protocol: TCP\n"),
                    "pod.yaml"),
            "pod.yaml: document 0, line 11: spec.containers[0].ports[1].containerPort: Duplicate value: \"80/TCP\"");
}

TEST(DecodeErrorsTest, UnknownKind) {
  EXPECT_EQ(ErrorOf("apiVersion: v1\nkind: Deployment\nmetadata: {name: a}\n", "x.yaml"),
            "x.yaml: document 0, line 2: kind: Unsupported value: \"Deployment\": supported values: \"Pod\", \"Service\"");
}

TEST(DecodeErrorsTest, UnknownApiVersion) {
  EXPECT_EQ(ErrorOf("apiVersion: apps/v1\nkind: Pod\nmetadata: {name: a}\n", "x.yaml"),
            "x.yaml: document 0, line 1: apiVersion: Unsupported value: \"apps/v1\": supported values: \"v1\"");
  EXPECT_EQ(ErrorOf("kind: Pod\nmetadata: {name: a}\n", "x.yaml"), "x.yaml: document 0, line 1: apiVersion: Required value");
}

TEST(DecodeErrorsTest, BadRestartPolicy) {
  EXPECT_EQ(ErrorOf("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  restartPolicy: Sometimes\n"
                    "  containers: [{name: a, image: a}]\n",
                    "pod.yaml"),
            "pod.yaml: document 0, line 5: spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: "
            "\"Always\", \"OnFailure\", \"Never\"");
}

TEST(DecodeErrorsTest, BadImagePullPolicyAndProtocol) {
  EXPECT_EQ(ErrorOf(PodWith("    image: nginx\n    imagePullPolicy: Sometimes\n    ports: [{containerPort: 80, protocol: HTTP}]\n"),
                    "pod.yaml"),
            "pod.yaml: document 0, line 9: spec.containers[0].imagePullPolicy: Unsupported value: \"Sometimes\": supported "
            "values: \"Always\", \"IfNotPresent\", \"Never\"\n"
            "pod.yaml: document 0, line 10: spec.containers[0].ports[0].protocol: Unsupported value: \"HTTP\": supported "
            "values: \"SCTP\", \"TCP\", \"UDP\"");
}

TEST(DecodeErrorsTest, NodePortOutOfRange) {
  std::string text = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: a, image: a}]}\n---\n" +
                     ServiceWith("  type: NodePort\n  selector: {app: web}\n  ports:\n  - port: 80\n    nodePort: 80\n");
  EXPECT_EQ(ErrorOf(text, "svc.yaml"),
            "svc.yaml: document 1, line 15: spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid "
            "range. The range of valid ports is 30000-32767");
}

TEST(DecodeErrorsTest, NodePortOnClusterIPService) {
  EXPECT_EQ(ErrorOf(ServiceWith("  selector: {app: web}\n  ports:\n  - port: 80\n    nodePort: 30080\n"), "svc.yaml"),
            "svc.yaml: document 0, line 9: spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'");
}

TEST(DecodeErrorsTest, BadClusterIP) {
  EXPECT_EQ(ErrorOf(ServiceWith("  clusterIP: 10.96.0.300\n  selector: {app: web}\n  ports: [{port: 80}]\n"), "svc.yaml"),
            "svc.yaml: document 0, line 6: spec.clusterIP: Invalid value: \"10.96.0.300\": must be a valid IP address, "
            "(e.g. 10.9.8.7 or 2001:db8::ffff)");
  EXPECT_EQ(ErrorOf(ServiceWith("  clusterIP: fd00::10\n  selector: {app: web}\n  ports: [{port: 80}]\n"), "svc.yaml"),
            "svc.yaml: document 0, line 6: spec.clusterIP: Invalid value: \"fd00::10\": kubenode supports only IPv4 "
            "cluster IPs");
}

TEST(DecodeErrorsTest, MissingSelector) {
  EXPECT_EQ(ErrorOf(ServiceWith("  type: NodePort\n  ports: [{port: 80}]\n"), "svc.yaml"),
            "svc.yaml: document 0, line 5: spec.selector: Required value: kubenode finds endpoints only through a selector");
}

TEST(DecodeErrorsTest, ServicePortsRules) {
  EXPECT_EQ(ErrorOf(ServiceWith("  selector: {app: web}\n  ports:\n  - {port: 80}\n  - {name: b, port: 80}\n"
                                "  - {name: b, port: 0, targetPort: Web_80}\n"),
                    "svc.yaml"),
            "svc.yaml: document 0, line 8: spec.ports[0].name: Required value\n"
            "svc.yaml: document 0, line 9: spec.ports[1]: Duplicate value: \"80/TCP\"\n"
            "svc.yaml: document 0, line 10: spec.ports[2].name: Duplicate value: \"b\"\n"
            "svc.yaml: document 0, line 10: spec.ports[2].port: Invalid value: 0: must be between 1 and 65535, inclusive\n"
            "svc.yaml: document 0, line 10: spec.ports[2].targetPort: Invalid value: \"Web_80\": must contain only "
            "alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  EXPECT_EQ(ErrorOf(ServiceWith("  selector: {app: web}\n"), "svc.yaml"),
            "svc.yaml: document 0, line 5: spec.ports: Required value");
}

TEST(DecodeErrorsTest, UnsupportedServiceTypeAndAffinity) {
  EXPECT_EQ(ErrorOf(ServiceWith("  type: LoadBalancer\n  sessionAffinity: Sticky\n"), "svc.yaml"),
            "svc.yaml: document 0, line 6: spec.type: Unsupported value: \"LoadBalancer\": supported values: "
            "\"ClusterIP\", \"NodePort\"\n"
            "svc.yaml: document 0, line 7: spec.sessionAffinity: Unsupported value: \"Sticky\": supported values: "
            "\"ClientIP\", \"None\"");
  EXPECT_EQ(ErrorOf(ServiceWith("  selector: {app: web}\n  ports: [{port: 80}]\n  sessionAffinity: ClientIP\n"
                                "  sessionAffinityConfig: {clientIP: {timeoutSeconds: 90000}}\n"),
                    "svc.yaml"),
            "svc.yaml: document 0, line 9: spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 90000: "
            "must be greater than 0 and less than 86400");
}

TEST(DecodeErrorsTest, TwoProbeHandlers) {
  EXPECT_EQ(ErrorOf(PodWith("    image: nginx\n    livenessProbe:\n      httpGet: {port: 80}\n      tcpSocket: {port: 80}\n"),
                    "pod.yaml"),
            "pod.yaml: document 0, line 11: spec.containers[0].livenessProbe.tcpSocket: Forbidden: may not specify more "
            "than 1 handler type");
  EXPECT_EQ(ErrorOf(PodWith("    image: nginx\n    readinessProbe:\n      periodSeconds: 5\n"), "pod.yaml"),
            "pod.yaml: document 0, line 9: spec.containers[0].readinessProbe: Required value: must specify a handler type");
}

TEST(DecodeErrorsTest, UnknownVolumeInMount) {
  EXPECT_EQ(ErrorOf(PodWith("    image: nginx\n    volumeMounts:\n    - name: data\n      mountPath: /data\n"), "pod.yaml"),
            "pod.yaml: document 0, line 10: spec.containers[0].volumeMounts[0].name: Not found: \"data\"");
}

TEST(DecodeErrorsTest, VolumeRules) {
  EXPECT_EQ(ErrorOf("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  volumes:\n  - name: data\n"
                    "  - name: data\n    emptyDir: {}\n    hostPath: {path: /tmp}\n"
                    "  containers: [{name: a, image: a}]\n",
                    "pod.yaml"),
            "pod.yaml: document 0, line 6: spec.volumes[0]: Required value: must specify a volume type\n"
            "pod.yaml: document 0, line 7: spec.volumes[1].name: Duplicate value: \"data\"\n"
            "pod.yaml: document 0, line 9: spec.volumes[1].hostPath: Forbidden: may not specify more than 1 volume type");
}

TEST(DecodeErrorsTest, InvalidContainerNameAndPortName) {
  EXPECT_EQ(ErrorOf("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: Web\n    image: a\n"
                    "    ports: [{name: http--port-number, containerPort: 80}]\n",
                    "pod.yaml"),
            "pod.yaml: document 0, line 6: spec.containers[0].name: Invalid value: \"Web\": a lowercase RFC 1123 label "
            "must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric "
            "character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')\n"
            "pod.yaml: document 0, line 8: spec.containers[0].ports[0].name: Invalid value: \"http--port-number\": must "
            "be no more than 15 characters\n"
            "pod.yaml: document 0, line 8: spec.containers[0].ports[0].name: Invalid value: \"http--port-number\": must "
            "not contain consecutive hyphens");
}

TEST(DecodeErrorsTest, InvalidLabel) {
  EXPECT_EQ(ErrorOf("apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels: {app: \"web app\"}\n"
                    "spec: {containers: [{name: a, image: a}]}\n",
                    "pod.yaml"),
            "pod.yaml: document 0, line 5: metadata.labels: Invalid value: \"web app\": a valid label must be an empty "
            "string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
            "character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is "
            "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
}

TEST(DecodeErrorsTest, ErrorInSecondDocumentNamesIt) {
  std::string text = "apiVersion: v1\nkind: Pod\nmetadata: {name: ok}\nspec: {containers: [{name: a, image: a}]}\n"
                     "---\napiVersion: v1\nkind: Pod\nmetadata: {name: broken}\nspec:\n  containers:\n  - name: a\n";
  EXPECT_EQ(ErrorOf(text, "two.yaml"), "two.yaml: document 1, line 11: spec.containers[0].image: Required value");
}

TEST(DecodeErrorsTest, ErrorsOfAllDocumentsAreJoined) {
  std::string text = "apiVersion: v1\nkind: Secret\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {}\n";
  EXPECT_EQ(ErrorOf(text, "m.yaml"),
            "m.yaml: document 0, line 2: kind: Unsupported value: \"Secret\": supported values: \"Pod\", \"Service\"\n"
            "m.yaml: document 1, line 7: spec.containers: Required value");
}

TEST(DecodeErrorsTest, DocumentThatIsNotAMapping) {
  EXPECT_EQ(ErrorOf("- a\n- b\n", "list.yaml"), "list.yaml: document 0, line 1: expected a mapping, got a sequence");
}

TEST(DecodeErrorsTest, StrictRejectsDuplicateFields) {
  EXPECT_EQ(ErrorOf("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nmetadata: {name: b}\n", "dup.yaml"),
            "dup.yaml: document 0, line 4: metadata: duplicate field \"metadata\"");
}

}  // namespace
}  // namespace kubenode::api
