// What e2e tests need from the harness (tests/harness/env.sh writes these variables; scripts/test exports
// them). A missing variable fails the test with a message that says how to run it: e2e tests never skip.
#pragma once

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

namespace kubenode::testing {

inline std::string RequiredEnv(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    ADD_FAILURE() << name << " is not set: run e2e tests through scripts/test (it starts tests/harness/env.sh)";
    return "";
  }
  return value;
}

// Runs a shell command and returns its stdout and exit code; e2e tests use real tools (curl, ip, nft).
struct CommandResult {
  int exit_code = -1;
  std::string output;
};

inline CommandResult RunCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace kubenode::testing
