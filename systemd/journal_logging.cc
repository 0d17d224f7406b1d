#include "systemd/journal_logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/systemd_sink.h>

#include "base/log.h"
#include "systemd/notify.h"

namespace kubenode::systemd {

void ConfigureProcessLogging(spdlog::level::level_enum level) {
  spdlog::sink_ptr sink;
  if (StderrIsJournal()) {
    sink = std::make_shared<spdlog::sinks::systemd_sink_mt>("kubenode");
    sink->set_pattern("[%n] %v");  // journald stamps time, level and pid itself
  } else {
    sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    sink->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%L%$ [%n] %v");
  }
  ConfigureLogging({sink}, level);
}

}  // namespace kubenode::systemd
