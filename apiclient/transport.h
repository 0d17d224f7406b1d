// HTTP to the API server, behind an interface so that the client, the reflector and the kubelet's API
// code are tested with a scripted fake (tests/apiclient/fake_transport.h); CurlTransport is the real one.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace kubenode::apiclient {

struct HttpRequest {
  std::string method = "GET";
  std::string path;  // "/api/v1/pods?fieldSelector=..." (already escaped)
  std::string body;
  std::string content_type = "application/json";
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
};

struct HttpResponse {
  int status = 0;
  std::string body;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // One request and its whole response. An error means no HTTP response (connection, TLS, timeout).
  virtual Result<HttpResponse> Do(const HttpRequest& request) = 0;
  // A long request (watch): the body is handed to `on_data` as it arrives, until the server ends it,
  // `on_data` returns false, or `cancel` becomes true. Returns the HTTP status; a non-2xx body is in
  // `error_body`.
  virtual Result<int> Stream(const HttpRequest& request, const std::function<bool(std::string_view)>& on_data,
                             const std::atomic<bool>& cancel, std::string& error_body) = 0;
};

}  // namespace kubenode::apiclient
