#include "server/auth.h"

#include <algorithm>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include "base/log.h"

namespace kubenode::server {
namespace {

constexpr char kAnonymous[] = "system:anonymous";
constexpr char kUnauthenticated[] = "system:unauthenticated";
constexpr char kAuthenticated[] = "system:authenticated";

// Upstream's isSubpath: the path itself or below it.
bool IsSubpath(std::string_view path, std::string_view base) {
  return path == base || (path.starts_with(base) && path.size() > base.size() && path[base.size()] == '/');
}

std::string Sha256Hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 15]);
  }
  return out;
}

// The bearer token of "Authorization: Bearer <token>", or "" (upstream ignores other schemes).
std::string BearerToken(const Request& request) {
  std::string header = request.Header("authorization");
  size_t space = header.find(' ');
  if (space == std::string::npos) return "";
  std::string scheme = header.substr(0, space);
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return std::tolower(c); });
  if (scheme != "bearer") return "";
  std::string token = header.substr(space + 1);
  while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.erase(token.begin());
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.pop_back();
  return token;
}

void AddAuthenticatedGroup(UserInfo& user) {
  if (std::find(user.groups.begin(), user.groups.end(), kAuthenticated) == user.groups.end()) {
    user.groups.push_back(kAuthenticated);
  }
}

}  // namespace

NodeAttributes RequestAttributes(const std::string& method, const std::string& path) {
  NodeAttributes a;
  if (method == "POST") a.verb = "create";
  else if (method == "GET") a.verb = "get";
  else if (method == "PUT") a.verb = "update";
  else if (method == "PATCH") a.verb = "patch";
  else if (method == "DELETE") a.verb = "delete";
  if (IsSubpath(path, "/stats")) a.subresource = "stats";
  else if (IsSubpath(path, "/metrics")) a.subresource = "metrics";
  else if (IsSubpath(path, "/logs")) a.subresource = "log";
  else a.subresource = "proxy";
  return a;
}

KubeletAuth::KubeletAuth(AuthOptions options, apiclient::ApiClient* api, const Clock& clock)
    : options_(std::move(options)), api_(api), clock_(clock) {}

KubeletAuth::Outcome KubeletAuth::ReviewToken(const std::string& token, UserInfo& user) {
  const std::string key = Sha256Hex(token);
  const auto now = clock_.Now();
  {
    std::lock_guard lock(mu_);
    auto it = tokens_.find(key);
    if (it != tokens_.end() && it->second.expires > now) {
      if (!it->second.value) return Outcome::kNone;
      user = *it->second.value;
      return Outcome::kUser;
    }
  }
  nlohmann::json review = {{"apiVersion", "authentication.k8s.io/v1"},
                           {"kind", "TokenReview"},
                           {"spec", {{"token", token}}}};
  auto response = api_->Call("POST", "/apis/authentication.k8s.io/v1/tokenreviews", &review);
  if (!response.ok() || !response->ok()) {
    Logger("server")->warn("TokenReview: {}", response.ok() ? apiclient::DescribeFailure("POST", "tokenreviews", *response)
                                                            : response.status().message());
    return Outcome::kError;  // not cached: the next request asks again
  }
  const nlohmann::json& status = response->body.value("status", nlohmann::json::object());
  std::optional<UserInfo> reviewed;
  if (status.value("authenticated", false)) {
    const nlohmann::json& u = status.value("user", nlohmann::json::object());
    UserInfo info;
    info.name = u.value("username", "");
    info.uid = u.value("uid", "");
    info.groups = u.value("groups", std::vector<std::string>{});
    if (u.contains("extra") && u["extra"].is_object()) {
      for (const auto& [k, v] : u["extra"].items()) info.extra[k] = v.get<std::vector<std::string>>();
    }
    reviewed = std::move(info);
  }
  {
    std::lock_guard lock(mu_);
    tokens_[key] = {reviewed, now + options_.token_cache_ttl};
  }
  if (!reviewed) return Outcome::kNone;
  user = *reviewed;
  return Outcome::kUser;
}

KubeletAuth::Outcome KubeletAuth::Authenticate(const Request& request, const PeerCertificate& peer, UserInfo& user) {
  bool failed = false;
  if (options_.x509 && peer.present) {
    if (peer.verified) {
      user = UserInfo{peer.common_name, "", peer.organizations, {}};
      return Outcome::kUser;
    }
    Logger("server")->debug("client certificate of {} from {}: {}", peer.common_name, request.remote_address, peer.error);
    failed = true;  // upstream's union: an error, unless another authenticator accepts the request
  }
  if (options_.token_webhook && api_) {
    if (std::string token = BearerToken(request); !token.empty()) {
      Outcome o = ReviewToken(token, user);
      if (o == Outcome::kUser) return o;
      if (o == Outcome::kError) failed = true;
    }
  }
  if (failed) return Outcome::kError;  // upstream's FailOnError: no anonymous fallback
  if (options_.anonymous) {
    user = UserInfo{kAnonymous, "", {kUnauthenticated}, {}};
    return Outcome::kUser;
  }
  return Outcome::kNone;
}

Result<bool> KubeletAuth::Authorize(const UserInfo& user, const NodeAttributes& a) {
  if (!options_.authorize_webhook) return true;
  nlohmann::json spec = {{"resourceAttributes",
                          {{"namespace", ""},
                           {"verb", a.verb},
                           {"group", ""},
                           {"version", "v1"},
                           {"resource", "nodes"},
                           {"subresource", a.subresource},
                           {"name", options_.node_name}}},
                         {"user", user.name},
                         {"groups", user.groups}};
  if (!user.uid.empty()) spec["uid"] = user.uid;
  if (!user.extra.empty()) spec["extra"] = user.extra;
  const std::string key = spec.dump();
  const auto now = clock_.Now();
  {
    std::lock_guard lock(mu_);
    auto it = decisions_.find(key);
    if (it != decisions_.end() && it->second.expires > now) return it->second.value;
  }
  nlohmann::json review = {{"apiVersion", "authorization.k8s.io/v1"}, {"kind", "SubjectAccessReview"}, {"spec", spec}};
  auto response = api_->Call("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", &review);
  if (!response.ok()) return response.status().WithContext("SubjectAccessReview");
  if (!response->ok()) {
    return Status::Error(apiclient::DescribeFailure("POST", "subjectaccessreviews", *response));
  }
  const bool allowed = response->body.value("status", nlohmann::json::object()).value("allowed", false);
  {
    std::lock_guard lock(mu_);
    decisions_[key] = {allowed, now + (allowed ? options_.authorized_ttl : options_.unauthorized_ttl)};
  }
  return allowed;
}

std::optional<Response> KubeletAuth::Admit(Request& request, const PeerCertificate& peer) {
  UserInfo user;
  if (Authenticate(request, peer, user) != Outcome::kUser) return Response::Text(401, "Unauthorized");
  if (user.name != kAnonymous) AddAuthenticatedGroup(user);
  const NodeAttributes attributes = RequestAttributes(request.method, request.path);
  Result<bool> allowed = Authorize(user, attributes);
  auto describe = [&] {
    return "(user=" + user.name + ", verb=" + attributes.verb + ", resource=nodes, subresource=" +
           attributes.subresource + ")";
  };
  if (!allowed.ok()) {
    Logger("server")->warn("authorizing {} {}: {}", request.method, request.path, allowed.status().message());
    return Response::Text(500, "Authorization error " + describe());
  }
  if (!*allowed) return Response::Text(403, "Forbidden " + describe());
  request.user = std::move(user);
  return std::nullopt;
}

}  // namespace kubenode::server
