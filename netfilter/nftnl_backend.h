// The kernel Backend: libnftnl + libmnl over one NETLINK_NETFILTER socket. A Transaction becomes one
// mnl_nlmsg_batch between NFNL_MSG_BATCH_BEGIN/END, sent with a single sendmsg; every message asks for an
// acknowledgement and every acknowledgement is read (also after an error), so an error names the op — and
// for element ops the element, using the kernel's extended ack offset — that failed. The kernel applies the
// batch all or nothing.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "netfilter/backend.h"

struct mnl_socket;

namespace kubenode::netfilter {

class NftnlBackend : public Backend {
 public:
  // `netns_path` (e.g. /run/netns/NAME): the socket is opened inside that network namespace, whatever
  // namespace the calling thread is in. Empty: the caller's namespace.
  explicit NftnlBackend(std::string netns_path = "");
  ~NftnlBackend() override;
  NftnlBackend(const NftnlBackend&) = delete;
  NftnlBackend& operator=(const NftnlBackend&) = delete;

  Status Apply(const Transaction& tx) override;
  Result<std::optional<Table>> Dump(uint32_t family, const std::string& table, bool elements = true) override;

 private:
  Status Open();
  Status DumpOnce(uint32_t family, const std::string& table, bool elements, std::optional<Table>& out);
  Result<uint32_t> GenerationId();
  // Sends one request and feeds every reply message to `on_msg` until NLMSG_DONE / the ack.
  template <typename F>
  Status Request(void* msg, size_t len, uint32_t seq, const std::string& what, F&& on_msg);

  std::string netns_path_;
  std::mutex mu_;
  mnl_socket* nl_ = nullptr;
  uint32_t portid_ = 0;
  uint32_t seq_ = 0;
  uint32_t set_id_ = 0;
  std::map<std::pair<std::string, std::string>, Set> known_sets_;  // (table, set) definitions, for errors
};

// Sets the socket's send (or receive) buffer to `bytes`: SO_SNDBUFFORCE / SO_RCVBUFFORCE (root), else the
// unprivileged option (capped by net.core.*mem_max). Error names the option and errno when both fail.
Status SetSocketBuffer(int fd, bool receive, int bytes);

}  // namespace kubenode::netfilter
