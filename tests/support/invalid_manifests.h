// A generated corpus of invalid manifests (well over 500): broken YAML, unknown fields, wrong types, invalid
// names and ports, binary and non-UTF-8 bytes, huge and deeply nested documents, duplicates, wrong kinds.
// Each carries a piece of text its error must contain (the field path, or what is wrong), so that a test can
// check the error is the clear one and not merely some failure.
#pragma once

#include <random>
#include <string>
#include <vector>

namespace kubenode::testing {

struct InvalidManifest {
  std::string category;
  std::string content;
  std::string expect;  // a substring of the error ("" when several messages are right, e.g. random bytes)
};

inline std::string CorpusPod(const std::string& name, const std::string& metadata_extra = "",
                             const std::string& spec_extra = "", const std::string& container_extra = "",
                             const std::string& image = "busybox:latest") {
  return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name + "\n  labels: {app: corpus}\n" + metadata_extra +
         "spec:\n" + spec_extra + "  containers:\n  - name: c\n    image: " + image + "\n" + container_extra;
}

inline std::string CorpusService(const std::string& name, const std::string& spec_lines) {
  return "apiVersion: v1\nkind: Service\nmetadata:\n  name: " + name + "\nspec:\n" + spec_lines;
}

inline std::vector<InvalidManifest> InvalidManifestCorpus() {
  std::vector<InvalidManifest> out;
  int n = 0;
  auto name = [&] { return "corpus-" + std::to_string(n++); };
  auto add = [&](const std::string& category, std::string content, std::string expect) {
    out.push_back({category, std::move(content), std::move(expect)});
  };

  // Unknown fields, at every level of a Pod and a Service.
  for (const std::string field : {"bogus", "imagee", "Name", "spec_", "x-y", "labelz", "contaners", "restart",
                                  "nodeSelectorr", "terminationGracePeriod", "aPIVersion", "status_", "volumez", "hostnetwork", "imagePolicy"}) {
    add("unknown field", "apiVersion: v1\nkind: Pod\n" + field + ": 1\nmetadata: {name: " + name() + "}\nspec:\n"
        "  containers: [{name: c, image: busybox:latest}]\n", "unknown field \"" + field + "\"");
    add("unknown field", CorpusPod(name(), "  " + field + ": 1\n"), "metadata." + field + ": unknown field");
    add("unknown field", CorpusPod(name(), "", "  " + field + ": 1\n"), "spec." + field + ": unknown field");
    add("unknown field", CorpusPod(name(), "", "", "    " + field + ": 1\n"), "spec.containers[0]." + field + ": unknown field");
    add("unknown field", CorpusPod(name(), "", "", "    ports:\n    - containerPort: 80\n      " + field + ": 1\n"),
        "spec.containers[0].ports[0]." + field + ": unknown field");
    add("unknown field", CorpusPod(name(), "", "", "    env:\n    - name: A\n      value: b\n      " + field + ": 1\n"),
        "spec.containers[0].env[0]." + field + ": unknown field");
    add("unknown field", CorpusService(name(), "  selector: {app: x}\n  ports: [{port: 80}]\n  " + field + ": 1\n"),
        "spec." + field + ": unknown field");
    add("unknown field", CorpusService(name(), "  selector: {app: x}\n  ports:\n  - port: 80\n    " + field + ": 1\n"),
        "spec.ports[0]." + field + ": unknown field");
  }

  // Wrong types.
  const std::vector<std::pair<std::string, std::string>> wrong_values = {
      {"[a, b]", "expected"}, {"{a: b}", "expected"}, {"\"80\"", "expected"}, {"eighty", "expected"},
      {"1.5", "expected"}, {"true", "expected"}, {"99999999999", "integer 99999999999 is out of range"}};
  for (const auto& [value, expect] : wrong_values) {
    add("wrong type", CorpusPod(name(), "", "", "    ports: [{containerPort: " + value + "}]\n"),
        "spec.containers[0].ports[0].containerPort: " + expect);
    add("wrong type", CorpusService(name(), "  selector: {app: x}\n  ports: [{port: " + value + "}]\n"),
        "spec.ports[0].port: " + expect);
    if (value != "99999999999") {  // an int64 field: that one is valid
      add("wrong type", CorpusPod(name(), "", "  terminationGracePeriodSeconds: " + value + "\n"),
          "spec.terminationGracePeriodSeconds: " + expect);
    }
  }
  for (const std::string value : {"[a]", "{a: b}", "1", "true"}) {
    add("wrong type", CorpusPod(name(), "", "", "", value), "spec.containers[0].image: expected");
    if (value != "[a]") {
      add("wrong type", CorpusPod(name(), "", "", "    command: " + value + "\n"), "spec.containers[0].command: expected");
    }
    add("wrong type", "apiVersion: v1\nkind: Pod\nmetadata: " + value + "\n",
        value == "{a: b}" ? "metadata.a: unknown field" : "metadata: expected");
    add("wrong type", "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name() + "}\nspec: " + value + "\n", "spec");
    add("wrong type", CorpusPod(name(), "", "", "    env: [{name: A, value: " + value + "}]\n"),
        value == "1" || value == "true" ? "spec.containers[0].env[0].value: expected a string" : "");
  }
  for (const std::string value : {"[a]", "a", "1"}) {
    add("wrong type", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name() + "\n  labels: " + value +
                          "\nspec: {containers: [{name: c, image: busybox:latest}]}\n",
        "metadata.labels: expected a mapping");
    add("wrong type", CorpusService(name(), "  selector: " + value + "\n  ports: [{port: 80}]\n"),
        "spec.selector: expected a mapping");
    add("wrong type", "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name() + "}\nspec:\n  containers: " + value + "\n",
        value == "[a]" ? "spec.containers[0]: expected a mapping" : "spec.containers: expected a sequence");
  }

  // Invalid names.
  for (const std::string bad : {"UPPER", "a_b", "-a", "a-", "a..b", "a b", "\"\"", "a/b", "a%b", "1.2.3.4.", "é"}) {
    add("invalid name", CorpusPod(bad), "metadata.name");
    add("invalid name", CorpusService(bad, "  selector: {app: x}\n  ports: [{port: 80}]\n"), "metadata.name");
    add("invalid name", "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name() + "}\nspec:\n  containers: [{name: " +
                            bad + ", image: busybox:latest}]\n",
        "spec.containers[0].name");
    if (bad != "\"\"") add("invalid name", CorpusPod(name(), "  namespace: " + bad + "\n"), "metadata.namespace");
    const std::string label_value = "x-" + std::to_string(n) + "-";  // must end alphanumeric
    add("invalid label", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name() + "\n  labels: {app: " + label_value +
                             "}\nspec: {containers: [{name: c, image: busybox:latest}]}\n",
        "metadata.labels");
  }
  add("invalid name", CorpusPod(std::string(254, 'a')), "metadata.name");
  add("invalid name", CorpusService(std::string(64, 'a'), "  selector: {app: x}\n  ports: [{port: 80}]\n"), "metadata.name");

  // Invalid ports and port fields.
  for (const std::string port : {"0", "-1", "65536", "70000", "100000"}) {
    add("invalid port", CorpusPod(name(), "", "", "    ports: [{containerPort: " + port + "}]\n"),
        "spec.containers[0].ports[0].containerPort");
    add("invalid port", CorpusService(name(), "  selector: {app: x}\n  ports: [{port: " + port + "}]\n"), "spec.ports[0].port");
    if (port == "0") continue;  // hostPort and targetPort 0 mean "not set"
    add("invalid port", CorpusPod(name(), "", "", "    ports: [{containerPort: 80, hostPort: " + port + "}]\n"),
        "spec.containers[0].ports[0].hostPort");
    add("invalid port", CorpusService(name(), "  selector: {app: x}\n  ports: [{port: 80, targetPort: " + port + "}]\n"),
        "spec.ports[0].targetPort");
  }
  for (const std::string node_port : {"1", "80", "29999", "32768", "65535"}) {
    add("invalid port", CorpusService(name(), "  type: NodePort\n  selector: {app: x}\n  ports: [{port: 80, nodePort: " +
                                                  node_port + "}]\n"),
        "spec.ports[0].nodePort");
  }
  for (const std::string protocol : {"HTTP", "tcp", "ICMP", "sctp"}) {
    add("invalid port", CorpusService(name(), "  selector: {app: x}\n  ports: [{port: 80, protocol: " + protocol + "}]\n"),
        "spec.ports[0].protocol");
    add("invalid port", CorpusPod(name(), "", "", "    ports: [{containerPort: 80, protocol: " + protocol + "}]\n"),
        "spec.containers[0].ports[0].protocol");
  }
  add("invalid port", CorpusService(name(), "  type: ClusterIP\n  selector: {app: x}\n  ports: [{port: 80, nodePort: 30080}]\n"),
      "spec.ports[0].nodePort");

  // Broken YAML.
  const std::string valid = CorpusPod("syntax");
  for (const std::string broken :
       {"[", "{", "]", "}", "\"", "'", "- : -", "key: [a, b", "key: {a: b", "*alias", "&a [*a]", "!!binary x",
        "? [a", "[[[", "{{{", ",]"}) {
    add("invalid YAML", broken + "\n" + valid, "");
    add("invalid YAML", valid + "  " + broken + "\n", "");
  }
  for (size_t line = 1; line < 10; ++line) {
    size_t at = 0;
    for (size_t i = 0; i < line; ++i) at = valid.find('\n', at) + 1;
    add("invalid YAML", valid.substr(0, at) + "\"unterminated\n" + valid.substr(at), "");
    add("invalid YAML", valid.substr(0, at) + "  - [\n" + valid.substr(at), "");
  }
  add("invalid YAML", "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nmetadata: {name: b}\n", "");  // duplicate key
  add("invalid YAML", "{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"a\"},", "");

  // Binary and non-UTF-8 bytes.
  std::mt19937 rng(20261207);
  for (int i = 0; i < 70; ++i) {
    std::string garbage(64 + i * 13, '\0');
    for (auto& c : garbage) c = static_cast<char>(rng() & 0xff);
    add("binary", garbage, "");
  }
  for (const std::string& bytes : std::vector<std::string>{"\xff", "\xc3\x28", "\xa0\xa1", "\xe2\x82", "\xf0\x28\x8c\xbc", "\xfe\xfe\xff\xff",
                                  std::string("a\0b", 3), "\x01\x02\x03"}) {
    add("non-UTF-8", CorpusPod("a" + bytes + "b"), "");
    add("non-UTF-8", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name() + "\n  labels: {app: \"x" + bytes +
                         "\"}\nspec: {containers: [{name: c, image: busybox:latest}]}\n",
        "");
    add("non-UTF-8", bytes + CorpusPod(name()), "");
    add("non-UTF-8", CorpusService(name(), "  selector: {app: \"" + bytes + "\"}\n  ports: [{port: 80}]\n"), "");
  }

  // Huge and deeply nested documents.
  add("huge", CorpusPod(name(), "  annotations: {a: \"" + std::string(300 * 1024, 'x') + "\"}\n") +
                  "  bogus: 1\n",
      "");
  add("huge", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name() + "\n  labels: {app: " + std::string(5 * 1024 * 1024, 'v') +
                  "}\nspec: {containers: [{name: c, image: busybox:latest}]}\n",
      "metadata.labels");
  {
    std::string many;
    for (int i = 0; i < 20000; ++i) many += "    - {name: E" + std::to_string(i) + ", value: v}\n";
    add("huge", CorpusPod(name(), "", "", "    env:\n" + many + "    bogus: 1\n"), "spec.containers[0].bogus: unknown field");
  }
  for (const int depth : {1000, 10000, 100000}) {
    add("deep", "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name() + "}\nspec: " + std::string(depth, '[') +
                    std::string(depth, ']') + "\n",
        "");
    add("deep", "{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": " + std::string(depth, '[') +
                    std::string(depth, ']') + "}",
        "");
    std::string block = "apiVersion: v1\nkind: Pod\nmetadata:\n";
    for (int i = 0; i < std::min(depth, 5000); ++i) block += std::string(2 + 2 * i, ' ') + "a:\n";
    add("deep", block, "");
    add("deep", "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name() + "}\nspec: " + std::string(depth, '{') +
                    std::string(depth, '}') + "\n",
        "");
  }

  // Duplicates within one file.
  for (int i = 0; i < 5; ++i) {
    const std::string pod = name();
    add("duplicate", CorpusPod(pod) + "---\n" + CorpusPod(pod), "");
    add("duplicate", "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name() + "}\nspec:\n  containers:\n  - {name: c, image: a}\n"
                     "  - {name: c, image: b}\n",
        "spec.containers[1].name");
    add("duplicate", CorpusPod(name(), "", "", "    ports:\n    - containerPort: 80\n    - containerPort: 80\n"), "");
    const std::string svc = name();
    add("duplicate", CorpusService(svc, "  selector: {app: x}\n  ports: [{port: 80}]\n") + "---\n" +
                         CorpusService(svc, "  selector: {app: x}\n  ports: [{port: 81}]\n"),
        "");
    add("duplicate", CorpusService(name(), "  selector: {app: x}\n  ports:\n  - {name: a, port: 80}\n  - {name: a, port: 81}\n"),
        "spec.ports[1].name");
  }

  // Kinds, versions and required fields.
  for (const std::string header : {"apiVersion: v1\nkind: Deployment\n", "apiVersion: apps/v1\nkind: Pod\n",
                                   "apiVersion: v2\nkind: Pod\n", "kind: Pod\n", "apiVersion: v1\n",
                                   "apiVersion: v1\nkind: pod\n", "apiVersion: v1\nkind: \"\"\n", "apiVersion: 1\nkind: Pod\n"}) {
    add("kind", header + "metadata: {name: " + name() + "}\nspec: {containers: [{name: c, image: busybox:latest}]}\n", "");
  }
  for (int i = 0; i < 10; ++i) {
    add("required", "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name() + "}\nspec: {containers: []}\n",
        "spec.containers: Required value");
    add("required", "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name() + "}\nspec: {containers: [{name: c}]}\n",
        "spec.containers[0].image: Required value");
    add("required", "apiVersion: v1\nkind: Pod\nmetadata: {labels: {a: b}}\nspec: {containers: [{name: c, image: a}]}\n",
        "metadata.name");
    add("required", CorpusService(name(), "  selector: {app: x}\n"), "spec.ports");
    add("required", "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name() + "}\nspec: {containers: [{image: a}]}\n",
        "spec.containers[0].name");
  }
  return out;
}

}  // namespace kubenode::testing
