#include "apiclient/kubeconfig.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace kubenode::apiclient {
namespace {

const char* kInline = R"(apiVersion: v1
kind: Config
clusters:
- name: other
  cluster: {server: https://10.0.0.1:6443}
- name: kind
  cluster:
    server: https://127.0.0.1:6443/
    certificate-authority-data: Q0EgUEVN
contexts:
- name: ctx
  context: {cluster: kind, user: admin}
current-context: ctx
users:
- name: admin
  user:
    client-certificate-data: Q0VSVA==
    client-key-data: S0VZ
)";

TEST(KubeconfigTest, InlineDataOfTheCurrentContext) {
  auto creds = ParseKubeconfig(kInline, "admin.kubeconfig", "/nowhere");
  ASSERT_TRUE(creds.ok()) << creds.status().message();
  EXPECT_EQ(creds->server, "https://127.0.0.1:6443");
  EXPECT_EQ(creds->ca_pem, "CA PEM");
  EXPECT_EQ(creds->client_cert_pem, "CERT");
  EXPECT_EQ(creds->client_key_pem, "KEY");
  EXPECT_FALSE(creds->insecure_skip_tls_verify);
}

TEST(KubeconfigTest, FilesResolveAgainstTheKubeconfigDirectory) {
  char tmpl[] = "/tmp/kubeconfig-test-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  std::ofstream(dir + "/ca.crt") << "CA FILE";
  std::ofstream(dir + "/token") << "secret-token\n";
  std::ofstream(dir + "/config") << R"(clusters:
- name: c
  cluster: {server: "https://api:6443", certificate-authority: ca.crt}
contexts:
- {name: x, context: {cluster: c, user: u}}
current-context: x
users:
- {name: u, user: {tokenFile: token}}
)";
  auto creds = LoadKubeconfig(dir + "/config");
  ASSERT_TRUE(creds.ok()) << creds.status().message();
  EXPECT_EQ(creds->ca_pem, "CA FILE");
  EXPECT_EQ(creds->token, "secret-token");
  std::filesystem::remove_all(dir);
}

TEST(KubeconfigTest, ErrorsNameTheFileAndField) {
  EXPECT_EQ(ParseKubeconfig("clusters: []\n", "k.yaml", "/").status().message(),
            "k.yaml: current-context: Required value");
  EXPECT_EQ(ParseKubeconfig("current-context: a\ncontexts: []\n", "k.yaml", "/").status().message(),
            "k.yaml: contexts: no context named \"a\"");
  EXPECT_EQ(ParseKubeconfig("current-context: a\ncontexts: [{name: a, context: {cluster: c}}]\n"
                            "clusters: [{name: c, cluster: {certificate-authority: /nope/ca}}]\n",
                            "k.yaml", "/")
                .status()
                .message(),
            "k.yaml: clusters[c].server: Required value");
  EXPECT_EQ(ParseKubeconfig("current-context: a\ncontexts: [{name: a, context: {cluster: c}}]\n"
                            "clusters: [{name: c, cluster: {server: 'https://x', certificate-authority: /nope/ca}}]\n",
                            "k.yaml", "/")
                .status()
                .message(),
            "k.yaml: clusters[c].certificate-authority: cannot read /nope/ca");
  EXPECT_FALSE(ParseKubeconfig("a: [", "k.yaml", "/").ok());
}

}  // namespace
}  // namespace kubenode::apiclient
