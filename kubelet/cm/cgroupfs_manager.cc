// CgroupfsManager: cgroup v1 controller directories, or one unified (v2) directory.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include "kubelet/cm/cgroup_manager.h"

namespace kubenode::kubelet::cm {
namespace {

namespace fs = std::filesystem;

// Controllers a pod cgroup is created in (upstream's supported subsystems, cpuacct beside cpu so that
// runtimes find the same parent in each); cpuset is left to the runtime, which copies cpus/mems down.
constexpr const char* kV1Controllers[] = {"cpu", "cpuacct", "memory", "pids", "hugetlb"};

Status WriteFile(const fs::path& path, const std::string& value) {
  // As runc: O_TRUNC; O_CREAT only for plain directories (tests): cgroupfs files always exist.
  const int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC | (fs::exists(path) ? 0 : O_CREAT), 0644);
  if (fd < 0) return Status::Error("open " + path.string() + ": " + std::strerror(errno));
  const ssize_t n = ::write(fd, value.data(), value.size());
  const int err = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(value.size())) {
    return Status::Error("write \"" + value + "\" to " + path.string() + ": " + std::strerror(n < 0 ? err : EIO));
  }
  return {};
}

// Host page sizes the hugetlb controller offers, from its file names in `dir` ("2MB", "1GB").
std::vector<std::string> HugePageSizesIn(const fs::path& dir, const std::string& suffix) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.starts_with("hugetlb.") && name.ends_with(suffix) && name.size() > 8 + suffix.size()) {
      out.push_back(name.substr(8, name.size() - 8 - suffix.size()));
    }
  }
  return out;
}

// rmdir; in a plain directory (tests) the files this manager wrote are removed first. Real cgroupfs
// directories rmdir at once (their files are not on disk) and refuse while they hold tasks or children.
Status RemoveCgroupDir(const fs::path& dir) {
  if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return {};
  if (errno == ENOTEMPTY) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      if (e.is_regular_file()) fs::remove(e.path(), ec);
    }
    if (::rmdir(dir.c_str()) == 0) return {};
  }
  return Status::Error("rmdir " + dir.string() + ": " + std::strerror(errno));
}

class CgroupfsManager : public CgroupManager {
 public:
  CgroupfsManager(std::string root, CgroupDriver driver)
      : root_(std::move(root)), driver_(driver), unified_(fs::exists(root_ / "cgroup.controllers")) {}

  std::string Name(const CgroupName& name) const override { return DriverName(driver_, name); }

  bool Exists(const CgroupName& name) const override {
    if (unified_) return fs::is_directory(Dir("", name));
    bool any = false;
    for (const char* c : kV1Controllers) {
      if (!fs::is_directory(root_ / c)) continue;
      if (!fs::is_directory(Dir(c, name))) return false;
      any = true;
    }
    return any;
  }

  Status Create(const CgroupName& name, const ResourceConfig& resources) override {
    std::error_code ec;
    if (unified_) {
      if (auto st = EnableControllers(name); !st.ok()) return st;
      fs::create_directories(Dir("", name), ec);
      if (ec) return Status::Error("create cgroup " + Dir("", name).string() + ": " + ec.message());
    } else {
      bool any = false;
      for (const char* c : kV1Controllers) {
        if (!fs::is_directory(root_ / c)) continue;
        fs::create_directories(Dir(c, name), ec);
        if (ec) return Status::Error("create cgroup " + Dir(c, name).string() + ": " + ec.message());
        any = true;
      }
      if (!any) return Status::Error("create cgroup " + Name(name) + ": no cgroup controller mounted under " + root_.string());
    }
    return Update(name, resources);
  }

  Status Update(const CgroupName& name, const ResourceConfig& r) override {
    return unified_ ? UpdateV2(name, r) : UpdateV1(name, r);
  }

  Status Destroy(const CgroupName& name) override {
    if (unified_) return RemoveCgroupDir(Dir("", name));
    // Every hierarchy, not only the ones written: the runtime creates the pod's cgroup in all of them
    // (blkio, devices, freezer, the systemd and unified ones...) when it puts containers below it.
    Status first;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(root_, ec)) {
      if (e.is_symlink() || !e.is_directory()) continue;
      const fs::path dir = e.path() / Name(name).substr(1);
      if (!fs::is_directory(dir)) continue;
      if (auto st = RemoveCgroupDir(dir); !st.ok() && first.ok()) first = st;
    }
    return first;
  }

 private:
  fs::path Dir(const std::string& controller, const CgroupName& name) const {
    fs::path p = controller.empty() ? root_ : root_ / controller;
    return p / Name(name).substr(1);
  }

  Status UpdateV1(const CgroupName& name, const ResourceConfig& r) {
    auto write = [&](const char* controller, const std::string& file, int64_t value) -> Status {
      if (!fs::is_directory(root_ / controller)) return {};
      return WriteFile(Dir(controller, name) / file, std::to_string(value));
    };
    Status st;
    if (r.cpu_shares && st.ok()) st = write("cpu", "cpu.shares", *r.cpu_shares);
    if (r.cpu_period && st.ok()) st = write("cpu", "cpu.cfs_period_us", *r.cpu_period);
    if (r.cpu_quota && st.ok()) st = write("cpu", "cpu.cfs_quota_us", *r.cpu_quota == 0 ? -1 : *r.cpu_quota);
    if (r.memory && st.ok()) st = write("memory", "memory.limit_in_bytes", *r.memory <= 0 ? -1 : *r.memory);
    if (!r.hugepage_limits.empty() && st.ok() && fs::is_directory(root_ / "hugetlb")) {
      st = WriteHugePages(Dir("hugetlb", name), ".limit_in_bytes", r);
    }
    return st.ok() ? st : st.WithContext("update cgroup " + Name(name));
  }

  Status UpdateV2(const CgroupName& name, const ResourceConfig& r) {
    const fs::path dir = Dir("", name);
    Status st;
    if (r.cpu_shares) {
      // Upstream CpuSharesToCpuWeight: [2, 262144] onto [1, 10000].
      st = WriteFile(dir / "cpu.weight", std::to_string(1 + ((*r.cpu_shares - 2) * 9999) / 262142));
    }
    if (st.ok() && (r.cpu_quota || r.cpu_period)) {
      const int64_t quota = r.cpu_quota.value_or(-1);
      st = WriteFile(dir / "cpu.max", (quota <= 0 ? std::string("max") : std::to_string(quota)) + " " +
                                          std::to_string(r.cpu_period.value_or(kQuotaPeriod)));
    }
    if (st.ok() && r.memory) st = WriteFile(dir / "memory.max", *r.memory <= 0 ? "max" : std::to_string(*r.memory));
    if (st.ok() && !r.hugepage_limits.empty()) st = WriteHugePages(dir, ".max", r);
    return st.ok() ? st : st.WithContext("update cgroup " + Name(name));
  }

  // The given page sizes' limits, and 0 for every other size the host has (as upstream).
  Status WriteHugePages(const fs::path& dir, const std::string& suffix, const ResourceConfig& r) {
    std::map<std::string, int64_t> limits;
    for (const auto& size : HugePageSizesIn(dir, suffix)) limits[size] = 0;
    for (const auto& [page, limit] : r.hugepage_limits) limits[HugePageUnitSize(page)] = limit;
    for (const auto& [size, limit] : limits) {
      if (auto st = WriteFile(dir / ("hugetlb." + size + suffix), std::to_string(limit)); !st.ok()) return st;
    }
    return {};
  }

  // cgroup v2: controllers must be enabled in every ancestor's subtree_control for the files to exist.
  Status EnableControllers(const CgroupName& name) {
    const std::string path = Name(name);
    fs::path dir = root_;
    std::error_code ec;
    for (const auto& part : fs::path(path.substr(1))) {
      for (const char* c : {"+cpu", "+memory", "+pids", "+hugetlb"}) {
        (void)WriteFile(dir / "cgroup.subtree_control", c);  // a controller the kernel lacks is skipped
      }
      dir /= part;
      if (!fs::is_directory(dir)) {
        fs::create_directory(dir, ec);
        if (ec) return Status::Error("create cgroup " + dir.string() + ": " + ec.message());
      }
    }
    return {};
  }

  fs::path root_;
  CgroupDriver driver_;
  bool unified_;
};

}  // namespace

std::unique_ptr<CgroupManager> NewCgroupfsManager(std::string mount_root, CgroupDriver driver) {
  return std::make_unique<CgroupfsManager>(std::move(mount_root), driver);
}

}  // namespace kubenode::kubelet::cm
