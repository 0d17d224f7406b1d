#include "kubelet/prober/expand.h"

#include <gtest/gtest.h>

namespace kubenode::kubelet::prober {
namespace {

const std::vector<api::EnvVar> kEnv = {{"PORT", "8080"}, {"FILE", "/tmp/healthy"}};

TEST(ExpandTest, ReplacesKnownVariables) {
  EXPECT_EQ(Expand("cat $(FILE)", kEnv), "cat /tmp/healthy");
  EXPECT_EQ(Expand("$(PORT)$(PORT)", kEnv), "80808080");
}

TEST(ExpandTest, KeepsUnknownAndIncompleteReferences) {
  EXPECT_EQ(Expand("$(MISSING)", kEnv), "$(MISSING)");
  EXPECT_EQ(Expand("$(PORT", kEnv), "$(PORT");
  EXPECT_EQ(Expand("cost $5", kEnv), "cost $5");
  EXPECT_EQ(Expand("end$", kEnv), "end$");
}

TEST(ExpandTest, DoubleDollarEscapes) { EXPECT_EQ(Expand("$$(PORT) $$HOME", kEnv), "$(PORT) $HOME"); }

TEST(ExpandTest, ExpandsEveryArgument) {
  EXPECT_EQ(ExpandCommand({"sh", "-c", "nc -z localhost $(PORT)"}, kEnv),
            (std::vector<std::string>{"sh", "-c", "nc -z localhost 8080"}));
}

}  // namespace
}  // namespace kubenode::kubelet::prober
