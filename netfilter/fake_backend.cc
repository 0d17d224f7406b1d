#include "netfilter/fake_backend.h"

#include <algorithm>

namespace kubenode::netfilter {
namespace {

bool RuleUsesSet(const Rule& r, const std::string& set) {
  for (const Expr& e : r.exprs) {
    if (auto* l = std::get_if<Lookup>(&e); l && l->set == set) return true;
    if (auto* d = std::get_if<Dynset>(&e); d && d->set == set) return true;
  }
  return false;
}

}  // namespace

void FakeBackend::FailNextApplies(int count, std::string message, size_t op_index) {
  fail_count_ = count;
  fail_message_ = std::move(message);
  fail_op_ = op_index;
}

Table* FakeBackend::MutableTable(uint32_t family, const std::string& table) {
  auto it = tables_.find({family, table});
  return it == tables_.end() ? nullptr : &it->second;
}

Result<std::optional<Table>> FakeBackend::Dump(uint32_t family, const std::string& table, bool elements) {
  if (fail_dumps_) return Status::Error("dump table " + table + ": injected failure");
  ++dumps_;
  auto it = tables_.find({family, table});
  if (it == tables_.end()) return std::optional<Table>();
  Table copy = it->second;
  if (!elements)
    for (auto& [name, set] : copy.sets) set.elements.clear();
  return std::optional<Table>(std::move(copy));
}

Status FakeBackend::Apply(const Transaction& tx) {
  if (record_) applied_.push_back(tx);
  if (fail_count_ > 0) {
    --fail_count_;
    size_t i = tx.ops.empty() ? 0 : std::min(fail_op_, tx.ops.size() - 1);
    std::string what = tx.ops.empty() ? "empty transaction" : Describe(tx, tx.ops[i], MutableTable(tx.family, tx.table));
    return Status::Error(what + ": " + fail_message_);
  }
  // Work on copies; commit only if every op succeeds.
  std::optional<Table> table;
  if (auto it = tables_.find({tx.family, tx.table}); it != tables_.end()) table = it->second;
  uint64_t handle = next_handle_;
  for (const Op& op : tx.ops) {
    auto fail = [&](const std::string& why) {
      return Status::Error(Describe(tx, op, table ? &*table : nullptr) + ": " + why);
    };
    if (std::holds_alternative<AddTable>(op)) {
      if (!table) table = Table{tx.family, tx.table, {}, {}};
      continue;
    }
    if (!table) return fail("No such file or directory (table does not exist)");
    if (std::holds_alternative<DeleteTable>(op)) {
      table.reset();
    } else if (auto* x = std::get_if<AddChain>(&op)) {
      if (Chain* c = table->FindChain(x->chain.name)) {
        if (!c->SameDefinition(x->chain)) return fail("File exists (chain with another definition)");
      } else {
        Chain def = x->chain;
        def.rules.clear();
        table->chains.push_back(std::move(def));
      }
    } else if (auto* x = std::get_if<DeleteChain>(&op)) {
      auto it = std::find_if(table->chains.begin(), table->chains.end(), [&](const Chain& c) { return c.name == x->name; });
      if (it == table->chains.end()) return fail("No such file or directory");
      table->chains.erase(it);
    } else if (auto* x = std::get_if<FlushChain>(&op)) {
      Chain* c = table->FindChain(x->name);
      if (!c) return fail("No such file or directory");
      c->rules.clear();
    } else if (auto* x = std::get_if<AddSet>(&op)) {
      auto it = table->sets.find(x->set.name);
      if (it != table->sets.end()) {
        if (!it->second.SameDefinition(x->set)) return fail("File exists (set with another definition)");
      } else {
        Set s = x->set;
        s.elements.clear();
        table->sets.emplace(s.name, std::move(s));
      }
    } else if (auto* x = std::get_if<DeleteSet>(&op)) {
      if (!table->sets.count(x->name)) return fail("No such file or directory");
      for (const Chain& c : table->chains)
        for (const Rule& r : c.rules)
          if (RuleUsesSet(r, x->name)) return fail("Device or resource busy (set in use by chain " + c.name + ")");
      table->sets.erase(x->name);
    } else if (auto* x = std::get_if<FlushSet>(&op)) {
      auto it = table->sets.find(x->name);
      if (it == table->sets.end()) return fail("No such file or directory");
      it->second.elements.clear();
    } else if (auto* x = std::get_if<AddElements>(&op)) {
      auto it = table->sets.find(x->set);
      if (it == table->sets.end()) return fail("No such file or directory (set does not exist)");
      Set& s = it->second;
      for (size_t i = 0; i < x->elements.size(); ++i) {
        const auto& [key, data] = x->elements[i];
        if (key.size() != LengthOf(s.key) || (s.IsMap() && data.size() != LengthOf(s.data)))
          return Status::Error(Describe(tx, op, &*table, i) + ": Invalid argument (length)");
        auto have = s.elements.find(key);
        if (have != s.elements.end() && have->second != data)
          return Status::Error(Describe(tx, op, &*table, i) + ": Device or resource busy (element exists with other data)");
        s.elements[key] = data;
      }
    } else if (auto* x = std::get_if<DeleteElements>(&op)) {
      auto it = table->sets.find(x->set);
      if (it == table->sets.end()) return fail("No such file or directory (set does not exist)");
      for (size_t i = 0; i < x->keys.size(); ++i) {
        if (!it->second.elements.erase(x->keys[i]) && !x->ignore_missing)
          return Status::Error(Describe(tx, op, &*table, i) + ": No such file or directory");
      }
    } else if (auto* x = std::get_if<AddRule>(&op)) {
      Chain* c = table->FindChain(x->chain);
      if (!c) return fail("No such file or directory (chain does not exist)");
      for (const Expr& e : x->rule.exprs) {
        std::string set;
        if (auto* l = std::get_if<Lookup>(&e)) set = l->set;
        if (auto* d = std::get_if<Dynset>(&e)) set = d->set;
        if (!set.empty() && !table->sets.count(set)) return fail("No such file or directory (set " + set + ")");
      }
      Rule r{x->rule.exprs, handle++};
      if (x->before_handle == 0) {
        c->rules.push_back(std::move(r));
      } else {
        auto pos = std::find_if(c->rules.begin(), c->rules.end(), [&](const Rule& o) { return o.handle == x->before_handle; });
        if (pos == c->rules.end()) return fail("No such file or directory (position handle)");
        c->rules.insert(pos, std::move(r));
      }
    } else if (auto* x = std::get_if<DeleteRule>(&op)) {
      Chain* c = table->FindChain(x->chain);
      if (!c) return fail("No such file or directory (chain does not exist)");
      auto pos = std::find_if(c->rules.begin(), c->rules.end(), [&](const Rule& o) { return o.handle == x->handle; });
      if (pos == c->rules.end()) return fail("No such file or directory");
      c->rules.erase(pos);
    }
  }
  if (table) {
    tables_[{tx.family, tx.table}] = std::move(*table);
  } else {
    tables_.erase({tx.family, tx.table});
  }
  next_handle_ = handle;
  ++successful_;
  return Status();
}

}  // namespace kubenode::netfilter
