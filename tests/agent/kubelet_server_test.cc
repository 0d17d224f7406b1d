#include "agent/kubelet_server.h"

#include <gtest/gtest.h>

#include "agent/kubelet_config.h"

namespace kubenode::agent {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

TEST(KubeletServerConfigTest, ReadsTheServerFields) {
  Result<KubeletConfig> c = ParseKubeletConfig(R"(apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: 10.0.0.5
port: 11250
tlsCertFile: /etc/kubelet/tls.crt
tlsPrivateKeyFile: /etc/kubelet/tls.key
enableDebuggingHandlers: false
authentication:
  x509: {clientCAFile: /etc/kubernetes/pki/ca.crt}
  webhook: {enabled: true, cacheTTL: 30s}
  anonymous: {enabled: false}
authorization:
  mode: Webhook
  webhook: {cacheAuthorizedTTL: 1m, cacheUnauthorizedTTL: 10s}
)",
                                               "kubelet.yaml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  KubeletServerOptions o = ServerOptionsFromConfig(*c, false);
  EXPECT_EQ(o.address, "10.0.0.5");
  EXPECT_EQ(o.port, 11250);
  EXPECT_EQ(o.tls_cert_file, "/etc/kubelet/tls.crt");
  EXPECT_EQ(o.client_ca_file, "/etc/kubernetes/pki/ca.crt");
  EXPECT_TRUE(o.webhook_authentication);  // set in the file: kept even without --kubeconfig
  EXPECT_EQ(o.token_cache_ttl, seconds(30));
  EXPECT_FALSE(o.anonymous);
  EXPECT_TRUE(o.webhook_authorization);
  EXPECT_EQ(o.authorized_ttl, minutes(1));
  EXPECT_EQ(o.unauthorized_ttl, seconds(10));
  EXPECT_FALSE(o.enable_debugging_handlers);
  EXPECT_EQ(o.configz["port"], 11250);
  EXPECT_EQ(o.configz["authentication"]["webhook"]["cacheTTL"], "30s");
  EXPECT_EQ(o.configz["authorization"]["mode"], "Webhook");
}

TEST(KubeletServerConfigTest, DefaultsDependOnTheMode) {
  KubeletConfig c;
  KubeletServerOptions api = ServerOptionsFromConfig(c, true);
  EXPECT_EQ(api.address, "0.0.0.0");
  EXPECT_EQ(api.port, 10250);
  EXPECT_FALSE(api.anonymous);
  EXPECT_TRUE(api.webhook_authentication);
  EXPECT_TRUE(api.webhook_authorization);
  EXPECT_EQ(api.token_cache_ttl, minutes(2));
  EXPECT_EQ(api.authorized_ttl, minutes(5));
  EXPECT_EQ(api.unauthorized_ttl, seconds(30));

  KubeletServerOptions standalone = ServerOptionsFromConfig(c, false);
  EXPECT_EQ(standalone.address, "127.0.0.1");
  EXPECT_TRUE(standalone.anonymous);
  EXPECT_FALSE(standalone.webhook_authentication);
  EXPECT_FALSE(standalone.webhook_authorization);
  EXPECT_EQ(standalone.configz["authorization"]["mode"], "AlwaysAllow");
}

TEST(KubeletServerConfigTest, RejectsBadServerFields) {
  Result<KubeletConfig> c = ParseKubeletConfig(R"(apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: somewhere
port: 70000
tlsCertFile: /a.crt
authorization: {mode: RBAC}
)",
                                               "kubelet.yaml");
  ASSERT_FALSE(c.ok());
  const std::string& m = c.status().message();
  EXPECT_NE(m.find("line 3: address: Invalid value"), std::string::npos) << m;
  EXPECT_NE(m.find("line 4: port: Invalid value: 70000"), std::string::npos) << m;
  EXPECT_NE(m.find("tlsPrivateKeyFile"), std::string::npos) << m;
  EXPECT_NE(m.find("authorization.mode: Unsupported value: \"RBAC\""), std::string::npos) << m;
}

}  // namespace
}  // namespace kubenode::agent
