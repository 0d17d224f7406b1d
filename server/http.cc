#include "server/http.h"

namespace kubenode::server {

namespace {
template <typename Map>
const std::string* First(const Map& map, std::string_view key) {
  auto it = map.find(std::string(key));
  return it == map.end() ? nullptr : &it->second;
}
}  // namespace

std::string Request::Query(std::string_view name) const {
  const std::string* value = First(query, name);
  return value ? *value : std::string();
}

bool Request::HasQuery(std::string_view name) const { return First(query, name) != nullptr; }

std::string Request::Header(std::string_view lower_case_name) const {
  const std::string* value = First(headers, lower_case_name);
  return value ? *value : std::string();
}

Response Response::Text(int status, std::string body) {
  Response response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

Response Response::Json(int status, std::string body) {
  Response response = Text(status, std::move(body));
  response.content_type = "application/json";
  return response;
}

void Router::Add(std::string method, std::string pattern, Handler handler) {
  routes_.push_back(Route{std::move(method), std::move(pattern), std::move(handler)});
}

const Handler* Router::Find(std::string_view method, std::string_view path, bool* path_known) const {
  const Route* best = nullptr;
  bool known = false;
  for (const Route& route : routes_) {
    bool prefix = !route.pattern.empty() && route.pattern.back() == '/';
    bool matches = prefix ? path.starts_with(route.pattern) : path == route.pattern;
    if (!matches) continue;
    known = true;
    if (route.method != "*" && route.method != method) continue;
    if (!best || route.pattern.size() > best->pattern.size()) best = &route;
  }
  if (path_known) *path_known = known;
  return best ? &best->handler : nullptr;
}

std::vector<std::string> PathSegments(std::string_view path, std::string_view prefix) {
  std::vector<std::string> segments;
  if (!path.starts_with(prefix)) return segments;
  path.remove_prefix(prefix.size());
  while (!path.empty()) {
    size_t slash = path.find('/');
    std::string_view segment = path.substr(0, slash);
    if (!segment.empty()) segments.emplace_back(segment);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

}  // namespace kubenode::server
