#include "kubelet/runtime/hook_runner.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kubenode::kubelet {
namespace {

int ResolvePort(const api::IntOrString& port, const api::Container& container) {
  if (!port.is_string) return port.int_value;
  for (const auto& p : container.ports) {
    if (p.name == port.string_value) return p.container_port;
  }
  return -1;
}

}  // namespace

Status HttpGet(const std::string& host, int port, const std::string& path, std::chrono::seconds timeout) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) return Status::Error("invalid host " + host);
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  // errno is saved right after each call: building the message allocates, which may change it.
  if (fd < 0) {
    const int err = errno;
    return Status::Error("socket: " + std::string(std::strerror(err)));
  }
  const int timeout_ms = static_cast<int>(std::chrono::milliseconds(timeout).count());
  auto fail = [&](const std::string& what) {
    ::close(fd);
    return Status::Error(what);
  };
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    const int err = errno;
    if (err != EINPROGRESS) return fail("dial tcp " + host + ":" + std::to_string(port) + ": " + std::strerror(err));
  }
  pollfd pfd{fd, POLLOUT, 0};
  if (::poll(&pfd, 1, timeout_ms) != 1) return fail("dial tcp " + host + ":" + std::to_string(port) + ": i/o timeout");
  int err = 0;
  socklen_t len = sizeof(err);
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err != 0) return fail("dial tcp " + host + ":" + std::to_string(port) + ": " + std::strerror(err));
  const std::string request = "GET " + (path.empty() ? std::string("/") : path) + " HTTP/1.1\r\nHost: " + host + ":" +
                              std::to_string(port) + "\r\nUser-Agent: kube-lifecycle/1.30\r\nConnection: close\r\n\r\n";
  const ssize_t sent = ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  if (sent != static_cast<ssize_t>(request.size())) {
    const int send_err = errno;
    return fail(sent < 0 ? "write: " + std::string(std::strerror(send_err)) : "write: short write");
  }
  std::string response;
  char buf[512];
  while (response.find("\r\n") == std::string::npos) {
    pfd = {fd, POLLIN, 0};
    if (::poll(&pfd, 1, timeout_ms) != 1) return fail("read: timeout awaiting response headers");
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) return fail("read: connection closed before a response");
    response.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  // "HTTP/1.1 200 OK"
  auto space = response.find(' ');
  int code = space == std::string::npos ? 0 : std::atoi(response.c_str() + space + 1);
  if (code < 200 || code >= 400) return Status::Error("HTTP status " + std::to_string(code));
  return {};
}

Status CriHookRunner::Run(const std::string& container_id, const std::string& pod_ip, const api::Container& container,
                          const api::Handler& handler, std::chrono::seconds timeout) {
  if (handler.exec) {
    auto result = runtime_.ExecSync(container_id, handler.exec->command, timeout);
    if (!result.ok()) return result.status().WithContext("ExecSync");
    if (result->exit_code != 0) {
      return Status::Error("command '" + (handler.exec->command.empty() ? "" : handler.exec->command[0]) +
                           "' exited with " + std::to_string(result->exit_code) + ": " + result->stderr_data);
    }
    return {};
  }
  if (handler.http_get) {
    const auto& h = *handler.http_get;
    const int port = ResolvePort(h.port, container);
    if (port <= 0) return Status::Error("invalid port " + h.port.ToString());
    return HttpGet(h.host.empty() ? pod_ip : h.host, port, h.path, timeout);
  }
  if (handler.tcp_socket) return Status::Error("tcpSocket lifecycle handlers are not supported");
  return Status::Error("no handler");
}

}  // namespace kubenode::kubelet
