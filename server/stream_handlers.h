// The kubelet server's streaming endpoints, as upstream's getExec / getAttach / getPortForward / getRun:
//   *    /exec/NS/POD[/UID]/CONTAINER?command=..&input=1&output=1&error=1&tty=1
//   *    /attach/NS/POD[/UID]/CONTAINER?input=1&output=1&error=1&tty=1
//   *    /portForward/NS/POD[/UID][?port=80]
//   POST /run/NS/POD[/UID]/CONTAINER?cmd=ls%20-l   (ExecSync; the output is the body)
// Exec, Attach and PortForward ask CRI for a streaming URL and proxy the upgraded connection to it
// (stream_proxy.h).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "cri/runtime_service.h"
#include "server/http.h"
#include "server/stream_proxy.h"

namespace kubenode::server {

struct PodRef {
  std::string ns;
  std::string name;
  std::string uid;  // empty when the path has none
};

// The CRI object a request is about, or why there is none, with upstream's status and message
// (404 "pod does not exist", 404 `container not found ("c")`).
struct StreamTarget {
  int status = 200;  // 200: found
  std::string message;
  std::string id;    // the container ID (exec, attach, run) or the pod sandbox ID (portForward)
  bool tty = false;  // the container spec's tty: attach must match how the process was started
};

// Resolves pods and containers; the daemon's implementation reads the kubelet's pods (stream_targets.h).
class StreamTargets {
 public:
  virtual ~StreamTargets() = default;
  virtual StreamTarget Container(const PodRef& pod, const std::string& container) = 0;
  virtual StreamTarget Sandbox(const PodRef& pod) = 0;
};

struct StreamDeps {
  cri::RuntimeService* runtime = nullptr;
  std::shared_ptr<StreamTargets> targets;
  StreamProxyOptions proxy;
  // ExecSync deadline for /run (upstream passes none and relies on the runtime request timeout, 2m).
  std::chrono::seconds run_timeout{120};
};

void AddStreamRoutes(Router& router, StreamDeps deps);

// Upstream's remotecommand options from the query: input/output/error/tty as "1" (or "true"); stderr is
// dropped with a tty (a terminal merges it); at least one stream is required.
struct StreamOptions {
  bool stdin = false;
  bool stdout = false;
  bool stderr = false;
  bool tty = false;
};
Result<StreamOptions> ParseStreamOptions(const Request& request);

// The `port` parameters of a WebSocket port-forward (SPDY clients name ports per stream: none then).
Result<std::vector<int32_t>> ParsePortForwardPorts(const Request& request);

}  // namespace kubenode::server
