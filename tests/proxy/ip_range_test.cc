#include "proxy/ip_range.h"

#include <gtest/gtest.h>

namespace kubenode::proxy {
namespace {

TEST(IPRangeTest, ParsesAndFormatsIPv4) {
  ASSERT_EQ(ParseIPv4("10.96.0.1"), 0x0a600001u);
  EXPECT_EQ(FormatIPv4(0x0a600001u), "10.96.0.1");
  EXPECT_FALSE(ParseIPv4("10.96.0"));
  EXPECT_FALSE(ParseIPv4("10.96.0.256"));
  EXPECT_FALSE(ParseIPv4("fd00::1"));
}

TEST(IPRangeTest, ParsesCidr) {
  Result<IPv4Cidr> cidr = ParseIPv4Cidr("10.96.0.0/12");
  ASSERT_TRUE(cidr.ok()) << cidr.status().message();
  EXPECT_EQ(cidr->Size(), 1u << 20);
  EXPECT_TRUE(cidr->Contains(*ParseIPv4("10.111.255.255")));
  EXPECT_FALSE(cidr->Contains(*ParseIPv4("10.112.0.0")));
  EXPECT_EQ(cidr->ToString(), "10.96.0.0/12");
  EXPECT_FALSE(ParseIPv4Cidr("10.96.0.0").ok());
  EXPECT_FALSE(ParseIPv4Cidr("10.96.0.0/33").ok());
  EXPECT_EQ(ParseIPv4Cidr("10.96.0.1/12").status().message(),
            "CIDR 10.96.0.1/12 has host bits set; did you mean 10.96.0.0/12?");
}

TEST(IPRangeTest, ParsesPortRangeForms) {
  Result<PortRange> dash = ParsePortRange("30000-32767");
  ASSERT_TRUE(dash.ok());
  EXPECT_EQ(dash->base, 30000);
  EXPECT_EQ(dash->size, 2768);
  EXPECT_EQ(dash->ToString(), "30000-32767");
  Result<PortRange> plus = ParsePortRange("30000+10");
  ASSERT_TRUE(plus.ok());
  EXPECT_EQ(plus->Last(), 30010);
  Result<PortRange> single = ParsePortRange("30000");
  ASSERT_TRUE(single.ok());
  EXPECT_EQ(single->size, 1);
  EXPECT_EQ(ParsePortRange("32767-30000").status().message(), "invalid port range: \"32767-30000\"");
  EXPECT_FALSE(ParsePortRange("30000-70000").ok());
  EXPECT_FALSE(ParsePortRange("a-b").ok());
}

}  // namespace
}  // namespace kubenode::proxy
