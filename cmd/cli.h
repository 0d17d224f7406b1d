// The client half of `kubenode`: each command becomes one local-API request to the running daemon.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace kubenode::cmd {

// Sends `request` to the daemon at `socket_path`, prints its reply, returns the exit code.
int RunRemote(const std::string& socket_path, const nlohmann::json& request);

// `logs -f`: asks the daemon for the log stream's URL on its kubelet server (route "logs url"), then
// prints the stream as it comes until the container ends or the user interrupts.
int RunLogsFollow(const std::string& socket_path, const nlohmann::json& request);

// `apply -f FILE` / `delete -f FILE`: reads FILE ("-" = stdin) into the request; returns 1 with a message
// naming the file when it cannot be read.
int RunWithFile(const std::string& socket_path, const std::string& route, const std::string& file);

}  // namespace kubenode::cmd
