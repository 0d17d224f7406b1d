// An ordered list of changes to one table, applied all-or-nothing by a Backend (one kernel transaction).
#pragma once

#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "netfilter/model.h"

namespace kubenode::netfilter {

struct AddTable {};
struct DeleteTable {};
struct AddChain {
  Chain chain;  // its rules are ignored: rules are added with AddRule
};
struct DeleteChain {
  std::string name;  // the kernel deletes the chain's rules with it
};
struct FlushChain {
  std::string name;
};
struct AddSet {
  Set set;  // its elements are ignored: elements are added with AddElements
};
struct DeleteSet {
  std::string name;
};
struct FlushSet {
  std::string name;
};
struct AddElements {
  std::string set;
  std::vector<std::pair<Bytes, Bytes>> elements;  // key, data ("" for plain sets)
};
struct DeleteElements {
  std::string set;
  std::vector<Bytes> keys;
  // Destroy semantics (NFT_MSG_DESTROYSETELEM): a missing element is not an error. For dynamic sets, whose
  // elements may time out between reading and deleting them.
  bool ignore_missing = false;
};
struct AddRule {
  std::string chain;
  Rule rule;
  uint64_t before_handle = 0;  // insert before this rule; 0 appends at the end
};
struct DeleteRule {
  std::string chain;
  uint64_t handle = 0;
};

using Op = std::variant<AddTable, DeleteTable, AddChain, DeleteChain, FlushChain, AddSet, DeleteSet, FlushSet,
                        AddElements, DeleteElements, AddRule, DeleteRule>;

struct Transaction {
  uint32_t family = 2;  // NFPROTO_IPV4
  std::string table;
  std::vector<Op> ops;

  bool empty() const { return ops.empty(); }
  // Number of element additions and deletions, and of other operations (for logs and tests).
  size_t ElementOps() const;
  size_t NonElementOps() const;
};

// "add element to map service-ips-1: 10.96.0.10 . tcp . 80 . 0 : 10.88.0.5 . 80" — names the object an op
// touches. `context` (may be null) supplies set types for rendering keys; `index` picks one element of a
// multi-element op (-1: the whole op).
std::string Describe(const Transaction& tx, const Op& op, const Table* context, int index = -1);

}  // namespace kubenode::netfilter
