// The user's kubeconfig (the file kubectl reads): `cluster create` merges the cluster's admin credentials in
// as cluster, user and context "kubenode-<name>" and makes that context current, as kind does with
// "kind-<name>"; `cluster delete` takes them out again. Every other entry and field is kept.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace kubenode::cluster {

// "kubenode-<cluster>": the name of the cluster, user and context entries.
std::string ContextName(std::string_view cluster);

// The file kubectl would write: the first path of $KUBECONFIG, else $HOME/.kube/config.
Result<std::string> KubeconfigPath();

// Merges the first cluster and user of `admin_kubeconfig` (a kubeconfig document, e.g. the state's admin.conf)
// into the kubeconfig at `path` (created 0600 when missing) as ContextName(cluster), and sets current-context.
Status MergeIntoKubeconfig(const std::string& path, std::string_view cluster, std::string_view admin_kubeconfig);

// `admin_kubeconfig` on its own with its first cluster and user renamed ContextName(cluster) and that
// context current: what `kubenode cluster get kubeconfig` prints, as `kind get kubeconfig`.
Result<std::string> StandaloneKubeconfig(std::string_view cluster, std::string_view admin_kubeconfig);

// Removes ContextName(cluster)'s entries from `path`; unsets current-context when it was that context. OK
// when the file or the entries do not exist.
Status RemoveFromKubeconfig(const std::string& path, std::string_view cluster);

}  // namespace kubenode::cluster
