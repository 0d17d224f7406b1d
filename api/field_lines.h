// Where each field of a decoded object was written, so that errors found after decoding (defaults,
// validation) can still point at a line of the manifest.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace kubenode::api {

class FieldLines {
 public:
  // `line` is 1-based. `null` marks a field written without a value ("image:" or "image: ~"), which
  // upstream treats as absent.
  void Record(const std::string& path, int line, bool null = false);

  // True when the manifest gave `path` a non-null value.
  bool Has(std::string_view path) const;

  // The line of `path`, else of its nearest recorded ancestor: a missing field is reported at the
  // mapping that should have held it. 0 when nothing was recorded.
  int LineOf(std::string_view path) const;

 private:
  struct Entry {
    int line = 0;
    bool null = false;
  };
  std::map<std::string, Entry, std::less<>> entries_;
};

// The parent of a field path: "a.b[2].c" -> "a.b[2]" -> "a.b" -> "a" -> "".
std::string_view ParentPath(std::string_view path);

}  // namespace kubenode::api
