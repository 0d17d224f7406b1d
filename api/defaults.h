// Upstream defaulting (pkg/apis/core/v1/defaults.go) for what kubenode models. Most defaults already
// live in the struct initializers; these are the ones that depend on other fields.
#pragma once

#include <string_view>

#include "api/field_lines.h"
#include "api/pod.h"
#include "api/service.h"

namespace kubenode::api {

// `given` tells which fields the source set (DecodePod fills it): imagePullPolicy is derived from the
// image only where the manifest left it out. Pass an empty FieldLines for objects built in code.
void ApplyDefaults(Pod& pod, const FieldLines& given);
void ApplyDefaults(Service& service, const FieldLines& given);

// Always for ":latest" or an untagged image, IfNotPresent for other tags and for digests.
PullPolicy DefaultPullPolicy(std::string_view image);

}  // namespace kubenode::api
