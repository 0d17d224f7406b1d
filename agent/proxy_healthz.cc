#include "agent/proxy_healthz.h"

#include <ctime>
#include <string>

namespace kubenode::agent {

std::string GoTimeString(std::chrono::system_clock::time_point t) {
  const auto since_epoch = t.time_since_epoch();
  const auto seconds = std::chrono::floor<std::chrono::seconds>(since_epoch);
  const long long nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch - seconds).count();
  const std::time_t whole = seconds.count();
  std::tm utc{};
  gmtime_r(&whole, &utc);
  char date[32];
  std::strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &utc);
  std::string out = date;
  if (nanos != 0) {
    std::string fraction = std::to_string(nanos);
    fraction.insert(0, 9 - fraction.size(), '0');
    while (fraction.back() == '0') fraction.pop_back();
    out += "." + fraction;
  }
  return out + " +0000 UTC";
}

server::Response ProxyHealthzResponse(const Status& health,
                                      std::optional<std::chrono::system_clock::time_point> last_updated,
                                      std::chrono::system_clock::time_point now) {
  server::Response response = server::Response::Json(
      health.ok() ? 200 : 503, "{\"lastUpdated\": \"" + GoTimeString(last_updated.value_or(now)) +
                                   "\",\"currentTime\": \"" + GoTimeString(now) + "\"}");
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return response;
}

}  // namespace kubenode::agent
