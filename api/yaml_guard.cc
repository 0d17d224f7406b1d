#include "api/yaml_guard.h"

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

namespace kubenode::api {
namespace {

// Counts nodes as the loader would build them, with each alias standing for the whole node it names.
class AliasChecker : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override {
    // A document that starts where the previous one started consumed nothing: the parser is stuck there.
    if (documents_++ > 0 && mark.pos == last_start_) {
      Fail(mark, "unexpected character at column " + std::to_string(mark.column + 1));
    }
    last_start_ = mark.pos;
    sizes_.clear();
    open_.clear();
    nodes_ = 0;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override { Leaf(mark, anchor, 1); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    for (const Open& o : open_) {
      if (o.anchor == anchor && anchor != YAML::NullAnchor) {
        Fail(mark, "an alias refers to the node that contains it");
        return;
      }
    }
    auto it = sizes_.find(anchor);
    Leaf(mark, YAML::NullAnchor, it == sizes_.end() ? 1 : it->second);
  }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor, const std::string&) override {
    Leaf(mark, anchor, 1);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor, YAML::EmitterStyle::value) override {
    Start(mark, anchor);
  }
  void OnSequenceEnd() override { End(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor, YAML::EmitterStyle::value) override {
    Start(mark, anchor);
  }
  void OnMapEnd() override { End(); }

  const std::string& error() const { return error_; }

 private:
  struct Open {
    YAML::anchor_t anchor;
    size_t nodes_at_start;
  };

  void Leaf(const YAML::Mark& mark, YAML::anchor_t anchor, size_t size) {
    Add(mark, size);
    if (anchor != YAML::NullAnchor) sizes_[anchor] = size;
  }
  void Start(const YAML::Mark& mark, YAML::anchor_t anchor) {
    Add(mark, 1);
    open_.push_back({anchor, nodes_ - 1});
  }
  void End() {
    if (open_.empty()) return;
    const Open o = open_.back();
    open_.pop_back();
    if (o.anchor != YAML::NullAnchor) sizes_[o.anchor] = nodes_ - o.nodes_at_start;
  }
  void Add(const YAML::Mark& mark, size_t size) {
    if (!error_.empty()) return;  // the first error is the one reported
    nodes_ += size;
    if (nodes_ > kMaxExpandedYamlNodes) {
      Fail(mark, "more than " + std::to_string(kMaxExpandedYamlNodes) + " nodes once aliases are expanded");
    }
  }
  void Fail(const YAML::Mark& mark, const std::string& what) {
    if (error_.empty()) error_ = "line " + std::to_string(mark.line + 1) + ": invalid YAML: " + what;
  }

  std::map<YAML::anchor_t, size_t> sizes_;
  std::vector<Open> open_;
  size_t nodes_ = 0;
  size_t documents_ = 0;
  int last_start_ = -1;
  std::string error_;
};

}  // namespace

Status CheckYamlLoadable(std::string_view text, const std::string& file) {
  std::istringstream in{std::string(text)};
  AliasChecker checker;
  try {
    YAML::Parser parser(in);
    while (checker.error().empty() && parser.HandleNextDocument(checker)) {
    }
  } catch (const YAML::Exception&) {
    return {};  // not YAML: loading reports where and why
  }
  if (!checker.error().empty()) return Status::Error(file + ": " + checker.error());
  return {};
}

}  // namespace kubenode::api
