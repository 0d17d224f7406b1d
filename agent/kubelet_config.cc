// KubeletConfiguration decoding, defaults (pkg/kubelet/apis/config/v1beta1/defaults.go) and the checks
// of upstream's validation that concern the fields kubenode models; plus the shared config-file pieces.
#include "agent/kubelet_config.h"

#include <arpa/inet.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "base/log.h"
#include "kubelet/runtime/sysctls.h"

namespace kubenode::agent {
namespace {

constexpr uint64_t kMaxDuration = uint64_t{1} << 63;  // |INT64_MIN|, the bound Go checks against

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::optional<uint64_t> UnitNanos(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us" || unit == "\xc2\xb5s" || unit == "\xce\xbcs") return 1000;  // us, µs (U+00B5), μs (U+03BC)
  if (unit == "ms") return 1000 * 1000;
  if (unit == "s") return 1000 * 1000 * 1000;
  if (unit == "m") return uint64_t{60} * 1000 * 1000 * 1000;
  if (unit == "h") return uint64_t{3600} * 1000 * 1000 * 1000;
  return std::nullopt;
}

// "5" of 9 digits -> ".000000005"; trailing zeros dropped, "" when `value` is 0.
std::string Fraction(uint64_t value, int digits) {
  std::string text = std::to_string(value);
  text.insert(0, digits - text.size(), '0');
  while (!text.empty() && text.back() == '0') text.pop_back();
  return text.empty() ? "" : "." + text;
}

}  // namespace

Result<Duration> ParseGoDuration(std::string_view text) {
  std::string_view s = text;
  auto invalid = [&] { return Status::Error("invalid duration " + api::Quote(text)); };
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return Duration(0);
  if (s.empty()) return invalid();
  uint64_t total = 0;
  while (!s.empty()) {
    if (s[0] != '.' && !IsDigit(s[0])) return invalid();
    // Integer part.
    uint64_t whole = 0;
    size_t i = 0;
    for (; i < s.size() && IsDigit(s[i]); ++i) {
      if (whole > kMaxDuration / 10) return invalid();
      whole = whole * 10 + (s[i] - '0');
      if (whole > kMaxDuration) return invalid();
    }
    const bool has_whole = i > 0;
    s.remove_prefix(i);
    // Fraction: digits beyond what fits are read and dropped, like Go's leadingFraction.
    uint64_t fraction = 0;
    double scale = 1;
    bool has_fraction = false;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      bool overflow = false;
      size_t j = 0;
      for (; j < s.size() && IsDigit(s[j]); ++j) {
        if (overflow) continue;
        if (fraction > (kMaxDuration - 1) / 10) {
          overflow = true;
          continue;
        }
        fraction = fraction * 10 + (s[j] - '0');
        scale *= 10;
      }
      has_fraction = j > 0;
      s.remove_prefix(j);
    }
    if (!has_whole && !has_fraction) return invalid();
    size_t k = 0;
    while (k < s.size() && s[k] != '.' && !IsDigit(s[k])) ++k;
    if (k == 0) return Status::Error("missing unit in duration " + api::Quote(text));
    std::string_view unit_name = s.substr(0, k);
    s.remove_prefix(k);
    std::optional<uint64_t> unit = UnitNanos(unit_name);
    if (!unit) {
      return Status::Error("unknown unit " + api::Quote(unit_name) + " in duration " + api::Quote(text));
    }
    if (whole > kMaxDuration / *unit) return invalid();
    uint64_t value = whole * *unit;
    if (fraction > 0) {
      value += static_cast<uint64_t>(static_cast<double>(fraction) * (static_cast<double>(*unit) / scale));
      if (value > kMaxDuration) return invalid();
    }
    total += value;
    if (total > kMaxDuration) return invalid();
  }
  if (negative) return Duration(total == kMaxDuration ? INT64_MIN : -static_cast<int64_t>(total));
  if (total > kMaxDuration - 1) return invalid();
  return Duration(static_cast<int64_t>(total));
}

std::string FormatGoDuration(Duration d) {
  const int64_t n = d.count();
  if (n == 0) return "0s";
  const std::string sign = n < 0 ? "-" : "";
  const uint64_t u = n < 0 ? uint64_t{0} - static_cast<uint64_t>(n) : static_cast<uint64_t>(n);
  if (u < 1000) return sign + std::to_string(u) + "ns";
  if (u < 1000 * 1000) return sign + std::to_string(u / 1000) + Fraction(u % 1000, 3) + "\xc2\xb5s";
  if (u < 1000 * 1000 * 1000) return sign + std::to_string(u / 1000000) + Fraction(u % 1000000, 6) + "ms";
  const uint64_t secs = u / 1000000000;
  std::string out = std::to_string(secs % 60) + Fraction(u % 1000000000, 9) + "s";
  if (secs >= 60) {
    out = std::to_string(secs / 60 % 60) + "m" + out;
    if (secs >= 3600) out = std::to_string(secs / 3600) + "h" + out;
  }
  return sign + out;
}

// --- ConfigDocument ---

ConfigDocument::ConfigDocument(std::string file)
    : file_(std::move(file)), options_{.strict = true, .validate = true}, reader_(options_, lines_, errors_) {}

Status ConfigDocument::Parse(std::string_view text, std::string_view api_version, std::string_view kind) {
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    return Status::Error(file_ + ": line " + std::to_string(e.mark.line + 1) + ": invalid YAML: " + e.msg);
  }
  std::vector<YAML::Node> objects;
  for (const YAML::Node& doc : documents) {
    if (doc.IsDefined() && !doc.IsNull()) objects.push_back(doc);
  }
  const std::string expected = std::string(kind) + " (apiVersion " + std::string(api_version) + ")";
  if (objects.empty()) return Status::Error(file_ + ": no document: expected a " + expected);
  if (objects.size() > 1) {
    return Status::Error(file_ + ": line " + std::to_string(objects[1].Mark().line + 1) +
                         ": a second document: expected only a " + expected);
  }
  root_ = objects[0];
  if (!root_.IsMap()) {
    return Status::Error(file_ + ": line " + std::to_string(root_.Mark().line + 1) + ": expected a mapping, got " +
                         api::DescribeNode(root_));
  }
  struct TypeField {
    const char* name;
    std::string_view want;
    bool present = false;
    std::optional<std::string> value;  // unset after a type error (already reported)
  };
  TypeField type_fields[] = {{"apiVersion", api_version, false, {}}, {"kind", kind, false, {}}};
  for (const auto& entry : root_) {
    if (!entry.first.IsScalar()) continue;
    for (TypeField& f : type_fields) {
      if (entry.first.Scalar() != f.name) continue;
      lines_.Record(f.name, entry.first.Mark().line + 1);
      f.present = true;
      std::string value;
      if (reader_.String(entry.second, f.name, value)) f.value = value;
    }
  }
  for (const TypeField& f : type_fields) {
    if (f.present && !f.value) continue;
    if (!f.value || f.value->empty()) {
      errors_.push_back(api::field::Required(f.name));
    } else if (*f.value != f.want) {
      errors_.push_back(api::field::NotSupported(f.name, *f.value, {std::string(f.want)}));
    }
  }
  return status();
}

void ConfigDocument::ReadDuration(const YAML::Node& value, const std::string& path, Duration& out,
                                  bool zero_keeps_default) {
  // metav1.Duration reads a JSON string only: `syncFrequency: 30` is an error upstream too.
  const std::string described = api::DescribeNode(value);
  if (!value.IsScalar() || described.empty() || described[0] != '"') {
    reader_.Error(path, "expected a duration such as \"30s\", got " + described);
    return;
  }
  Result<Duration> d = ParseGoDuration(value.Scalar());
  if (!d.ok()) {
    reader_.Error(path, d.status().message());
    return;
  }
  if (zero_keeps_default && d->count() == 0) return;
  out = *d;
}

Status ConfigDocument::status() const {
  if (errors_.empty()) return Status();
  const int root_line = root_.IsDefined() ? root_.Mark().line + 1 : 1;
  std::string text;
  for (const api::FieldError& e : errors_) {
    int line = lines_.LineOf(e.path);
    if (!text.empty()) text += '\n';
    text += file_ + ": line " + std::to_string(line > 0 ? line : root_line) + ": " + e.ToString();
  }
  return Status::Error(text);
}

void LogIgnoredFields(const YAML::Node& root, std::initializer_list<const char*> ignored, const std::string& file,
                      const std::string& component) {
  for (const auto& entry : root) {
    if (!entry.first.IsScalar()) continue;
    for (const char* name : ignored) {
      if (entry.first.Scalar() == name) {
        Logger(component)->debug("{}: line {}: ignoring {}: kubenode does not implement it", file,
                                 entry.first.Mark().line + 1, name);
      }
    }
  }
}

Result<std::string> ReadConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error(path + ": cannot read: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::Error(path + ": cannot read: " + std::strerror(errno));
  return text.str();
}

bool IsIPAddress(std::string_view text) {
  std::string s(text);
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

bool IsCIDR(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return false;
  std::string ip(text.substr(0, slash));
  std::string_view prefix = text.substr(slash + 1);
  unsigned char buf[16];
  int max_prefix = 0;
  if (inet_pton(AF_INET, ip.c_str(), buf) == 1) {
    max_prefix = 32;
  } else if (inet_pton(AF_INET6, ip.c_str(), buf) == 1) {
    max_prefix = 128;
  } else {
    return false;
  }
  if (prefix.empty() || prefix.size() > 3) return false;
  int value = 0;
  for (char c : prefix) {
    if (!IsDigit(c)) return false;
    value = value * 10 + (c - '0');
  }
  return value <= max_prefix;
}


// --- KubeletConfiguration ---

namespace {

// KubeletConfiguration fields (kubelet.config.k8s.io/v1beta1) kubenode accepts and does not implement.
const std::initializer_list<const char*> kIgnoredKubeletFields = {
    "enableServer", "httpCheckFrequency", "staticPodURL", "staticPodURLHeader", "tlsCipherSuites", "tlsCurvePreferences", "tlsMinVersion", "rotateCertificates",
    "serverTLSBootstrap", "registryPullQPS", "registryBurst",
    "imagePullCredentialsVerificationPolicy", "preloadedImagesVerificationAllowlist", "eventRecordQPS", "eventBurst",
    "enableContentionProfiling", "oomScoreAdj", "streamingConnectionIdleTimeout",
    "nodeLeaseDurationSeconds", "imageMinimumGCAge", "imageMaximumGCAge", "imageGCHighThresholdPercent",
    "imageGCLowThresholdPercent", "volumeStatsAggPeriod", "kubeletCgroups", "systemCgroups",
    "cpuManagerPolicy", "singleProcessOOMKill", "cpuManagerPolicyOptions",
    "cpuManagerReconcilePeriod", "draManagerReconcilePeriod", "memoryManagerPolicy", "topologyManagerPolicy",
    "topologyManagerScope", "topologyManagerPolicyOptions", "qosReserved", "hairpinMode", "podCIDR", "runOnce",
    "cpuCFSQuota", "cpuCFSQuotaPeriod", "nodeStatusMaxImages", "maxOpenFiles", "contentType", "kubeAPIQPS",
    "kubeAPIBurst", "evictionHard", "evictionSoft", "evictionSoftGracePeriod", "evictionPressureTransitionPeriod",
    "evictionMaxPodGracePeriod", "evictionMinimumReclaim", "mergeDefaultEvictionSettings", "podsPerCore",
    "enableControllerAttachDetach", "protectKernelDefaults", "makeIPTablesUtilChains", "iptablesMasqueradeBit",
    "iptablesDropBit", "featureGates", "failSwapOn", "memorySwap", "containerLogMaxSize", "containerLogMaxFiles",
    "containerLogMaxWorkers", "containerLogMonitorInterval", "configMapAndSecretChangeDetectionStrategy",
    "reservedSystemCPUs", "showHiddenMetricsForVersion", "systemReservedCgroup",
    "kubeReservedCgroup", "enforceNodeAllocatable", "volumePluginDir", "providerID",
    "kernelMemcgNotification", "logging", "enableSystemLogHandler", "enableSystemLogQuery",
    "shutdownGracePeriodByPodPriority", "crashLoopBackOff", "reservedMemory", "enableProfilingHandler",
    "enableDebugFlagsHandler", "memoryThrottlingFactor", "memoryReservationPolicy",
    "registerWithTaints", "registerNode", "tracing", "localStorageCapacityIsolation", "failCgroupV1",
    "userNamespaces",
};

// Go's omitempty string: "" is the same as absent and leaves the default.
void NonEmptyString(api::NodeReader& r, const YAML::Node& v, const std::string& p, std::string& out) {
  std::string value;
  if (r.String(v, p, value) && !value.empty()) out = value;
}

// systemReserved / kubeReserved: a map of resource names to quantities, as upstream's validation allows.
void ReadReserved(ConfigDocument& doc, const YAML::Node& v, const std::string& path,
                  std::map<std::string, api::Quantity>& out) {
  api::Labels text;
  doc.reader().StringMap(v, path, text);
  for (const auto& [name, value] : text) {
    if (name != "cpu" && name != "memory" && name != "ephemeral-storage" && name != "pid") {
      doc.Add(api::field::NotSupported(path + "." + name, name, {"cpu", "memory", "ephemeral-storage", "pid"}));
      continue;
    }
    auto q = api::ParseQuantity(value);
    if (!q || q->milli < 0) {
      doc.Add(api::field::Invalid(path + "." + name, value, "must be a non-negative quantity"));
      continue;
    }
    out[name] = *q;
  }
}

struct KubeletFileValues {  // what defaulting needs to know beyond the decoded values
  bool serialize_image_pulls_set = false;
  bool node_status_update_frequency_set = false;
  bool node_status_report_frequency_set = false;
};

KubeletFileValues DecodeKubelet(ConfigDocument& doc, KubeletConfig& c) {
  api::NodeReader& r = doc.reader();
  KubeletFileValues set;
  auto duration = [&](Duration& out) {
    return [&doc, &out](const YAML::Node& v, const std::string& p) { doc.ReadDuration(v, p, out, true); };
  };
  auto nothing = [](const YAML::Node&, const std::string&) {};
  r.Object(doc.root(), "",
           {
               {"apiVersion", nothing},
               {"kind", nothing},
               {"staticPodPath", [&](auto& v, auto& p) { NonEmptyString(r, v, p, c.static_pod_path); }},
               {"podLogsDir", [&](auto& v, auto& p) { NonEmptyString(r, v, p, c.pod_logs_dir); }},
               {"syncFrequency", duration(c.sync_frequency)},
               {"fileCheckFrequency", duration(c.file_check_frequency)},
               {"containerRuntimeEndpoint",
                [&](auto& v, auto& p) { NonEmptyString(r, v, p, c.container_runtime_endpoint); }},
               {"imageServiceEndpoint", [&](auto& v, auto& p) { r.String(v, p, c.image_service_endpoint); }},
               {"runtimeRequestTimeout", duration(c.runtime_request_timeout)},
               {"serializeImagePulls",
                [&](auto& v, auto& p) { set.serialize_image_pulls_set = r.Bool(v, p, c.serialize_image_pulls); }},
               {"maxParallelImagePulls",
                [&](auto& v, auto& p) {
                  int32_t value = 0;
                  if (r.Int32(v, p, value)) c.max_parallel_image_pulls = value;
                }},
               {"maxPods",
                [&](auto& v, auto& p) {
                  int32_t value = 0;
                  if (r.Int32(v, p, value) && value != 0) c.max_pods = value;
                }},
               {"podPidsLimit", [&](auto& v, auto& p) { r.Int64(v, p, c.pod_pids_limit); }},
               {"healthzBindAddress", [&](auto& v, auto& p) { NonEmptyString(r, v, p, c.healthz_bind_address); }},
               {"healthzPort", [&](auto& v, auto& p) { r.Int32(v, p, c.healthz_port); }},
               {"readOnlyPort", [&](auto& v, auto& p) { r.Int32(v, p, c.read_only_port); }},
               {"nodeStatusUpdateFrequency",
                [&](auto& v, auto& p) {
                  Duration value{0};
                  doc.ReadDuration(v, p, value);
                  if (value.count() != 0) {
                    c.node_status_update_frequency = value;
                    set.node_status_update_frequency_set = true;
                  }
                }},
               {"nodeStatusReportFrequency",
                [&](auto& v, auto& p) {
                  Duration value{0};
                  doc.ReadDuration(v, p, value);
                  if (value.count() != 0) {
                    c.node_status_report_frequency = value;
                    set.node_status_report_frequency_set = true;
                  }
                }},
               {"shutdownGracePeriod", duration(c.shutdown_grace_period)},
               {"shutdownGracePeriodCriticalPods", duration(c.shutdown_grace_period_critical_pods)},
               {"clusterDomain", [&](auto& v, auto& p) { r.String(v, p, c.cluster_domain); }},
               {"clusterDNS", [&](auto& v, auto& p) { r.StringList(v, p, c.cluster_dns); }},
               {"resolvConf", [&](auto& v, auto& p) { r.String(v, p, c.resolv_conf); }},
               {"cgroupDriver", [&](auto& v, auto& p) { NonEmptyString(r, v, p, c.cgroup_driver); }},
               {"seccompDefault", [&](auto& v, auto& p) { r.Bool(v, p, c.seccomp_default); }},
               {"allowedUnsafeSysctls", [&](auto& v, auto& p) { r.StringList(v, p, c.allowed_unsafe_sysctls); }},
               {"cgroupsPerQOS", [&](auto& v, auto& p) { r.Bool(v, p, c.cgroups_per_qos); }},
               {"cgroupRoot", [&](auto& v, auto& p) { NonEmptyString(r, v, p, c.cgroup_root); }},
               {"address",
                [&](auto& v, auto& p) {
                  std::string value;
                  if (r.String(v, p, value) && !value.empty()) c.address = value;
                }},
               {"port", [&](auto& v, auto& p) { r.Int32(v, p, c.port); }},
               {"tlsCertFile", [&](auto& v, auto& p) { r.String(v, p, c.tls_cert_file); }},
               {"tlsPrivateKeyFile", [&](auto& v, auto& p) { r.String(v, p, c.tls_private_key_file); }},
               {"enableDebuggingHandlers", [&](auto& v, auto& p) { r.Bool(v, p, c.enable_debugging_handlers); }},
               {"authentication",
                [&](auto& v, auto& p) {
                  r.Object(v, p,
                           {
                               {"x509",
                                [&](auto& v2, auto& p2) {
                                  r.Object(v2, p2, {{"clientCAFile", [&](auto& v3, auto& p3) {
                                                       r.String(v3, p3, c.authentication_x509_client_ca_file);
                                                     }}});
                                }},
                               {"webhook",
                                [&](auto& v2, auto& p2) {
                                  r.Object(v2, p2,
                                           {{"enabled",
                                             [&](auto& v3, auto& p3) {
                                               bool value = false;
                                               if (r.Bool(v3, p3, value)) c.authentication_webhook_enabled = value;
                                             }},
                                            {"cacheTTL", duration(c.authentication_webhook_cache_ttl)}});
                                }},
                               {"anonymous",
                                [&](auto& v2, auto& p2) {
                                  r.Object(v2, p2, {{"enabled", [&](auto& v3, auto& p3) {
                                                       bool value = false;
                                                       if (r.Bool(v3, p3, value)) c.authentication_anonymous_enabled = value;
                                                     }}});
                                }},
                           });
                }},
               {"authorization",
                [&](auto& v, auto& p) {
                  r.Object(v, p,
                           {
                               {"mode",
                                [&](auto& v2, auto& p2) {
                                  std::string value;
                                  if (r.String(v2, p2, value) && !value.empty()) c.authorization_mode = value;
                                }},
                               {"webhook",
                                [&](auto& v2, auto& p2) {
                                  r.Object(v2, p2,
                                           {{"cacheAuthorizedTTL", duration(c.authorization_webhook_cache_authorized_ttl)},
                                            {"cacheUnauthorizedTTL",
                                             duration(c.authorization_webhook_cache_unauthorized_ttl)}});
                                }},
                           });
                }},
               {"systemReserved", [&](auto& v, auto& p) { ReadReserved(doc, v, p, c.system_reserved); }},
               {"kubeReserved", [&](auto& v, auto& p) { ReadReserved(doc, v, p, c.kube_reserved); }},
           },
           kIgnoredKubeletFields);
  return set;
}

void DefaultKubelet(const KubeletFileValues& set, KubeletConfig& c) {
  // Upstream: serializeImagePulls defaults to false when maxParallelImagePulls allows parallel pulls.
  if (!set.serialize_image_pulls_set && c.max_parallel_image_pulls && *c.max_parallel_image_pulls >= 2) {
    c.serialize_image_pulls = false;
  }
  if (set.node_status_update_frequency_set && !set.node_status_report_frequency_set) {
    c.node_status_report_frequency = c.node_status_update_frequency;
  }
}

void ValidateKubelet(ConfigDocument& doc, const KubeletConfig& c) {
  using api::field::Invalid;
  auto positive = [&](const char* path, Duration d) {
    if (d.count() <= 0) doc.Add(Invalid(path, FormatGoDuration(d), "must be greater than 0"));
  };
  auto non_negative = [&](const char* path, Duration d) {
    if (d.count() < 0) doc.Add(Invalid(path, FormatGoDuration(d), "must be greater than or equal to 0"));
  };
  auto port = [&](const char* path, int32_t value) {
    if (value < 0 || value > 65535) doc.Add(Invalid(path, value, "must be between 1 and 65535, inclusive (0 disables it)"));
  };
  positive("syncFrequency", c.sync_frequency);
  positive("fileCheckFrequency", c.file_check_frequency);
  positive("runtimeRequestTimeout", c.runtime_request_timeout);
  positive("nodeStatusUpdateFrequency", c.node_status_update_frequency);
  positive("nodeStatusReportFrequency", c.node_status_report_frequency);
  non_negative("shutdownGracePeriod", c.shutdown_grace_period);
  non_negative("shutdownGracePeriodCriticalPods", c.shutdown_grace_period_critical_pods);
  if (c.shutdown_grace_period_critical_pods > c.shutdown_grace_period) {
    doc.Add(Invalid("shutdownGracePeriodCriticalPods", FormatGoDuration(c.shutdown_grace_period_critical_pods),
                    "must not be greater than shutdownGracePeriod"));
  }
  if (c.max_pods < 0) doc.Add(Invalid("maxPods", c.max_pods, "must not be a negative number"));
  if (c.pod_pids_limit < -1) doc.Add(Invalid("podPidsLimit", c.pod_pids_limit, "must be -1 (no limit) or greater"));
  port("healthzPort", c.healthz_port);
  port("port", c.port);
  if (c.address && !IsIPAddress(*c.address)) doc.Add(Invalid("address", *c.address, "must be a valid IP address"));
  if (c.authorization_mode && *c.authorization_mode != "Webhook" && *c.authorization_mode != "AlwaysAllow") {
    doc.Add(api::field::NotSupported("authorization.mode", *c.authorization_mode, {"AlwaysAllow", "Webhook"}));
  }
  if (c.tls_cert_file.empty() != c.tls_private_key_file.empty()) {
    doc.Add(Invalid(c.tls_cert_file.empty() ? "tlsCertFile" : "tlsPrivateKeyFile", "",
                    "tlsCertFile and tlsPrivateKeyFile are set together"));
  }

  port("readOnlyPort", c.read_only_port);
  if (c.max_parallel_image_pulls) {
    if (*c.max_parallel_image_pulls < 1) {
      doc.Add(Invalid("maxParallelImagePulls", *c.max_parallel_image_pulls, "must be a positive number"));
    } else if (c.serialize_image_pulls && *c.max_parallel_image_pulls > 1) {
      doc.Add(Invalid("maxParallelImagePulls", *c.max_parallel_image_pulls,
                      "cannot be larger than 1 unless serializeImagePulls is false"));
    }
  }
  if (!IsIPAddress(c.healthz_bind_address)) {
    doc.Add(Invalid("healthzBindAddress", c.healthz_bind_address, "must be a valid IP address"));
  }
  for (size_t i = 0; i < c.cluster_dns.size(); ++i) {
    if (!IsIPAddress(c.cluster_dns[i])) {
      doc.Add(Invalid("clusterDNS[" + std::to_string(i) + "]", c.cluster_dns[i], "must be a valid IP address"));
    }
  }
  if (c.pod_logs_dir[0] != '/') doc.Add(Invalid("podLogsDir", c.pod_logs_dir, "must be an absolute path"));
  if (c.cgroup_driver != "cgroupfs" && c.cgroup_driver != "systemd") {
    doc.Add(api::field::NotSupported("cgroupDriver", c.cgroup_driver, {"cgroupfs", "systemd"}));
  }
  for (size_t i = 0; i < c.allowed_unsafe_sysctls.size(); ++i) {
    // Upstream fails at startup on these (sysctl.NewAllowlist); here the file's line is known.
    const auto& pattern = c.allowed_unsafe_sysctls[i];
    if (auto list = kubelet::SysctlAllowlist::Create({pattern}); !list.ok()) {
      doc.Add(Invalid("allowedUnsafeSysctls[" + std::to_string(i) + "]", pattern, list.status().message()));
    }
  }
  if (c.cgroup_root[0] != '/') doc.Add(Invalid("cgroupRoot", c.cgroup_root, "must be an absolute path"));
}

// Fields kubenode models but whose non-default values it cannot honour yet: refused by name, so that no
// accepted setting silently does nothing.
void RejectUnsupported(ConfigDocument& doc, const KubeletFileValues& set, const KubeletConfig& c) {
  auto refuse = [&](const char* path, const std::string& why) {
    doc.Add(api::field::Forbidden(path, "not supported by kubenode: " + why));
  };
  if (c.pod_pids_limit != -1) refuse("podPidsLimit", "CRI has no per-pod PID limit; only -1 is accepted");
  if (c.read_only_port != 0) refuse("readOnlyPort", "kubenode serves no read-only port; only 0 is accepted");
  if (c.shutdown_grace_period.count() != 0) refuse("shutdownGracePeriod", "no graceful node shutdown; only 0s is accepted");
  if (c.shutdown_grace_period_critical_pods.count() != 0) {
    refuse("shutdownGracePeriodCriticalPods", "no graceful node shutdown; only 0s is accepted");
  }
}

}  // namespace

Result<KubeletConfig> ParseKubeletConfig(std::string_view yaml_text, const std::string& file) {
  ConfigDocument doc(file);
  try {
    if (Status s = doc.Parse(yaml_text, kKubeletConfigAPIVersion, kKubeletConfigKind); !s.ok()) return s;
    KubeletConfig config;
    KubeletFileValues set = DecodeKubelet(doc, config);
    if (!doc.has_errors()) {
      DefaultKubelet(set, config);
      ValidateKubelet(doc, config);
      if (!doc.has_errors()) RejectUnsupported(doc, set, config);
    }
    if (doc.has_errors()) return doc.status();
    LogIgnoredFields(doc.root(), kIgnoredKubeletFields, file, "kubelet");
    return config;
  } catch (const YAML::Exception& e) {
    // yaml-cpp throws on conversions of malformed nodes; report it where it happened.
    return Status::Error(file + ": line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

Result<KubeletConfig> LoadKubeletConfig(const std::string& path) {
  Result<std::string> text = ReadConfigFile(path);
  if (!text.ok()) return text.status();
  return ParseKubeletConfig(*text, path);
}

}  // namespace kubenode::agent
