// The side effects on the host's cgroups (upstream cm.CgroupManager), behind an interface: unit tests
// use a fake (tests/kubelet/cm/fake_cgroup_manager.h), the daemon CgroupfsManager.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "kubelet/cm/cgroup_name.h"
#include "kubelet/cm/resources.h"

namespace kubenode::kubelet::cm {

class CgroupManager {
 public:
  virtual ~CgroupManager() = default;
  // The driver's literal name for `name` (what CRI gets as cgroup_parent).
  virtual std::string Name(const CgroupName& name) const = 0;
  virtual bool Exists(const CgroupName& name) const = 0;
  // Creates the cgroup (and missing ancestors) and applies `resources`.
  virtual Status Create(const CgroupName& name, const ResourceConfig& resources) = 0;
  virtual Status Update(const CgroupName& name, const ResourceConfig& resources) = 0;
  // Removes the cgroup; one that does not exist is not an error. Fails while it has tasks or children.
  virtual Status Destroy(const CgroupName& name) = 0;
};

// Writes cgroup v1 controller files directly under `mount_root` (/sys/fs/cgroup/<controller>/<name>):
// cpu (cpu.shares, cpu.cfs_period_us, cpu.cfs_quota_us), memory (memory.limit_in_bytes), hugetlb
// (hugetlb.<size>.limit_in_bytes), and creates the cgroup in cpuacct and pids as well. Controllers that
// are not mounted are skipped; Destroy removes the cgroup from every hierarchy. With the systemd driver the same files are written at the slices'
// expanded paths (no systemd D-Bus transient units: see docs/architecture.md).
// On a unified (v2) hierarchy (mount_root/cgroup.controllers exists) it writes cpu.weight, cpu.max,
// memory.max and hugetlb.<size>.max in one directory, enabling the controllers in the parents.
std::unique_ptr<CgroupManager> NewCgroupfsManager(std::string mount_root, CgroupDriver driver);

}  // namespace kubenode::kubelet::cm
