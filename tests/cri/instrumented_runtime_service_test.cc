#include "cri/instrumented_runtime_service.h"

#include <gtest/gtest.h>

#include "base/fake_clock.h"
#include "tests/kubelet/fake_runtime.h"

namespace kubenode::cri {
namespace {

TEST(InstrumentedRuntimeService, CountsTimesAndErrorsEachCallByOperationType) {
  FakeClock clock;
  kubelet::testing::FakeRuntime fake(clock);
  metrics::Registry registry;
  InstrumentedRuntimeService runtime(fake, fake, registry);

  ASSERT_TRUE(runtime.ListContainers({}).ok());
  fake.FailNext("ListContainers", "rpc error: code = Unavailable");
  ASSERT_FALSE(runtime.ListContainers({}).ok());
  PodSandboxConfig sb;
  sb.metadata = {"p", "uid", "default", 0};
  ASSERT_TRUE(runtime.RunPodSandbox(sb).ok());
  ASSERT_FALSE(runtime.ImageStatus("busybox")->has_value());

  const std::string text = registry.Expose();
  auto has = [&](const std::string& line) {
    EXPECT_NE(text.find("\n" + line + "\n"), std::string::npos) << line << "\nin:\n" << text;
  };
  has("kubelet_runtime_operations_total{operation_type=\"list_containers\"} 2");
  has("kubelet_runtime_operations_total{operation_type=\"run_podsandbox\"} 1");
  has("kubelet_runtime_operations_total{operation_type=\"image_status\"} 1");
  has("kubelet_runtime_operations_errors_total{operation_type=\"list_containers\"} 1");
  has("kubelet_runtime_operations_duration_seconds_count{operation_type=\"list_containers\"} 2");
  has("kubelet_runtime_operations_duration_seconds_bucket{operation_type=\"list_containers\",le=\"745.0580596923828\"} 2");
  has("kubelet_started_pods_total 1");
  has("kubelet_started_pods_errors_total 0");
  EXPECT_EQ(text.find("kubelet_runtime_operations_errors_total{operation_type=\"run_podsandbox\"}"), std::string::npos);
}

}  // namespace
}  // namespace kubenode::cri
