#include <stdlib.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cluster/image_build.h"
#include "cluster/image_import.h"

namespace kubenode::cluster {
namespace {

std::string Shell(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Sha256File(const std::string& path) {
  std::string out = Shell("sha256sum '" + path + "'");
  return "sha256:" + out.substr(0, 64);
}

class FakeRunner : public CommandRunner {
 public:
  Result<std::string> Run(const std::vector<std::string>& argv) override {
    calls.push_back(argv);
    std::string key;
    for (const std::string& a : argv) key += (key.empty() ? "" : " ") + a;
    auto it = replies.find(key);
    if (it == replies.end()) return Status::Error("`" + key + "` failed (exit status 1): not a dynamic executable");
    return it->second;
  }
  std::map<std::string, std::string> replies;
  std::vector<std::vector<std::string>> calls;
};

class ImageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kubenode-image-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(ImageTest, PauseArchiveIsAnOciLayoutWithConsistentDigests) {
  ASSERT_GT(EmbeddedPauseBinary().size(), 1000u);
  EXPECT_EQ(EmbeddedPauseBinary().substr(0, 4), "\x7f" "ELF");
  auto built = BuildImageArchive(PauseImageSpec(), dir_ + "/images/pause.tar");
  ASSERT_TRUE(built.ok()) << built.status().message();
  EXPECT_EQ(built->ref, "registry.k8s.io/pause:3.9");
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/images/pause.tar.tmp"));

  const std::string x = dir_ + "/x";
  std::filesystem::create_directories(x);
  ASSERT_EQ(Shell("tar -xf '" + built->archive + "' -C '" + x + "' && echo ok"), "ok\n");
  EXPECT_EQ(ReadFile(x + "/oci-layout"), R"({"imageLayoutVersion":"1.0.0"})");
  auto index = nlohmann::json::parse(ReadFile(x + "/index.json"));
  ASSERT_EQ(index["manifests"].size(), 1u);
  const auto& desc = index["manifests"][0];
  EXPECT_EQ(desc["annotations"]["io.containerd.image.name"], "registry.k8s.io/pause:3.9");
  EXPECT_EQ(desc["annotations"]["org.opencontainers.image.ref.name"], "3.9");
  EXPECT_EQ(desc["digest"], built->manifest_digest);
  auto blob = [&](const std::string& digest) { return x + "/blobs/sha256/" + digest.substr(7); };
  // Every blob is named by its content's digest and has the size its descriptor says.
  EXPECT_EQ(Sha256File(blob(built->manifest_digest)), built->manifest_digest);
  auto manifest = nlohmann::json::parse(ReadFile(blob(built->manifest_digest)));
  const std::string config_digest = manifest["config"]["digest"];
  const std::string layer_digest = manifest["layers"][0]["digest"];
  EXPECT_EQ(config_digest, built->image_id);
  EXPECT_EQ(Sha256File(blob(config_digest)), config_digest);
  EXPECT_EQ(Sha256File(blob(layer_digest)), layer_digest);
  EXPECT_EQ(manifest["layers"][0]["size"], std::filesystem::file_size(blob(layer_digest)));
  // The config's diff id is the digest of the uncompressed layer; the layer holds /pause as embedded.
  auto config = nlohmann::json::parse(ReadFile(blob(config_digest)));
  EXPECT_EQ(config["config"]["Entrypoint"][0], "/pause");
  ASSERT_EQ(Shell("gunzip -c '" + blob(layer_digest) + "' > '" + x + "/layer.tar' && echo ok"), "ok\n");
  EXPECT_EQ(config["rootfs"]["diff_ids"][0], Sha256File(x + "/layer.tar"));
  const std::string listing = Shell("tar -tvf '" + x + "/layer.tar'");
  EXPECT_NE(listing.find("-rwxr-xr-x root/root"), std::string::npos) << listing;
  EXPECT_NE(listing.find("drwxrwxrwt root/root         0 1970-01-01 00:00 tmp/"), std::string::npos) << listing;
  std::filesystem::create_directories(x + "/rootfs");
  ASSERT_EQ(Shell("tar -xf '" + x + "/layer.tar' -C '" + x + "/rootfs' && echo ok"), "ok\n");
  EXPECT_EQ(ReadFile(x + "/rootfs/pause"), std::string(EmbeddedPauseBinary()));
}

TEST_F(ImageTest, LongPathsAndHostFilesGoIntoTheLayer) {
  ImageSpec spec;
  spec.ref = "example.test/a/b:v1";
  const std::string deep = "/" + std::string(60, 'd') + "/" + std::string(60, 'e') + "/file";
  std::ofstream(dir_ + "/host-file") << "from the host";
  spec.files = {{deep, "", "deep", 0600}, {"/usr/bin/tool", dir_ + "/host-file", "", 0755}};
  spec.dirs = {"/var/lib/data"};
  auto built = BuildImageArchive(spec, dir_ + "/out.tar");
  ASSERT_TRUE(built.ok()) << built.status().message();
  const std::string x = dir_ + "/x";
  std::filesystem::create_directories(x + "/rootfs");
  Shell("tar -xf '" + built->archive + "' -C '" + x + "'");
  auto index = nlohmann::json::parse(ReadFile(x + "/index.json"));
  auto manifest = nlohmann::json::parse(ReadFile(x + "/blobs/sha256/" + built->manifest_digest.substr(7)));
  const std::string layer = manifest["layers"][0]["digest"];
  EXPECT_EQ(Shell("tar -xzf '" + x + "/blobs/sha256/" + layer.substr(7) + "' -C '" + x + "/rootfs' && echo ok"), "ok\n");
  EXPECT_EQ(ReadFile(x + "/rootfs" + deep), "deep");
  EXPECT_EQ(ReadFile(x + "/rootfs/usr/bin/tool"), "from the host");
  EXPECT_TRUE(std::filesystem::is_directory(x + "/rootfs/var/lib/data"));
  EXPECT_EQ(index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"], "v1");
  EXPECT_FALSE(BuildImageArchive(ImageSpec{.ref = "x:1", .files = {{"relative", "", "", 0644}}}, dir_ + "/bad.tar").ok());
}

TEST_F(ImageTest, ControlPlaneSpecsTakeTagsFromTheBinariesAndUnpackGz) {
  const std::string k8s = dir_ + "/k8s", etcd = dir_ + "/etcd";
  std::filesystem::create_directories(k8s);
  std::filesystem::create_directories(etcd);
  auto exe = [](const std::string& p) {
    std::ofstream(p) << "#!/bin/true\n";
    ::chmod(p.c_str(), 0755);
  };
  exe(k8s + "/kube-apiserver");
  std::ofstream(k8s + "/kcm.txt") << "controller-manager bytes";
  ASSERT_EQ(Shell("gzip -c '" + k8s + "/kcm.txt' > '" + k8s + "/kube-controller-manager.gz' && echo ok"), "ok\n");
  exe(k8s + "/kube-scheduler");
  exe(etcd + "/etcd");
  exe(etcd + "/etcdctl");
  const std::string scratch = dir_ + "/scratch";
  FakeRunner runner;
  for (const char* n : {"kube-apiserver", "kube-scheduler"}) {
    runner.replies[k8s + "/" + n + " --version"] = "Kubernetes v1.28.7\n";
  }
  runner.replies[scratch + "/kube-controller-manager --version"] = "Kubernetes v1.28.7\n";
  runner.replies[etcd + "/etcd --version"] = "etcd Version: 3.4.23\nGit SHA: Not provided\n";
  runner.replies["ldd " + etcd + "/etcd"] =
      "\tlinux-vdso.so.1 (0x00007f8ba617e000)\n\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f)\n"
      "\t/lib64/ld-linux-x86-64.so.2 (0x00007f8ba6180000)\n";
  auto specs = ControlPlaneImageSpecs(runner, {k8s, etcd, "registry.k8s.io", scratch});
  ASSERT_TRUE(specs.ok()) << specs.status().message();
  ASSERT_EQ(specs->size(), 4u);
  EXPECT_EQ((*specs)[0].ref, "registry.k8s.io/etcd:3.4.23-0");
  EXPECT_EQ((*specs)[1].ref, "registry.k8s.io/kube-apiserver:v1.28.7");
  EXPECT_EQ((*specs)[2].ref, "registry.k8s.io/kube-controller-manager:v1.28.7");
  EXPECT_EQ((*specs)[3].ref, "registry.k8s.io/kube-scheduler:v1.28.7");
  EXPECT_EQ(ReadFile(scratch + "/kube-controller-manager"), "controller-manager bytes");
  std::map<std::string, std::string> etcd_files;
  for (const ImageFile& f : (*specs)[0].files) etcd_files[f.path] = f.source;
  EXPECT_EQ(etcd_files["/usr/local/bin/etcd"], etcd + "/etcd");
  EXPECT_EQ(etcd_files["/lib/x86_64-linux-gnu/libc.so.6"], "/lib/x86_64-linux-gnu/libc.so.6");
  EXPECT_EQ(etcd_files["/lib64/ld-linux-x86-64.so.2"], "/lib64/ld-linux-x86-64.so.2");
  EXPECT_EQ(etcd_files.count("/etc/passwd"), 1u);

  runner.replies[k8s + "/kube-apiserver --version"] = "something else";
  auto bad = ControlPlaneImageSpecs(runner, {k8s, etcd, "registry.k8s.io", scratch});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("kube-apiserver"), std::string::npos) << bad.status().message();
  auto missing = ControlPlaneImageSpecs(runner, {dir_ + "/nowhere", etcd, "registry.k8s.io", scratch});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find(dir_ + "/nowhere/kube-apiserver.gz"), std::string::npos);
}

TEST_F(ImageTest, ImportRunsCtrInTheCriNamespace) {
  FakeRunner runner;
  runner.replies["ctr --address /run/n1/containerd.sock --namespace k8s.io images import /s/images/pause.tar"] = "";
  EXPECT_TRUE(ImportImageArchive(runner, "/run/n1/containerd.sock", "/s/images/pause.tar").ok());
  Status failed = ImportImageArchive(runner, "/run/n2/containerd.sock", "/s/images/pause.tar");
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.message().find("/run/n2/containerd.sock"), std::string::npos) << failed.message();
}

TEST(ProcessRunnerTest, CapturesStdoutAndReportsFailures) {
  ProcessRunner runner;
  auto ok = runner.Run({"sh", "-c", "echo out; echo err >&2"});
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(*ok, "out\n");
  auto bad = runner.Run({"sh", "-c", "echo broken >&2; exit 3"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("exit status 3"), std::string::npos) << bad.status().message();
  EXPECT_NE(bad.status().message().find("broken"), std::string::npos);
  EXPECT_FALSE(runner.Run({"/nonexistent/binary"}).ok());
}

}  // namespace
}  // namespace kubenode::cluster
