// httpGet probes (upstream pkg/probe/http): one HTTP/1.1 GET, success for status 200..399.
//  - host: the action's host, else the pod IP; port: a number or a container port name; path "" → "/".
//  - headers: the action's, plus User-Agent "kube-probe/1.28" and Accept "*/*" unless given (an empty Accept
//    removes it); a Host header sets the request's Host.
//  - redirects to the same host are followed (at most 10); a redirect elsewhere is not followed and counts
//    as success with a warning ("Probe terminated redirects"), as upstream.
//  - the timeout covers connect, request and response, like Go's http.Client.Timeout.
//  - scheme HTTPS: TLS without certificate verification, as upstream (conn.h).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "api/pod.h"
#include "base/status.h"
#include "kubelet/prober/probe_outcome.h"

namespace kubenode::kubelet::prober {

inline constexpr char kProbeUserAgent[] = "kube-probe/1.28";
inline constexpr char kLifecycleUserAgent[] = "kube-lifecycle/1.28";  // httpGet lifecycle hooks
inline constexpr size_t kMaxResponseBody = 10 * 1024;  // upstream maxRespBodyLength

struct HttpProbeRequest {
  std::string scheme = "http";  // lower case
  std::string host;
  int port = 80;
  std::string target = "/";  // path and query, as in the request line
  std::string host_header;   // Host: from the action's headers; empty → host:port
  std::vector<api::HTTPHeader> headers;  // without Host

  std::string Url() const;  // "http://10.88.0.5:8080/healthz"
};

// Builds the request for `action` on a container of a pod with IP `pod_ip`. Errors: an unknown port name.
// Lifecycle hooks use the same request with their own User-Agent, as upstream's NewRequestForHTTPGetAction.
Result<HttpProbeRequest> NewHttpProbeRequest(const api::HTTPGetAction& action, const api::Container& container,
                                             const std::string& pod_ip,
                                             const char* default_user_agent = kProbeUserAgent);

// The request text sent on the wire.
std::string SerializeRequest(const HttpProbeRequest& request);

// Runs the probe. Failure outputs read like upstream's:
//   HTTP probe failed with statuscode: 500
//   Get "http://10.88.0.5:8080/": dial tcp 10.88.0.5:8080: connect: connection refused
//   Get "http://10.88.0.5:8080/": context deadline exceeded (Client.Timeout exceeded while awaiting headers)
Result<ProbeOutcome> HttpProbe(const HttpProbeRequest& request, std::chrono::milliseconds timeout);

}  // namespace kubenode::kubelet::prober
