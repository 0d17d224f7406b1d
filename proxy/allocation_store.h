// Where a Service's cluster IP and node ports are remembered, so that they survive a restart: upstream keeps
// them in etcd; kubenode keeps one small JSON file. Keyed by "namespace/name".
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/meta.h"
#include "base/status.h"

namespace kubenode::proxy {

struct NodePortAllocation {
  std::string port_name;  // the ServicePort's name, how upstream matches ports across updates
  api::Protocol protocol = api::Protocol::kTCP;
  int32_t node_port = 0;
  bool operator==(const NodePortAllocation&) const = default;
};

struct ServiceAllocation {
  std::string cluster_ip;
  std::vector<NodePortAllocation> node_ports;
  // metadata.creationTimestamp: kept with the allocations so that AGE survives restarts too.
  std::optional<api::Time> created_at;
  bool operator==(const ServiceAllocation&) const = default;
};

using AllocationMap = std::map<std::string, ServiceAllocation>;  // by "namespace/name"

class AllocationStore {
 public:
  virtual ~AllocationStore() = default;
  // Everything saved last; empty (not an error) when nothing was ever saved.
  virtual Result<AllocationMap> Load() = 0;
  // Replaces the saved state; after OK a crash at any point leaves either the old or the new state.
  virtual Status Save(const AllocationMap& allocations) = 0;
};

// A JSON file written atomically: a temporary file beside it, fsync, rename, fsync of the directory.
//   {"version": 1, "services": {"default/web": {"clusterIP": "10.96.12.34",
//     "nodePorts": [{"name": "", "protocol": "TCP", "nodePort": 30001}],
//     "creationTimestamp": "2026-01-01T00:00:00Z"}}}
// Every save also writes a second copy, `<path>.bak`, the same way. Load never fails on what the files hold
// (the kubelet half must start whatever they contain): a file that cannot be decoded is moved aside to
// `<path>.corrupt-<unix time>` and the backup is used; without a usable backup, the entries that decode are
// kept. problems() says what happened (the daemon logs it and records an event).
class FileAllocationStore : public AllocationStore {
 public:
  explicit FileAllocationStore(std::string path) : path_(std::move(path)) {}
  Result<AllocationMap> Load() override;
  Status Save(const AllocationMap& allocations) override;
  // What the last Load found wrong and did about it; empty when the file was fine (or absent).
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::string path_;
  std::vector<std::string> problems_;
};

// For tests: keeps the state in memory; can be told to fail saves.
class MemoryAllocationStore : public AllocationStore {
 public:
  Result<AllocationMap> Load() override { return saved_; }
  Status Save(const AllocationMap& allocations) override {
    if (fail_saves_) return Status::Error("save failed (injected)");
    saved_ = allocations;
    ++saves_;
    return Status();
  }
  const AllocationMap& saved() const { return saved_; }
  int saves() const { return saves_; }
  void set_fail_saves(bool fail) { fail_saves_ = fail; }

 private:
  AllocationMap saved_;
  int saves_ = 0;
  bool fail_saves_ = false;
};

// The JSON text of the file format, exposed for tests and `kubenode` debugging output.
std::string AllocationsToJson(const AllocationMap& allocations);
Result<AllocationMap> AllocationsFromJson(const std::string& text);
// As AllocationsFromJson, but an entry that does not decode is left out and named in `skipped` instead of
// failing the whole text (still an error when the text is not a version-1 document at all).
Result<AllocationMap> AllocationsFromJson(const std::string& text, std::vector<std::string>* skipped);

}  // namespace kubenode::proxy
