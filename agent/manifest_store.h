// `kubenode apply -f` / `delete -f`: the manifest directory as the store of desired objects. Each applied
// object gets a file of its own, <dir>/<kind>_<namespace>_<name>.yaml, written atomically (a dot-file
// that the directory watcher ignores, fsync, rename), so the kubelet and the proxy never read half a file.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace kubenode::agent {

class ManifestStore {
 public:
  explicit ManifestStore(std::string dir);

  // Validates all of `text` first (strict decoding, as the daemon will read it): any error → nothing is
  // written. Returns kubectl's lines: "pod/nginx created", "service/hello-service configured",
  // "pod/nginx unchanged". An object already defined in a file that apply did not write is an error
  // naming that file (two definitions of one object would fight).
  Result<std::vector<std::string>> Apply(std::string_view text, const std::string& file_name);

  // Removes the objects `text` names: `pod "nginx" deleted`. An object that is not there:
  // `Error from server (NotFound): pods "nginx" not found` (the others are still deleted).
  Result<std::vector<std::string>> Delete(std::string_view text, const std::string& file_name);

  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

}  // namespace kubenode::agent
