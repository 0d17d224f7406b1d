// Getting built image archives into a node's containerd: `ctr --address SOCK -n k8s.io images import FILE`
// (Debian's containerd ships ctr), after which CRI's ImageStatus knows the image under its
// registry.k8s.io name. Commands run behind CommandRunner so that callers can be tested without them.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"

namespace kubenode::cluster {

class CommandRunner {
 public:
  virtual ~CommandRunner() = default;
  // Runs argv[0] (looked up in PATH) with argv; returns its stdout when it exits 0, else an error with
  // the command, the exit status and the first lines of its stderr.
  virtual Result<std::string> Run(const std::vector<std::string>& argv) = 0;
};

// fork/exec with pipes; no shell.
class ProcessRunner : public CommandRunner {
 public:
  Result<std::string> Run(const std::vector<std::string>& argv) override;
};

// Imports the OCI archive `archive` into the containerd at `address` (a unix socket path), in the CRI's
// namespace k8s.io, unpacked for this platform.
Status ImportImageArchive(CommandRunner& runner, const std::string& address, const std::string& archive,
                          const std::string& ctr = "ctr");

}  // namespace kubenode::cluster
