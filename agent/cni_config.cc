#include "agent/cni_config.h"

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "base/log.h"

namespace kubenode::agent {

namespace fs = std::filesystem;

std::string RenderBridgeConflist(const std::string& pod_cidr) {
  using nlohmann::json;
  const json bridge = {
      {"type", "bridge"},
      {"bridge", "cni0"},
      {"isGateway", true},
      {"ipMasq", true},
      {"hairpinMode", true},  // a pod reaches itself through its Service, as kubenet's default
      {"ipam",
       {{"type", "host-local"},
        {"ranges", json::array({json::array({{{"subnet", pod_cidr}}})})},
        {"routes", json::array({{{"dst", "0.0.0.0/0"}}})}}},
  };
  const json portmap = {{"type", "portmap"}, {"capabilities", {{"portMappings", true}}}};
  const json conflist = {{"cniVersion", "0.4.0"}, {"name", "kubenode"}, {"plugins", json::array({bridge, portmap})}};
  return conflist.dump(2) + "\n";
}

bool HasCniConfig(const std::string& dir) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string ext = entry.path().extension().string();
    if ((ext == ".conf" || ext == ".conflist" || ext == ".json") && entry.is_regular_file(ec)) return true;
  }
  return false;
}

Result<bool> EnsureCniConfig(const std::string& dir, const std::string& pod_cidr) {
  if (pod_cidr.empty()) return Status::Error("CNI config for " + dir + ": the Node has no spec.podCIDR");
  if (HasCniConfig(dir)) return false;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::Error("mkdir " + dir + ": " + ec.message());
  // Written beside and renamed: containerd watches the dir and must never load half a file. The temporary
  // name's extension is not one libcni loads.
  const fs::path target = fs::path(dir) / kCniConfFile;
  const fs::path temp = fs::path(dir) / (std::string(".") + kCniConfFile + ".tmp");
  {
    std::ofstream out(temp);
    out << RenderBridgeConflist(pod_cidr);
    if (!out.flush()) return Status::Error("write " + temp.string() + ": failed");
  }
  fs::rename(temp, target, ec);
  if (ec) return Status::Error("rename " + temp.string() + " to " + target.string() + ": " + ec.message());
  return true;
}

bool ConfigurePodNetworkOnce(const std::string& dir, const PodNetworkInputs& inputs) {
  auto log = Logger("agent");
  // A runtime whose network is ready loaded a config from wherever it reads them: not ours to add one.
  if (auto ready = inputs.runtime_network_ready(); ready.ok() && *ready) return true;
  if (HasCniConfig(dir)) return true;
  auto cidr = inputs.node_pod_cidr();
  if (!cidr.ok()) {
    log->warn("pod network: reading the Node's podCIDR: {}", cidr.status().message());
    return false;
  }
  if (cidr->empty()) return false;  // not assigned yet
  auto wrote = EnsureCniConfig(dir, *cidr);
  if (!wrote.ok()) {
    log->error("pod network: {}", wrote.status().message());
    return false;
  }
  if (*wrote) log->info("pod network: wrote {}/{} (bridge cni0, host-local {})", dir, kCniConfFile, *cidr);
  return true;
}

}  // namespace kubenode::agent
