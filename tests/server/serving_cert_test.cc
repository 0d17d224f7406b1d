#include "server/serving_cert.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "server/kubelet_server.h"

namespace kubenode::server {
namespace {

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Text(const std::string& cert) {
  std::string out;
  FILE* p = popen(("openssl x509 -noout -text -in " + cert).c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

TEST(ServingCertTest, GeneratesOnceWithHostAndIpsThenReuses) {
  std::string dir = std::filesystem::temp_directory_path() / ("kubenode-pki-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  auto made = EnsureSelfSignedCert(dir + "/pki", "node-1", {"10.0.0.7"});
  ASSERT_TRUE(made.ok()) << made.status().message();
  EXPECT_TRUE(made->generated);
  EXPECT_EQ(made->cert_file, dir + "/pki/kubelet.crt");
  std::string text = Text(made->cert_file);
  EXPECT_NE(text.find("CN = node-1@"), std::string::npos) << text;
  EXPECT_NE(text.find("DNS:node-1"), std::string::npos) << text;
  EXPECT_NE(text.find("IP Address:10.0.0.7"), std::string::npos) << text;
  EXPECT_EQ(std::filesystem::status(made->key_file).permissions() & std::filesystem::perms::others_read,
            std::filesystem::perms::none);
  const std::string first = Read(made->cert_file);

  auto again = EnsureSelfSignedCert(dir + "/pki", "node-1", {"10.0.0.7"});
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->generated);
  EXPECT_EQ(Read(again->cert_file), first);

  // A server starts with it.
  Router router;
  ServerOptions options;
  options.address = "127.0.0.1";
  options.port = 0;
  options.tls = TlsOptions{made->cert_file, made->key_file, ""};
  Server server(options, router, nullptr);
  EXPECT_TRUE(server.Start().ok());
  server.Stop();

  // A broken pair is replaced.
  std::ofstream(made->key_file) << "garbage";
  auto replaced = EnsureSelfSignedCert(dir + "/pki", "node-1", {"10.0.0.7"});
  ASSERT_TRUE(replaced.ok());
  EXPECT_TRUE(replaced->generated);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace kubenode::server
