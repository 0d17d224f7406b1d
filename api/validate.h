// Upstream validation (pkg/apis/core/validation) for what kubenode models, plus kubenode's own rules
// (a Service needs a selector; only IPv4 cluster IPs). Runs on defaulted objects and reports every error,
// each with the field path and upstream's message.
#pragma once

#include "api/field_errors.h"
#include "api/meta.h"
#include "api/pod.h"
#include "api/service.h"
#include "base/status.h"

namespace kubenode::api {

FieldErrors ValidatePod(const Pod& pod);
FieldErrors ValidateService(const Service& service);

// The same, as one Status with a "path: message" line per error.
Status Validate(const Pod& pod);
Status Validate(const Service& service);

// metadata: name (checked by `name_check`, e.g. IsDNS1123Subdomain), namespace, labels, annotations.
using NameCheck = std::vector<std::string> (*)(std::string_view);
FieldErrors ValidateObjectMeta(const ObjectMeta& meta, NameCheck name_check);

// A port given by number (1-65535) or by IANA service name.
FieldErrors ValidatePortNumOrName(const IntOrString& port, const std::string& path);

// Label keys and values at `path` ("metadata.labels", "spec.selector").
FieldErrors ValidateLabels(const Labels& labels, const std::string& path);

}  // namespace kubenode::api
