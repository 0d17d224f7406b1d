// Chooses kubenode's log sinks: journald (structured: PRIORITY, SYSLOG_IDENTIFIER, and the logger name
// as the area) when running under systemd, colored stderr otherwise.
#pragma once

#include <spdlog/common.h>

namespace kubenode::systemd {

void ConfigureProcessLogging(spdlog::level::level_enum level);

}  // namespace kubenode::systemd
