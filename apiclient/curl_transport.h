// Transport over libcurl (Debian's libcurl4-openssl): TLS with the kubeconfig's CA and client
// certificate given as in-memory blobs, HTTP/1.1 keep-alive per thread. libcurl does the HTTP and TLS
// framing; see README.md for why libcurl.
#pragma once

#include "apiclient/kubeconfig.h"
#include "apiclient/transport.h"

namespace kubenode::apiclient {

class CurlTransport : public Transport {
 public:
  explicit CurlTransport(ClusterCredentials credentials);
  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  Result<HttpResponse> Do(const HttpRequest& request) override;
  Result<int> Stream(const HttpRequest& request, const std::function<bool(std::string_view)>& on_data,
                     const std::atomic<bool>& cancel, std::string& error_body) override;

 private:
  struct Call;
  Result<int> Perform(const HttpRequest& request, Call& call);

  const ClusterCredentials credentials_;
};

}  // namespace kubenode::apiclient
