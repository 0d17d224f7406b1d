#include "proxy/sysctl.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace kubenode::proxy {

std::string ProcSysctl::Path(const std::string& name) const {
  std::string rel = name;
  std::replace(rel.begin(), rel.end(), '.', '/');
  return root_ + "/" + rel;
}

Result<std::string> ProcSysctl::Get(const std::string& name) {
  std::ifstream in(Path(name));
  if (!in) return Status::Error("read sysctl " + name + ": " + strerror(errno));
  std::string value;
  std::getline(in, value);
  return value;
}

Status ProcSysctl::Set(const std::string& name, const std::string& value) {
  std::ofstream out(Path(name));
  if (!out) return Status::Error("write sysctl " + name + ": " + strerror(errno));
  out << value << "\n";
  out.close();
  if (!out) return Status::Error("write sysctl " + name + ": " + strerror(errno));
  return Status();
}

Result<std::string> FakeSysctl::Get(const std::string& name) {
  auto it = values.find(name);
  if (it == values.end()) return Status::Error("read sysctl " + name + ": No such file or directory");
  return it->second;
}

Status FakeSysctl::Set(const std::string& name, const std::string& value) {
  if (fail_sets) return Status::Error("write sysctl " + name + ": Permission denied");
  values[name] = value;
  return Status();
}

Result<std::vector<std::string>> EnsureProxySysctls(Sysctl& sysctl, bool localhost_nodeports) {
  std::vector<std::string> wanted = {"net.ipv4.ip_forward"};
  if (localhost_nodeports) wanted.push_back("net.ipv4.conf.all.route_localnet");
  std::vector<std::string> report;
  for (const std::string& name : wanted) {
    Result<std::string> before = sysctl.Get(name);
    if (before.ok() && *before == "1") {
      report.push_back(name + ": already 1");
      continue;
    }
    if (Status s = sysctl.Set(name, "1"); !s.ok()) return s;
    report.push_back(name + ": " + (before.ok() ? *before : std::string("?")) + " -> 1");
  }
  return report;
}

}  // namespace kubenode::proxy
