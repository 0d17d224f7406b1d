// Cgroup names independent of the driver, as upstream's cm.CgroupName: a list of components
// ({"kubepods", "burstable", "pod<uid>"}) rendered per cgroupDriver:
//   cgroupfs: /kubepods/burstable/pod1234-5678
//   systemd:  /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234_5678.slice
#pragma once

#include <string>
#include <vector>

namespace kubenode::kubelet::cm {

using CgroupName = std::vector<std::string>;

enum class CgroupDriver { kCgroupfs, kSystemd };

// "/" → {}, "/a/b" → {"a", "b"} (upstream ParseCgroupfsToCgroupName; cgroupRoot is read this way
// for both drivers).
CgroupName ParseCgroupfsToCgroupName(const std::string& path);

CgroupName Child(const CgroupName& parent, const std::string& component);

// "/" for {}; "/a/b".
std::string ToCgroupfs(const CgroupName& name);
// "/" for {}; components with '-' escaped to '_', joined by '-' into nested slices.
std::string ToSystemd(const CgroupName& name);
// The name the driver (and the CRI runtime, as cgroup_parent) uses.
std::string DriverName(CgroupDriver driver, const CgroupName& name);

}  // namespace kubenode::kubelet::cm
