#include "kubelet/events/api_event_sink.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "api/rfc3339.h"
#include "base/log.h"

namespace kubenode::kubelet {
namespace {

using nlohmann::json;

std::string TypeName(EventType type) { return type == EventType::kWarning ? "Warning" : "Normal"; }

// Cluster-scoped objects (the Node) have their events in "default", as client-go's makeEvent.
std::string EventNamespace(const EventObject& object) { return object.ns.empty() ? "default" : object.ns; }

// Moves `key` to the front of `lru` (inserting it when `position` is the end).
void MoveToFront(std::list<std::string>& lru, std::list<std::string>::iterator& position, const std::string& key) {
  if (position != lru.end()) lru.erase(position);
  lru.push_front(key);
  position = lru.begin();
}

}  // namespace

ApiEventSink::ApiEventSink(const Clock& clock, Options options)
    : MemoryEventRecorder(clock, options.memory_capacity), clock_(clock), options_(options) {}

ApiEventSink::~ApiEventSink() { Stop(); }

void ApiEventSink::Event(const EventObject& object, EventType type, const std::string& reason,
                         const std::string& message) {
  MemoryEventRecorder::Event(object, type, reason, message);
  Queued queued{object, type, reason, message, clock_.Now(), clock_.WallNow()};
  std::lock_guard<std::mutex> lock(mu_);
  if (client_ == nullptr) return;
  if (queue_.size() >= options_.queue_capacity) {
    // The API server is slow or gone: the newest events matter more. One line per overflow episode.
    queue_.pop_front();
    ++queue_dropped_;
    if (!overflow_logged_) {
      Logger("kubelet")->warn("event queue full ({} events): dropping the oldest events", options_.queue_capacity);
      overflow_logged_ = true;
    }
  }
  queue_.push_back(std::move(queued));
  cv_.notify_one();
}

void ApiEventSink::Attach(apiclient::ApiClient& client, std::string node_name) {
  std::lock_guard<std::mutex> lock(mu_);
  client_ = &client;
  node_name_ = std::move(node_name);
}

void ApiEventSink::Start() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = false;
  }
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
      cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (stop_) break;
      lock.unlock();
      try {
        SendPending();
      } catch (const std::exception& e) {
        Logger("kubelet")->error("sending events: {}", e.what());
      }
      lock.lock();
    }
  });
}

void ApiEventSink::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
  std::lock_guard<std::mutex> lock(mu_);
  queue_.clear();
}

uint64_t ApiEventSink::queue_dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_dropped_;
}

uint64_t ApiEventSink::spam_dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return spam_dropped_;
}

void ApiEventSink::SendPending() {
  while (true) {
    Queued next;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_ || queue_.empty() || client_ == nullptr) {
        overflow_logged_ = false;
        return;
      }
      next = std::move(queue_.front());
      queue_.pop_front();
    }
    Send(next);
  }
}

bool ApiEventSink::AllowedBySpamFilter(const Queued& event) {
  const std::string key = event.object.kind + '\x1f' + event.object.ns + '\x1f' + event.object.name + '\x1f' +
                          event.object.uid;
  auto [it, inserted] = buckets_.try_emplace(key);
  Bucket& bucket = it->second;
  if (inserted) {
    bucket.tokens = options_.spam_burst;
    bucket.last = event.at;
    bucket.lru_position = bucket_lru_.end();
  }
  MoveToFront(bucket_lru_, bucket.lru_position, key);
  const double elapsed = std::chrono::duration<double>(event.at - bucket.last).count();
  if (elapsed > 0) {
    bucket.tokens = std::min<double>(options_.spam_burst, bucket.tokens + elapsed / options_.spam_refill.count());
    bucket.last = event.at;
  }
  const bool allowed = bucket.tokens >= 1;
  if (allowed) bucket.tokens -= 1;
  if (buckets_.size() > options_.lru_size) {
    buckets_.erase(bucket_lru_.back());
    bucket_lru_.pop_back();
  }
  return allowed;
}

std::string ApiEventSink::NewName(const std::string& object_name, std::chrono::system_clock::time_point wall) {
  // As client-go: the object's name and the time in hex nanoseconds, kept unique when the clock repeats.
  int64_t suffix = std::chrono::duration_cast<std::chrono::nanoseconds>(wall.time_since_epoch()).count();
  suffix = std::max(suffix, last_name_suffix_ + 1);
  last_name_suffix_ = suffix;
  char hex[24];
  std::snprintf(hex, sizeof(hex), "%016" PRIx64, static_cast<uint64_t>(suffix));
  return object_name + "." + hex;
}

void ApiEventSink::Send(const Queued& event) {
  std::string node_name;
  {
    std::lock_guard<std::mutex> lock(mu_);
    node_name = node_name_;
  }
  // Deduplication first, then the spam filter, as EventCorrelate: a dropped repeat still counts.
  const EventObject& o = event.object;
  const std::string key = o.kind + '\x1f' + o.ns + '\x1f' + o.name + '\x1f' + o.uid + '\x1f' + o.field_path + '\x1f' +
                          TypeName(event.type) + '\x1f' + event.reason + '\x1f' + event.message;
  const std::string timestamp = api::FormatRFC3339(event.wall);
  auto found = observed_.find(key);
  const bool repeat = found != observed_.end() && event.at - found->second.last_seen < options_.dedup_window;
  if (!repeat) {
    if (found == observed_.end()) {
      found = observed_.emplace(key, Observed{}).first;
      found->second.lru_position = lru_.end();
    }
    Observed& fresh = found->second;
    fresh.ns = EventNamespace(o);
    fresh.name = NewName(o.name, event.wall);
    fresh.count = 0;
    fresh.first_timestamp = timestamp;
  }
  Observed& entry = found->second;
  entry.count += 1;
  entry.last_seen = event.at;
  MoveToFront(lru_, entry.lru_position, key);
  const Observed snapshot = entry;  // the eviction below may remove `entry`
  if (observed_.size() > options_.lru_size) {
    observed_.erase(lru_.back());
    lru_.pop_back();
  }

  if (!AllowedBySpamFilter(event)) {
    uint64_t dropped;
    {
      std::lock_guard<std::mutex> lock(mu_);
      dropped = ++spam_dropped_;
    }
    Logger("kubelet")->debug("event {} for {}/{} dropped by the spam filter ({} so far)", event.reason, o.ns, o.name,
                             dropped);
    return;
  }

  const std::string collection = "/api/v1/namespaces/" + snapshot.ns + "/events";
  if (repeat) {
    const json patch = {{"count", snapshot.count}, {"lastTimestamp", timestamp}};
    Answer answer = Request("PATCH", collection + "/" + snapshot.name, patch, apiclient::kStrategicMergePatch);
    if (answer.code >= 200 && answer.code < 300) return;
    if (answer.code != 404) {
      Logger("kubelet")->warn("event {} for {}/{} not updated: {}", event.reason, o.ns, o.name, answer.error);
      return;
    }
    // The event expired on the server (its TTL is an hour): create it again with the count so far.
  }
  json involved = {{"kind", o.kind}, {"name", o.name}, {"uid", o.uid}, {"apiVersion", "v1"}};
  if (!o.ns.empty()) involved["namespace"] = o.ns;
  if (!o.field_path.empty()) involved["fieldPath"] = o.field_path;
  const json body = {{"apiVersion", "v1"},
                     {"kind", "Event"},
                     {"metadata", {{"name", snapshot.name}, {"namespace", snapshot.ns}}},
                     {"involvedObject", involved},
                     {"reason", event.reason},
                     {"message", event.message},
                     {"type", TypeName(event.type)},
                     {"source", {{"component", "kubelet"}, {"host", node_name}}},
                     {"firstTimestamp", snapshot.first_timestamp},
                     {"lastTimestamp", timestamp},
                     {"count", snapshot.count},
                     {"reportingComponent", "kubelet"},
                     {"reportingInstance", node_name}};
  Answer answer = Request("POST", collection, body, "application/json");
  if (answer.code >= 200 && answer.code < 300) return;
  if (answer.code == 409) {
    Logger("kubelet")->debug("event {} already exists", snapshot.name);
    return;
  }
  Logger("kubelet")->warn("event {} for {}/{} not sent: {}", event.reason, o.ns, o.name, answer.error);
}

ApiEventSink::Answer ApiEventSink::Request(const std::string& method, const std::string& path, const json& body,
                                           const std::string& content_type) {
  apiclient::ApiClient* client;
  {
    std::lock_guard<std::mutex> lock(mu_);
    client = client_;
  }
  Answer answer;
  auto backoff = options_.retry_backoff;
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    auto response = client->Call(method, path, &body, content_type);
    if (response.ok()) {
      answer.code = response->code;
      if (response->ok()) return answer;
      answer.error = apiclient::DescribeFailure(method, path, *response);
      // Only the server's trouble is worth another try; a refused event stays refused.
      if (answer.code < 500 && answer.code != 429) return answer;
    } else {
      answer.code = 0;
      answer.error = response.status().message();
    }
    if (attempt == options_.max_attempts || !SleepUnlessStopped(backoff)) break;
    backoff *= 2;
  }
  return answer;
}

bool ApiEventSink::SleepUnlessStopped(std::chrono::milliseconds d) {
  std::unique_lock<std::mutex> lock(mu_);
  return !cv_.wait_for(lock, d, [this] { return stop_; });
}

}  // namespace kubenode::kubelet
