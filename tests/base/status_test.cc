#include "base/status.h"

#include <gtest/gtest.h>

namespace kubenode {
namespace {

TEST(StatusTest, OkHasNoMessageContext) {
  Status ok;
  EXPECT_TRUE(ok.ok());
  EXPECT_TRUE(ok.WithContext("ignored").ok());
}

TEST(StatusTest, ContextIsPrefixedOutermostFirst) {
  Status s = Status::Error("connection refused").WithContext("PullImage nginx:latest").WithContext("pod nginx");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "pod nginx: PullImage nginx:latest: connection refused");
}

TEST(ResultTest, HoldsValueOrError) {
  Result<int> value = 42;
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(*value, 42);
  Result<int> error = Status::Error("boom");
  EXPECT_FALSE(error.ok());
  EXPECT_EQ(error.status().message(), "boom");
}

}  // namespace
}  // namespace kubenode
