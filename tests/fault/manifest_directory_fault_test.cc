// The manifest directory misbehaves under the running node: a FIFO, a link to /dev/zero, empty files, a
// directory named like a manifest; the whole directory removed and recreated. Nothing hangs (the API answers),
// nothing unbounded is read, the reference pod is never restarted while its file stays, and when the
// directory comes back the Service keeps its ClusterIP.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "tests/fault/reference_fault_fixture.h"

namespace kubenode {
namespace {

using namespace std::chrono_literals;
using testing::Eventually;
using testing::ReadFile;
using testing::ReferenceFaultFixture;
using nlohmann::json;

class ManifestDirectoryFaultTest : public ReferenceFaultFixture {
 protected:
  std::string ClusterIP() {
    auto svc = Cli("get svc hello-service -o json");
    if (svc.exit_code != 0) return "";
    auto doc = json::parse(svc.output, nullptr, false);
    return doc.is_discarded() ? "" : doc["spec"].value("clusterIP", "");
  }
};

TEST_F(ManifestDirectoryFaultTest, SpecialFilesHangNothing) {
  StartReference();
  ASSERT_FALSE(HasFailure());
  ExpectNoFailedRequestDuring([&] {
    ASSERT_EQ(mkfifo(ManifestPath("fifo.yaml").c_str(), 0644), 0);
    std::filesystem::create_symlink("/dev/zero", ManifestPath("zero.yaml"));
    std::filesystem::create_directory(ManifestPath("dir.yaml"));
    WriteManifest("empty.yaml", "");
    WriteManifest("blank.yaml", "\n\n---\n");
    // A relist (every 20 s) and inotify events have seen all of them; the daemon answers throughout.
    const auto until = std::chrono::steady_clock::now() + 25s;
    while (std::chrono::steady_clock::now() < until) {
      const auto asked = std::chrono::steady_clock::now();
      auto r = Cli("get pods");
      ASSERT_EQ(r.exit_code, 0) << r.output;
      ASSERT_LT(std::chrono::steady_clock::now() - asked, 5s) << "get pods took longer than 5 s";
      std::this_thread::sleep_for(500ms);
    }
    EXPECT_TRUE(Alive());
    const std::string log = DaemonLog();
    EXPECT_NE(log.find(ManifestPath("empty.yaml") + " is empty"), std::string::npos) << log;
  });
  ExpectPodUntouchedFor(pod_, ids_, sandbox_, 2s);
}

TEST_F(ManifestDirectoryFaultTest, RemovedAndRecreatedDirectoryKeepsTheClusterIP) {
  StartReference();
  ASSERT_FALSE(HasFailure());
  ASSERT_TRUE(Eventually([&] { return !ClusterIP().empty(); }, 30s));
  const std::string ip = ClusterIP();
  const std::string away = dir_ + "/manifests.away";
  std::filesystem::rename(manifest_dir_, away);
  // The path is gone: as upstream, its pods go (the sandbox is removed).
  EXPECT_TRUE(Eventually([&] { return SandboxesOf(pod_).empty(); }, 60s)) << DaemonLog();
  std::filesystem::create_directory(manifest_dir_);
  for (const char* file : {"nginx.yaml", "service.yaml"}) {
    WriteManifest(file, ReadFile(away + "/" + file));
  }
  WaitForRunning(pod_);
  ASSERT_FALSE(HasFailure());
  EXPECT_TRUE(Eventually([&] { return ClusterIP() == ip; }, 30s)) << ClusterIP() << " != " << ip;
  // And it serves again on the NodePort once the new pod's endpoint is programmed.
  ASSERT_TRUE(Eventually(
      [&] {
        return testing::RunCommand("curl -s -o /dev/null -w '%{http_code}' --max-time 2 http://127.0.0.1:30001/").output ==
               "200";
      },
      30s));
  ExpectNoFailedRequestDuring([] {});
}

}  // namespace
}  // namespace kubenode
