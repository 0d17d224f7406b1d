#include "kubelet/prober/dial.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <memory>

namespace kubenode::kubelet::prober {

Socket& Socket::operator=(Socket&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

Socket::~Socket() {
  if (fd_ >= 0) ::close(fd_);
}

std::string JoinHostPort(const std::string& host, int port) {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

std::string ErrnoText(int err) {
  std::string text = std::strerror(err);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

int MillisUntil(Deadline deadline) {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) return 0;
  return static_cast<int>(std::min<int64_t>(left.count(), 1 << 30));
}

namespace {

struct AddrInfoDeleter {
  void operator()(addrinfo* info) const { freeaddrinfo(info); }
};
using AddrInfoPtr = std::unique_ptr<addrinfo, AddrInfoDeleter>;

Result<AddrInfoPtr> Resolve(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  std::string service = std::to_string(port);
  addrinfo* found = nullptr;
  int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
  if (rc == EAI_NONAME) {
    hints.ai_flags = AI_NUMERICSERV;
    rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
  }
  if (rc != 0 || found == nullptr) {
    return Status::Error("dial tcp: lookup " + host + ": " +
                         (rc == EAI_NONAME || rc == EAI_NODATA ? std::string("no such host") : gai_strerror(rc)));
  }
  return AddrInfoPtr(found);
}

}  // namespace

Result<Socket> DialTcp(const std::string& host, int port, Deadline deadline) {
  const std::string prefix = "dial tcp " + JoinHostPort(host, port) + ": ";
  Result<AddrInfoPtr> addrs = Resolve(host, port);
  if (!addrs.ok()) return addrs.status();
  const addrinfo* addr = addrs->get();  // first address, as Go's dialer tries first

  Socket socket(::socket(addr->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  // errno is saved right after each call: building the message allocates, which may change it.
  if (socket.fd() < 0) {
    const int err = errno;
    return Status::Error(prefix + "socket: " + ErrnoText(err));
  }
  if (::connect(socket.fd(), addr->ai_addr, addr->ai_addrlen) == 0) return socket;
  if (const int err = errno; err != EINPROGRESS) return Status::Error(prefix + "connect: " + ErrnoText(err));

  pollfd pfd{socket.fd(), POLLOUT, 0};
  while (true) {
    int ready = ::poll(&pfd, 1, MillisUntil(deadline));
    const int poll_err = errno;
    if (ready < 0 && poll_err == EINTR) continue;
    if (ready < 0) return Status::Error(prefix + "poll: " + ErrnoText(poll_err));
    if (ready == 0) return Status::Error(prefix + "i/o timeout");
    break;
  }
  int err = 0;
  socklen_t len = sizeof(err);
  if (::getsockopt(socket.fd(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err != 0) return Status::Error(prefix + "connect: " + ErrnoText(err));
  return socket;
}

}  // namespace kubenode::kubelet::prober
