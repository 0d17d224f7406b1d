// The kubelet-managed /etc/hosts as upstream's ensureHostsFile writes it.
#include "kubelet/runtime/hosts_file.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace kubenode::kubelet {
namespace {

namespace fs = std::filesystem;

const char kLocal[] =
    "# Kubernetes-managed hosts file.\n"
    "127.0.0.1\tlocalhost\n"
    "::1\tlocalhost ip6-localhost ip6-loopback\n"
    "fe00::0\tip6-localnet\n"
    "fe00::0\tip6-mcastprefix\n"
    "fe00::1\tip6-allnodes\n"
    "fe00::2\tip6-allrouters\n";

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(HostsFileTest, ManagedContentWithDomainAndAliases) {
  const std::vector<api::HostAlias> aliases = {{"10.1.2.3", {"foo.local", "bar.local"}}, {"10.1.2.4", {"baz"}}};
  EXPECT_EQ(ManagedHostsFileContent({"10.244.0.5"}, "db-0", "db.team.svc.cluster.local", aliases),
            std::string(kLocal) + "10.244.0.5\tdb-0.db.team.svc.cluster.local\tdb-0\n"
                                  "\n# Entries added by HostAliases.\n10.1.2.3\tfoo.local\tbar.local\n10.1.2.4\tbaz\n");
  EXPECT_EQ(ManagedHostsFileContent({"10.244.0.5"}, "web", "", {}), std::string(kLocal) + "10.244.0.5\tweb\n");
}

TEST(HostsFileTest, HostNetworkContentIsTheNodesFilePlusAliases) {
  EXPECT_EQ(HostNetworkHostsFileContent("127.0.0.1 localhost\n", {{"10.0.0.1", {"x"}}}),
            "# Kubernetes-managed hosts file (host network).\n127.0.0.1 localhost\n"
            "\n# Entries added by HostAliases.\n10.0.0.1\tx\n");
}

class HostsMountTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/hosts-file-XXXXXX";
    dir_ = mkdtemp(tmpl);
    pod_.metadata.name = "web";
    pod_.metadata.uid = "u1";
    container_.name = "app";
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string dir_;
  api::Pod pod_;
  api::Container container_;
};

TEST_F(HostsMountTest, WritesEtcHostsInThePodDirAndMountsIt) {
  cri::ContainerConfig config;
  ASSERT_TRUE(AddHostsMount(dir_, pod_, container_, {"10.244.0.9"}, "", config).ok());
  const std::string path = dir_ + "/pods/u1/etc-hosts";
  ASSERT_EQ(config.mounts.size(), 1u);
  EXPECT_EQ(config.mounts[0], (cri::Mount{"/etc/hosts", path, false}));
  EXPECT_EQ(Read(path), std::string(kLocal) + "10.244.0.9\tweb\n");
  EXPECT_EQ(fs::status(path).permissions(), fs::perms(0644));
}

TEST_F(HostsMountTest, NoMountWithoutPodIpOrWhenTheContainerMountsEtcHosts) {
  cri::ContainerConfig config;
  ASSERT_TRUE(AddHostsMount(dir_, pod_, container_, {}, "", config).ok());
  EXPECT_TRUE(config.mounts.empty());
  container_.volume_mounts.push_back({"hosts", "/etc/hosts", "", false});
  ASSERT_TRUE(AddHostsMount(dir_, pod_, container_, {"10.244.0.9"}, "", config).ok());
  EXPECT_TRUE(config.mounts.empty());
}

TEST_F(HostsMountTest, HostNetworkPodGetsTheNodesFile) {
  std::ofstream(dir_ + "/node-hosts") << "127.0.0.1 localhost node1\n";
  pod_.spec.host_network = true;
  pod_.spec.host_aliases = {{"10.0.0.1", {"x"}}};
  cri::ContainerConfig config;
  ASSERT_TRUE(AddHostsMount(dir_, pod_, container_, {}, "", config, dir_ + "/node-hosts").ok());
  ASSERT_EQ(config.mounts.size(), 1u);
  EXPECT_EQ(Read(config.mounts[0].host_path),
            "# Kubernetes-managed hosts file (host network).\n127.0.0.1 localhost node1\n"
            "\n# Entries added by HostAliases.\n10.0.0.1\tx\n");
}

}  // namespace
}  // namespace kubenode::kubelet
