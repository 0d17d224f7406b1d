#include "agent/api_proxy_source.h"

#include <yaml-cpp/yaml.h>

#include "api/decode.h"
#include "api/defaults.h"
#include "base/log.h"

namespace kubenode::agent {
namespace {

// kube-proxy's selectors: Services another proxy implements, and headless Services, are not ours.
constexpr char kServiceSelector[] =
    "labelSelector=%21service.kubernetes.io%2Fservice-proxy-name%2C%21service.kubernetes.io%2Fheadless";

template <typename T, typename Decode>
std::optional<T> DecodeObject(const nlohmann::json& object, Decode decode) {
  try {
    YAML::Node node = YAML::Load(object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    api::Decoded<T> decoded = decode(node, api::DecodeOptions{.strict = false, .validate = false});
    if (!decoded.errors.empty()) {
      Logger("proxy")->warn("ignoring {}: {}", apiclient::ObjectKey(object), decoded.errors[0].ToString());
      return std::nullopt;
    }
    return std::move(decoded.object);
  } catch (const std::exception& e) {
    Logger("proxy")->warn("ignoring {}: {}", apiclient::ObjectKey(object), e.what());
    return std::nullopt;
  }
}

}  // namespace

ApiProxySource::ApiProxySource(apiclient::ApiClient& client, proxy::ServiceHandler& services,
                               proxy::EndpointSliceHandler& slices)
    : service_handler_(services),
      slice_handler_(slices),
      service_store_(apiclient::EventHandlers{
          [this](const nlohmann::json& o) { OnService(o, false); },
          [this](const nlohmann::json&, const nlohmann::json& n) { OnService(n, false); },
          [this](const nlohmann::json& o) { OnService(o, true); }}),
      slice_store_(apiclient::EventHandlers{
          [this](const nlohmann::json& o) { OnSlice(o, false); },
          [this](const nlohmann::json&, const nlohmann::json& n) { OnSlice(n, false); },
          [this](const nlohmann::json& o) { OnSlice(o, true); }}),
      service_reflector_(client, {"/api/v1/services", kServiceSelector}, service_store_),
      slice_reflector_(client, {"/apis/discovery.k8s.io/v1/endpointslices", kServiceSelector}, slice_store_) {}

ApiProxySource::~ApiProxySource() { Stop(); }

void ApiProxySource::OnService(const nlohmann::json& object, bool deleted) {
  const std::string key = apiclient::ObjectKey(object);
  std::optional<api::Service> service;
  if (!deleted) {
    service = DecodeObject<api::Service>(object, [](const YAML::Node& n, const api::DecodeOptions& o) {
      return api::DecodeService(n, o);
    });
    // Headless Services have no ClusterIP to program; types the proxy does not model were refused above.
    if (service && (service->spec.cluster_ip.empty() || service->spec.cluster_ip == "None")) service.reset();
    if (service) api::ApplyDefaults(*service, api::FieldLines());
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = services_.find(key);
  if (service && it != services_.end()) {
    service_handler_.OnServiceUpdate(it->second, *service);
    it->second = std::move(*service);
  } else if (service) {
    service_handler_.OnServiceAdd(*service);
    services_.emplace(key, std::move(*service));
  } else if (it != services_.end()) {
    service_handler_.OnServiceDelete(it->second);
    services_.erase(it);
  }
}

void ApiProxySource::OnSlice(const nlohmann::json& object, bool deleted) {
  const std::string key = apiclient::ObjectKey(object);
  std::optional<api::EndpointSlice> slice;
  if (!deleted) {
    slice = DecodeObject<api::EndpointSlice>(object, [](const YAML::Node& n, const api::DecodeOptions& o) {
      return api::DecodeEndpointSlice(n, o);
    });
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = slices_.find(key);
  if (slice && it != slices_.end()) {
    slice_handler_.OnEndpointSliceUpdate(it->second, *slice);
    it->second = std::move(*slice);
  } else if (slice) {
    slice_handler_.OnEndpointSliceAdd(*slice);
    slices_.emplace(key, std::move(*slice));
  } else if (it != slices_.end()) {
    slice_handler_.OnEndpointSliceDelete(it->second);
    slices_.erase(it);
  }
}

void ApiProxySource::Start() {
  stop_ = false;
  service_thread_ = std::thread([this] { service_reflector_.Run(stop_); });
  slice_thread_ = std::thread([this] { slice_reflector_.Run(stop_); });
  // Synced once each first LIST is in the handlers: until then the proxy keeps rules it has not heard about.
  synced_thread_ = std::thread([this] {
    bool services_synced = false, slices_synced = false;
    while (!stop_.load() && !(services_synced && slices_synced)) {
      if (!services_synced && service_reflector_.HasSynced()) {
        services_synced = true;
        std::lock_guard<std::mutex> lock(mu_);
        service_handler_.OnServicesSynced();
      }
      if (!slices_synced && slice_reflector_.HasSynced()) {
        slices_synced = true;
        std::lock_guard<std::mutex> lock(mu_);
        slice_handler_.OnEndpointSlicesSynced();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
}

void ApiProxySource::Stop() {
  stop_ = true;
  for (std::thread* t : {&service_thread_, &slice_thread_, &synced_thread_}) {
    if (t->joinable()) t->join();
  }
}

}  // namespace kubenode::agent
