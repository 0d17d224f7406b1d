// Renders the model in `nft` syntax, for `kubenode proxy dump`, error messages and tests. The renderer reads
// the low-level expressions the way nft's delinearizer does for the shapes kubenode emits (register
// tracking: loads fill registers, cmp/lookup/nat/dynset consume them), so the live table read back from the
// kernel and the planner's desired table render identically.
#pragma once

#include <string>

#include "netfilter/model.h"

namespace kubenode::netfilter {

// `context` (may be null) supplies set definitions, which say how many fields a lookup key spans.
std::string RenderRule(const Rule& rule, const Table* context);
std::string RenderSet(const Set& set);      // "\tmap NAME {\n ... \t}\n"
std::string RenderChain(const Chain& chain, const Table* context);
// The whole table: sets sorted by name, then chains sorted by name, elements sorted by key bytes.
std::string RenderTable(const Table& table);

const char* HookName(uint32_t hook);  // "prerouting", ...

}  // namespace kubenode::netfilter
