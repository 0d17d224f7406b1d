#include "apiclient/kubeconfig.h"

#include "apiclient/base64.h"

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include <yaml-cpp/yaml.h>

namespace kubenode::apiclient {
namespace {

Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Finds the entry named `name` in a kubeconfig list ("clusters", "users", "contexts") and returns its
// inner mapping (the "cluster"/"user"/"context" field).
std::optional<YAML::Node> FindNamed(const YAML::Node& root, const char* list, const char* inner,
                                    const std::string& name) {
  const YAML::Node entries = root[list];
  if (!entries || !entries.IsSequence()) return std::nullopt;
  for (const YAML::Node& entry : entries) {
    if (entry.IsMap() && entry["name"] && entry["name"].IsScalar() && entry["name"].Scalar() == name) {
      const YAML::Node body = entry[inner];
      return body.IsMap() ? body : YAML::Node(YAML::NodeType::Map);
    }
  }
  return std::nullopt;
}

std::string Text(const YAML::Node& node, const char* key) {
  const YAML::Node value = node[key];
  return value && value.IsScalar() ? value.Scalar() : "";
}

// `<key>-data` (base64) wins over `<key>` (a file path), as in client-go.
Result<std::string> DataOrFile(const YAML::Node& node, const std::string& key, const std::string& where,
                               const std::string& base_dir) {
  std::string data = Text(node, (key + "-data").c_str());
  if (!data.empty()) {
    Result<std::string> decoded = DecodeBase64(data);
    if (!decoded.ok()) return Status::Error(where + "." + key + "-data: " + decoded.status().message());
    return decoded;
  }
  std::string file = Text(node, key.c_str());
  if (file.empty()) return std::string();
  std::filesystem::path path(file);
  if (path.is_relative()) path = std::filesystem::path(base_dir) / path;
  Result<std::string> text = ReadWholeFile(path);
  if (!text.ok()) return Status::Error(where + "." + key + ": " + text.status().message());
  return text;
}

}  // namespace

Result<ClusterCredentials> ParseKubeconfig(const std::string& text, const std::string& origin,
                                           const std::string& base_dir, const std::string& context) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return Status::Error(origin + ": invalid YAML: " + e.msg);
  }
  if (!root.IsMap()) return Status::Error(origin + ": not a kubeconfig (expected a mapping)");
  try {
    std::string context_name = context.empty() ? Text(root, "current-context") : context;
    if (context_name.empty()) return Status::Error(origin + ": current-context: Required value");
    std::optional<YAML::Node> ctx = FindNamed(root, "contexts", "context", context_name);
    if (!ctx) return Status::Error(origin + ": contexts: no context named \"" + context_name + "\"");
    const std::string cluster_name = Text(*ctx, "cluster");
    const std::string user_name = Text(*ctx, "user");
    std::optional<YAML::Node> found_cluster = FindNamed(root, "clusters", "cluster", cluster_name);
    if (!found_cluster) return Status::Error(origin + ": clusters: no cluster named \"" + cluster_name + "\"");
    const YAML::Node& cluster = *found_cluster;
    ClusterCredentials out;
    out.server = Text(cluster, "server");
    while (!out.server.empty() && out.server.back() == '/') out.server.pop_back();
    if (out.server.empty()) return Status::Error(origin + ": clusters[" + cluster_name + "].server: Required value");
    out.insecure_skip_tls_verify = Text(cluster, "insecure-skip-tls-verify") == "true";
    Result<std::string> ca = DataOrFile(cluster, "certificate-authority", origin + ": clusters[" + cluster_name + "]",
                                        base_dir);
    if (!ca.ok()) return ca.status();
    out.ca_pem = *ca;
    if (std::optional<YAML::Node> found_user = FindNamed(root, "users", "user", user_name)) {
      const YAML::Node& user = *found_user;
      const std::string where = origin + ": users[" + user_name + "]";
      Result<std::string> cert = DataOrFile(user, "client-certificate", where, base_dir);
      if (!cert.ok()) return cert.status();
      Result<std::string> key = DataOrFile(user, "client-key", where, base_dir);
      if (!key.ok()) return key.status();
      out.client_cert_pem = *cert;
      out.client_key_pem = *key;
      if (out.client_cert_pem.empty() != out.client_key_pem.empty()) {
        return Status::Error(where + ": client-certificate and client-key must be given together");
      }
      out.token = Text(user, "token");
      std::string token_file = Text(user, "tokenFile");
      if (out.token.empty() && !token_file.empty()) {
        std::filesystem::path path(token_file);
        if (path.is_relative()) path = std::filesystem::path(base_dir) / path;
        Result<std::string> token = ReadWholeFile(path);
        if (!token.ok()) return Status::Error(where + ".tokenFile: " + token.status().message());
        out.token = *token;
        while (!out.token.empty() && std::isspace(static_cast<unsigned char>(out.token.back()))) out.token.pop_back();
      }
    }
    return out;
  } catch (const YAML::Exception& e) {
    return Status::Error(origin + ": " + e.msg);
  }
}

Result<ClusterCredentials> LoadKubeconfig(const std::string& path, const std::string& context) {
  Result<std::string> text = ReadWholeFile(path);
  if (!text.ok()) return text.status();
  std::string base_dir = std::filesystem::absolute(path).parent_path();
  return ParseKubeconfig(*text, path, base_dir, context);
}

}  // namespace kubenode::apiclient
