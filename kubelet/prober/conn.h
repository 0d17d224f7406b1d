// The byte stream under an httpGet probe: a connected non-blocking TCP socket, in the clear or inside TLS.
// TLS follows upstream's probe transport: certificates are not verified (InsecureSkipVerify: a probe checks
// health, not identity; control-plane pods serve self-signed certificates), TLS 1.2 at least, SNI only for
// host names (Go sends none for IP addresses), no ALPN (HTTP/1.1).
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "kubelet/prober/dial.h"

typedef struct ssl_st SSL;

namespace kubenode::kubelet::prober {

// The error text of a probe whose deadline passed (Go's http.Client.Timeout).
inline constexpr char kClientTimeout[] = "context deadline exceeded (Client.Timeout exceeded while awaiting headers)";

class Conn {
 public:
  explicit Conn(Socket socket);
  Conn(Conn&&) noexcept;
  Conn& operator=(Conn&&) noexcept;
  ~Conn();

  // Runs the TLS client handshake before `deadline`; afterwards reads and writes go through TLS.
  // `host` is the server name (SNI unless it is an IP address).
  Status StartTls(const std::string& host, Deadline deadline);

  // Sends all of `data` before the deadline.
  Status WriteAll(const std::string& data, Deadline deadline);

  // Appends what arrives to `buffer`. Returns false with `error` set on EOF ("EOF"), timeout
  // (kClientTimeout) or an error.
  bool ReadSome(std::string& buffer, std::string& error, Deadline deadline);

 private:
  struct SslFree {
    void operator()(SSL* ssl) const;
  };
  Socket socket_;
  std::unique_ptr<SSL, SslFree> ssl_;  // declared after socket_: freed before the socket closes
};

}  // namespace kubenode::kubelet::prober
