#include "netfilter/transaction.h"

#include "netfilter/render.h"
#include "netfilter/values.h"

namespace kubenode::netfilter {

size_t Transaction::ElementOps() const {
  size_t n = 0;
  for (const Op& op : ops) {
    if (auto* a = std::get_if<AddElements>(&op)) n += a->elements.size();
    if (auto* d = std::get_if<DeleteElements>(&op)) n += d->keys.size();
  }
  return n;
}

size_t Transaction::NonElementOps() const {
  size_t n = 0;
  for (const Op& op : ops)
    if (!std::holds_alternative<AddElements>(op) && !std::holds_alternative<DeleteElements>(op)) ++n;
  return n;
}

namespace {
const Set* FindSet(const Table* context, const std::string& name) {
  if (!context) return nullptr;
  auto it = context->sets.find(name);
  return it == context->sets.end() ? nullptr : &it->second;
}
std::string Hex(const Bytes& b) {
  static const char* kDigits = "0123456789abcdef";
  std::string s;
  for (unsigned char c : b) {
    s += kDigits[c >> 4];
    s += kDigits[c & 15];
  }
  return s;
}
std::string ElementText(const Set* set, const Bytes& key, const Bytes* data) {
  if (!set) return "0x" + Hex(key) + (data && !data->empty() ? " : 0x" + Hex(*data) : "");
  std::string s = FormatValue(set->key, key);
  if (data && set->IsMap()) s += " : " + FormatValue(set->data, *data);
  return s;
}
std::string Kind(const Set* set) { return set && set->IsMap() ? "map " : "set "; }
}  // namespace

std::string Describe(const Transaction& tx, const Op& op, const Table* context, int index) {
  const std::string table = "table " + tx.table;
  if (std::holds_alternative<AddTable>(op)) return "add " + table;
  if (std::holds_alternative<DeleteTable>(op)) return "delete " + table;
  if (auto* x = std::get_if<AddChain>(&op)) return "add chain " + x->chain.name;
  if (auto* x = std::get_if<DeleteChain>(&op)) return "delete chain " + x->name;
  if (auto* x = std::get_if<FlushChain>(&op)) return "flush chain " + x->name;
  if (auto* x = std::get_if<AddSet>(&op)) return "add " + Kind(&x->set) + x->set.name;
  if (auto* x = std::get_if<DeleteSet>(&op)) return "delete set " + x->name;
  if (auto* x = std::get_if<FlushSet>(&op)) return "flush set " + x->name;
  if (auto* x = std::get_if<AddElements>(&op)) {
    const Set* set = FindSet(context, x->set);
    std::string s = "add element to " + Kind(set) + x->set;
    if (index >= 0 && static_cast<size_t>(index) < x->elements.size())
      return s + ": " + ElementText(set, x->elements[index].first, &x->elements[index].second);
    if (x->elements.size() == 1) return s + ": " + ElementText(set, x->elements[0].first, &x->elements[0].second);
    return s + " (" + std::to_string(x->elements.size()) + " elements)";
  }
  if (auto* x = std::get_if<DeleteElements>(&op)) {
    const Set* set = FindSet(context, x->set);
    std::string s = "delete element from " + Kind(set) + x->set;
    if (index >= 0 && static_cast<size_t>(index) < x->keys.size()) return s + ": " + ElementText(set, x->keys[index], nullptr);
    if (x->keys.size() == 1) return s + ": " + ElementText(set, x->keys[0], nullptr);
    return s + " (" + std::to_string(x->keys.size()) + " elements)";
  }
  if (auto* x = std::get_if<AddRule>(&op)) return "add rule to chain " + x->chain + ": " + RenderRule(x->rule, context);
  if (auto* x = std::get_if<DeleteRule>(&op)) return "delete rule handle " + std::to_string(x->handle) + " from chain " + x->chain;
  return "unknown op";
}

}  // namespace kubenode::netfilter
