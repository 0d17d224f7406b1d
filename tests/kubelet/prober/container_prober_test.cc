#include "kubelet/prober/container_prober.h"

#include <gtest/gtest.h>

#include "fakes.h"
#include "test_server.h"

namespace kubenode::kubelet::prober {
namespace {

using testing::ExecRuntime;
using testing::RecordingEventRecorder;
using testing::TestServer;

api::Pod WebPod() {
  api::Pod pod;
  pod.metadata.name = "web-1";
  pod.metadata.ns = "shop";
  pod.metadata.uid = "uid-1";
  return pod;
}

api::Probe HttpGet(int port) {
  api::Probe probe;
  probe.handler.http_get = api::HTTPGetAction{};
  probe.handler.http_get->port = api::IntOrString::Int(port);
  probe.handler.http_get->path = "/healthz";
  return probe;
}

class ContainerProberTest : public ::testing::Test {
 protected:
  ProbeResult Probe(ProbeType type) {
    return prober_.Probe(type, ProbeTarget{pod_, container_, container_id_, pod_ip_});
  }

  ExecRuntime runtime_;
  RecordingEventRecorder recorder_;
  ContainerProber prober_{runtime_, recorder_};
  api::Pod pod_ = WebPod();
  api::Container container_ = [] {
    api::Container c;
    c.name = "web";
    return c;
  }();
  std::string container_id_ = "c1";
  std::string pod_ip_ = "127.0.0.1";
};

TEST_F(ContainerProberTest, HttpFailureRecordsUnhealthyOnTheContainer) {
  TestServer server([](const std::string&) { return TestServer::Response(500); });
  container_.liveness_probe = HttpGet(server.port());
  EXPECT_EQ(Probe(ProbeType::kLiveness), ProbeResult::kFailure);
  std::vector<testing::RecordedEvent> events = recorder_.events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, EventType::kWarning);
  EXPECT_EQ(events[0].reason, "Unhealthy");
  EXPECT_EQ(events[0].message, "Liveness probe failed: HTTP probe failed with statuscode: 500");
  EXPECT_EQ(events[0].object.kind, "Pod");
  EXPECT_EQ(events[0].object.ns, "shop");
  EXPECT_EQ(events[0].object.name, "web-1");
  EXPECT_EQ(events[0].object.uid, "uid-1");
  EXPECT_EQ(events[0].object.field_path, "spec.containers{web}");
}

TEST_F(ContainerProberTest, HttpSuccessRecordsNothing) {
  TestServer server([](const std::string&) { return TestServer::Response(200, "ok"); });
  container_.readiness_probe = HttpGet(server.port());
  EXPECT_EQ(Probe(ProbeType::kReadiness), ProbeResult::kSuccess);
  EXPECT_TRUE(recorder_.events().empty());
}

TEST_F(ContainerProberTest, HttpUsesThePodIpWhenNoHostIsGiven) {
  TestServer server([](const std::string&) { return TestServer::Response(200); });
  container_.readiness_probe = HttpGet(server.port());
  pod_ip_ = "127.0.0.1";
  EXPECT_EQ(Probe(ProbeType::kReadiness), ProbeResult::kSuccess);
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST_F(ContainerProberTest, RedirectElsewhereIsSuccessWithAProbeWarning) {
  TestServer server([](const std::string&) { return TestServer::Response(302, "", "Location: http://x.test/\r\n"); });
  container_.readiness_probe = HttpGet(server.port());
  EXPECT_EQ(Probe(ProbeType::kReadiness), ProbeResult::kSuccess);
  ASSERT_EQ(recorder_.events().size(), 1u);
  EXPECT_EQ(recorder_.events()[0].reason, "ProbeWarning");
  EXPECT_EQ(recorder_.events()[0].message, "Readiness probe warning: Probe terminated redirects, Response body: ");
}

TEST_F(ContainerProberTest, TcpRefusedRecordsTheDialError) {
  const int port = TestServer::ClosedPort();
  container_.readiness_probe = api::Probe{};
  container_.readiness_probe->handler.tcp_socket = api::TCPSocketAction{api::IntOrString::Int(port), ""};
  EXPECT_EQ(Probe(ProbeType::kReadiness), ProbeResult::kFailure);
  EXPECT_EQ(recorder_.messages(), std::vector<std::string>{"Readiness probe failed: dial tcp 127.0.0.1:" +
                                                           std::to_string(port) + ": connect: connection refused"});
}

TEST_F(ContainerProberTest, TcpResolvesANamedPort) {
  TestServer server([](const std::string&) { return std::string(); });
  container_.ports = {{.name = "db", .container_port = server.port()}};
  container_.startup_probe = api::Probe{};
  container_.startup_probe->handler.tcp_socket = api::TCPSocketAction{api::IntOrString::String("db"), "127.0.0.1"};
  EXPECT_EQ(Probe(ProbeType::kStartup), ProbeResult::kSuccess);
}

TEST_F(ContainerProberTest, ExecRunsTheExpandedCommandWithTheProbeTimeout) {
  container_.env = {{"FILE", "/tmp/healthy"}};
  container_.liveness_probe = api::Probe{};
  container_.liveness_probe->handler.exec = api::ExecAction{{"cat", "$(FILE)"}};
  container_.liveness_probe->timeout_seconds = 7;
  runtime_.Default("cat /tmp/healthy", ExecRuntime::Exit(1, "no such file"));
  EXPECT_EQ(Probe(ProbeType::kLiveness), ProbeResult::kFailure);
  ASSERT_EQ(runtime_.calls().size(), 1u);
  EXPECT_EQ(runtime_.calls()[0].container_id, "c1");
  EXPECT_EQ(runtime_.calls()[0].timeout, std::chrono::seconds(7));
  EXPECT_EQ(recorder_.messages(), std::vector<std::string>{"Liveness probe failed: no such file"});
}

TEST_F(ContainerProberTest, ExecTimeoutIsAFailure) {
  container_.startup_probe = api::Probe{};
  container_.startup_probe->handler.exec = api::ExecAction{{"sleep", "10"}};
  runtime_.Default("sleep 10", Status::Error("ExecSync c1: DEADLINE_EXCEEDED: context deadline exceeded"));
  EXPECT_EQ(Probe(ProbeType::kStartup), ProbeResult::kFailure);
  EXPECT_EQ(recorder_.messages(), std::vector<std::string>{"Startup probe failed: command \"sleep 10\" timed out"});
}

TEST_F(ContainerProberTest, ErrorsAreRetriedThenReportedAsUnknown) {
  container_.liveness_probe = api::Probe{};
  container_.liveness_probe->handler.exec = api::ExecAction{{"true"}};
  runtime_.Default("true", Status::Error("ExecSync c1: UNAVAILABLE: connection closed"));
  EXPECT_EQ(Probe(ProbeType::kLiveness), ProbeResult::kUnknown);
  EXPECT_EQ(runtime_.CallCount("true"), 3);
  EXPECT_EQ(recorder_.messages(),
            std::vector<std::string>{"Liveness probe errored: ExecSync c1: UNAVAILABLE: connection closed"});
}

TEST_F(ContainerProberTest, AnErrorFollowedBySuccessIsSuccess) {
  container_.liveness_probe = api::Probe{};
  container_.liveness_probe->handler.exec = api::ExecAction{{"true"}};
  runtime_.Script("true", {Status::Error("UNAVAILABLE"), ExecRuntime::Exit(0)});
  EXPECT_EQ(Probe(ProbeType::kLiveness), ProbeResult::kSuccess);
  EXPECT_EQ(runtime_.CallCount("true"), 2);
  EXPECT_TRUE(recorder_.events().empty());
}

TEST_F(ContainerProberTest, UnknownPortNameIsAnError) {
  container_.readiness_probe = api::Probe{};
  container_.readiness_probe->handler.http_get = api::HTTPGetAction{};
  container_.readiness_probe->handler.http_get->port = api::IntOrString::String("http");
  EXPECT_EQ(Probe(ProbeType::kReadiness), ProbeResult::kUnknown);
  EXPECT_EQ(recorder_.messages(),
            std::vector<std::string>{"Readiness probe errored: port http not found in container web"});
}

}  // namespace
}  // namespace kubenode::kubelet::prober
