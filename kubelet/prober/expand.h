// $(VAR) expansion of an exec probe's command from the container's static env, as upstream's
// ExpandContainerCommandOnlyStatic: $(NAME) becomes the value, an unknown $(NAME) stays as written, $$
// becomes $.
#pragma once

#include <string>
#include <vector>

#include "api/pod.h"

namespace kubenode::kubelet::prober {

std::string Expand(const std::string& input, const std::vector<api::EnvVar>& env);
std::vector<std::string> ExpandCommand(const std::vector<std::string>& command, const std::vector<api::EnvVar>& env);

}  // namespace kubenode::kubelet::prober
