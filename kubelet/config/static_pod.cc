#include "kubelet/config/static_pod.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "kubelet/runtime/canonical_json.h"

namespace kubenode::kubelet {
namespace {

std::string Md5Hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_md5(), nullptr);
  std::string out;
  char buf[3];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof(buf), "%02x", digest[i]);
    out += buf;
  }
  return out;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

std::string StaticPodUID(const std::string& file, const std::string& node_name, const std::string& ns,
                         const std::string& name) {
  return Md5Hex("file:" + file + "\nhost:" + node_name + "\npod:" + ns + "/" + name);
}

void ApplyStaticPodDefaults(api::Pod& pod, const std::string& node_name, const std::string& file) {
  // The content hash as upstream's UID: md5 of the decoded pod, then host and file.
  // Invalid UTF-8 in the manifest hashes as U+FFFD instead of throwing; valid input hashes as before.
  const std::string canonical = CanonicalJson(pod).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  const std::string content_hash = Md5Hex(canonical + "host:" + node_name + "file:" + file);
  pod.metadata.name = pod.metadata.name + "-" + Lower(node_name);
  if (pod.metadata.ns.empty()) pod.metadata.ns = "default";
  if (pod.metadata.uid.empty()) {
    pod.metadata.uid = StaticPodUID(file, node_name, pod.metadata.ns, pod.metadata.name);
  }
  pod.spec.node_name = node_name;
  pod.metadata.annotations[kConfigHashAnnotation] = content_hash;
  pod.metadata.annotations[kConfigSourceAnnotation] = "file";
}

bool IsStaticPod(const api::Pod& pod) {
  auto it = pod.metadata.annotations.find(kConfigSourceAnnotation);
  return it != pod.metadata.annotations.end() && it->second != "api";
}

std::string FormatSeen(api::Time t) {
  const auto secs = std::chrono::time_point_cast<std::chrono::seconds>(t);
  const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(t - secs).count();
  std::time_t tt = std::chrono::system_clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(nanos));
  return buf;
}

}  // namespace kubenode::kubelet
