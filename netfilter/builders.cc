#include "netfilter/builders.h"

#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>

#include "netfilter/values.h"

namespace kubenode::netfilter::build {

Expr IpSaddr(uint32_t dreg) { return PayloadLoad{NFT_PAYLOAD_NETWORK_HEADER, 12, 4, dreg}; }
Expr IpDaddr(uint32_t dreg) { return PayloadLoad{NFT_PAYLOAD_NETWORK_HEADER, 16, 4, dreg}; }
Expr ThDport(uint32_t dreg) { return PayloadLoad{NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, dreg}; }
Expr L4Proto(uint32_t dreg) { return MetaLoad{NFT_META_L4PROTO, dreg}; }
Expr FibDaddrType(uint32_t dreg) { return FibLoad{NFTA_FIB_F_DADDR, NFT_FIB_RESULT_ADDRTYPE, dreg}; }
Expr CtOriginalSaddr(uint32_t dreg) { return CtLoad{NFT_CT_SRC_IP, dreg, IP_CT_DIR_ORIGINAL}; }
Expr CtOriginalDaddr(uint32_t dreg) { return CtLoad{NFT_CT_DST_IP, dreg, IP_CT_DIR_ORIGINAL}; }
Expr CtOriginalProtoDst(uint32_t dreg) { return CtLoad{NFT_CT_PROTO_DST, dreg, IP_CT_DIR_ORIGINAL}; }
Expr NumgenRandom(uint32_t modulus, uint32_t dreg) { return Numgen{dreg, modulus, NFT_NG_RANDOM, 0}; }

Exprs FibDaddrLocal() { return {FibDaddrType(Reg32(0)), Cmp{Reg32(0), NFT_CMP_EQ, U32(2 /* RTN_LOCAL */)}}; }

Exprs CtStatusDnat() {
  return {CtLoad{NFT_CT_STATUS, Reg32(0), std::nullopt},
          Bitwise{Reg32(0), Reg32(0), 4, U32(IPS_DST_NAT), U32(0)},
          Cmp{Reg32(0), NFT_CMP_NEQ, U32(0)}};
}

Result<Exprs> IpPrefix(bool daddr, const std::string& cidr, bool negate) {
  auto slash = cidr.find('/');
  if (slash == std::string::npos) return Status::Error("not a CIDR: \"" + cidr + "\"");
  Result<Bytes> addr = Ipv4(cidr.substr(0, slash));
  if (!addr.ok()) return addr.status().WithContext("CIDR " + cidr);
  int len = -1;
  try {
    len = std::stoi(cidr.substr(slash + 1));
  } catch (const std::exception&) {
    len = -1;
  }
  if (len < 0 || len > 32) return Status::Error("bad prefix length in CIDR \"" + cidr + "\"");
  uint32_t mask = len == 0 ? 0 : ~uint32_t{0} << (32 - len);
  Bytes mask_bytes = U32Net(mask);
  Bytes net = *addr;
  for (int i = 0; i < 4; ++i) net[i] = static_cast<char>(net[i] & mask_bytes[i]);
  Exprs out{daddr ? IpDaddr(Reg32(0)) : IpSaddr(Reg32(0))};
  if (len < 32) out.push_back(Bitwise{Reg32(0), Reg32(0), 4, mask_bytes, U32(0)});
  out.push_back(Cmp{Reg32(0), static_cast<uint32_t>(negate ? NFT_CMP_NEQ : NFT_CMP_EQ), net});
  return out;
}

Exprs MarkOr(uint32_t bits) {
  return {MetaLoad{NFT_META_MARK, Reg32(0)}, Bitwise{Reg32(0), Reg32(0), 4, U32(~bits), U32(bits)},
          MetaSet{NFT_META_MARK, Reg32(0)}};
}

Exprs MarkHas(uint32_t bits) {
  return {MetaLoad{NFT_META_MARK, Reg32(0)}, Bitwise{Reg32(0), Reg32(0), 4, U32(bits), U32(0)},
          Cmp{Reg32(0), NFT_CMP_EQ, U32(bits)}};
}

Expr LookupSet(uint32_t sreg, const std::string& set) { return Lookup{sreg, std::nullopt, set, 0}; }
Expr LookupMap(uint32_t sreg, const std::string& set, uint32_t dreg) { return Lookup{sreg, dreg, set, 0}; }
Expr DnatTo(uint32_t reg_addr, uint32_t reg_port) { return Nat{NFT_NAT_DNAT, NFPROTO_IPV4, reg_addr, reg_port, 0}; }
Expr MasqueradeFullyRandom() { return Masquerade{NF_NAT_RANGE_PROTO_RANDOM_FULLY}; }
Expr RejectDefault() { return Reject{NFT_REJECT_ICMP_UNREACH, 3 /* ICMP_PORT_UNREACH */}; }
Expr Drop() { return Verdict{NF_DROP}; }
Expr Update(const std::string& set, uint32_t key_reg, uint32_t data_reg, uint64_t timeout_ms) {
  return Dynset{NFT_DYNSET_OP_UPDATE, key_reg, data_reg, timeout_ms, set};
}

}  // namespace kubenode::netfilter::build
