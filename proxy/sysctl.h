// Kernel settings the proxy needs, behind an interface: net.ipv4.ip_forward=1 (pods reach Services through
// the node) and net.ipv4.conf.all.route_localnet=1 (NodePorts on 127.0.0.1 may be DNATed off the host).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/status.h"

namespace kubenode::proxy {

class Sysctl {
 public:
  virtual ~Sysctl() = default;
  // `name` in dotted form, e.g. "net.ipv4.ip_forward".
  virtual Result<std::string> Get(const std::string& name) = 0;
  virtual Status Set(const std::string& name, const std::string& value) = 0;
};

// Reads and writes files under `root` (/proc/sys; a temp dir in tests).
class ProcSysctl : public Sysctl {
 public:
  explicit ProcSysctl(std::string root = "/proc/sys") : root_(std::move(root)) {}
  Result<std::string> Get(const std::string& name) override;
  Status Set(const std::string& name, const std::string& value) override;

 private:
  std::string Path(const std::string& name) const;
  std::string root_;
};

class FakeSysctl : public Sysctl {
 public:
  Result<std::string> Get(const std::string& name) override;
  Status Set(const std::string& name, const std::string& value) override;
  std::map<std::string, std::string> values;
  bool fail_sets = false;
};

// Sets what the proxy needs (route_localnet only if NodePorts answer on localhost) and returns one line per
// setting ("net.ipv4.ip_forward: 0 -> 1", "... already 1") for the log. The first failure names the setting.
Result<std::vector<std::string>> EnsureProxySysctls(Sysctl& sysctl, bool localhost_nodeports);

}  // namespace kubenode::proxy
