// The fault suite's fixture: `kubenode run` with the proxy on the harness's containerd, the reference Pod and
// NodePort Service running and programmed, and client loops through 127.0.0.1:30001 and <node IP>:30001 that
// count every request that was not answered 200 while a fault is injected.
#pragma once

#include <functional>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/client_loop.h"
#include "tests/support/daemon_fixture.h"
#include "tests/support/reference_manifests.h"

namespace kubenode::testing {

using namespace std::chrono_literals;

class ReferenceFaultFixture : public DaemonFixture {
 protected:
  std::vector<std::string> DaemonFlags() const override {
    return {"--cluster-cidr", RequiredEnv("KUBENODE_POD_SUBNET")};
  }
  void TearDown() override {
    loops_.StopAll();
    DaemonFixture::TearDown();
    RunCommand(std::string(KUBENODE_BINARY) + " run --cleanup");
  }

  // The reference pod and Service, running and programmed; records the container IDs, sandbox and node IP.
  void StartReference() {
    WriteManifest("nginx.yaml", kReferencePod);
    WriteManifest("service.yaml", kReferenceService);
    pod_ = PodName("nginx");
    json before = WaitForRunning(pod_);
    ASSERT_FALSE(HasFailure());
    const std::string pod_ip = before["status"].value("podIP", "");
    ids_ = {{"nginx", StripRuntimePrefix(ContainerStatusJson(before, "nginx").value("containerID", ""))}};
    auto sandboxes = SandboxesOf(pod_);
    ASSERT_EQ(sandboxes.size(), 1u);
    sandbox_ = sandboxes[0].id;
    const std::string element = "tcp . 30001 . 0 : " + pod_ip + " . 80";
    ASSERT_TRUE(Eventually([&] { return Cli("proxy dump").output.find(element) != std::string::npos; }, 30s))
        << Cli("proxy dump").output;
    auto node = RunCommand(std::string(KUBENODE_BINARY) + " --socket " + socket_ +
                           " describe node | sed -n 's/^  InternalIP:  //p'");
    node_ip_ = node.output.substr(0, node.output.find('\n'));
    ASSERT_FALSE(node_ip_.empty());
  }

  // Rounds of: `restart` the daemon under client load, wait for the new proxy's first full resync and 40 more
  // answers; every request must have been answered 200.
  void ExpectNoFailedRequestAcross(int rounds, const std::function<void()>& restart) {
    for (int round = 0; round < rounds && !HasFailure(); ++round) {
      SCOPED_TRACE("round " + std::to_string(round));
      ExpectNoFailedRequestDuring([&] {
        restart();
        ASSERT_FALSE(HasFailure());
        ASSERT_TRUE(Eventually(
            [&] {
              const std::string log = ReadFile(log_file_);
              const auto started = log.rfind("==== kubenode run started by the test ====");
              const auto synced = log.rfind("full resync");
              return synced != std::string::npos && synced > started;
            },
            30s, 100ms))
            << DaemonLog();
      });
    }
  }

  // Starts clients, runs `fault`, waits until the clients answered `more` requests after it, and expects that
  // every request was answered.
  // `pause`: seconds between a client's requests ("" for none).
  void ExpectNoFailedRequestDuring(const std::function<void()>& fault, size_t more = 40, const std::string& pause = "") {
    const std::string n = std::to_string(counter_++);
    auto local = loops_.Start("http://127.0.0.1:30001/", "local-f" + n, pause);
    auto external = loops_.Start("http://" + node_ip_ + ":30001/", "node-f" + n, pause);
    ASSERT_TRUE(Eventually([&] { return ClientLoops::Lines(local) >= 5 && ClientLoops::Lines(external) >= 5; }, 20s, 50ms));
    fault();
    ASSERT_TRUE(ClientLoops::WaitForMore({&local, &external}, more, 60s));
    for (const auto* l : {&local, &external}) {
      auto [failed, total] = loops_.Stop(*l);
      EXPECT_EQ(failed, 0) << "of " << total << " through " << l->out << ":\n" << ReadFile(l->out);
      EXPECT_GT(total, 20);
    }
  }

  ClientLoops loops_{RequiredEnv("KUBENODE_TEST_DIR")};
  std::string pod_, sandbox_, node_ip_;
  std::map<std::string, std::string> ids_;
  int counter_ = 0;
};

}  // namespace kubenode::testing
