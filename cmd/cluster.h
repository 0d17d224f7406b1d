// `kubenode cluster create|delete|get`: kind's verbs, flags and messages for kubenode clusters (cluster/).
#pragma once

#include <chrono>
#include <ostream>
#include <string>

#include <CLI/CLI.hpp>

#include "cluster/create.h"

namespace kubenode::cmd {

struct ClusterCreateFlags {
  std::string config;        // --config / -f; "" = one control-plane node
  std::string name;          // --name; "" = the file's name, else "kubenode"
  std::string wait = "0s";   // --wait, a Go duration
  std::string k8s_binaries;  // --k8s-binaries
  std::string state_dir;     // --state-dir; "" = $KUBENODE_CLUSTER_STATE_DIR or the default
};

// The verbs, each printing to `out` / `err` and returning the exit code (messages as kind's: "ERROR: ...").
int RunClusterCreate(const ClusterCreateFlags& flags, const cluster::ClusterParts& parts, std::ostream& out,
                     std::ostream& err);
int RunClusterDelete(const std::string& name, const std::string& state_dir, const cluster::ClusterParts& parts,
                     std::ostream& out, std::ostream& err);
int RunGetClusters(const std::string& state_dir, std::ostream& out, std::ostream& err);
int RunGetNodes(const std::string& name, const std::string& state_dir, std::ostream& out, std::ostream& err);
int RunGetKubeconfig(const std::string& name, const std::string& state_dir, std::ostream& out, std::ostream& err);

// Adds `cluster` with its verbs to `app`, using the parts this build has; callbacks set `exit_code`.
void AddClusterCommand(CLI::App& app, int& exit_code);

}  // namespace kubenode::cmd
