// DecodeManifests: YAML documents → decoded, defaulted, validated objects, or every error found.
#include "api/decode.h"

#include <map>

#include "api/defaults.h"
#include "api/node_reader.h"
#include "api/validate.h"
#include "api/yaml_guard.h"

namespace kubenode::api {
namespace {

class ErrorCollector {
 public:
  explicit ErrorCollector(const std::string& file) : file_(file) {}

  void Add(int document, int line, const std::string& message) {
    if (!text_.empty()) text_ += '\n';
    text_ += file_ + ": document " + std::to_string(document) + ", line " + std::to_string(line) + ": " + message;
  }
  void Add(int document, int fallback_line, const FieldErrors& errors, const FieldLines& lines) {
    for (const FieldError& e : errors) {
      int line = lines.LineOf(e.path);
      Add(document, line > 0 ? line : fallback_line, e.ToString());
    }
  }
  bool empty() const { return text_.empty(); }
  Status status() const { return Status::Error(text_); }

 private:
  const std::string& file_;
  std::string text_;
};

// apiVersion and kind; returns the kind when both are ones kubenode decodes.
std::optional<std::string> CheckTypeMeta(const YAML::Node& doc, FieldErrors& errors, FieldLines& lines) {
  const size_t errors_before = errors.size();
  const DecodeOptions lenient{.strict = false};  // the kind's own decoder reports unknown fields
  NodeReader reader(lenient, lines, errors);
  std::string api_version, kind;
  reader.Object(doc, "",
                {
                    {"apiVersion", [&](auto& v, auto& p) { reader.String(v, p, api_version); }},
                    {"kind", [&](auto& v, auto& p) { reader.String(v, p, kind); }},
                });
  if (errors.size() == errors_before) {
    if (api_version.empty()) {
      errors.push_back(field::Required("apiVersion"));
    } else if (api_version != "v1") {
      errors.push_back(field::NotSupported("apiVersion", api_version, {"v1"}));
    }
    if (kind.empty()) {
      errors.push_back(field::Required("kind"));
    } else if (kind != "Pod" && kind != "Service") {
      errors.push_back(field::NotSupported("kind", kind, {"Pod", "Service"}));
    }
  }
  if (errors.size() != errors_before) return std::nullopt;
  return kind;
}

template <typename T>
void Finish(Decoded<T> decoded, const ManifestObject& where, const DecodeOptions& options,
            ErrorCollector& errors, std::vector<ManifestObject>& objects) {
  if (decoded.errors.empty()) {
    ApplyDefaults(decoded.object, decoded.lines);
    if (options.validate) {
      if constexpr (std::is_same_v<T, Pod>) {
        decoded.errors = ValidatePod(decoded.object);
      } else {
        decoded.errors = ValidateService(decoded.object);
      }
    }
  }
  if (!decoded.errors.empty()) {
    errors.Add(where.document, where.line, decoded.errors, decoded.lines);
    return;
  }
  ManifestObject object = where;
  object.object = std::make_shared<const T>(std::move(decoded.object));
  objects.push_back(std::move(object));
}

}  // namespace

Result<std::vector<ManifestObject>> DecodeManifests(std::string_view yaml_text, const std::string& file,
                                                    const DecodeOptions& options) {
  if (Status s = CheckYamlLoadable(yaml_text, file); !s.ok()) return s;
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    return Status::Error(file + ": line " + std::to_string(e.mark.line + 1) + ": invalid YAML: " + e.msg);
  }
  std::vector<ManifestObject> objects;
  ErrorCollector errors(file);
  for (size_t i = 0; i < documents.size(); ++i) {
    const YAML::Node& doc = documents[i];
    if (!doc.IsDefined() || doc.IsNull()) continue;
    ManifestObject where{file, static_cast<int>(i), doc.Mark().line + 1, {}};
    try {
      if (!doc.IsMap()) {
        errors.Add(where.document, where.line, "expected a mapping, got " + DescribeNode(doc));
        continue;
      }
      FieldErrors type_errors;
      FieldLines type_lines;
      std::optional<std::string> kind = CheckTypeMeta(doc, type_errors, type_lines);
      if (!kind) {
        errors.Add(where.document, where.line, type_errors, type_lines);
      } else if (*kind == "Pod") {
        Finish(DecodePod(doc, options), where, options, errors, objects);
      } else {
        Finish(DecodeService(doc, options), where, options, errors, objects);
      }
    } catch (const YAML::Exception& e) {
      // yaml-cpp throws on conversions of malformed nodes; report it where it happened.
      errors.Add(where.document, e.mark.is_null() ? where.line : e.mark.line + 1, e.msg);
    }
  }
  // One object defined twice in one text: the later definition would silently win; refuse it, naming both.
  std::map<std::string, const ManifestObject*> seen;
  for (const ManifestObject& o : objects) {
    const bool pod = o.pod() != nullptr;
    const ObjectMeta& meta = pod ? o.pod()->metadata : o.service()->metadata;
    auto [it, inserted] = seen.emplace((pod ? "Pod/" : "Service/") + meta.ns + "/" + meta.name, &o);
    if (!inserted) {
      errors.Add(o.document, o.line,
                 "metadata.name: Duplicate value: \"" + meta.name + "\" (" + (pod ? "a Pod" : "a Service") +
                     " of that name is already defined in document " + std::to_string(it->second->document) + ")");
    }
  }
  if (!errors.empty()) return errors.status();
  return objects;
}

}  // namespace kubenode::api
