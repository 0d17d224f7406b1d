// The in-memory model of one nftables table: chains (base or regular) with ordered rules, named sets and
// maps with their elements. Desired state (from the planner) and live state (read back from the kernel)
// use the same types, so they can be diffed (netfilter/diff.h) and rendered (netfilter/render.h).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "netfilter/expr.h"

namespace kubenode::netfilter {

// nftables' own datatype ids (nftables src/datatype.h), so that `nft list` shows our sets' types.
enum class DataType : uint32_t {
  kInteger = 4,  // variable-sized for nft: not usable in concatenations it lists
  kIpv4Addr = 7,
  kInetProto = 12,
  kInetService = 13,
  kMark = 19,  // 32-bit host-order integer; used for numgen indexes so that `nft list` can show the maps
};
// Size in bytes of one value of `type` (before padding to a 32-bit register in concatenations).
uint32_t SizeOf(DataType type);
const char* NameOf(DataType type);  // "ipv4_addr", "inet_proto", ...

// Key or data type of a set: one type, or a concatenation (each field then padded to 4 bytes).
using TypeList = std::vector<DataType>;
uint32_t LengthOf(const TypeList& types);
uint32_t EncodeTypeId(const TypeList& types);                        // nft's concat type id
std::optional<TypeList> DecodeTypeId(uint32_t id, uint32_t length);  // nullopt: not one of ours

struct BaseHook {
  std::string type;    // "filter" / "nat"
  uint32_t hook = 0;   // NF_INET_PRE_ROUTING, ...
  int32_t priority = 0;
  bool operator==(const BaseHook&) const = default;
};

struct Rule {
  std::vector<Expr> exprs;
  uint64_t handle = 0;  // assigned by the kernel (or the fake); 0 in desired state
  // Rules are identified by what they do, not by their handle.
  bool operator==(const Rule& o) const { return exprs == o.exprs; }
};

struct Chain {
  std::string name;
  std::optional<BaseHook> base;  // nullopt: a regular chain
  std::vector<Rule> rules;
  bool SameDefinition(const Chain& o) const { return name == o.name && base == o.base; }
};

// NFT_SET_* flags used here.
constexpr uint32_t kSetFlagMap = 0x8;
constexpr uint32_t kSetFlagTimeout = 0x10;
constexpr uint32_t kSetFlagDynamic = 0x20;  // NFT_SET_EVAL: updated from the packet path

struct Set {
  std::string name;
  TypeList key;
  TypeList data;  // empty: a plain set
  uint32_t flags = 0;
  uint64_t timeout_ms = 0;  // default element timeout (flags & kSetFlagTimeout)
  // NFTA_SET_DESC_SIZE: the kernel sizes the set's hash for this many elements up front (no rehashing while a
  // big set is loaded) and refuses elements beyond it (ENFILE). 0: unsized (a resizable hash, grown as filled).
  uint32_t size = 0;
  std::map<Bytes, Bytes> elements;  // key -> data ("" for plain sets)

  bool IsMap() const { return !data.empty(); }
  // Dynamic sets are filled by the kernel; their elements are not part of the desired state.
  bool IsDynamic() const { return flags & kSetFlagDynamic; }
  bool SameDefinition(const Set& o) const {
    return name == o.name && key == o.key && data == o.data && flags == o.flags && timeout_ms == o.timeout_ms &&
           size == o.size;
  }
};

struct Table {
  uint32_t family = 2;  // NFPROTO_IPV4
  std::string name;
  std::vector<Chain> chains;         // in creation order
  std::map<std::string, Set> sets;  // by name

  Chain* FindChain(const std::string& chain);
  const Chain* FindChain(const std::string& chain) const;
};

}  // namespace kubenode::netfilter
