// The control plane as `kubenode cluster create` makes it, from cluster/ alone (no kubeadm testdata, no
// openssl CLI, no registry): the PKI (cluster/pki), kubeconfigs (cluster/kubeconfig_gen), the four static
// pod manifests (cluster/control_plane) and the images built from the v1.28.7 binaries and Debian's etcd
// (cluster/image_build) imported into the harness's containerd with ctr (cluster/image_import). Under
// standalone kubenode the four pods get Ready, the apiserver answers /readyz with the generated CA, and
// the generated admin kubeconfig works with the real kubectl.
#include <chrono>
#include <filesystem>
#include <map>

#include <gtest/gtest.h>

#include "cluster/control_plane.h"
#include "cluster/image_build.h"
#include "cluster/image_import.h"
#include "cluster/kubeconfig_gen.h"
#include "cluster/pki.h"
#include "cluster/state.h"
#include "tests/support/daemon_fixture.h"

namespace kubenode {
namespace {

using namespace std::chrono_literals;
using testing::ContainerStatusJson;
using testing::DaemonFixture;
using testing::Eventually;
using testing::PodCondition;
using testing::RequiredEnv;
using testing::RunCommand;
using testing::ShellQuote;

std::string K8sDir() {
  const char* dir = std::getenv("KUBENODE_K8S_DIR");
  return dir != nullptr && *dir != '\0' ? dir : KUBENODE_DEFAULT_K8S_DIR;
}

// Builds the images (control plane + pause) into `out_dir` and imports each into the harness containerd.
std::vector<cluster::BuiltImage> BuildAndImport(const std::string& out_dir, bool control_plane) {
  cluster::ProcessRunner runner;
  std::vector<cluster::ImageSpec> specs = {cluster::PauseImageSpec()};
  if (control_plane) {
    auto cp = cluster::ControlPlaneImageSpecs(runner, {K8sDir(), "/usr/bin", "registry.k8s.io", out_dir + "/bin"});
    EXPECT_TRUE(cp.ok()) << cp.status().message();
    if (!cp.ok()) return {};
    specs.insert(specs.end(), cp->begin(), cp->end());
  } else {
    auto bin = cluster::ResolveBinary(K8sDir(), "kube-apiserver", out_dir + "/bin");
    EXPECT_TRUE(bin.ok()) << bin.status().message();
    if (!bin.ok()) return {};
    auto tag = cluster::ImageTagFromVersion(runner, *bin);
    EXPECT_TRUE(tag.ok()) << tag.status().message();
    cluster::ImageSpec api;
    api.ref = "registry.k8s.io/kube-apiserver:" + tag.value();
    api.entrypoint = {"/usr/local/bin/kube-apiserver"};
    api.files = {{"/usr/local/bin/kube-apiserver", *bin, "", 0755}};
    specs.push_back(api);
  }
  const std::string address = RequiredEnv("KUBENODE_CONTAINERD_ADDRESS");
  std::vector<cluster::BuiltImage> built;
  for (const cluster::ImageSpec& spec : specs) {
    const auto start = std::chrono::steady_clock::now();
    std::string file = spec.ref.substr(spec.ref.rfind('/') + 1);
    std::replace(file.begin(), file.end(), ':', '_');
    auto image = cluster::BuildImageArchive(spec, out_dir + "/" + file + ".tar");
    EXPECT_TRUE(image.ok()) << image.status().message();
    if (!image.ok()) return {};
    const auto built_at = std::chrono::steady_clock::now();
    Status imported = cluster::ImportImageArchive(runner, address, image->archive);
    EXPECT_TRUE(imported.ok()) << imported.message();
    const auto done = std::chrono::steady_clock::now();
    std::cerr << spec.ref << ": built in " << std::chrono::duration_cast<std::chrono::milliseconds>(built_at - start).count()
              << " ms (layer " << image->layer_size / 1024 << " KiB), imported in "
              << std::chrono::duration_cast<std::chrono::milliseconds>(done - built_at).count() << " ms\n";
    built.push_back(*image);
  }
  return built;
}

class ClusterImagesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string test_dir = RequiredEnv("KUBENODE_TEST_DIR");
    ASSERT_FALSE(test_dir.empty());
    dir_ = test_dir + "/cluster-images";
    std::filesystem::create_directories(dir_);
    cri::GrpcOptions options;
    options.endpoint = RequiredEnv("KUBENODE_CRI_ENDPOINT");
    options.request_timeout = std::chrono::seconds(30);
    runtime_ = std::make_unique<cri::GrpcRuntimeService>(options);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
  std::unique_ptr<cri::GrpcRuntimeService> runtime_;
};

TEST_F(ClusterImagesTest, BuiltImagesImportedWithCtrAreFoundByCriUnderTheirNames) {
  auto built = BuildAndImport(dir_, /*control_plane=*/false);
  ASSERT_EQ(built.size(), 2u);
  for (const cluster::BuiltImage& image : built) {
    auto status = runtime_->ImageStatus(image.ref);
    ASSERT_TRUE(status.ok()) << status.status().message();
    ASSERT_TRUE(status->has_value()) << image.ref << " not known to the CRI";
    EXPECT_EQ((*status)->id, image.image_id) << image.ref;
    EXPECT_NE(std::find((*status)->repo_tags.begin(), (*status)->repo_tags.end(), image.ref), (*status)->repo_tags.end());
  }
}

class ClusterControlPlaneTest : public DaemonFixture {
 protected:
  void SetUp() override {
    DaemonFixture::SetUp();
    if (HasFailure()) return;
    advertise_ = RequiredEnv("KUBENODE_POD_GATEWAY");
  }

  void TearDown() override {
    if (HasFailure()) {
      std::error_code ec;
      for (auto it = std::filesystem::recursive_directory_iterator(dir_ + "/logs", ec);
           !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        if (!it->is_regular_file()) continue;
        std::string log = testing::ReadFile(it->path());
        if (log.size() > 4000) log = "..." + log.substr(log.size() - 4000);
        std::cerr << "---- " << it->path().string() << " ----\n" << log << "\n";
      }
    }
    DaemonFixture::TearDown();
  }

  bool WaitForReady(const std::string& component, std::chrono::milliseconds timeout) {
    nlohmann::json last;
    bool ok = Eventually(
        [&] {
          auto r = Cli("-n kube-system get pods " + ShellQuote(PodName(component)) + " -o json");
          if (r.exit_code != 0) return false;
          last = nlohmann::json::parse(r.output, nullptr, false);
          if (last.is_discarded()) return false;
          return last["status"].value("phase", "") == "Running" && PodCondition(last, "Ready") == "True" &&
                 ContainerStatusJson(last, component).value("ready", false);
        },
        timeout, 1s);
    EXPECT_TRUE(ok) << component << " not Running and Ready; last:\n" << last.dump(2);
    return ok;
  }

  std::string advertise_;
};

TEST_F(ClusterControlPlaneTest, GeneratedPkiManifestsAndImagesServeKubectl) {
  const auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(BuildAndImport(dir_ + "/images", /*control_plane=*/true).size(), 5u);
  const auto images_done = std::chrono::steady_clock::now();

  cluster::ClusterState state(dir_ + "/clusters", "e2e");
  cluster::ControlPlaneOptions cp = cluster::ControlPlaneOptionsFor(state, node_, advertise_);
  std::set<int> taken;
  for (int* port : {&cp.api_port, &cp.etcd_client_port, &cp.etcd_peer_port, &cp.etcd_metrics_port,
                    &cp.controller_manager_port, &cp.scheduler_port}) {
    do *port = testing::FreeTcpPort(); while (!taken.insert(*port).second);
  }
  cluster::pki::ClusterPkiOptions pki;
  pki.node_name = node_;
  pki.node_ip = advertise_;
  pki.service_ip = cluster::pki::FirstServiceIp(cp.service_subnet).value();
  ASSERT_TRUE(cluster::pki::EnsureClusterPki(state.pki_dir(), pki).ok());
  const std::string host_server = "https://127.0.0.1:" + std::to_string(cp.api_port);
  ASSERT_TRUE(cluster::WriteControlPlaneKubeconfigs(
                  state, {"https://" + advertise_ + ":" + std::to_string(cp.api_port), host_server})
                  .ok());
  // As `kubenode cluster create`: the manifests go into the node's manifest directory, here the daemon's.
  Status wrote = cluster::WriteControlPlaneManifests(manifest_dir_, cp);
  ASSERT_TRUE(wrote.ok()) << wrote.message();
  const auto generated = std::chrono::steady_clock::now();

  for (const char* component : {"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"}) {
    ASSERT_TRUE(WaitForReady(component, 240s)) << Cli("-n kube-system get pods").output;
  }
  const auto ready = std::chrono::steady_clock::now();
  auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
  std::cerr << "images " << ms(images_done - start) << " ms, PKI + kubeconfigs + manifests "
            << ms(generated - images_done) << " ms, four pods Ready " << ms(ready - generated) << " ms\n";

  // /readyz verifies against the generated CA on the host address (127.0.0.1 is a SAN) and the node's.
  const std::string ca = state.Pki("ca.crt");
  for (const std::string& host : {std::string("127.0.0.1"), advertise_}) {
    auto readyz = RunCommand("curl -sS --max-time 10 --cacert " + ca + " https://" + host + ":" +
                             std::to_string(cp.api_port) + "/readyz 2>&1");
    EXPECT_EQ(readyz.output, "ok") << host;
  }
  // The admin kubeconfig (client cert, O system:masters) with the real kubectl.
  std::string last;
  EXPECT_TRUE(Eventually(
      [&] {
        auto ns = RunCommand("kubectl --kubeconfig " + state.admin_kubeconfig() + " get ns 2>&1");
        last = ns.output;
        return ns.exit_code == 0 && last.find("kube-system") != std::string::npos;
      },
      30s, 1s))
      << last;
  auto who = RunCommand("kubectl --kubeconfig " + state.admin_kubeconfig() + " auth can-i '*' '*' 2>&1");
  EXPECT_EQ(who.output, "yes\n");
}

}  // namespace
}  // namespace kubenode
