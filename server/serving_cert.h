// The kubelet's serving certificate when KubeletConfiguration names none: self-signed, made at start and
// kept in <rootDir>/pki/kubelet.crt / kubelet.key, as upstream's kubelet does (reused while valid).
#pragma once

#include <string>
#include <vector>

#include "base/status.h"

namespace kubenode::server {

struct ServingCertFiles {
  std::string cert_file;
  std::string key_file;
  bool generated = false;  // false: an existing valid pair was reused
};

// Reuses <pki_dir>/kubelet.crt/.key when both load, match and are not expired; otherwise writes a new
// ECDSA P-256 certificate valid for a year, CN "<host>@<unix time>", SANs `host` (DNS) and `ips`.
Result<ServingCertFiles> EnsureSelfSignedCert(const std::string& pki_dir, const std::string& host,
                                              const std::vector<std::string>& ips);

}  // namespace kubenode::server
