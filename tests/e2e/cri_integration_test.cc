// The CRI client against the harness's real containerd: pull through the local registry, run a sandbox,
// start nginx in it, fetch its welcome page over the pod network, tear everything down.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "cri/grpc_runtime_service.h"
#include "tests/support/e2e_env.h"

namespace kubenode::cri {
namespace {

using kubenode::testing::RequiredEnv;
using kubenode::testing::RunCommand;

class CriIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string endpoint = RequiredEnv("KUBENODE_CRI_ENDPOINT");
    ASSERT_FALSE(endpoint.empty());
    GrpcOptions options;
    options.endpoint = endpoint;
    options.request_timeout = std::chrono::seconds(30);
    runtime_ = std::make_unique<GrpcRuntimeService>(options);
  }

  // Removes every sandbox this test created, whatever happened in the test body.
  void TearDown() override {
    if (!runtime_) return;
    auto sandboxes = runtime_->ListPodSandbox({.label_selector = {{"kubenode-test", test_label_}}});
    if (!sandboxes.ok()) return;
    for (const PodSandbox& s : *sandboxes) {
      EXPECT_TRUE(runtime_->StopPodSandbox(s.id).ok());
      EXPECT_TRUE(runtime_->RemovePodSandbox(s.id).ok());
    }
  }

  PodSandboxConfig SandboxConfig(const std::string& name) {
    PodSandboxConfig config;
    config.metadata = {name, "uid-" + name + "-" + std::to_string(getpid()), "default", 0};
    config.hostname = name;
    config.log_directory = "/var/log/pods/default_" + name + "_" + config.metadata.uid;
    config.labels = {{"kubenode-test", test_label_}, {"io.kubernetes.pod.name", name}};
    return config;
  }

  std::string test_label_ = "cri-integration-" + std::to_string(getpid());
  std::unique_ptr<GrpcRuntimeService> runtime_;
};

TEST_F(CriIntegrationTest, VersionNamesContainerd) {
  auto version = runtime_->Version();
  ASSERT_TRUE(version.ok()) << version.status().message();
  EXPECT_EQ(version->runtime_name, "containerd");
  EXPECT_EQ(version->runtime_api_version, "v1");
  EXPECT_FALSE(version->runtime_version.empty());
}

TEST_F(CriIntegrationTest, NginxPodServesWelcomePageAndLeavesNothingBehind) {
  auto image_ref = runtime_->PullImage("nginx:latest", nullptr);
  ASSERT_TRUE(image_ref.ok()) << image_ref.status().message();
  auto image = runtime_->ImageStatus("nginx:latest");
  ASSERT_TRUE(image.ok()) << image.status().message();
  ASSERT_TRUE(image->has_value());
  EXPECT_EQ((*image)->id, *image_ref);

  PodSandboxConfig sandbox = SandboxConfig("nginx");
  auto sandbox_id = runtime_->RunPodSandbox(sandbox);
  ASSERT_TRUE(sandbox_id.ok()) << sandbox_id.status().message();
  auto sandbox_status = runtime_->PodSandboxStatusOf(*sandbox_id);
  ASSERT_TRUE(sandbox_status.ok()) << sandbox_status.status().message();
  EXPECT_EQ(sandbox_status->state, SandboxState::kReady);
  const std::string pod_ip = sandbox_status->ip;
  ASSERT_FALSE(pod_ip.empty());

  ContainerConfig container;
  container.metadata = {"nginx", 0};
  container.image = *image_ref;
  container.log_path = "nginx/0.log";
  container.labels = {{"io.kubernetes.container.name", "nginx"}};
  auto container_id = runtime_->CreateContainer(*sandbox_id, container, sandbox);
  ASSERT_TRUE(container_id.ok()) << container_id.status().message();
  ASSERT_TRUE(runtime_->StartContainer(*container_id).ok());

  auto status = runtime_->ContainerStatusOf(*container_id);
  ASSERT_TRUE(status.ok()) << status.status().message();
  EXPECT_EQ(status->state, ContainerState::kRunning);
  EXPECT_EQ(status->metadata.name, "nginx");

  // nginx needs a moment to bind after its process starts; curl retries on refused connections.
  auto page = RunCommand("curl -sS --max-time 5 --retry 20 --retry-connrefused --retry-delay 1 http://" +
                         pod_ip + ":80/");
  EXPECT_EQ(page.exit_code, 0);
  EXPECT_NE(page.output.find("Welcome to nginx!"), std::string::npos) << page.output;

  auto listed = runtime_->ListContainers({.pod_sandbox_id = *sandbox_id});
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().id, *container_id);

  ASSERT_TRUE(runtime_->StopContainer(*container_id, std::chrono::seconds(10)).ok());
  ASSERT_TRUE(runtime_->RemoveContainer(*container_id).ok());
  ASSERT_TRUE(runtime_->StopPodSandbox(*sandbox_id).ok());
  ASSERT_TRUE(runtime_->RemovePodSandbox(*sandbox_id).ok());
  auto remaining = runtime_->ListPodSandbox({.label_selector = {{"kubenode-test", test_label_}}});
  ASSERT_TRUE(remaining.ok());
  EXPECT_TRUE(remaining->empty());
  auto remaining_containers = runtime_->ListContainers({.pod_sandbox_id = *sandbox_id});
  ASSERT_TRUE(remaining_containers.ok());
  EXPECT_TRUE(remaining_containers->empty());
}

TEST_F(CriIntegrationTest, ErrorsNameTheCallAndTheObject) {
  Status s = runtime_->StartContainer("no-such-container");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("StartContainer container no-such-container: rpc error: code = NotFound"),
            std::string::npos)
      << s.message();
  auto pulled = runtime_->PullImage("no-such-image-kubenode:v0", nullptr);
  ASSERT_FALSE(pulled.ok());
  EXPECT_EQ(pulled.status().message().rfind("PullImage no-such-image-kubenode:v0: rpc error:", 0), 0u)
      << pulled.status().message();
}

}  // namespace
}  // namespace kubenode::cri
