#include "proxy/endpoint_slice_sync.h"

#include <algorithm>

namespace kubenode::proxy {

namespace {

std::string Key(const api::ObjectMeta& meta) { return meta.ns + "/" + meta.name; }

std::string PodKey(const api::Pod& pod) { return Key(pod.metadata) + "/" + pod.metadata.uid; }

std::string LabelKey(const std::string& ns, const std::string& key, const std::string& value) {
  std::string out;
  out.reserve(ns.size() + key.size() + value.size() + 2);
  out.append(ns).push_back('\0');
  out.append(key).push_back('\0');
  out.append(value);
  return out;
}

// FNV-1a over every field of a slice, with separators, so that equal fingerprints mean equal slices (to
// 64-bit collision odds) without keeping a second copy of each slice.
class Fingerprinter {
 public:
  void Add(std::string_view text) {
    for (unsigned char c : text) Byte(c);
    Byte(0xff);
  }
  void Add(int64_t value) {
    for (int i = 0; i < 8; ++i) Byte(static_cast<unsigned char>(value >> (8 * i)));
  }
  uint64_t hash() const { return hash_; }

 private:
  void Byte(unsigned char c) {
    hash_ ^= c;
    hash_ *= 1099511628211ull;
  }
  uint64_t hash_ = 14695981039346656037ull;
};

uint64_t Fingerprint(const api::EndpointSlice& slice) {
  Fingerprinter f;
  f.Add(slice.metadata.ns);
  f.Add(slice.metadata.name);
  f.Add(static_cast<int64_t>(slice.metadata.labels.size()));
  for (const auto& [key, value] : slice.metadata.labels) {
    f.Add(key);
    f.Add(value);
  }
  f.Add(static_cast<int64_t>(slice.ports.size()));
  for (const api::EndpointPort& port : slice.ports) {
    f.Add(port.name);
    f.Add(static_cast<int64_t>(port.protocol));
    f.Add(port.port);
  }
  f.Add(static_cast<int64_t>(slice.endpoints.size()));
  for (const api::Endpoint& endpoint : slice.endpoints) {
    f.Add(static_cast<int64_t>(endpoint.addresses.size()));
    for (const std::string& address : endpoint.addresses) f.Add(address);
    f.Add((endpoint.conditions.ready ? 1 : 0) | (endpoint.conditions.serving ? 2 : 0) |
          (endpoint.conditions.terminating ? 4 : 0));
    f.Add(endpoint.node_name);
    f.Add(endpoint.target_pod);
  }
  return f.hash();
}

// What identifies a published slice to a handler: its namespace, name and Service.
api::EndpointSlice Identity(const std::string& service_key, const std::string& name) {
  api::EndpointSlice slice;
  const auto slash = service_key.find('/');
  slice.metadata.ns = service_key.substr(0, slash);
  slice.metadata.name = name;
  slice.metadata.labels[api::kServiceNameLabel] = service_key.substr(slash + 1);
  return slice;
}

bool SamePod(const PodWithStatus& a, const PodWithStatus& b) { return a.pod == b.pod && a.status == b.status; }

}  // namespace

void EndpointSliceSync::OnServiceAdd(const api::Service& service) {
  OnServiceAddShared(std::make_shared<const api::Service>(service));
}

void EndpointSliceSync::OnServiceUpdate(const api::Service& old_service, const api::Service& service) {
  OnServiceUpdateShared(old_service, std::make_shared<const api::Service>(service));
}

void EndpointSliceSync::OnServiceAddShared(std::shared_ptr<const api::Service> service) {
  std::lock_guard lock(mu_);
  auto kept = UpsertLocked(std::move(service));
  if (next_) next_->AddService(std::move(kept));
}

void EndpointSliceSync::OnServiceUpdateShared(const api::Service& old_service,
                                              std::shared_ptr<const api::Service> service) {
  std::lock_guard lock(mu_);
  if (Key(old_service.metadata) != Key(service->metadata)) {
    if (next_) next_->OnServiceDelete(old_service);
    RemoveLocked(Key(old_service.metadata));
  }
  auto kept = UpsertLocked(std::move(service));
  if (next_) next_->AddService(std::move(kept));
}

void EndpointSliceSync::OnServiceDelete(const api::Service& service) {
  std::lock_guard lock(mu_);
  if (next_) next_->OnServiceDelete(service);
  RemoveLocked(Key(service.metadata));
}

void EndpointSliceSync::OnServicesSynced() {
  if (next_) next_->OnServicesSynced();
}

std::shared_ptr<const api::Service> EndpointSliceSync::UpsertLocked(std::shared_ptr<const api::Service> kept) {
  const api::Service& service = *kept;
  const std::string key = Key(service.metadata);
  auto found = services_.find(key);
  if (found != services_.end()) {
    if (*found->second == service) return found->second;
    UnindexLocked(key);  // recomputed below: an edit is an update of its slices, not a delete and an add
  }
  services_.emplace(key, kept);
  // One pair of the selector is enough: a pod the selector matches carries every pair.
  if (!service.spec.selector.empty()) {
    const auto& [label, value] = *service.spec.selector.begin();
    services_by_label_[LabelKey(service.metadata.ns, label, value)].insert(key);
  }
  if (active_) RecomputeLocked(key);
  return kept;
}

void EndpointSliceSync::RemoveLocked(const std::string& key) {
  UnindexLocked(key);
  if (active_) RecomputeLocked(key);
}

void EndpointSliceSync::UnindexLocked(const std::string& key) {
  auto found = services_.find(key);
  if (found == services_.end()) return;
  const api::Service& service = *found->second;
  if (!service.spec.selector.empty()) {
    const auto& [label, value] = *service.spec.selector.begin();
    auto index = services_by_label_.find(LabelKey(service.metadata.ns, label, value));
    if (index != services_by_label_.end()) {
      index->second.erase(key);
      if (index->second.empty()) services_by_label_.erase(index);
    }
  }
  services_.erase(found);
}

void EndpointSliceSync::RecomputeLocked(const std::string& key) {
  std::vector<api::EndpointSlice> slices;
  if (auto found = services_.find(key); found != services_.end()) {
    ++builds_;
    const api::Service& service = *found->second;
    std::vector<const PodWithStatus*> candidates;
    if (!service.spec.selector.empty()) {
      const auto& [label, value] = *service.spec.selector.begin();
      if (auto index = pods_by_label_.find(LabelKey(service.metadata.ns, label, value)); index != pods_by_label_.end()) {
        for (const std::string& pod_key : index->second) candidates.push_back(&pods_.at(pod_key));
      }
    }
    slices = BuildEndpointSlicesFrom(service, candidates, options_);
  }

  auto entry = published_.find(key);
  std::vector<Published> before = entry != published_.end() ? std::move(entry->second) : std::vector<Published>{};
  std::vector<Published> after;
  after.reserve(slices.size());
  for (const api::EndpointSlice& slice : slices) after.push_back({slice.metadata.name, Fingerprint(slice)});
  // Both lists are sorted by name (BuildEndpointSlices sorts its slices).
  auto old = before.begin();
  for (size_t i = 0; i < slices.size(); ++i) {
    while (old != before.end() && old->name < after[i].name) {
      handler_->OnEndpointSliceDelete(Identity(key, old->name));
      ++old;
    }
    if (old != before.end() && old->name == after[i].name) {
      if (old->fingerprint != after[i].fingerprint) handler_->OnEndpointSliceUpdate(Identity(key, old->name), slices[i]);
      ++old;
    } else {
      handler_->OnEndpointSliceAdd(slices[i]);
    }
  }
  for (; old != before.end(); ++old) handler_->OnEndpointSliceDelete(Identity(key, old->name));

  if (after.empty()) {
    if (entry != published_.end()) published_.erase(entry);
  } else if (entry != published_.end()) {
    entry->second = std::move(after);
  } else {
    published_.emplace(key, std::move(after));
  }
}

void EndpointSliceSync::MatchingServicesLocked(const PodWithStatus& pod, std::set<std::string>& keys) const {
  const api::ObjectMeta& meta = pod.pod.metadata;
  for (const auto& [label, value] : meta.labels) {
    auto index = services_by_label_.find(LabelKey(meta.ns, label, value));
    if (index == services_by_label_.end()) continue;
    for (const std::string& key : index->second) {
      if (SelectorMatches(services_.at(key)->spec.selector, meta.labels)) keys.insert(key);
    }
  }
}

void EndpointSliceSync::IndexPodLocked(const std::string& key, const PodWithStatus& pod, bool add) {
  const api::ObjectMeta& meta = pod.pod.metadata;
  for (const auto& [label, value] : meta.labels) {
    const std::string label_key = LabelKey(meta.ns, label, value);
    if (add) {
      pods_by_label_[label_key].insert(key);
      continue;
    }
    auto index = pods_by_label_.find(label_key);
    if (index == pods_by_label_.end()) continue;
    index->second.erase(key);
    if (index->second.empty()) pods_by_label_.erase(index);
  }
}

void EndpointSliceSync::SetPods(const std::vector<PodWithStatus>& pods) {
  std::lock_guard lock(mu_);
  std::set<std::string> affected;
  std::set<std::string> listed;
  for (const PodWithStatus& pod : pods) {
    std::string key = PodKey(pod.pod);
    listed.insert(key);
    auto found = pods_.find(key);
    if (found != pods_.end() && SamePod(found->second, pod)) continue;
    if (found != pods_.end()) {
      MatchingServicesLocked(found->second, affected);
      IndexPodLocked(key, found->second, false);
      found->second = pod;
    } else {
      found = pods_.emplace(key, pod).first;
    }
    IndexPodLocked(key, found->second, true);
    MatchingServicesLocked(found->second, affected);
  }
  for (auto it = pods_.begin(); it != pods_.end();) {
    if (listed.contains(it->first)) {
      ++it;
      continue;
    }
    MatchingServicesLocked(it->second, affected);
    IndexPodLocked(it->first, it->second, false);
    it = pods_.erase(it);
  }

  if (!active_) {
    active_ = true;
    for (const auto& [key, service] : services_) RecomputeLocked(key);
    handler_->OnEndpointSlicesSynced();
    return;
  }
  for (const std::string& key : affected) RecomputeLocked(key);
}

void EndpointSliceSync::Sync(const std::vector<api::Service>& services, const std::vector<PodWithStatus>& pods) {
  {
    std::lock_guard lock(mu_);
    std::set<std::string> wanted;
    for (const api::Service& service : services) wanted.insert(Key(service.metadata));
    std::vector<std::string> gone;
    for (const auto& [key, service] : services_) {
      if (!wanted.contains(key)) gone.push_back(key);
    }
    for (const std::string& key : gone) RemoveLocked(key);
    for (const api::Service& service : services) UpsertLocked(std::make_shared<const api::Service>(service));
  }
  SetPods(pods);
}

uint64_t EndpointSliceSync::builds() const {
  std::lock_guard lock(mu_);
  return builds_;
}

std::vector<std::string> EndpointSliceSync::SliceNames(const std::string& ns, const std::string& name) const {
  std::lock_guard lock(mu_);
  std::vector<std::string> names;
  auto found = published_.find(ns + "/" + name);
  if (found == published_.end()) return names;
  for (const Published& slice : found->second) names.push_back(slice.name);
  return names;
}

}  // namespace kubenode::proxy
