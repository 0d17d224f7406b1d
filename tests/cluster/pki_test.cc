#include "cluster/pki.h"

#include <arpa/inet.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include <gtest/gtest.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace kubenode::cluster::pki {
namespace {

class PkiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("kubenode-pki-test-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static ClusterPkiOptions Options() {
    ClusterPkiOptions o;
    o.node_name = "hello-world-control-plane";
    o.node_ip = "172.30.7.2";
    return o;
  }
  std::string dir_;
};

// X509_verify_cert of `leaf` against `ca` alone (no system roots), for `purpose` (e.g. X509_PURPOSE_SSL_SERVER).
std::string Verify(const Credential& leaf, const Credential& ca, int purpose) {
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca.cert());
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf.cert(), nullptr);
  X509_STORE_CTX_set_purpose(ctx, purpose);
  std::string result = X509_verify_cert(ctx) == 1 ? "ok" : X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  return result;
}

std::set<std::string> Sans(const Credential& c) {
  std::set<std::string> out;
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(c.cert(), NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
    if (n->type == GEN_DNS) {
      out.insert("DNS:" + std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(n->d.dNSName))));
    } else if (n->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = n->d.iPAddress;
      char buf[64];
      inet_ntop(ASN1_STRING_length(ip) == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(ip), buf, sizeof(buf));
      out.insert(std::string("IP:") + buf);
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

std::string Subject(const Credential& c) {
  char buf[512];
  X509_NAME_oneline(X509_get_subject_name(c.cert()), buf, sizeof(buf));
  return buf;
}

unsigned Mode(const std::string& path) {
  struct stat st {};
  ::stat(path.c_str(), &st);
  return st.st_mode & 0777;
}

TEST_F(PkiTest, WritesKubeadmsTreeEachCertVerifiesAgainstItsCa) {
  ASSERT_TRUE(EnsureClusterPki(dir_, Options()).ok());
  const std::vector<std::pair<std::string, std::string>> signed_by = {
      {"apiserver", "ca"},
      {"apiserver-kubelet-client", "ca"},
      {"front-proxy-client", "front-proxy-ca"},
      {"etcd/server", "etcd/ca"},
      {"etcd/peer", "etcd/ca"},
      {"etcd/healthcheck-client", "etcd/ca"},
      {"apiserver-etcd-client", "etcd/ca"}};
  for (const auto& [leaf_base, ca_base] : signed_by) {
    auto leaf = Credential::Load(dir_ + "/" + leaf_base);
    auto ca = Credential::Load(dir_ + "/" + ca_base);
    ASSERT_TRUE(leaf.ok()) << leaf.status().message();
    ASSERT_TRUE(ca.ok()) << ca.status().message();
    EXPECT_EQ(Verify(*leaf, *ca, X509_PURPOSE_ANY), "ok") << leaf_base;
    EXPECT_EQ(X509_check_ca(leaf->cert()), 0) << leaf_base << " must not be a CA";
    EXPECT_EQ(X509_check_ca(ca->cert()), 1) << ca_base;
    EXPECT_EQ(EVP_PKEY_get_base_id(leaf->key()), EVP_PKEY_RSA) << leaf_base;
    EXPECT_EQ(EVP_PKEY_get_bits(leaf->key()), 2048) << leaf_base;
    EXPECT_EQ(Mode(dir_ + "/" + leaf_base + ".key"), 0600u) << leaf_base;
    EXPECT_EQ(Mode(dir_ + "/" + leaf_base + ".crt"), 0644u) << leaf_base;
  }
  // A certificate of another tree does not verify against this CA.
  auto fp = Credential::Load(dir_ + "/front-proxy-client");
  auto ca = Credential::Load(dir_ + "/ca");
  ASSERT_TRUE(fp.ok() && ca.ok());
  EXPECT_NE(Verify(*fp, *ca, X509_PURPOSE_ANY), "ok");
  EXPECT_EQ(Subject(*ca), "/CN=kubernetes");
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/sa.key"));
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/sa.pub"));
  EXPECT_EQ(Mode(dir_ + "/sa.key"), 0600u);
}

TEST_F(PkiTest, ApiserverServesItsSansAndClientCertsAreClientsOnly) {
  ASSERT_TRUE(EnsureClusterPki(dir_, Options()).ok());
  auto ca = Credential::Load(dir_ + "/ca");
  auto api = Credential::Load(dir_ + "/apiserver");
  auto kc = Credential::Load(dir_ + "/apiserver-kubelet-client");
  ASSERT_TRUE(ca.ok() && api.ok() && kc.ok());
  EXPECT_EQ(Subject(*api), "/CN=kube-apiserver");
  EXPECT_EQ(Verify(*api, *ca, X509_PURPOSE_SSL_SERVER), "ok");
  EXPECT_NE(Verify(*api, *ca, X509_PURPOSE_SSL_CLIENT), "ok");
  const std::set<std::string> want = {"DNS:hello-world-control-plane", "DNS:kubernetes", "DNS:kubernetes.default",
                                      "DNS:kubernetes.default.svc", "DNS:kubernetes.default.svc.cluster.local",
                                      "DNS:localhost", "IP:10.96.0.1", "IP:172.30.7.2", "IP:127.0.0.1"};
  EXPECT_EQ(Sans(*api), want);
  EXPECT_EQ(X509_check_host(api->cert(), "kubernetes.default.svc", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(api->cert(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(api->cert(), "10.0.0.1", 0), 0);

  EXPECT_EQ(Subject(*kc), "/O=system:masters/CN=kube-apiserver-kubelet-client");
  EXPECT_EQ(Verify(*kc, *ca, X509_PURPOSE_SSL_CLIENT), "ok");
  EXPECT_NE(Verify(*kc, *ca, X509_PURPOSE_SSL_SERVER), "ok");
  EXPECT_EQ(X509_get_key_usage(kc->cert()), static_cast<uint32_t>(KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT));
  EXPECT_EQ(X509_get_extended_key_usage(kc->cert()), static_cast<uint32_t>(XKU_SSL_CLIENT));

  auto etcd_server = Credential::Load(dir_ + "/etcd/server");
  ASSERT_TRUE(etcd_server.ok());
  EXPECT_EQ(Subject(*etcd_server), "/CN=hello-world-control-plane");
  EXPECT_EQ(X509_get_extended_key_usage(etcd_server->cert()), static_cast<uint32_t>(XKU_SSL_SERVER | XKU_SSL_CLIENT));
  EXPECT_EQ(Sans(*etcd_server), (std::set<std::string>{"DNS:hello-world-control-plane", "DNS:localhost",
                                                       "IP:172.30.7.2", "IP:127.0.0.1", "IP:::1"}));
}

TEST_F(PkiTest, SecondRunKeepsFilesAndNodeCertsComeFromTheStoredCa) {
  ASSERT_TRUE(EnsureClusterPki(dir_, Options()).ok());
  auto before = Credential::Load(dir_ + "/apiserver");
  ASSERT_TRUE(before.ok());
  std::filesystem::remove(dir_ + "/front-proxy-client.crt");
  std::filesystem::remove(dir_ + "/front-proxy-client.key");
  ASSERT_TRUE(EnsureClusterPki(dir_, Options()).ok());
  auto after = Credential::Load(dir_ + "/apiserver");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(before->CertPem(), after->CertPem());
  auto fp = Credential::Load(dir_ + "/front-proxy-client");
  auto fpca = Credential::Load(dir_ + "/front-proxy-ca");
  ASSERT_TRUE(fp.ok() && fpca.ok());
  EXPECT_EQ(Verify(*fp, *fpca, X509_PURPOSE_SSL_CLIENT), "ok");

  auto node = IssueNodeClientCert(dir_, "hello-world-worker");
  ASSERT_TRUE(node.ok()) << node.status().message();
  EXPECT_EQ(Subject(*node), "/O=system:nodes/CN=system:node:hello-world-worker");
  auto ca = Credential::Load(dir_ + "/ca");
  ASSERT_TRUE(ca.ok());
  EXPECT_EQ(Verify(*node, *ca, X509_PURPOSE_SSL_CLIENT), "ok");
  // Its PEM round-trips with the key.
  EXPECT_TRUE(Credential::FromPem(node->CertPem(), node->KeyPem()).ok());
}

TEST_F(PkiTest, ErrorsNameTheFile) {
  auto missing = IssueNodeClientCert(dir_, "n");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find(dir_ + "/ca.crt"), std::string::npos) << missing.status().message();
  ASSERT_TRUE(EnsureClusterPki(dir_, Options()).ok());
  auto other = Credential::Load(dir_ + "/front-proxy-ca");
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(Credential::FromPem(other->CertPem(), Credential::Load(dir_ + "/ca")->KeyPem()).ok());
}

TEST(FirstServiceIpTest, FirstAddressOfTheNetwork) {
  EXPECT_EQ(*FirstServiceIp("10.96.0.0/16"), "10.96.0.1");
  EXPECT_EQ(*FirstServiceIp("10.96.0.0/12"), "10.96.0.1");
  EXPECT_EQ(*FirstServiceIp("10.96.3.7/16"), "10.96.0.1");
  EXPECT_EQ(*FirstServiceIp("fd00:10:96::/112"), "fd00:10:96::1");
  EXPECT_FALSE(FirstServiceIp("10.96.0.0").ok());
  EXPECT_FALSE(FirstServiceIp("nonsense/16").ok());
}

TEST(SelfSignedTest, EcdsaServingCertWithSans) {
  CertSpec spec;
  spec.common_name = "node-1@1";
  spec.dns_names = {"node-1"};
  spec.ips = {"10.0.0.7"};
  spec.server_auth = true;
  spec.key_type = KeyType::kEcdsaP256;
  auto c = Credential::SelfSigned(spec);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(EVP_PKEY_get_base_id(c->key()), EVP_PKEY_EC);
  EXPECT_EQ(Sans(*c), (std::set<std::string>{"DNS:node-1", "IP:10.0.0.7"}));
  EXPECT_EQ(X509_check_ca(c->cert()), 0);
  EXPECT_GT(c->not_after(), std::chrono::system_clock::now() + std::chrono::hours(24 * 364));
}

}  // namespace
}  // namespace kubenode::cluster::pki
