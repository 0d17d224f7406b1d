// `kubenode apply -f` / `delete -f`: the manifest directory as the store of desired objects. One apply is
// one file write, whatever the number of objects: objects new to the directory go into the file of this
// apply, <dir>/applied_<name of the applied file>.yaml; objects an earlier apply stored are updated in the
// file that holds them (files of the older one-object layout, <kind>_<namespace>_<name>.yaml, included).
// Files are written atomically (a dot-file that the directory watcher ignores, fsync, rename), so the
// kubelet and the proxy never read half a file, and only files whose content changes are written. Files
// `apply` wrote start with kHeader; other files are the administrator's and are never written.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace kubenode::agent {

class ManifestStore {
 public:
  static constexpr std::string_view kHeader = "# Written by `kubenode apply`; `kubenode delete` removes it.\n";

  explicit ManifestStore(std::string dir);

  // Validates all of `text` first (strict decoding, as the daemon will read it): any error → nothing is
  // written. Returns kubectl's lines, one per object in input order: "pod/nginx created",
  // "service/hello-service configured", "pod/nginx unchanged". An object already defined in a file that
  // apply did not write is an error naming that file (two definitions of one object would fight).
  Result<std::vector<std::string>> Apply(std::string_view text, const std::string& file_name);

  // Removes the objects `text` names from the files holding them (a file left empty is removed):
  // `pod "nginx" deleted`. An object that is not there: `Error from server (NotFound): pods "nginx" not
  // found` (the others are still deleted).
  Result<std::vector<std::string>> Delete(std::string_view text, const std::string& file_name);

  const std::string& dir() const { return dir_; }

  // Directory files decoded by Apply/Delete in this process. Each apply scans the whole directory to find
  // where objects live; a file whose path, size, mtime and content hash are those of its last scan (or of
  // what apply wrote) is not decoded again: re-decoding a 10 000-Service file cost most of an apply.
  static uint64_t decoded_files();

 private:
  std::string dir_;
};

}  // namespace kubenode::agent
