// Conversion between the model and libnftnl objects: what NftnlBackend serializes into a batch and parses
// from dumps. Registers read back as NFT_REG_1..4 are normalized to their 32-bit names.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "netfilter/model.h"

struct nftnl_rule;
struct nftnl_chain;
struct nftnl_set;
struct nftnl_table;

namespace kubenode::netfilter {

// Each returns a newly allocated libnftnl object (the caller frees it) describing the definition only.
nftnl_table* EncodeTable(uint32_t family, const std::string& table);
nftnl_chain* EncodeChain(uint32_t family, const std::string& table, const Chain& chain);
nftnl_set* EncodeSet(uint32_t family, const std::string& table, const Set& set, uint32_t set_id);
// Fails on an expression libnftnl does not know (a build without that expression).
Result<nftnl_rule*> EncodeRule(uint32_t family, const std::string& table, const std::string& chain, const Rule& rule);

Chain DecodeChain(const nftnl_chain* chain);
Set DecodeSet(const nftnl_set* set);  // definition only; an unknown key type decodes to an empty key
Result<Rule> DecodeRule(const nftnl_rule* rule);  // fails on an expression kubenode does not emit

}  // namespace kubenode::netfilter
