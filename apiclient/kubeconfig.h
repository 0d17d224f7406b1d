// A kubeconfig file as kubectl reads it: the current context's cluster (server, CA) and user (client
// certificate and key, bearer token). Inline *-data fields and file paths are both resolved here, so
// the transport only sees PEM text.
#pragma once

#include <string>

#include "base/status.h"

namespace kubenode::apiclient {

struct ClusterCredentials {
  std::string server;     // https://host:port, without a trailing slash
  std::string ca_pem;     // empty: the system's trust store
  bool insecure_skip_tls_verify = false;
  std::string client_cert_pem;
  std::string client_key_pem;
  std::string token;      // bearer token (token or tokenFile)
};

// Reads `path`; `context` empty means current-context. Relative file references resolve against the
// kubeconfig's directory, as kubectl does. Errors name the file and the field.
Result<ClusterCredentials> LoadKubeconfig(const std::string& path, const std::string& context = "");

// The same from text already read (`origin` names it in errors, `base_dir` resolves relative paths).
Result<ClusterCredentials> ParseKubeconfig(const std::string& text, const std::string& origin,
                                           const std::string& base_dir, const std::string& context = "");

}  // namespace kubenode::apiclient
