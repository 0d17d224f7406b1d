// An in-memory CgroupManager: what exists, with the settings last applied, and the calls made.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "kubelet/cm/cgroup_manager.h"

namespace kubenode::kubelet::testing {

class FakeCgroupManager : public cm::CgroupManager {
 public:
  explicit FakeCgroupManager(cm::CgroupDriver driver = cm::CgroupDriver::kCgroupfs) : driver_(driver) {}

  std::string Name(const cm::CgroupName& name) const override { return cm::DriverName(driver_, name); }
  bool Exists(const cm::CgroupName& name) const override { return cgroups.contains(cm::ToCgroupfs(name)); }
  Status Create(const cm::CgroupName& name, const cm::ResourceConfig& r) override {
    calls.push_back("Create " + cm::ToCgroupfs(name));
    if (!fail_create.empty()) return Status::Error(fail_create);
    cgroups[cm::ToCgroupfs(name)] = r;
    return {};
  }
  Status Update(const cm::CgroupName& name, const cm::ResourceConfig& r) override {
    calls.push_back("Update " + cm::ToCgroupfs(name));
    auto& c = cgroups[cm::ToCgroupfs(name)];
    if (r.cpu_shares) c.cpu_shares = r.cpu_shares;
    if (r.cpu_quota) c.cpu_quota = r.cpu_quota;
    if (r.cpu_period) c.cpu_period = r.cpu_period;
    if (r.memory) c.memory = r.memory;
    return {};
  }
  Status Destroy(const cm::CgroupName& name) override {
    calls.push_back("Destroy " + cm::ToCgroupfs(name));
    if (busy > 0) {
      --busy;
      return Status::Error("rmdir " + cm::ToCgroupfs(name) + ": Device or resource busy");
    }
    cgroups.erase(cm::ToCgroupfs(name));
    return {};
  }

  std::map<std::string, cm::ResourceConfig> cgroups;  // by cgroupfs name
  std::vector<std::string> calls;
  std::string fail_create;  // Create fails with this message when set
  int busy = 0;             // this many Destroy calls fail first

 private:
  cm::CgroupDriver driver_;
};

}  // namespace kubenode::kubelet::testing
