// The kubelet's HTTP servers in the daemon: :10250 (HTTPS, authenticated; logs, pods, spec, configz,
// healthz, and the metrics and streaming routes others add) and :10248 (plain healthz on 127.0.0.1).
#pragma once

#include <memory>

#include "agent/daemon.h"
#include "agent/kubelet_config.h"
#include "server/auth.h"
#include "server/healthz.h"
#include "server/http.h"
#include "server/kubelet_server.h"
#include "server/logs_handler.h"

namespace kubenode::agent {

// The server's options from the KubeletConfiguration, with the mode's defaults for what it leaves unset:
// with --kubeconfig upstream's file defaults (0.0.0.0, webhook authentication and authorization, no
// anonymous requests); without, upstream's flag defaults (anonymous, AlwaysAllow, no webhook) on 127.0.0.1.
KubeletServerOptions ServerOptionsFromConfig(const KubeletConfig& config, bool api_mode);

// /configz's "kubeletconfig": the configuration in upstream's field names.
nlohmann::json ConfigzJson(const KubeletConfig& config);

class KubeletServers {
 public:
  explicit KubeletServers(Daemon::Parts& parts);
  ~KubeletServers();

  // Builds the routes, makes or loads the serving certificate, and starts both servers.
  Status Start();
  void Stop();

  int port() const { return https_ ? https_->port() : 0; }
  int healthz_port() const { return healthz_ ? healthz_->port() : 0; }

 private:
  void AddRoutes();
  std::vector<server::HealthzCheck> HealthChecks();

  Daemon::Parts& parts_;
  server::Router router_;
  server::Router healthz_router_;
  std::unique_ptr<server::ContainerLogSource> logs_;
  std::unique_ptr<server::KubeletAuth> auth_;
  std::unique_ptr<server::Server> https_;
  std::unique_ptr<server::Server> healthz_;
};

}  // namespace kubenode::agent
