#include "kubelet/prober/conn.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

namespace kubenode::kubelet::prober {

namespace {

// One client context for the process (thread-safe to share once configured).
SSL_CTX* ClientContext() {
  static SSL_CTX* ctx = [] {
    SSL_CTX* c = SSL_CTX_new(TLS_client_method());
    if (c != nullptr) {
      SSL_CTX_set_verify(c, SSL_VERIFY_NONE, nullptr);
      SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
      // A peer that closes without close_notify ends the body like a plain EOF (Go's client does not mind).
      SSL_CTX_set_options(c, SSL_OP_IGNORE_UNEXPECTED_EOF);
    }
    return c;
  }();
  return ctx;
}

// The first queued OpenSSL error as text (the queue is cleared).
std::string SslErrorText() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown error";
  char text[256];
  ERR_error_string_n(code, text, sizeof(text));
  return text;
}

bool IsIpAddress(const std::string& host) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

// Waits until `fd` is ready for `events`. Errors: kClientTimeout, "poll: ...".
Status WaitFor(int fd, short events, Deadline deadline) {
  while (true) {
    pollfd pfd{fd, events, 0};
    const int ready = ::poll(&pfd, 1, MillisUntil(deadline));
    const int poll_err = errno;
    if (ready > 0) return {};
    if (ready == 0) return Status::Error(kClientTimeout);
    if (poll_err != EINTR) return Status::Error("poll: " + ErrnoText(poll_err));
  }
}

// What to do after an SSL_* call returned `ret`: wait for the socket (OK), or an error (`eof` set on a clean end).
Status AfterSslCall(SSL* ssl, int fd, int ret, Deadline deadline, bool* eof) {
  switch (SSL_get_error(ssl, ret)) {
    case SSL_ERROR_WANT_READ:
      return WaitFor(fd, POLLIN, deadline);
    case SSL_ERROR_WANT_WRITE:
      return WaitFor(fd, POLLOUT, deadline);
    case SSL_ERROR_ZERO_RETURN:
      if (eof != nullptr) *eof = true;
      return Status::Error("EOF");
    case SSL_ERROR_SYSCALL: {
      const int err = errno;
      ERR_clear_error();
      if (err == 0 || err == EPIPE || err == ECONNRESET) {
        if (eof != nullptr) *eof = true;
        return Status::Error(err == ECONNRESET ? "read: connection reset by peer" : "EOF");
      }
      return Status::Error(ErrnoText(err));
    }
    default:
      return Status::Error(SslErrorText());
  }
}

}  // namespace

void Conn::SslFree::operator()(SSL* ssl) const { SSL_free(ssl); }

Conn::Conn(Socket socket) : socket_(std::move(socket)) {}
Conn::Conn(Conn&&) noexcept = default;
Conn& Conn::operator=(Conn&&) noexcept = default;
Conn::~Conn() = default;

Status Conn::StartTls(const std::string& host, Deadline deadline) {
  SSL_CTX* ctx = ClientContext();
  if (ctx == nullptr) return Status::Error("tls: " + SslErrorText());
  ssl_.reset(SSL_new(ctx));
  if (!ssl_ || SSL_set_fd(ssl_.get(), socket_.fd()) != 1) return Status::Error("tls: " + SslErrorText());
  if (!host.empty() && !IsIpAddress(host)) SSL_set_tlsext_host_name(ssl_.get(), host.c_str());
  while (true) {
    ERR_clear_error();
    const int ret = SSL_connect(ssl_.get());
    if (ret == 1) return {};
    if (Status waited = AfterSslCall(ssl_.get(), socket_.fd(), ret, deadline, nullptr); !waited.ok()) {
      // A server that is not speaking TLS, or a failed handshake, reads like Go's tls errors.
      if (waited.message() == kClientTimeout) return waited;
      return Status::Error("tls: handshake failed: " + waited.message());
    }
  }
}

Status Conn::WriteAll(const std::string& data, Deadline deadline) {
  size_t sent = 0;
  while (sent < data.size()) {
    if (ssl_) {
      ERR_clear_error();
      const int n = SSL_write(ssl_.get(), data.data() + sent, static_cast<int>(data.size() - sent));
      if (n > 0) {
        sent += static_cast<size_t>(n);
        continue;
      }
      if (Status waited = AfterSslCall(ssl_.get(), socket_.fd(), n, deadline, nullptr); !waited.ok()) {
        return waited.message() == kClientTimeout ? waited : Status::Error("write: " + waited.message());
      }
      continue;
    }
    const ssize_t n = ::send(socket_.fd(), data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    const int send_err = errno;
    if (n < 0 && send_err == EINTR) continue;
    if (n < 0 && send_err != EAGAIN && send_err != EWOULDBLOCK) return Status::Error("write: " + ErrnoText(send_err));
    if (Status waited = WaitFor(socket_.fd(), POLLOUT, deadline); !waited.ok()) return waited;
  }
  return {};
}

bool Conn::ReadSome(std::string& buffer, std::string& error, Deadline deadline) {
  char chunk[4096];
  while (true) {
    if (ssl_) {
      ERR_clear_error();
      const int n = SSL_read(ssl_.get(), chunk, sizeof(chunk));
      if (n > 0) {
        buffer.append(chunk, static_cast<size_t>(n));
        return true;
      }
      bool eof = false;
      if (Status waited = AfterSslCall(ssl_.get(), socket_.fd(), n, deadline, &eof); !waited.ok()) {
        error = eof || waited.message() == kClientTimeout ? waited.message() : "read: " + waited.message();
        return false;
      }
      continue;
    }
    const ssize_t n = ::recv(socket_.fd(), chunk, sizeof(chunk), 0);
    if (n > 0) {
      buffer.append(chunk, static_cast<size_t>(n));
      return true;
    }
    if (n == 0) {
      error = "EOF";
      return false;
    }
    const int recv_err = errno;
    if (recv_err == EINTR) continue;
    if (recv_err != EAGAIN && recv_err != EWOULDBLOCK) {
      error = "read: " + ErrnoText(recv_err);
      return false;
    }
    if (Status waited = WaitFor(socket_.fd(), POLLIN, deadline); !waited.ok()) {
      error = waited.message();
      return false;
    }
  }
}

}  // namespace kubenode::kubelet::prober
