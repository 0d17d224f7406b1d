// LIST then WATCH one resource into a Store, as client-go's Reflector: the watch resumes from the last
// resourceVersion seen (bookmarks included), a 410 Gone or an expired version relists, and failures back
// off from 0.8 s to 30 s (doubling, reset after a watch that ran cleanly).
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>

#include "apiclient/client.h"
#include "apiclient/store.h"

namespace kubenode::apiclient {

struct ListWatchTarget {
  std::string collection;  // "/api/v1/pods", "/apis/discovery.k8s.io/v1/endpointslices"
  std::string selectors;   // "fieldSelector=spec.nodeName%3Dnode-1" (escaped), or ""
};

class Reflector {
 public:
  Reflector(ApiClient& client, ListWatchTarget target, Store& store);

  // Runs until `stop` becomes true (a watch in progress is cancelled within about a second).
  void Run(const std::atomic<bool>& stop);

  // One LIST into the store; the resourceVersion to watch from. Public for tests.
  Result<std::string> ListOnce();
  // One WATCH from `resource_version` until the server ends it or `stop`. Returns the version to resume
  // from, or an error; an expired version (410) is an error whose message starts with "expired".
  Result<std::string> WatchOnce(const std::string& resource_version, const std::atomic<bool>& stop);

  bool HasSynced() const { return synced_.load(); }
  std::string LastResourceVersion() const;

 private:
  ApiClient& client_;
  const ListWatchTarget target_;
  Store& store_;
  std::atomic<bool> synced_{false};
  mutable std::mutex mu_;
  std::string last_resource_version_;
};

}  // namespace kubenode::apiclient
