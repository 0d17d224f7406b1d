// kubenode's proxy against real kernel nftables: a `node` network namespace with a bridge, three backend
// namespaces running busybox httpd (each serves its own name), and an `external` client routed to the node.
// The Proxier runs in-process; its NftnlBackend opens its netlink socket inside the node namespace.
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "netfilter/nftnl_backend.h"
#include "netfilter/render.h"
#include "proxy/proxier.h"

namespace kubenode::proxy {
namespace {

const std::string kSuffix = std::to_string(getpid());
const std::string kNode = "kn-node-" + kSuffix;
const std::string kExternal = "kn-ext-" + kSuffix;
std::string Backend(int i) { return "kn-b" + std::to_string(i) + "-" + kSuffix; }
std::string BackendIp(int i) { return "10.88.0." + std::to_string(5 + i); }
const std::string kTmp = "/tmp/kn-netns-" + kSuffix;

struct Cmd {
  int code;
  std::string out;
};

Cmd Shell(const std::string& cmd) {
  FILE* f = popen((cmd + " 2>&1").c_str(), "r");
  if (!f) return {-1, "popen failed"};
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  int status = pclose(f);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::string In(const std::string& ns, const std::string& cmd) { return "ip netns exec " + ns + " " + cmd; }

ServicePortInfo Nginx(int endpoints) {
  ServicePortInfo s;
  s.id = {"default", "nginx", ""};
  s.cluster_ip = "10.96.0.10";
  s.port = 80;
  s.node_port = 30001;
  for (int i = 0; i < endpoints; ++i) s.endpoints.push_back({BackendIp(i), 80, true, true});
  return s;
}

PlannerConfig Config() {
  PlannerConfig c;
  c.pod_cidr = "10.88.0.0/16";
  c.service_cidr = "10.96.0.0/12";
  return c;
}

// Counts answers per backend name from `count` sequential requests made inside `ns`.
std::map<std::string, int> Requests(const std::string& ns, const std::string& url, int count) {
  Cmd c = Shell(In(ns, "sh -c 'for i in $(seq " + std::to_string(count) + "); do curl -s --max-time 2 " + url +
                         " || echo FAIL; done'"));
  std::map<std::string, int> seen;
  std::istringstream lines(c.out);
  for (std::string line; std::getline(lines, line);) ++seen[line];
  return seen;
}

// The lowest per-backend count a fair random split of `total` requests over `backends` stays at or above
// except with probability <= 1e-6 (binomial lower tail, union bound over the backends): a floor that only a
// broken balance fails, not chance.
int BalancedFloor(int total, int backends) {
  const double p = 1.0 / backends;
  double below = 0;  // P(X < k)
  for (int k = 0; k <= total; ++k) {
    const double pmf = std::exp(std::lgamma(total + 1.0) - std::lgamma(k + 1.0) - std::lgamma(total - k + 1.0) +
                                k * std::log(p) + (total - k) * std::log1p(-p));
    if ((below + pmf) * backends > 1e-6) return k;
    below += pmf;
  }
  return total;
}

void ExpectBalanced(const std::map<std::string, int>& seen, int backends, int total) {
  int sum = 0;
  for (const auto& [name, n] : seen) sum += n;
  EXPECT_EQ(sum, total);
  ASSERT_EQ(seen.size(), static_cast<size_t>(backends)) << ::testing::PrintToString(seen);
  const int floor = BalancedFloor(total, backends);  // 300 over 3: 61; 60 over 3: 4
  for (int i = 0; i < backends; ++i) {
    auto it = seen.find(Backend(i));
    ASSERT_NE(it, seen.end()) << ::testing::PrintToString(seen);
    EXPECT_GE(it->second, floor) << ::testing::PrintToString(seen);
  }
}

// The packet counter of the rule with `match` in `chain` of the proxy's table in the node namespace (-1 if
// there is no such rule).
long RuleCounter(const std::string& chain, const std::string& match) {
  Cmd c = Shell(In(kNode, "nft list chain ip " + std::string(kProxyTable) + " " + chain));
  std::istringstream lines(c.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.find(match) == std::string::npos) continue;
    size_t at = line.find("counter packets ");
    if (at == std::string::npos) return -1;
    return std::stol(line.substr(at + 16));
  }
  return -1;
}

class ProxyNetnsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    TearDownTestSuite();
    std::vector<std::string> cmds = {
        "mkdir -p " + kTmp,
        "ip netns add " + kNode,
        "ip netns add " + kExternal,
        In(kNode, "ip link set lo up"),
        In(kNode, "ip link add br0 type bridge"),
        In(kNode, "ip addr add 10.88.0.1/24 dev br0"),
        In(kNode, "ip link set br0 up"),
        In(kNode, "sysctl -qw net.ipv4.ip_forward=1"),
        In(kNode, "sysctl -qw net.ipv4.conf.all.route_localnet=1"),
        "ip link add vext netns " + kNode + " type veth peer name eth0 netns " + kExternal,
        In(kNode, "ip addr add 192.168.77.1/24 dev vext"),
        In(kNode, "ip link set vext up"),
        In(kExternal, "ip link set lo up"),
        In(kExternal, "ip addr add 192.168.77.2/24 dev eth0"),
        In(kExternal, "ip link set eth0 up"),
        In(kExternal, "ip route add default via 192.168.77.1"),
        // ClusterIPs need a route for the output path to reach the NAT hook; nothing leaves: all is DNATed.
        In(kNode, "ip route add default via 192.168.77.2"),
    };
    for (int i = 0; i < 3; ++i) {
      const std::string b = Backend(i), dir = kTmp + "/www" + std::to_string(i);
      cmds.push_back("mkdir -p " + dir);
      cmds.push_back("sh -c 'echo " + b + " > " + dir + "/index.html'");
      cmds.push_back("ip netns add " + b);
      cmds.push_back("ip link add vb" + std::to_string(i) + " netns " + kNode + " type veth peer name eth0 netns " + b);
      cmds.push_back(In(kNode, "ip link set vb" + std::to_string(i) + " master br0 up"));
      // As the CNI bridge plugin's hairpinMode: with br_netfilter loaded, a DNATed packet back to the pod it
      // came from is bridged out of its ingress port.
      cmds.push_back(In(kNode, "ip link set vb" + std::to_string(i) + " type bridge_slave hairpin on"));
      cmds.push_back(In(b, "ip link set lo up"));
      cmds.push_back(In(b, "ip addr add " + BackendIp(i) + "/24 dev eth0"));
      cmds.push_back(In(b, "ip link set eth0 up"));
      cmds.push_back(In(b, "ip route add default via 10.88.0.1"));
      cmds.push_back(In(b, "/bin/busybox httpd -p 80 -h " + dir));
    }
    for (const std::string& c : cmds) {
      Cmd r = Shell(c);
      if (r.code != 0) {
        setup_error_ = c + ": " + r.out;
        return;
      }
    }
  }

  static void TearDownTestSuite() {
    std::vector<std::string> all = {kNode, kExternal};
    for (int i = 0; i < 3; ++i) all.push_back(Backend(i));
    for (const std::string& ns : all) {
      // Processes this test started inside its own namespaces (httpd, curl loops), by pid.
      Shell("for p in $(ip netns pids " + ns + " 2>/dev/null); do kill $p; done");
      Shell("ip netns del " + ns + " 2>/dev/null");
    }
    Shell("rm -rf " + kTmp);
  }

  void SetUp() override {
    ASSERT_EQ(setup_error_, "");
    backend_ = std::make_unique<netfilter::NftnlBackend>("/run/netns/" + kNode);
  }
  void TearDown() override {
    Proxier p(*backend_, Config());
    EXPECT_TRUE(p.Cleanup().ok());
  }

  // Starts a client loop in the node namespace; Stop() returns its failure count and request count.
  struct Loop {
    std::string stop_file, out_file;
    std::pair<int, int> Stop() {
      Shell("touch " + stop_file);
      // The loop exits after its current request (at most --max-time).
      for (int i = 0; i < 100 && Shell("test -f " + out_file + ".done").code != 0; ++i) usleep(100'000);
      Cmd c = Shell("cat " + out_file);
      int fails = 0, total = 0;
      std::istringstream lines(c.out);
      for (std::string line; std::getline(lines, line);) {
        ++total;
        if (line.rfind("FAIL", 0) == 0) ++fails;
      }
      return {fails, total};
    }
  };
  Loop StartLoop(const std::string& url) {
    static int n = 0;
    Loop l{kTmp + "/stop" + std::to_string(n), kTmp + "/loop" + std::to_string(n)};
    ++n;
    Shell(In(kNode, "sh -c 'while [ ! -f " + l.stop_file + " ]; do curl -s --max-time 2 " + url + " || echo FAIL $?; done > " +
                      l.out_file + "; touch " + l.out_file + ".done' >/dev/null 2>&1 &"));
    // Wait until the loop has answered at least once.
    for (int i = 0; i < 100 && Shell("test -s " + l.out_file).code != 0; ++i) usleep(50'000);
    return l;
  }

  static inline std::string setup_error_;
  std::unique_ptr<netfilter::NftnlBackend> backend_;
};

TEST_F(ProxyNetnsTest, ClusterIpAndNodePortsAreBalancedAndDumpMatchesPlan) {
  Proxier p(*backend_, Config());
  ASSERT_TRUE(p.Sync({Nginx(3)}).ok());

  ExpectBalanced(Requests(kNode, "http://10.96.0.10:80/", 300), 3, 300);
  ExpectBalanced(Requests(kExternal, "http://192.168.77.1:30001/", 300), 3, 300);
  ExpectBalanced(Requests(kNode, "http://127.0.0.1:30001/", 300), 3, 300);

  auto live = backend_->Dump(2, kProxyTable);
  ASSERT_TRUE(live.ok()) << live.status().message();
  ASSERT_TRUE(live->has_value());
  EXPECT_EQ(netfilter::RenderTable(**live), netfilter::RenderTable(PlanRuleset({Nginx(3)}, Config())->table));
}

TEST(BalancedFloorTest, BinomialTailBounds) {
  EXPECT_EQ(BalancedFloor(60, 3), 4);
  EXPECT_EQ(BalancedFloor(300, 3), 61);
  EXPECT_EQ(BalancedFloor(100, 2), 26);
}

TEST_F(ProxyNetnsTest, LocalhostNodePortFromAnotherHostIsDropped) {
  // CVE-2020-8558: with route_localnet=1 a neighbour could reach 127.0.0.1 on the node. The external namespace
  // sends to 192.168.77.99 (a static neighbour entry: the node's MAC) and rewrites the destination to
  // 127.0.0.1 on its way out (and the answer's source back), so the node sees a packet to 127.0.0.1:30001
  // from 192.168.77.2.
  Proxier p(*backend_, Config());
  ASSERT_TRUE(p.Sync({Nginx(3)}).ok());
  Cmd mac = Shell(In(kNode, "cat /sys/class/net/vext/address"));
  ASSERT_EQ(mac.code, 0) << mac.out;
  const std::string spoof = kTmp + "/spoof.nft";
  std::ofstream(spoof) << "table ip kn-spoof {\n"
                          "  chain post { type filter hook postrouting priority 0; ip daddr 192.168.77.99 ip daddr set "
                          "127.0.0.1; }\n"
                          "  chain pre { type filter hook prerouting priority -300; ip saddr 127.0.0.1 ip saddr set "
                          "192.168.77.99; }\n"
                          "}\n";
  for (const std::string& c : {In(kExternal, "ip neigh replace 192.168.77.99 lladdr " +
                                                 mac.out.substr(0, mac.out.find('\n')) + " dev eth0 nud permanent"),
                               In(kExternal, "nft -f " + spoof)}) {
    Cmd r = Shell(c);
    ASSERT_EQ(r.code, 0) << c << ": " << r.out;
  }
  const long before = RuleCounter("filter-prerouting", "127.0.0.0/8");
  ASSERT_GE(before, 0) << "no guard rule";
  Cmd ext = Shell(In(kExternal, "curl -s --max-time 2 http://192.168.77.99:30001/"));
  EXPECT_NE(ext.code, 0) << "a neighbour reached 127.0.0.1:30001: " << ext.out;
  EXPECT_GT(RuleCounter("filter-prerouting", "127.0.0.0/8"), before);
  // The node itself still reaches its localhost NodePort, and others its node IP.
  EXPECT_EQ(Requests(kNode, "http://127.0.0.1:30001/", 30).count("FAIL"), 0u);
  EXPECT_EQ(Requests(kExternal, "http://192.168.77.1:30001/", 30).count("FAIL"), 0u);
  // Without the guard (the ruleset before it existed) the same packet reaches a backend: the setup above
  // really delivers a packet to 127.0.0.1:30001.
  ASSERT_EQ(Shell(In(kNode, "nft flush chain ip " + std::string(kProxyTable) + " filter-prerouting")).code, 0);
  Cmd open = Shell(In(kExternal, "curl -s --max-time 2 http://192.168.77.99:30001/"));
  EXPECT_EQ(open.code, 0) << open.out;
  EXPECT_EQ(open.out.rfind("kn-b", 0), 0u) << open.out;
  Shell(In(kExternal, "nft delete table ip kn-spoof"));
  Shell(In(kExternal, "ip neigh del 192.168.77.99 dev eth0"));
}

TEST_F(ProxyNetnsTest, UnknownClusterIpOrPortIsRefusedAndNothingLeaves) {
  Proxier p(*backend_, Config());
  ASSERT_TRUE(p.Sync({Nginx(3)}).ok());
  // The node's default route points at the external namespace: count what would leave that way.
  ASSERT_EQ(Shell(In(kExternal, "nft add table ip kn-watch")).code, 0);
  ASSERT_EQ(Shell(In(kExternal, "nft 'add chain ip kn-watch pre { type filter hook prerouting priority -300; }'")).code, 0);
  ASSERT_EQ(Shell(In(kExternal, "nft add rule ip kn-watch pre ip daddr 10.96.0.0/12 counter")).code, 0);
  for (const std::string& ns : {kNode, Backend(0)}) {
    for (const char* url : {"http://10.96.0.99:80/", "http://10.96.0.10:81/"}) {
      Cmd c = Shell(In(ns, std::string("curl -s --max-time 3 -o /dev/null ") + url));
      EXPECT_EQ(c.code, 7) << ns << " " << url << " (7: connection refused) " << c.out;
    }
  }
  // The Service itself still answers.
  EXPECT_EQ(Requests(kNode, "http://10.96.0.10:80/", 10).count("FAIL"), 0u);
  EXPECT_EQ(Requests(Backend(1), "http://10.96.0.10:80/", 10).count("FAIL"), 0u);
  Cmd watched = Shell(In(kExternal, "nft list chain ip kn-watch pre"));
  EXPECT_NE(watched.out.find("counter packets 0 bytes 0"), std::string::npos) << watched.out;
  // Without the reject rule (the ruleset before it existed) the packet follows the default route off the node.
  ASSERT_EQ(Shell(In(kNode, "nft flush chain ip " + std::string(kProxyTable) + " filter-output")).code, 0);
  Cmd off = Shell(In(kNode, "curl -s --max-time 2 -o /dev/null http://10.96.0.99:80/"));
  EXPECT_EQ(off.code, 28) << "timeout expected " << off.out;
  watched = Shell(In(kExternal, "nft list chain ip kn-watch pre"));
  EXPECT_EQ(watched.out.find("counter packets 0 bytes 0"), std::string::npos) << watched.out;
  Shell(In(kExternal, "nft delete table ip kn-watch"));
}

TEST_F(ProxyNetnsTest, PeriodicCheckRestoresElementsDeletedBehindTheProxysBack) {
  Proxier p(*backend_, Config());
  ASSERT_TRUE(p.Sync({Nginx(3)}, {}).ok());
  ASSERT_TRUE(p.RepairDrift().ok());
  EXPECT_EQ(p.last_stats().drift_ops, 0u) << "a fresh table already differs from the model";
  const std::string table = "ip " + std::string(kProxyTable);
  for (const std::string& c : {"nft delete element " + table + " service-ips-3 '{ 10.96.0.10 . tcp . 80 . 1 }'",
                               "nft delete element " + table + " nodeports-masquerade '{ tcp . 30001 }'",
                               "nft flush chain " + table + " filter-output"}) {
    Cmd r = Shell(In(kNode, c));
    ASSERT_EQ(r.code, 0) << c << ": " << r.out;
  }
  auto live_is_plan = [&] {
    auto live = backend_->Dump(2, kProxyTable);
    return live.ok() && live->has_value() &&
           netfilter::RenderTable(**live) == netfilter::RenderTable(PlanRuleset({Nginx(3)}, Config())->table);
  };
  ASSERT_FALSE(live_is_plan());
  // What the sync thread does every syncPeriod: a (here empty) change sync, then the drift check.
  ASSERT_TRUE(p.Sync({Nginx(3)}, std::set<std::string>{}).ok());
  EXPECT_FALSE(live_is_plan());
  ASSERT_TRUE(p.RepairDrift().ok());
  EXPECT_EQ(p.last_stats().drift_ops, 5u);  // two element ops, three rules
  EXPECT_TRUE(live_is_plan());
  // The kernel's dump of the repaired table equals the model: the next check finds nothing.
  ASSERT_TRUE(p.RepairDrift().ok());
  EXPECT_EQ(p.last_stats().drift_ops, 0u);
  ExpectBalanced(Requests(kNode, "http://10.96.0.10:80/", 300), 3, 300);
}

TEST_F(ProxyNetnsTest, DriftCheckLeavesAffinityMapsAlone) {
  ServicePortInfo sticky = Nginx(3);
  sticky.session_affinity = api::SessionAffinity::kClientIP;
  sticky.affinity_timeout_seconds = 600;
  Proxier p(*backend_, Config());
  ASSERT_TRUE(p.Sync({sticky}).ok());
  auto seen = Requests(kNode, "http://10.96.0.10:80/", 10);  // fills affinity-600
  EXPECT_EQ(seen.size(), 1u) << ::testing::PrintToString(seen);
  ASSERT_TRUE(p.RepairDrift().ok());
  EXPECT_EQ(p.last_stats().drift_ops, 0u);
  EXPECT_EQ(Requests(kNode, "http://10.96.0.10:80/", 10), seen);  // the affinity entry survived
}

TEST_F(ProxyNetnsTest, IncrementalSyncsMatchFullPlanInKernel) {
  // Many services besides nginx (namespace "bulk" sorts before "default"), changed one by one through the
  // daemon's path; the kernel table must equal a full plan after each step, sizes included.
  std::vector<ServicePortInfo> services;
  for (int i = 0; i < 600; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "svc-%04d", i);
    ServicePortInfo s;
    s.id = {"bulk", name, ""};
    s.cluster_ip = "10.97." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1);
    s.port = 80;
    for (int e = 0; e <= i % 3; ++e)
      s.endpoints.push_back({"10.89." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1 + e), 8080, true, true});
    services.push_back(s);
  }
  services.push_back(Nginx(3));
  Proxier p(*backend_, Config());
  ASSERT_TRUE(p.Sync(services, {}).ok());
  auto expect_live_is_plan = [&](const char* step) {
    auto live = backend_->Dump(2, kProxyTable);
    ASSERT_TRUE(live.ok() && live->has_value()) << step;
    auto plan = PlanRuleset(services, Config());
    EXPECT_EQ(netfilter::RenderTable(**live), netfilter::RenderTable(plan->table)) << step;
    for (const auto& [name, set] : p.applied()->sets) EXPECT_EQ((*live)->sets.at(name).size, set.size) << step << " " << name;
    // The periodic check agrees (no repair loop after incremental syncs).
    ASSERT_TRUE(p.RepairDrift().ok()) << step;
    EXPECT_EQ(p.last_stats().drift_ops, 0u) << step;
  };
  // Endpoint swap (element ops only), then nginx 3 -> 2 endpoints (group 3 stays: bulk services use it).
  services[5].endpoints[0].ip = "10.89.9.9";
  ASSERT_TRUE(p.Sync(services, {"bulk/svc-0005"}).ok());
  EXPECT_TRUE(p.last_stats().incremental);
  EXPECT_EQ(p.last_stats().other_ops, 0u);
  expect_live_is_plan("endpoint swap");
  services.back() = Nginx(2);
  ASSERT_TRUE(p.Sync(services, {"default/nginx"}).ok());
  EXPECT_TRUE(p.last_stats().incremental);
  expect_live_is_plan("nginx 2 endpoints");
  ExpectBalanced(Requests(kNode, "http://10.96.0.10:80/", 100), 2, 100);
  // A new group (5 endpoints): its map and rules are added in the same transaction.
  services[7].endpoints.resize(5, services[7].endpoints[0]);
  for (int e = 0; e < 5; ++e) services[7].endpoints[e].ip = "10.90.0." + std::to_string(e + 1);
  ASSERT_TRUE(p.Sync(services, {"bulk/svc-0007"}).ok());
  EXPECT_TRUE(p.last_stats().incremental);
  EXPECT_GT(p.last_stats().other_ops, 0u);
  expect_live_is_plan("new group");
  ExpectBalanced(Requests(kNode, "http://10.96.0.10:80/", 100), 2, 100);
  // Outgrowing a set's size (no-endpoint-services: 1 024): rebuilt bigger in one transaction.
  std::set<std::string> changed;
  for (int i = 0; i < 600; ++i) {
    services[i].endpoints.clear();
    changed.insert("bulk/" + services[i].id.name);
  }
  for (int i = 600; i < 1100; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "svc-%04d", i);
    ServicePortInfo s;
    s.id = {"bulk", name, ""};
    s.cluster_ip = "10.98." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1);
    s.port = 80;
    services.insert(services.end() - 1, s);
    changed.insert("bulk/" + s.id.name);
  }
  ASSERT_TRUE(p.Sync(services, changed).ok());
  EXPECT_FALSE(p.last_stats().incremental);
  EXPECT_EQ(p.applied()->sets.at("no-endpoint-services").size, 4096u);
  expect_live_is_plan("outgrown set");
  ExpectBalanced(Requests(kNode, "http://10.96.0.10:80/", 100), 2, 100);
}

TEST_F(ProxyNetnsTest, HairpinBackendReachesItselfThroughItsService) {
  Proxier p(*backend_, Config());
  ASSERT_TRUE(p.Sync({Nginx(1)}).ok());
  auto seen = Requests(Backend(0), "http://10.96.0.10:80/", 5);
  EXPECT_EQ(seen[Backend(0)], 5) << ::testing::PrintToString(seen);
}

TEST_F(ProxyNetnsTest, EndpointsShrinkThenConnectionRefused) {
  Proxier p(*backend_, Config());
  ASSERT_TRUE(p.Sync({Nginx(3)}).ok());
  ExpectBalanced(Requests(kNode, "http://10.96.0.10:80/", 60), 3, 60);
  ASSERT_TRUE(p.Sync({Nginx(1)}).ok());
  auto seen = Requests(kNode, "http://10.96.0.10:80/", 30);
  EXPECT_EQ(seen[Backend(0)], 30) << ::testing::PrintToString(seen);
  ASSERT_TRUE(p.Sync({Nginx(0)}).ok());
  for (const char* url : {"http://10.96.0.10:80/", "http://127.0.0.1:30001/"}) {
    Cmd c = Shell(In(kNode, std::string("curl -s --max-time 5 -o /dev/null ") + url));
    EXPECT_EQ(c.code, 7) << url << " " << c.out;  // connection refused
  }
  Cmd ext = Shell(In(kExternal, "curl -s --max-time 5 -o /dev/null http://192.168.77.1:30001/"));
  EXPECT_EQ(ext.code, 7) << ext.out;
}

TEST_F(ProxyNetnsTest, HundredEndpointUpdatesUnderLoadHaveNoFailures) {
  Proxier p(*backend_, Config());
  ASSERT_TRUE(p.Sync({Nginx(3)}).ok());
  Loop loop = StartLoop("http://10.96.0.10:80/");
  for (int i = 0; i < 100; ++i) {
    ServicePortInfo s = Nginx(3);
    // Never below one endpoint: rotate through {0}, {1,2}, {0,1,2}, {2}, ...
    std::vector<EndpointInfo> eps;
    for (int k = 0; k < 3; ++k)
      if ((i + k) % 3 == 0 || (i % 4 == 1 && k > 0)) eps.push_back(s.endpoints[k]);
    s.endpoints = eps;
    // As the daemon does it: only the changed Service is replanned (groups come and go: rule changes too).
    Status st = p.Sync({s}, {"default/nginx"});
    ASSERT_TRUE(st.ok()) << st.message();
    ASSERT_TRUE(p.last_stats().incremental);
    usleep(20'000);
  }
  auto [fails, total] = loop.Stop();
  EXPECT_EQ(fails, 0) << "of " << total;
  EXPECT_GT(total, 10);
}

TEST_F(ProxyNetnsTest, NewProxierTakesOverTableWithoutFailures) {
  {
    Proxier first(*backend_, Config());
    ASSERT_TRUE(first.Sync({Nginx(3)}).ok());
  }
  Loop loop = StartLoop("http://10.96.0.10:80/");
  for (int i = 0; i < 5; ++i) {
    netfilter::NftnlBackend fresh("/run/netns/" + kNode);
    Proxier restarted(fresh, Config());
    Status st = restarted.Sync({Nginx(i % 2 ? 2 : 3)});
    ASSERT_TRUE(st.ok()) << st.message();
    EXPECT_TRUE(restarted.last_stats().full_resync);
    usleep(100'000);
  }
  auto [fails, total] = loop.Stop();
  EXPECT_EQ(fails, 0) << "of " << total;
  EXPECT_GT(total, 3);
}

}  // namespace
}  // namespace kubenode::proxy
