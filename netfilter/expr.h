// The rule expressions kubenode emits, modelled one-to-one on the kernel's nf_tables expressions (what
// libnftnl serializes and the kernel dumps back), so that a rule read from the kernel compares equal to the
// rule that was written. netfilter/render.h turns a list of them back into `nft` syntax.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace kubenode::netfilter {

// Raw bytes of a register value, set key or map data (a std::string so it orders and compares cheaply).
using Bytes = std::string;

// 32-bit data registers, as nft itself allocates them for concatenations. The kernel dumps NFT_REG_1..4
// for the first of every four; the decoder normalizes those back to Reg32(0), Reg32(4), ...
constexpr uint32_t kRegVerdict = 0;
constexpr uint32_t Reg32(uint32_t i) { return 8 + i; }

struct PayloadLoad {  // [ payload load LEN @ BASE header + OFFSET => DREG ]
  uint32_t base = 0;   // NFT_PAYLOAD_NETWORK_HEADER / NFT_PAYLOAD_TRANSPORT_HEADER
  uint32_t offset = 0;
  uint32_t len = 0;
  uint32_t dreg = 0;
  bool operator==(const PayloadLoad&) const = default;
};
struct MetaLoad {  // [ meta load KEY => DREG ]
  uint32_t key = 0;  // NFT_META_*
  uint32_t dreg = 0;
  bool operator==(const MetaLoad&) const = default;
};
struct MetaSet {  // [ meta set KEY with SREG ]
  uint32_t key = 0;
  uint32_t sreg = 0;
  bool operator==(const MetaSet&) const = default;
};
struct CtLoad {  // [ ct load KEY => DREG (, dir DIR) ]
  uint32_t key = 0;  // NFT_CT_*
  uint32_t dreg = 0;
  std::optional<uint8_t> dir;  // IP_CT_DIR_ORIGINAL / IP_CT_DIR_REPLY for tuple keys
  bool operator==(const CtLoad&) const = default;
};
struct FibLoad {  // [ fib daddr type => DREG ]
  uint32_t flags = 0;   // NFTA_FIB_F_*
  uint32_t result = 0;  // NFT_FIB_RESULT_*
  uint32_t dreg = 0;
  bool operator==(const FibLoad&) const = default;
};
struct Cmp {  // [ cmp OP SREG DATA ]
  uint32_t sreg = 0;
  uint32_t op = 0;  // NFT_CMP_EQ / NFT_CMP_NEQ
  Bytes data;
  bool operator==(const Cmp&) const = default;
};
struct Bitwise {  // [ bitwise DREG = ( SREG & MASK ) ^ XOR ]
  uint32_t sreg = 0;
  uint32_t dreg = 0;
  uint32_t len = 0;
  Bytes mask;
  Bytes xor_;
  bool operator==(const Bitwise&) const = default;
};
struct Lookup {  // [ lookup SREG set NAME (dreg DREG) ]
  uint32_t sreg = 0;
  std::optional<uint32_t> dreg;  // set for maps
  std::string set;
  uint32_t flags = 0;  // NFT_LOOKUP_F_INV
  bool operator==(const Lookup&) const = default;
};
struct Numgen {  // [ numgen DREG = random mod MODULUS ]
  uint32_t dreg = 0;
  uint32_t modulus = 0;
  uint32_t type = 0;  // NFT_NG_RANDOM
  uint32_t offset = 0;
  bool operator==(const Numgen&) const = default;
};
struct Nat {  // [ nat dnat ip addr_min REG proto_min REG ]
  uint32_t type = 0;  // NFT_NAT_DNAT / NFT_NAT_SNAT
  uint32_t family = 0;
  uint32_t reg_addr = 0;
  uint32_t reg_proto = 0;  // 0: no port translation
  uint32_t flags = 0;
  bool operator==(const Nat&) const = default;
};
struct Masquerade {  // [ masq flags FLAGS ]
  uint32_t flags = 0;  // NF_NAT_RANGE_PROTO_RANDOM_FULLY, ...
  bool operator==(const Masquerade&) const = default;
};
struct Reject {  // [ reject type TYPE code CODE ]
  uint32_t type = 0;  // NFT_REJECT_ICMP_UNREACH / NFT_REJECT_TCP_RST
  uint8_t code = 0;
  bool operator==(const Reject&) const = default;
};
struct Verdict {  // [ immediate reg 0 VERDICT ]  (accept / drop only: the design has no jumps)
  int32_t code = 0;  // NF_ACCEPT / NF_DROP
  bool operator==(const Verdict&) const = default;
};
struct Counter {  // [ counter ]  counts are not part of the rule's identity
  bool operator==(const Counter&) const { return true; }
};
struct Dynset {  // [ dynset update reg_key SREG set NAME timeout T (sreg_data REG) ]
  uint32_t op = 0;  // NFT_DYNSET_OP_ADD / NFT_DYNSET_OP_UPDATE
  uint32_t sreg_key = 0;
  std::optional<uint32_t> sreg_data;
  uint64_t timeout_ms = 0;
  std::string set;
  bool operator==(const Dynset&) const = default;
};

using Expr = std::variant<PayloadLoad, MetaLoad, MetaSet, CtLoad, FibLoad, Cmp, Bitwise, Lookup, Numgen, Nat,
                          Masquerade, Reject, Verdict, Counter, Dynset>;

}  // namespace kubenode::netfilter
