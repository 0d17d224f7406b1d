// Events to the API server, as client-go's record package (EventBroadcaster + EventCorrelator + sink):
// a tee. Every Event() is kept in memory as by MemoryEventRecorder (its base: the kubelet and the CLI read
// that one, and the Kubelet takes a MemoryEventRecorder) and, once a sender is attached, goes into a bounded
// queue that one thread turns into core/v1 Events:
//   - deduplication (eventLogger): the same object, type, reason, message and fieldPath again within the
//     window PATCHes the event it created (count, lastTimestamp) instead of POSTing a new one; an LRU of
//     recent keys;
//   - spam filter (EventSourceObjectSpamFilter): a token bucket per object (burst 25, one token per 5
//     minutes); excess events are dropped;
//   - transport failures and 5xx/429 are retried a few times with back-off, then the event is dropped.
// Event() never waits for the API server: a full queue drops its oldest event.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <list>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "apiclient/client.h"
#include "base/clock.h"
#include "kubelet/events/memory_event_recorder.h"

namespace kubenode::kubelet {

class ApiEventSink : public MemoryEventRecorder {
 public:
  // client-go's defaults (record.CorrelatorOptions, maxQueuedEvents, maxTriesPerEvent scaled down).
  struct Options {
    size_t memory_capacity = 1000;  // MemoryEventRecorder's
    size_t queue_capacity = 1000;
    size_t lru_size = 4096;
    std::chrono::seconds dedup_window = std::chrono::minutes(10);
    int spam_burst = 25;
    std::chrono::seconds spam_refill = std::chrono::minutes(5);  // one token per interval
    int max_attempts = 4;
    std::chrono::milliseconds retry_backoff = std::chrono::seconds(1);  // doubled per retry
  };

  ApiEventSink(const Clock& clock, Options options);
  explicit ApiEventSink(const Clock& clock) : ApiEventSink(clock, Options{}) {}
  ~ApiEventSink() override;

  void Event(const EventObject& object, EventType type, const std::string& reason,
             const std::string& message) override;

  // From now on events are also queued for `client` (source.host and reportingInstance = `node_name`).
  // Without it events are only kept in memory.
  void Attach(apiclient::ApiClient& client, std::string node_name);
  // The sender thread; Stop() joins it and discards what is still queued.
  void Start();
  void Stop();

  // Sends everything queued on the caller's thread (the sender's loop; tests without Start()).
  void SendPending();

  // Events dropped because the queue was full / by the spam filter (for logs and tests).
  uint64_t queue_dropped() const;
  uint64_t spam_dropped() const;

 private:
  struct Queued {
    EventObject object;
    EventType type;
    std::string reason;
    std::string message;
    std::chrono::steady_clock::time_point at;
    std::chrono::system_clock::time_point wall;
  };
  struct Observed {  // one LRU entry: the event the server has for a key
    std::string ns;
    std::string name;
    int32_t count = 0;
    std::string first_timestamp;
    std::chrono::steady_clock::time_point last_seen;
    std::list<std::string>::iterator lru_position;
  };
  struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point last;
    std::list<std::string>::iterator lru_position;
  };
  struct Answer {
    int code = 0;       // 0: no answer
    std::string error;  // for the log when not 2xx
  };

  void Send(const Queued& event);
  bool AllowedBySpamFilter(const Queued& event);
  std::string NewName(const std::string& object_name, std::chrono::system_clock::time_point wall);
  // POST or PATCH, retried on no answer, 5xx and 429.
  Answer Request(const std::string& method, const std::string& path, const nlohmann::json& body,
              const std::string& content_type);
  bool SleepUnlessStopped(std::chrono::milliseconds d);

  const Clock& clock_;
  const Options options_;

  mutable std::mutex mu_;  // the queue, the attachment and the counters
  std::condition_variable cv_;
  std::deque<Queued> queue_;
  apiclient::ApiClient* client_ = nullptr;
  std::string node_name_;
  bool stop_ = false;
  bool overflow_logged_ = false;
  uint64_t queue_dropped_ = 0;
  uint64_t spam_dropped_ = 0;
  std::thread thread_;

  // Sender state: touched only by the thread running SendPending().
  std::unordered_map<std::string, Observed> observed_;
  std::list<std::string> lru_;  // most recent first
  std::unordered_map<std::string, Bucket> buckets_;
  std::list<std::string> bucket_lru_;
  int64_t last_name_suffix_ = 0;
};

}  // namespace kubenode::kubelet
