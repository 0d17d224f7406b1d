#include "cluster/kubeconfig_gen.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>

#include <gtest/gtest.h>
#include <openssl/x509.h>

#include "apiclient/kubeconfig.h"
#include "cluster/pki.h"

namespace kubenode::cluster {
namespace {

class KubeconfigGenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kubenode-kubeconfig-gen-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    state_ = std::make_unique<ClusterState>(root_, "hello-world");
    pki::ClusterPkiOptions o;
    o.node_name = "hello-world-control-plane";
    o.node_ip = "172.30.7.2";
    ASSERT_TRUE(pki::EnsureClusterPki(state_->pki_dir(), o).ok());
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  // The subject of the client certificate `creds` carry, and that it verifies against the cluster CA.
  std::string ClientSubject(const apiclient::ClusterCredentials& creds) {
    auto client = pki::Credential::FromPem(creds.client_cert_pem, creds.client_key_pem);
    EXPECT_TRUE(client.ok()) << client.status().message();
    if (!client.ok()) return "";
    auto ca = pki::Credential::FromPem(creds.ca_pem, "");
    EXPECT_TRUE(ca.ok());
    EXPECT_EQ(X509_verify(client->cert(), X509_get0_pubkey(ca->cert())), 1);
    char buf[512];
    X509_NAME_oneline(X509_get_subject_name(client->cert()), buf, sizeof(buf));
    return buf;
  }

  std::string root_;
  std::unique_ptr<ClusterState> state_;
};

TEST_F(KubeconfigGenTest, ControlPlaneKubeconfigsRoundTripThroughTheReader) {
  ASSERT_TRUE(WriteControlPlaneKubeconfigs(*state_, {"https://172.30.7.2:6443", "https://127.0.0.1:40123"}).ok());
  auto ca_pem = pki::ReadCaPem(state_->pki_dir());
  ASSERT_TRUE(ca_pem.ok());

  auto admin = apiclient::LoadKubeconfig(state_->admin_kubeconfig());
  ASSERT_TRUE(admin.ok()) << admin.status().message();
  EXPECT_EQ(admin->server, "https://127.0.0.1:40123");
  EXPECT_EQ(admin->ca_pem, *ca_pem);
  EXPECT_EQ(ClientSubject(*admin), "/O=system:masters/CN=kubernetes-admin");

  auto kcm = apiclient::LoadKubeconfig(state_->controller_manager_kubeconfig());
  ASSERT_TRUE(kcm.ok()) << kcm.status().message();
  EXPECT_EQ(kcm->server, "https://172.30.7.2:6443");
  EXPECT_EQ(ClientSubject(*kcm), "/CN=system:kube-controller-manager");

  auto sched = apiclient::LoadKubeconfig(state_->scheduler_kubeconfig(), "system:kube-scheduler@kubernetes");
  ASSERT_TRUE(sched.ok()) << sched.status().message();
  EXPECT_EQ(ClientSubject(*sched), "/CN=system:kube-scheduler");

  struct stat st {};
  ASSERT_EQ(::stat(state_->admin_kubeconfig().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(KubeconfigGenTest, NodeKubeconfigCarriesTheNodeIdentityAndIsKept) {
  ASSERT_TRUE(WriteNodeKubeconfig(*state_, "hello-world-worker", "https://172.30.7.2:6443").ok());
  auto node = apiclient::LoadKubeconfig(state_->NodeKubeconfig("hello-world-worker"));
  ASSERT_TRUE(node.ok()) << node.status().message();
  EXPECT_EQ(node->server, "https://172.30.7.2:6443");
  EXPECT_EQ(ClientSubject(*node), "/O=system:nodes/CN=system:node:hello-world-worker");
  // A second call keeps the file (and so the identity it carries).
  ASSERT_TRUE(WriteNodeKubeconfig(*state_, "hello-world-worker", "https://172.30.7.2:6443").ok());
  auto again = apiclient::LoadKubeconfig(state_->NodeKubeconfig("hello-world-worker"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->client_cert_pem, node->client_cert_pem);
}

TEST_F(KubeconfigGenTest, WithoutCaTheErrorNamesTheFiles) {
  ClusterState empty(root_, "empty");
  Status s = WriteNodeKubeconfig(empty, "n", "https://1.2.3.4:6443");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(empty.NodeKubeconfig("n")), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("ca.crt"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace kubenode::cluster
