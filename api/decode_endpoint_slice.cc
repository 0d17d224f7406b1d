// EndpointSlices from an API server (discovery.k8s.io/v1) to api::EndpointSlice.
#include "api/decode.h"
#include "api/node_reader.h"

namespace kubenode::api {
namespace {

void DecodeEndpoint(NodeReader& r, const YAML::Node& node, const std::string& path, Endpoint& endpoint) {
  // nil conditions mean "unknown"; upstream tells consumers to treat unknown readiness as ready.
  std::optional<bool> ready, serving, terminating;
  auto optional_bool = [&](std::optional<bool>& out) {
    return [&r, &out](const YAML::Node& v, const std::string& p) {
      bool value = false;
      if (r.Bool(v, p, value)) out = value;
    };
  };
  r.Object(node, path,
           {
               {"addresses", [&](auto& v, auto& p) { r.StringList(v, p, endpoint.addresses); }},
               {"conditions",
                [&](auto& v, auto& p) {
                  r.Object(v, p,
                           {
                               {"ready", optional_bool(ready)},
                               {"serving", optional_bool(serving)},
                               {"terminating", optional_bool(terminating)},
                           });
                }},
               {"nodeName", [&](auto& v, auto& p) { r.String(v, p, endpoint.node_name); }},
               {"targetRef",
                [&](auto& v, auto& p) {
                  std::string kind, name;
                  r.Object(v, p,
                           {
                               {"kind", [&](auto& v2, auto& p2) { r.String(v2, p2, kind); }},
                               {"name", [&](auto& v2, auto& p2) { r.String(v2, p2, name); }},
                           },
                           {"namespace", "uid", "resourceVersion", "apiVersion", "fieldPath"});
                  if (kind == "Pod") endpoint.target_pod = name;
                }},
           },
           {"hostname", "zone", "hints", "deprecatedTopology"});
  endpoint.conditions.ready = ready.value_or(true);
  endpoint.conditions.serving = serving.value_or(endpoint.conditions.ready);
  endpoint.conditions.terminating = terminating.value_or(false);
}

}  // namespace

Decoded<EndpointSlice> DecodeEndpointSlice(const YAML::Node& root, const DecodeOptions& options) {
  Decoded<EndpointSlice> out;
  NodeReader r(options, out.lines, out.errors);
  out.lines.Record("", root.Mark().line + 1);
  EndpointSlice& slice = out.object;
  r.Object(root, "",
           {
               {"apiVersion", [](auto&, auto&) {}},
               {"kind", [](auto&, auto&) {}},
               {"metadata", [&](auto& v, auto& p) { DecodeObjectMeta(r, v, p, slice.metadata); }},
               {"addressType",
                [&](auto& v, auto& p) {
                  std::string type;
                  if (r.String(v, p, type) && type != "IPv4") {
                    r.Error(p, field::NotSupported(p, type, {"IPv4"}).message);
                  }
                }},
               {"endpoints",
                [&](auto& v, auto& p) {
                  r.List(v, p, slice.endpoints, [&](auto& item, auto& item_path, Endpoint& endpoint) {
                    DecodeEndpoint(r, item, item_path, endpoint);
                  });
                }},
               {"ports",
                [&](auto& v, auto& p) {
                  r.List(v, p, slice.ports, [&](auto& item, auto& item_path, EndpointPort& port) {
                    r.Object(item, item_path,
                             {
                                 {"name", [&](auto& v2, auto& p2) { r.String(v2, p2, port.name); }},
                                 {"port", [&](auto& v2, auto& p2) { r.Int32(v2, p2, port.port); }},
                                 {"protocol",
                                  [&](auto& v2, auto& p2) {
                                    r.Enum(v2, p2, port.protocol, {Protocol::kSCTP, Protocol::kTCP, Protocol::kUDP});
                                  }},
                             },
                             {"appProtocol"});
                  });
                }},
           });
  return out;
}

}  // namespace kubenode::api
