#include "kubelet/node/node_status_reporter.h"

#include "api/rfc3339.h"
#include "base/log.h"
#include "base/stoppable_sleep.h"

namespace kubenode::kubelet {
namespace {

using nlohmann::json;

// RFC 3339 with microseconds, as metav1.MicroTime in Lease.spec.renewTime.
std::string MicroTime(api::Time t) {
  std::string seconds = api::FormatRFC3339(t);  // ...Z
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count() % 1000000;
  char fraction[16];
  std::snprintf(fraction, sizeof(fraction), ".%06lld", static_cast<long long>(micros));
  return seconds.substr(0, seconds.size() - 1) + fraction + "Z";
}

// The Ready condition's status ("True", "False", "Unknown"), or "" when there is none.
std::string ReadyStatus(const json& status) {
  if (!status.is_object() || !status.contains("conditions") || !status["conditions"].is_array()) return "";
  for (const json& c : status["conditions"]) {
    if (c.is_object() && c.value("type", "") == "Ready") return c.value("status", "");
  }
  return "";
}

}  // namespace

NodeStatusReporter::NodeStatusReporter(apiclient::ApiClient& client, const Clock& clock, NodeFacts facts,
                                       std::function<void(NodeFacts&)> refresh_facts, Options options)
    : client_(client),
      clock_(clock),
      facts_(std::move(facts)),
      refresh_facts_(std::move(refresh_facts)),
      options_(options) {}

NodeStatusReporter::~NodeStatusReporter() { Stop(); }

Status NodeStatusReporter::Register() {
  const std::string path = "/api/v1/nodes";
  const json registration = NodeForRegistration(facts_);
  auto created = client_.Call("POST", path, &registration);
  if (!created.ok()) return created.status();
  json node;
  if (created->ok()) {
    node = created->body;
    Logger("kubelet")->info("registered node {} with the API server", facts_.name);
  } else if (created->code == 409) {
    // Already registered (a restart): make the kubelet-owned labels right, keep everything else.
    json patch = {{"metadata", {{"labels", NodeLabels(facts_)}}}};
    auto patched = client_.Patch(path + "/" + facts_.name, patch);
    if (!patched.ok()) return patched.status();
    node = *patched;
    Logger("kubelet")->info("node {} was registered before; labels reconciled", facts_.name);
  } else {
    return Status::Error(apiclient::DescribeFailure("POST", path, *created));
  }
  if (node.is_object() && node.contains("metadata")) {
    std::lock_guard<std::mutex> lock(mu_);
    node_uid_ = node["metadata"].value("uid", "");
  }
  if (node.is_object() && node.contains("status")) last_status_ = node["status"];
  registered_ = true;
  return Status();
}

Status NodeStatusReporter::SyncStatus() {
  if (refresh_facts_) refresh_facts_(facts_);
  json status = NodeStatus(facts_, last_status_, clock_.WallNow());
  const auto now = clock_.Now();
  const bool changed = WithoutHeartbeats(status) != WithoutHeartbeats(last_status_);
  const bool due = now - last_report_ >= options_.report_frequency;
  if (!changed && !due) return Status();
  auto patched = client_.Patch("/api/v1/nodes/" + facts_.name + "/status", {{"status", status}});
  if (!patched.ok()) return patched.status();
  const std::string was_ready = ReadyStatus(last_status_);
  const std::string ready = ReadyStatus(status);
  last_status_ = status;
  last_report_ = now;
  if (ready_observer_ && ready != was_ready && !ready.empty()) ready_observer_(ready == "True");
  return Status();
}

Status NodeStatusReporter::RenewLease() {
  const std::string collection = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases";
  const std::string renew_time = MicroTime(clock_.WallNow());
  if (!lease_.is_object()) {
    auto got = client_.Call("GET", collection + "/" + facts_.name);
    if (!got.ok()) return got.status();
    if (got->ok()) {
      lease_ = got->body;
    } else if (got->code == 404) {
      json lease = {{"apiVersion", "coordination.k8s.io/v1"},
                    {"kind", "Lease"},
                    {"metadata", {{"name", facts_.name}, {"namespace", "kube-node-lease"}}},
                    {"spec",
                     {{"holderIdentity", facts_.name},
                      {"leaseDurationSeconds", options_.lease_duration_seconds},
                      {"renewTime", renew_time}}}};
      if (const std::string uid = NodeUid(); !uid.empty()) {
        lease["metadata"]["ownerReferences"] =
            json::array({{{"apiVersion", "v1"}, {"kind", "Node"}, {"name", facts_.name}, {"uid", uid}}});
      }
      auto created = client_.Create(collection, lease);
      if (!created.ok()) return created.status();
      lease_ = *created;
      return Status();
    } else {
      return Status::Error(apiclient::DescribeFailure("GET", collection + "/" + facts_.name, *got));
    }
  }
  json lease = lease_;
  lease["spec"]["holderIdentity"] = facts_.name;
  lease["spec"]["leaseDurationSeconds"] = options_.lease_duration_seconds;
  lease["spec"]["renewTime"] = renew_time;
  auto updated = client_.Call("PUT", collection + "/" + facts_.name, &lease);
  if (!updated.ok()) return updated.status();
  if (!updated->ok()) {
    lease_ = nullptr;  // 409 (someone else wrote it) or 404 (deleted): read it again next time
    return Status::Error(apiclient::DescribeFailure("PUT", collection + "/" + facts_.name, *updated));
  }
  lease_ = updated->body;
  return Status();
}

void NodeStatusReporter::Start() {
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void NodeStatusReporter::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void NodeStatusReporter::Loop() {
  auto log = Logger("kubelet");
  auto backoff = std::chrono::milliseconds(800);
  while (!stop_.load() && !registered_.load()) {
    try {
      Status s = Register();
      if (s.ok()) break;
      log->warn("registering node {}: {} (retrying in {} ms)", facts_.name, s.message(), backoff.count());
    } catch (const std::exception& e) {
      log->error("registering node {}: {}", facts_.name, e.what());
    }
    SleepUnlessStopped(backoff, stop_);
    backoff = std::min<std::chrono::milliseconds>(backoff * 2, std::chrono::seconds(7));
  }
  auto next_status = std::chrono::steady_clock::now();
  auto next_lease = next_status;
  while (!stop_.load()) {
    const auto now = std::chrono::steady_clock::now();
    try {
      if (now >= next_status) {
        if (Status s = SyncStatus(); !s.ok()) log->warn("updating node status: {}", s.message());
        next_status = now + options_.update_frequency;
      }
      if (now >= next_lease) {
        // A failed renewal is retried sooner (upstream: 200 ms doubling up to 7 s); 1 s is enough here.
        Status s = RenewLease();
        if (!s.ok()) log->warn("renewing node lease: {}", s.message());
        next_lease = now + (s.ok() ? options_.lease_renew_interval : std::chrono::milliseconds(1000));
      }
    } catch (const std::exception& e) {
      log->error("node status: {}", e.what());
    }
    SleepUnlessStopped(std::chrono::milliseconds(100), stop_);
  }
}

}  // namespace kubenode::kubelet
