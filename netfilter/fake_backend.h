// An in-memory Backend for tests: applies transactions with the kernel's semantics (all or nothing; deleting
// what does not exist, adding an element whose data differs, or deleting a set still used by a rule fails)
// and can be told to fail.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "netfilter/backend.h"

namespace kubenode::netfilter {

class FakeBackend : public Backend {
 public:
  Status Apply(const Transaction& tx) override;
  Result<std::optional<Table>> Dump(uint32_t family, const std::string& table, bool elements = true) override;

  // The next `count` Apply calls fail (without changing anything) with an error naming the op at `op_index`
  // (clamped to the transaction) and `message`.
  void FailNextApplies(int count, std::string message = "injected failure", size_t op_index = 0);
  // Dump fails while set.
  void FailDumps(bool fail) { fail_dumps_ = fail; }

  // Keep (default) or drop the history below (benchmarks: it grows with every sync).
  void set_record_history(bool record) { record_ = record; }
  // Every transaction passed to Apply, successful or not.
  const std::vector<Transaction>& applied() const { return applied_; }
  int successful_applies() const { return successful_; }
  int dumps() const { return dumps_; }
  // Direct access, e.g. to simulate elements added by the kernel to a dynamic set.
  Table* MutableTable(uint32_t family, const std::string& table);

 private:
  std::map<std::pair<uint32_t, std::string>, Table> tables_;
  std::vector<Transaction> applied_;
  int successful_ = 0;
  int dumps_ = 0;
  int fail_count_ = 0;
  std::string fail_message_;
  size_t fail_op_ = 0;
  bool fail_dumps_ = false;
  bool record_ = true;
  uint64_t next_handle_ = 1;
};

}  // namespace kubenode::netfilter
