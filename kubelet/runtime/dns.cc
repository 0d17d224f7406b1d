#include "kubelet/runtime/dns.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

namespace kubenode::kubelet {
namespace {

constexpr size_t kMaxNameservers = 3;        // validation.MaxDNSNameservers
constexpr size_t kMaxSearchPaths = 32;       // validation.MaxDNSSearchPathsExpanded
constexpr size_t kMaxSearchListChars = 2048;  // validation.MaxDNSSearchListCharsExpanded
constexpr size_t kMaxSearchLength = 253;      // a DNS-1123 subdomain
constexpr size_t kMaxResolvConfBytes = 10 << 20;

std::vector<std::string> Fields(std::string_view line) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    size_t j = i;
    while (j < line.size() && !std::isspace(static_cast<unsigned char>(line[j]))) ++j;
    if (j > i) out.emplace_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

std::string OptionName(const std::string& option) { return option.substr(0, option.find(':')); }

// Appends `add` to `options`, an option of the same name replacing the earlier one in place.
void MergeOption(std::vector<std::string>& options, const std::string& add) {
  const auto name = OptionName(add);
  for (auto& o : options) {
    if (OptionName(o) == name) {
      o = add;
      return;
    }
  }
  options.push_back(add);
}

std::vector<std::string> OmitDuplicates(const std::vector<std::string>& in) {
  std::vector<std::string> out;
  for (const auto& s : in) {
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  }
  return out;
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : " ") + s;
  return out;
}

// Upstream formDNSSearchFitsLimits.
std::vector<std::string> FitSearches(std::vector<std::string> searches, PodDns& dns) {
  bool exceeded = false;
  if (searches.size() > kMaxSearchPaths) {
    searches.resize(kMaxSearchPaths);
    exceeded = true;
  }
  const auto long_end = std::remove_if(searches.begin(), searches.end(),
                                       [](const std::string& s) { return s.size() > kMaxSearchLength; });
  if (long_end != searches.end()) {
    searches.erase(long_end, searches.end());
    exceeded = true;
  }
  const size_t line = Join(searches).size();
  if (line > kMaxSearchListChars) {
    size_t cut = 0;
    while (!searches.empty() && line - cut > kMaxSearchListChars) {
      cut += searches.back().size() + 1;
      searches.pop_back();
    }
    exceeded = true;
  }
  if (exceeded) {
    dns.warnings.emplace_back("DNSConfigForming",
                              "Search Line limits were exceeded, some search paths have been omitted, the applied "
                              "search line is: " + Join(searches));
  }
  return searches;
}

}  // namespace

cri::DNSConfig ParseResolvConf(std::string_view text) {
  cri::DNSConfig out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = std::min(text.find('\n', start), text.size());
    const auto fields = Fields(text.substr(start, end - start));
    start = end + 1;
    if (fields.empty() || fields[0].starts_with("#")) continue;
    if (fields[0] == "nameserver" && fields.size() >= 2) {
      out.servers.push_back(fields[1]);
    } else if (fields[0] == "search") {
      out.searches.clear();
      for (size_t i = 1; i < fields.size(); ++i) {
        if (fields[i] == ".") continue;
        std::string s = fields[i];
        if (s.ends_with('.')) s.pop_back();
        out.searches.push_back(s);
      }
    } else if (fields[0] == "options") {
      for (size_t i = 1; i < fields.size(); ++i) MergeOption(out.options, fields[i]);
    }
  }
  return out;
}

Result<cri::DNSConfig> ReadHostResolvConf(const std::string& resolv_conf) {
  if (resolv_conf.empty()) {
    // Upstream: no resolver file disables lookups through the host -- the local nameserver, search ".".
    return cri::DNSConfig{{"127.0.0.1"}, {"."}, {}};
  }
  std::ifstream in(resolv_conf, std::ios::binary);
  if (!in) return Status::Error("open resolvConf " + resolv_conf + ": cannot read the file");
  std::string text(kMaxResolvConfBytes, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  return ParseResolvConf(text);
}

PodDns BuildPodDns(const api::Pod& pod, const DnsOptions& options, const cri::DNSConfig& host) {
  PodDns dns;
  auto policy = pod.spec.dns_policy;
  // Upstream getPodDNSType: ClusterFirst on the host network is Default; ClusterFirstWithHostNet is cluster.
  if (policy == api::DNSPolicy::kClusterFirst && pod.spec.host_network) policy = api::DNSPolicy::kDefault;
  if (policy == api::DNSPolicy::kClusterFirstWithHostNet) policy = api::DNSPolicy::kClusterFirst;
  if (policy == api::DNSPolicy::kClusterFirst && options.cluster_dns.empty()) {
    dns.warnings.emplace_back("MissingClusterDNS", "pod: \"" + pod.metadata.name + "_" + pod.metadata.ns + "(" +
                                                       pod.metadata.uid + ")\". kubelet does not have ClusterDNS IP "
                                                       "configured and cannot create Pod using \"ClusterFirst\" policy. "
                                                       "Falling back to \"Default\" policy.");
    policy = api::DNSPolicy::kDefault;
  }
  switch (policy) {
    case api::DNSPolicy::kNone:
      break;
    case api::DNSPolicy::kClusterFirst: {
      dns.config.servers = options.cluster_dns;
      std::vector<std::string> searches;
      if (!options.cluster_domain.empty()) {
        searches = {pod.metadata.ns + ".svc." + options.cluster_domain, "svc." + options.cluster_domain,
                    options.cluster_domain};
      }
      searches.insert(searches.end(), host.searches.begin(), host.searches.end());
      dns.config.searches = OmitDuplicates(searches);
      dns.config.options = {"ndots:5"};
      break;
    }
    default:
      dns.config = host;
  }
  if (pod.spec.dns_config) {
    const auto& extra = *pod.spec.dns_config;
    auto servers = dns.config.servers;
    servers.insert(servers.end(), extra.nameservers.begin(), extra.nameservers.end());
    dns.config.servers = OmitDuplicates(servers);
    auto searches = dns.config.searches;
    searches.insert(searches.end(), extra.searches.begin(), extra.searches.end());
    dns.config.searches = OmitDuplicates(searches);
    for (const auto& o : extra.options) {
      MergeOption(dns.config.options, o.value && !o.value->empty() ? o.name + ":" + *o.value : o.name);
    }
  }
  if (dns.config.servers.size() > kMaxNameservers) {
    dns.config.servers.resize(kMaxNameservers);
    dns.warnings.emplace_back("DNSConfigForming",
                              "Nameserver limits were exceeded, some nameservers have been omitted, the applied "
                              "nameserver line is: " + Join(dns.config.servers));
  }
  dns.config.searches = FitSearches(std::move(dns.config.searches), dns);
  return dns;
}

PodHostname PodHostnameAndDomain(const api::Pod& pod, const std::string& cluster_domain) {
  PodHostname out;
  out.hostname = pod.spec.hostname.empty() ? pod.metadata.name : pod.spec.hostname;
  // Upstream truncatePodHostnameIfNeeded: 63 characters, then no trailing '-' or '.'.
  if (out.hostname.size() > 63) {
    out.hostname.resize(63);
    while (!out.hostname.empty() && (out.hostname.back() == '-' || out.hostname.back() == '.')) out.hostname.pop_back();
  }
  if (!pod.spec.subdomain.empty()) out.domain = pod.spec.subdomain + "." + pod.metadata.ns + ".svc." + cluster_domain;
  return out;
}

Result<std::string> SandboxHostname(const api::Pod& pod, const std::string& cluster_domain) {
  if (pod.spec.host_network) return std::string();
  const auto name = PodHostnameAndDomain(pod, cluster_domain);
  bool fqdn = false;
  if (auto spec = pod.source.find("spec"); spec != pod.source.end() && spec->is_object()) {
    auto it = spec->find("setHostnameAsFQDN");
    fqdn = it != spec->end() && it->is_boolean() && it->get<bool>();
  }
  if (!fqdn || name.domain.empty()) return name.hostname;
  const std::string full = name.hostname + "." + name.domain;
  // Linux's hostname is at most 64 bytes (upstream GetNodenameForKernel).
  if (full.size() > 64) {
    return Status::Error("failed to construct FQDN from pod hostname and cluster domain, FQDN " + full +
                         " is too long (64 characters is the max, " + std::to_string(full.size()) + " characters requested)");
  }
  return full;
}

}  // namespace kubenode::kubelet
