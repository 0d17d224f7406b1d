// The v1 Pod's node-side fields against the real containerd: admission (resources, host ports, node
// selection), activeDeadlineSeconds, termination messages, /etc/hosts and /etc/resolv.conf.
#include <gtest/gtest.h>

#include "tests/support/daemon_fixture.h"

namespace kubenode {
namespace {

using namespace std::chrono_literals;
using testing::ContainerStatusJson;
using testing::DaemonFixture;
using testing::Eventually;
using testing::json;

std::string Pod(const std::string& name, const std::string& spec_extra, const std::string& container_extra = "",
                const std::string& command = "sleep 3600") {
  return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name + "\nspec:\n  terminationGracePeriodSeconds: 1\n" +
         spec_extra + "  containers:\n  - name: app\n    image: busybox:latest\n    command: [sh, -c, '" + command +
         "']\n" + container_extra;
}

class PodFieldsTest : public DaemonFixture {
 protected:
  json WaitForFailed(const std::string& pod) {
    return WaitForPod(pod, [](const json& p) { return p["status"].value("phase", "") == "Failed"; }, kPodTimeout,
                      "phase Failed");
  }
  std::string Exec(const std::string& pod, const std::vector<std::string>& cmd) {
    auto running = RunningContainersOf(pod);
    if (running.empty()) return "<no running container>";
    auto r = runtime_->ExecSync(running.front().id, cmd, 10s);
    return r.ok() ? r->stdout_data : "<exec failed: " + r.status().message() + ">";
  }
};

TEST_F(PodFieldsTest, AdmissionRefusesWhatDoesNotFitAndLeavesOthersAlone) {
  WriteManifest("ok.yaml", Pod("ok", "", "    ports: [{containerPort: 80, hostPort: 18080}]\n"));
  WaitForRunning(PodName("ok"));
  WriteManifest("big.yaml", Pod("big", "", "    resources: {requests: {memory: 100Ti}}\n"));
  WriteManifest("port.yaml", Pod("port", "", "    ports: [{containerPort: 81, hostPort: 18080}]\n"));
  WriteManifest("sel.yaml", Pod("sel", "  nodeSelector: {disktype: ssd}\n"));
  const std::map<std::string, std::string> reasons = {{"big", "OutOfmemory"}, {"port", "NodePorts"}, {"sel", "NodeAffinity"}};
  for (const auto& [name, reason] : reasons) {
    auto p = WaitForFailed(PodName(name));
    EXPECT_EQ(p["status"].value("reason", ""), reason) << p.dump();
    EXPECT_TRUE(p["status"].value("message", "").starts_with("Pod was rejected: ")) << p.dump();
    EXPECT_TRUE(ContainersOf(PodName(name)).empty()) << name << " got containers";
  }
  EXPECT_NE(GetPodJson(PodName("big"))["status"].value("message", "").find("Node didn't have enough resource: memory"),
            std::string::npos);
  EXPECT_EQ(GetPodJson(PodName("ok"))["status"].value("phase", ""), "Running");
  EXPECT_EQ(RunningContainersOf(PodName("ok")).size(), 1u);
}

TEST_F(PodFieldsTest, ActiveDeadlineFailsAndKillsThePod) {
  WriteManifest("dl.yaml", Pod("dl", "  activeDeadlineSeconds: 3\n"));
  WaitForRunning(PodName("dl"));
  auto p = WaitForFailed(PodName("dl"));
  EXPECT_EQ(p["status"].value("reason", ""), "DeadlineExceeded");
  EXPECT_EQ(p["status"].value("message", ""), "Pod was active on the node longer than the specified deadline");
  EXPECT_TRUE(Eventually([&] { return RunningContainersOf(PodName("dl")).empty(); }, 30s, 200ms));
}

TEST_F(PodFieldsTest, TerminationMessageFromTheFileOrTheLogs) {
  WriteManifest("tm.yaml", Pod("tm", "  restartPolicy: Never\n", "", "echo bye > /dev/termination-log; exit 3"));
  WriteManifest("fb.yaml", Pod("fb", "  restartPolicy: Never\n", "    terminationMessagePolicy: FallbackToLogsOnError\n",
                               "echo from the log; exit 4"));
  auto tm = WaitForFailed(PodName("tm"));
  auto state = ContainerStatusJson(tm, "app")["state"]["terminated"];
  EXPECT_EQ(state.value("exitCode", 0), 3);
  EXPECT_EQ(state.value("message", ""), "bye\n");
  auto fb = WaitForFailed(PodName("fb"));
  EXPECT_EQ(ContainerStatusJson(fb, "app")["state"]["terminated"].value("message", ""), "from the log\n");
}

TEST_F(PodFieldsTest, HostsAndResolvConfFromTheSpec) {
  WriteManifest("dns.yaml", Pod("dns",
                                "  hostname: db-0\n  subdomain: db\n"
                                "  hostAliases: [{ip: 10.1.2.3, hostnames: [foo.local, bar.local]}]\n"
                                "  dnsPolicy: None\n"
                                "  dnsConfig: {nameservers: [192.0.2.53], searches: [my.example], "
                                "options: [{name: ndots, value: \"2\"}]}\n"));
  auto p = WaitForRunning(PodName("dns"));
  const std::string ip = p["status"].value("podIP", "");
  const std::string hosts = Exec(PodName("dns"), {"cat", "/etc/hosts"});
  EXPECT_NE(hosts.find("# Kubernetes-managed hosts file."), std::string::npos) << hosts;
  EXPECT_NE(hosts.find(ip + "\tdb-0.db.default.svc.\tdb-0\n"), std::string::npos) << hosts;
  EXPECT_NE(hosts.find("# Entries added by HostAliases.\n10.1.2.3\tfoo.local\tbar.local\n"), std::string::npos) << hosts;
  EXPECT_EQ(Exec(PodName("dns"), {"hostname"}), "db-0\n");
  const std::string resolv = Exec(PodName("dns"), {"cat", "/etc/resolv.conf"});
  EXPECT_NE(resolv.find("nameserver 192.0.2.53"), std::string::npos) << resolv;
  EXPECT_NE(resolv.find("search my.example"), std::string::npos) << resolv;
  EXPECT_NE(resolv.find("options ndots:2"), std::string::npos) << resolv;
}

}  // namespace
}  // namespace kubenode
