// The CLI's routes: what `kubenode get/describe/apply/delete/proxy dump` print, computed in the daemon.
#include <netinet/in.h>  // before linux/netfilter.h, which otherwise redefines its types
#include <linux/netfilter.h>

#include <algorithm>
#include <chrono>

#include "server/cri_log.h"
#include "agent/daemon_parts.h"
#include "agent/describe_node.h"
#include "agent/manifest_store.h"
#include "api/json.h"
#include "host/node_info.h"
#include "kubelet/printers/describe_printer.h"
#include "kubelet/printers/get_printers.h"
#include "kubelet/printers/pod_json.h"
#include "netfilter/render.h"
#include "proxy/service_printer.h"

namespace kubenode::agent {
namespace {

using nlohmann::json;

// The CLI's arguments, one flat set for every route, each read with RequestField: a field of the wrong type
// is an error reply naming it rather than nlohmann's type_error from inside a handler.
struct Args {
  std::string ns, name, output, container, content, file;
  int64_t tail = -1;
  bool timestamps = false, previous = false;
};

Result<Args> ReadArgs(const json& request) {
  Args a;
  const std::pair<std::string*, const char*> strings[] = {{&a.ns, "namespace"}, {&a.name, "name"},
                                                          {&a.output, "output"}, {&a.container, "container"},
                                                          {&a.content, "content"}, {&a.file, "file"}};
  for (const auto& [field, key] : strings) {
    auto value = RequestField<std::string>(request, key);
    if (!value.ok()) return value.status();
    *field = std::move(*value);
  }
  auto tail = RequestField<int64_t>(request, "tail", -1);
  auto timestamps = RequestField<bool>(request, "timestamps");
  auto previous = RequestField<bool>(request, "previous");
  for (const Status* s : {&tail.status(), &timestamps.status(), &previous.status()}) {
    if (!s->ok()) return *s;
  }
  a.tail = *tail;
  a.timestamps = *timestamps;
  a.previous = *previous;
  return a;
}

// A route handler taking parsed Args.
Handler WithArgs(std::function<Reply(const Args&)> handler) {
  return [handler = std::move(handler)](const json& request) {
    auto args = ReadArgs(request);
    if (!args.ok()) return Reply::Error("local API: " + args.status().message());
    return handler(*args);
  };
}

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
  // Names and messages may hold bytes that are not UTF-8: shown as U+FFFD, never an exception.
  const std::string text = doc.dump(4, ' ', false, json::error_handler_t::replace);
  return output == "json" ? text + "\n" : api::ToYaml(json::parse(text));
}

Reply GetPods(Daemon::Parts& p, const Args& a) {
  const std::string &ns = a.ns, &name = a.name, &output = a.output;
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

Reply DescribePods(Daemon::Parts& p, const Args& a) {
  const std::string &ns = a.ns, &name = a.name;
  std::string out;
  for (const auto& pod : p.kubelet.Pods()) {
    if (pod.pod.metadata.ns != ns || (!name.empty() && pod.pod.metadata.name != name)) continue;
    if (!out.empty()) out += "\n\n";
    out += kubelet::DescribePod(pod, p.kubelet.EventsFor(ns, pod.pod.metadata.name), p.clock.WallNow());
  }
  if (out.empty()) return Reply::Error("Error from server (NotFound): pods \"" + name + "\" not found");
  return Reply::Ok(out);
}

Reply GetEvents(Daemon::Parts& p, const Args& a) {
  const std::string& ns = a.ns;
  std::vector<kubelet::RecordedEvent> events;
  for (auto& e : p.kubelet.Events()) {
    // Node events (e.g. a broken manifest) have no namespace; show them with the default namespace's.
    if (e.object.ns == ns || e.object.ns.empty()) events.push_back(std::move(e));
  }
  if (events.empty()) return {0, "", "No resources found in " + ns + " namespace.\n"};
  return Reply::Ok(kubelet::PrintEvents(events, p.clock.WallNow()));
}

Reply GetServices(Daemon::Parts& p, const Args& a) {
  if (!p.registry) return Reply::Error("the proxy is not running (kubenode run --no-proxy)");
  const std::string &ns = a.ns, &name = a.name;
  auto format = proxy::ParseOutputFormat(a.output);
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

Reply DescribeService(Daemon::Parts& p, const Args& a) {
  if (!p.registry) return Reply::Error("the proxy is not running (kubenode run --no-proxy)");
  const std::string &ns = a.ns, &name = a.name;
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

Reply ApplyOrDelete(Daemon::Parts& p, const Args& a, bool apply) {
  ManifestStore store(p.options.kubelet.pod_manifest_path);
  auto lines = apply ? store.Apply(a.content, a.file) : store.Delete(a.content, a.file);
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

Reply Logs(Daemon::Parts& p, const Args& a) {
  const std::string &ns = a.ns, &name = a.name;
  auto pod = p.kubelet.GetPod(ns, name);
  if (!pod) return Reply::Error("Error from server (NotFound): pods \"" + name + "\" not found");
  auto id = LogContainerId(*pod, a.container, a.previous);
  if (!id.ok()) return Reply::Error("error: " + id.status().message());
  auto status = p.runtime.ContainerStatusOf(*id);
  if (!status.ok()) return Reply::Error("error: " + status.status().message());
  server::LogOptions options;
  options.tail = a.tail;
  options.timestamps = a.timestamps;
  auto text = server::ReadContainerLog(status->log_path, options);
  if (!text.ok()) return Reply::Error("error: " + text.status().message());
  return Reply::Ok(*text);
}

// `kubenode exec POD [-c C] -- CMD...` in any mode: one command through CRI ExecSync, its stdout, stderr and exit
// code as `kubectl exec` reports them. No stdin or TTY (those need the streaming server: `kubectl exec -it`
// through :10250), and a bound below the CLI's 60 s request timeout.
constexpr std::chrono::seconds kCliExecTimeout{50};

Reply Exec(Daemon::Parts& p, const Args& a, const json& request) {
  auto it = request.find("command");
  std::vector<std::string> command;
  if (it != request.end() && it->is_array()) {
    for (const json& word : *it) {
      if (!word.is_string()) return Reply::Error("error: request field \"command\": must be an array of strings");
      command.push_back(word.get<std::string>());
    }
  }
  if (command.empty()) return Reply::Error("error: you must specify at least one command for the container");
  auto pod = p.kubelet.GetPod(a.ns, a.name);
  if (!pod) return Reply::Error("Error from server (NotFound): pods \"" + a.name + "\" not found");
  auto id = LogContainerId(*pod, a.container, false);
  if (!id.ok()) return Reply::Error("error: " + id.status().message());
  auto result = p.runtime.ExecSync(*id, command, kCliExecTimeout);
  if (!result.ok()) return Reply::Error("error: " + result.status().message());
  Reply reply{result->exit_code, result->stdout_data, result->stderr_data};
  if (result->exit_code != 0) {
    if (!reply.err.empty() && reply.err.back() != '\n') reply.err += '\n';
    reply.err += "command terminated with exit code " + std::to_string(result->exit_code);
  }
  return reply;
}

Reply ProxyDump(Daemon::Parts& p) {
  if (!p.backend) return Reply::Error("the proxy is not running (kubenode run --no-proxy)");
  auto table = p.backend->Dump(NFPROTO_IPV4, proxy::kProxyTable);
  if (!table.ok()) return Reply::Error("error: " + table.status().message());
  if (!table->has_value()) return Reply::Error(std::string("table ip ") + proxy::kProxyTable + " does not exist (yet)");
  return Reply::Ok(netfilter::RenderTable(**table));
}

// From the daemon: its CRI client (--container-runtime-endpoint as `kubenode run` got it) and its node name
// and IP, not the CLI's defaults.
Reply DescribeNode(Daemon::Parts& p, const Args& a) {
  if (!a.name.empty() && a.name != p.options.kubelet.node_name) {
    return Reply::Error("Error from server (NotFound): nodes \"" + a.name + "\" not found");
  }
  auto info = host::ReadNodeInfo();
  if (!info.ok()) return Reply::Error("error: " + info.status().message());
  auto text = agent::DescribeNode(p.runtime, *info, p.options.kubelet.node_name, p.options.kubelet.node_ip,
                                  p.options.version);
  if (!text.ok()) return Reply::Error("error: " + text.status().message());
  return Reply::Ok(*text);
}

}  // namespace

void AddRoutes(Daemon::Parts& p) {
  p.local_api.Route("get pods", WithArgs([&p](const Args& a) { return GetPods(p, a); }));
  p.local_api.Route("describe pods", WithArgs([&p](const Args& a) { return DescribePods(p, a); }));
  p.local_api.Route("describe node", WithArgs([&p](const Args& a) { return DescribeNode(p, a); }));
  p.local_api.Route("get events", WithArgs([&p](const Args& a) { return GetEvents(p, a); }));
  p.local_api.Route("get svc", WithArgs([&p](const Args& a) { return GetServices(p, a); }));
  p.local_api.Route("describe svc", WithArgs([&p](const Args& a) { return DescribeService(p, a); }));
  p.local_api.Route("apply", WithArgs([&p](const Args& a) { return ApplyOrDelete(p, a, true); }));
  p.local_api.Route("delete", WithArgs([&p](const Args& a) { return ApplyOrDelete(p, a, false); }));
  p.local_api.Route("logs", WithArgs([&p](const Args& a) { return Logs(p, a); }));
  p.local_api.Route("exec", [&p](const json& request) {
    auto args = ReadArgs(request);
    if (!args.ok()) return Reply::Error("error: " + args.status().message());
    return Exec(p, *args, request);
  });
  p.local_api.Route("proxy dump", [&p](const json&) { return ProxyDump(p); });
}

}  // namespace kubenode::agent
