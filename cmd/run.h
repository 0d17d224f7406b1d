// `kubenode run`: flags and config files → DaemonOptions; runs the daemon until SIGTERM/SIGINT.
#pragma once

#include <CLI/CLI.hpp>

namespace kubenode::cmd {

// Adds the `run` subcommand to `app`; its callback sets `exit_code`.
void AddRunCommand(CLI::App& app, std::string& runtime_endpoint, std::string& socket, int& exit_code);

}  // namespace kubenode::cmd
