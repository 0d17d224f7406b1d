#include "host/node_info.h"

#include <net/if.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <memory>
#include <sstream>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>

namespace kubenode::host {
namespace {

struct SocketCloser {
  void operator()(nl_sock* s) const { nl_socket_free(s); }
};
struct CacheFreer {
  void operator()(nl_cache* c) const { nl_cache_free(c); }
};
using SocketPtr = std::unique_ptr<nl_sock, SocketCloser>;
using CachePtr = std::unique_ptr<nl_cache, CacheFreer>;

std::string FirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

std::string OsPrettyName() {
  std::ifstream in("/etc/os-release");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("PRETTY_NAME=", 0) != 0) continue;
    std::string value = line.substr(12);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    return value;
  }
  return "";
}

std::string GoArch(const std::string& machine) {
  if (machine == "x86_64") return "amd64";
  if (machine == "aarch64") return "arm64";
  if (machine == "armv7l") return "arm";
  return machine;
}

int64_t MemTotalBytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  int64_t kib = 0;
  std::string unit;
  while (in >> key >> kib >> unit) {
    if (key == "MemTotal:") return kib * 1024;
  }
  return 0;
}

// Interface index of the IPv4 default route with the lowest metric, or 0.
int DefaultRouteInterface(nl_cache* routes) {
  int best_ifindex = 0;
  uint32_t best_priority = UINT32_MAX;
  for (nl_object* obj = nl_cache_get_first(routes); obj != nullptr; obj = nl_cache_get_next(obj)) {
    auto* route = reinterpret_cast<rtnl_route*>(obj);
    if (rtnl_route_get_family(route) != AF_INET || rtnl_route_get_table(route) != RT_TABLE_MAIN) continue;
    nl_addr* dst = rtnl_route_get_dst(route);
    if (dst != nullptr && nl_addr_get_prefixlen(dst) != 0) continue;
    if (rtnl_route_get_nnexthops(route) == 0) continue;
    uint32_t priority = rtnl_route_get_priority(route);
    if (priority >= best_priority) continue;
    best_priority = priority;
    best_ifindex = rtnl_route_nh_get_ifindex(rtnl_route_nexthop_n(route, 0));
  }
  return best_ifindex;
}

std::string AddressText(rtnl_addr* addr) {
  char buf[INET6_ADDRSTRLEN + 8];
  nl_addr* local = rtnl_addr_get_local(addr);
  if (local == nullptr) return "";
  nl_addr2str(local, buf, sizeof(buf));
  std::string text(buf);
  auto slash = text.find('/');
  return slash == std::string::npos ? text : text.substr(0, slash);
}

}  // namespace

Result<std::string> PrimaryIPv4Address() {
  SocketPtr sock(nl_socket_alloc());
  if (!sock) return Status::Error("netlink: cannot allocate a socket");
  if (int err = nl_connect(sock.get(), NETLINK_ROUTE); err < 0) {
    return Status::Error(std::string("netlink: connect: ") + nl_geterror(err));
  }
  nl_cache *raw_links = nullptr, *raw_addrs = nullptr, *raw_routes = nullptr;
  if (int err = rtnl_link_alloc_cache(sock.get(), AF_UNSPEC, &raw_links); err < 0) {
    return Status::Error(std::string("netlink: list links: ") + nl_geterror(err));
  }
  CachePtr links(raw_links);
  if (int err = rtnl_addr_alloc_cache(sock.get(), &raw_addrs); err < 0) {
    return Status::Error(std::string("netlink: list addresses: ") + nl_geterror(err));
  }
  CachePtr addrs(raw_addrs);
  if (int err = rtnl_route_alloc_cache(sock.get(), AF_INET, 0, &raw_routes); err < 0) {
    return Status::Error(std::string("netlink: list routes: ") + nl_geterror(err));
  }
  CachePtr routes(raw_routes);

  const int default_ifindex = DefaultRouteInterface(routes.get());
  std::string fallback;
  for (nl_object* obj = nl_cache_get_first(addrs.get()); obj != nullptr; obj = nl_cache_get_next(obj)) {
    auto* addr = reinterpret_cast<rtnl_addr*>(obj);
    if (rtnl_addr_get_family(addr) != AF_INET || rtnl_addr_get_scope(addr) != RT_SCOPE_UNIVERSE) continue;
    const int ifindex = rtnl_addr_get_ifindex(addr);
    if (ifindex == default_ifindex) return AddressText(addr);
    rtnl_link* link = rtnl_link_get(links.get(), ifindex);
    if (link == nullptr) continue;
    const unsigned flags = rtnl_link_get_flags(link);
    rtnl_link_put(link);
    if ((flags & IFF_UP) && !(flags & IFF_LOOPBACK) && fallback.empty()) fallback = AddressText(addr);
  }
  if (!fallback.empty()) return fallback;
  return Status::Error("no global IPv4 address on any interface that is up");
}

std::string NodeName() {
  char buf[256] = {};
  gethostname(buf, sizeof(buf) - 1);
  std::string name(buf);
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  return name;
}

Result<NodeInfo> ReadNodeInfo() {
  NodeInfo info;
  info.hostname = NodeName();
  auto ip = PrimaryIPv4Address();
  if (!ip.ok()) return ip.status().WithContext("node InternalIP");
  info.internal_ip = *ip;
  utsname uts{};
  if (uname(&uts) == 0) {
    info.kernel_version = uts.release;
    info.architecture = GoArch(uts.machine);
  }
  info.os_image = OsPrettyName();
  info.machine_id = FirstLine("/etc/machine-id");
  info.boot_id = FirstLine("/proc/sys/kernel/random/boot_id");
  info.cpu_count = sysconf(_SC_NPROCESSORS_ONLN);
  info.memory_bytes = MemTotalBytes();
  return info;
}

}  // namespace kubenode::host
