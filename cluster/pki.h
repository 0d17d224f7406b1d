// X.509 for a cluster, with OpenSSL 3: key pairs, CAs and the certificates they sign, PEM files. The lower
// half (Credential) is generic and also serves the kubelet's self-signed serving certificate
// (server/serving_cert); the upper half writes the certificate tree `kubeadm init` v1.28 writes
// (cmd/kubeadm/app/phases/certs/certlist.go) in kubeadm's file layout, and mints more client
// certificates (nodes, kubeconfigs) from the stored CA later.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <openssl/types.h>

#include "base/status.h"

namespace kubenode::cluster::pki {

// kubeadm v1.28: RSA 2048 everywhere; ECDSA P-256 for the kubelet's own serving certificate.
enum class KeyType { kRsa2048, kEcdsaP256 };

// kubeadm: CAs are valid for 10 years, the certificates they sign for one.
inline constexpr std::chrono::hours kCaValidity{24 * 365 * 10};
inline constexpr std::chrono::hours kCertValidity{24 * 365};

struct CertSpec {
  std::string common_name;
  std::vector<std::string> organizations;
  std::vector<std::string> dns_names;
  std::vector<std::string> ips;  // IPv4 or IPv6 literals
  bool server_auth = false;
  bool client_auth = false;
  bool is_ca = false;
  std::chrono::seconds validity = kCertValidity;
  KeyType key_type = KeyType::kRsa2048;
};

// A certificate and its private key.
class Credential {
 public:
  // A self-signed CA (CN also as its one DNS SAN, as client-go's NewSelfSignedCACert).
  static Result<Credential> NewCa(const CertSpec& spec);
  // A certificate signed by `ca` (which must hold its key).
  static Result<Credential> Issue(const Credential& ca, const CertSpec& spec);
  // A self-signed leaf (not a CA), e.g. the kubelet's serving certificate.
  static Result<Credential> SelfSigned(const CertSpec& spec);

  static Result<Credential> FromPem(const std::string& cert_pem, const std::string& key_pem);
  // Reads <base>.crt and <base>.key; errors name the file.
  static Result<Credential> Load(const std::string& base);

  std::string CertPem() const;
  std::string KeyPem() const;
  // <base>.crt (0644) and <base>.key (0600), each written atomically.
  Status Write(const std::string& base) const;

  X509* cert() const { return cert_.get(); }
  EVP_PKEY* key() const { return key_.get(); }
  std::chrono::system_clock::time_point not_after() const;

 private:
  // Fills in and signs out's certificate for out's key: self-signed when `issuer` is null.
  static Result<Credential> Build(const CertSpec& spec, const Credential* issuer, Credential out);
  struct Free {
    void operator()(X509* p) const;
    void operator()(EVP_PKEY* p) const;
  };
  std::shared_ptr<X509> cert_;
  std::shared_ptr<EVP_PKEY> key_;
};

// --- kubeadm's certificate tree -----------------------------------------------------------------------

struct ClusterPkiOptions {
  std::string node_name;             // the control-plane node: apiserver SAN, etcd CN and SANs
  std::string node_ip;               // its address (advertise address)
  std::string service_ip = "10.96.0.1";  // first address of the service subnet
  std::string dns_domain = "cluster.local";
  std::vector<std::string> extra_apiserver_sans;  // e.g. the host's API address other than 127.0.0.1
};

// The first address of an IPv4 CIDR ("10.96.0.0/16" -> "10.96.0.1"), as kubeadm derives the service IP.
Result<std::string> FirstServiceIp(const std::string& cidr);

// Writes under `pki_dir` what `kubeadm init` writes to /etc/kubernetes/pki: ca, apiserver,
// apiserver-kubelet-client, front-proxy-ca, front-proxy-client, etcd/{ca,server,peer,healthcheck-client},
// apiserver-etcd-client (.crt/.key) and sa.key/sa.pub. As kubeadm, files that already exist are kept
// (a second run signs nothing new); a certificate present without its CA is an error naming it.
Status EnsureClusterPki(const std::string& pki_dir, const ClusterPkiOptions& options);

// A client certificate signed by the cluster CA stored in `pki_dir` (ca.crt/ca.key), e.g. for a
// kubeconfig: kubernetes-admin/system:masters, system:node:<n>/system:nodes.
Result<Credential> IssueClientCert(const std::string& pki_dir, const std::string& common_name,
                                   const std::vector<std::string>& organizations);

// The node's credentials: CN system:node:<node>, O system:nodes (as the Node authorizer expects).
Result<Credential> IssueNodeClientCert(const std::string& pki_dir, const std::string& node_name);

// The PEM of <pki_dir>/ca.crt.
Result<std::string> ReadCaPem(const std::string& pki_dir);

}  // namespace kubenode::cluster::pki
