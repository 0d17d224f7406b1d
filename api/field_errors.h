// Field-level errors in upstream's format (k8s.io/apimachinery/pkg/util/validation/field): a field path
// such as "spec.containers[0].image" and a message such as "Required value" or
// `Invalid value: "Nginx": a lowercase RFC 1123 subdomain must ...`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace kubenode::api {

struct FieldError {
  std::string path;     // empty for the document itself
  std::string message;  // without the path
  std::string ToString() const { return path.empty() ? message : path + ": " + message; }
  bool operator==(const FieldError&) const = default;
};

using FieldErrors = std::vector<FieldError>;

// Go's %q: the string in double quotes with \" \\ and control characters escaped.
std::string Quote(std::string_view value);

namespace field {

FieldError Required(std::string path, std::string_view detail = {});
FieldError Forbidden(std::string path, std::string_view detail);
FieldError Invalid(std::string path, std::string_view value, std::string_view detail);
FieldError Invalid(std::string path, int64_t value, std::string_view detail);
FieldError Duplicate(std::string path, std::string_view value);
FieldError Duplicate(std::string path, int64_t value);
FieldError NotFound(std::string path, std::string_view value);
FieldError NotSupported(std::string path, std::string_view value, const std::vector<std::string>& supported);

}  // namespace field

// OK when `errors` is empty, else one "path: message" line per error.
Status ToStatus(const FieldErrors& errors);

}  // namespace kubenode::api
