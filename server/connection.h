// Private to server/: what the accept loop and the connection threads share.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <set>

#include <boost/asio/ssl/context.hpp>

#include "server/kubelet_server.h"

namespace kubenode::server {

struct Server::Shared {
  ServerOptions options;
  const Router* router = nullptr;
  RequestGate* gate = nullptr;
  std::unique_ptr<boost::asio::ssl::context> tls;  // null: plain HTTP

  // Live sockets, so that Stop can shut each down (waking reads, polls and writes in any thread); a
  // connection leaves the set before its socket is closed, so no reused descriptor is shut down.
  std::mutex mu;
  std::set<int> live_fds;
  bool stopping = false;
  std::atomic<bool> stopped{false};

  bool Register(int fd);
  void Unregister(int fd);
};

// Serves one accepted connection until it closes (or is hijacked and released by its handler).
void ServeConnection(std::shared_ptr<Server::Shared> shared, int fd, std::string remote_address);

// Builds the TLS context from the files: the serving certificate and key, and the client CA.
Result<std::unique_ptr<boost::asio::ssl::context>> MakeTlsContext(const TlsOptions& options);

}  // namespace kubenode::server
