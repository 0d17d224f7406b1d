#include "netfilter/diff.h"

#include <algorithm>
#include <optional>
#include <type_traits>

namespace kubenode::netfilter {
namespace {

void AddDefinitions(const Table& desired, Transaction& tx) {
  for (const Chain& c : desired.chains) {
    Chain def = c;
    def.rules.clear();
    tx.ops.push_back(AddChain{std::move(def)});
  }
  for (const auto& [name, set] : desired.sets) {
    Set def = set;
    def.elements.clear();
    tx.ops.push_back(AddSet{std::move(def)});
  }
}

void AddAllElements(const Set& set, Transaction& tx) {
  if (set.elements.empty() || set.IsDynamic()) return;
  AddElements add{set.name, {}};
  add.elements.assign(set.elements.begin(), set.elements.end());
  tx.ops.push_back(std::move(add));
}

bool Compatible(const Table& current, const Table& desired) {
  for (const Chain& d : desired.chains) {
    const Chain* c = current.FindChain(d.name);
    if (c && !c->SameDefinition(d)) return false;
  }
  for (const auto& [name, d] : desired.sets) {
    auto it = current.sets.find(name);
    if (it != current.sets.end() && !it->second.SameDefinition(d)) return false;
  }
  return true;
}

}  // namespace

Transaction CreateAll(const Table& desired) {
  Transaction tx{desired.family, desired.name, {}};
  tx.ops.push_back(AddTable{});
  AddDefinitions(desired, tx);
  // Rules before elements: binding a map to a rule makes the kernel walk the map's elements (and the
  // transaction list), so rules are bound while the new sets are still empty.
  for (const Chain& c : desired.chains)
    for (const Rule& r : c.rules) tx.ops.push_back(AddRule{c.name, Rule{r.exprs, 0}, 0});
  for (const auto& [name, set] : desired.sets) AddAllElements(set, tx);
  return tx;
}

Transaction Diff(const Table* current, const Table& desired) {
  if (!current) return CreateAll(desired);
  if (!Compatible(*current, desired)) {
    Transaction tx = CreateAll(desired);
    tx.ops.insert(tx.ops.begin(), DeleteTable{});
    return tx;
  }
  Transaction tx{desired.family, desired.name, {}};
  std::vector<Op> deletes_rules, deletes_elements, deletes_chains, deletes_sets;
  std::vector<Op> adds_defs, adds_elements, adds_rules;

  // Chains and their rules.
  for (const Chain& c : current->chains) {
    if (!desired.FindChain(c.name)) deletes_chains.push_back(DeleteChain{c.name});
  }
  for (const Chain& d : desired.chains) {
    const Chain* c = current->FindChain(d.name);
    if (!c) {
      Chain def = d;
      def.rules.clear();
      adds_defs.push_back(AddChain{std::move(def)});
      for (const Rule& r : d.rules) adds_rules.push_back(AddRule{d.name, Rule{r.exprs, 0}, 0});
      continue;
    }
    // Keep an in-order subsequence of the current rules that the desired list also has; delete the rest and
    // insert each missing rule before the next kept one (or append).
    std::vector<std::optional<size_t>> match(d.rules.size());
    size_t i = 0;
    std::vector<bool> kept(c->rules.size(), false);
    for (size_t j = 0; j < d.rules.size(); ++j) {
      for (size_t k = i; k < c->rules.size(); ++k) {
        if (c->rules[k] == d.rules[j]) {
          match[j] = k;
          kept[k] = true;
          i = k + 1;
          break;
        }
      }
    }
    for (size_t k = 0; k < c->rules.size(); ++k)
      if (!kept[k]) deletes_rules.push_back(DeleteRule{c->name, c->rules[k].handle});
    for (size_t j = 0; j < d.rules.size(); ++j) {
      if (match[j]) continue;
      uint64_t before = 0;
      for (size_t n = j + 1; n < d.rules.size(); ++n) {
        if (match[n]) {
          before = c->rules[*match[n]].handle;
          break;
        }
      }
      adds_rules.push_back(AddRule{d.name, Rule{d.rules[j].exprs, 0}, before});
    }
  }

  // Sets and elements.
  for (const auto& [name, c] : current->sets) {
    if (!desired.sets.count(name)) deletes_sets.push_back(DeleteSet{name});
  }
  for (const auto& [name, d] : desired.sets) {
    auto it = current->sets.find(name);
    if (it == current->sets.end()) {
      Set def = d;
      def.elements.clear();
      adds_defs.push_back(AddSet{std::move(def)});
      if (!d.IsDynamic() && !d.elements.empty()) {
        AddElements add{name, {}};
        add.elements.assign(d.elements.begin(), d.elements.end());
        adds_elements.push_back(std::move(add));
      }
      continue;
    }
    if (d.IsDynamic()) continue;
    const Set& c = it->second;
    DeleteElements del{name, {}, false};
    AddElements add{name, {}};
    // Both maps are sorted by key: one merge walk, no lookups.
    auto ci = c.elements.begin();
    auto di = d.elements.begin();
    while (ci != c.elements.end() || di != d.elements.end()) {
      if (di == d.elements.end() || (ci != c.elements.end() && ci->first < di->first)) {
        del.keys.push_back(ci->first);
        ++ci;
      } else if (ci == c.elements.end() || di->first < ci->first) {
        add.elements.emplace_back(di->first, di->second);
        ++di;
      } else {
        if (ci->second != di->second) {
          del.keys.push_back(ci->first);
          add.elements.emplace_back(di->first, di->second);
        }
        ++ci;
        ++di;
      }
    }
    if (!del.keys.empty()) deletes_elements.push_back(std::move(del));
    if (!add.elements.empty()) adds_elements.push_back(std::move(add));
  }

  for (auto* group : {&deletes_rules, &deletes_chains, &deletes_elements, &deletes_sets, &adds_defs, &adds_rules,
                      &adds_elements}) {
    for (Op& op : *group) tx.ops.push_back(std::move(op));
  }
  return tx;
}

void OrderOps(Transaction& tx) {
  auto phase = [](const Op& op) {
    return std::visit(
        [](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, DeleteTable>) return 0;
          if constexpr (std::is_same_v<T, DeleteRule> || std::is_same_v<T, FlushChain>) return 1;
          if constexpr (std::is_same_v<T, DeleteChain>) return 2;
          if constexpr (std::is_same_v<T, DeleteElements> || std::is_same_v<T, FlushSet>) return 3;
          if constexpr (std::is_same_v<T, DeleteSet>) return 4;
          if constexpr (std::is_same_v<T, AddTable>) return 5;
          if constexpr (std::is_same_v<T, AddChain> || std::is_same_v<T, AddSet>) return 6;
          if constexpr (std::is_same_v<T, AddRule>) return 7;
          return 8;  // AddElements
        },
        op);
  };
  std::stable_sort(tx.ops.begin(), tx.ops.end(), [&](const Op& a, const Op& b) { return phase(a) < phase(b); });
}

}  // namespace kubenode::netfilter
