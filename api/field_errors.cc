#include "api/field_errors.h"

#include <cstdio>

namespace kubenode::api {

std::string Quote(std::string_view value) {
  // Errors name the value, not all of it: a 5 MB value would end up in logs and events.
  constexpr size_t kMaxQuoted = 256;
  const size_t full = value.size();
  if (full > kMaxQuoted) value = value.substr(0, kMaxQuoted);
  std::string out = "\"";
  for (unsigned char c : value) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  if (full > kMaxQuoted) out += "... (" + std::to_string(full) + " bytes)";
  return out;
}

namespace field {
namespace {

FieldError Make(std::string path, std::string body, std::string_view detail) {
  if (!detail.empty()) {
    body += ": ";
    body += detail;
  }
  return {std::move(path), std::move(body)};
}

}  // namespace

FieldError Required(std::string path, std::string_view detail) {
  return Make(std::move(path), "Required value", detail);
}
FieldError Forbidden(std::string path, std::string_view detail) {
  return Make(std::move(path), "Forbidden", detail);
}
FieldError Invalid(std::string path, std::string_view value, std::string_view detail) {
  return Make(std::move(path), "Invalid value: " + Quote(value), detail);
}
FieldError Invalid(std::string path, int64_t value, std::string_view detail) {
  return Make(std::move(path), "Invalid value: " + std::to_string(value), detail);
}
FieldError Duplicate(std::string path, std::string_view value) {
  return Make(std::move(path), "Duplicate value: " + Quote(value), {});
}
FieldError Duplicate(std::string path, int64_t value) {
  return Make(std::move(path), "Duplicate value: " + std::to_string(value), {});
}
FieldError NotFound(std::string path, std::string_view value) {
  return Make(std::move(path), "Not found: " + Quote(value), {});
}
FieldError NotSupported(std::string path, std::string_view value, const std::vector<std::string>& supported) {
  std::string detail;
  for (const auto& s : supported) {
    if (!detail.empty()) detail += ", ";
    detail += Quote(s);
  }
  if (!detail.empty()) detail = "supported values: " + detail;
  return Make(std::move(path), "Unsupported value: " + Quote(value), detail);
}

}  // namespace field

Status ToStatus(const FieldErrors& errors) {
  if (errors.empty()) return {};
  std::string message;
  for (const auto& e : errors) {
    if (!message.empty()) message += '\n';
    message += e.ToString();
  }
  return Status::Error(std::move(message));
}

}  // namespace kubenode::api
