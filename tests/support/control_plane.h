// A real Kubernetes v1.28 control plane (etcd, kube-apiserver, controller-manager, scheduler) for e2e tests,
// started from the binaries in KUBENODE_K8S_DIR (default: <repo>/../shared/k8s, see its README) into a fresh
// directory and stopped when the object goes. Never downloads anything.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

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
  // Fault tests: kills the kube-apiserver alone (SIGKILL: a crash, and no graceful drain that takes long on a
  // loaded machine; etcd, controller-manager and scheduler keep running), remembering its command line;
  // false (and a failure) when it does not exit within 30 s.
  bool StopApiServer() {
    std::ifstream pid_file(dir_ + "/apiserver.pid");
    pid_t pid = 0;
    if (!(pid_file >> pid) || pid <= 0) {
      ADD_FAILURE() << "no pid in " << dir_ << "/apiserver.pid";
      return false;
    }
    std::ifstream cmdline("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
    std::stringstream raw;
    raw << cmdline.rdbuf();
    apiserver_command_.clear();
    std::string arg;
    for (char c : raw.str()) {
      if (c != '\0') {
        arg += c;
        continue;
      }
      apiserver_command_ += QuoteArg(arg) + " ";
      arg.clear();
    }
    if (apiserver_command_.empty()) {
      ADD_FAILURE() << "kube-apiserver (pid " << pid << ") is not running";
      return false;
    }
    kill(pid, SIGKILL);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!Exited(pid) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!Exited(pid)) {
      ADD_FAILURE() << "kube-apiserver did not exit within 30 s of SIGKILL";
      return false;
    }
    return true;
  }
  // Starts the kube-apiserver StopApiServer stopped, with the same flags, and waits (60 s at most) until its
  // /readyz answers; false (and a failure) otherwise.
  bool StartApiServer() {
    if (apiserver_command_.empty()) {
      ADD_FAILURE() << "StartApiServer without StopApiServer";
      return false;
    }
    CommandResult started = RunCommand("nohup " + apiserver_command_ + ">> " + dir_ + "/apiserver.log 2>&1 & echo $! > " +
                                       dir_ + "/apiserver.pid");
    if (started.exit_code != 0) {
      ADD_FAILURE() << "restarting kube-apiserver: " << started.output;
      return false;
    }
    for (int i = 0; i < 200; ++i) {
      if (RunCommand("curl -sf --max-time 2 --cacert " + dir_ + "/pki/ca.crt $(cat " + dir_ + "/server)/readyz").exit_code == 0) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
    ADD_FAILURE() << "kube-apiserver not ready 60 s after its restart; see " << dir_ << "/apiserver.log";
    return false;
  }

  // `kubectl --kubeconfig <admin> ARGS` with stderr folded into the output.
  CommandResult Kubectl(const std::string& args) const {
    return RunCommand("kubectl --kubeconfig " + admin_kubeconfig() + " " + args + " 2>&1");
  }

 private:
  // Gone, or a zombie: the script that started it exited, and whoever inherited it may reap it late.
  static bool Exited(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return true;
    const size_t paren = line.rfind(')');
    return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'Z';
  }
  static std::string QuoteArg(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
  }

  std::string dir_;
  bool ok_ = false;
  std::string apiserver_command_;  // the stopped kube-apiserver's command line, shell-quoted
};

}  // namespace kubenode::testing
