#include "cluster/pki.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cluster/state.h"

namespace kubenode::cluster::pki {
namespace {

std::string OpenSslError() {
  unsigned long e = ERR_get_error();
  if (e == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof(buf));
  ERR_clear_error();
  return buf;
}

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using OwnedBio = std::unique_ptr<BIO, BioFree>;

std::string BioString(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

EVP_PKEY* GenerateKey(KeyType type) {
  if (type == KeyType::kEcdsaP256) return EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  return EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
}

bool AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

std::string SanList(const CertSpec& spec) {
  std::string san;
  auto add = [&](const std::string& kind, const std::string& v) {
    if (v.empty()) return;
    if (!san.empty()) san += ",";
    san += kind + ":" + v;
  };
  for (const std::string& d : spec.dns_names) add("DNS", d);
  for (const std::string& ip : spec.ips) add("IP", ip);
  return san;
}

// A random positive 63-bit serial, as client-go's certificate helpers draw one.
bool SetRandomSerial(X509* cert) {
  BIGNUM* bn = BN_new();
  bool ok = bn != nullptr && BN_rand(bn, 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1 && !BN_is_zero(bn) &&
            BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != nullptr;
  BN_free(bn);
  return ok;
}

std::string ReadAll(const std::string& path, bool* found) {
  std::ifstream in(path, std::ios::binary);
  *found = static_cast<bool>(in);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool Exists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

}  // namespace

void Credential::Free::operator()(X509* p) const { X509_free(p); }
void Credential::Free::operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }

Result<Credential> Credential::NewCa(const CertSpec& spec) {
  CertSpec ca = spec;
  ca.is_ca = true;
  ca.server_auth = ca.client_auth = false;
  if (ca.dns_names.empty()) ca.dns_names = {ca.common_name};
  Credential c;
  c.key_.reset(GenerateKey(ca.key_type), Free());
  if (!c.key_) return Status::Error("generating the key of CA " + ca.common_name + ": " + OpenSslError());
  return Build(ca, nullptr, std::move(c));
}

Result<Credential> Credential::Issue(const Credential& ca, const CertSpec& spec) {
  if (!ca.cert_ || !ca.key_) return Status::Error("signing " + spec.common_name + ": the CA has no key");
  Credential c;
  c.key_.reset(GenerateKey(spec.key_type), Free());
  if (!c.key_) return Status::Error("generating the key of " + spec.common_name + ": " + OpenSslError());
  return Build(spec, &ca, std::move(c));
}

Result<Credential> Credential::SelfSigned(const CertSpec& spec) {
  CertSpec leaf = spec;
  leaf.is_ca = false;
  Credential c;
  c.key_.reset(GenerateKey(leaf.key_type), Free());
  if (!c.key_) return Status::Error("generating the key of " + leaf.common_name + ": " + OpenSslError());
  return Build(leaf, nullptr, std::move(c));
}

Result<Credential> Credential::Build(const CertSpec& spec, const Credential* issuer, Credential out) {
  const std::string what = "certificate " + spec.common_name;
  out.cert_.reset(X509_new(), Free());
  X509* cert = out.cert_.get();
  if (cert == nullptr) return Status::Error(what + ": X509_new failed");
  X509_set_version(cert, 2);
  if (!SetRandomSerial(cert)) return Status::Error(what + ": drawing a serial: " + OpenSslError());
  time_t now = std::time(nullptr);
  if (issuer != nullptr) {
    // kubeadm: a signed certificate is valid from its CA's start (no clock-skew gap between the two).
    X509_set1_notBefore(cert, X509_get0_notBefore(issuer->cert()));
  } else if (spec.is_ca) {
    X509_time_adj_ex(X509_getm_notBefore(cert), 0, 0, &now);
  } else {
    X509_time_adj_ex(X509_getm_notBefore(cert), 0, -3600, &now);  // an hour for clock skew
  }
  const long validity = static_cast<long>(spec.validity.count());
  X509_time_adj_ex(X509_getm_notAfter(cert), static_cast<int>(validity / 86400), validity % 86400, &now);
  X509_set_pubkey(cert, out.key());

  X509_NAME* name = X509_get_subject_name(cert);
  for (const std::string& o : spec.organizations) {
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(o.c_str()), -1, -1, 0);
  }
  if (!spec.common_name.empty()) {
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1, -1, 0);
  }
  X509* signer_cert = issuer != nullptr ? issuer->cert() : cert;
  EVP_PKEY* signer_key = issuer != nullptr ? issuer->key() : out.key();
  X509_set_issuer_name(cert, X509_get_subject_name(signer_cert));

  const std::string san = SanList(spec);
  std::string eku;
  if (spec.server_auth) eku = "serverAuth";
  if (spec.client_auth) eku += std::string(eku.empty() ? "" : ",") + "clientAuth";
  bool ok = true;
  if (spec.is_ca) {
    ok = AddExtension(cert, signer_cert, NID_basic_constraints, "critical,CA:TRUE") &&
         AddExtension(cert, signer_cert, NID_key_usage, "critical,digitalSignature,keyEncipherment,keyCertSign") &&
         AddExtension(cert, signer_cert, NID_subject_key_identifier, "hash");
  } else {
    ok = AddExtension(cert, signer_cert, NID_basic_constraints, "critical,CA:FALSE") &&
         AddExtension(cert, signer_cert, NID_key_usage, "critical,digitalSignature,keyEncipherment") &&
         (eku.empty() || AddExtension(cert, signer_cert, NID_ext_key_usage, eku)) &&
         (issuer == nullptr || AddExtension(cert, signer_cert, NID_authority_key_identifier, "keyid:always"));
  }
  if (ok && !san.empty()) ok = AddExtension(cert, signer_cert, NID_subject_alt_name, san);
  if (!ok) return Status::Error(what + ": bad extension (SANs \"" + san + "\"): " + OpenSslError());
  if (X509_sign(cert, signer_key, EVP_sha256()) == 0) return Status::Error(what + ": signing: " + OpenSslError());
  return out;
}

Result<Credential> Credential::FromPem(const std::string& cert_pem, const std::string& key_pem) {
  OwnedBio cb(BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size())));
  OwnedBio kb(BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())));
  Credential c;
  c.cert_.reset(PEM_read_bio_X509(cb.get(), nullptr, nullptr, nullptr), Free());
  if (!c.cert_) return Status::Error("no PEM certificate: " + OpenSslError());
  if (!key_pem.empty()) {
    c.key_.reset(PEM_read_bio_PrivateKey(kb.get(), nullptr, nullptr, nullptr), Free());
    if (!c.key_) return Status::Error("no PEM private key: " + OpenSslError());
    if (X509_check_private_key(c.cert_.get(), c.key_.get()) != 1) {
      ERR_clear_error();
      return Status::Error("the private key does not match the certificate");
    }
  }
  return c;
}

Result<Credential> Credential::Load(const std::string& base) {
  bool found = false;
  std::string cert = ReadAll(base + ".crt", &found);
  if (!found) return Status::Error("reading " + base + ".crt: " + std::strerror(errno));
  std::string key = ReadAll(base + ".key", &found);
  if (!found) return Status::Error("reading " + base + ".key: " + std::strerror(errno));
  auto c = FromPem(cert, key);
  if (!c.ok()) return c.status().WithContext(base + ".crt/.key");
  return c;
}

std::string Credential::CertPem() const {
  OwnedBio bio(BIO_new(BIO_s_mem()));
  if (cert_) PEM_write_bio_X509(bio.get(), cert_.get());
  return BioString(bio.get());
}

std::string Credential::KeyPem() const {
  OwnedBio bio(BIO_new(BIO_s_mem()));
  if (key_) PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr);
  return BioString(bio.get());
}

Status Credential::Write(const std::string& base) const {
  if (Status s = ClusterState::WriteFile(base + ".key", KeyPem(), 0600); !s.ok()) return s;
  return ClusterState::WriteFile(base + ".crt", CertPem(), 0644);
}

std::chrono::system_clock::time_point Credential::not_after() const {
  struct tm t {};
  if (!cert_ || ASN1_TIME_to_tm(X509_get0_notAfter(cert_.get()), &t) != 1) return {};
  return std::chrono::system_clock::from_time_t(timegm(&t));
}

Result<std::string> FirstServiceIp(const std::string& cidr) {
  const size_t slash = cidr.find('/');
  const std::string addr = cidr.substr(0, slash);
  int bits = -1;
  if (slash != std::string::npos) {
    try {
      bits = std::stoi(cidr.substr(slash + 1));
    } catch (...) {
      bits = -1;
    }
  }
  std::array<unsigned char, 16> b{};
  const bool v6 = addr.find(':') != std::string::npos;
  const int width = v6 ? 128 : 32;
  if (bits < 0 || bits > width - 1 || inet_pton(v6 ? AF_INET6 : AF_INET, addr.c_str(), b.data()) != 1) {
    return Status::Error("service subnet \"" + cidr + "\": not an IP network in CIDR notation");
  }
  const int bytes = width / 8;
  for (int i = 0; i < bytes; ++i) {  // network address: clear the host bits
    const int keep = std::clamp(bits - i * 8, 0, 8);
    b[i] &= static_cast<unsigned char>(0xff00 >> keep);
  }
  for (int i = bytes - 1; i >= 0 && ++b[i] == 0; --i) {
  }
  char out[INET6_ADDRSTRLEN];
  inet_ntop(v6 ? AF_INET6 : AF_INET, b.data(), out, sizeof(out));
  return std::string(out);
}

namespace {

struct Leaf {
  std::string base;  // relative to the pki directory, without .crt/.key
  CertSpec spec;
};
struct Tree {
  std::string ca_base;
  std::string ca_name;
  std::vector<Leaf> leaves;
};

CertSpec Client(std::string cn, std::vector<std::string> orgs = {}) {
  CertSpec s;
  s.common_name = std::move(cn);
  s.organizations = std::move(orgs);
  s.client_auth = true;
  return s;
}

// kubeadm v1.28's default certificate list (certlist.go), with our node's names and addresses.
std::vector<Tree> KubeadmTrees(const ClusterPkiOptions& o) {
  CertSpec apiserver;
  apiserver.common_name = "kube-apiserver";
  apiserver.server_auth = true;
  apiserver.dns_names = {o.node_name, "kubernetes", "kubernetes.default", "kubernetes.default.svc",
                         "kubernetes.default.svc." + o.dns_domain, "localhost"};
  apiserver.ips = {o.service_ip, o.node_ip, "127.0.0.1"};
  for (const std::string& extra : o.extra_apiserver_sans) {
    in_addr a4;
    in6_addr a6;
    const bool ip = inet_pton(AF_INET, extra.c_str(), &a4) == 1 || inet_pton(AF_INET6, extra.c_str(), &a6) == 1;
    (ip ? apiserver.ips : apiserver.dns_names).push_back(extra);
  }
  CertSpec etcd_server;  // etcd 3.2+ wants clientAuth on its server certificate too (kubeadm's note)
  etcd_server.common_name = o.node_name;
  etcd_server.server_auth = etcd_server.client_auth = true;
  etcd_server.dns_names = {o.node_name, "localhost"};
  etcd_server.ips = {o.node_ip, "127.0.0.1", "::1"};
  return {
      {"ca", "kubernetes",
       {{"apiserver", apiserver},
        {"apiserver-kubelet-client", Client("kube-apiserver-kubelet-client", {"system:masters"})}}},
      {"front-proxy-ca", "front-proxy-ca", {{"front-proxy-client", Client("front-proxy-client")}}},
      {"etcd/ca", "etcd-ca",
       {{"etcd/server", etcd_server},
        {"etcd/peer", etcd_server},
        {"etcd/healthcheck-client", Client("kube-etcd-healthcheck-client", {"system:masters"})},
        {"apiserver-etcd-client", Client("kube-apiserver-etcd-client", {"system:masters"})}}},
  };
}

Status EnsureServiceAccountKey(const std::string& pki_dir) {
  const std::string key_path = pki_dir + "/sa.key";
  const std::string pub_path = pki_dir + "/sa.pub";
  std::shared_ptr<EVP_PKEY> key;
  if (Exists(key_path)) {
    if (Exists(pub_path)) return {};
    bool found = false;
    std::string pem = ReadAll(key_path, &found);
    OwnedBio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
    if (!key) return Status::Error("reading " + key_path + ": no PEM private key");
  } else {
    key.reset(GenerateKey(KeyType::kRsa2048), EVP_PKEY_free);
    if (!key) return Status::Error("generating " + key_path + ": " + OpenSslError());
    OwnedBio bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    if (Status s = ClusterState::WriteFile(key_path, BioString(bio.get()), 0600); !s.ok()) return s;
  }
  OwnedBio bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PUBKEY(bio.get(), key.get());
  return ClusterState::WriteFile(pub_path, BioString(bio.get()), 0644);
}

}  // namespace

Status EnsureClusterPki(const std::string& pki_dir, const ClusterPkiOptions& options) {
  if (options.node_name.empty() || options.node_ip.empty()) {
    return Status::Error("cluster PKI: the node name and IP are required");
  }
  for (const Tree& tree : KubeadmTrees(options)) {
    const std::string ca_base = pki_dir + "/" + tree.ca_base;
    std::optional<Credential> ca;
    auto leaf_exists = [&](const Leaf& l) {
      return Exists(pki_dir + "/" + l.base + ".crt") && Exists(pki_dir + "/" + l.base + ".key");
    };
    if (Exists(ca_base + ".crt")) {
      bool all_leaves = std::all_of(tree.leaves.begin(), tree.leaves.end(), leaf_exists);
      if (all_leaves) continue;
      auto loaded = Credential::Load(ca_base);
      if (!loaded.ok()) return loaded.status().WithContext("loading CA " + tree.ca_name);
      ca = std::move(*loaded);
    } else {
      CertSpec spec;
      spec.common_name = tree.ca_name;
      spec.validity = kCaValidity;
      auto made = Credential::NewCa(spec);
      if (!made.ok()) return made.status();
      if (Status s = made->Write(ca_base); !s.ok()) return s;
      ca = std::move(*made);
    }
    for (const Leaf& leaf : tree.leaves) {
      if (leaf_exists(leaf)) continue;
      auto cert = Credential::Issue(*ca, leaf.spec);
      if (!cert.ok()) return cert.status().WithContext(leaf.base);
      if (Status s = cert->Write(pki_dir + "/" + leaf.base); !s.ok()) return s;
    }
  }
  return EnsureServiceAccountKey(pki_dir);
}

Result<Credential> IssueClientCert(const std::string& pki_dir, const std::string& common_name,
                                   const std::vector<std::string>& organizations) {
  auto ca = Credential::Load(pki_dir + "/ca");
  if (!ca.ok()) return ca.status().WithContext("cluster CA");
  return Credential::Issue(*ca, Client(common_name, organizations));
}

Result<Credential> IssueNodeClientCert(const std::string& pki_dir, const std::string& node_name) {
  return IssueClientCert(pki_dir, "system:node:" + node_name, {"system:nodes"});
}

Result<std::string> ReadCaPem(const std::string& pki_dir) {
  bool found = false;
  std::string pem = ReadAll(pki_dir + "/ca.crt", &found);
  if (!found) return Status::Error("reading " + pki_dir + "/ca.crt: " + std::strerror(errno));
  return pem;
}

}  // namespace kubenode::cluster::pki
