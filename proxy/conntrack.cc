#include "proxy/conntrack.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

#include "base/ipv4.h"

namespace kubenode::proxy {
namespace {

struct Match {
  uint32_t ip = 0;    // network order
  uint16_t port = 0;  // network order
  std::vector<nf_conntrack*> found;
};

int Collect(enum nf_conntrack_msg_type, nf_conntrack* ct, void* data) {
  auto* m = static_cast<Match*>(data);
  if (nfct_get_attr_u8(ct, ATTR_REPL_L4PROTO) == IPPROTO_UDP && nfct_get_attr_u32(ct, ATTR_REPL_IPV4_SRC) == m->ip &&
      nfct_get_attr_u16(ct, ATTR_REPL_PORT_SRC) == m->port) {
    m->found.push_back(nfct_clone(ct));
  }
  return NFCT_CB_CONTINUE;
}

// Opens a conntrack handle inside `netns` (empty: the caller's namespace).
nfct_handle* OpenIn(const std::string& netns, std::string& error) {
  int self = -1, target = -1;
  if (!netns.empty()) {
    self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    target = open(netns.c_str(), O_RDONLY | O_CLOEXEC);
    if (self < 0 || target < 0 || setns(target, CLONE_NEWNET) != 0) {
      error = "enter network namespace " + netns + ": " + strerror(errno);
      if (self >= 0) close(self);
      if (target >= 0) close(target);
      return nullptr;
    }
  }
  nfct_handle* h = nfct_open(CONNTRACK, 0);
  if (!h) error = std::string("open conntrack netlink socket: ") + strerror(errno);
  if (self >= 0) {
    if (setns(self, CLONE_NEWNET) != 0) std::abort();  // never keep a thread in the wrong namespace
    close(self);
    close(target);
  }
  return h;
}

}  // namespace

Result<int> NetlinkConntrack::DeleteUdpToEndpoint(const std::string& ip, uint16_t port) {
  const std::string what = "delete UDP conntrack entries to " + ip + ":" + std::to_string(port);
  Match m;
  std::optional<uint32_t> address = ParseIPv4(ip);
  if (!address) return Status::Error(what + ": not an IPv4 address");
  m.ip = htonl(*address);
  m.port = htons(port);
  std::string error;
  nfct_handle* h = OpenIn(netns_path_, error);
  if (!h) return Status::Error(what + ": " + error);
  nfct_callback_register(h, NFCT_T_ALL, Collect, &m);
  uint32_t family = AF_INET;
  int rc = nfct_query(h, NFCT_Q_DUMP, &family);
  int dump_errno = errno;
  int deleted = 0;
  Status status;
  if (rc < 0) status = Status::Error(what + ": dump: " + strerror(dump_errno));
  for (nf_conntrack* ct : m.found) {
    if (status.ok()) {
      if (nfct_query(h, NFCT_Q_DESTROY, ct) == 0) {
        ++deleted;
      } else if (errno != ENOENT) {  // gone meanwhile: fine
        status = Status::Error(what + ": destroy: " + strerror(errno));
      }
    }
    nfct_destroy(ct);
  }
  nfct_close(h);
  if (!status.ok()) return status;
  return deleted;
}

}  // namespace kubenode::proxy
