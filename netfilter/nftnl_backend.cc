#include "netfilter/nftnl_backend.h"

#include <fcntl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <vector>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/gen.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>

#include "base/log.h"
#include "netfilter/nftnl_codec.h"

namespace kubenode::netfilter {
namespace {

// Linux >= 6.3; the build's kernel headers may predate it.
constexpr uint16_t kMsgDestroySetElem = 30;  // NFT_MSG_DESTROYSETELEM
// Element messages are cut at this many payload bytes, so that each stays well below a page batch limit.
constexpr size_t kElementChunkBytes = 32 * 1024;
constexpr size_t kRecvBufSize = 1 << 20;

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

// What one message of the batch was about, for turning its error back into a name.
struct MsgInfo {
  uint32_t seq = 0;
  size_t op = 0;
  size_t first_element = 0;  // element ops: index of the message's first element in the op
  std::vector<std::pair<uint32_t, uint32_t>> element_spans;  // offsets of each element's attribute
};

struct AckError {
  uint32_t seq = 0;
  int error = 0;
  std::string ext_msg;
  std::optional<uint32_t> offset;
};

void ParseAck(const nlmsghdr* nlh, AckError& out) {
  const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
  out.seq = nlh->nlmsg_seq;
  out.error = -err->error;
  if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS)) return;
  size_t off = sizeof(nlmsgerr);
  if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) off += err->msg.nlmsg_len - sizeof(nlmsghdr);
  nlmsghdr* msg = const_cast<nlmsghdr*>(nlh);
  for (auto* attr = static_cast<nlattr*>(mnl_nlmsg_get_payload_offset(msg, off));
       mnl_attr_ok(attr, static_cast<char*>(mnl_nlmsg_get_payload_tail(msg)) - reinterpret_cast<char*>(attr));
       attr = mnl_attr_next(attr)) {
    if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG) out.ext_msg = mnl_attr_get_str(attr);
    if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_OFFS) out.offset = mnl_attr_get_u32(attr);
  }
}

size_t EstimateSize(const Op& op) {
  size_t n = 1024;
  if (auto* a = std::get_if<AddElements>(&op)) {
    for (const auto& [k, d] : a->elements) n += k.size() + d.size() + 48;
    n += (n / kElementChunkBytes + 1) * 1024;
  } else if (auto* d = std::get_if<DeleteElements>(&op)) {
    for (const auto& k : d->keys) n += k.size() + 32;
    n += (n / kElementChunkBytes + 1) * 1024;
  } else if (auto* r = std::get_if<AddRule>(&op)) {
    n += r->rule.exprs.size() * 160;
  }
  return n;
}

}  // namespace

NftnlBackend::NftnlBackend(std::string netns_path) : netns_path_(std::move(netns_path)) {
  seq_ = static_cast<uint32_t>(time(nullptr));
}

NftnlBackend::~NftnlBackend() {
  if (nl_) mnl_socket_close(nl_);
}

Status NftnlBackend::Open() {
  if (nl_) return Status();
  Fd self, target;
  if (!netns_path_.empty()) {
    self.fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    target.fd = open(netns_path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (self.fd < 0 || target.fd < 0) return Status::Error("open network namespace " + netns_path_ + ": " + strerror(errno));
    if (setns(target.fd, CLONE_NEWNET) != 0) return Status::Error("enter network namespace " + netns_path_ + ": " + strerror(errno));
  }
  nl_ = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
  int open_errno = errno;
  if (self.fd >= 0 && setns(self.fd, CLONE_NEWNET) != 0) {
    // Staying in the wrong namespace would misdirect everything this thread does next.
    Logger("netfilter")->critical("cannot return to the original network namespace: {}", strerror(errno));
    std::abort();
  }
  if (!nl_) return Status::Error(std::string("open netfilter netlink socket: ") + strerror(open_errno));
  if (mnl_socket_bind(nl_, 0, MNL_SOCKET_AUTOPID) < 0) {
    Status s = Status::Error(std::string("bind netfilter netlink socket: ") + strerror(errno));
    mnl_socket_close(nl_);
    nl_ = nullptr;
    return s;
  }
  portid_ = mnl_socket_get_portid(nl_);
  int one = 1;
  // CAP_ACK keeps acknowledgements small (no copy of each request); EXT_ACK gives the failing attribute,
  // which names the failing element. Without them acknowledgements overflow sooner and errors say less.
  for (auto [option, name] : {std::pair{NETLINK_CAP_ACK, "NETLINK_CAP_ACK"}, std::pair{NETLINK_EXT_ACK, "NETLINK_EXT_ACK"}}) {
    if (mnl_socket_setsockopt(nl_, option, &one, sizeof one) != 0) {
      Status s = Status::Error(std::string("netfilter netlink socket: set ") + name + ": " + strerror(errno));
      mnl_socket_close(nl_);
      nl_ = nullptr;
      return s;
    }
  }
  return Status();
}

Status SetSocketBuffer(int fd, bool receive, int bytes) {
  const int force = receive ? SO_RCVBUFFORCE : SO_SNDBUFFORCE;
  const int plain = receive ? SO_RCVBUF : SO_SNDBUF;
  if (setsockopt(fd, SOL_SOCKET, force, &bytes, sizeof bytes) == 0) return Status();
  if (setsockopt(fd, SOL_SOCKET, plain, &bytes, sizeof bytes) == 0) return Status();
  return Status::Error(std::string("set ") + (receive ? "SO_RCVBUF" : "SO_SNDBUF") + " to " + std::to_string(bytes) +
                       " bytes: " + strerror(errno));
}

Status NftnlBackend::Apply(const Transaction& tx) {
  std::lock_guard lock(mu_);
  if (Status s = Open(); !s.ok()) return s;
  if (tx.ops.empty()) return Status();

  // Set definitions for naming elements in errors.
  Table context{tx.family, tx.table, {}, {}};
  for (const auto& [key, set] : known_sets_)
    if (key.first == tx.table) context.sets[set.name] = set;
  for (const Op& op : tx.ops)
    if (auto* a = std::get_if<AddSet>(&op)) context.sets[a->set.name] = a->set;

  size_t limit = 64 * 1024;
  for (const Op& op : tx.ops) limit += EstimateSize(op);
  std::vector<char> buf(limit + 64 * 1024);
  mnl_nlmsg_batch* batch = mnl_nlmsg_batch_start(buf.data(), limit);
  std::vector<MsgInfo> msgs;
  Status build_error;
  const uint16_t fam = static_cast<uint16_t>(tx.family);
  const char* table = tx.table.c_str();

  uint32_t begin_seq = seq_++;
  nftnl_batch_begin(static_cast<char*>(mnl_nlmsg_batch_current(batch)), begin_seq);
  mnl_nlmsg_batch_next(batch);

  auto header = [&](uint16_t type, uint16_t flags, size_t op_index) {
    uint32_t seq = seq_++;
    msgs.push_back(MsgInfo{seq, op_index, 0, {}});
    return nftnl_nlmsg_build_hdr(static_cast<char*>(mnl_nlmsg_batch_current(batch)), type, fam,
                                 flags | NLM_F_ACK, seq);
  };
  auto next = [&]() {
    if (!mnl_nlmsg_batch_next(batch) && build_error.ok()) build_error = Status::Error("netlink batch buffer overflow");
  };

  for (size_t i = 0; i < tx.ops.size() && build_error.ok(); ++i) {
    const Op& op = tx.ops[i];
    if (std::holds_alternative<AddTable>(op) || std::holds_alternative<DeleteTable>(op)) {
      bool add = std::holds_alternative<AddTable>(op);
      nlmsghdr* nlh = header(add ? NFT_MSG_NEWTABLE : NFT_MSG_DELTABLE, add ? NLM_F_CREATE : 0, i);
      nftnl_table* t = EncodeTable(tx.family, tx.table);
      nftnl_table_nlmsg_build_payload(nlh, t);
      nftnl_table_free(t);
      next();
    } else if (auto* x = std::get_if<AddChain>(&op)) {
      nlmsghdr* nlh = header(NFT_MSG_NEWCHAIN, NLM_F_CREATE, i);
      nftnl_chain* c = EncodeChain(tx.family, tx.table, x->chain);
      nftnl_chain_nlmsg_build_payload(nlh, c);
      nftnl_chain_free(c);
      next();
    } else if (auto* x = std::get_if<DeleteChain>(&op)) {
      nlmsghdr* nlh = header(NFT_MSG_DELCHAIN, 0, i);
      nftnl_chain* c = EncodeChain(tx.family, tx.table, Chain{x->name, std::nullopt, {}});
      nftnl_chain_nlmsg_build_payload(nlh, c);
      nftnl_chain_free(c);
      next();
    } else if (auto* x = std::get_if<FlushChain>(&op)) {
      nlmsghdr* nlh = header(NFT_MSG_DELRULE, 0, i);
      nftnl_rule* r = nftnl_rule_alloc();
      nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, tx.family);
      nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
      nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, x->name.c_str());
      nftnl_rule_nlmsg_build_payload(nlh, r);
      nftnl_rule_free(r);
      next();
    } else if (auto* x = std::get_if<AddSet>(&op)) {
      nlmsghdr* nlh = header(NFT_MSG_NEWSET, NLM_F_CREATE, i);
      nftnl_set* s = EncodeSet(tx.family, tx.table, x->set, ++set_id_);
      nftnl_set_nlmsg_build_payload(nlh, s);
      nftnl_set_free(s);
      next();
    } else if (std::holds_alternative<DeleteSet>(op) || std::holds_alternative<FlushSet>(op)) {
      bool del = std::holds_alternative<DeleteSet>(op);
      const std::string& name = del ? std::get<DeleteSet>(op).name : std::get<FlushSet>(op).name;
      nlmsghdr* nlh = header(del ? NFT_MSG_DELSET : NFT_MSG_DELSETELEM, 0, i);
      mnl_attr_put_strz(nlh, del ? uint16_t{NFTA_SET_TABLE} : uint16_t{NFTA_SET_ELEM_LIST_TABLE}, table);
      mnl_attr_put_strz(nlh, del ? uint16_t{NFTA_SET_NAME} : uint16_t{NFTA_SET_ELEM_LIST_SET}, name.c_str());
      next();
    } else if (std::holds_alternative<AddElements>(op) || std::holds_alternative<DeleteElements>(op)) {
      const auto* add = std::get_if<AddElements>(&op);
      const auto* del = std::get_if<DeleteElements>(&op);
      const std::string& set = add ? add->set : del->set;
      size_t count = add ? add->elements.size() : del->keys.size();
      uint16_t type = add ? uint16_t{NFT_MSG_NEWSETELEM}
                          : (del->ignore_missing ? kMsgDestroySetElem : uint16_t{NFT_MSG_DELSETELEM});
      size_t e = 0;
      while (e < count && build_error.ok()) {
        nlmsghdr* nlh = header(type, add ? NLM_F_CREATE : 0, i);
        MsgInfo& info = msgs.back();
        info.first_element = e;
        mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, table);
        mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set.c_str());
        nlattr* list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
        size_t bytes = 0;
        for (; e < count && bytes < kElementChunkBytes; ++e) {
          const Bytes& key = add ? add->elements[e].first : del->keys[e];
          uint32_t start = nlh->nlmsg_len;
          nlattr* elem = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
          nlattr* k = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_KEY);
          mnl_attr_put(nlh, NFTA_DATA_VALUE, key.size(), key.data());
          mnl_attr_nest_end(nlh, k);
          if (add && !add->elements[e].second.empty()) {
            const Bytes& data = add->elements[e].second;
            nlattr* d = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_DATA);
            mnl_attr_put(nlh, NFTA_DATA_VALUE, data.size(), data.data());
            mnl_attr_nest_end(nlh, d);
          }
          mnl_attr_nest_end(nlh, elem);
          info.element_spans.emplace_back(start, nlh->nlmsg_len);
          bytes += nlh->nlmsg_len - start;
        }
        mnl_attr_nest_end(nlh, list);
        next();
      }
    } else if (auto* x = std::get_if<AddRule>(&op)) {
      nlmsghdr* nlh = header(NFT_MSG_NEWRULE, NLM_F_CREATE | (x->before_handle ? 0 : NLM_F_APPEND), i);
      Result<nftnl_rule*> r = EncodeRule(tx.family, tx.table, x->chain, x->rule);
      if (!r.ok()) {
        build_error = r.status();
        break;
      }
      if (x->before_handle) nftnl_rule_set_u64(*r, NFTNL_RULE_POSITION, x->before_handle);
      nftnl_rule_nlmsg_build_payload(nlh, *r);
      nftnl_rule_free(*r);
      next();
    } else if (auto* x = std::get_if<DeleteRule>(&op)) {
      nlmsghdr* nlh = header(NFT_MSG_DELRULE, 0, i);
      nftnl_rule* r = nftnl_rule_alloc();
      nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, tx.family);
      nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
      nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, x->chain.c_str());
      nftnl_rule_set_u64(r, NFTNL_RULE_HANDLE, x->handle);
      nftnl_rule_nlmsg_build_payload(nlh, r);
      nftnl_rule_free(r);
      next();
    }
  }
  nftnl_batch_end(static_cast<char*>(mnl_nlmsg_batch_current(batch)), seq_++);
  next();
  if (!build_error.ok()) {
    mnl_nlmsg_batch_stop(batch);
    return build_error.WithContext("build transaction for table " + tx.table);
  }

  size_t size = mnl_nlmsg_batch_size(batch);
  int fd = mnl_socket_get_fd(nl_);
  // The whole batch goes in one sendmsg and every acknowledgement must fit in the receive queue.
  int rcvbuf = static_cast<int>(std::max<size_t>(1 << 20, msgs.size() * 2048));
  for (Status s : {SetSocketBuffer(fd, false, static_cast<int>(size + 4096)), SetSocketBuffer(fd, true, rcvbuf)}) {
    if (!s.ok()) {
      mnl_nlmsg_batch_stop(batch);
      return s.WithContext("netfilter netlink socket for table " + tx.table);
    }
  }

  ssize_t sent = mnl_socket_sendto(nl_, mnl_nlmsg_batch_head(batch), size);
  int send_errno = errno;
  mnl_nlmsg_batch_stop(batch);
  if (sent < 0) return Status::Error("send transaction for table " + tx.table + ": " + strerror(send_errno));

  // The kernel processes the batch inside sendmsg, so every acknowledgement is already queued: read them all
  // without blocking, also after errors, so that each failing message is reported.
  std::map<uint32_t, size_t> pending;  // seq -> index in msgs
  for (size_t i = 0; i < msgs.size(); ++i) pending[msgs[i].seq] = i;
  std::vector<AckError> errors;
  bool lost = false;
  std::vector<char> rbuf(kRecvBufSize);
  while (!pending.empty()) {
    ssize_t n = recv(fd, rbuf.data(), rbuf.size(), MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == ENOBUFS) {  // acknowledgements were dropped: grow the buffer, keep reading what is left
        lost = true;
        rcvbuf *= 2;
        if (Status s = SetSocketBuffer(fd, true, rcvbuf); !s.ok())
          Logger("netfilter")->warn("growing the receive buffer after lost acknowledgements: {}", s.message());
        continue;
      }
      break;  // EAGAIN: nothing more is coming
    }
    int len = static_cast<int>(n);
    for (const nlmsghdr* nlh = reinterpret_cast<const nlmsghdr*>(rbuf.data()); mnl_nlmsg_ok(nlh, len);
         nlh = mnl_nlmsg_next(nlh, &len)) {
      if (nlh->nlmsg_type != NLMSG_ERROR) continue;
      AckError ack;
      ParseAck(nlh, ack);
      pending.erase(ack.seq);
      if (ack.error != 0) errors.push_back(ack);
      if (ack.seq == begin_seq) pending.clear();  // the whole batch failed (e.g. at commit)
    }
  }

  if (errors.empty() && !pending.empty()) {
    return Status::Error("transaction for table " + tx.table + ": " + std::to_string(pending.size()) +
                         " of " + std::to_string(msgs.size()) + " acknowledgements missing" +
                         (lost ? " (receive buffer overflowed)" : "") + "; outcome unknown");
  }
  if (errors.empty()) {
    for (const Op& op : tx.ops) {
      if (auto* a = std::get_if<AddSet>(&op)) known_sets_[{tx.table, a->set.name}] = a->set;
      if (std::holds_alternative<DeleteTable>(op)) {
        for (auto it = known_sets_.begin(); it != known_sets_.end();)
          it = it->first.first == tx.table ? known_sets_.erase(it) : std::next(it);
      }
    }
    return Status();
  }

  std::string message;
  for (const AckError& e : errors) {
    std::string what;
    auto it = std::find_if(msgs.begin(), msgs.end(), [&](const MsgInfo& m) { return m.seq == e.seq; });
    if (e.seq == begin_seq) {
      what = "commit of transaction for table " + tx.table;
    } else if (it == msgs.end()) {
      what = "message seq " + std::to_string(e.seq);
    } else {
      int element = -1;
      if (e.offset) {
        for (size_t k = 0; k < it->element_spans.size(); ++k) {
          if (*e.offset >= it->element_spans[k].first && *e.offset < it->element_spans[k].second) {
            element = static_cast<int>(it->first_element + k);
            break;
          }
        }
      }
      what = Describe(tx, tx.ops[it->op], &context, element);
    }
    if (!message.empty()) message += "; ";
    message += what + ": " + strerror(e.error);
    if (!e.ext_msg.empty()) message += " (" + e.ext_msg + ")";
  }
  return Status::Error(message);
}

template <typename F>
Status NftnlBackend::Request(void* msg, size_t len, uint32_t seq, const std::string& what, F&& on_msg) {
  if (mnl_socket_sendto(nl_, msg, len) < 0) return Status::Error(what + ": send: " + strerror(errno));
  std::vector<char> rbuf(kRecvBufSize);
  while (true) {
    ssize_t n = mnl_socket_recvfrom(nl_, rbuf.data(), rbuf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::Error(what + ": receive: " + strerror(errno));
    }
    int len_left = static_cast<int>(n);
    for (const nlmsghdr* nlh = reinterpret_cast<const nlmsghdr*>(rbuf.data()); mnl_nlmsg_ok(nlh, len_left);
         nlh = mnl_nlmsg_next(nlh, &len_left)) {
      if (nlh->nlmsg_seq != seq) continue;
      if (nlh->nlmsg_type == NLMSG_DONE) return Status();
      if (nlh->nlmsg_type == NLMSG_ERROR) {
        AckError ack;
        ParseAck(nlh, ack);
        if (ack.error == 0) return Status();
        errno = ack.error;
        return Status::Error(what + ": " + strerror(ack.error));
      }
      if (Status s = on_msg(nlh); !s.ok()) return s.WithContext(what);
    }
  }
}

Result<uint32_t> NftnlBackend::GenerationId() {
  char buf[MNL_SOCKET_BUFFER_SIZE];
  uint32_t seq = seq_++;
  nlmsghdr* nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETGEN, AF_UNSPEC, NLM_F_ACK, seq);
  uint32_t id = 0;
  Status s = Request(nlh, nlh->nlmsg_len, seq, "get ruleset generation", [&](const nlmsghdr* m) {
    nftnl_gen* g = nftnl_gen_alloc();
    if (nftnl_gen_nlmsg_parse(m, g) == 0) id = nftnl_gen_get_u32(g, NFTNL_GEN_ID);
    nftnl_gen_free(g);
    return Status();
  });
  if (!s.ok()) return s;
  return id;
}

Result<std::optional<Table>> NftnlBackend::Dump(uint32_t family, const std::string& table, bool elements) {
  std::lock_guard lock(mu_);
  if (Status s = Open(); !s.ok()) return s;
  // A dump spans several requests; retry if the ruleset changed in between.
  for (int attempt = 0; attempt < 5; ++attempt) {
    Result<uint32_t> before = GenerationId();
    if (!before.ok()) return before.status();
    std::optional<Table> out;
    if (Status s = DumpOnce(family, table, elements, out); !s.ok()) return s;
    Result<uint32_t> after = GenerationId();
    if (!after.ok()) return after.status();
    if (*before == *after) return out;
  }
  return Status::Error("dump table " + table + ": ruleset kept changing");
}

Status NftnlBackend::DumpOnce(uint32_t family, const std::string& name, bool elements, std::optional<Table>& out) {
  char buf[MNL_SOCKET_BUFFER_SIZE];
  const uint16_t fam = static_cast<uint16_t>(family);
  const std::string what = "dump table " + name;

  // Does the table exist?
  uint32_t seq = seq_++;
  nlmsghdr* nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, fam, NLM_F_ACK, seq);
  nftnl_table* t = EncodeTable(family, name);
  nftnl_table_nlmsg_build_payload(nlh, t);
  nftnl_table_free(t);
  bool exists = false;
  Status s = Request(nlh, nlh->nlmsg_len, seq, what, [&](const nlmsghdr*) {
    exists = true;
    return Status();
  });
  if (!s.ok()) {
    if (errno == ENOENT) return Status();  // no such table
    return s;
  }
  if (!exists) return Status();
  Table table{family, name, {}, {}};

  seq = seq_++;
  nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETCHAIN, fam, NLM_F_DUMP, seq);
  nftnl_chain* cf = nftnl_chain_alloc();
  nftnl_chain_set_str(cf, NFTNL_CHAIN_TABLE, name.c_str());
  nftnl_chain_nlmsg_build_payload(nlh, cf);
  nftnl_chain_free(cf);
  s = Request(nlh, nlh->nlmsg_len, seq, what + ": chains", [&](const nlmsghdr* m) {
    nftnl_chain* c = nftnl_chain_alloc();
    if (nftnl_chain_nlmsg_parse(m, c) == 0 && nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE) == name)
      table.chains.push_back(DecodeChain(c));
    nftnl_chain_free(c);
    return Status();
  });
  if (!s.ok()) return s;

  seq = seq_++;
  nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSET, fam, NLM_F_DUMP, seq);
  nftnl_set* sf = nftnl_set_alloc();
  nftnl_set_set_str(sf, NFTNL_SET_TABLE, name.c_str());
  nftnl_set_nlmsg_build_payload(nlh, sf);
  nftnl_set_free(sf);
  s = Request(nlh, nlh->nlmsg_len, seq, what + ": sets", [&](const nlmsghdr* m) {
    nftnl_set* set = nftnl_set_alloc();
    if (nftnl_set_nlmsg_parse(m, set) == 0 && nftnl_set_get_str(set, NFTNL_SET_TABLE) == name) {
      Set decoded = DecodeSet(set);
      table.sets[decoded.name] = decoded;
    }
    nftnl_set_free(set);
    return Status();
  });
  if (!s.ok()) return s;

  for (auto& [set_name, set] : table.sets) {
    known_sets_[{name, set_name}] = set;
    if (!elements) continue;
    seq = seq_++;
    nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, fam, NLM_F_DUMP, seq);
    mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, name.c_str());
    mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set_name.c_str());
    Set* target = &set;
    s = Request(nlh, nlh->nlmsg_len, seq, what + ": elements of set " + set_name, [&](const nlmsghdr* m) {
      nftnl_set* parsed = nftnl_set_alloc();
      if (nftnl_set_elems_nlmsg_parse(m, parsed) == 0) {
        nftnl_set_elems_iter* it = nftnl_set_elems_iter_create(parsed);
        for (nftnl_set_elem* e = nftnl_set_elems_iter_next(it); e; e = nftnl_set_elems_iter_next(it)) {
          uint32_t klen = 0, dlen = 0;
          const void* k = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &klen);
          Bytes data;
          if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_DATA)) {
            const void* d = nftnl_set_elem_get(e, NFTNL_SET_ELEM_DATA, &dlen);
            data.assign(static_cast<const char*>(d), dlen);
          }
          if (k) target->elements[Bytes(static_cast<const char*>(k), klen)] = data;
        }
        nftnl_set_elems_iter_destroy(it);
      }
      nftnl_set_free(parsed);
      return Status();
    });
    if (!s.ok()) return s;
  }

  seq = seq_++;
  nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, fam, NLM_F_DUMP, seq);
  nftnl_rule* rf = nftnl_rule_alloc();
  nftnl_rule_set_str(rf, NFTNL_RULE_TABLE, name.c_str());
  nftnl_rule_nlmsg_build_payload(nlh, rf);
  nftnl_rule_free(rf);
  s = Request(nlh, nlh->nlmsg_len, seq, what + ": rules", [&](const nlmsghdr* m) -> Status {
    nftnl_rule* r = nftnl_rule_alloc();
    Status st;
    if (nftnl_rule_nlmsg_parse(m, r) == 0 && nftnl_rule_get_str(r, NFTNL_RULE_TABLE) == name) {
      std::string chain = nftnl_rule_get_str(r, NFTNL_RULE_CHAIN);
      Result<Rule> rule = DecodeRule(r);
      if (!rule.ok()) {
        st = rule.status().WithContext("chain " + chain);
      } else if (Chain* c = table.FindChain(chain)) {
        c->rules.push_back(std::move(*rule));
      }
    }
    nftnl_rule_free(r);
    return st;
  });
  if (!s.ok()) return s;
  out = std::move(table);
  return Status();
}

}  // namespace kubenode::netfilter
