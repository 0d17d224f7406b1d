#include "kubelet/prober/expand.h"

namespace kubenode::kubelet::prober {

namespace {

// The last definition of `name` wins, as with env in upstream's mapping.
const std::string* Lookup(const std::string& name, const std::vector<api::EnvVar>& env) {
  const std::string* found = nullptr;
  for (const api::EnvVar& var : env) {
    if (var.name == name) found = &var.value;
  }
  return found;
}

}  // namespace

std::string Expand(const std::string& input, const std::vector<api::EnvVar>& env) {
  std::string out;
  size_t i = 0;
  while (i < input.size()) {
    if (input[i] != '$' || i + 1 == input.size()) {
      out += input[i++];
      continue;
    }
    char next = input[i + 1];
    if (next == '$') {  // escaped
      out += '$';
      i += 2;
    } else if (next == '(') {
      size_t close = input.find(')', i + 2);
      if (close == std::string::npos) {  // incomplete reference: kept
        out += "$(";
        i += 2;
        continue;
      }
      std::string name = input.substr(i + 2, close - i - 2);
      const std::string* value = Lookup(name, env);
      out += value ? *value : "$(" + name + ")";
      i = close + 1;
    } else {
      out += '$';
      out += next;
      i += 2;
    }
  }
  return out;
}

std::vector<std::string> ExpandCommand(const std::vector<std::string>& command, const std::vector<api::EnvVar>& env) {
  std::vector<std::string> out;
  out.reserve(command.size());
  for (const std::string& arg : command) out.push_back(Expand(arg, env));
  return out;
}

}  // namespace kubenode::kubelet::prober
