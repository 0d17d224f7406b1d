#include "base/ipv4.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

namespace kubenode {
namespace {

TEST(ParseIPv4, DottedQuadsInHostOrder) {
  EXPECT_EQ(ParseIPv4("10.96.0.1"), 0x0a600001u);
  EXPECT_EQ(ParseIPv4("0.0.0.0"), 0u);
  EXPECT_EQ(ParseIPv4("255.255.255.255"), 0xffffffffu);
  EXPECT_EQ(ParseIPv4("127.0.0.1"), 0x7f000001u);
}

TEST(ParseIPv4, RefusesEverythingElse) {
  for (const char* text : {"", "10.96.0", "10.96.0.1.", ".10.96.0.1", "10..0.1", "256.0.0.1", "1.2.3.1000", "010.0.0.1",
                           "1.2.3.00", " 1.2.3.4", "1.2.3.4 ", "1.2.3.4/32", "1.2.3.-4", "+1.2.3.4", "0x1.2.3.4",
                           "fd00::1", "1.2.3.4\n"}) {
    EXPECT_FALSE(ParseIPv4(text).has_value()) << '"' << text << '"';
  }
  // Not a C string: what follows the view is not read.
  std::string_view prefix("1.2.3.45", 7);
  EXPECT_EQ(ParseIPv4(prefix), 0x01020304u);
}

// The five parsers this one replaced were inet_pton(AF_INET): it must agree with it.
TEST(ParseIPv4, AgreesWithInetPton) {
  for (const char* text : {"1.2.3.4", "01.2.3.4", "1.2.3", "1.2.3.4.5", "300.1.1.1", "1.1.1.255", "1.1.1.256", "9.09.9.9",
                           "0.0.0.00", "a.b.c.d", "1.2.3.4a"}) {
    in_addr addr{};
    const bool pton = inet_pton(AF_INET, text, &addr) == 1;
    const auto ours = ParseIPv4(text);
    EXPECT_EQ(ours.has_value(), pton) << text;
    if (ours && pton) {
      EXPECT_EQ(*ours, ntohl(addr.s_addr)) << text;
    }
  }
}

TEST(FormatIPv4, RoundTrips) {
  for (const char* text : {"0.0.0.0", "10.96.0.10", "192.168.255.1", "255.255.255.255"}) {
    EXPECT_EQ(FormatIPv4(*ParseIPv4(text)), text);
  }
}

}  // namespace
}  // namespace kubenode
