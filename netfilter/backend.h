// Where a Transaction goes: the kernel (NftnlBackend) or memory (FakeBackend).
#pragma once

#include <optional>
#include <string>

#include "base/status.h"
#include "netfilter/model.h"
#include "netfilter/transaction.h"

namespace kubenode::netfilter {

class Backend {
 public:
  virtual ~Backend() = default;
  // Applies every op of `tx` or none of them. An error names the op (and object) that failed.
  virtual Status Apply(const Transaction& tx) = 0;
  // Reads back one table with its chains, rules, sets and (unless `elements` is false) set elements; nullopt
  // if the table does not exist.
  virtual Result<std::optional<Table>> Dump(uint32_t family, const std::string& table, bool elements = true) = 0;
};

}  // namespace kubenode::netfilter
