// 1 000 Services applied as one file and deleted again, five times, beside the reference Pod and Service: the
// kernel's ruleset returns exactly to its baseline after each cycle, the daemon's memory stays within 5 MB of
// what it was after the first cycle, and the reference Service never fails a request.
#include <gtest/gtest.h>

#include "tests/fault/reference_fault_fixture.h"

namespace kubenode {
namespace {

using namespace std::chrono_literals;
using testing::Eventually;
using testing::ReadFile;
using testing::ReferenceFaultFixture;
using testing::RunCommand;

class ServiceChurnFaultTest : public ReferenceFaultFixture {
 protected:
  size_t ServiceRows() {
    auto r = Cli("get svc");
    return static_cast<size_t>(std::count(r.output.begin(), r.output.end(), '\n'));
  }
  std::string Ruleset() { return RunCommand("nft list table ip kubenode-proxy").output; }
};

TEST_F(ServiceChurnFaultTest, ThousandServicesComeAndGoWithoutTrace) {
  StartReference();
  ASSERT_FALSE(HasFailure());
  std::string many;
  for (int i = 0; i < 1000; ++i) {
    many += "---\napiVersion: v1\nkind: Service\nmetadata: {name: churn-" + std::to_string(i) +
            "}\nspec:\n  selector: {app: churn}\n  ports: [{port: 80}]\n";
  }
  const size_t baseline_rows = ServiceRows();  // header + hello-service
  const std::string baseline = Ruleset();
  ASSERT_NE(baseline.find("table ip kubenode-proxy"), std::string::npos);
  long after_first = 0;
  ExpectNoFailedRequestDuring([&] {
    for (int cycle = 0; cycle < 5 && !HasFailure(); ++cycle) {
      SCOPED_TRACE("cycle " + std::to_string(cycle));
      auto applied = Apply(many, "churn.yaml");
      ASSERT_EQ(applied.exit_code, 0) << applied.output.substr(0, 2000);
      ASSERT_TRUE(Eventually([&] { return ServiceRows() == baseline_rows + 1000; }, 120s)) << ServiceRows();
      // Every one programmed: 1 000 more ClusterIP elements in the ruleset.
      ASSERT_TRUE(Eventually([&] { return Ruleset().size() > baseline.size() + 1000 * 20; }, 60s));
      auto deleted = Delete("churn.yaml");
      ASSERT_EQ(deleted.exit_code, 0) << deleted.output.substr(0, 2000);
      ASSERT_TRUE(Eventually([&] { return ServiceRows() == baseline_rows; }, 120s)) << ServiceRows();
      ASSERT_TRUE(Eventually([&] { return Ruleset() == baseline; }, 60s)) << Ruleset().substr(0, 4000);
      std::this_thread::sleep_for(1s);
      const long rss = DaemonRssKb();
      std::cout << "[ memory ] cycle " << cycle << ": VmRSS " << rss << " kB\n";
      if (cycle == 0) after_first = rss;
      else EXPECT_LE(rss, after_first + 5 * 1024);
    }
  });
  ExpectPodUntouchedFor(pod_, ids_, sandbox_, 2s);
}

}  // namespace
}  // namespace kubenode
