#include "server/kubelet_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <openssl/ssl.h>

#include "base/log.h"
#include "server/connection.h"

namespace kubenode::server {

namespace {

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

std::string AddressText(const sockaddr_storage& addr) {
  char host[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
    return "[" + std::string(host) + "]:" + std::to_string(ntohs(a->sin6_port));
  }
  const auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
  inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
  return std::string(host) + ":" + std::to_string(ntohs(a->sin_port));
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
        HexValue(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2])));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

void SplitTarget(Request& request) {
  std::string_view target = request.target;
  size_t q = target.find('?');
  request.path = PercentDecode(target.substr(0, q), false);
  request.query.clear();
  if (q == std::string_view::npos) return;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      std::string name = PercentDecode(pair.substr(0, eq), true);
      std::string value = eq == std::string_view::npos ? "" : PercentDecode(pair.substr(eq + 1), true);
      request.query.emplace(std::move(name), std::move(value));
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
}

Result<std::unique_ptr<boost::asio::ssl::context>> MakeTlsContext(const TlsOptions& options) {
  namespace ssl = boost::asio::ssl;
  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                           ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                       ec);
  if (context->use_certificate_chain_file(options.cert_file, ec); ec) {
    return Status::Error("tlsCertFile " + options.cert_file + ": " + ec.message());
  }
  if (context->use_private_key_file(options.key_file, ssl::context::pem, ec); ec) {
    return Status::Error("tlsPrivateKeyFile " + options.key_file + ": " + ec.message());
  }
  if (!options.client_ca_file.empty()) {
    if (context->load_verify_file(options.client_ca_file, ec); ec) {
      return Status::Error("authentication.x509.clientCAFile " + options.client_ca_file + ": " + ec.message());
    }
    // The CAs are named in the CertificateRequest so that clients pick the matching certificate.
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(options.client_ca_file.c_str());
    if (names) SSL_CTX_set_client_CA_list(context->native_handle(), names);
    // A certificate is asked for, never required (bearer tokens and anonymous requests come without one),
    // and a bad one does not fail the handshake: the authenticator answers 401, as upstream's.
    context->set_verify_mode(ssl::verify_peer, ec);
    context->set_verify_callback([](bool, ssl::verify_context&) { return true; }, ec);
  }
  return context;
}

Server::Server(ServerOptions options, const Router& router, RequestGate* gate)
    : options_(std::move(options)), router_(router), gate_(gate) {}

Server::~Server() { Stop(); }

Status Server::Start() {
  shared_ = std::make_shared<Shared>();
  shared_->options = options_;
  shared_->router = &router_;
  shared_->gate = gate_;
  const std::string where = options_.name + " server on " + options_.address + ":" + std::to_string(options_.port);
  if (options_.tls) {
    auto tls = MakeTlsContext(*options_.tls);
    if (!tls.ok()) return tls.status().WithContext(where);
    shared_->tls = std::move(*tls);
  }

  sockaddr_storage addr{};
  socklen_t len = 0;
  in6_addr v6{};
  if (in_addr v4{}; inet_pton(AF_INET, options_.address.c_str(), &v4) == 1) {
    auto* a = reinterpret_cast<sockaddr_in*>(&addr);
    a->sin_family = AF_INET;
    a->sin_addr = v4;
    a->sin_port = htons(static_cast<uint16_t>(options_.port));
    len = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, options_.address.c_str(), &v6) == 1) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
    a->sin6_family = AF_INET6;
    a->sin6_addr = v6;
    a->sin6_port = htons(static_cast<uint16_t>(options_.port));
    len = sizeof(sockaddr_in6);
  } else {
    return Status::Error(where + ": address \"" + options_.address + "\" is not an IP address");
  }
  listen_fd_ = ::socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) return Status::Error(Errno(where + ": socket"));
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(listen_fd_, 128) != 0) {
    Status s = Status::Error(Errno(where + ": bind"));
    ::close(listen_fd_);
    listen_fd_ = -1;
    return s;
  }
  sockaddr_storage bound{};
  socklen_t bound_len = sizeof(bound);
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&bound), &bound_len);
  bound_port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                                  : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  stop_fd_ = eventfd(0, EFD_CLOEXEC);
  accept_thread_ = std::thread([this] { AcceptLoop(); });
  Logger("server")->info("{} server listening on {}:{} ({})", options_.name, options_.address, bound_port_,
                         options_.tls ? "HTTPS" : "HTTP");
  return {};
}

void Server::AcceptLoop() {
  auto log = Logger("server");
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      log->error("{} server: poll: {}", options_.name, std::strerror(errno));
      return;
    }
    if (fds[1].revents) return;
    if (!(fds[0].revents & POLLIN)) continue;
    sockaddr_storage peer{};
    socklen_t len = sizeof(peer);
    int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ReapFinished(false);
    if (workers_.size() >= options_.max_connections) {
      log->warn("{} server: {} connections open, refusing {}", options_.name, workers_.size(), AddressText(peer));
      ::close(fd);
      continue;
    }
    if (!shared_->Register(fd)) {
      ::close(fd);
      return;
    }
    auto done = std::make_shared<std::atomic<bool>>(false);
    workers_.push_back(Worker{std::thread([shared = shared_, fd, remote = AddressText(peer), done] {
                                ServeConnection(shared, fd, remote);
                                done->store(true);
                              }),
                              done});
  }
}

void Server::ReapFinished(bool all) {
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (all || it->done->load()) {
      it->thread.join();
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
}

void Server::Stop() {
  if (!shared_) return;
  if (accept_thread_.joinable()) {
    uint64_t one = 1;
    (void)!::write(stop_fd_, &one, sizeof(one));
    accept_thread_.join();
  }
  {
    std::lock_guard lock(shared_->mu);
    shared_->stopping = true;
    shared_->stopped = true;
    // Wakes every blocked read, write and poll on them; the connections then close themselves.
    for (int fd : shared_->live_fds) ::shutdown(fd, SHUT_RDWR);
  }
  // A hijacked connection closes when its handler releases it; the handler's thread is a worker.
  ReapFinished(true);
  if (listen_fd_ >= 0) ::close(listen_fd_);
  if (stop_fd_ >= 0) ::close(stop_fd_);
  listen_fd_ = stop_fd_ = -1;
  shared_.reset();
}

}  // namespace kubenode::server
