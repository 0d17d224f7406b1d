// kubeadm v1.28's four control-plane static pods (etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler) under standalone kubenode, from manifests written as kubeadm writes them
// (tests/e2e/testdata/kubeadm/*.yaml: every field kubeadm sets, only paths, ports and addresses adjusted):
// each pod gets Running and Ready through its own probes (HTTPS for the apiserver, controller-manager and
// scheduler), etcd answers `etcdctl endpoint health` with the etcd PKI, the apiserver answers /healthz and
// /readyz over TLS with the cluster CA, the controller-manager and scheduler answer /healthz on their secure
// ports and hold their leader-election leases through the apiserver.
//
// Inputs: the v1.28.7 binaries of KUBENODE_K8S_DIR (default <repo>/../shared/k8s; never downloaded),
// Debian's etcd; images built by tests/harness/build-image.sh (cached) and pushed to the harness registry
// under kubeadm's image names. The advertise address is the harness bridge's gateway (a local address,
// unique per harness); every port is picked free at start, so parallel harnesses do not collide.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include <gtest/gtest.h>

#include "tests/support/daemon_fixture.h"

namespace kubenode {
namespace {

using namespace std::chrono_literals;
using testing::ContainerStatusJson;
using testing::DaemonFixture;
using testing::Eventually;
using testing::PodCondition;
using testing::ReadFile;
using testing::RequiredEnv;
using testing::RunCommand;
using testing::ShellQuote;

const std::string kSourceDir = KUBENODE_SOURCE_DIR;
const std::string kTestData = kSourceDir + "/tests/e2e/testdata/kubeadm";
constexpr const char* kComponents[] = {"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"};

std::string K8sDir() {
  const char* dir = std::getenv("KUBENODE_K8S_DIR");
  return dir != nullptr && *dir != '\0' ? dir : kSourceDir + "/../shared/k8s";
}

// A TCP port of 127.0.0.1 that nothing listens on (bound to get a number, then closed).
int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

class ControlPlaneStaticPodsTest : public DaemonFixture {
 protected:
  void SetUp() override {
    DaemonFixture::SetUp();
    if (HasFailure()) return;
    advertise_ = RequiredEnv("KUBENODE_POD_GATEWAY");
    registry_ = RequiredEnv("KUBENODE_REGISTRY");
    root_ = dir_ + "/kubeadm";
    std::filesystem::create_directories(root_);
    std::set<int> taken;
    for (const char* key : {"ETCD_PORT", "ETCD_PEER_PORT", "ETCD_METRICS_PORT", "API_PORT", "KCM_PORT", "SCHED_PORT"}) {
      int port = FreePort();
      while (!taken.insert(port).second) port = FreePort();
      vars_[key] = std::to_string(port);
    }
    vars_["ROOT"] = root_;
    vars_["ADVERTISE"] = advertise_;
    vars_["NODE"] = node_;
  }

  void TearDown() override {
    if (HasFailure()) {
      // The components' own logs say why a pod did not get ready.
      std::error_code ec;
      for (auto it = std::filesystem::recursive_directory_iterator(dir_ + "/logs", ec);
           !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        if (!it->is_regular_file()) continue;
        std::string log = ReadFile(it->path());
        if (log.size() > 4000) log = "..." + log.substr(log.size() - 4000);
        std::cerr << "---- " << it->path().string() << " ----\n" << log << "\n";
      }
    }
    DaemonFixture::TearDown();
  }

  std::string Var(const std::string& key) const { return vars_.at(key); }

  // The template with every @KEY@ replaced.
  std::string Render(const std::string& component) const {
    std::string text = ReadFile(kTestData + "/" + component + ".yaml");
    EXPECT_FALSE(text.empty()) << kTestData << "/" << component << ".yaml";
    for (const auto& [key, value] : vars_) {
      const std::string placeholder = "@" + key + "@";
      for (size_t pos = text.find(placeholder); pos != std::string::npos; pos = text.find(placeholder, pos)) {
        text.replace(pos, placeholder.size(), value);
        pos += value.size();
      }
    }
    EXPECT_EQ(text.find('@'), std::string::npos) << "unreplaced placeholder in " << component << ".yaml";
    return text;
  }

  nlohmann::json GetSystemPod(const std::string& name) {
    auto r = Cli("-n kube-system get pods " + ShellQuote(name) + " -o json");
    if (r.exit_code != 0) return nullptr;
    auto parsed = nlohmann::json::parse(r.output, nullptr, /*allow_exceptions=*/false);
    return parsed.is_discarded() ? nlohmann::json(nullptr) : parsed;
  }

  // Waits until the kube-system pod is Running with its container ready (its probes passed).
  nlohmann::json WaitForReady(const std::string& component, std::chrono::milliseconds timeout) {
    const std::string name = PodName(component);
    nlohmann::json last;
    bool ok = Eventually(
        [&] {
          last = GetSystemPod(name);
          if (last.is_null()) return false;
          auto c = ContainerStatusJson(last, component);
          return last["status"].value("phase", "") == "Running" && PodCondition(last, "Ready") == "True" &&
                 c.value("ready", false);
        },
        timeout, 1s);
    EXPECT_TRUE(ok) << name << " not Running and Ready within " << timeout.count() << " ms; last:\n" << last.dump(2);
    return last;
  }

  std::string Curl(const std::string& args) {
    return RunCommand("curl -sS --max-time 10 " + args + " 2>&1").output;
  }

  std::string advertise_, registry_, root_;
  std::map<std::string, std::string> vars_;
};

TEST_F(ControlPlaneStaticPodsTest, KubeadmManifestsRunAndServe) {
  // Images under kubeadm's names: containerd sends registry.k8s.io to the harness registry.
  for (const char* component : kComponents) {
    auto pushed = RunCommand("KUBENODE_K8S_DIR=" + ShellQuote(K8sDir()) + " " + kSourceDir +
                             "/tests/harness/build-image.sh push " + component + " " + ShellQuote(registry_) + " 2>&1");
    ASSERT_EQ(pushed.exit_code, 0) << component << ": " << pushed.output;
  }
  auto pki = RunCommand("KUBENODE_K8S_DIR=" + ShellQuote(K8sDir()) + " " + kTestData + "/pki.sh " +
                        ShellQuote(root_) + " " + advertise_ + " " + Var("API_PORT") + " " + ShellQuote(node_) +
                        " 2>&1");
  ASSERT_EQ(pki.exit_code, 0) << pki.output;

  for (const char* component : kComponents) WriteManifest(std::string(component) + ".yaml", Render(component));
  ASSERT_FALSE(HasFailure());

  // Startup probes begin after 10 s and run every 10 s: a few periods until each is Ready.
  std::map<std::string, nlohmann::json> pods;
  for (const char* component : kComponents) {
    pods[component] = WaitForReady(component, 240s);
    ASSERT_FALSE(HasFailure()) << Cli("-n kube-system get pods").output << Cli("get events").output;
  }
  for (const auto& [component, pod] : pods) {
    EXPECT_EQ(pod["metadata"].value("namespace", ""), "kube-system");
    EXPECT_EQ(ContainerStatusJson(pod, component).value("restartCount", -1), 0) << component;
  }

  const std::string pki_dir = root_ + "/pki";
  // etcd: client-certificate TLS on both client URLs, as kubeadm's `etcdctl` health checks.
  for (const std::string& host : {std::string("127.0.0.1"), advertise_}) {
    auto health = RunCommand(
        "ETCDCTL_API=3 etcdctl --dial-timeout=5s --command-timeout=10s --endpoints=https://" + host + ":" +
        Var("ETCD_PORT") + " --cacert=" + pki_dir + "/etcd/ca.crt --cert=" + pki_dir +
        "/etcd/healthcheck-client.crt --key=" + pki_dir + "/etcd/healthcheck-client.key endpoint health 2>&1");
    EXPECT_EQ(health.exit_code, 0) << health.output;
    EXPECT_NE(health.output.find("is healthy: successfully committed proposal"), std::string::npos) << health.output;
  }

  // kube-apiserver: its serving certificate verifies against the cluster CA for the advertise address.
  const std::string api = "https://" + advertise_ + ":" + Var("API_PORT");
  EXPECT_EQ(Curl("--cacert " + pki_dir + "/ca.crt " + api + "/healthz"), "ok");
  EXPECT_EQ(Curl("--cacert " + pki_dir + "/ca.crt " + api + "/readyz"), "ok");

  // controller-manager and scheduler: /healthz on their secure ports (self-signed serving certificates).
  EXPECT_EQ(Curl("-k https://127.0.0.1:" + Var("KCM_PORT") + "/healthz"), "ok");
  EXPECT_EQ(Curl("-k https://127.0.0.1:" + Var("SCHED_PORT") + "/healthz"), "ok");

  // Both reached the apiserver with the kubeconfigs mounted from hostPath files: they hold their leases.
  const std::string admin = "--cacert " + pki_dir + "/ca.crt --cert " + pki_dir + "/apiserver-kubelet-client.crt --key " +
                            pki_dir + "/apiserver-kubelet-client.key ";
  for (const std::string lease : {"kube-controller-manager", "kube-scheduler"}) {
    std::string last;
    EXPECT_TRUE(Eventually(
        [&] {
          last = Curl(admin + api + "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/" + lease);
          return last.find("\"holderIdentity\"") != std::string::npos;
        },
        60s, 1s))
        << lease << ": " << last;
  }
}

}  // namespace
}  // namespace kubenode
