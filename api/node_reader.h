// Reads typed values out of yaml-cpp nodes with the rules of upstream's YAML→JSON→Go decoding: a quoted
// scalar is always a string, a plain one may be a number, boolean or null; a null value means "absent";
// a value of the wrong type is an error. Records where each field was written. Internal to decoding.
#pragma once

#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "api/decode.h"
#include "api/field_errors.h"
#include "api/field_lines.h"
#include "api/meta.h"
#include "api/quantity.h"

namespace kubenode::api {

class NodeReader {
 public:
  NodeReader(const DecodeOptions& options, FieldLines& lines, FieldErrors& errors)
      : options_(options), lines_(lines), errors_(errors) {}

  using Handler = std::function<void(const YAML::Node& value, const std::string& path)>;
  struct Field {
    const char* name;
    Handler handle;
  };

  // Decodes mapping `node` at `path` key by key; handlers are not called for null values. Keys in
  // `ignored` are skipped in every mode; other unknown keys are errors when strict.
  void Object(const YAML::Node& node, const std::string& path, std::initializer_list<Field> fields,
              std::initializer_list<const char*> ignored = {});

  // Calls `item` for each element of sequence `node` with its path ("path[i]") and a new element.
  template <typename T, typename F>
  void List(const YAML::Node& node, const std::string& path, std::vector<T>& out, F item) {
    if (!ExpectSequence(node, path)) return;
    out.clear();
    for (size_t i = 0; i < node.size(); ++i) {
      std::string item_path = path + "[" + std::to_string(i) + "]";
      lines_.Record(item_path, node[i].Mark().line + 1);
      out.emplace_back();
      if (!node[i].IsNull()) item(node[i], item_path, out.back());
    }
  }

  // Decodes a string naming one of `values` (spelled by ToString(value)); "" leaves `out` unchanged, as
  // upstream defaulting fills empty enums.
  template <typename E>
  void Enum(const YAML::Node& node, const std::string& path, E& out, std::initializer_list<E> values) {
    std::string text;
    if (!String(node, path, text) || text.empty()) return;
    std::vector<std::string> names;
    for (E value : values) {
      if (text == ToString(value)) {
        out = value;
        return;
      }
      names.push_back(ToString(value));
    }
    Error(path, field::NotSupported(path, text, names).message);
  }

  bool String(const YAML::Node& node, const std::string& path, std::string& out);
  bool Int32(const YAML::Node& node, const std::string& path, int32_t& out);
  bool Int64(const YAML::Node& node, const std::string& path, int64_t& out);
  bool Bool(const YAML::Node& node, const std::string& path, bool& out);
  bool IntOrString(const YAML::Node& node, const std::string& path, api::IntOrString& out);
  bool Time(const YAML::Node& node, const std::string& path, std::optional<api::Time>& out);
  bool Quantity(const YAML::Node& node, const std::string& path, api::Quantity& out);
  // Reads a value into a std::optional through `read` (one of the readers above).
  template <typename T, typename Read>
  void Optional(const YAML::Node& node, const std::string& path, std::optional<T>& out, Read read) {
    T value{};
    if ((this->*read)(node, path, value)) out = value;
  }
  void StringList(const YAML::Node& node, const std::string& path, std::vector<std::string>& out);
  void StringMap(const YAML::Node& node, const std::string& path, Labels& out);

  void Error(const std::string& path, std::string message) { errors_.push_back({path, std::move(message)}); }

 private:
  bool ExpectSequence(const YAML::Node& node, const std::string& path);
  bool Integer(const YAML::Node& node, const std::string& path, int64_t min, int64_t max, const char* what,
               int64_t& out);

  const DecodeOptions& options_;
  FieldLines& lines_;
  FieldErrors& errors_;
};

// How a value is named in "expected X, got Y" messages: "a mapping", "a sequence", "integer 80",
// "boolean true", or the quoted string.
std::string DescribeNode(const YAML::Node& node);

// What a scalar means to upstream's YAML 1.1 resolver (gopkg.in/yaml.v2, used by sigs.k8s.io/yaml).
enum class ScalarKind { kNull, kBool, kInt, kFloat, kString };
ScalarKind Classify(const YAML::Node& node);
std::optional<bool> ResolveBool(const std::string& plain_scalar);
std::optional<int64_t> ParseInt(std::string plain_scalar);  // for scalars Classify calls kInt

// metadata, shared by every kind.
void DecodeObjectMeta(NodeReader& reader, const YAML::Node& node, const std::string& path, ObjectMeta& meta);

// A top-level object with metadata and spec (Pod, Service): apiVersion and kind are checked by the caller,
// a top-level status is accepted and dropped. `decode_spec(reader, node, path, spec)` reads the spec.
template <typename T, typename SpecDecoder>
Decoded<T> DecodeObjectWithSpec(const YAML::Node& root, const DecodeOptions& options, SpecDecoder decode_spec) {
  Decoded<T> out;
  NodeReader r(options, out.lines, out.errors);
  out.lines.Record("", root.Mark().line + 1);
  r.Object(root, "",
           {
               {"apiVersion", [](auto&, auto&) {}},
               {"kind", [](auto&, auto&) {}},
               {"metadata", [&](auto& v, auto& p) { DecodeObjectMeta(r, v, p, out.object.metadata); }},
               {"spec", [&](auto& v, auto& p) { decode_spec(r, v, p, out.object.spec); }},
           },
           {"status"});
  return out;
}

}  // namespace kubenode::api
