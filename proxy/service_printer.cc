#include "proxy/service_printer.h"

#include <algorithm>
#include <chrono>
#include <tuple>

#include <nlohmann/json.hpp>

#include "api/json.h"
#include "base/tab_writer.h"

namespace kubenode::proxy {

namespace {

constexpr size_t kMaxAnnotationLength = 200;  // describe's maxAnnotationLen
constexpr char kLastAppliedAnnotation[] = "kubectl.kubernetes.io/last-applied-configuration";

std::string ClusterIPColumn(const api::Service& service) {
  return service.spec.cluster_ip.empty() ? "<none>" : service.spec.cluster_ip;
}

nlohmann::json ServiceJson(const ServiceRecord& record) {
  api::Service service = record.service;
  service.metadata.creation_timestamp = record.created_at;
  return api::ToJson(service);
}

std::string TableOf(const std::vector<ServiceRecord>& records, const GetOptions& options, const Clock& clock) {
  const bool wide = options.format == OutputFormat::kWide;
  std::string text;
  if (options.all_namespaces) text += "NAMESPACE\t";
  text += "NAME\tTYPE\tCLUSTER-IP\tEXTERNAL-IP\tPORT(S)\tAGE";
  text += wide ? "\tSELECTOR\n" : "\n";
  const api::Time now = clock.WallNow();
  for (const ServiceRecord& record : records) {
    const api::Service& s = record.service;
    if (options.all_namespaces) text += s.metadata.ns + "\t";
    auto age = std::chrono::duration_cast<std::chrono::seconds>(now - record.created_at);
    // ExternalIPs and load balancers are not modelled: EXTERNAL-IP is always <none>, as kubectl shows for
    // ClusterIP and NodePort Services without spec.externalIPs.
    text += s.metadata.name + "\t" + api::ToString(s.spec.type) + "\t" + ClusterIPColumn(s) + "\t<none>\t" +
            ServicePortsColumn(s) + "\t" + api::FormatAge(age);
    text += wide ? "\t" + FormatLabels(s.spec.selector) + "\n" : "\n";
  }
  return AlignColumns(text, kGetTableOptions);
}

// kubectl -o json: json.MarshalIndent with four spaces, keys sorted, a final newline.
std::string JsonText(const nlohmann::json& doc) {
  return doc.dump(4, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

// describe's printLabelsMultiline.
void WriteLabels(std::string& out, const char* title, const api::Labels& labels) {
  out += std::string(title) + ":\t";
  if (labels.empty()) {
    out += "<none>\n";
    return;
  }
  bool first = true;
  for (const auto& [key, value] : labels) {
    if (!first) out += "\t";
    out += key + "=" + value + "\n";
    first = false;
  }
}

std::string Shorten(const std::string& s, size_t max) {
  return s.size() > max ? s.substr(0, max) + "..." : s;
}

// describe's printAnnotationsMultiline: "key: value", long or multi-line values on their own lines.
void WriteAnnotations(std::string& out, const api::Labels& annotations) {
  out += "Annotations:\t";
  std::vector<std::pair<std::string, std::string>> shown;
  for (const auto& entry : annotations) {
    if (entry.first != kLastAppliedAnnotation) shown.push_back(entry);
  }
  if (shown.empty()) {
    out += "<none>\n";
    return;
  }
  bool first = true;
  for (auto [key, value] : shown) {
    if (!first) out += "\t";
    first = false;
    if (!value.empty() && value.back() == '\n') value.pop_back();
    if (value.size() + key.size() + 2 > kMaxAnnotationLength || value.find('\n') != std::string::npos) {
      out += key + ":\n";
      size_t start = 0;
      for (;;) {
        size_t end = value.find('\n', start);
        out += "\t" + Shorten(value.substr(start, end - start), kMaxAnnotationLength - 2) + "\n";
        if (end == std::string::npos) break;
        start = end + 1;
      }
    } else {
      out += key + ": " + value + "\n";
    }
  }
}

// describe's formatEndpointSlices for one port name: ready addresses as ip:port, at most three, then
// "+ N more...". Quirks kept: "" when no endpoint is ready, "<none>" only when there are no slices.
std::string EndpointsColumn(const std::vector<api::EndpointSlice>& slices, const std::string& port_name) {
  if (slices.empty()) return "<none>";
  constexpr size_t kMax = 3;
  std::vector<std::string> list;
  bool more = false;
  size_t count = 0;
  auto add = [&](const api::Endpoint& endpoint, const std::string& text) {
    if (list.size() == kMax) more = true;
    if (!endpoint.conditions.ready) return;
    if (!more) list.push_back(text);
    ++count;
  };
  for (const api::EndpointSlice& slice : slices) {
    if (slice.ports.empty()) {
      for (const api::Endpoint& endpoint : slice.endpoints) {
        if (!endpoint.addresses.empty()) add(endpoint, endpoint.addresses.front());
      }
      continue;
    }
    for (const api::EndpointPort& port : slice.ports) {
      if (port.name != port_name) continue;
      for (const api::Endpoint& endpoint : slice.endpoints) {
        if (!endpoint.addresses.empty()) add(endpoint, endpoint.addresses.front() + ":" + std::to_string(port.port));
      }
    }
  }
  std::string joined;
  for (const std::string& item : list) joined += (joined.empty() ? "" : ",") + item;
  if (more) joined += " + " + std::to_string(count - kMax) + " more...";
  return joined;
}

}  // namespace

Result<OutputFormat> ParseOutputFormat(std::string_view flag) {
  if (flag.empty()) return OutputFormat::kTable;
  if (flag == "wide") return OutputFormat::kWide;
  if (flag == "json") return OutputFormat::kJson;
  if (flag == "yaml") return OutputFormat::kYaml;
  return Status::Error("unable to match a printer suitable for the output format \"" + std::string(flag) +
                       "\", allowed formats are: json,wide,yaml");
}

std::string ServicePortsColumn(const api::Service& service) {
  std::string ports;
  for (const api::ServicePort& port : service.spec.ports) {
    if (!ports.empty()) ports += ",";
    ports += std::to_string(port.port);
    if (port.node_port > 0) ports += ":" + std::to_string(port.node_port);
    ports += std::string("/") + api::ToString(port.protocol);
  }
  return ports.empty() ? "<none>" : ports;
}

std::string FormatLabels(const api::Labels& labels) {
  std::string text;
  for (const auto& [key, value] : labels) text += (text.empty() ? "" : ",") + key + "=" + value;
  return text.empty() ? "<none>" : text;
}

std::string FormatServices(std::vector<ServiceRecord> records, const GetOptions& options, const Clock& clock) {
  std::sort(records.begin(), records.end(), [](const ServiceRecord& a, const ServiceRecord& b) {
    return std::tie(a.service.metadata.ns, a.service.metadata.name) <
           std::tie(b.service.metadata.ns, b.service.metadata.name);
  });
  if (options.format == OutputFormat::kJson || options.format == OutputFormat::kYaml) {
    nlohmann::json doc;
    if (options.single && records.size() == 1) {
      doc = ServiceJson(records.front());
    } else {
      nlohmann::json items = nlohmann::json::array();
      for (const ServiceRecord& record : records) items.push_back(ServiceJson(record));
      doc = {{"apiVersion", "v1"}, {"items", items}, {"kind", "List"}, {"metadata", {{"resourceVersion", ""}}}};
    }
    return options.format == OutputFormat::kJson ? JsonText(doc) : api::ToYaml(doc);
  }
  if (records.empty()) return "";
  return TableOf(records, options, clock);
}

std::string NoResourcesFound(const std::string& ns, bool all_namespaces) {
  return all_namespaces ? "No resources found" : "No resources found in " + ns + " namespace.";
}

std::string ServiceNotFound(const std::string& name) {
  return "Error from server (NotFound): services \"" + name + "\" not found";
}

std::string DescribeService(const ServiceRecord& record, const std::vector<api::EndpointSlice>& slices) {
  const api::Service& s = record.service;
  std::string out;
  out += "Name:\t" + s.metadata.name + "\n";
  out += "Namespace:\t" + s.metadata.ns + "\n";
  WriteLabels(out, "Labels", s.metadata.labels);
  WriteAnnotations(out, s.metadata.annotations);
  out += "Selector:\t" + FormatLabels(s.spec.selector) + "\n";
  out += std::string("Type:\t") + api::ToString(s.spec.type) + "\n";
  // What upstream's apiserver defaults for an IPv4-only cluster; kubenode is IPv4-only.
  out += "IP Family Policy:\tSingleStack\n";
  out += "IP Families:\tIPv4\n";
  out += "IP:\t" + s.spec.cluster_ip + "\n";
  out += "IPs:\t" + (s.spec.cluster_ip.empty() ? std::string("<none>") : s.spec.cluster_ip) + "\n";
  for (const api::ServicePort& port : s.spec.ports) {
    const std::string name = port.name.empty() ? "<unset>" : port.name;
    const std::string protocol = api::ToString(port.protocol);
    out += "Port:\t" + name + "\t" + std::to_string(port.port) + "/" + protocol + "\n";
    api::IntOrString target = port.target_port.IsZero() ? api::IntOrString::Int(port.port) : port.target_port;
    out += "TargetPort:\t" + target.ToString() + "/" + protocol + "\n";
    if (port.node_port != 0) out += "NodePort:\t" + name + "\t" + std::to_string(port.node_port) + "/" + protocol + "\n";
    out += "Endpoints:\t" + EndpointsColumn(slices, port.name) + "\n";
  }
  out += std::string("Session Affinity:\t") + api::ToString(s.spec.session_affinity) + "\n";
  // Upstream keeps externalTrafficPolicy only for externally reachable Services and defaults
  // internalTrafficPolicy to Cluster for all; kubenode's proxy implements exactly that.
  if (s.spec.type == api::ServiceType::kNodePort) {
    out += std::string("External Traffic Policy:\t") + api::ToString(s.spec.external_traffic_policy) + "\n";
  }
  out += "Internal Traffic Policy:\tCluster\n";
  out += "Events:\t<none>\n";
  return AlignColumns(out, kDescribeOptions);
}

}  // namespace kubenode::proxy
