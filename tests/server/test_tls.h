// Certificates made with the openssl CLI in a temp dir, and a blocking HTTP(S) client, for the server tests.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

namespace kubenode::server::testing {

// A temp dir with ca.crt/key (the client CA), server.crt/key (CN localhost, signed by the CA) and client
// certificates made on demand.
class TestPki {
 public:
  TestPki() {
    char pattern[] = "/tmp/kubenode-pki-XXXXXX";
    dir_ = mkdtemp(pattern);
    Run("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca -keyout ca.key -out ca.crt");
    Run("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=other-ca -keyout other.key -out other.crt");
    MakeCert("server", "/CN=localhost", "ca", "serverAuth");
  }
  ~TestPki() { std::filesystem::remove_all(dir_); }

  // <name>.crt / <name>.key signed by `ca` ("ca" or "other") for `usage` (clientAuth / serverAuth).
  void MakeCert(const std::string& name, const std::string& subject, const std::string& ca = "ca",
                const std::string& usage = "clientAuth") {
    Run("openssl req -newkey rsa:2048 -nodes -subj '" + subject + "' -keyout " + name + ".key -out " + name + ".csr");
    Run("printf 'extendedKeyUsage=" + usage + "\\nsubjectAltName=DNS:localhost,IP:127.0.0.1\\n' > " + name + ".ext");
    Run("openssl x509 -req -in " + name + ".csr -CA " + ca + ".crt -CAkey " + ca + ".key -CAcreateserial -days 2 -out " +
        name + ".crt -extfile " + name + ".ext");
  }
  std::string Path(const std::string& file) const { return dir_ + "/" + file; }

 private:
  void Run(const std::string& command) {
    std::string full = "cd " + dir_ + " && " + command + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(full.c_str()), 0) << command;
  }
  std::string dir_;
};

// Sends `raw` (a whole HTTP request) and reads until the server closes; TLS when `ca` is given, with a
// client certificate when `client` names one in `pki`.
inline std::string Exchange(int port, const std::string& raw, const TestPki* pki = nullptr,
                            const std::string& client = "") {
  namespace net = boost::asio;
  net::io_context ioc;
  net::ip::tcp::socket socket(ioc);
  socket.connect({net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
  boost::system::error_code ec;
  std::string out;
  if (!pki) {
    net::write(socket, net::buffer(raw));
    net::read(socket, net::dynamic_buffer(out), ec);
    return out;
  }
  net::ssl::context ctx(net::ssl::context::tls_client);
  ctx.load_verify_file(pki->Path("ca.crt"));
  ctx.set_verify_mode(net::ssl::verify_peer);
  if (!client.empty()) {
    ctx.use_certificate_chain_file(pki->Path(client + ".crt"));
    ctx.use_private_key_file(pki->Path(client + ".key"), net::ssl::context::pem);
  }
  net::ssl::stream<net::ip::tcp::socket&> tls(socket, ctx);
  tls.handshake(net::ssl::stream_base::client);
  net::write(tls, net::buffer(raw));
  net::read(tls, net::dynamic_buffer(out), ec);
  return out;
}

inline std::string Get(const std::string& target) {
  return "GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
}

}  // namespace kubenode::server::testing
