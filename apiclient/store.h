// An informer's local cache: the objects of one resource as last seen, keyed "namespace/name", with
// handlers called on each change (client-go's cache.Store + ResourceEventHandler). Objects stay JSON here;
// users decode what they need (api::DecodePod with strict = false).
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kubenode::apiclient {

struct EventHandlers {
  std::function<void(const nlohmann::json& object)> on_add;
  std::function<void(const nlohmann::json& old_object, const nlohmann::json& new_object)> on_update;
  std::function<void(const nlohmann::json& object)> on_delete;
};

// "namespace/name", or "name" for cluster-scoped objects.
std::string ObjectKey(const nlohmann::json& object);

class Store {
 public:
  explicit Store(EventHandlers handlers = {}) : handlers_(std::move(handlers)) {}

  // A full LIST: objects gone from `items` are deleted, new ones added, changed ones updated.
  void Replace(const std::vector<nlohmann::json>& items);
  void Add(const nlohmann::json& object);     // ADDED, or MODIFIED
  void Delete(const nlohmann::json& object);  // DELETED

  std::optional<nlohmann::json> Get(const std::string& key) const;
  std::vector<nlohmann::json> List() const;
  size_t size() const;

 private:
  const EventHandlers handlers_;
  mutable std::mutex mu_;
  std::map<std::string, nlohmann::json> objects_;
};

}  // namespace kubenode::apiclient
