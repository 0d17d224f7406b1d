// The daemon's local API: how the `kubenode` CLI reaches the running daemon. A unix socket (root only),
// one JSON request and one JSON response per connection. Not a Kubernetes API: it serves the CLI.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace kubenode::agent {

inline constexpr char kDefaultLocalApiSocket[] = "/run/kubenode/kubenode.sock";

// What a CLI command prints and how it exits, computed by the daemon.
struct Reply {
  int exit_code = 0;
  std::string out;
  std::string err;

  static Reply Ok(std::string out) { return {0, std::move(out), ""}; }
  static Reply Error(std::string err, int exit_code = 1) { return {exit_code, "", std::move(err)}; }
};

// A request names a route ("get pods", "describe svc", ...) and carries the command's arguments.
using Handler = std::function<Reply(const nlohmann::json& request)>;

class LocalApiServer {
 public:
  explicit LocalApiServer(std::string socket_path);
  ~LocalApiServer();

  // Routes must be added before Start().
  void Route(const std::string& route, Handler handler);
  // Binds the socket (mode 0600; a stale socket file from a previous run is replaced) and serves on a thread.
  Status Start();
  void Stop();

 private:
  void Serve();
  void HandleConnection(int fd);

  std::string socket_path_;
  std::map<std::string, Handler> routes_;
  int listen_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

// Sends `request` (which must carry "route") and returns the daemon's reply.
Result<Reply> CallLocalApi(const std::string& socket_path, const nlohmann::json& request);

}  // namespace kubenode::agent
