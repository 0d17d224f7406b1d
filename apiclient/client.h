// Requests to the API server: JSON bodies, the client-side rate limit, and errors that name the request and
// the server's Status ("PATCH pods/nginx/status: 409 Conflict: the object has been modified ...").
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "apiclient/rate_limiter.h"
#include "apiclient/transport.h"
#include "base/status.h"

namespace kubenode::apiclient {

struct ApiResponse {
  int code = 0;         // HTTP status
  nlohmann::json body;  // the object, list or Status the server sent (null when empty or not JSON)
  bool ok() const { return code >= 200 && code < 300; }
};

// Patch content types.
inline constexpr char kMergePatch[] = "application/merge-patch+json";
inline constexpr char kStrategicMergePatch[] = "application/strategic-merge-patch+json";

class ApiClient {
 public:
  ApiClient(Transport& transport, RateLimiter& limiter) : transport_(transport), limiter_(limiter) {}

  // Any answer from the server is a response (check code); only no answer at all is an error.
  Result<ApiResponse> Call(const std::string& method, const std::string& path, const nlohmann::json* body = nullptr,
                           const std::string& content_type = "application/json");

  // The same, with a non-2xx answer turned into an error naming the request and the server's Status.
  Result<nlohmann::json> Get(const std::string& path);
  Result<nlohmann::json> Create(const std::string& path, const nlohmann::json& object);
  Result<nlohmann::json> Patch(const std::string& path, const nlohmann::json& patch,
                               const std::string& content_type = kStrategicMergePatch);
  Result<nlohmann::json> Delete(const std::string& path, const nlohmann::json& options = nlohmann::json::object());

  Transport& transport() { return transport_; }
  RateLimiter& limiter() { return limiter_; }

 private:
  Result<nlohmann::json> Expect(const std::string& method, const std::string& path, Result<ApiResponse> response);

  Transport& transport_;
  RateLimiter& limiter_;
};

// "409 Conflict: <message>" from a response; `path` shortened for people ("pods/nginx/status").
std::string DescribeFailure(const std::string& method, const std::string& path, const ApiResponse& response);

}  // namespace kubenode::apiclient
