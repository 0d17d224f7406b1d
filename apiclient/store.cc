#include "apiclient/store.h"

#include <set>

namespace kubenode::apiclient {

std::string ObjectKey(const nlohmann::json& object) {
  const nlohmann::json& meta = object.contains("metadata") ? object["metadata"] : nlohmann::json::object();
  std::string name = meta.value("name", "");
  std::string ns = meta.value("namespace", "");
  return ns.empty() ? name : ns + "/" + name;
}

void Store::Replace(const std::vector<nlohmann::json>& items) {
  std::vector<nlohmann::json> added, deleted;
  std::vector<std::pair<nlohmann::json, nlohmann::json>> updated;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::map<std::string, nlohmann::json> next;
    for (const nlohmann::json& item : items) next[ObjectKey(item)] = item;
    for (auto& [key, object] : objects_) {
      auto it = next.find(key);
      if (it == next.end()) {
        deleted.push_back(object);
      } else if (it->second != object) {
        updated.emplace_back(object, it->second);
      }
    }
    for (const auto& [key, object] : next) {
      if (!objects_.count(key)) added.push_back(object);
    }
    objects_ = std::move(next);
  }
  // Handlers run outside the lock: they may read the store.
  for (const auto& o : deleted) {
    if (handlers_.on_delete) handlers_.on_delete(o);
  }
  for (const auto& [o, n] : updated) {
    if (handlers_.on_update) handlers_.on_update(o, n);
  }
  for (const auto& o : added) {
    if (handlers_.on_add) handlers_.on_add(o);
  }
}

void Store::Add(const nlohmann::json& object) {
  std::optional<nlohmann::json> old;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto [it, inserted] = objects_.try_emplace(ObjectKey(object), object);
    if (!inserted) {
      old = std::move(it->second);
      it->second = object;
    }
  }
  if (old) {
    if (handlers_.on_update) handlers_.on_update(*old, object);
  } else if (handlers_.on_add) {
    handlers_.on_add(object);
  }
}

void Store::Delete(const nlohmann::json& object) {
  bool found = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    found = objects_.erase(ObjectKey(object)) > 0;
  }
  if (found && handlers_.on_delete) handlers_.on_delete(object);
}

std::optional<nlohmann::json> Store::Get(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return std::nullopt;
  return it->second;
}

std::vector<nlohmann::json> Store::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<nlohmann::json> out;
  out.reserve(objects_.size());
  for (const auto& [key, object] : objects_) out.push_back(object);
  return out;
}

size_t Store::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return objects_.size();
}

}  // namespace kubenode::apiclient
