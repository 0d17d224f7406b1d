// Manifests to objects: multi-document YAML (or JSON, which is YAML) holding core/v1 Pods and Services,
// decoded, defaulted and validated like the API server would, with every error naming file, document,
// line and field.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "api/field_errors.h"
#include "api/endpoint_slice.h"
#include "api/field_lines.h"
#include "api/pod.h"
#include "api/service.h"
#include "base/status.h"

namespace kubenode::api {

struct DecodeOptions {
  // Reject fields kubenode does not know (upstream "strict decoding"). Objects read from an API server
  // carry status, managedFields and fields kubenode does not model: decode those with strict = false.
  bool strict = true;
  // Run Validate() after ApplyDefaults(). Objects from an API server were validated there already.
  bool validate = true;
};

// The object is held out of line and immutable: a Service is a fraction of a Pod's size (an inline variant
// made every one of 10 000 Services Pod-sized), and consumers (the proxy's Service source) share it
// instead of copying it.
struct ManifestObject {
  std::string file;
  int document = 0;  // index of the YAML document in the file, from 0
  int line = 0;      // 1-based line where the document's object starts
  std::variant<std::shared_ptr<const Pod>, std::shared_ptr<const Service>> object;

  // The object if it is of that kind, else nullptr.
  const Pod* pod() const {
    const auto* p = std::get_if<std::shared_ptr<const Pod>>(&object);
    return p ? p->get() : nullptr;
  }
  const Service* service() const {
    const auto* s = std::get_if<std::shared_ptr<const Service>>(&object);
    return s ? s->get() : nullptr;
  }
  // The Service, shared; null if the object is a Pod.
  std::shared_ptr<const Service> shared_service() const {
    const auto* s = std::get_if<std::shared_ptr<const Service>>(&object);
    return s ? *s : nullptr;
  }
};

// Decodes every non-empty document of `yaml_text`. `file` only names the source in messages. Errors of
// all documents are returned together, one per line:
//   <file>: document <n>, line <l>: <field.path>: <message>
//   <file>: line <l>: invalid YAML: <parser message>
Result<std::vector<ManifestObject>> DecodeManifests(std::string_view yaml_text, const std::string& file,
                                                    const DecodeOptions& options = {});

// One object decoded from a parsed document, before defaults and validation. `errors` holds type errors
// and (strict) unknown fields; `lines` says where each field was written.
template <typename T>
struct Decoded {
  T object;
  FieldLines lines;
  FieldErrors errors;
};

// `root` is the document's mapping (apiVersion and kind are accepted and not checked here).
Decoded<Pod> DecodePod(const YAML::Node& root, const DecodeOptions& options = {});
Decoded<Service> DecodeService(const YAML::Node& root, const DecodeOptions& options = {});
// discovery.k8s.io/v1 EndpointSlice as an API server sends it (use strict = false). Conditions left out
// follow upstream's reading: ready unknown counts as ready, serving unknown as ready.
Decoded<EndpointSlice> DecodeEndpointSlice(const YAML::Node& root, const DecodeOptions& options = {});

}  // namespace kubenode::api
