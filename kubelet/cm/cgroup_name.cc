#include "kubelet/cm/cgroup_name.h"

#include <algorithm>
#include <sstream>

namespace kubenode::kubelet::cm {

CgroupName ParseCgroupfsToCgroupName(const std::string& path) {
  CgroupName out;
  std::stringstream in(path);
  std::string part;
  while (std::getline(in, part, '/')) {
    if (!part.empty()) out.push_back(part);
  }
  return out;
}

CgroupName Child(const CgroupName& parent, const std::string& component) {
  CgroupName out = parent;
  out.push_back(component);
  return out;
}

std::string ToCgroupfs(const CgroupName& name) {
  if (name.empty()) return "/";
  std::string out;
  for (const auto& part : name) out += "/" + part;
  return out;
}

std::string ToSystemd(const CgroupName& name) {
  if (name.empty()) return "/";
  // Upstream: escape each part, join with '-', add ".slice", then expand the slice into its ancestry
  // (systemd's "a-b.slice" lives in "a.slice").
  std::string prefix;
  std::string out;
  for (auto part : name) {
    std::replace(part.begin(), part.end(), '-', '_');
    prefix += (prefix.empty() ? "" : "-") + part;
    out += "/" + prefix + ".slice";
  }
  return out;
}

std::string DriverName(CgroupDriver driver, const CgroupName& name) {
  return driver == CgroupDriver::kSystemd ? ToSystemd(name) : ToCgroupfs(name);
}

}  // namespace kubenode::kubelet::cm
