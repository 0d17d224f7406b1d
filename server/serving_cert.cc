#include "server/serving_cert.h"

#include <sys/stat.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <functional>
#include <memory>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace kubenode::server {
namespace {

struct Deleter {
  void operator()(X509* p) const { X509_free(p); }
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(FILE* p) const { std::fclose(p); }
};
template <typename T>
using Owned = std::unique_ptr<T, Deleter>;

bool ValidPair(const std::string& cert_file, const std::string& key_file) {
  Owned<FILE> cf(std::fopen(cert_file.c_str(), "r"));
  Owned<FILE> kf(std::fopen(key_file.c_str(), "r"));
  if (!cf || !kf) return false;
  Owned<X509> cert(PEM_read_X509(cf.get(), nullptr, nullptr, nullptr));
  Owned<EVP_PKEY> key(PEM_read_PrivateKey(kf.get(), nullptr, nullptr, nullptr));
  if (!cert || !key) return false;
  if (X509_check_private_key(cert.get(), key.get()) != 1) return false;
  // Not yet expired, with a day to spare.
  time_t tomorrow = std::time(nullptr) + 24 * 3600;
  return X509_cmp_time(X509_get0_notAfter(cert.get()), &tomorrow) > 0;
}

bool AddExtension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

Status Write(const std::string& path, mode_t mode, const std::function<bool(FILE*)>& write) {
  const std::string tmp = path + ".tmp";
  Owned<FILE> f(std::fopen(tmp.c_str(), "w"));
  if (!f) return Status::Error("writing " + tmp + ": cannot open");
  ::chmod(tmp.c_str(), mode);
  if (!write(f.get())) return Status::Error("writing " + tmp + ": PEM encoding failed");
  f.reset();
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Status::Error("renaming " + tmp + ": " + ec.message());
  return {};
}

}  // namespace

Result<ServingCertFiles> EnsureSelfSignedCert(const std::string& pki_dir, const std::string& host,
                                              const std::vector<std::string>& ips) {
  ServingCertFiles files{pki_dir + "/kubelet.crt", pki_dir + "/kubelet.key", false};
  if (ValidPair(files.cert_file, files.key_file)) return files;
  std::error_code ec;
  std::filesystem::create_directories(pki_dir, ec);
  if (ec) return Status::Error("creating " + pki_dir + ": " + ec.message());

  Owned<EVP_PKEY> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return Status::Error("generating the serving key: EVP_PKEY_Q_keygen failed");
  Owned<X509> cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), static_cast<long>(std::time(nullptr)));
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 365L * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  const std::string cn = host + "@" + std::to_string(std::time(nullptr));
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  std::string san = "DNS:" + host;
  for (const std::string& ip : ips) {
    if (!ip.empty()) san += ",IP:" + ip;
  }
  if (!AddExtension(cert.get(), NID_basic_constraints, "critical,CA:FALSE") ||
      !AddExtension(cert.get(), NID_key_usage, "critical,digitalSignature,keyEncipherment") ||
      !AddExtension(cert.get(), NID_ext_key_usage, "serverAuth") ||
      !AddExtension(cert.get(), NID_subject_alt_name, san)) {
    return Status::Error("building the serving certificate: bad extension (SANs " + san + ")");
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return Status::Error("signing the serving certificate");
  if (Status s = Write(files.key_file, 0600,
                       [&](FILE* f) { return PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1; });
      !s.ok()) {
    return s;
  }
  if (Status s = Write(files.cert_file, 0644, [&](FILE* f) { return PEM_write_X509(f, cert.get()) == 1; }); !s.ok()) {
    return s;
  }
  files.generated = true;
  return files;
}

}  // namespace kubenode::server
