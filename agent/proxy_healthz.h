// kube-proxy's /healthz (healthzBindAddress, default 0.0.0.0:10256): 200 while the proxy's syncs keep up,
// 503 once a due sync is overdue, with upstream's body (pkg/proxy/healthcheck: `{"lastUpdated": "...",
// "currentTime": "..."}`, times as Go prints a time.Time, without the monotonic reading). Load balancers
// and node problem detectors probe it.
#pragma once

#include <chrono>
#include <optional>

#include "base/status.h"
#include "server/http.h"

namespace kubenode::agent {

// `health` is ProxyRunner::Health; `last_updated` its last successful sync (none yet: the current time, as
// upstream reports a proxy that has not synced since it started).
server::Response ProxyHealthzResponse(const Status& health,
                                      std::optional<std::chrono::system_clock::time_point> last_updated,
                                      std::chrono::system_clock::time_point now);

// Go's time.Time.String() in UTC without the monotonic part: "2026-12-08 02:55:01.123456789 +0000 UTC"
// (trailing zeros of the fraction dropped, as Go's "999999999" layout does).
std::string GoTimeString(std::chrono::system_clock::time_point t);

}  // namespace kubenode::agent
