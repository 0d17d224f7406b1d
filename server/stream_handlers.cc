#include "server/stream_handlers.h"

#include <algorithm>
#include <charconv>
#include <memory>

#include "base/log.h"

namespace kubenode::server {
namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool Flag(const Request& request, std::string_view name) {
  std::string value = request.Query(name);
  return value == "1" || value == "true";
}

bool IsWebSocketRequest(const Request& request) {
  return Lower(request.Header("connection")).find("upgrade") != std::string::npos &&
         Lower(request.Header("upgrade")) == "websocket";
}

// As upstream's streaming.WriteError: the runtime's NotFound is 404, ResourceExhausted 429, the rest 500.
void RespondRuntimeError(Exchange& exchange, const Status& status) {
  const std::string& message = status.message();
  int code = 500;
  if (message.find("code = NotFound") != std::string::npos) code = 404;
  else if (message.find("code = ResourceExhausted") != std::string::npos) code = 429;
  exchange.Respond(Response::Text(code, message));
}

void NotFoundPage(Exchange& exchange) { exchange.Respond(Response::Text(404, "404 page not found\n")); }

// NS/POD/CONTAINER or NS/POD/UID/CONTAINER after `prefix`.
bool ContainerPath(const Request& request, std::string_view prefix, PodRef* pod, std::string* container) {
  std::vector<std::string> s = PathSegments(request.path, prefix);
  if (s.size() == 3) {
    *pod = PodRef{s[0], s[1], ""};
    *container = s[2];
    return true;
  }
  if (s.size() == 4) {
    *pod = PodRef{s[0], s[1], s[2]};
    *container = s[3];
    return true;
  }
  return false;
}

// The container, or false after answering why not.
bool FindContainer(const StreamDeps& deps, Exchange& exchange, std::string_view prefix, StreamTarget* target) {
  PodRef pod;
  std::string container;
  if (!ContainerPath(exchange.request(), prefix, &pod, &container)) {
    NotFoundPage(exchange);
    return false;
  }
  *target = deps.targets->Container(pod, container);
  if (target->status != 200) {
    exchange.Respond(Response::Text(target->status, target->message));
    return false;
  }
  return true;
}

void Proxy(const StreamDeps& deps, Exchange& exchange, const Result<std::string>& url) {
  if (!url.ok()) {
    RespondRuntimeError(exchange, url.status());
    return;
  }
  ProxyStream(exchange, *url, deps.proxy);
}

void ServeExec(const StreamDeps& deps, Exchange& exchange) {
  const Request& request = exchange.request();
  Result<StreamOptions> options = ParseStreamOptions(request);
  if (!options.ok()) {
    exchange.Respond(Response::Text(400, options.status().message()));
    return;
  }
  StreamTarget target;
  if (!FindContainer(deps, exchange, "/exec/", &target)) return;
  cri::ExecRequest exec;
  exec.container_id = target.id;
  for (auto [it, end] = request.query.equal_range("command"); it != end; ++it) exec.cmd.push_back(it->second);
  exec.tty = options->tty;
  exec.stdin = options->stdin;
  exec.stdout = options->stdout;
  exec.stderr = options->stderr;
  Proxy(deps, exchange, deps.runtime->Exec(exec));
}

void ServeAttach(const StreamDeps& deps, Exchange& exchange) {
  Result<StreamOptions> options = ParseStreamOptions(exchange.request());
  if (!options.ok()) {
    exchange.Respond(Response::Text(400, options.status().message()));
    return;
  }
  StreamTarget target;
  if (!FindContainer(deps, exchange, "/attach/", &target)) return;
  cri::AttachRequest attach;
  attach.container_id = target.id;
  // Whether the process has a terminal was fixed when it started; the container spec says, not the client.
  attach.tty = target.tty;
  attach.stdin = options->stdin;
  attach.stdout = options->stdout;
  attach.stderr = options->stderr;
  Proxy(deps, exchange, deps.runtime->Attach(attach));
}

void ServePortForward(const StreamDeps& deps, Exchange& exchange) {
  const Request& request = exchange.request();
  Result<std::vector<int32_t>> ports = ParsePortForwardPorts(request);
  if (!ports.ok()) {
    exchange.Respond(Response::Text(400, ports.status().message()));
    return;
  }
  std::vector<std::string> s = PathSegments(request.path, "/portForward/");
  if (s.size() != 2 && s.size() != 3) {
    NotFoundPage(exchange);
    return;
  }
  StreamTarget target = deps.targets->Sandbox(PodRef{s[0], s[1], s.size() == 3 ? s[2] : ""});
  if (target.status != 200) {
    exchange.Respond(Response::Text(target.status, target.message));
    return;
  }
  Proxy(deps, exchange, deps.runtime->PortForward(cri::PortForwardRequest{target.id, *ports}));
}

std::vector<std::string> SplitSpaces(const std::string& text) {
  // As upstream's strings.Split(cmd, " "): consecutive spaces give empty arguments.
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t space = text.find(' ', start);
    out.push_back(text.substr(start, space - start));
    if (space == std::string::npos) return out;
    start = space + 1;
  }
}

void ServeRun(const StreamDeps& deps, Exchange& exchange) {
  StreamTarget target;
  if (!FindContainer(deps, exchange, "/run/", &target)) return;
  // For legacy reasons /run takes one space-separated `cmd`, not exec's repeated `command`.
  std::vector<std::string> cmd = SplitSpaces(exchange.request().Query("cmd"));
  Result<cri::ExecResult> result = deps.runtime->ExecSync(target.id, cmd, deps.run_timeout);
  if (!result.ok()) {
    exchange.Respond(Response::Text(500, result.status().message()));
    return;
  }
  if (result->exit_code != 0) {
    std::string joined;
    for (const auto& arg : cmd) joined += (joined.empty() ? "" : " ") + arg;
    exchange.Respond(Response::Text(500, "command '" + joined + "' exited with " +
                                             std::to_string(result->exit_code) + ": " + result->stderr_data));
    return;
  }
  // Upstream writes the combined output with a JSON content type, whatever it is.
  exchange.Respond(Response::Json(200, result->stdout_data + result->stderr_data));
}

}  // namespace

Result<StreamOptions> ParseStreamOptions(const Request& request) {
  StreamOptions options;
  options.stdin = Flag(request, "input");
  options.stdout = Flag(request, "output");
  options.stderr = Flag(request, "error");
  options.tty = Flag(request, "tty");
  if (options.tty && options.stderr) options.stderr = false;  // upstream bypasses stderr with a tty
  if (!options.stdin && !options.stdout && !options.stderr) {
    return Status::Error("you must specify at least 1 of stdin, stdout, stderr");
  }
  return options;
}

Result<std::vector<int32_t>> ParsePortForwardPorts(const Request& request) {
  std::vector<int32_t> ports;
  if (!IsWebSocketRequest(request)) return ports;
  auto [it, end] = request.query.equal_range("port");
  if (it == end) return Status::Error("query parameter \"port\" is required");
  for (; it != end; ++it) {
    const std::string& value = it->second;
    if (value.empty()) return Status::Error("query parameter \"port\" cannot be empty");
    size_t start = 0;
    for (;;) {
      size_t comma = value.find(',', start);
      std::string_view part = std::string_view(value).substr(start, comma - start);
      unsigned port = 0;
      auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), port);
      if (part.empty() || ec != std::errc() || ptr != part.data() + part.size() || port > 65535) {
        return Status::Error("unable to parse \"" + value + "\" as a port");
      }
      if (port < 1) return Status::Error("port \"" + value + "\" must be > 0");
      ports.push_back(static_cast<int32_t>(port));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return ports;
}

void AddStreamRoutes(Router& router, StreamDeps deps) {
  auto shared = std::make_shared<const StreamDeps>(std::move(deps));
  router.Add("*", "/exec/", [shared](Exchange& e) { ServeExec(*shared, e); });
  router.Add("*", "/attach/", [shared](Exchange& e) { ServeAttach(*shared, e); });
  router.Add("*", "/portForward/", [shared](Exchange& e) { ServePortForward(*shared, e); });
  router.Add("POST", "/run/", [shared](Exchange& e) { ServeRun(*shared, e); });
}

}  // namespace kubenode::server
