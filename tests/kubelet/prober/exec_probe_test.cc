#include "kubelet/prober/exec_probe.h"

#include <gtest/gtest.h>

#include "fakes.h"

namespace kubenode::kubelet::prober {
namespace {

using testing::ExecRuntime;

const std::vector<std::string> kCommand = {"cat", "/tmp/healthy"};

TEST(ExecProbeTest, ExitZeroIsSuccessWithOutput) {
  ExecRuntime runtime;
  runtime.Default("cat /tmp/healthy", ExecRuntime::Exit(0, "out\n", "err\n"));
  Result<ProbeOutcome> outcome = ExecProbe(runtime, "c1", kCommand, std::chrono::seconds(5));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->result, Outcome::kSuccess);
  EXPECT_EQ(outcome->output, "out\nerr\n");
  ASSERT_EQ(runtime.calls().size(), 1u);
  EXPECT_EQ(runtime.calls()[0].container_id, "c1");
  EXPECT_EQ(runtime.calls()[0].timeout, std::chrono::seconds(5));
}

TEST(ExecProbeTest, OtherExitCodeIsFailureWithOutput) {
  ExecRuntime runtime;
  runtime.Default("cat /tmp/healthy", ExecRuntime::Exit(1, "", "cat: /tmp/healthy: No such file or directory\n"));
  Result<ProbeOutcome> outcome = ExecProbe(runtime, "c1", kCommand, std::chrono::seconds(1));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->result, Outcome::kFailure);
  EXPECT_EQ(outcome->output, "cat: /tmp/healthy: No such file or directory\n");
}

TEST(ExecProbeTest, TimeoutIsFailureWithUpstreamMessage) {
  ExecRuntime runtime;
  runtime.Default("cat /tmp/healthy", Status::Error("ExecSync c1: DEADLINE_EXCEEDED: context deadline exceeded"));
  Result<ProbeOutcome> outcome = ExecProbe(runtime, "c1", kCommand, std::chrono::seconds(1));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->result, Outcome::kFailure);
  EXPECT_EQ(outcome->output, "command \"cat /tmp/healthy\" timed out");
}

TEST(ExecProbeTest, OtherRuntimeErrorIsAnError) {
  ExecRuntime runtime;
  runtime.Default("cat /tmp/healthy", Status::Error("ExecSync c1: NOT_FOUND: container not found"));
  Result<ProbeOutcome> outcome = ExecProbe(runtime, "c1", kCommand, std::chrono::seconds(1));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().message(), "ExecSync c1: NOT_FOUND: container not found");
}

TEST(ExecProbeTest, OutputIsCutAt10KiB) {
  ExecRuntime runtime;
  runtime.Default("cat /tmp/healthy", ExecRuntime::Exit(0, std::string(8000, 'o'), std::string(8000, 'e')));
  Result<ProbeOutcome> outcome = ExecProbe(runtime, "c1", kCommand, std::chrono::seconds(1));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->output.size(), kMaxExecOutput);
}

}  // namespace
}  // namespace kubenode::kubelet::prober
