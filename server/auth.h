// The kubelet server's authentication and authorization, as upstream's (pkg/kubelet/server/auth.go and the
// delegating authenticator/authorizer): x509 client certificates, bearer tokens through TokenReview,
// anonymous requests; SubjectAccessReview on nodes/<subresource> or AlwaysAllow. Answers are cached.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "apiclient/client.h"
#include "base/clock.h"
#include "server/kubelet_server.h"

namespace kubenode::server {

struct AuthOptions {
  std::string node_name;
  bool x509 = false;       // a clientCAFile is configured (the server then verifies the certificates)
  bool anonymous = false;  // authentication.anonymous.enabled
  bool token_webhook = false;  // authentication.webhook.enabled
  std::chrono::milliseconds token_cache_ttl = std::chrono::minutes(2);
  bool authorize_webhook = false;  // authorization.mode Webhook (else AlwaysAllow)
  std::chrono::milliseconds authorized_ttl = std::chrono::minutes(5);
  std::chrono::milliseconds unauthorized_ttl = std::chrono::seconds(30);
};

// What a request asks for, in API terms (upstream's GetRequestAttributes).
struct NodeAttributes {
  std::string verb;         // get, create, update, patch, delete ("" for other methods)
  std::string subresource;  // stats, metrics, log, or proxy
};
NodeAttributes RequestAttributes(const std::string& method, const std::string& path);

class KubeletAuth : public RequestGate {
 public:
  // `api` may be null only when neither webhook is enabled.
  KubeletAuth(AuthOptions options, apiclient::ApiClient* api, const Clock& clock);

  std::optional<Response> Admit(Request& request, const PeerCertificate& peer) override;

 private:
  enum class Outcome { kUser, kNone, kError };
  Outcome Authenticate(const Request& request, const PeerCertificate& peer, UserInfo& user);
  Outcome ReviewToken(const std::string& token, UserInfo& user);
  Result<bool> Authorize(const UserInfo& user, const NodeAttributes& attributes);

  template <typename T>
  struct Cached {
    T value;
    std::chrono::steady_clock::time_point expires;
  };

  AuthOptions options_;
  apiclient::ApiClient* api_;
  const Clock& clock_;
  std::mutex mu_;
  std::map<std::string, Cached<std::optional<UserInfo>>> tokens_;  // by SHA-256 of the token
  std::map<std::string, Cached<bool>> decisions_;                  // by the review's spec
};

}  // namespace kubenode::server
