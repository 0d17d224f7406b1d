#include "netfilter/nftnl_codec.h"

#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>

#include <cstring>

#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>

namespace kubenode::netfilter {
namespace {

uint32_t NormalizeReg(uint32_t reg) {
  if (reg >= 1 && reg <= 4) return Reg32((reg - 1) * 4);
  return reg;
}

void SetData(nftnl_expr* e, uint16_t attr, const Bytes& b) { nftnl_expr_set(e, attr, b.data(), b.size()); }

Bytes GetData(const nftnl_expr* e, uint16_t attr) {
  uint32_t len = 0;
  const void* p = nftnl_expr_get(e, attr, &len);
  return p ? Bytes(static_cast<const char*>(p), len) : Bytes();
}

nftnl_expr* Encode(const Expr& expr) {
  return std::visit(
      [](const auto& x) -> nftnl_expr* {
        using T = std::decay_t<decltype(x)>;
        nftnl_expr* e = nullptr;
        if constexpr (std::is_same_v<T, PayloadLoad>) {
          e = nftnl_expr_alloc("payload");
          nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, x.base);
          nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, x.offset);
          nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, x.len);
          nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, x.dreg);
        } else if constexpr (std::is_same_v<T, MetaLoad>) {
          e = nftnl_expr_alloc("meta");
          nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, x.key);
          nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, x.dreg);
        } else if constexpr (std::is_same_v<T, MetaSet>) {
          e = nftnl_expr_alloc("meta");
          nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, x.key);
          nftnl_expr_set_u32(e, NFTNL_EXPR_META_SREG, x.sreg);
        } else if constexpr (std::is_same_v<T, CtLoad>) {
          e = nftnl_expr_alloc("ct");
          nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, x.key);
          nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, x.dreg);
          if (x.dir) nftnl_expr_set_u8(e, NFTNL_EXPR_CT_DIR, *x.dir);
        } else if constexpr (std::is_same_v<T, FibLoad>) {
          e = nftnl_expr_alloc("fib");
          nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, x.flags);
          nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, x.result);
          nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, x.dreg);
        } else if constexpr (std::is_same_v<T, Cmp>) {
          e = nftnl_expr_alloc("cmp");
          nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, x.sreg);
          nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, x.op);
          SetData(e, NFTNL_EXPR_CMP_DATA, x.data);
        } else if constexpr (std::is_same_v<T, Bitwise>) {
          e = nftnl_expr_alloc("bitwise");
          nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, x.sreg);
          nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, x.dreg);
          nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, x.len);
          SetData(e, NFTNL_EXPR_BITWISE_MASK, x.mask);
          SetData(e, NFTNL_EXPR_BITWISE_XOR, x.xor_);
        } else if constexpr (std::is_same_v<T, Lookup>) {
          e = nftnl_expr_alloc("lookup");
          nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, x.sreg);
          if (x.dreg) nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, *x.dreg);
          nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, x.set.c_str());
          if (x.flags) nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, x.flags);
        } else if constexpr (std::is_same_v<T, Numgen>) {
          e = nftnl_expr_alloc("numgen");
          nftnl_expr_set_u32(e, NFTNL_EXPR_NG_DREG, x.dreg);
          nftnl_expr_set_u32(e, NFTNL_EXPR_NG_MODULUS, x.modulus);
          nftnl_expr_set_u32(e, NFTNL_EXPR_NG_TYPE, x.type);
          if (x.offset) nftnl_expr_set_u32(e, NFTNL_EXPR_NG_OFFSET, x.offset);
        } else if constexpr (std::is_same_v<T, Nat>) {
          e = nftnl_expr_alloc("nat");
          nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, x.type);
          nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, x.family);
          nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, x.reg_addr);
          if (x.reg_proto) nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, x.reg_proto);
          if (x.flags) nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FLAGS, x.flags);
        } else if constexpr (std::is_same_v<T, Masquerade>) {
          e = nftnl_expr_alloc("masq");
          if (x.flags) nftnl_expr_set_u32(e, NFTNL_EXPR_MASQ_FLAGS, x.flags);
        } else if constexpr (std::is_same_v<T, Reject>) {
          e = nftnl_expr_alloc("reject");
          nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE, x.type);
          nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE, x.code);
        } else if constexpr (std::is_same_v<T, Verdict>) {
          e = nftnl_expr_alloc("immediate");
          nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, kRegVerdict);
          nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, static_cast<uint32_t>(x.code));
        } else if constexpr (std::is_same_v<T, Counter>) {
          e = nftnl_expr_alloc("counter");
        } else if constexpr (std::is_same_v<T, Dynset>) {
          e = nftnl_expr_alloc("dynset");
          nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_OP, x.op);
          nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SREG_KEY, x.sreg_key);
          if (x.sreg_data) nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SREG_DATA, *x.sreg_data);
          if (x.timeout_ms) nftnl_expr_set_u64(e, NFTNL_EXPR_DYNSET_TIMEOUT, x.timeout_ms);
          nftnl_expr_set_str(e, NFTNL_EXPR_DYNSET_SET_NAME, x.set.c_str());
        }
        return e;
      },
      expr);
}

uint32_t U32Or(const nftnl_expr* e, uint16_t attr, uint32_t def = 0) {
  return nftnl_expr_is_set(e, attr) ? nftnl_expr_get_u32(e, attr) : def;
}

Result<Expr> Decode(const nftnl_expr* e) {
  std::string name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
  if (name == "payload") {
    return Expr(PayloadLoad{U32Or(e, NFTNL_EXPR_PAYLOAD_BASE), U32Or(e, NFTNL_EXPR_PAYLOAD_OFFSET),
                            U32Or(e, NFTNL_EXPR_PAYLOAD_LEN), NormalizeReg(U32Or(e, NFTNL_EXPR_PAYLOAD_DREG))});
  }
  if (name == "meta") {
    if (nftnl_expr_is_set(e, NFTNL_EXPR_META_SREG))
      return Expr(MetaSet{U32Or(e, NFTNL_EXPR_META_KEY), NormalizeReg(U32Or(e, NFTNL_EXPR_META_SREG))});
    return Expr(MetaLoad{U32Or(e, NFTNL_EXPR_META_KEY), NormalizeReg(U32Or(e, NFTNL_EXPR_META_DREG))});
  }
  if (name == "ct") {
    CtLoad c{U32Or(e, NFTNL_EXPR_CT_KEY), NormalizeReg(U32Or(e, NFTNL_EXPR_CT_DREG)), std::nullopt};
    if (nftnl_expr_is_set(e, NFTNL_EXPR_CT_DIR)) c.dir = nftnl_expr_get_u8(e, NFTNL_EXPR_CT_DIR);
    return Expr(c);
  }
  if (name == "fib") {
    return Expr(FibLoad{U32Or(e, NFTNL_EXPR_FIB_FLAGS), U32Or(e, NFTNL_EXPR_FIB_RESULT),
                        NormalizeReg(U32Or(e, NFTNL_EXPR_FIB_DREG))});
  }
  if (name == "cmp") {
    return Expr(Cmp{NormalizeReg(U32Or(e, NFTNL_EXPR_CMP_SREG)), U32Or(e, NFTNL_EXPR_CMP_OP), GetData(e, NFTNL_EXPR_CMP_DATA)});
  }
  if (name == "bitwise") {
    return Expr(Bitwise{NormalizeReg(U32Or(e, NFTNL_EXPR_BITWISE_SREG)), NormalizeReg(U32Or(e, NFTNL_EXPR_BITWISE_DREG)),
                        U32Or(e, NFTNL_EXPR_BITWISE_LEN), GetData(e, NFTNL_EXPR_BITWISE_MASK),
                        GetData(e, NFTNL_EXPR_BITWISE_XOR)});
  }
  if (name == "lookup") {
    Lookup l{NormalizeReg(U32Or(e, NFTNL_EXPR_LOOKUP_SREG)), std::nullopt, nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET),
             U32Or(e, NFTNL_EXPR_LOOKUP_FLAGS)};
    if (nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_DREG)) l.dreg = NormalizeReg(nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_DREG));
    return Expr(l);
  }
  if (name == "numgen") {
    return Expr(Numgen{NormalizeReg(U32Or(e, NFTNL_EXPR_NG_DREG)), U32Or(e, NFTNL_EXPR_NG_MODULUS),
                       U32Or(e, NFTNL_EXPR_NG_TYPE), U32Or(e, NFTNL_EXPR_NG_OFFSET)});
  }
  if (name == "nat") {
    return Expr(Nat{U32Or(e, NFTNL_EXPR_NAT_TYPE), U32Or(e, NFTNL_EXPR_NAT_FAMILY),
                    NormalizeReg(U32Or(e, NFTNL_EXPR_NAT_REG_ADDR_MIN)), NormalizeReg(U32Or(e, NFTNL_EXPR_NAT_REG_PROTO_MIN)),
                    // The kernel reports the range flags it derived from the registers; they are not ours.
                    U32Or(e, NFTNL_EXPR_NAT_FLAGS) & ~uint32_t{NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED}});
  }
  if (name == "masq") return Expr(Masquerade{U32Or(e, NFTNL_EXPR_MASQ_FLAGS)});
  if (name == "reject") {
    uint8_t code = nftnl_expr_is_set(e, NFTNL_EXPR_REJECT_CODE) ? nftnl_expr_get_u8(e, NFTNL_EXPR_REJECT_CODE) : 0;
    return Expr(Reject{U32Or(e, NFTNL_EXPR_REJECT_TYPE), code});
  }
  if (name == "immediate") {
    if (U32Or(e, NFTNL_EXPR_IMM_DREG, 99) != kRegVerdict) return Status::Error("immediate to a data register");
    return Expr(Verdict{static_cast<int32_t>(U32Or(e, NFTNL_EXPR_IMM_VERDICT))});
  }
  if (name == "counter") return Expr(Counter{});
  if (name == "dynset") {
    Dynset d{U32Or(e, NFTNL_EXPR_DYNSET_OP), NormalizeReg(U32Or(e, NFTNL_EXPR_DYNSET_SREG_KEY)), std::nullopt,
             nftnl_expr_is_set(e, NFTNL_EXPR_DYNSET_TIMEOUT) ? nftnl_expr_get_u64(e, NFTNL_EXPR_DYNSET_TIMEOUT) : 0,
             nftnl_expr_get_str(e, NFTNL_EXPR_DYNSET_SET_NAME)};
    if (nftnl_expr_is_set(e, NFTNL_EXPR_DYNSET_SREG_DATA))
      d.sreg_data = NormalizeReg(nftnl_expr_get_u32(e, NFTNL_EXPR_DYNSET_SREG_DATA));
    return Expr(d);
  }
  return Status::Error("unsupported expression \"" + name + "\"");
}

}  // namespace

nftnl_table* EncodeTable(uint32_t family, const std::string& table) {
  nftnl_table* t = nftnl_table_alloc();
  nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, family);
  nftnl_table_set_str(t, NFTNL_TABLE_NAME, table.c_str());
  return t;
}

nftnl_chain* EncodeChain(uint32_t family, const std::string& table, const Chain& chain) {
  nftnl_chain* c = nftnl_chain_alloc();
  nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, family);
  nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table.c_str());
  nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, chain.name.c_str());
  if (chain.base) {
    nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, chain.base->hook);
    nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, chain.base->priority);
    nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, chain.base->type.c_str());
    nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
  }
  return c;
}

nftnl_set* EncodeSet(uint32_t family, const std::string& table, const Set& set, uint32_t set_id) {
  nftnl_set* s = nftnl_set_alloc();
  nftnl_set_set_u32(s, NFTNL_SET_FAMILY, family);
  nftnl_set_set_str(s, NFTNL_SET_TABLE, table.c_str());
  nftnl_set_set_str(s, NFTNL_SET_NAME, set.name.c_str());
  nftnl_set_set_u32(s, NFTNL_SET_ID, set_id);
  nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, EncodeTypeId(set.key));
  nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, LengthOf(set.key));
  uint32_t flags = set.flags;
  if (set.IsMap()) {
    flags |= kSetFlagMap;
    nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE, EncodeTypeId(set.data));
    nftnl_set_set_u32(s, NFTNL_SET_DATA_LEN, LengthOf(set.data));
  }
  nftnl_set_set_u32(s, NFTNL_SET_FLAGS, flags);
  if (set.timeout_ms) nftnl_set_set_u64(s, NFTNL_SET_TIMEOUT, set.timeout_ms);
  if (set.size) {
    nftnl_set_set_u32(s, NFTNL_SET_DESC_SIZE, set.size);
  } else if (set.IsDynamic()) {
    nftnl_set_set_u32(s, NFTNL_SET_DESC_SIZE, 65535);
  }
  return s;
}

Result<nftnl_rule*> EncodeRule(uint32_t family, const std::string& table, const std::string& chain, const Rule& rule) {
  nftnl_rule* r = nftnl_rule_alloc();
  nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, family);
  nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table.c_str());
  nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain.c_str());
  for (const Expr& expr : rule.exprs) {
    nftnl_expr* e = Encode(expr);
    if (!e) {
      nftnl_rule_free(r);
      return Status::Error("libnftnl cannot allocate an expression of rule in chain " + chain);
    }
    nftnl_rule_add_expr(r, e);
  }
  return r;
}

Chain DecodeChain(const nftnl_chain* c) {
  Chain chain;
  chain.name = nftnl_chain_get_str(c, NFTNL_CHAIN_NAME);
  if (nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM)) {
    BaseHook h;
    h.hook = nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM);
    h.priority = nftnl_chain_get_s32(c, NFTNL_CHAIN_PRIO);
    h.type = nftnl_chain_is_set(c, NFTNL_CHAIN_TYPE) ? nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE) : "filter";
    chain.base = h;
  }
  return chain;
}

Set DecodeSet(const nftnl_set* s) {
  Set set;
  set.name = nftnl_set_get_str(s, NFTNL_SET_NAME);
  uint32_t flags = nftnl_set_is_set(s, NFTNL_SET_FLAGS) ? nftnl_set_get_u32(s, NFTNL_SET_FLAGS) : 0;
  set.flags = flags & ~kSetFlagMap;
  if (auto key = DecodeTypeId(nftnl_set_get_u32(s, NFTNL_SET_KEY_TYPE), nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN))) set.key = *key;
  if (flags & kSetFlagMap) {
    auto data = DecodeTypeId(nftnl_set_get_u32(s, NFTNL_SET_DATA_TYPE), nftnl_set_get_u32(s, NFTNL_SET_DATA_LEN));
    set.data = data ? *data : TypeList{};
    if (!data) set.key.clear();  // unknown: forces a rebuild
  }
  if (nftnl_set_is_set(s, NFTNL_SET_TIMEOUT)) set.timeout_ms = nftnl_set_get_u64(s, NFTNL_SET_TIMEOUT);
  if (nftnl_set_is_set(s, NFTNL_SET_DESC_SIZE)) set.size = nftnl_set_get_u32(s, NFTNL_SET_DESC_SIZE);
  return set;
}

Result<Rule> DecodeRule(const nftnl_rule* r) {
  Rule rule;
  rule.handle = nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE);
  nftnl_expr_iter* it = nftnl_expr_iter_create(r);
  Status error;
  for (nftnl_expr* e = nftnl_expr_iter_next(it); e; e = nftnl_expr_iter_next(it)) {
    Result<Expr> x = Decode(e);
    if (!x.ok()) {
      error = x.status();
      break;
    }
    rule.exprs.push_back(std::move(*x));
  }
  nftnl_expr_iter_destroy(it);
  if (!error.ok()) return error.WithContext("rule handle " + std::to_string(rule.handle));
  return rule;
}

}  // namespace kubenode::netfilter
