#include "base/log.h"

#include <mutex>
#include <vector>

#include <spdlog/sinks/stdout_color_sinks.h>

namespace kubenode {
namespace {

struct LogState {
  std::mutex mu;
  std::vector<spdlog::sink_ptr> sinks{std::make_shared<spdlog::sinks::stderr_color_sink_mt>()};
  spdlog::level::level_enum level = spdlog::level::info;
};

LogState& State() {
  static LogState* state = new LogState();  // never destroyed: loggers may log during exit
  return *state;
}

}  // namespace

std::shared_ptr<spdlog::logger> Logger(const std::string& area) {
  LogState& state = State();
  std::lock_guard lock(state.mu);
  if (auto existing = spdlog::get(area)) return existing;
  auto logger = std::make_shared<spdlog::logger>(area, state.sinks.begin(), state.sinks.end());
  logger->set_level(state.level);
  spdlog::register_logger(logger);
  return logger;
}

void ConfigureLogging(std::vector<spdlog::sink_ptr> sinks, spdlog::level::level_enum level) {
  LogState& state = State();
  std::lock_guard lock(state.mu);
  state.sinks = std::move(sinks);
  state.level = level;
  spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& logger) {
    logger->sinks() = state.sinks;
    logger->set_level(level);
  });
}

}  // namespace kubenode
