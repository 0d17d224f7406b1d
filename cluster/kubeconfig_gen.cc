#include "cluster/kubeconfig_gen.h"

#include <filesystem>

#include <openssl/evp.h>
#include <yaml-cpp/yaml.h>

#include "cluster/pki.h"

namespace kubenode::cluster {
namespace {

std::string Base64(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

Status WriteIfMissing(const std::string& path, const std::string& pki_dir, const std::string& server,
                      const std::string& user, const std::vector<std::string>& groups) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) return {};
  auto text = ClientKubeconfig(pki_dir, server, user, groups);
  if (!text.ok()) return text.status().WithContext(path);
  return ClusterState::WriteFile(path, *text, 0600);
}

}  // namespace

std::string RenderKubeconfig(const KubeconfigSpec& spec) {
  const std::string context = spec.context.empty() ? spec.user + "@" + spec.cluster_name : spec.context;
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "apiVersion" << YAML::Value << "v1";
  out << YAML::Key << "clusters" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  out << YAML::Key << "cluster" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "certificate-authority-data" << YAML::Value << Base64(spec.ca_pem);
  out << YAML::Key << "server" << YAML::Value << spec.server;
  out << YAML::EndMap;
  out << YAML::Key << "name" << YAML::Value << spec.cluster_name;
  out << YAML::EndMap << YAML::EndSeq;
  out << YAML::Key << "contexts" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  out << YAML::Key << "context" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "cluster" << YAML::Value << spec.cluster_name;
  out << YAML::Key << "user" << YAML::Value << spec.user;
  out << YAML::EndMap;
  out << YAML::Key << "name" << YAML::Value << context;
  out << YAML::EndMap << YAML::EndSeq;
  out << YAML::Key << "current-context" << YAML::Value << context;
  out << YAML::Key << "kind" << YAML::Value << "Config";
  out << YAML::Key << "preferences" << YAML::Value << YAML::BeginMap << YAML::EndMap;
  out << YAML::Key << "users" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << spec.user;
  out << YAML::Key << "user" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "client-certificate-data" << YAML::Value << Base64(spec.client_cert_pem);
  out << YAML::Key << "client-key-data" << YAML::Value << Base64(spec.client_key_pem);
  out << YAML::EndMap;
  out << YAML::EndMap << YAML::EndSeq;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

Result<std::string> ClientKubeconfig(const std::string& pki_dir, const std::string& server, const std::string& user,
                                     const std::vector<std::string>& groups, const std::string& cluster_name) {
  auto ca = pki::ReadCaPem(pki_dir);
  if (!ca.ok()) return ca.status();
  auto cred = pki::IssueClientCert(pki_dir, user, groups);
  if (!cred.ok()) return cred.status().WithContext("client certificate " + user);
  KubeconfigSpec spec;
  spec.cluster_name = cluster_name;
  spec.server = server;
  spec.ca_pem = *ca;
  spec.user = user;
  spec.client_cert_pem = cred->CertPem();
  spec.client_key_pem = cred->KeyPem();
  return RenderKubeconfig(spec);
}

Status WriteControlPlaneKubeconfigs(const ClusterState& state, const ControlPlaneEndpoints& endpoints) {
  if (Status s = WriteIfMissing(state.admin_kubeconfig(), state.pki_dir(), endpoints.host_server, "kubernetes-admin",
                                {"system:masters"});
      !s.ok()) {
    return s;
  }
  if (Status s = WriteIfMissing(state.controller_manager_kubeconfig(), state.pki_dir(), endpoints.internal_server,
                                "system:kube-controller-manager", {});
      !s.ok()) {
    return s;
  }
  return WriteIfMissing(state.scheduler_kubeconfig(), state.pki_dir(), endpoints.internal_server,
                        "system:kube-scheduler", {});
}

Status WriteNodeKubeconfig(const ClusterState& state, const std::string& node, const std::string& internal_server) {
  return WriteIfMissing(state.NodeKubeconfig(node), state.pki_dir(), internal_server, "system:node:" + node,
                        {"system:nodes"});
}

}  // namespace kubenode::cluster
