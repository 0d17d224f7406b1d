#include "netfilter/render.h"

#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <sstream>

#include "netfilter/values.h"

namespace kubenode::netfilter {
namespace {

enum class Kind { kPlain, kFibType, kCtStatus, kMapResult };

struct RegVal {
  std::string text;
  TypeList types;  // empty: integer-ish
  Kind kind = Kind::kPlain;
  std::optional<Bitwise> bw;
  uint32_t span = 1;  // registers covered by this value (map results of concatenated data)
  bool consumed = false;
};

std::string Hex32(const Bytes& b) {
  uint32_t x = 0;
  std::memcpy(&x, b.data(), std::min<size_t>(4, b.size()));
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", x);
  return buf;
}

int PrefixLen(const Bytes& mask) {
  int len = 0;
  bool ended = false;
  for (unsigned char c : mask) {
    for (int bit = 7; bit >= 0; --bit) {
      bool set = c & (1 << bit);
      if (set && ended) return -1;
      if (set) ++len; else ended = true;
    }
  }
  return len;
}

std::string CtStatusNames(uint32_t bits) {
  static const std::pair<uint32_t, const char*> kNames[] = {
      {IPS_EXPECTED, "expected"}, {IPS_SEEN_REPLY, "seen-reply"}, {IPS_ASSURED, "assured"},
      {IPS_CONFIRMED, "confirmed"}, {IPS_SRC_NAT, "snat"}, {IPS_DST_NAT, "dnat"}, {IPS_DYING, "dying"}};
  std::string out;
  for (auto [bit, name] : kNames) {
    if (bits & bit) {
      if (!out.empty()) out += ",";
      out += name;
    }
  }
  return out.empty() ? Hex32(U32(bits)) : out;
}

std::string FormatTyped(const RegVal& rv, const Bytes& data) {
  if (rv.kind == Kind::kFibType) {
    uint32_t t = 0;
    std::memcpy(&t, data.data(), std::min<size_t>(4, data.size()));
    static const char* kTypes[] = {"unspec", "unicast", "local", "broadcast", "anycast", "multicast", "blackhole",
                                   "unreachable", "prohibit"};
    return t < 9 ? kTypes[t] : std::to_string(t);
  }
  if (rv.kind == Kind::kCtStatus) {
    uint32_t t = 0;
    std::memcpy(&t, data.data(), std::min<size_t>(4, data.size()));
    return CtStatusNames(t);
  }
  if (rv.types.empty()) return FormatOne(DataType::kInteger, data);
  return FormatValue(rv.types, data);
}

class RuleRenderer {
 public:
  explicit RuleRenderer(const Table* context) : context_(context) {}

  std::string Render(const Rule& rule) {
    for (const Expr& e : rule.exprs) std::visit([this](const auto& x) { On(x); }, e);
    std::string out;
    for (const std::string& s : stmts_) {
      if (!out.empty()) out += " ";
      out += s;
    }
    return out;
  }

 private:
  void Load(uint32_t reg, std::string text, TypeList types, Kind kind = Kind::kPlain) {
    regs_[reg] = RegVal{std::move(text), std::move(types), kind, std::nullopt, 1, false};
  }
  const RegVal& Get(uint32_t reg) {
    static const RegVal kUnknown{"?", {}, Kind::kPlain, std::nullopt, 1, false};
    auto it = regs_.find(reg);
    return it == regs_.end() ? kUnknown : it->second;
  }

  // Text of a concatenation of `fields` values starting at `reg` (fields == 0: infer from loaded registers).
  std::string Concat(uint32_t reg, size_t fields) {
    std::string out;
    size_t n = 0;
    for (uint32_t r = reg;; ++n) {
      auto it = regs_.find(r);
      if (fields ? n >= fields : (it == regs_.end() || it->second.consumed)) break;
      if (it == regs_.end()) {
        out += (out.empty() ? "" : " . ") + std::string("?");
        ++r;
        continue;
      }
      out += (out.empty() ? "" : " . ") + ValueText(it->second);
      it->second.consumed = true;
      n += it->second.span - 1;
      r += it->second.span;
    }
    return out;
  }

  std::string ValueText(const RegVal& rv) {
    if (!rv.bw) return rv.text;
    const Bitwise& b = *rv.bw;
    bool xor_zero = b.xor_ == Bytes(b.xor_.size(), '\0');
    Bytes inv_xor = b.xor_;
    for (char& c : inv_xor) c = static_cast<char>(~c);
    if (b.mask == inv_xor) return rv.text + " | " + Hex32(b.xor_);
    if (xor_zero) return rv.text + " & " + Hex32(b.mask);
    return "(" + rv.text + " & " + Hex32(b.mask) + ") ^ " + Hex32(b.xor_);
  }

  size_t KeyFields(const std::string& set, bool data) {
    if (!context_) return 0;
    auto it = context_->sets.find(set);
    if (it == context_->sets.end()) return 0;
    return data ? it->second.data.size() : it->second.key.size();
  }

  void On(const PayloadLoad& p) {
    if (p.base == NFT_PAYLOAD_NETWORK_HEADER && p.offset == 12 && p.len == 4) return Load(p.dreg, "ip saddr", {DataType::kIpv4Addr});
    if (p.base == NFT_PAYLOAD_NETWORK_HEADER && p.offset == 16 && p.len == 4) return Load(p.dreg, "ip daddr", {DataType::kIpv4Addr});
    if (p.base == NFT_PAYLOAD_TRANSPORT_HEADER && p.offset == 0 && p.len == 2) return Load(p.dreg, "th sport", {DataType::kInetService});
    if (p.base == NFT_PAYLOAD_TRANSPORT_HEADER && p.offset == 2 && p.len == 2) return Load(p.dreg, "th dport", {DataType::kInetService});
    static const char* kBase[] = {"ll", "nh", "th", "ih"};
    Load(p.dreg, "@" + std::string(p.base < 4 ? kBase[p.base] : "?") + "," + std::to_string(p.offset * 8) + "," + std::to_string(p.len * 8), {});
  }
  void On(const MetaLoad& m) {
    if (m.key == NFT_META_L4PROTO) return Load(m.dreg, "meta l4proto", {DataType::kInetProto});
    if (m.key == NFT_META_MARK) return Load(m.dreg, "meta mark", {DataType::kMark});
    Load(m.dreg, "meta key " + std::to_string(m.key), {});
  }
  void On(const MetaSet& m) {
    std::string key = m.key == NFT_META_MARK ? "mark" : "key " + std::to_string(m.key);
    stmts_.push_back("meta " + key + " set " + ValueText(Get(m.sreg)));
  }
  void On(const CtLoad& c) {
    std::string dir = !c.dir ? "" : (*c.dir == IP_CT_DIR_ORIGINAL ? "original " : "reply ");
    switch (c.key) {
      case NFT_CT_STATUS: return Load(c.dreg, "ct status", {}, Kind::kCtStatus);
      case NFT_CT_SRC_IP: return Load(c.dreg, "ct " + dir + "ip saddr", {DataType::kIpv4Addr});
      case NFT_CT_DST_IP: return Load(c.dreg, "ct " + dir + "ip daddr", {DataType::kIpv4Addr});
      case NFT_CT_PROTO_SRC: return Load(c.dreg, "ct " + dir + "proto-src", {DataType::kInetService});
      case NFT_CT_PROTO_DST: return Load(c.dreg, "ct " + dir + "proto-dst", {DataType::kInetService});
      default: Load(c.dreg, "ct " + dir + "key " + std::to_string(c.key), {});
    }
  }
  void On(const FibLoad& f) {
    std::string what = (f.flags & NFTA_FIB_F_DADDR) ? "daddr" : "saddr";
    if (f.result == NFT_FIB_RESULT_ADDRTYPE) return Load(f.dreg, "fib " + what + " type", {}, Kind::kFibType);
    Load(f.dreg, "fib " + what + " result " + std::to_string(f.result), {});
  }
  void On(const Numgen& n) {
    std::string text = std::string("numgen ") + (n.type == NFT_NG_RANDOM ? "random" : "inc") + " mod " + std::to_string(n.modulus);
    if (n.offset) text += " offset " + std::to_string(n.offset);
    Load(n.dreg, text, {DataType::kInteger});
  }
  void On(const Bitwise& b) {
    RegVal rv = Get(b.sreg);
    if (rv.bw) rv.text = ValueText(rv);
    rv.bw = b;
    rv.consumed = false;
    regs_[b.dreg] = rv;
  }
  void On(const Cmp& c) {
    RegVal& rv = regs_[c.sreg];
    rv.consumed = true;
    std::string op = c.op == NFT_CMP_EQ ? "" : c.op == NFT_CMP_NEQ ? "!= " : "op" + std::to_string(c.op) + " ";
    if (rv.bw) {
      const Bitwise& b = *rv.bw;
      bool xor_zero = b.xor_ == Bytes(b.xor_.size(), '\0');
      bool data_zero = c.data == Bytes(c.data.size(), '\0');
      if (rv.kind == Kind::kCtStatus && xor_zero && data_zero && c.op == NFT_CMP_NEQ) {
        uint32_t mask = 0;
        std::memcpy(&mask, b.mask.data(), std::min<size_t>(4, b.mask.size()));
        stmts_.push_back(rv.text + " " + CtStatusNames(mask));
        return;
      }
      int prefix = PrefixLen(b.mask);
      if (xor_zero && prefix >= 0 && rv.types == TypeList{DataType::kIpv4Addr}) {
        stmts_.push_back(rv.text + " " + op + FormatOne(DataType::kIpv4Addr, c.data) + "/" + std::to_string(prefix));
        return;
      }
      stmts_.push_back(ValueText(rv) + " " + (op.empty() ? "== " : op) + Hex32(c.data));
      return;
    }
    stmts_.push_back(rv.text + " " + op + FormatTyped(rv, c.data));
  }
  void On(const Lookup& l) {
    std::string key = Concat(l.sreg, KeyFields(l.set, false));
    if (l.dreg) {
      size_t data_fields = KeyFields(l.set, true);
      TypeList types;
      if (context_ && context_->sets.count(l.set)) types = context_->sets.at(l.set).data;
      RegVal rv{key + " map @" + l.set, types, Kind::kMapResult, std::nullopt,
                static_cast<uint32_t>(std::max<size_t>(1, data_fields)), false};
      regs_[*l.dreg] = rv;
      for (uint32_t i = 1; i < rv.span; ++i) regs_.erase(*l.dreg + i);
      return;
    }
    stmts_.push_back(key + ((l.flags & NFT_LOOKUP_F_INV) ? " != @" : " @") + l.set);
  }
  void On(const Nat& n) {
    std::string s = n.type == NFT_NAT_DNAT ? "dnat" : "snat";
    s += n.family == NFPROTO_IPV4 ? " ip to " : " to ";
    const RegVal& addr = Get(n.reg_addr);
    s += addr.text;
    if (n.reg_proto && !(addr.span >= 2 && n.reg_proto == n.reg_addr + 1)) s += ":" + Get(n.reg_proto).text;
    stmts_.push_back(s + NatFlags(n.flags));
  }
  static std::string NatFlags(uint32_t flags) {
    std::string s;
    if (flags & NF_NAT_RANGE_PROTO_RANDOM) s += " random";
    if (flags & NF_NAT_RANGE_PROTO_RANDOM_FULLY) s += " fully-random";
    if (flags & NF_NAT_RANGE_PERSISTENT) s += " persistent";
    return s;
  }
  void On(const Masquerade& m) { stmts_.push_back("masquerade" + NatFlags(m.flags)); }
  void On(const Reject& r) {
    if (r.type == NFT_REJECT_TCP_RST) return stmts_.push_back("reject with tcp reset");
    if (r.type == NFT_REJECT_ICMP_UNREACH && r.code == 3) return stmts_.push_back("reject");
    stmts_.push_back("reject with icmp " + std::to_string(r.code));
  }
  void On(const Verdict& v) {
    stmts_.push_back(v.code == NF_DROP ? "drop" : v.code == NF_ACCEPT ? "accept" : "verdict " + std::to_string(v.code));
  }
  void On(const Counter&) { stmts_.push_back("counter"); }
  void On(const Dynset& d) {
    std::string key = Concat(d.sreg_key, KeyFields(d.set, false));
    std::string s = std::string(d.op == NFT_DYNSET_OP_UPDATE ? "update" : "add") + " @" + d.set + " { " + key;
    if (d.timeout_ms) s += " timeout " + std::to_string(d.timeout_ms / 1000) + "s";
    if (d.sreg_data) s += " : " + Concat(*d.sreg_data, KeyFields(d.set, true));
    stmts_.push_back(s + " }");
  }

  const Table* context_;
  std::map<uint32_t, RegVal> regs_;
  std::vector<std::string> stmts_;
};

}  // namespace

const char* HookName(uint32_t hook) {
  switch (hook) {
    case NF_INET_PRE_ROUTING: return "prerouting";
    case NF_INET_LOCAL_IN: return "input";
    case NF_INET_FORWARD: return "forward";
    case NF_INET_LOCAL_OUT: return "output";
    case NF_INET_POST_ROUTING: return "postrouting";
  }
  return "?";
}

std::string RenderRule(const Rule& rule, const Table* context) { return RuleRenderer(context).Render(rule); }

std::string RenderSet(const Set& set) {
  std::ostringstream o;
  o << "\t" << (set.IsMap() ? "map " : "set ") << set.name << " {\n\t\ttype ";
  auto types = [](const TypeList& t) {
    std::string s;
    for (DataType d : t) s += (s.empty() ? "" : " . ") + std::string(NameOf(d));
    return s;
  };
  o << types(set.key);
  if (set.IsMap()) o << " : " << types(set.data);
  o << "\n";
  if (set.flags & (kSetFlagDynamic | kSetFlagTimeout)) {
    std::string f;
    if (set.flags & kSetFlagDynamic) f += "dynamic";
    if (set.flags & kSetFlagTimeout) f += std::string(f.empty() ? "" : ",") + "timeout";
    o << "\t\tflags " << f << "\n";
  }
  if (set.timeout_ms) o << "\t\ttimeout " << set.timeout_ms / 1000 << "s\n";
  if (!set.elements.empty()) {
    o << "\t\telements = {";
    bool first = true;
    for (const auto& [k, v] : set.elements) {
      o << (first ? " " : ",\n\t\t\t     ") << FormatValue(set.key, k);
      if (set.IsMap()) o << " : " << FormatValue(set.data, v);
      first = false;
    }
    o << " }\n";
  }
  o << "\t}\n";
  return o.str();
}

std::string RenderChain(const Chain& chain, const Table* context) {
  std::ostringstream o;
  o << "\tchain " << chain.name << " {\n";
  if (chain.base) {
    o << "\t\ttype " << chain.base->type << " hook " << HookName(chain.base->hook) << " priority "
      << chain.base->priority << "; policy accept;\n";
  }
  for (const Rule& r : chain.rules) o << "\t\t" << RenderRule(r, context) << "\n";
  o << "\t}\n";
  return o.str();
}

std::string RenderTable(const Table& table) {
  std::ostringstream o;
  o << "table " << (table.family == NFPROTO_IPV4 ? "ip" : std::to_string(table.family)) << " " << table.name << " {\n";
  bool first = true;
  for (const auto& [name, set] : table.sets) {
    o << (first ? "" : "\n") << RenderSet(set);
    first = false;
  }
  std::vector<const Chain*> chains;
  for (const Chain& c : table.chains) chains.push_back(&c);
  std::sort(chains.begin(), chains.end(), [](const Chain* a, const Chain* b) { return a->name < b->name; });
  for (const Chain* c : chains) {
    o << (first ? "" : "\n") << RenderChain(*c, &table);
    first = false;
  }
  o << "}\n";
  return o.str();
}

}  // namespace kubenode::netfilter
