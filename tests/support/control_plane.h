// A real Kubernetes v1.28 control plane (etcd, kube-apiserver, controller-manager, scheduler) for e2e tests,
// started from the binaries in KUBENODE_K8S_DIR (default: <repo>/../shared/k8s, see its README) into a fresh
// directory and stopped when the object goes. Never downloads anything.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/e2e_env.h"

namespace kubenode::testing {

inline std::string K8sBinariesDir() {
  const char* dir = std::getenv("KUBENODE_K8S_DIR");
  if (dir != nullptr && *dir != '\0') return dir;
  return KUBENODE_DEFAULT_K8S_DIR;
}

// A TCP port on 127.0.0.1 that nothing listens on now (the kernel's pick).
inline int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

class ControlPlane {
 public:
  // Starts it under a new temporary directory on free loopback ports; check ok() (a failure is recorded).
  ControlPlane() {
    char tmpl[] = "/tmp/kubenode-cp-XXXXXX";
    dir_ = mkdtemp(tmpl) ? tmpl : "";
    std::string env = "KP_ETCD=" + std::to_string(FreeLoopbackPort()) +
                      " KP_PEER=" + std::to_string(FreeLoopbackPort()) +
                      " KP_API=" + std::to_string(FreeLoopbackPort()) +
                      " KP_KCM=" + std::to_string(FreeLoopbackPort()) +
                      " KP_SCHED=" + std::to_string(FreeLoopbackPort());
    CommandResult up = RunCommand(env + " bash " + K8sBinariesDir() + "/control-plane-up.sh " + dir_ + " 2>&1");
    ok_ = up.exit_code == 0;
    if (!ok_) ADD_FAILURE() << "control-plane-up.sh failed (" << up.exit_code << "): " << up.output;
  }
  ~ControlPlane() {
    if (dir_.empty()) return;
    RunCommand("bash " + K8sBinariesDir() + "/control-plane-down.sh " + dir_ + " >/dev/null 2>&1");
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  ControlPlane(const ControlPlane&) = delete;
  ControlPlane& operator=(const ControlPlane&) = delete;

  bool ok() const { return ok_; }
  const std::string& dir() const { return dir_; }
  std::string admin_kubeconfig() const { return dir_ + "/admin.kubeconfig"; }
  // `kubectl --kubeconfig <admin> ARGS` with stderr folded into the output.
  CommandResult Kubectl(const std::string& args) const {
    return RunCommand("kubectl --kubeconfig " + admin_kubeconfig() + " " + args + " 2>&1");
  }

 private:
  std::string dir_;
  bool ok_ = false;
};

}  // namespace kubenode::testing
