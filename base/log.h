// One named spdlog logger per area ("kubelet", "proxy", "cri", ...), all sharing the sinks chosen at start.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

namespace kubenode {

// Returns the logger for `area`, creating it on first use with the process-wide sinks.
std::shared_ptr<spdlog::logger> Logger(const std::string& area);

// Replaces the process-wide sinks (e.g. journald under systemd) and level; existing loggers follow.
void ConfigureLogging(std::vector<spdlog::sink_ptr> sinks, spdlog::level::level_enum level);

}  // namespace kubenode
