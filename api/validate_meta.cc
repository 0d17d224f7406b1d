// Validation shared by every kind: object metadata, labels and ports.
#include <algorithm>
#include <cctype>

#include "api/names.h"
#include "api/validate.h"

namespace kubenode::api {

FieldErrors ValidateLabels(const Labels& labels, const std::string& path) {
  FieldErrors errs;
  for (const auto& [key, value] : labels) {
    for (const auto& msg : IsQualifiedName(key)) errs.push_back(field::Invalid(path, key, msg));
    for (const auto& msg : IsValidLabelValue(value)) errs.push_back(field::Invalid(path, value, msg));
  }
  return errs;
}

FieldErrors ValidateObjectMeta(const ObjectMeta& meta, NameCheck name_check) {
  FieldErrors errs;
  if (meta.name.empty()) {
    errs.push_back(field::Required("metadata.name", "name or generateName is required"));
  } else {
    for (const auto& msg : name_check(meta.name)) errs.push_back(field::Invalid("metadata.name", meta.name, msg));
  }
  for (const auto& msg : IsDNS1123Label(meta.ns)) {
    errs.push_back(field::Invalid("metadata.namespace", meta.ns, msg));
  }
  auto labels = ValidateLabels(meta.labels, "metadata.labels");
  errs.insert(errs.end(), labels.begin(), labels.end());
  size_t total_size = 0;
  for (const auto& [key, value] : meta.annotations) {
    std::string lower = key;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    for (const auto& msg : IsQualifiedName(lower)) errs.push_back(field::Invalid("metadata.annotations", key, msg));
    total_size += key.size() + value.size();
  }
  constexpr size_t kTotalAnnotationSizeLimit = 256 * 1024;
  if (total_size > kTotalAnnotationSizeLimit) {
    errs.push_back({"metadata.annotations", "Too long: must have at most " +
                                                std::to_string(kTotalAnnotationSizeLimit) + " bytes"});
  }
  return errs;
}

FieldErrors ValidatePortNumOrName(const IntOrString& port, const std::string& path) {
  FieldErrors errs;
  if (port.is_string) {
    for (const auto& msg : IsValidPortName(port.string_value)) errs.push_back(field::Invalid(path, port.string_value, msg));
  } else {
    for (const auto& msg : IsValidPortNum(port.int_value)) errs.push_back(field::Invalid(path, port.int_value, msg));
  }
  return errs;
}

}  // namespace kubenode::api
