// Service manifests to api::Service (core/v1 field names).
#include "api/decode.h"
#include "api/node_reader.h"

namespace kubenode::api {
namespace {

void DecodeServicePort(NodeReader& r, const YAML::Node& node, const std::string& path, ServicePort& port) {
  r.Object(node, path,
           {
               {"name", [&](auto& v, auto& p) { r.String(v, p, port.name); }},
               {"protocol",
                [&](auto& v, auto& p) { r.Enum(v, p, port.protocol, {Protocol::kSCTP, Protocol::kTCP, Protocol::kUDP}); }},
               {"port", [&](auto& v, auto& p) { r.Int32(v, p, port.port); }},
               {"targetPort", [&](auto& v, auto& p) { r.IntOrString(v, p, port.target_port); }},
               {"nodePort", [&](auto& v, auto& p) { r.Int32(v, p, port.node_port); }},
           },
           // Set by API servers on ports they serve with an application protocol hint.
           {"appProtocol"});
}

void DecodeServiceSpec(NodeReader& r, const YAML::Node& node, const std::string& path, ServiceSpec& spec) {
  r.Object(
      node, path,
      {
          {"type",
           [&](auto& v, auto& p) { r.Enum(v, p, spec.type, {ServiceType::kClusterIP, ServiceType::kNodePort}); }},
          {"clusterIP", [&](auto& v, auto& p) { r.String(v, p, spec.cluster_ip); }},
          {"selector", [&](auto& v, auto& p) { r.StringMap(v, p, spec.selector); }},
          {"ports",
           [&](auto& v, auto& p) {
             r.List(v, p, spec.ports, [&](auto& item, auto& item_path, ServicePort& port) {
               DecodeServicePort(r, item, item_path, port);
             });
           }},
          {"sessionAffinity",
           [&](auto& v, auto& p) {
             r.Enum(v, p, spec.session_affinity, {SessionAffinity::kClientIP, SessionAffinity::kNone});
           }},
          {"sessionAffinityConfig",
           [&](auto& v, auto& p) {
             r.Object(v, p,
                      {{"clientIP", [&](auto& v2, auto& p2) {
                          r.Object(v2, p2,
                                   {{"timeoutSeconds", [&](auto& v3, auto& p3) {
                                       r.Int32(v3, p3, spec.session_affinity_timeout_seconds);
                                     }}});
                        }}});
           }},
          {"externalTrafficPolicy",
           [&](auto& v, auto& p) {
             r.Enum(v, p, spec.external_traffic_policy, {TrafficPolicy::kCluster, TrafficPolicy::kLocal});
           }},
      });
}

}  // namespace

Decoded<Service> DecodeService(const YAML::Node& root, const DecodeOptions& options) {
  return DecodeObjectWithSpec<Service>(root, options, DecodeServiceSpec);
}

}  // namespace kubenode::api
