#include "cri/grpc_runtime_service.h"

#include <gtest/gtest.h>

namespace kubenode::cri {
namespace {

TEST(GrpcRuntimeServiceTest, UnreachableRuntimeErrorNamesCallAndEndpoint) {
  GrpcOptions options;
  options.endpoint = "unix:///nonexistent/kubenode-test.sock";
  options.request_timeout = std::chrono::seconds(1);
  GrpcRuntimeService runtime(options);
  auto version = runtime.Version();
  ASSERT_FALSE(version.ok());
  EXPECT_EQ(version.status().message().rfind(
                "Version unix:///nonexistent/kubenode-test.sock: rpc error: code = Unavailable desc = ", 0),
            0u)
      << version.status().message();
  Status stop = runtime.StopPodSandbox("abc123");
  EXPECT_EQ(stop.message().rfind("StopPodSandbox sandbox abc123: rpc error: code = Unavailable", 0), 0u)
      << stop.message();
}

}  // namespace
}  // namespace kubenode::cri
