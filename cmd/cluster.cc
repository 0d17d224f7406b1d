#include "cmd/cluster.h"

#include <iostream>

#include "agent/kubelet_config.h"
#include "cluster/config.h"
#include "cluster/kubeconfig_file.h"
#include "cluster/state.h"

namespace kubenode::cmd {
namespace {

std::string NameOrDefault(const std::string& name) { return name.empty() ? cluster::kDefaultClusterName : name; }

int Fail(std::ostream& err, const std::string& message) {
  err << "ERROR: " << message << "\n";
  return 1;
}

// The parts of this build. The node backend (network-namespace nodes) and the cluster files (PKI,
// kubeconfigs, manifests, images) are plugged in here as they land; until then `create` says what is missing.
cluster::ClusterParts BuildParts() { return cluster::ClusterParts{}; }

}  // namespace

int RunClusterCreate(const ClusterCreateFlags& flags, const cluster::ClusterParts& parts, std::ostream& out,
                     std::ostream& err) {
  Result<agent::Duration> wait = agent::ParseGoDuration(flags.wait);
  if (!wait.ok()) return Fail(err, "invalid argument \"" + flags.wait + "\" for \"--wait\" flag: " + wait.status().message());
  Result<cluster::ClusterConfig> config = flags.config.empty() ? cluster::DefaultClusterConfig(flags.name)
                                                               : cluster::LoadClusterConfig(flags.config, flags.name);
  if (!config.ok()) return Fail(err, "failed to create cluster: " + config.status().message());
  Result<std::string> kubeconfig = cluster::KubeconfigPath();
  if (!kubeconfig.ok()) return Fail(err, "failed to create cluster: " + kubeconfig.status().message());
  cluster::CreateOptions options{.state_dir = cluster::ResolveStateDir(flags.state_dir),
                                 .k8s_binaries = flags.k8s_binaries,
                                 .kubeconfig = *kubeconfig,
                                 .wait = *wait};
  // kind prints its progress on stderr; stdout stays for what scripts read.
  if (Status s = cluster::CreateCluster(*config, options, parts, err); !s.ok()) {
    return Fail(err, "failed to create cluster: " + s.message());
  }
  return 0;
}

int RunClusterDelete(const std::string& name, const std::string& state_dir, const cluster::ClusterParts& parts,
                     std::ostream& out, std::ostream& err) {
  Result<std::string> kubeconfig = cluster::KubeconfigPath();
  if (!kubeconfig.ok()) return Fail(err, kubeconfig.status().message());
  Status s = cluster::DeleteCluster(NameOrDefault(name), cluster::ResolveStateDir(state_dir), *kubeconfig, parts, err);
  return s.ok() ? 0 : Fail(err, s.message());
}

int RunGetClusters(const std::string& state_dir, std::ostream& out, std::ostream& err) {
  Result<std::vector<std::string>> names = cluster::ClusterState::List(cluster::ResolveStateDir(state_dir));
  if (!names.ok()) return Fail(err, "failed to list clusters: " + names.status().message());
  if (names->empty()) err << "No kubenode clusters found.\n";
  for (const std::string& name : *names) out << name << "\n";
  return 0;
}

int RunGetNodes(const std::string& name, const std::string& state_dir, std::ostream& out, std::ostream& err) {
  const std::string cluster_name = NameOrDefault(name);
  if (Status s = cluster::ValidateClusterName(cluster_name); !s.ok()) return Fail(err, s.message());
  cluster::ClusterState state(cluster::ResolveStateDir(state_dir), cluster_name);
  if (!state.Exists()) {
    err << "No kubenode nodes found for cluster \"" << cluster_name << "\".\n";
    return 0;
  }
  Result<cluster::ClusterConfig> config = cluster::LoadClusterConfig(state.config_file(), cluster_name);
  if (!config.ok()) return Fail(err, "failed to list nodes: " + config.status().message());
  for (const std::string& node : cluster::NodeNames(*config)) out << node << "\n";
  return 0;
}

int RunGetKubeconfig(const std::string& name, const std::string& state_dir, std::ostream& out, std::ostream& err) {
  const std::string cluster_name = NameOrDefault(name);
  if (Status s = cluster::ValidateClusterName(cluster_name); !s.ok()) return Fail(err, s.message());
  cluster::ClusterState state(cluster::ResolveStateDir(state_dir), cluster_name);
  if (!state.Exists()) {
    return Fail(err, "could not locate any control plane nodes for cluster named '" + cluster_name +
                         "'. Use the --name option to select a different cluster");
  }
  Result<std::string> admin = agent::ReadConfigFile(state.admin_kubeconfig());
  if (!admin.ok()) return Fail(err, admin.status().message());
  Result<std::string> text = cluster::StandaloneKubeconfig(cluster_name, *admin);
  if (!text.ok()) return Fail(err, state.admin_kubeconfig() + ": " + text.status().message());
  out << *text;
  return 0;
}

void AddClusterCommand(CLI::App& app, int& exit_code) {
  CLI::App* cluster = app.add_subcommand("cluster", "kind-like clusters of kubenode nodes on this machine");
  cluster->require_subcommand(1);

  auto flags = std::make_shared<ClusterCreateFlags>();
  CLI::App* create = cluster->add_subcommand("create", "Creates a local Kubernetes cluster");
  create->add_option("--config,-f", flags->config, "path to a kind config file (kind.x-k8s.io/v1alpha4 Cluster)");
  create->add_option("--name", flags->name, "cluster name, overrides the config's name (default kubenode)");
  create->add_option("--wait", flags->wait, "wait for control plane node to be ready (default 0s)");
  create->add_option("--k8s-binaries", flags->k8s_binaries,
                     "directory with kube-apiserver, kube-controller-manager, kube-scheduler and etcd");
  create->add_option("--state-dir", flags->state_dir, "where clusters are kept")->envname(cluster::kStateDirEnv);
  create->callback([flags, &exit_code] { exit_code = RunClusterCreate(*flags, BuildParts(), std::cout, std::cerr); });

  auto name = std::make_shared<std::string>();
  auto state_dir = std::make_shared<std::string>();
  auto add_common = [&](CLI::App* verb) {
    verb->add_option("--name", *name, "the cluster context name (default kubenode)");
    verb->add_option("--state-dir", *state_dir, "where clusters are kept")->envname(cluster::kStateDirEnv);
  };
  CLI::App* del = cluster->add_subcommand("delete", "Deletes a cluster");
  add_common(del);
  del->callback([=, &exit_code] { exit_code = RunClusterDelete(*name, *state_dir, BuildParts(), std::cout, std::cerr); });

  CLI::App* get = cluster->add_subcommand("get", "Gets one of [clusters, nodes, kubeconfig]");
  get->require_subcommand(1);
  CLI::App* clusters = get->add_subcommand("clusters", "Lists existing clusters");
  clusters->add_option("--state-dir", *state_dir, "where clusters are kept")->envname(cluster::kStateDirEnv);
  clusters->callback([=, &exit_code] { exit_code = RunGetClusters(*state_dir, std::cout, std::cerr); });
  CLI::App* nodes = get->add_subcommand("nodes", "Lists existing nodes of a cluster");
  add_common(nodes);
  nodes->callback([=, &exit_code] { exit_code = RunGetNodes(*name, *state_dir, std::cout, std::cerr); });
  CLI::App* kubeconfig = get->add_subcommand("kubeconfig", "Prints cluster kubeconfig");
  add_common(kubeconfig);
  kubeconfig->callback([=, &exit_code] { exit_code = RunGetKubeconfig(*name, *state_dir, std::cout, std::cerr); });
}

}  // namespace kubenode::cmd
