#include "kubelet/runtime/volumes.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace kubenode::kubelet {
namespace {

namespace fs = std::filesystem;

std::string EmptyDirRoot(const std::string& root_dir, const std::string& uid) {
  return PodDir(root_dir, uid) + "/volumes/kubernetes.io~empty-dir";
}

bool IsMountPoint(const std::string& path) {
  struct stat self {}, parent {};
  if (::stat(path.c_str(), &self) != 0) return false;
  if (::stat((path + "/..").c_str(), &parent) != 0) return false;
  return self.st_dev != parent.st_dev;
}

Status MakeDirs(const std::string& path, fs::perms perms) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) return Status::Error("mkdir " + path + ": " + ec.message());
  fs::permissions(path, perms, ec);
  if (ec) return Status::Error("chmod " + path + ": " + ec.message());
  return {};
}

Status SetUpEmptyDir(const std::string& dir, const api::EmptyDirVolumeSource& src) {
  // 0777 as upstream, so that containers running as any user can write.
  if (auto st = MakeDirs(dir, fs::perms::all); !st.ok()) return st;
  if (src.medium == "Memory" && !IsMountPoint(dir)) {
    if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, "mode=0777") != 0) {
      return Status::Error("mount tmpfs on " + dir + ": " + std::strerror(errno));
    }
  }
  return {};
}

Status CheckHostPath(const api::HostPathVolumeSource& src) {
  const std::string& p = src.path;
  const std::string prefix = "hostPath type check failed: " + p;
  struct stat st {};
  const bool exists = ::stat(p.c_str(), &st) == 0;
  const auto& type = src.type;
  if (type.empty()) return {};
  if (type == "DirectoryOrCreate") {
    if (!exists) return MakeDirs(p, fs::perms(0755));
    if (!S_ISDIR(st.st_mode)) return Status::Error(prefix + " is not a directory");
    return {};
  }
  if (type == "FileOrCreate") {
    if (!exists) {
      int fd = ::open(p.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
      if (fd < 0) return Status::Error("create " + p + ": " + std::strerror(errno));
      ::close(fd);
      return {};
    }
    if (!S_ISREG(st.st_mode)) return Status::Error(prefix + " is not a file");
    return {};
  }
  if (type == "Directory") {
    if (!exists) return Status::Error(prefix + " does not exist");
    if (!S_ISDIR(st.st_mode)) return Status::Error(prefix + " is not a directory");
    return {};
  }
  if (type == "File") {
    if (!exists) return Status::Error(prefix + " does not exist");
    if (!S_ISREG(st.st_mode)) return Status::Error(prefix + " is not a file");
    return {};
  }
  if (!exists) return Status::Error(prefix + " does not exist");
  if (type == "Socket" && !S_ISSOCK(st.st_mode)) return Status::Error(prefix + " is not a socket file");
  if (type == "CharDevice" && !S_ISCHR(st.st_mode)) return Status::Error(prefix + " is not a character device");
  if (type == "BlockDevice" && !S_ISBLK(st.st_mode)) return Status::Error(prefix + " is not a block device");
  return {};
}

}  // namespace

std::string PodDir(const std::string& root_dir, const std::string& pod_uid) { return root_dir + "/pods/" + pod_uid; }

// Upstream's plugin directory names under pods/<uid>/volumes/.
std::string PluginDirectory(const std::string& source) {
  if (source == "configMap") return "kubernetes.io~configmap";
  if (source == "secret") return "kubernetes.io~secret";
  if (source == "downwardAPI") return "kubernetes.io~downward-api";
  return "kubernetes.io~projected";
}

Result<std::map<std::string, std::string>> SetUpVolumes(const std::string& root_dir, const api::Pod& pod,
                                                        ApiVolumeWriter* api_volumes) {
  std::map<std::string, std::string> paths;
  for (const auto& v : pod.spec.volumes) {
    Status st;
    std::string path;
    if (v.empty_dir) {
      path = EmptyDirRoot(root_dir, pod.metadata.uid) + "/" + v.name;
      st = SetUpEmptyDir(path, *v.empty_dir);
    } else if (v.host_path) {
      path = v.host_path->path;
      st = CheckHostPath(*v.host_path);
    } else if (api_volumes != nullptr && ServedFromApi(pod, v.other_source)) {
      path = PodDir(root_dir, pod.metadata.uid) + "/volumes/" + PluginDirectory(v.other_source) + "/" + v.name;
      st = api_volumes->Write(pod, v.name, path);
    } else if (!v.other_source.empty()) {
      // configMap, secret, projected, ...: not set up by kubenode. An empty directory stands in so that the
      // pod still starts; a FieldNotSupported event names the volume (kubelet/admission/unsupported_fields.h).
      path = EmptyDirRoot(root_dir, pod.metadata.uid) + "/" + v.name;
      st = SetUpEmptyDir(path, {});
    } else {
      st = Status::Error("no volume source");
    }
    if (!st.ok()) return Status::Error("MountVolume.SetUp failed for volume \"" + v.name + "\" : " + st.message());
    paths[v.name] = path;
  }
  return paths;
}

Status TearDownPodDir(const std::string& root_dir, const std::string& pod_uid) {
  const auto dir = PodDir(root_dir, pod_uid);
  std::error_code ec;
  if (!fs::exists(dir, ec)) return {};
  const auto empty_dirs = EmptyDirRoot(root_dir, pod_uid);
  if (fs::is_directory(empty_dirs, ec)) {
    for (const auto& entry : fs::directory_iterator(empty_dirs, ec)) {
      const auto p = entry.path().string();
      if (IsMountPoint(p) && ::umount2(p.c_str(), MNT_DETACH) != 0) {
        return Status::Error("unmount " + p + ": " + std::strerror(errno));
      }
    }
  }
  fs::remove_all(dir, ec);
  if (ec) return Status::Error("remove " + dir + ": " + ec.message());
  return {};
}

}  // namespace kubenode::kubelet
