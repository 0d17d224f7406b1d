// The node's HTTP(S) servers: kubelet :10250 (TLS, authenticated), :10248 (plain healthz), later kube-proxy
// :10256. HTTP/1.1 with Boost.Beast, TLS with OpenSSL; synchronous, one thread per connection, bounded.
// Handlers see only server/http.h; authentication and authorization run in a RequestGate before them.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "server/http.h"

namespace kubenode::server {

// The client certificate of a TLS connection, as the handshake saw it. `verified`: it chains to the
// configured client CA (and is fit for client auth); otherwise `error` says why not.
struct PeerCertificate {
  bool present = false;
  bool verified = false;
  std::string error;
  std::string common_name;
  std::vector<std::string> organizations;
};

// Authentication and authorization in front of the router (server/auth.h).
class RequestGate {
 public:
  virtual ~RequestGate() = default;
  // Sets request.user and returns nothing to let the request through, or the refusal (401 / 403).
  virtual std::optional<Response> Admit(Request& request, const PeerCertificate& peer) = 0;
};

struct TlsOptions {
  std::string cert_file;       // PEM chain, leaf first
  std::string key_file;        // PEM private key
  std::string client_ca_file;  // "" : client certificates are not asked for
};

struct ServerOptions {
  std::string name = "kubelet";  // in logs
  std::string address = "0.0.0.0";
  int port = 10250;              // 0: any free port (see Server::port())
  std::optional<TlsOptions> tls;  // none: plain HTTP
  size_t max_connections = 256;   // more are accepted and closed at once
  size_t max_header_bytes = 1 << 20;  // as Go's http.Server DefaultMaxHeaderBytes
  size_t max_body_bytes = 4 << 20;
  // A connection that does not complete its TLS handshake or its next request within this is closed (a
  // silent client cannot hold a thread forever). Hijacked connections and streams have no idle limit.
  std::chrono::milliseconds read_timeout = std::chrono::minutes(1);
  std::chrono::milliseconds write_timeout = std::chrono::minutes(4);
};

class Server {
 public:
  // `gate` may be null (no authentication: e.g. :10248). Both must outlive the server.
  Server(ServerOptions options, const Router& router, RequestGate* gate);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Loads the certificates, binds and listens, starts the accept thread.
  Status Start();
  // Closes the listener and every live connection (streams and hijacked ones too), joins all threads.
  void Stop();
  int port() const { return bound_port_; }

  struct Shared;  // per-connection bookkeeping, server/connection.cc

 private:
  void AcceptLoop();
  void ReapFinished(bool all);

  ServerOptions options_;
  const Router& router_;
  RequestGate* gate_;
  std::shared_ptr<Shared> shared_;
  int listen_fd_ = -1;
  int stop_fd_ = -1;  // eventfd: wakes the accept loop
  int bound_port_ = 0;
  std::thread accept_thread_;
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::vector<Worker> workers_;  // accept thread only (and Stop after it ended)
};

// Percent-decodes `text` ("%2F" -> "/"); with `plus_is_space` also "+" -> " " (query strings).
std::string PercentDecode(std::string_view text, bool plus_is_space);
// Fills path and query of `request` from its target.
void SplitTarget(Request& request);

}  // namespace kubenode::server
