#include "agent/cni_config.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace kubenode::agent {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string Read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class CniConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("kubenode-cni-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(CniConfigTest, BridgeHostLocalAndPortmapForThePodCIDR) {
  const json c = json::parse(RenderBridgeConflist("10.244.3.0/24"));
  EXPECT_EQ(c["name"], "kubenode");
  ASSERT_EQ(c["plugins"].size(), 2u);
  const json& bridge = c["plugins"][0];
  EXPECT_EQ(bridge["type"], "bridge");
  EXPECT_EQ(bridge["bridge"], "cni0");
  EXPECT_EQ(bridge["isGateway"], true);
  EXPECT_EQ(bridge["ipMasq"], true);
  EXPECT_EQ(bridge["ipam"]["type"], "host-local");
  EXPECT_EQ(bridge["ipam"]["ranges"], json::parse(R"([[{"subnet":"10.244.3.0/24"}]])"));
  EXPECT_EQ(bridge["ipam"]["routes"], json::parse(R"([{"dst":"0.0.0.0/0"}])"));
  EXPECT_EQ(c["plugins"][1], json::parse(R"({"type":"portmap","capabilities":{"portMappings":true}})"));
}

TEST_F(CniConfigTest, WritesWhenTheDirHasNoConfig) {
  auto wrote = EnsureCniConfig(dir_.string(), "10.244.0.0/24");  // the dir does not exist yet
  ASSERT_TRUE(wrote.ok()) << wrote.status().message();
  EXPECT_TRUE(*wrote);
  EXPECT_EQ(Read(dir_ / kCniConfFile), RenderBridgeConflist("10.244.0.0/24"));
  EXPECT_TRUE(HasCniConfig(dir_.string()));
  // Once written it is a config like any other: a later podCIDR does not replace it.
  auto again = EnsureCniConfig(dir_.string(), "10.244.9.0/24");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  EXPECT_EQ(Read(dir_ / kCniConfFile), RenderBridgeConflist("10.244.0.0/24"));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);  // no temporary left
}

TEST_F(CniConfigTest, KeepsAnExistingConfig) {
  for (const char* name : {"05-mine.conf", "99-addon.conflist", "x.json"}) {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / name) << "{}";
    auto wrote = EnsureCniConfig(dir_.string(), "10.244.0.0/24");
    ASSERT_TRUE(wrote.ok());
    EXPECT_FALSE(*wrote) << name;
    EXPECT_FALSE(fs::exists(dir_ / kCniConfFile)) << name;
    EXPECT_EQ(Read(dir_ / name), "{}");
  }
}

TEST_F(CniConfigTest, OtherFilesAreNotConfigsAndNoPodCIDRIsAnError) {
  fs::create_directories(dir_);
  std::ofstream(dir_ / "README") << "notes";
  std::ofstream(dir_ / "old.conf.bak") << "{}";
  EXPECT_FALSE(HasCniConfig(dir_.string()));
  auto none = EnsureCniConfig(dir_.string(), "");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("spec.podCIDR"), std::string::npos);
  auto wrote = EnsureCniConfig(dir_.string(), "10.244.1.0/24");
  ASSERT_TRUE(wrote.ok());
  EXPECT_TRUE(*wrote);
}

}  // namespace
}  // namespace kubenode::agent

namespace kubenode::agent {
namespace {

struct Calls {
  int ready = 0, cidr = 0;
};

PodNetworkInputs Inputs(Calls& calls, Result<bool> ready, Result<std::string> cidr) {
  return {[&calls, ready] {
            ++calls.ready;
            return ready;
          },
          [&calls, cidr] {
            ++calls.cidr;
            return cidr;
          }};
}

TEST_F(CniConfigTest, ARuntimeWithANetworkOrAConfiguredDirNeedsNothing) {
  Calls calls;
  EXPECT_TRUE(ConfigurePodNetworkOnce(dir_.string(), Inputs(calls, true, std::string("10.244.0.0/24"))));
  EXPECT_EQ(calls.cidr, 0);
  EXPECT_FALSE(fs::exists(dir_));
  fs::create_directories(dir_);
  std::ofstream(dir_ / "10-other.conflist") << "{}";
  EXPECT_TRUE(ConfigurePodNetworkOnce(dir_.string(), Inputs(calls, false, std::string("10.244.0.0/24"))));
  EXPECT_TRUE(ConfigurePodNetworkOnce(dir_.string(), Inputs(calls, Status::Error("unimplemented"), std::string("x"))));
  EXPECT_EQ(calls.cidr, 0);
  EXPECT_FALSE(fs::exists(dir_ / kCniConfFile));
}

TEST_F(CniConfigTest, WaitsForThePodCIDRThenWrites) {
  Calls calls;
  EXPECT_FALSE(ConfigurePodNetworkOnce(dir_.string(), Inputs(calls, false, std::string(""))));
  EXPECT_FALSE(ConfigurePodNetworkOnce(dir_.string(), Inputs(calls, false, Status::Error("GET nodes/n: 503"))));
  EXPECT_FALSE(fs::exists(dir_ / kCniConfFile));
  EXPECT_TRUE(ConfigurePodNetworkOnce(dir_.string(), Inputs(calls, Status::Error("unimplemented"),
                                                           std::string("10.244.4.0/24"))));
  EXPECT_EQ(Read(dir_ / kCniConfFile), RenderBridgeConflist("10.244.4.0/24"));
  EXPECT_EQ(calls.cidr, 3);
}

}  // namespace
}  // namespace kubenode::agent
