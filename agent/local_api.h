// The daemon's local API: how the `kubenode` CLI reaches the running daemon. A unix socket (root only),
// one JSON request and one JSON response per connection. Not a Kubernetes API: it serves the CLI.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>

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

// Request field `name` as a T (std::string, bool or an integer type); `fallback` when absent. Any other
// JSON type (null included) is an error naming the field: `request field "tail": must be an integer`.
// Requests come from the CLI but the socket accepts anything: nlohmann's throwing accessors must not.
template <typename T>
Result<T> RequestField(const nlohmann::json& request, std::string_view name, T fallback = T()) {
  auto it = request.find(name);
  if (it == request.end()) return fallback;
  if constexpr (std::is_same_v<T, std::string>) {
    if (it->is_string()) return it->template get<std::string>();
    return Status::Error("request field \"" + std::string(name) + "\": must be a string");
  } else if constexpr (std::is_same_v<T, bool>) {
    if (it->is_boolean()) return it->template get<bool>();
    return Status::Error("request field \"" + std::string(name) + "\": must be a boolean");
  } else {
    static_assert(std::is_integral_v<T>, "RequestField reads strings, booleans and integers");
    if (it->is_number_integer()) return it->template get<T>();
    return Status::Error("request field \"" + std::string(name) + "\": must be an integer");
  }
}

struct LocalApiOptions {
  // A client must have sent its whole request (and shut down its write side) within this time. Handlers
  // are not bounded by it: `logs` of a large file may take longer.
  std::chrono::milliseconds read_timeout{5000};
  // Writing the reply to a client that does not read gives up after this time.
  std::chrono::milliseconds write_timeout{10000};
  // Connections served at once; more are answered "busy" at once.
  size_t max_connections = 64;
  size_t max_request_bytes = 16 * 1024 * 1024;
};

class LocalApiServer {
 public:
  explicit LocalApiServer(std::string socket_path, LocalApiOptions options = {});
  ~LocalApiServer();

  // Routes must be added before Start().
  void Route(const std::string& route, Handler handler);
  // Binds the socket (mode 0600, so only root connects; a stale socket file from a previous run is
  // replaced) and accepts on a thread; each connection is served on its own thread.
  Status Start();
  // Stops accepting, wakes connections still sending their request (shutdown(2)) and waits for handlers
  // already running, which are bounded by their own (CRI) timeouts.
  void Stop();

 private:
  void Serve();
  void HandleConnection(int fd);
  Reply Dispatch(const std::string& data);

  const std::string socket_path_;
  const LocalApiOptions options_;
  std::map<std::string, Handler> routes_;
  int listen_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: Stop() wakes the accept loop
  std::thread thread_;

  std::mutex mu_;
  std::condition_variable idle_;
  bool stopping_ = false;      // guarded by mu_
  std::set<int> connections_;  // guarded by mu_: fds with a serving thread
};

struct CallOptions {
  // How long the CLI waits for the daemon's reply. Generous: `apply` may wait for the runtime.
  std::chrono::milliseconds timeout{60000};
};

// Sends `request` (which must carry "route") and returns the daemon's reply. A request that is not valid
// UTF-8 is an error, never sent.
Result<Reply> CallLocalApi(const std::string& socket_path, const nlohmann::json& request, CallOptions options = {});

}  // namespace kubenode::agent
