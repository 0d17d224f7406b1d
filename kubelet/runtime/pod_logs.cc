#include "kubelet/runtime/pod_logs.h"

#include <charconv>
#include <filesystem>

namespace kubenode::kubelet {

namespace fs = std::filesystem;

int32_t RestartCountFromLogs(const std::string& container_log_dir) {
  std::error_code ec;
  int32_t next = 0;
  for (const auto& entry : fs::directory_iterator(container_log_dir, ec)) {
    if (entry.is_directory(ec)) continue;
    const auto name = entry.path().filename().string();
    // ^(\d+)\.log(\..*)?
    size_t digits = 0;
    while (digits < name.size() && name[digits] >= '0' && name[digits] <= '9') ++digits;
    if (digits == 0 || name.compare(digits, 4, ".log") != 0) continue;
    if (name.size() > digits + 4 && name[digits + 4] != '.') continue;
    int32_t n = 0;
    auto [ptr, err] = std::from_chars(name.data(), name.data() + digits, n);
    if (err != std::errc() || n == INT32_MAX) continue;  // not a log kubenode wrote
    next = std::max(next, n + 1);
  }
  return next;
}

Status RemovePodLogs(const std::string& pod_logs_root, const std::string& uid) {
  if (uid.empty()) return {};
  std::error_code ec;
  const std::string suffix = "_" + uid;
  for (const auto& entry : fs::directory_iterator(pod_logs_root, ec)) {
    const auto name = entry.path().filename().string();
    if (!name.ends_with(suffix) || !entry.is_directory(ec)) continue;
    std::error_code rm;
    fs::remove_all(entry.path(), rm);
    if (rm) return Status::Error("remove " + entry.path().string() + ": " + rm.message());
  }
  return {};
}

}  // namespace kubenode::kubelet
