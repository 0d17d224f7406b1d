#include "kubelet/printers/describe_printer.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "kubelet/printers/pod_json.h"

namespace kubenode::kubelet {
namespace {

using namespace std::chrono_literals;

const api::Time kNow = api::Time(std::chrono::seconds(1'767'225'600));  // Thu, 01 Jan 2026 00:00:00 UTC

class DescribePrinterTest : public ::testing::Test {
 protected:
  // kubectl prints local time; the expected texts are in UTC.
  void SetUp() override {
    setenv("TZ", "UTC", 1);
    tzset();
  }
};

api::Probe HttpProbe() {
  api::Probe p;
  p.handler.http_get = api::HTTPGetAction{};
  p.handler.http_get->port = api::IntOrString::Int(80);
  return p;
}

// The reference nginx pod, running, with a crash-looping sidecar.
PodWithStatus WebPod() {
  PodWithStatus p;
  auto& m = p.pod.metadata;
  m.name = "web-node1";
  m.uid = "0f3c";
  m.labels = {{"app", "web"}, {"tier", "front"}};
  m.annotations = {{"kubernetes.io/config.hash", "9a8b"},
                   {"kubernetes.io/config.seen", "2025-12-31T23:57:55.000000000Z"},
                   {"kubernetes.io/config.source", "file"}};
  p.pod.spec.node_name = "node1";
  api::Container nginx;
  nginx.name = "nginx";
  nginx.image = "nginx:1.25";
  nginx.ports = {{"http", 80, 8080, api::Protocol::kTCP}};
  nginx.liveness_probe = HttpProbe();
  nginx.readiness_probe = api::Probe{};
  nginx.readiness_probe->handler.tcp_socket = api::TCPSocketAction{api::IntOrString::String("http"), ""};
  nginx.readiness_probe->period_seconds = 5;
  api::Container sidecar;
  sidecar.name = "sidecar";
  sidecar.image = "busybox:1.36";
  sidecar.command = {"sh", "-c"};
  sidecar.args = {"echo start\nexit 1"};
  sidecar.env = {{"MODE", "debug"}};
  sidecar.volume_mounts = {{"data", "/data", "", false}, {"config", "/etc/app", "app.conf", true}};
  sidecar.liveness_probe = api::Probe{};
  sidecar.liveness_probe->handler.exec = api::ExecAction{{"cat", "/tmp/healthy"}};
  p.pod.spec.containers = {nginx, sidecar};
  api::Volume data{"data", api::EmptyDirVolumeSource{}, std::nullopt};
  api::Volume config{"config", std::nullopt, api::HostPathVolumeSource{"/etc/web", "Directory"}};
  p.pod.spec.volumes = {data, config};

  auto& st = p.status;
  st.phase = api::PodPhase::kRunning;
  st.host_ip = "192.168.1.10";
  st.pod_ip = "10.88.0.5";
  st.pod_ips = {"10.88.0.5"};
  st.start_time = kNow - 125s;
  st.conditions = {{"Initialized", true, "", "", kNow},
                   {"Ready", false, "ContainersNotReady", "", kNow},
                   {"ContainersReady", false, "ContainersNotReady", "", kNow},
                   {"PodScheduled", true, "", "", kNow}};
  api::ContainerStatus n;
  n.name = "nginx";
  n.ready = true;
  n.started = true;
  n.image = "docker.io/library/nginx:1.25";
  n.image_id = "docker.io/library/nginx@sha256:4c0f";
  n.container_id = "containerd://5e1a";
  n.state.running = api::ContainerStateRunning{kNow - 120s};
  api::ContainerStatus s;
  s.name = "sidecar";
  s.restart_count = 3;
  s.image = "docker.io/library/busybox:1.36";
  s.image_id = "docker.io/library/busybox@sha256:77aa";
  s.container_id = "containerd://b7c2";
  s.state.waiting = api::ContainerStateWaiting{"CrashLoopBackOff", "back-off 40s restarting failed container"};
  s.last_state.terminated = api::ContainerStateTerminated{1, 0, "Error", "", kNow - 31s, kNow - 30s, "containerd://b7c2"};
  st.container_statuses = {n, s};
  return p;
}

RecordedEvent Event(EventType type, std::string reason, std::string message, int count, api::Time first,
                    api::Time last) {
  RecordedEvent e;
  e.object = {"Pod", "default", "web-node1", "0f3c", ""};
  e.type = type;
  e.reason = std::move(reason);
  e.message = std::move(message);
  e.count = count;
  e.first_timestamp = first;
  e.last_timestamp = last;
  return e;
}

TEST_F(DescribePrinterTest, RunningPodWithCrashLoopingContainerAndEvents) {
  const std::vector<RecordedEvent> events = {
      Event(EventType::kWarning, "BackOff", "Back-off restarting failed container sidecar in pod web-node1_default(0f3c)",
            3, kNow - 100s, kNow - 10s),
      Event(EventType::kNormal, "Pulled", "Container image \"nginx:1.25\" already present on machine", 1, kNow - 122s,
            kNow - 122s),
  };
  EXPECT_EQ(DescribePod(WebPod(), events, kNow),
            "Name:         web-node1\n"
            "Namespace:    default\n"
            "Priority:     0\n"
            "Node:         node1/192.168.1.10\n"
            "Start Time:   Wed, 31 Dec 2025 23:57:55 +0000\n"
            "Labels:       app=web\n"
            "              tier=front\n"
            "Annotations:  kubernetes.io/config.hash: 9a8b\n"
            "              kubernetes.io/config.seen: 2025-12-31T23:57:55.000000000Z\n"
            "              kubernetes.io/config.source: file\n"
            "Status:       Running\n"
            "IP:           10.88.0.5\n"
            "IPs:\n"
            "  IP:  10.88.0.5\n"
            "Containers:\n"
            "  nginx:\n"
            "    Container ID:   containerd://5e1a\n"
            "    Image:          nginx:1.25\n"
            "    Image ID:       docker.io/library/nginx@sha256:4c0f\n"
            "    Port:           80/TCP\n"
            "    Host Port:      8080/TCP\n"
            "    State:          Running\n"
            "      Started:      Wed, 31 Dec 2025 23:58:00 +0000\n"
            "    Ready:          True\n"
            "    Restart Count:  0\n"
            "    Liveness:       http-get http://:80/ delay=0s timeout=1s period=10s #success=1 #failure=3\n"
            "    Readiness:      tcp-socket :http delay=0s timeout=1s period=5s #success=1 #failure=3\n"
            "    Environment:    <none>\n"
            "    Mounts:         <none>\n"
            "  sidecar:\n"
            "    Container ID:  containerd://b7c2\n"
            "    Image:         busybox:1.36\n"
            "    Image ID:      docker.io/library/busybox@sha256:77aa\n"
            "    Port:          <none>\n"
            "    Host Port:     <none>\n"
            "    Command:\n"
            "      sh\n"
            "      -c\n"
            "    Args:\n"
            "      echo start\n"
            "      exit 1\n"
            "    State:          Waiting\n"
            "      Reason:       CrashLoopBackOff\n"
            "    Last State:     Terminated\n"
            "      Reason:       Error\n"
            "      Exit Code:    1\n"
            "      Started:      Wed, 31 Dec 2025 23:59:29 +0000\n"
            "      Finished:     Wed, 31 Dec 2025 23:59:30 +0000\n"
            "    Ready:          False\n"
            "    Restart Count:  3\n"
            "    Liveness:       exec [cat /tmp/healthy] delay=0s timeout=1s period=10s #success=1 #failure=3\n"
            "    Environment:\n"
            "      MODE:  debug\n"
            "    Mounts:\n"
            "      /data from data (rw)\n"
            "      /etc/app from config (ro,path=\"app.conf\")\n"
            "Conditions:\n"
            "  Type              Status\n"
            "  Initialized       True \n"
            "  Ready             False \n"
            "  ContainersReady   False \n"
            "  PodScheduled      True \n"
            "Volumes:\n"
            "  data:\n"
            "    Type:       EmptyDir (a temporary directory that shares a pod's lifetime)\n"
            "    Medium:     \n"
            "    SizeLimit:  <unset>\n"
            "  config:\n"
            "    Type:          HostPath (bare host directory volume)\n"
            "    Path:          /etc/web\n"
            "    HostPathType:  Directory\n"
            "QoS Class:         BestEffort\n"
            "Node-Selectors:    <none>\n"
            "Tolerations:       <none>\n"
            "Events:\n"
            "  Type     Reason   Age                 From     Message\n"
            "  ----     ------   ----                ----     -------\n"
            "  Normal   Pulled   2m2s                kubelet  Container image \"nginx:1.25\" already present on machine\n"
            "  Warning  BackOff  10s (x3 over 100s)  kubelet  Back-off restarting failed container sidecar in pod web-node1_default(0f3c)\n");
}

TEST_F(DescribePrinterTest, PendingTerminatingPodWithoutIPOrEvents) {
  PodWithStatus p;
  p.pod.metadata.name = "job-node1";
  p.pod.metadata.ns = "batch";
  p.pod.spec.node_name = "node1";
  api::Container c;
  c.name = "work";
  c.image = "busybox";
  c.ports = {{"", 53, 0, api::Protocol::kUDP}, {"", 53, 0, api::Protocol::kTCP}};
  p.pod.spec.containers = {c};
  api::ContainerStatus s;
  s.name = "work";
  s.state.waiting = api::ContainerStateWaiting{"ContainerCreating", ""};
  p.status.container_statuses = {s};
  p.status.host_ip = "192.168.1.10";
  p.terminating = true;
  EXPECT_EQ(DescribePod(p, {}, kNow),
            "Name:                      job-node1\n"
            "Namespace:                 batch\n"
            "Priority:                  0\n"
            "Node:                      node1/192.168.1.10\n"
            "Labels:                    <none>\n"
            "Annotations:               <none>\n"
            "Status:                    Terminating (lasts <unknown>)\n"
            "Termination Grace Period:  30s\n"
            "IP:                        \n"
            "IPs:                       <none>\n"
            "Containers:\n"
            "  work:\n"
            "    Container ID:   \n"
            "    Image:          busybox\n"
            "    Image ID:       \n"
            "    Ports:          53/UDP, 53/TCP\n"
            "    Host Ports:     0/UDP, 0/TCP\n"
            "    State:          Waiting\n"
            "      Reason:       ContainerCreating\n"
            "    Ready:          False\n"
            "    Restart Count:  0\n"
            "    Environment:    <none>\n"
            "    Mounts:         <none>\n"
            "Volumes:            <none>\n"
            "QoS Class:          BestEffort\n"
            "Node-Selectors:     <none>\n"
            "Tolerations:        <none>\n"
            "Events:             <none>\n");
}

TEST(DescribeProbeTest, HttpsWithHostAndPathAndTcpWithHost) {
  api::Probe p = HttpProbe();
  p.handler.http_get->scheme = "HTTPS";
  p.handler.http_get->host = "fd00::1";
  p.handler.http_get->path = "/healthz";
  p.handler.http_get->port = api::IntOrString::String("web");
  p.initial_delay_seconds = 5;
  p.failure_threshold = 1;
  EXPECT_EQ(DescribeProbe(p), "http-get https://[fd00::1]:web/healthz delay=5s timeout=1s period=10s #success=1 #failure=1");
  api::Probe t;
  t.handler.tcp_socket = api::TCPSocketAction{api::IntOrString::Int(5432), "db"};
  EXPECT_EQ(DescribeProbe(t), "tcp-socket db:5432 delay=0s timeout=1s period=10s #success=1 #failure=3");
}

TEST(PodToJsonTest, ObjectWithStatus) {
  const auto j = PodToJson(WebPod());
  EXPECT_EQ(j.at("kind"), "Pod");
  EXPECT_EQ(j.at("metadata").at("name"), "web-node1");
  EXPECT_EQ(j.at("spec").at("containers").size(), 2u);
  EXPECT_EQ(j.at("status").at("phase"), "Running");
  EXPECT_EQ(j.at("status").at("podIP"), "10.88.0.5");
  EXPECT_EQ(j.at("status").at("containerStatuses").at(1).at("restartCount"), 3);
}

}  // namespace
}  // namespace kubenode::kubelet
