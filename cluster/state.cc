#include "cluster/state.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace kubenode::cluster {

namespace fs = std::filesystem;

std::string ResolveStateDir(const std::string& flag) {
  if (!flag.empty()) return flag;
  const char* env = std::getenv(kStateDirEnv);
  if (env != nullptr && *env != '\0') return env;
  return kDefaultStateDir;
}

Status ValidateClusterName(std::string_view name) {
  const bool valid = !name.empty() && name != "." && name != ".." &&
                     std::all_of(name.begin(), name.end(), [](char c) {
                       return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
                     });
  if (valid) return Status();
  return Status::Error("'" + std::string(name) +
                       "' is not a valid cluster name, cluster names must match `^[a-z0-9.-]+$`");
}

ClusterState::ClusterState(std::string state_dir, std::string name)
    : state_dir_(std::move(state_dir)), name_(std::move(name)), dir_(state_dir_ + "/" + name_) {}

std::string ClusterState::Pki(std::string_view file) const { return pki_dir() + "/" + std::string(file); }

std::string ClusterState::NodeDir(std::string_view node) const { return nodes_dir() + "/" + std::string(node); }

bool ClusterState::Exists() const {
  std::error_code ec;
  return fs::exists(config_file(), ec);
}

namespace {

Status MakeDirs(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::Error("mkdir " + dir.string() + ": " + ec.message());
  return Status();
}

}  // namespace

Status ClusterState::Create() const {
  if (Exists()) {
    return Status::Error("node(s) already exist for a cluster with the name \"" + name_ + "\"");
  }
  if (Status s = MakeDirs(dir_); !s.ok()) return s;
  if (::chmod(dir_.c_str(), 0700) != 0) return Status::Error("chmod " + dir_ + ": " + std::strerror(errno));
  return Status();
}

Status ClusterState::Remove() const {
  std::error_code ec;
  fs::remove_all(dir_, ec);
  if (ec) return Status::Error("remove " + dir_ + ": " + ec.message());
  return Status();
}

Status ClusterState::WriteFile(const std::string& path, std::string_view content, unsigned mode) {
  const fs::path target(path);
  if (target.has_parent_path()) {
    if (Status s = MakeDirs(target.parent_path()); !s.ok()) return s;
  }
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Status::Error("open " + tmp + ": " + std::strerror(errno));
  // The umask may have narrowed `mode`; the caller asked for exactly it.
  if (::fchmod(fd, mode) != 0) {
    const int err = errno;
    ::close(fd);
    return Status::Error("chmod " + tmp + ": " + std::strerror(err));
  }
  const char* data = content.data();
  size_t left = content.size();
  while (left > 0) {
    ssize_t n = ::write(fd, data, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return Status::Error("write " + tmp + ": " + std::strerror(err));
    }
    data += n;
    left -= static_cast<size_t>(n);
  }
  if (::close(fd) != 0) return Status::Error("close " + tmp + ": " + std::strerror(errno));
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return Status::Error("rename " + tmp + " to " + path + ": " + std::strerror(err));
  }
  return Status();
}

Result<std::vector<std::string>> ClusterState::List(const std::string& state_dir) {
  std::vector<std::string> names;
  std::error_code ec;
  if (!fs::exists(state_dir, ec)) return names;
  fs::directory_iterator it(state_dir, ec);
  if (ec) return Status::Error("list " + state_dir + ": " + ec.message());
  for (const fs::directory_entry& entry : it) {
    std::error_code entry_ec;
    if (!entry.is_directory(entry_ec)) continue;
    const std::string name = entry.path().filename().string();
    if (ClusterState(state_dir, name).Exists()) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace kubenode::cluster
