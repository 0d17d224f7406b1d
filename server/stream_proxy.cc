#include "server/stream_proxy.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "base/log.h"

namespace kubenode::server {
namespace {

constexpr size_t kBufferBytes = 64 * 1024;

// Lower-cased as Go's syscall errors ("connection refused"), which is what kubectl users see upstream.
std::string ErrnoText(int err) {
  std::string text = std::strerror(err);
  if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z') text[0] = static_cast<char>(text[0] - 'A' + 'a');
  return text;
}

// "x-stream-protocol-version" -> "X-Stream-Protocol-Version", as Go writes header names (the backend reads
// them case-insensitively; this only keeps captures readable).
std::string CanonicalHeader(std::string_view lower) {
  std::string out(lower);
  bool upper = true;
  for (char& c : out) {
    if (upper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    upper = c == '-';
  }
  return out;
}

// Hop or node-only headers not forwarded: the backend gets its own Host, and the node's credentials (a
// bearer token the node authenticated) are not the runtime's business.
bool DroppedHeader(std::string_view name, bool body_replaced) {
  if (name == "host" || name == "authorization" || name == "proxy-authorization") return true;
  return body_replaced && (name == "content-length" || name == "transfer-encoding");
}

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

Status ConnectWithTimeout(int fd, const sockaddr* address, socklen_t length, std::chrono::milliseconds timeout) {
  int flags = ::fcntl(fd, F_GETFL, 0);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return Status::Error("fcntl: " + ErrnoText(errno));
  if (::connect(fd, address, length) < 0) {
    if (errno != EINPROGRESS) return Status::Error(ErrnoText(errno));
    pollfd p{fd, POLLOUT, 0};
    int n;
    do {
      n = ::poll(&p, 1, static_cast<int>(timeout.count()));
    } while (n < 0 && errno == EINTR);
    if (n == 0) return Status::Error("i/o timeout after " + std::to_string(timeout.count()) + "ms");
    if (n < 0) return Status::Error("poll: " + ErrnoText(errno));
    int err = 0;
    socklen_t err_len = sizeof(err);
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len) < 0) err = errno;
    if (err != 0) return Status::Error(ErrnoText(err));
  }
  if (::fcntl(fd, F_SETFL, flags) < 0) return Status::Error("fcntl: " + ErrnoText(errno));
  int one = 1;
  (void)::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));  // interactive sessions: no Nagle delay
  return {};
}

// Returns the connected socket; errors read like Go's ("dial tcp 127.0.0.1:1: connect: connection refused").
Result<int> Dial(const BackendUrl& backend, std::chrono::milliseconds timeout) {
  std::string where = (backend.host.find(':') != std::string::npos ? "[" + backend.host + "]" : backend.host) +
                      ":" + std::to_string(backend.port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  int rc = ::getaddrinfo(backend.host.c_str(), std::to_string(backend.port).c_str(), &hints, &found);
  if (rc != 0) return Status::Error("dial tcp " + where + ": lookup: " + ::gai_strerror(rc));
  Status last = Status::Error("no address");
  for (addrinfo* a = found; a; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      last = Status::Error("socket: " + ErrnoText(errno));
      continue;
    }
    last = ConnectWithTimeout(fd, a->ai_addr, a->ai_addrlen, timeout);
    if (last.ok()) {
      ::freeaddrinfo(found);
      return fd;
    }
    ::close(fd);
  }
  ::freeaddrinfo(found);
  return last.WithContext("dial tcp " + where + ": connect");
}

Status SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::Error("write to the streaming server: " + ErrnoText(errno));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

}  // namespace

Result<BackendUrl> ParseBackendUrl(std::string_view url) {
  const std::string_view scheme = "http://";
  if (!url.starts_with(scheme)) {
    return Status::Error("streaming URL \"" + std::string(url) + "\": only http:// is supported");
  }
  std::string_view rest = url.substr(scheme.size());
  size_t slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  BackendUrl out;
  out.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (out.target.front() == '?') out.target.insert(0, "/");
  std::string_view port;
  if (authority.starts_with("[")) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return Status::Error("streaming URL \"" + std::string(url) + "\": bad host");
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (after.starts_with(":")) port = after.substr(1);
    else if (!after.empty()) return Status::Error("streaming URL \"" + std::string(url) + "\": bad host");
  } else {
    size_t colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (out.host.empty()) return Status::Error("streaming URL \"" + std::string(url) + "\": no host");
  if (!port.empty()) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
      return Status::Error("streaming URL \"" + std::string(url) + "\": bad port \"" + std::string(port) + "\"");
    }
    out.port = static_cast<uint16_t>(value);
  }
  return out;
}

std::string ForwardedRequest(const Request& request, const BackendUrl& backend) {
  const bool body_replaced = !request.body.empty();
  std::string head = request.method + " " + backend.target + " HTTP/1.1\r\n";
  std::string host = backend.host.find(':') != std::string::npos ? "[" + backend.host + "]" : backend.host;
  head += "Host: " + host + ":" + std::to_string(backend.port) + "\r\n";
  for (const auto& [name, value] : request.headers) {
    if (DroppedHeader(name, body_replaced)) continue;
    head += CanonicalHeader(name) + ": " + value + "\r\n";
  }
  if (body_replaced) head += "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
  head += "\r\n";
  head += request.body;
  return head;
}

Status Splice(ByteStream& client, int backend_fd, const StreamProxyOptions& options) {
  std::string buffer(kBufferBytes, '\0');
  bool from_client = true;   // still reading the client
  bool from_backend = true;  // still reading the backend
  while (from_client || from_backend) {
    // Bytes the server already holds (parsed past the head, or decrypted by TLS) do not make the socket
    // readable: serve them first and only peek at the backend meanwhile.
    const bool client_buffered = from_client && client.HasBuffered();
    pollfd fds[2];
    nfds_t count = 0;
    int client_index = -1, backend_index = -1;
    if (from_client && !client_buffered) {
      client_index = static_cast<int>(count);
      fds[count++] = pollfd{client.fd(), POLLIN, 0};
    }
    if (from_backend) {
      backend_index = static_cast<int>(count);
      fds[count++] = pollfd{backend_fd, POLLIN, 0};
    }
    int timeout = -1;
    if (client_buffered) timeout = 0;
    else if (!from_client || !from_backend) timeout = static_cast<int>(options.half_closed_idle.count());
    int n = count ? ::poll(fds, count, timeout) : 0;
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::Error("poll: " + ErrnoText(errno));
    }
    if (n == 0 && !client_buffered) return {};  // the half-open side stayed silent: the session is over

    if (client_buffered || (client_index >= 0 && fds[client_index].revents != 0)) {
      Result<size_t> read = client.ReadSome(buffer.data(), buffer.size());
      if (!read.ok()) return read.status().WithContext("read from the client");
      if (*read == 0) {
        from_client = false;
        ::shutdown(backend_fd, SHUT_WR);
      } else if (Status s = SendAll(backend_fd, std::string_view(buffer.data(), *read)); !s.ok()) {
        return s;
      }
    }
    if (backend_index >= 0 && fds[backend_index].revents != 0) {
      ssize_t read = ::recv(backend_fd, buffer.data(), buffer.size(), 0);
      if (read < 0) {
        if (errno == EINTR || errno == EAGAIN) continue;
        return Status::Error("read from the streaming server: " + ErrnoText(errno));
      }
      if (read == 0) {
        from_backend = false;
        client.ShutdownWrite();
      } else if (Status s = client.WriteAll(std::string_view(buffer.data(), static_cast<size_t>(read)));
                 !s.ok()) {
        return s.WithContext("write to the client");
      }
    }
  }
  return {};
}

void ProxyStream(Exchange& exchange, std::string_view backend_url, const StreamProxyOptions& options) {
  const Request& request = exchange.request();
  Result<BackendUrl> backend = ParseBackendUrl(backend_url);
  if (!backend.ok()) {
    exchange.Respond(Response::Text(500, backend.status().message()));
    return;
  }
  Result<int> dialed = Dial(*backend, options.connect_timeout);
  if (!dialed.ok()) {
    Logger("server")->warn("{} {}: streaming server unreachable: {}", request.method, request.path,
                           dialed.status().message());
    exchange.Respond(Response::Text(502, "error dialing the container runtime's streaming server: " +
                                             dialed.status().message()));
    return;
  }
  Fd backend_fd(*dialed);
  if (Status s = SendAll(backend_fd.get(), ForwardedRequest(request, *backend)); !s.ok()) {
    exchange.Respond(Response::Text(502, s.message()));
    return;
  }
  std::unique_ptr<ByteStream> client = exchange.Hijack();
  if (!client) return;  // the client is gone
  if (Status s = Splice(*client, backend_fd.get(), options); !s.ok()) {
    Logger("server")->debug("{} {}: stream ended: {}", request.method, request.path, s.message());
  }
}

}  // namespace kubenode::server
