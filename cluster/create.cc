// The steps and their words follow kind's pkg/cluster/internal/create (create.go, actions/*) and
// pkg/internal/cli/status.go as printed without a terminal: " • <step>  ..." when a step starts, then
// " ✓ <step>" or " ✗ <step>".
#include "cluster/create.h"

#include <fstream>
#include <sstream>

#include "agent/kubelet_config.h"
#include "base/log.h"
#include "cluster/kubeconfig_file.h"

namespace kubenode::cluster {
namespace {

// One step at a time, as kind's cli.Status: a step that was started and not ended reads as failed.
class StepPrinter {
 public:
  explicit StepPrinter(std::ostream& out) : out_(out) {}
  ~StepPrinter() { End(false); }

  void Start(std::string step) {
    End(true);
    step_ = std::move(step);
    out_ << " \xe2\x80\xa2 " << step_ << "  ...\n" << std::flush;  // " • step  ..."
  }
  void End(bool ok) {
    if (step_.empty()) return;
    out_ << (ok ? " \xe2\x9c\x93 " : " \xe2\x9c\x97 ") << step_ << "\n" << std::flush;  // ✓ / ✗
    step_.clear();
  }

 private:
  std::ostream& out_;
  std::string step_;
};

Result<std::string> ReadFile(const std::string& path) { return agent::ReadConfigFile(path); }

// Removes what a failed create made; errors are logged, the step's error is what the user needs.
void Rollback(const ClusterPlan& plan, const ClusterParts& parts) {
  if (parts.nodes != nullptr) {
    if (Status s = parts.nodes->Delete(plan); !s.ok()) {
      Logger("cluster")->error("cleaning up cluster {} after a failed create: {}", plan.config.name, s.message());
    }
  }
  if (Status s = plan.state.Remove(); !s.ok()) {
    Logger("cluster")->error("cleaning up cluster {} after a failed create: {}", plan.config.name, s.message());
  }
}

}  // namespace

const NodePlan& ClusterPlan::control_plane() const {
  for (const NodePlan& n : nodes) {
    if (n.role == NodeRole::kControlPlane) return n;
  }
  return nodes.front();  // unreachable for a validated config: it has exactly one control-plane node
}

std::vector<const NodePlan*> ClusterPlan::workers() const {
  std::vector<const NodePlan*> out;
  for (const NodePlan& n : nodes) {
    if (n.role == NodeRole::kWorker) out.push_back(&n);
  }
  return out;
}

ClusterPlan MakePlan(ClusterConfig config, const std::string& state_dir, std::string k8s_binaries) {
  ClusterState state(state_dir, config.name);
  const std::vector<std::string> names = NodeNames(config);
  ClusterPlan plan{.config = std::move(config), .state = std::move(state), .k8s_binaries = std::move(k8s_binaries)};
  plan.api_server_port = plan.config.networking.api_server_port;
  for (size_t i = 0; i < names.size(); ++i) {
    plan.nodes.push_back(NodePlan{.name = names[i], .role = plan.config.nodes[i].role, .index = i});
  }
  return plan;
}

std::vector<std::string> MissingParts(const ClusterParts& parts) {
  std::vector<std::string> missing;
  if (parts.files == nullptr) missing.push_back("cluster files (PKI, kubeconfigs, control-plane manifests, images)");
  if (parts.nodes == nullptr) missing.push_back("node backend (network-namespace nodes)");
  return missing;
}

std::string FormatSeconds(std::chrono::nanoseconds d) {
  const int64_t second = 1000000000;
  int64_t n = d.count();
  const int64_t rem = n % second;
  n -= rem;
  if (rem >= second / 2) n += second;  // Go rounds halves away from zero
  if (rem <= -second / 2) n -= second;
  return agent::FormatGoDuration(std::chrono::nanoseconds(n));
}

Status CreateCluster(const ClusterConfig& config, const CreateOptions& options, const ClusterParts& parts,
                     std::ostream& out) {
  if (std::vector<std::string> missing = MissingParts(parts); !missing.empty()) {
    std::string list;
    for (const std::string& m : missing) list += (list.empty() ? "" : ", ") + m;
    return Status::Error("cluster create is not available in this build: missing " + list);
  }
  const RealClock real_clock;
  const Clock& clock = parts.clock != nullptr ? *parts.clock : real_clock;
  ClusterPlan plan = MakePlan(config, options.state_dir, options.k8s_binaries);
  if (Status s = plan.state.Create(); !s.ok()) return s;
  // cluster.yaml first: from here on `cluster delete` finds the cluster, whatever happens.
  if (Status s = ClusterState::WriteFile(plan.state.config_file(), EncodeClusterConfig(plan.config)); !s.ok()) {
    (void)plan.state.Remove();  // best effort; the write error is the one to report
    return s;
  }
  out << "Creating cluster \"" << plan.config.name << "\" ...\n";
  StepPrinter step(out);
  auto fail = [&](const Status& s) {
    step.End(false);
    Rollback(plan, parts);
    return s;
  };
  auto deadline = [&] { return clock.Now() + options.start_timeout; };

  step.Start("Ensuring node images (built from " +
             (options.k8s_binaries.empty() ? std::string("--k8s-binaries") : options.k8s_binaries) + ") \xf0\x9f\x96\xbc");
  if (Status s = parts.files->BuildImages(plan); !s.ok()) return fail(s);

  std::string boxes;
  for (size_t i = 0; i < plan.nodes.size(); ++i) boxes += "\xf0\x9f\x93\xa6 ";  // 📦 per node, as kind
  step.Start("Preparing nodes " + boxes);
  if (Status s = parts.nodes->CreateNetwork(plan); !s.ok()) return fail(s);
  for (const NodePlan& node : plan.nodes) {
    if (Status s = parts.nodes->ProvisionNode(plan, node); !s.ok()) return fail(s.WithContext(node.name));
  }

  step.Start("Writing configuration \xf0\x9f\x93\x9c");  // 📜
  if (Status s = parts.files->WritePki(plan); !s.ok()) return fail(s);
  if (Status s = parts.files->WriteKubeconfigs(plan); !s.ok()) return fail(s);
  if (Status s = parts.files->WriteControlPlaneManifests(plan); !s.ok()) return fail(s);

  step.Start("Starting control-plane \xf0\x9f\x95\xb9\xef\xb8\x8f");  // 🕹️
  if (Status s = parts.nodes->StartControlPlane(plan, plan.control_plane(), deadline()); !s.ok()) {
    return fail(s.WithContext(plan.control_plane().name));
  }

  if (!plan.config.networking.disable_default_cni) {
    step.Start("Installing CNI \xf0\x9f\x94\x8c");  // 🔌
    if (Status s = parts.nodes->InstallPodNetwork(plan); !s.ok()) return fail(s);
  }

  const std::vector<const NodePlan*> workers = plan.workers();
  if (!workers.empty()) {
    step.Start("Joining worker nodes \xf0\x9f\x9a\x9c");  // 🚜
    for (const NodePlan* node : workers) {
      if (Status s = parts.nodes->JoinNode(plan, *node, deadline()); !s.ok()) return fail(s.WithContext(node->name));
    }
  }

  if (options.wait.count() > 0) {
    step.Start("Waiting \xe2\x89\xa4 " + FormatSeconds(options.wait) + " for control-plane = Ready \xe2\x8f\xb3");
    const auto start = clock.Now();
    Result<bool> ready = parts.nodes->WaitForControlPlaneReady(plan, start + options.wait);
    if (!ready.ok()) return fail(ready.status());
    if (*ready) {
      step.End(true);
      out << " \xe2\x80\xa2 Ready after " << FormatSeconds(clock.Now() - start) << " \xf0\x9f\x92\x9a\n";
    } else {
      // kind: a timeout is a warning, the cluster stays.
      step.End(false);
      out << " \xe2\x80\xa2 WARNING: Timed out waiting for Ready \xe2\x9a\xa0\xef\xb8\x8f\n";
    }
  }
  step.End(true);

  Result<std::string> admin = ReadFile(plan.state.admin_kubeconfig());
  if (!admin.ok()) return fail(admin.status());
  if (Status s = MergeIntoKubeconfig(options.kubeconfig, plan.config.name, *admin); !s.ok()) return fail(s);
  const std::string context = ContextName(plan.config.name);
  out << "Set kubectl context to \"" << context << "\"\n"
      << "You can now use your cluster with:\n\nkubectl cluster-info --context " << context << "\n\n"
      << "Have a nice day! \xf0\x9f\x91\x8b\n" << std::flush;
  return Status();
}

Status DeleteCluster(const std::string& name, const std::string& state_dir, const std::string& kubeconfig,
                     const ClusterParts& parts, std::ostream& out) {
  if (Status s = ValidateClusterName(name); !s.ok()) return s;
  out << "Deleting cluster \"" << name << "\" ...\n" << std::flush;
  ClusterState state(state_dir, name);
  // The cluster as created; when its file is unreadable, the nodes are still found by the cluster's name.
  Result<ClusterConfig> config = LoadClusterConfig(state.config_file(), name);
  if (!config.ok()) {
    if (state.Exists()) Logger("cluster")->warn("{}", config.status().message());
    config = DefaultClusterConfig(name);
  }
  ClusterPlan plan = MakePlan(std::move(*config), state_dir);
  if (parts.nodes != nullptr) {
    if (Status s = parts.nodes->Delete(plan); !s.ok()) return s.WithContext("failed to delete cluster \"" + name + "\"");
  }
  if (state.Exists()) {
    std::string names;
    for (const NodePlan& node : plan.nodes) names += (names.empty() ? "\"" : " \"") + node.name + "\"";
    out << "Deleted nodes: [" << names << "]\n";
  }
  if (Status s = RemoveFromKubeconfig(kubeconfig, name); !s.ok()) return s;
  return state.Remove();
}

}  // namespace kubenode::cluster
