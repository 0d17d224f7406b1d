#include "agent/proxy_healthz.h"

#include <gtest/gtest.h>

namespace kubenode::agent {
namespace {

using std::chrono::system_clock;

system_clock::time_point At(long long seconds, long long nanos) {
  return system_clock::time_point(std::chrono::duration_cast<system_clock::duration>(
      std::chrono::seconds(seconds) + std::chrono::nanoseconds(nanos)));
}

TEST(ProxyHealthzTest, GoTimeStringAsTimeTimePrintsIt) {
  EXPECT_EQ(GoTimeString(At(1796698501, 123456789)), "2026-12-08 02:55:01.123456789 +0000 UTC");
  EXPECT_EQ(GoTimeString(At(1796698501, 500000000)), "2026-12-08 02:55:01.5 +0000 UTC");
  EXPECT_EQ(GoTimeString(At(1796698501, 0)), "2026-12-08 02:55:01 +0000 UTC");
}

TEST(ProxyHealthzTest, HealthyIs200WithUpstreamsBody) {
  server::Response r = ProxyHealthzResponse(Status(), At(1796698500, 0), At(1796698501, 0));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body,
            "{\"lastUpdated\": \"2026-12-08 02:55:00 +0000 UTC\",\"currentTime\": \"2026-12-08 02:55:01 +0000 UTC\"}");
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "X-Content-Type-Options");
}

TEST(ProxyHealthzTest, OverdueSyncIs503AndNoSyncYetReportsNow) {
  server::Response r = ProxyHealthzResponse(Status::Error("a sync has been due for 70s"), std::nullopt,
                                            At(1796698501, 0));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body,
            "{\"lastUpdated\": \"2026-12-08 02:55:01 +0000 UTC\",\"currentTime\": \"2026-12-08 02:55:01 +0000 UTC\"}");
}

}  // namespace
}  // namespace kubenode::agent
