// The generated corpus of invalid manifests (tests/support/invalid_manifests.h, > 500 documents) through
// `kubenode apply -f` and dropped straight into the manifest directory, while the reference Pod and Service
// serve: every one is refused with a clear error that names the file (and the field, where there is one),
// neither the CLI nor the daemon crashes, the reference pod is never restarted, no request fails, and the
// daemon's memory comes back (within 5 MB of what it was after the first pass).
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "tests/support/invalid_manifests.h"
#include "tests/fault/reference_fault_fixture.h"

namespace kubenode {
namespace {

using namespace std::chrono_literals;
using testing::Eventually;
using testing::InvalidManifestCorpus;
using testing::ReadFile;
using testing::ReferenceFaultFixture;
using testing::ShellQuote;

class InvalidManifestFaultTest : public ReferenceFaultFixture {
 protected:
  // Drops every corpus file into the manifest directory, waits until the daemon has reported each one, then
  // removes them all again.
  void DropIntoDirectory(const std::vector<testing::InvalidManifest>& corpus, const std::string& round) {
    std::vector<std::string> names;
    for (size_t i = 0; i < corpus.size(); ++i) {
      names.push_back("invalid-" + round + "-" + std::to_string(i) + ".yaml");
      WriteManifest(names.back(), corpus[i].content);
    }
    for (const auto& file : names) {
      const std::string path = ManifestPath(file);
      EXPECT_TRUE(Eventually([&] { return DaemonLog().find(path) != std::string::npos; }, 60s, 200ms))
          << "the daemon never said anything about " << path;
      if (HasFailure()) break;
    }
    ASSERT_TRUE(Alive()) << DaemonLog();
    EXPECT_EQ(Cli("get pods").exit_code, 0);
    for (const auto& file : names) RemoveManifest(file);
  }
};

TEST_F(InvalidManifestFaultTest, EveryInvalidManifestIsRefusedClearlyAndNothingElseIsDisturbed) {
  const auto corpus = InvalidManifestCorpus();
  ASSERT_GE(corpus.size(), 500u);
  StartReference();
  ASSERT_FALSE(HasFailure());

  ExpectNoFailedRequestDuring([&] {
    // Through the CLI: exit 1 with an error naming the file, never a crash and never an internal error.
    for (size_t i = 0; i < corpus.size(); ++i) {
      const std::string file = "corpus-" + std::to_string(i) + ".yaml";
      auto r = Apply(corpus[i].content, file);
      SCOPED_TRACE(corpus[i].category + " #" + std::to_string(i) + " (" + file + ")");
      EXPECT_EQ(r.exit_code, 1) << r.output.substr(0, 2000);
      EXPECT_NE(r.output.find(file), std::string::npos) << r.output.substr(0, 2000);
      EXPECT_EQ(r.output.find("internal error"), std::string::npos) << r.output.substr(0, 2000);
      EXPECT_EQ(r.output.find("json.exception"), std::string::npos) << r.output.substr(0, 2000);
      if (!corpus[i].expect.empty()) {
        EXPECT_NE(r.output.find(corpus[i].expect), std::string::npos)
            << "expected \"" << corpus[i].expect << "\" in:\n" << r.output.substr(0, 2000);
      }
    }
    ASSERT_TRUE(Alive()) << DaemonLog();
    EXPECT_EQ(Cli("get pods -o wide").exit_code, 0);
    // Nothing of it reached the node.
    auto manifests = testing::RunCommand("ls " + ShellQuote(manifest_dir_));
    EXPECT_EQ(manifests.output, "nginx.yaml\nservice.yaml\n");

    // Straight into the directory, twice: the second pass shows whether memory comes back.
    DropIntoDirectory(corpus, "a");
    ASSERT_FALSE(HasFailure());
    ASSERT_TRUE(Eventually([&] { return Cli("get events").exit_code == 0; }, 10s));
    std::this_thread::sleep_for(2s);
    const long after_first = DaemonRssKb();
    DropIntoDirectory(corpus, "b");
    ASSERT_FALSE(HasFailure());
    std::this_thread::sleep_for(2s);
    const long after_second = DaemonRssKb();
    std::cout << "[ memory ] VmRSS after the first pass " << after_first << " kB, after the second " << after_second
              << " kB\n";
    EXPECT_LE(after_second, after_first + 5 * 1024);
  });
  ExpectPodUntouchedFor(pod_, ids_, sandbox_, 2s);
  EXPECT_TRUE(Alive());
}

}  // namespace
}  // namespace kubenode
