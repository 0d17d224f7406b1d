// The smallest Transaction that turns one table into another: element ops for changed set/map contents,
// rule insertions and deletions (by handle) only where a chain's rule list differs. Elements of dynamic sets
// are filled by the kernel and left alone.
#pragma once

#include "netfilter/model.h"
#include "netfilter/transaction.h"

namespace kubenode::netfilter {

// `current` is what exists (nullptr: no such table) and must carry kernel rule handles. When a chain or set
// of the same name exists with a different definition (hook, priority, key type, flags), the table is deleted
// and recreated inside the same transaction, which the kernel still applies atomically.
Transaction Diff(const Table* current, const Table& desired);

// Stable-sorts `tx.ops` into the order Diff emits: table deletion, rule and chain deletions, element deletions,
// set deletions, table/chain/set additions, rule additions, element additions (rules are bound to sets while
// new sets are still empty: binding makes the kernel walk a map's elements). For transactions assembled from
// parts (e.g. a definition diff plus element ops planned elsewhere).
void OrderOps(Transaction& tx);

// Every op needed to create `desired` from nothing (what Diff(nullptr, desired) returns).
Transaction CreateAll(const Table& desired);

}  // namespace kubenode::netfilter
