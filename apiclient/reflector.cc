#include "apiclient/reflector.h"

#include <random>
#include <thread>

#include "base/log.h"
#include "base/stoppable_sleep.h"

namespace kubenode::apiclient {
namespace {

constexpr auto kInitialBackoff = std::chrono::milliseconds(800);
constexpr auto kMaxBackoff = std::chrono::seconds(30);

std::string Join(const std::string& collection, const std::string& query) {
  return collection + (query.empty() ? "" : "?" + query);
}

}  // namespace

Reflector::Reflector(ApiClient& client, ListWatchTarget target, Store& store)
    : client_(client), target_(std::move(target)), store_(store) {}

std::string Reflector::LastResourceVersion() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_resource_version_;
}

Result<std::string> Reflector::ListOnce() {
  Result<nlohmann::json> list = client_.Get(Join(target_.collection, target_.selectors));
  if (!list.ok()) return list.status();
  if (!list->is_object() || !(*list)["items"].is_array()) {
    return Status::Error("GET " + target_.collection + ": the answer is not a list");
  }
  std::vector<nlohmann::json> items;
  for (auto& item : (*list)["items"]) items.push_back(std::move(item));
  store_.Replace(items);
  std::string rv = (*list)["metadata"].value("resourceVersion", "");
  {
    std::lock_guard<std::mutex> lock(mu_);
    last_resource_version_ = rv;
  }
  synced_ = true;
  return rv;
}

Result<std::string> Reflector::WatchOnce(const std::string& resource_version, const std::atomic<bool>& stop) {
  // Server-side timeout spread over 5-10 minutes, as client-go, so that watches of many nodes do not expire together.
  static thread_local std::mt19937 random(std::random_device{}());
  const int timeout_seconds = 300 + static_cast<int>(random() % 301);
  std::string query = target_.selectors;
  query += std::string(query.empty() ? "" : "&") + "watch=true&allowWatchBookmarks=true&resourceVersion=" +
           resource_version + "&timeoutSeconds=" + std::to_string(timeout_seconds);
  HttpRequest request;
  request.path = Join(target_.collection, query);
  request.timeout = std::chrono::seconds(timeout_seconds + 30);
  std::string rv = resource_version;
  std::string buffer;
  std::optional<Status> failure;
  auto on_data = [&](std::string_view chunk) {
    buffer.append(chunk);
    size_t newline;
    while ((newline = buffer.find('\n')) != std::string::npos) {
      std::string line = buffer.substr(0, newline);
      buffer.erase(0, newline + 1);
      if (line.empty()) continue;
      nlohmann::json event = nlohmann::json::parse(line, nullptr, false);
      if (event.is_discarded() || !event.is_object()) {
        failure = Status::Error("WATCH " + target_.collection + ": undecodable event");
        return false;
      }
      const std::string type = event.value("type", "");
      const nlohmann::json& object = event["object"];
      if (type == "ERROR") {
        const int code = object.value("code", 0);
        failure = Status::Error((code == 410 ? "expired: " : "") + std::string("WATCH ") + target_.collection + ": " +
                                std::to_string(code) + ": " + object.value("message", ""));
        return false;
      }
      if (object.is_object() && object.contains("metadata")) {
        rv = object["metadata"].value("resourceVersion", rv);
      }
      if (type == "ADDED" || type == "MODIFIED") {
        store_.Add(object);
      } else if (type == "DELETED") {
        store_.Delete(object);
      }  // BOOKMARK: only the version moves
      std::lock_guard<std::mutex> lock(mu_);
      last_resource_version_ = rv;
    }
    return true;
  };
  std::string error_body;
  client_.limiter().Wait();
  Result<int> status = client_.transport().Stream(request, on_data, stop, error_body);
  if (failure) return *failure;
  if (!status.ok()) return status.status();
  if (*status < 200 || *status >= 300) {
    ApiResponse response{*status, nlohmann::json::parse(error_body, nullptr, false)};
    if (response.body.is_discarded()) response.body = nullptr;
    return Status::Error((*status == 410 ? "expired: " : "") + DescribeFailure("WATCH", request.path, response));
  }
  return rv;
}

void Reflector::Run(const std::atomic<bool>& stop) {
  auto log = Logger("apiclient");
  auto backoff = std::chrono::duration_cast<std::chrono::milliseconds>(kInitialBackoff);
  std::string rv;
  bool need_list = true;
  while (!stop.load()) {
    if (need_list) {
      Result<std::string> listed = ListOnce();
      if (!listed.ok()) {
        log->warn("list {} failed, retrying in {} ms: {}", target_.collection, backoff.count(), listed.status().message());
        SleepUnlessStopped(backoff, stop);
        backoff = std::min<std::chrono::milliseconds>(backoff * 2, kMaxBackoff);
        continue;
      }
      rv = *listed;
      need_list = false;
    }
    Result<std::string> watched = WatchOnce(rv, stop);
    if (watched.ok()) {
      rv = *watched;
      backoff = kInitialBackoff;
      continue;  // the server's timeout ended it: watch again from where it stopped
    }
    if (stop.load()) break;
    const std::string& message = watched.status().message();
    if (message.rfind("expired", 0) == 0) {
      log->info("watch of {} expired at resourceVersion {}: relisting", target_.collection, rv);
      need_list = true;
      continue;
    }
    log->warn("watch of {} failed, retrying in {} ms: {}", target_.collection, backoff.count(), message);
    SleepUnlessStopped(backoff, stop);
    backoff = std::min<std::chrono::milliseconds>(backoff * 2, kMaxBackoff);
  }
}

}  // namespace kubenode::apiclient
