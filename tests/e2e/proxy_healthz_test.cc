// kube-proxy's /healthz (KubeProxyConfiguration healthzBindAddress): the real daemon with the proxy on answers
// 200 with upstream's JSON body once its rules are synced.
#include <unistd.h>

#include <fstream>

#include <gtest/gtest.h>

#include "tests/support/daemon_fixture.h"

namespace kubenode {
namespace {

using testing::DaemonFixture;
using testing::Eventually;
using testing::RunCommand;
using nlohmann::json;
using namespace std::chrono_literals;

class ProxyHealthzTest : public DaemonFixture {
 protected:
  std::vector<std::string> DaemonFlags() const override {
    std::ofstream(config_) << "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\n"
                           << "healthzBindAddress: 127.0.0.1:" << port_ << "\n";
    return {"--cluster-cidr", testing::RequiredEnv("KUBENODE_POD_SUBNET"), "--proxy-config", config_};
  }
  void TearDown() override {
    DaemonFixture::TearDown();
    RunCommand(std::string(KUBENODE_BINARY) + " run --cleanup");  // the proxy leaves its table, as kube-proxy
    ::unlink(config_.c_str());
  }
  const int port_ = testing::FreeTcpPort();
  const std::string config_ = "/tmp/kubenode-proxy-healthz-" + std::to_string(::getpid()) + ".yaml";
};

TEST_F(ProxyHealthzTest, HealthzAnswersWithUpstreamsBodyOnceRulesAreSynced) {
  const std::string url = "http://127.0.0.1:" + std::to_string(port_) + "/healthz";
  testing::CommandResult r;
  ASSERT_TRUE(Eventually([&] {
    r = RunCommand("curl -s -i --max-time 5 " + url);
    return r.output.find("HTTP/1.1 200") != std::string::npos;
  }, 30s)) << r.output;
  EXPECT_NE(r.output.find("Content-Type: application/json"), std::string::npos) << r.output;
  const std::string body = r.output.substr(r.output.find("\r\n\r\n") + 4);
  json parsed = json::parse(body, nullptr, false);
  ASSERT_TRUE(parsed.is_object()) << body;
  EXPECT_NE(parsed.value("lastUpdated", "").find(" +0000 UTC"), std::string::npos) << body;
  EXPECT_NE(parsed.value("currentTime", "").find(" +0000 UTC"), std::string::npos) << body;
}

}  // namespace
}  // namespace kubenode
