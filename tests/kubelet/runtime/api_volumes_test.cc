#include "kubelet/runtime/api_volumes.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "api/decode.h"
#include "base/fake_clock.h"
#include "tests/kubelet/runtime/fake_api_objects.h"

namespace kubenode::kubelet {
namespace {

namespace fs = std::filesystem;

api::Pod PodFrom(const std::string& yaml) {
  auto decoded = api::DecodeManifests(yaml, "pod.yaml");
  EXPECT_TRUE(decoded.ok()) << decoded.status().message();
  return *(*decoded)[0].pod();
}

// What the ServiceAccount admission plugin adds to every API pod.
constexpr char kApiAccessPod[] = R"(apiVersion: v1
kind: Pod
metadata: {name: web, namespace: team, uid: u-1, labels: {app: web, tier: front}}
spec:
  serviceAccountName: builder
  containers: [{name: c, image: busybox, resources: {limits: {memory: 64Mi}}}]
  volumes:
  - name: kube-api-access-abcde
    projected:
      defaultMode: 420
      sources:
      - serviceAccountToken: {expirationSeconds: 3607, path: token}
      - configMap:
          name: kube-root-ca.crt
          items: [{key: ca.crt, path: ca.crt}]
      - downwardAPI:
          items: [{path: namespace, fieldRef: {apiVersion: v1, fieldPath: metadata.namespace}}]
  - name: cfg
    configMap: {name: app-config, items: [{key: mode, path: conf/mode, mode: 0600}]}
  - name: creds
    secret: {secretName: app-secret}
  - name: info
    downwardAPI:
      items:
      - {path: labels, fieldRef: {fieldPath: metadata.labels}}
      - {path: mem, resourceFieldRef: {containerName: c, resource: limits.memory}}
  - name: maybe
    configMap: {name: absent, optional: true}
)";

class ApiVolumesTest : public ::testing::Test {
 protected:
  ApiVolumesTest() : writer_(objects_, clock_), pod_(PodFrom(kApiAccessPod)) {
    objects_.config_maps["team/kube-root-ca.crt"] = {{"ca.crt", "CA PEM"}};
    objects_.config_maps["team/app-config"] = {{"mode", "fast"}, {"other", "x"}};
    objects_.secrets["team/app-secret"] = {{"password", "s3cret"}};
    objects_.now = clock_.WallNow();
    char tmpl[] = "/tmp/api-volumes-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  ~ApiVolumesTest() override { fs::remove_all(dir_); }

  static std::string Read(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  FakeApiObjects objects_;
  FakeClock clock_;
  ApiVolumeWriter writer_;
  api::Pod pod_;
  std::string dir_;
};

TEST_F(ApiVolumesTest, TheServiceAccountVolumeHasTokenCaAndNamespace) {
  auto payload = writer_.Payload(pod_, "kube-api-access-abcde");
  ASSERT_TRUE(payload.ok()) << payload.status().message();
  EXPECT_EQ(payload->at("token").content, "token-1");
  EXPECT_EQ(payload->at("token").mode, 0644);
  EXPECT_EQ(payload->at("ca.crt").content, "CA PEM");
  EXPECT_EQ(payload->at("namespace").content, "team");
  ASSERT_EQ(objects_.token_requests.size(), 1u);
  EXPECT_EQ(objects_.token_requests[0].service_account, "builder");
  EXPECT_EQ(objects_.token_requests[0].expiration_seconds, 3607);
  EXPECT_EQ(objects_.token_requests[0].pod_uid, "u-1");
}

TEST_F(ApiVolumesTest, TokensAreReusedUntil80PercentOfTheirLifetime) {
  ASSERT_TRUE(writer_.Payload(pod_, "kube-api-access-abcde").ok());
  clock_.Advance(std::chrono::minutes(47));
  ASSERT_TRUE(writer_.Payload(pod_, "kube-api-access-abcde").ok());
  EXPECT_EQ(objects_.token_requests.size(), 1u);
  clock_.Advance(std::chrono::minutes(2));  // past 48 min of 60
  objects_.now = clock_.WallNow();
  auto payload = writer_.Payload(pod_, "kube-api-access-abcde");
  ASSERT_TRUE(payload.ok());
  EXPECT_EQ(objects_.token_requests.size(), 2u);
  EXPECT_EQ(payload->at("token").content, "token-2");
}

TEST_F(ApiVolumesTest, ItemsModesSecretsDownwardAndOptional) {
  auto cfg = writer_.Payload(pod_, "cfg");
  ASSERT_TRUE(cfg.ok());
  EXPECT_EQ(cfg->size(), 1u);
  EXPECT_EQ(cfg->at("conf/mode"), (VolumeFile{"fast", 0600}));
  auto creds = writer_.Payload(pod_, "creds");
  ASSERT_TRUE(creds.ok());
  EXPECT_EQ(creds->at("password").content, "s3cret");
  auto info = writer_.Payload(pod_, "info");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->at("labels").content, "app=\"web\"\ntier=\"front\"");
  EXPECT_EQ(info->at("mem").content, "67108864");
  auto maybe = writer_.Payload(pod_, "maybe");
  ASSERT_TRUE(maybe.ok());
  EXPECT_TRUE(maybe->empty());
}

TEST_F(ApiVolumesTest, MissingObjectsAndKeysAreNamed) {
  objects_.config_maps.erase("team/app-config");
  EXPECT_EQ(writer_.Payload(pod_, "cfg").status().message(), "configmap \"app-config\" not found");
  objects_.config_maps["team/app-config"] = {{"other", "x"}};
  EXPECT_EQ(writer_.Payload(pod_, "cfg").status().message(), "configmap references non-existent config key: mode");
}

TEST_F(ApiVolumesTest, WritesAtomicallyThroughDataAndOnlyWhenChanged) {
  ASSERT_TRUE(WriteAtomically(dir_, {{"a", {"1", 0644}}, {"sub/b", {"2", 0600}}}, "1").ok());
  EXPECT_EQ(Read(fs::path(dir_) / "a"), "1");
  EXPECT_EQ(Read(fs::path(dir_) / "sub/b"), "2");
  EXPECT_TRUE(fs::is_symlink(fs::path(dir_) / "a"));
  EXPECT_EQ(fs::read_symlink(fs::path(dir_) / "..data").string(), "..volume_1");
  ASSERT_TRUE(WriteAtomically(dir_, {{"a", {"1", 0644}}, {"sub/b", {"2", 0600}}}, "2").ok());
  EXPECT_EQ(fs::read_symlink(fs::path(dir_) / "..data").string(), "..volume_1") << "rewritten without a change";
  ASSERT_TRUE(WriteAtomically(dir_, {{"a", {"changed", 0644}}}, "3").ok());
  EXPECT_EQ(Read(fs::path(dir_) / "a"), "changed");
  EXPECT_FALSE(fs::exists(fs::path(dir_) / "sub"));
  EXPECT_FALSE(fs::exists(fs::path(dir_) / "..volume_1"));
}

}  // namespace
}  // namespace kubenode::kubelet
