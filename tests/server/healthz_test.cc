#include "server/healthz.h"

#include <gtest/gtest.h>

namespace kubenode::server {
namespace {

struct RecordingExchange : Exchange {
  Request r;
  Response response;
  const Request& request() const override { return r; }
  void Respond(Response res) override { response = std::move(res); }
  ResponseStream* StartStream(int, std::string, std::vector<std::pair<std::string, std::string>>) override {
    return nullptr;
  }
  std::unique_ptr<ByteStream> Hijack() override { return nullptr; }
};

TEST(HealthzTest, OkOrUpstreamsFailureListing) {
  bool pleg_ok = true;
  Handler h = HealthzHandler("kubelet", {{"pleg", [&] { return pleg_ok ? Status() : Status::Error("pleg was last seen active 4m ago"); }}});
  RecordingExchange ok;
  h(ok);
  EXPECT_EQ(ok.response.status, 200);
  EXPECT_EQ(ok.response.body, "ok");

  pleg_ok = false;
  RecordingExchange failed;
  h(failed);
  EXPECT_EQ(failed.response.status, 500);
  EXPECT_EQ(failed.response.body, "[+]ping ok\n[+]log ok\n[-]pleg failed: reason withheld\nhealthz check failed\n");

  pleg_ok = true;
  RecordingExchange verbose;
  verbose.r.query.emplace("verbose", "");
  h(verbose);
  EXPECT_EQ(verbose.response.body, "[+]ping ok\n[+]log ok\n[+]pleg ok\nhealthz check passed\n");
}

}  // namespace
}  // namespace kubenode::server
