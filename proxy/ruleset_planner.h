// The pure part of the proxy: Services (with endpoints) in, the desired nftables table out. The ruleset has a
// constant number of rules (one per endpoint-count group and per affinity timeout in use); everything that
// names a Service or an endpoint lives in set and map elements. See proxy/README.md.
//
// The table is the sum of two parts: a static part (set definitions and all chains and rules), which depends
// only on the endpoint-count groups and affinity timeouts in use (`Groups`), and each Service port's own
// elements (`ServiceElements`). IncrementalPlanner remembers every Service port's contribution, so that a
// change to a few Services is planned in time proportional to those Services, not to the whole table.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/status.h"
#include "netfilter/model.h"
#include "netfilter/transaction.h"
#include "proxy/service_port.h"

namespace kubenode::proxy {

inline constexpr char kProxyTable[] = "kubenode-proxy";
inline constexpr uint32_t kMasqueradeMark = 0x4000;

struct PlannerConfig {
  std::string table = kProxyTable;
  // The pod network; traffic to a ClusterIP from outside it is masqueraded (upstream's clusterCIDR with
  // masqueradeAll=false). Empty: no such masquerading.
  std::string pod_cidr;
  // NodePorts also answer on 127.0.0.1 (needs net.ipv4.conf.all.route_localnet=1) when node_port_addresses
  // is empty. Packets to 127.0.0.0/8 from other sources are then dropped before DNAT (upstream's
  // route_localnet guard, CVE-2020-8558).
  bool localhost_nodeports = true;
  // nodePortAddresses: IPv4 CIDRs; NodePorts answer only on local addresses inside them (on 127.0.0.1 only if
  // one of them contains it). Empty: every local address.
  std::vector<std::string> node_port_addresses;
  // The ClusterIP range: traffic to it that matches no Service port is rejected instead of following the
  // default route off the node (upstream's "no such service" check). Empty: no such rule.
  std::string service_cidr;
  // nftables.masqueradeBit as a mark (1 << bit): packets carrying it are masqueraded in postrouting.
  uint32_t masquerade_mark = kMasqueradeMark;
  // nftables.masqueradeAll: every packet to a ClusterIP is masqueraded, whatever its source.
  bool masquerade_all = false;
};

// Whether `config` makes NodePorts answer on 127.0.0.1 (route_localnet is needed, and the guard planned).
bool LocalhostNodePorts(const PlannerConfig& config);

struct Plan {
  netfilter::Table table;
  std::vector<std::string> skipped;  // service ports or endpoints left out, and why
};

// Desired state for `services`. Fails only on a bad config (e.g. an unparsable pod CIDR).
Result<Plan> PlanRuleset(const std::vector<ServicePortInfo>& services, const PlannerConfig& config);

// The minimal transaction from `previous` (nullptr: nothing there) to `desired`.
netfilter::Transaction PlanTransaction(const netfilter::Table* previous, const netfilter::Table& desired);

// Set and map names, for tests and tools.
std::string ServiceIpsMap(size_t endpoints);     // "service-ips-3"
std::string NodePortsMap(size_t endpoints);      // "service-nodeports-3"
std::string AffinityMap(int32_t timeout_seconds);  // "affinity-10800"

// Sets are created with a size (NFTA_SET_DESC_SIZE): the kernel then allocates the hash once instead of
// rehashing it over and over while a big set is filled. The size is also a limit, so it is planned with room:
// at least twice the elements, a power of two, at least kMinSetCapacity. A set outgrowing its size is recreated
// (see Proxier). Dynamic (affinity) maps are sized kAffinityMapSize.
inline constexpr uint32_t kMinSetCapacity = 1024;
inline constexpr uint32_t kAffinityMapSize = 65535;
uint32_t SetCapacity(size_t elements);

// Elements of one set or map.
struct SetElements {
  std::string set;
  std::vector<std::pair<netfilter::Bytes, netfilter::Bytes>> elements;  // key, data ("" for plain sets)
};

// One Service port's elements. Keys are unique to the Service port (they contain its ClusterIP . proto .
// port or its NodePort) except the hairpin set's, which Services sharing an endpoint share.
struct ServiceElements {
  bool valid = false;                   // false: left out entirely (see skipped)
  netfilter::Bytes service_key;         // clusterIP . proto . port
  netfilter::Bytes nodeport_key;        // proto . nodePort; empty without a NodePort
  std::vector<SetElements> cluster;     // the ClusterIP part
  std::vector<netfilter::Bytes> hairpin;  // keys (`ep . ep`) of the hairpin set
  std::vector<SetElements> nodeport;    // the NodePort part
  size_t ip_group = 0;                  // uses service-ips-N (0: none)
  size_t np_group = 0;                  // uses service-nodeports-N (0: none)
  int32_t cluster_affinity = 0;         // affinity timeout used by the ClusterIP part (0: none)
  int32_t nodeport_affinity = 0;        // ... by the NodePort part
  std::vector<std::string> skipped;
};
ServiceElements PlanServiceElements(const ServicePortInfo& service);

// What the static part depends on.
struct Groups {
  std::set<size_t> ip;        // endpoint counts with a service-ips-N map
  std::set<size_t> np;        // endpoint counts with a service-nodeports-N map
  std::set<int32_t> affinity;  // affinity timeouts in use
  bool operator==(const Groups&) const = default;
};
// Every set definition (without elements) and every chain and rule for `groups`.
Result<netfilter::Table> PlanStatic(const Groups& groups, const PlannerConfig& config);

// Plans the whole table once, then Service changes one Service at a time. Not thread-safe.
class IncrementalPlanner {
 public:
  explicit IncrementalPlanner(PlannerConfig config) : config_(std::move(config)) {}

  // The whole table for `services`; remembers each Service port's contribution.
  Result<Plan> PlanAll(const std::vector<ServicePortInfo>& services);

  struct Change {
    // The change cannot be planned alone (a ClusterIP:port or NodePort is, or was, claimed by two Service
    // ports, and which one wins depends on all of them): plan everything. Nothing was changed.
    bool needs_full = false;
    std::vector<netfilter::DeleteElements> deletes;
    std::vector<netfilter::AddElements> adds;
    // The new static part (no elements), when the groups changed.
    std::optional<netfilter::Table> static_table;
    std::vector<std::string> skipped;
    size_t services = 0;  // Service ports planned
  };
  // Replans the Service ports of the Services named in `changed` ("namespace/name"; a name missing from
  // `services` was deleted) and returns the element ops from the remembered state to the new one, updating
  // the remembered state. `services` must be sorted by id (as ServiceSnapshot::ports is). Needs a PlanAll
  // first (else needs_full).
  Result<Change> PlanChanges(const std::vector<ServicePortInfo>& services, const std::set<std::string>& changed);

  // Forget everything (the next PlanChanges says needs_full).
  void Reset();
  bool has_state() const { return has_state_; }
  const Groups& groups() const { return groups_; }

 private:
  // A Service port while a change is planned: its input and its elements.
  struct Port {
    ServicePortInfo info;
    ServiceElements elements;
  };
  void Add(const ServiceElements& e, int sign);
  Groups CurrentGroups() const;

  PlannerConfig config_;
  bool has_state_ = false;
  bool conflicts_ = false;                            // some key was claimed twice at the last PlanAll
  // Each Service port as planned, by "namespace/name": only the input is kept (its elements, several times
  // its size, are recomputed from it when it changes).
  std::map<std::string, std::vector<ServicePortInfo>> ports_;
  std::unordered_set<netfilter::Bytes> service_keys_, nodeport_keys_;
  std::unordered_map<uint32_t, int> hairpin_;  // endpoint IP (of the `ip . ip` key) -> Service ports using it
  std::map<size_t, int> ip_groups_, np_groups_;
  std::map<int32_t, int> affinity_;
  Groups groups_;
};

}  // namespace kubenode::proxy
