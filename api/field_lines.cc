#include "api/field_lines.h"

namespace kubenode::api {

void FieldLines::Record(const std::string& path, int line, bool null) { entries_[path] = Entry{line, null}; }

bool FieldLines::Has(std::string_view path) const {
  auto it = entries_.find(path);
  return it != entries_.end() && !it->second.null;
}

int FieldLines::LineOf(std::string_view path) const {
  while (true) {
    auto it = entries_.find(path);
    if (it != entries_.end()) return it->second.line;
    if (path.empty()) return 0;
    path = ParentPath(path);
  }
}

std::string_view ParentPath(std::string_view path) {
  size_t cut = path.find_last_of(".[");
  if (cut == std::string_view::npos) return {};
  return path.substr(0, cut);
}

}  // namespace kubenode::api
