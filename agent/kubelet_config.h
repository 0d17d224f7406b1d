// The kubelet's configuration file: kubelet.config.k8s.io/v1beta1 KubeletConfiguration, decoded strictly
// with upstream's field names and defaults. Fields kubenode implements are modelled; fields upstream has
// and kubenode does not implement are accepted and ignored (logged at debug level), so that operators can
// reuse their files; anything else is an error naming the file, line and field.
//
// Also here, because proxy_config uses them too: Go durations (metav1.Duration) and the reading of one
// component-config document.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "api/field_errors.h"
#include "api/field_lines.h"
#include "api/node_reader.h"
#include "api/quantity.h"
#include "base/status.h"

namespace kubenode::agent {

using Duration = std::chrono::nanoseconds;

// Go's time.ParseDuration: "300ms", "-1.5h", "2h45m", "1m30s", "0"; units ns, us (µs, μs), ms, s, m, h.
// Errors read like Go's without the "time: " prefix: `invalid duration "1h-2m"`, `missing unit in
// duration "10"`, `unknown unit "d" in duration "1d"`.
Result<Duration> ParseGoDuration(std::string_view text);

// Go's Duration.String(): "1m30s", "2h0m0s", "1.5s", "300ms", "0s".
std::string FormatGoDuration(Duration d);

struct KubeletConfig {
  // --- KubeletConfiguration fields (upstream defaults unless noted) ---
  // Upstream's default is "" (no static pods); static pods are kubenode's pod source, so it has one.
  std::string static_pod_path = "/etc/kubernetes/manifests";
  std::string pod_logs_dir = "/var/log/pods";
  Duration sync_frequency = std::chrono::minutes(1);
  Duration file_check_frequency = std::chrono::seconds(20);
  std::string container_runtime_endpoint = "unix:///run/containerd/containerd.sock";
  std::string image_service_endpoint;  // "" means container_runtime_endpoint
  Duration runtime_request_timeout = std::chrono::minutes(2);
  // true unless maxParallelImagePulls >= 2 is set and serializeImagePulls is not.
  bool serialize_image_pulls = true;
  std::optional<int32_t> max_parallel_image_pulls;  // unset: no limit (when not serialized)
  int32_t max_pods = 110;
  int64_t pod_pids_limit = -1;  // -1: no limit
  std::string healthz_bind_address = "127.0.0.1";
  int32_t healthz_port = 10248;  // 0 disables
  int32_t read_only_port = 0;    // 0 disables
  Duration node_status_update_frequency = std::chrono::seconds(10);
  // 5m, or nodeStatusUpdateFrequency when only that one is set.
  Duration node_status_report_frequency = std::chrono::minutes(5);
  Duration shutdown_grace_period{0};
  Duration shutdown_grace_period_critical_pods{0};
  std::string cluster_domain;
  std::vector<std::string> cluster_dns;  // IP addresses
  std::string resolv_conf = "/etc/resolv.conf";  // "" (written explicitly) disables DNS from the host
  std::string cgroup_driver = "cgroupfs";        // or "systemd"
  bool seccomp_default = false;                   // RuntimeDefault for containers that ask for no profile
  std::vector<std::string> allowed_unsafe_sysctls;  // sysctl names or "prefix*" patterns beyond the safe set
  bool cgroups_per_qos = true;  // kubepods / burstable / besteffort and pod cgroups (kubelet/cm/)
  std::string cgroup_root = "/";  // upstream's "" means "/" with cgroupsPerQOS

  // --- The kubelet server (:10250, server/). Unset optionals take the mode's default: with --kubeconfig
  // upstream's file defaults (0.0.0.0, webhook authn/authz, no anonymous), without it upstream's flag
  // defaults (anonymous + AlwaysAllow; kubenode also binds 127.0.0.1 there, as no apiserver calls in). ---
  std::optional<std::string> address;
  int32_t port = 10250;  // 0 disables the server
  std::string tls_cert_file;         // both unset: a self-signed certificate in <rootDir>/pki
  std::string tls_private_key_file;
  std::string authentication_x509_client_ca_file;           // authentication.x509.clientCAFile
  std::optional<bool> authentication_webhook_enabled;       // authentication.webhook.enabled
  Duration authentication_webhook_cache_ttl = std::chrono::minutes(2);
  std::optional<bool> authentication_anonymous_enabled;     // authentication.anonymous.enabled
  std::optional<std::string> authorization_mode;            // Webhook | AlwaysAllow
  Duration authorization_webhook_cache_authorized_ttl = std::chrono::minutes(5);
  Duration authorization_webhook_cache_unauthorized_ttl = std::chrono::seconds(30);
  bool enable_debugging_handlers = true;

  // --- Command-line flags upstream (--root-dir, --node-ip, --hostname-override): not read from the
  // file (upstream's strict decoding rejects them there); cmd/ sets them. ---
  std::string root_dir = "/var/lib/kubelet";
  std::string node_ip;
  std::string hostname_override;

  // systemReserved / kubeReserved: cpu, memory, ephemeral-storage, pid -> quantity. Allocatable (what pod
  // admission checks requests against) is the capacity minus both.
  std::map<std::string, api::Quantity> system_reserved;
  std::map<std::string, api::Quantity> kube_reserved;
};

inline constexpr char kKubeletConfigAPIVersion[] = "kubelet.config.k8s.io/v1beta1";
inline constexpr char kKubeletConfigKind[] = "KubeletConfiguration";

// Decodes, defaults and validates `yaml_text`; `file` names it in errors, one per line:
//   <file>: line <l>: <field.path>: <message>
Result<KubeletConfig> ParseKubeletConfig(std::string_view yaml_text, const std::string& file);
// Reads `path` and parses it; a file that cannot be read is an error naming it.
Result<KubeletConfig> LoadKubeletConfig(const std::string& path);

// --- Shared by the component-config readers (kubelet, proxy) ---

// One component-config document: parses the text, checks apiVersion and kind, and collects the field
// errors of decoding and validation with the lines they were written on. Not for use across threads.
class ConfigDocument {
 public:
  explicit ConfigDocument(std::string file);

  // OK when `text` holds exactly one mapping with the given apiVersion and kind; root() is then valid.
  Status Parse(std::string_view text, std::string_view api_version, std::string_view kind);

  const YAML::Node& root() const { return root_; }
  // Strict reader recording into this document's lines and errors.
  api::NodeReader& reader() { return reader_; }
  const api::FieldLines& lines() const { return lines_; }
  bool has_errors() const { return !errors_.empty(); }
  void Add(api::FieldError error) { errors_.push_back(std::move(error)); }

  // Duration field: a string in Go syntax (a bare number such as 30 is an error, as upstream). With
  // `zero_keeps_default`, "0s" leaves `out` unchanged, as upstream defaulting treats zero as unset.
  void ReadDuration(const YAML::Node& value, const std::string& path, Duration& out,
                    bool zero_keeps_default = false);

  // OK, or every error as "<file>: line <l>: <path>: <message>".
  Status status() const;

 private:
  std::string file_;
  api::DecodeOptions options_;
  api::FieldLines lines_;
  api::FieldErrors errors_;
  api::NodeReader reader_;
  YAML::Node root_;
};

// Logs at debug level each key of `root` that is in `ignored` ("<file>: ignoring <key>: kubenode does
// not implement it").
void LogIgnoredFields(const YAML::Node& root, std::initializer_list<const char*> ignored, const std::string& file,
                      const std::string& component);

// The file's contents, or an error naming it.
Result<std::string> ReadConfigFile(const std::string& path);

// Address checks shared by the config readers.
bool IsIPAddress(std::string_view text);
bool IsCIDR(std::string_view text);

}  // namespace kubenode::agent
