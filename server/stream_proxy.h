// Proxies an upgraded exec / attach / portForward request to the container runtime's streaming server, as
// upstream's proxyStream (apimachinery's UpgradeAwareHandler): the request goes to the URL CRI returned and
// from then on the node only splices bytes. SPDY or WebSocket framing, resize and exit codes stay end-to-end
// between the client (kubectl via the apiserver) and the runtime.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "server/http.h"

namespace kubenode::server {

struct StreamProxyOptions {
  // The streaming server is local (containerd on 127.0.0.1); a connect that takes longer is a stuck runtime.
  std::chrono::milliseconds connect_timeout{10'000};
  // Once one direction has ended, how long the other may stay silent before the session is torn down, so
  // that a peer which never closes its half does not hold a thread forever. Traffic resets the wait.
  std::chrono::milliseconds half_closed_idle{60'000};
};

// "http://127.0.0.1:40123/exec/Tok?x=1" -> host "127.0.0.1", port 40123, target "/exec/Tok?x=1".
struct BackendUrl {
  std::string host;  // without IPv6 brackets
  uint16_t port = 80;
  std::string target;  // path and query, "/" at least
};
// Only plain HTTP: containerd's streaming server listens on loopback without TLS unless configured otherwise.
Result<BackendUrl> ParseBackendUrl(std::string_view url);

// The client's request as the backend gets it: same method and headers, the backend's path and query, Host
// rewritten, credentials meant for the node dropped, and a body the server already read appended.
std::string ForwardedRequest(const Request& request, const BackendUrl& backend);

// Connects to `backend_url` and, once connected, takes the exchange's connection over and splices it with
// the backend until both directions ended (each end's EOF is passed on as a half-close) or either side
// failed. Answers 502 without taking the connection over when the backend cannot be reached. Returns when
// the session is over.
void ProxyStream(Exchange& exchange, std::string_view backend_url, const StreamProxyOptions& options = {});

// The splice itself, exposed for tests: copies bytes between `client` and the connected socket `backend_fd`
// in both directions. Does not close `backend_fd`.
Status Splice(ByteStream& client, int backend_fd, const StreamProxyOptions& options);

}  // namespace kubenode::server
