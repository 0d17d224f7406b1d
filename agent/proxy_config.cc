// KubeProxyConfiguration decoding, defaults (pkg/proxy/apis/config/v1alpha1/defaults.go) and the checks of
// upstream's validation that concern the fields kubenode models.
#include "agent/proxy_config.h"

#include <arpa/inet.h>

#include <charconv>

#include "base/log.h"

namespace kubenode::agent {
namespace {

// KubeProxyConfiguration fields (kubeproxy.config.k8s.io/v1alpha1) that have no effect by design, accepted and
// ignored: other modes' and platforms' settings (upstream ignores them in nftables mode too) and the API-server
// connection (kubenode reads manifests). See proxy_config.h.
const std::initializer_list<const char*> kIgnoredProxyFields = {
    "iptables", "ipvs", "winkernel", "windowsRunAsService", "clientConnection", "configSyncPeriod",
};
// Upstream fields whose effect kubenode does not implement are an error when present (DecodeProxy).
constexpr char kNotSupported[] = "field not supported by kubenode";

constexpr int32_t kHealthzPort = 10256;
constexpr int32_t kMetricsPort = 10249;
constexpr char kDefaultMetrics[] = "127.0.0.1:10249";
constexpr char kDefaultMetrics6[] = "[::1]:10249";

bool IsIPv6(std::string_view text) {
  std::string s(text);
  unsigned char buf[16];
  return inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

std::optional<int32_t> ParsePort(std::string_view text) {
  int32_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < 0 || value > 65535) {
    return std::nullopt;
  }
  return value;
}

// upstream's AppendPortIfNeeded: an address without a port gets `port`.
std::string WithPort(const std::string& address, int32_t port) {
  if (!IsIPAddress(address)) return address;
  return (IsIPv6(address) ? "[" + address + "]" : address) + ":" + std::to_string(port);
}

// "IP:port" or "[IPv6]:port".
bool IsHostPort(std::string_view text) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return false;
  std::string_view host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    if (!IsIPv6(host)) return false;
  } else if (!IsIPAddress(host) || IsIPv6(host)) {
    return false;
  }
  return ParsePort(text.substr(colon + 1)).has_value();
}

// IPv4 CIDR with host bits zero, as kubenode's cluster IP allocator requires.
bool IsIPv4NetworkCIDR(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos || !IsCIDR(text)) return false;
  std::string ip(text.substr(0, slash));
  in_addr address{};
  if (inet_pton(AF_INET, ip.c_str(), &address) != 1) return false;
  int prefix = 0;
  std::from_chars(text.data() + slash + 1, text.data() + text.size(), prefix);
  uint32_t host_mask = prefix == 32 ? 0 : (~uint32_t{0} >> prefix);
  return (ntohl(address.s_addr) & host_mask) == 0;
}

std::vector<std::string> SplitComma(const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    parts.push_back(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) return parts;
    start = comma + 1;
  }
}

struct ProxyFileValues {
  std::string mode;
  std::string detect_local_mode;
  std::string cluster_cidr;
  std::string node_port_range;
  bool healthz_set = false;
  bool metrics_set = false;
};

void NonEmptyString(api::NodeReader& r, const YAML::Node& v, const std::string& p, std::string& out) {
  std::string value;
  if (r.String(v, p, value) && !value.empty()) out = value;
}

ProxyFileValues DecodeProxy(ConfigDocument& doc, ProxyConfig& c) {
  api::NodeReader& r = doc.reader();
  ProxyFileValues file;
  auto nothing = [](const YAML::Node&, const std::string&) {};
  auto unsupported = [&](const YAML::Node&, const std::string& path) { doc.Add({path, kNotSupported}); };
  auto nftables = [&](const YAML::Node& node, const std::string& path) {
    r.Object(node, path,
             {
                 {"syncPeriod", [&](auto& v, auto& p) { doc.ReadDuration(v, p, c.nftables.sync_period, true); }},
                 {"minSyncPeriod",
                  [&](auto& v, auto& p) { doc.ReadDuration(v, p, c.nftables.min_sync_period, true); }},
                 {"masqueradeBit", [&](auto& v, auto& p) { r.Int32(v, p, c.nftables.masquerade_bit); }},
                 {"masqueradeAll", [&](auto& v, auto& p) { r.Bool(v, p, c.nftables.masquerade_all); }},
             });
  };
  r.Object(doc.root(), "",
           {
               {"apiVersion", nothing},
               {"kind", nothing},
               {"hostnameOverride", [&](auto& v, auto& p) { r.String(v, p, c.hostname_override); }},
               {"bindAddress", [&](auto& v, auto& p) { NonEmptyString(r, v, p, c.bind_address); }},
               {"healthzBindAddress",
                [&](auto& v, auto& p) {
                  std::string value;
                  if (r.String(v, p, value)) {  // "" turns the healthz server off, as upstream
                    c.healthz_bind_address = value;
                    file.healthz_set = true;
                  }
                }},
               {"metricsBindAddress",
                [&](auto& v, auto& p) {
                  std::string value;
                  if (r.String(v, p, value) && !value.empty()) {
                    c.metrics_bind_address = value;
                    file.metrics_set = true;
                  }
                }},
               {"mode", [&](auto& v, auto& p) { r.String(v, p, file.mode); }},
               {"nftables", nftables},
               {"clusterCIDR", [&](auto& v, auto& p) { r.String(v, p, file.cluster_cidr); }},
               {"nodePortAddresses", [&](auto& v, auto& p) { r.StringList(v, p, c.node_port_addresses); }},
               {"serviceClusterIPRange", [&](auto& v, auto& p) { NonEmptyString(r, v, p, c.service_cluster_ip_range); }},
               {"serviceNodePortRange", [&](auto& v, auto& p) { r.String(v, p, file.node_port_range); }},
               {"detectLocalMode", [&](auto& v, auto& p) { r.String(v, p, file.detect_local_mode); }},
               // An empty map is the default; any gate is not something kubenode has.
               {"featureGates",
                [&](auto& v, auto& p) {
                  if (!v.IsMap() || v.size() != 0) doc.Add({p, std::string(kNotSupported) + " (no feature gates)"});
                }},
               {"conntrack", unsupported},
               {"oomScoreAdj", unsupported},
               {"detectLocal", unsupported},
               {"logging", unsupported},
               {"enableProfiling", unsupported},
               {"showHiddenMetricsForVersion", unsupported},
               {"portRange", unsupported},
               {"bindAddressHardFail", unsupported},
           },
           kIgnoredProxyFields);
  return file;
}

void DefaultAndValidateProxy(ConfigDocument& doc, const ProxyFileValues& file, ProxyConfig& c) {
  using api::field::Invalid;
  if (!file.mode.empty() && file.mode != "nftables") {
    doc.Add(Invalid("mode", file.mode, "kubenode implements only the nftables mode"));
  }
  if (!IsIPAddress(c.bind_address)) {
    doc.Add(Invalid("bindAddress", c.bind_address, "must be a valid IP address"));
  } else {
    const bool v6 = IsIPv6(c.bind_address);
    if (!file.healthz_set) {
      c.healthz_bind_address = (v6 ? "[::]:" : "0.0.0.0:") + std::to_string(kHealthzPort);
    } else if (!c.healthz_bind_address.empty()) {
      c.healthz_bind_address = WithPort(c.healthz_bind_address, kHealthzPort);
    }
    c.metrics_bind_address = file.metrics_set ? WithPort(c.metrics_bind_address, kMetricsPort)
                                              : (v6 ? "[::1]:" : "127.0.0.1:") + std::to_string(kMetricsPort);
  }
  if (!c.healthz_bind_address.empty() && !IsHostPort(c.healthz_bind_address)) {
    doc.Add(Invalid("healthzBindAddress", c.healthz_bind_address, "must be IP:port"));
  }
  if (!IsHostPort(c.metrics_bind_address)) {
    doc.Add(Invalid("metricsBindAddress", c.metrics_bind_address, "must be IP:port"));
  } else if (file.metrics_set && c.metrics_bind_address != kDefaultMetrics && c.metrics_bind_address != kDefaultMetrics6) {
    doc.Add({"metricsBindAddress", std::string(kNotSupported) + " (no metrics server; leave it unset or \"\")"});
  }
  if (!file.detect_local_mode.empty() && file.detect_local_mode != "ClusterCIDR") {
    doc.Add({"detectLocalMode", std::string(kNotSupported) + " (only ClusterCIDR, the pod CIDR)"});
  }

  const ProxyConfig::NFTables& nft = c.nftables;
  if (nft.sync_period.count() <= 0) {
    doc.Add(Invalid("nftables.syncPeriod", FormatGoDuration(nft.sync_period), "must be greater than 0"));
  } else if (nft.sync_period < nft.min_sync_period) {
    doc.Add(Invalid("nftables.syncPeriod", FormatGoDuration(nft.sync_period),
                    "must be greater than or equal to nftables.minSyncPeriod"));
  }
  if (nft.min_sync_period.count() < 0) {
    doc.Add(Invalid("nftables.minSyncPeriod", FormatGoDuration(nft.min_sync_period),
                    "must be greater than or equal to 0"));
  }
  if (nft.masquerade_bit < 0 || nft.masquerade_bit > 31) {
    doc.Add(Invalid("nftables.masqueradeBit", nft.masquerade_bit, "must be within the range [0, 31]"));
  }

  if (!file.cluster_cidr.empty()) {
    c.cluster_cidrs = SplitComma(file.cluster_cidr);
    bool valid = c.cluster_cidrs.size() <= 2;
    for (const std::string& cidr : c.cluster_cidrs) valid = valid && IsCIDR(cidr);
    if (valid && c.cluster_cidrs.size() == 2) {
      const std::string& a = c.cluster_cidrs[0];
      const std::string& b = c.cluster_cidrs[1];
      valid = IsIPv6(a.substr(0, a.find('/'))) != IsIPv6(b.substr(0, b.find('/')));
    }
    if (!valid) {
      doc.Add(Invalid("clusterCIDR", file.cluster_cidr, "must be a CIDR or a dual-stack pair of CIDRs (IPv4,IPv6)"));
    }
  }
  for (size_t i = 0; i < c.node_port_addresses.size(); ++i) {
    const std::string& cidr = c.node_port_addresses[i];
    if (!IsCIDR(cidr)) {
      doc.Add(Invalid("nodePortAddresses[" + std::to_string(i) + "]", cidr,
                      "must be a CIDR (kubenode does not implement the keywords primary, localhost, all)"));
    } else if (IsIPv6(cidr.substr(0, cidr.find('/')))) {
      doc.Add(Invalid("nodePortAddresses[" + std::to_string(i) + "]", cidr, "kubenode's proxy is IPv4 only"));
    }
  }

  if (!IsIPv4NetworkCIDR(c.service_cluster_ip_range)) {
    doc.Add(Invalid("serviceClusterIPRange", c.service_cluster_ip_range,
                    "must be an IPv4 CIDR with zero host bits, such as \"10.96.0.0/12\""));
  }
  if (!file.node_port_range.empty()) {
    Result<NodePortRange> range = ParseNodePortRange(file.node_port_range);
    if (range.ok()) {
      c.service_node_port_range = *range;
    } else {
      doc.Add({"serviceNodePortRange", range.status().message()});
    }
  }
}

}  // namespace

Result<NodePortRange> ParseNodePortRange(std::string_view text) {
  auto invalid = [&](std::string_view why) {
    return Status::Error("invalid port range " + api::Quote(text) + ": " + std::string(why));
  };
  auto number = [](std::string_view s) -> std::optional<int64_t> {
    int64_t value = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return value;
  };
  size_t sep = text.find_first_of("-+");
  std::optional<int64_t> first = number(text.substr(0, sep));
  std::optional<int64_t> last = first;
  if (sep != std::string_view::npos) {
    std::optional<int64_t> second = number(text.substr(sep + 1));
    if (!second) last.reset();
    else last = text[sep] == '-' ? *second : (first ? *first + *second : 0);
  }
  if (!first || !last) return invalid("expected \"A-B\", \"A+N\" or \"A\" with port numbers");
  if (*first < 1 || *last > 65535) return invalid("ports must be between 1 and 65535");
  if (*first > *last) return invalid("the first port must not be greater than the last");
  return NodePortRange{static_cast<int32_t>(*first), static_cast<int32_t>(*last)};
}

Result<ProxyConfig> ParseProxyConfig(std::string_view yaml_text, const std::string& file) {
  ConfigDocument doc(file);
  try {
    if (Status s = doc.Parse(yaml_text, kProxyConfigAPIVersion, kProxyConfigKind); !s.ok()) return s;
    ProxyConfig config;
    ProxyFileValues values = DecodeProxy(doc, config);
    if (!doc.has_errors()) DefaultAndValidateProxy(doc, values, config);
    if (doc.has_errors()) return doc.status();
    LogIgnoredFields(doc.root(), kIgnoredProxyFields, file, "proxy");
    return config;
  } catch (const YAML::Exception& e) {
    return Status::Error(file + ": line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

Result<ProxyConfig> LoadProxyConfig(const std::string& path) {
  Result<std::string> text = ReadConfigFile(path);
  if (!text.ok()) return text.status();
  return ParseProxyConfig(*text, path);
}

}  // namespace kubenode::agent
