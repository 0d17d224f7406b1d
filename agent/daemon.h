// `kubenode run`: the node agent. Wires the CRI client, the kubelet, the proxy's inputs and the proxier,
// and the local API the CLI talks to. Owns every long-lived object; main() only parses flags and waits
// for a signal.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/local_api.h"
#include "base/status.h"
#include "kubelet/kubelet.h"

namespace kubenode::agent {

// The kubelet server (:10250) and healthz (:10248): KubeletConfiguration with the mode's defaults applied
// (cmd/run.cc), served by agent/kubelet_server.h.
struct KubeletServerOptions {
  std::string address = "0.0.0.0";
  int32_t port = 10250;  // 0: no server
  std::string tls_cert_file, tls_private_key_file;  // empty: self-signed in <rootDir>/pki
  std::string client_ca_file;
  bool anonymous = false;
  bool webhook_authentication = true;
  std::chrono::milliseconds token_cache_ttl = std::chrono::minutes(2);
  bool webhook_authorization = true;  // false: AlwaysAllow
  std::chrono::milliseconds authorized_ttl = std::chrono::minutes(5);
  std::chrono::milliseconds unauthorized_ttl = std::chrono::seconds(30);
  bool enable_debugging_handlers = true;
  std::string healthz_bind_address = "127.0.0.1";
  int32_t healthz_port = 10248;  // 0: none
  nlohmann::json configz;  // KubeletConfiguration in upstream's field names, for /configz
};

struct DaemonOptions {
  kubelet::KubeletConfig kubelet;  // node_name and node_ip filled by the caller
  std::string runtime_endpoint = "unix:///run/containerd/containerd.sock";
  std::string image_endpoint;  // imageServiceEndpoint; empty: runtime_endpoint
  std::optional<int> max_parallel_image_pulls = 1;  // serializeImagePulls / maxParallelImagePulls; none: no limit
  std::chrono::milliseconds runtime_request_timeout = std::chrono::minutes(2);
  std::string local_api_socket = kDefaultLocalApiSocket;
  std::string version;  // kubenode's, shown as Kubelet and Kube-Proxy Version by `describe node`
  // API-server mode (--kubeconfig): the node registers, runs the pods bound to it and reports their status.
  std::string kubeconfig;
  std::map<std::string, std::string> node_labels;  // --node-labels
  double kube_api_qps = 50;                         // kubeAPIQPS
  int kube_api_burst = 100;                         // kubeAPIBurst
  int32_t max_pods = 110;                                           // maxPods
  std::chrono::milliseconds node_status_update_frequency{10000};   // nodeStatusUpdateFrequency
  std::chrono::milliseconds node_status_report_frequency{300000};  // nodeStatusReportFrequency
  // Where the bridge config for the Node's podCIDR goes when the runtime has no pod network (cni_config.h).
  std::string cni_conf_dir = "/etc/cni/net.d";
  // Proxy.
  bool run_proxy = true;
  std::string service_cluster_ip_range = "10.96.0.0/12";
  std::string service_node_port_range = "30000-32767";
  std::string cluster_cidr;  // pods' CIDR: traffic from outside it to a ClusterIP is masqueraded
  std::string state_dir = "/var/lib/kubenode";  // ClusterIP/NodePort allocations survive restarts here
  // KubeProxyConfiguration (agent/proxy_config.h) as the proxy uses it.
  std::chrono::milliseconds proxy_sync_period{30000};      // nftables.syncPeriod
  std::chrono::milliseconds proxy_min_sync_period{1000};   // nftables.minSyncPeriod
  int32_t masquerade_bit = 14;                             // nftables.masqueradeBit
  bool masquerade_all = false;                             // nftables.masqueradeAll
  std::vector<std::string> node_port_addresses;            // nodePortAddresses (empty: all, incl. 127.0.0.1)
  std::string proxy_healthz_bind_address = "0.0.0.0:10256";  // healthzBindAddress; "" disables
  KubeletServerOptions server;
};

class Daemon {
 public:
  explicit Daemon(DaemonOptions options);
  ~Daemon();

  // Checks the runtime (CRI Version), starts the kubelet, the proxy and the local API. On error nothing
  // keeps running.
  Status Start();
  void Stop();

  // Everything the daemon owns (agent/daemon_parts.h); opaque outside agent/.
  struct Parts;

 private:
  DaemonOptions options_;
  std::unique_ptr<Parts> parts_;
};

}  // namespace kubenode::agent
