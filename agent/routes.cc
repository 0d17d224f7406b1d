// The CLI's routes: what `kubenode get/describe/apply/delete/proxy dump` print, computed in the daemon.
#include <netinet/in.h>  // before linux/netfilter.h, which otherwise redefines its types
#include <linux/netfilter.h>

#include <algorithm>

#include "agent/daemon_parts.h"
#include "agent/cri_log.h"
#include "agent/manifest_store.h"
#include "api/json.h"
#include "kubelet/printers/describe_printer.h"
#include "kubelet/printers/get_printers.h"
#include "kubelet/printers/pod_json.h"
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
    for (const auto& pod : pods) items.push_back(kubelet::PodToJson(pod));
    return Reply::Ok(FormatObjects(items, output, !name.empty()));
  }
  if (pods.empty()) return {0, "", "No resources found in " + ns + " namespace.\n"};
  return Reply::Ok(kubelet::PrintPods(pods, p.clock.WallNow(), output == "wide"));
}

Reply DescribePods(Daemon::Parts& p, const json& request) {
  const std::string ns = Field(request, "namespace"), name = Field(request, "name");
  std::string out;
  for (const auto& pod : p.kubelet.Pods()) {
    if (pod.pod.metadata.ns != ns || (!name.empty() && pod.pod.metadata.name != name)) continue;
    if (!out.empty()) out += "\n\n";
    out += kubelet::DescribePod(pod, p.kubelet.EventsFor(ns, pod.pod.metadata.name), p.clock.WallNow());
  }
  if (out.empty()) return Reply::Error("Error from server (NotFound): pods \"" + name + "\" not found");
  return Reply::Ok(out);
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
  if (!p.registry) return Reply::Error("the proxy is not running (kubenode run --no-proxy)");
  const std::string ns = Field(request, "namespace"), name = Field(request, "name");
  auto format = proxy::ParseOutputFormat(Field(request, "output"));
  if (!format.ok()) return Reply::Error(format.status().message());
  std::vector<proxy::ServiceRecord> records;
  for (auto& r : p.registry->List()) {
    if (r.service.metadata.ns == ns && (name.empty() || r.service.metadata.name == name)) records.push_back(std::move(r));
  }
  if (!name.empty() && records.empty()) return Reply::Error(proxy::ServiceNotFound(name));
  if (records.empty() && *format != proxy::OutputFormat::kJson && *format != proxy::OutputFormat::kYaml) {
    return {0, "", proxy::NoResourcesFound(ns, false)};
  }
  return Reply::Ok(proxy::FormatServices(records, {.format = *format, .single = !name.empty()}, p.clock));
}

Reply DescribeService(Daemon::Parts& p, const json& request) {
  if (!p.registry) return Reply::Error("the proxy is not running (kubenode run --no-proxy)");
  const std::string ns = Field(request, "namespace"), name = Field(request, "name");
  std::vector<proxy::ServiceRecord> records;
  for (auto& r : p.registry->List()) {
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

// The container ID of `container` in `pod` (its last terminated one with `previous`), as kubectl logs picks.
Result<std::string> LogContainerId(const kubelet::PodWithStatus& pod, std::string container, bool previous) {
  const auto& statuses = pod.status.container_statuses;
  if (container.empty()) {
    if (pod.pod.spec.containers.size() != 1) {
      std::string names;
      for (const auto& c : pod.pod.spec.containers) names += (names.empty() ? "" : " ") + c.name;
      return Status::Error("a container name must be specified for pod " + pod.pod.metadata.name +
                           ", choose one of: [" + names + "]");
    }
    container = pod.pod.spec.containers.front().name;
  }
  for (const auto* list : {&statuses, &pod.status.init_container_statuses}) {
    for (const auto& cs : *list) {
      if (cs.name != container) continue;
      std::string id = previous ? (cs.last_state.terminated ? cs.last_state.terminated->container_id : "")
                                : cs.container_id;
      if (id.empty()) {
        return Status::Error(previous ? "previous terminated container \"" + container + "\" in pod \"" +
                                            pod.pod.metadata.name + "\" not found"
                                      : "container \"" + container + "\" in pod \"" + pod.pod.metadata.name +
                                            "\" is waiting to start");
      }
      if (auto sep = id.find("://"); sep != std::string::npos) id = id.substr(sep + 3);
      return id;
    }
  }
  return Status::Error("container " + container + " is not valid for pod " + pod.pod.metadata.name);
}

Reply Logs(Daemon::Parts& p, const json& request) {
  const std::string ns = Field(request, "namespace"), name = Field(request, "name");
  auto pod = p.kubelet.GetPod(ns, name);
  if (!pod) return Reply::Error("Error from server (NotFound): pods \"" + name + "\" not found");
  auto id = LogContainerId(*pod, Field(request, "container"), request.value("previous", false));
  if (!id.ok()) return Reply::Error("error: " + id.status().message());
  auto status = p.runtime.ContainerStatusOf(*id);
  if (!status.ok()) return Reply::Error("error: " + status.status().message());
  LogOptions options;
  options.tail = request.value("tail", -1);
  options.timestamps = request.value("timestamps", false);
  auto text = ReadContainerLog(status->log_path, options);
  if (!text.ok()) return Reply::Error("error: " + text.status().message());
  return Reply::Ok(*text);
}

Reply ProxyDump(Daemon::Parts& p) {
  if (!p.backend) return Reply::Error("the proxy is not running (kubenode run --no-proxy)");
  auto table = p.backend->Dump(NFPROTO_IPV4, proxy::kProxyTable);
  if (!table.ok()) return Reply::Error("error: " + table.status().message());
  if (!table->has_value()) return Reply::Error(std::string("table ip ") + proxy::kProxyTable + " does not exist (yet)");
  return Reply::Ok(netfilter::RenderTable(**table));
}

}  // namespace

void AddRoutes(Daemon::Parts& p) {
  p.local_api.Route("get pods", [&p](const json& r) { return GetPods(p, r); });
  p.local_api.Route("describe pods", [&p](const json& r) { return DescribePods(p, r); });
  p.local_api.Route("get events", [&p](const json& r) { return GetEvents(p, r); });
  p.local_api.Route("get svc", [&p](const json& r) { return GetServices(p, r); });
  p.local_api.Route("describe svc", [&p](const json& r) { return DescribeService(p, r); });
  p.local_api.Route("apply", [&p](const json& r) { return ApplyOrDelete(p, r, true); });
  p.local_api.Route("delete", [&p](const json& r) { return ApplyOrDelete(p, r, false); });
  p.local_api.Route("logs", [&p](const json& r) { return Logs(p, r); });
  p.local_api.Route("proxy dump", [&p](const json&) { return ProxyDump(p); });
}

}  // namespace kubenode::agent
