// Small constructors for the expressions kubenode's rules are made of, named after the nft syntax they
// render as (IpDaddr -> "ip daddr", MarkOr -> "meta mark set meta mark | X", ...).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "netfilter/expr.h"

namespace kubenode::netfilter::build {

using Exprs = std::vector<Expr>;

Expr IpSaddr(uint32_t dreg);
Expr IpDaddr(uint32_t dreg);
Expr ThDport(uint32_t dreg);
Expr L4Proto(uint32_t dreg);
Expr FibDaddrType(uint32_t dreg);
Expr CtOriginalSaddr(uint32_t dreg);
Expr CtOriginalDaddr(uint32_t dreg);
Expr CtOriginalProtoDst(uint32_t dreg);
Expr NumgenRandom(uint32_t modulus, uint32_t dreg);

Exprs FibDaddrLocal();                        // fib daddr type local
Exprs CtStatusDnat();                         // ct status dnat
// ip saddr/daddr (!=) A.B.C.D/LEN; `cidr` must be valid.
Result<Exprs> IpPrefix(bool daddr, const std::string& cidr, bool negate);
Exprs MarkOr(uint32_t bits);                  // meta mark set meta mark | bits
Exprs MarkHas(uint32_t bits);                 // meta mark & bits == bits

Expr LookupSet(uint32_t sreg, const std::string& set);
Expr LookupMap(uint32_t sreg, const std::string& set, uint32_t dreg);
Expr DnatTo(uint32_t reg_addr, uint32_t reg_port);  // dnat ip to <addr . port registers>
Expr MasqueradeFullyRandom();
Expr RejectDefault();  // reject (ICMP port unreachable; TCP clients see "connection refused")
Expr Drop();
Expr Update(const std::string& set, uint32_t key_reg, uint32_t data_reg, uint64_t timeout_ms);

}  // namespace kubenode::netfilter::build
