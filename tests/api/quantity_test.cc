#include "api/quantity.h"

#include <gtest/gtest.h>

namespace kubenode::api {
namespace {

int64_t Milli(std::string_view text) {
  auto q = ParseQuantity(text);
  EXPECT_TRUE(q.has_value()) << text;
  return q ? q->milli : -1;
}

TEST(QuantityTest, DecimalAndBinarySuffixes) {
  EXPECT_EQ(Milli("100m"), 100);
  EXPECT_EQ(Milli("1"), 1000);
  EXPECT_EQ(Milli("1.5"), 1500);
  EXPECT_EQ(Milli("2k"), 2000000);
  EXPECT_EQ(Milli("64Mi"), 64LL * 1024 * 1024 * 1000);
  EXPECT_EQ(Milli("1Gi"), 1024LL * 1024 * 1024 * 1000);
  EXPECT_EQ(Milli("1e3"), 1000000);
  EXPECT_EQ(Milli("1E-3"), 1);
  EXPECT_EQ(Milli(".5"), 500);
  EXPECT_EQ(Milli("+3"), 3000);
}

TEST(QuantityTest, RoundsUpLikeUpstream) {
  EXPECT_EQ(Milli("0.1m"), 1);   // MilliValue rounds up
  EXPECT_EQ(Milli("1n"), 1);
  EXPECT_EQ(ParseQuantity("100m")->Value(), 1);
  EXPECT_EQ(ParseQuantity("64Mi")->Value(), 67108864);
}

TEST(QuantityTest, SaturatesInsteadOfOverflowing) {
  EXPECT_EQ(Milli("16Ei"), INT64_MAX);
  EXPECT_EQ(Milli("99999999999999999999999"), INT64_MAX);
}

TEST(QuantityTest, RefusesWhatIsNotAQuantity) {
  for (const char* bad : {"", "m", "1x", "1MiB", "ten", "1e", "--1", "1..2", "0x10"}) {
    EXPECT_FALSE(ParseQuantity(bad).has_value()) << bad;
  }
}

TEST(QuantityTest, KeepsTheTextAsWritten) { EXPECT_EQ(ParseQuantity("0.5")->text, "0.5"); }

}  // namespace
}  // namespace kubenode::api
