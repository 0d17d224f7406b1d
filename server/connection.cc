// One connection: TLS handshake (or none), then requests read with Beast and answered through an Exchange.
// Every socket operation is Beast's asynchronous one, run to completion on this connection's own
// io_context, so that tcp_stream's timers bound reads and writes while the handler code stays synchronous.
#include "server/connection.h"

#include <poll.h>
#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "base/log.h"

namespace kubenode::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using error_code = beast::error_code;
using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

bool Server::Shared::Register(int fd) {
  std::lock_guard lock(mu);
  if (stopping) return false;
  live_fds.insert(fd);
  return true;
}

void Server::Shared::Unregister(int fd) {
  std::lock_guard lock(mu);
  live_fds.erase(fd);
}

namespace {

beast::tcp_stream& Lowest(PlainStream& s) { return s; }
beast::tcp_stream& Lowest(TlsStream& s) { return beast::get_lowest_layer(s); }

std::string NameEntry(X509_NAME* name, int nid, std::vector<std::string>* all) {
  std::string first;
  for (int i = X509_NAME_get_index_by_NID(name, nid, -1); i >= 0; i = X509_NAME_get_index_by_NID(name, nid, i)) {
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
    unsigned char* utf8 = nullptr;
    int len = ASN1_STRING_to_UTF8(&utf8, data);
    if (len < 0) continue;
    std::string value(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
    OPENSSL_free(utf8);
    if (first.empty()) first = value;
    if (all) all->push_back(value);
  }
  return first;
}

PeerCertificate ReadPeer(SSL* ssl) {
  PeerCertificate peer;
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (!cert) return peer;
  peer.present = true;
  long result = SSL_get_verify_result(ssl);
  peer.verified = result == X509_V_OK;
  if (!peer.verified) peer.error = X509_verify_cert_error_string(result);
  X509_NAME* subject = X509_get_subject_name(cert);
  peer.common_name = NameEntry(subject, NID_commonName, nullptr);
  NameEntry(subject, NID_organizationName, &peer.organizations);
  X509_free(cert);
  return peer;
}

template <typename Stream>
class Connection : public Exchange, public std::enable_shared_from_this<Connection<Stream>> {
 public:
  template <typename... Args>
  Connection(std::shared_ptr<Server::Shared> shared, int fd, std::string remote, Args&&... args)
      : shared_(std::move(shared)), fd_(fd), stream_(MakeSocket(fd), std::forward<Args>(args)...) {
    request_.remote_address = std::move(remote);
  }

  ~Connection() override {
    shared_->Unregister(fd_);
    error_code ignored;
    Lowest(stream_).socket().close(ignored);  // closes fd_
  }

  void Serve();

  // --- Exchange ---
  const Request& request() const override { return request_; }
  void Respond(Response response) override;
  ResponseStream* StartStream(int status, std::string content_type,
                              std::vector<std::pair<std::string, std::string>> headers) override;
  std::unique_ptr<ByteStream> Hijack() override;

  // --- used by the stream adapters ---
  Status WriteChunk(std::string_view data);
  bool ClientGone();
  Result<size_t> ReadSome(char* buffer, size_t size);
  Status WriteAll(std::string_view data);
  void ShutdownWrite() { ::shutdown(fd_, SHUT_WR); }
  int fd() const { return fd_; }
  bool HasBuffered() const;

 private:
  net::ip::tcp::socket MakeSocket(int fd) {
    sockaddr_storage addr{};
    socklen_t len = sizeof(addr);
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    return net::ip::tcp::socket(ioc_, addr.ss_family == AF_INET6 ? net::ip::tcp::v6() : net::ip::tcp::v4(), fd);
  }

  // Starts one asynchronous operation and runs this connection's io_context until it completed.
  template <typename Start>
  std::pair<error_code, size_t> Run(Start&& start) {
    error_code result;
    size_t bytes = 0;
    bool done = false;
    start([&](error_code ec, size_t n = 0) {
      result = ec;
      bytes = n;
      done = true;
    });
    ioc_.restart();
    while (!done && ioc_.run_one() > 0) {
    }
    ioc_.poll();  // the timers' cancellations
    if (!done) result = net::error::operation_aborted;
    return {result, bytes};
  }

  bool Handshake();
  bool ReadRequest();
  bool WriteResponse(const Response& response);
  void Dispatch();
  bool FinishStream();

  std::shared_ptr<Server::Shared> shared_;
  int fd_;
  net::io_context ioc_{1};
  Stream stream_;
  beast::flat_buffer buffer_;
  PeerCertificate peer_;
  Request request_;
  bool keep_alive_ = false;
  enum class Answer { kNone, kResponded, kStreaming, kHijacked } answer_ = Answer::kNone;
  bool broken_ = false;  // a write failed: the connection is closed after this request

  class Chunks;
  std::unique_ptr<Chunks> chunks_;
};

template <typename Stream>
class Connection<Stream>::Chunks : public ResponseStream {
 public:
  explicit Chunks(Connection& c) : c_(c) {}
  Status Write(std::string_view data) override { return c_.WriteChunk(data); }
  bool ClientGone() override { return c_.ClientGone(); }

 private:
  Connection& c_;
};

template <typename Stream>
class Hijacked : public ByteStream {
 public:
  explicit Hijacked(std::shared_ptr<Connection<Stream>> c) : c_(std::move(c)) {}
  Result<size_t> ReadSome(char* buffer, size_t size) override { return c_->ReadSome(buffer, size); }
  Status WriteAll(std::string_view data) override { return c_->WriteAll(data); }
  void ShutdownWrite() override { c_->ShutdownWrite(); }
  int fd() const override { return c_->fd(); }
  bool HasBuffered() const override { return c_->HasBuffered(); }

 private:
  std::shared_ptr<Connection<Stream>> c_;
};

template <>
bool Connection<PlainStream>::Handshake() {
  return true;
}

template <>
bool Connection<TlsStream>::Handshake() {
  Lowest(stream_).expires_after(shared_->options.read_timeout);
  auto [ec, n] = Run([&](auto&& done) {
    stream_.async_handshake(net::ssl::stream_base::server, [done](error_code e) mutable { done(e); });
  });
  if (ec) {
    Logger("server")->debug("{}: TLS handshake with {}: {}", shared_->options.name, request_.remote_address,
                            ec.message());
    return false;
  }
  peer_ = ReadPeer(stream_.native_handle());
  return true;
}

template <typename Stream>
bool Connection<Stream>::ReadRequest() {
  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<uint32_t>(shared_->options.max_header_bytes));
  parser.body_limit(shared_->options.max_body_bytes);
  Lowest(stream_).expires_after(shared_->options.read_timeout);
  auto [ec, n] = Run([&](auto&& done) { http::async_read(stream_, buffer_, parser, done); });
  if (ec) {
    if (ec == http::error::header_limit || ec == http::error::body_limit) {
      Response too_large = Response::Text(ec == http::error::header_limit ? 431 : 413,
                                          ec == http::error::header_limit ? "Request Header Fields Too Large"
                                                                           : "Request Entity Too Large");
      keep_alive_ = false;
      WriteResponse(too_large);
    } else if (ec != http::error::end_of_stream && ec != net::error::eof && ec != beast::error::timeout &&
               ec != net::ssl::error::stream_truncated && ec != net::error::connection_reset &&
               ec != net::error::operation_aborted) {
      keep_alive_ = false;
      WriteResponse(Response::Text(400, "Bad Request"));
    }
    return false;
  }
  http::request<http::string_body> message = parser.release();
  request_.method = std::string(message.method_string());
  request_.target = std::string(message.target());
  request_.headers.clear();
  for (const auto& field : message) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    request_.headers.emplace(std::move(name), std::string(field.value()));
  }
  request_.body = std::move(message.body());
  request_.user = UserInfo{};
  SplitTarget(request_);
  keep_alive_ = message.keep_alive();
  return true;
}

template <typename Stream>
bool Connection<Stream>::WriteResponse(const Response& response) {
  http::response<http::string_body> message{static_cast<http::status>(response.status), 11};
  message.set(http::field::content_type, response.content_type);
  for (const auto& [name, value] : response.headers) message.set(name, value);
  message.body() = response.body;
  message.keep_alive(keep_alive_);
  message.prepare_payload();
  Lowest(stream_).expires_after(shared_->options.write_timeout);
  auto [ec, n] = Run([&](auto&& done) { http::async_write(stream_, message, done); });
  if (ec) broken_ = true;
  return !ec;
}

template <typename Stream>
void Connection<Stream>::Respond(Response response) {
  if (answer_ != Answer::kNone) return;
  answer_ = Answer::kResponded;
  WriteResponse(response);
}

template <typename Stream>
ResponseStream* Connection<Stream>::StartStream(int status, std::string content_type,
                                                std::vector<std::pair<std::string, std::string>> headers) {
  if (answer_ != Answer::kNone) return nullptr;
  answer_ = Answer::kStreaming;
  http::response<http::empty_body> message{static_cast<http::status>(status), 11};
  message.set(http::field::content_type, content_type);
  for (const auto& [name, value] : headers) message.set(name, value);
  message.chunked(true);
  message.keep_alive(keep_alive_);
  http::response_serializer<http::empty_body> serializer(message);
  Lowest(stream_).expires_after(shared_->options.write_timeout);
  auto [ec, n] = Run([&](auto&& done) { http::async_write_header(stream_, serializer, done); });
  if (ec) {
    broken_ = true;
    return nullptr;
  }
  chunks_ = std::make_unique<Chunks>(*this);
  return chunks_.get();
}

template <typename Stream>
Status Connection<Stream>::WriteChunk(std::string_view data) {
  if (broken_) return Status::Error("client gone");
  if (data.empty()) return {};  // an empty chunk would end the body
  // A follower may wait long between writes: only the write itself is bounded.
  Lowest(stream_).expires_after(shared_->options.write_timeout);
  auto [ec, n] = Run([&](auto&& done) {
    net::async_write(stream_, http::make_chunk(net::const_buffer(data.data(), data.size())), done);
  });
  Lowest(stream_).expires_never();
  if (ec) {
    broken_ = true;
    return Status::Error("writing to " + request_.remote_address + ": " + ec.message());
  }
  return {};
}

template <typename Stream>
bool Connection<Stream>::FinishStream() {
  if (broken_) return false;
  Lowest(stream_).expires_after(shared_->options.write_timeout);
  auto [ec, n] = Run([&](auto&& done) { net::async_write(stream_, http::make_chunk_last(), done); });
  if (ec) broken_ = true;
  return !ec;
}

template <typename Stream>
bool Connection<Stream>::ClientGone() {
  if (broken_ || shared_->stopped.load()) return true;
  pollfd p{fd_, POLLRDHUP, 0};
  if (::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL))) return true;
  return false;
}

template <typename Stream>
std::unique_ptr<ByteStream> Connection<Stream>::Hijack() {
  if (answer_ != Answer::kNone) return nullptr;
  answer_ = Answer::kHijacked;
  Lowest(stream_).expires_never();
  return std::make_unique<Hijacked<Stream>>(this->shared_from_this());
}

template <typename Stream>
Result<size_t> Connection<Stream>::ReadSome(char* out, size_t size) {
  if (buffer_.size() > 0) {
    size_t n = net::buffer_copy(net::buffer(out, size), buffer_.data());
    buffer_.consume(n);
    return n;
  }
  auto [ec, n] = Run([&](auto&& done) { stream_.async_read_some(net::buffer(out, size), done); });
  if (ec == net::error::eof || ec == net::ssl::error::stream_truncated) return size_t{0};
  if (ec) return Status::Error("reading from " + request_.remote_address + ": " + ec.message());
  return n;
}

template <typename Stream>
Status Connection<Stream>::WriteAll(std::string_view data) {
  auto [ec, n] = Run([&](auto&& done) { net::async_write(stream_, net::const_buffer(data.data(), data.size()), done); });
  if (ec) return Status::Error("writing to " + request_.remote_address + ": " + ec.message());
  return {};
}

template <>
bool Connection<PlainStream>::HasBuffered() const {
  return buffer_.size() > 0;
}

template <>
bool Connection<TlsStream>::HasBuffered() const {
  // Decrypted bytes, a record in OpenSSL's buffer, or ciphertext read from the socket into the BIO pair.
  SSL* ssl = const_cast<TlsStream&>(stream_).native_handle();
  return buffer_.size() > 0 || SSL_pending(ssl) > 0 || SSL_has_pending(ssl) ||
         BIO_ctrl_pending(SSL_get_rbio(ssl)) > 0;
}

template <typename Stream>
void Connection<Stream>::Dispatch() {
  answer_ = Answer::kNone;
  chunks_.reset();
  if (shared_->gate) {
    if (auto refusal = shared_->gate->Admit(request_, peer_)) {
      Respond(std::move(*refusal));
      return;
    }
  }
  bool path_known = false;
  const Handler* handler = shared_->router->Find(request_.method, request_.path, &path_known);
  if (!handler) {
    // As Go's mux: "404 page not found"; 405 when the path exists for another method.
    Respond(path_known ? Response::Text(405, "Method Not Allowed\n") : Response::Text(404, "404 page not found\n"));
    return;
  }
  try {
    (*handler)(*this);
  } catch (const std::exception& e) {
    Logger("server")->error("{} {} {}: handler threw: {}", shared_->options.name, request_.method, request_.path, e.what());
  }
  if (answer_ == Answer::kNone) Respond(Response::Text(500, "Internal Server Error"));
}

template <typename Stream>
void Connection<Stream>::Serve() {
  if (!Handshake()) return;
  while (!shared_->stopped.load()) {
    if (!ReadRequest()) return;
    Dispatch();
    if (answer_ == Answer::kHijacked) return;  // the handler's ByteStream keeps the connection
    if (answer_ == Answer::kStreaming) {
      chunks_.reset();
      if (!FinishStream()) return;
    }
    if (broken_ || !keep_alive_) break;
  }
  error_code ignored;
  Lowest(stream_).socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
}

}  // namespace

void ServeConnection(std::shared_ptr<Server::Shared> shared, int fd, std::string remote_address) {
  if (shared->tls) {
    auto c = std::make_shared<Connection<TlsStream>>(shared, fd, std::move(remote_address), *shared->tls);
    c->Serve();
  } else {
    auto c = std::make_shared<Connection<PlainStream>>(shared, fd, std::move(remote_address));
    c->Serve();
  }
}

}  // namespace kubenode::server
