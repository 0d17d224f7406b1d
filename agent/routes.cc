// The CLI's routes: what `kubenode get/describe/apply/delete/proxy dump` print, computed in the daemon.
#include <netinet/in.h>  // before linux/netfilter.h, which otherwise redefines its types
#include <linux/netfilter.h>

#include <algorithm>

#include "agent/daemon_parts.h"
#include "agent/manifest_store.h"
#include "api/json.h"
#include "kubelet/printers/get_printers.h"
#include "netfilter/render.h"
#include "proxy/service_printer.h"

namespace kubenode::agent {
namespace {

using nlohmann::json;

std::string Field(const json& request, const char* name) { return request.value(name, std::string()); }

std::string JoinLines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

// kubectl's -o json/yaml of one object or of a List.
std::string FormatObjects(const std::vector<json>& items, const std::string& output, bool single) {
  json doc = single && items.size() == 1 ? items.front()
                                         : json{{"apiVersion", "v1"}, {"items", items}, {"kind", "List"},
                                                {"metadata", {{"resourceVersion", ""}}}};
  return output == "json" ? doc.dump(4) + "\n" : api::ToYaml(doc);
}

json PodJson(const kubelet::PodWithStatus& pod) {
  json j = api::ToJson(pod.pod);
  j["status"] = api::ToJson(pod.status);
  return j;
}

Reply GetPods(Daemon::Parts& p, const json& request) {
  const std::string ns = Field(request, "namespace"), name = Field(request, "name"), output = Field(request, "output");
  std::vector<kubelet::PodWithStatus> pods;
  if (!name.empty()) {
    auto pod = p.kubelet.GetPod(ns, name);
    if (!pod) return Reply::Error("Error from server (NotFound): pods \"" + name + "\" not found");
    pods.push_back(*pod);
  } else {
    for (auto& pod : p.kubelet.Pods()) {
      if (pod.pod.metadata.ns == ns) pods.push_back(std::move(pod));
    }
  }
  if (output == "json" || output == "yaml") {
    std::vector<json> items;
    for (const auto& pod : pods) items.push_back(PodJson(pod));
    return Reply::Ok(FormatObjects(items, output, !name.empty()));
  }
  if (pods.empty()) return {0, "", "No resources found in " + ns + " namespace.\n"};
  return Reply::Ok(kubelet::PrintPods(pods, p.clock.WallNow(), output == "wide"));
}

Reply GetEvents(Daemon::Parts& p, const json& request) {
  const std::string ns = Field(request, "namespace");
  std::vector<kubelet::RecordedEvent> events;
  for (auto& e : p.kubelet.Events()) {
    // Node events (e.g. a broken manifest) have no namespace; show them with the default namespace's.
    if (e.object.ns == ns || e.object.ns.empty()) events.push_back(std::move(e));
  }
  if (events.empty()) return {0, "", "No resources found in " + ns + " namespace.\n"};
  return Reply::Ok(kubelet::PrintEvents(events, p.clock.WallNow()));
}

Reply GetServices(Daemon::Parts& p, const json& request) {
  if (!p.services) return Reply::Error("the proxy is not running (kubenode run --proxy=false)");
  const std::string ns = Field(request, "namespace"), name = Field(request, "name");
  auto format = proxy::ParseOutputFormat(Field(request, "output"));
  if (!format.ok()) return Reply::Error(format.status().message());
  std::vector<proxy::ServiceRecord> records;
  for (auto& r : p.services->Records()) {
    if (r.service.metadata.ns == ns && (name.empty() || r.service.metadata.name == name)) records.push_back(std::move(r));
  }
  if (!name.empty() && records.empty()) return Reply::Error(proxy::ServiceNotFound(name));
  if (records.empty() && *format != proxy::OutputFormat::kJson && *format != proxy::OutputFormat::kYaml) {
    return {0, "", proxy::NoResourcesFound(ns, false)};
  }
  return Reply::Ok(proxy::FormatServices(records, {.format = *format, .single = !name.empty()}, p.clock));
}

Reply DescribeService(Daemon::Parts& p, const json& request) {
  if (!p.services) return Reply::Error("the proxy is not running (kubenode run --proxy=false)");
  const std::string ns = Field(request, "namespace"), name = Field(request, "name");
  std::vector<proxy::ServiceRecord> records;
  for (auto& r : p.services->Records()) {
    if (r.service.metadata.ns == ns && (name.empty() || r.service.metadata.name == name)) records.push_back(std::move(r));
  }
  if (records.empty()) return Reply::Error(proxy::ServiceNotFound(name));
  std::string out;
  for (const auto& r : records) {
    if (!out.empty()) out += "\n\n";
    out += proxy::DescribeService(r, p.tracker->SlicesFor(r.service.metadata.ns, r.service.metadata.name));
  }
  return Reply::Ok(out);
}

Reply ApplyOrDelete(Daemon::Parts& p, const json& request, bool apply) {
  ManifestStore store(p.options.kubelet.pod_manifest_path);
  const std::string content = Field(request, "content"), file = Field(request, "file");
  auto lines = apply ? store.Apply(content, file) : store.Delete(content, file);
  if (!lines.ok()) return Reply::Error("error: " + lines.status().message());
  return Reply::Ok(JoinLines(*lines));
}

Reply ProxyDump(Daemon::Parts& p) {
  if (!p.backend) return Reply::Error("the proxy is not running (kubenode run --proxy=false)");
  auto table = p.backend->Dump(NFPROTO_IPV4, proxy::kProxyTable);
  if (!table.ok()) return Reply::Error("error: " + table.status().message());
  if (!table->has_value()) return Reply::Error(std::string("table ip ") + proxy::kProxyTable + " does not exist (yet)");
  return Reply::Ok(netfilter::RenderTable(**table));
}

}  // namespace

void AddRoutes(Daemon::Parts& p) {
  p.local_api.Route("get pods", [&p](const json& r) { return GetPods(p, r); });
  p.local_api.Route("get events", [&p](const json& r) { return GetEvents(p, r); });
  p.local_api.Route("get svc", [&p](const json& r) { return GetServices(p, r); });
  p.local_api.Route("describe svc", [&p](const json& r) { return DescribeService(p, r); });
  p.local_api.Route("apply", [&p](const json& r) { return ApplyOrDelete(p, r, true); });
  p.local_api.Route("delete", [&p](const json& r) { return ApplyOrDelete(p, r, false); });
  p.local_api.Route("proxy dump", [&p](const json&) { return ProxyDump(p); });
}

}  // namespace kubenode::agent
