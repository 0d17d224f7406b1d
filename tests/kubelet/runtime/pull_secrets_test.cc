#include "kubelet/runtime/pull_secrets.h"

#include <gtest/gtest.h>

#include "api/decode.h"
#include "base/fake_clock.h"
#include "kubelet/admission/unsupported_fields.h"
#include "kubelet/runtime/image_puller.h"
#include "tests/kubelet/fake_runtime.h"
#include "tests/kubelet/prober/fakes.h"
#include "tests/kubelet/runtime/fake_api_objects.h"

namespace kubenode::kubelet {
namespace {

using nlohmann::json;
using prober::testing::RecordingEventRecorder;
using testing::FakeRuntime;

TEST(PullSecretsTest, RepositoryToPullNormalizesAsDocker) {
  EXPECT_EQ(RepositoryToPull("busybox"), "docker.io/library/busybox");
  EXPECT_EQ(RepositoryToPull("busybox:1.36"), "docker.io/library/busybox");
  EXPECT_EQ(RepositoryToPull("team/app:v1"), "docker.io/team/app");
  EXPECT_EQ(RepositoryToPull("index.docker.io/library/nginx"), "docker.io/library/nginx");
  EXPECT_EQ(RepositoryToPull("docker.io/nginx@sha256:abc"), "docker.io/library/nginx");
  EXPECT_EQ(RepositoryToPull("127.0.0.1:5000/busybox:latest"), "127.0.0.1:5000/busybox");
  EXPECT_EQ(RepositoryToPull("localhost/app"), "localhost/app");
  EXPECT_EQ(RepositoryToPull("quay.io/coreos/etcd:v3@sha256:abc"), "quay.io/coreos/etcd");
}

std::vector<std::string> Users(const std::vector<cri::AuthConfig>& creds) {
  std::vector<std::string> out;
  for (const auto& c : creds) out.push_back(c.username);
  return out;
}

TEST(PullSecretsTest, KeyringMatchesHostPortPathAndGlobsMostSpecificFirst) {
  DockerKeyring keyring;
  ASSERT_TRUE(keyring
                  .Add(json{{"quay.io", {{"username", "quay"}, {"password", "p"}}},
                            {"https://quay.io/coreos", {{"username", "coreos"}, {"password", "p"}}},
                            {"*.gcr.io", {{"username", "gcr"}, {"password", "p"}}},
                            {"127.0.0.1:5000", {{"username", "local"}, {"password", "p"}}},
                            {"http://registry.test/v2/", {{"username", "v2"}, {"password", "p"}}}})
                  .ok());
  EXPECT_EQ(Users(keyring.Lookup("quay.io/coreos/etcd")), (std::vector<std::string>{"coreos", "quay"}));
  EXPECT_EQ(Users(keyring.Lookup("quay.io/other/app")), (std::vector<std::string>{"quay"}));
  EXPECT_EQ(Users(keyring.Lookup("eu.gcr.io/project/app")), (std::vector<std::string>{"gcr"}));
  EXPECT_TRUE(keyring.Lookup("gcr.io/project/app").empty());  // as many host parts as the glob
  EXPECT_EQ(Users(keyring.Lookup("127.0.0.1:5000/busybox")), (std::vector<std::string>{"local"}));
  EXPECT_TRUE(keyring.Lookup("127.0.0.1:5001/busybox").empty());  // the port must be the same
  EXPECT_TRUE(keyring.Lookup("127.0.0.1/busybox").empty());
  EXPECT_EQ(Users(keyring.Lookup("registry.test/app")), (std::vector<std::string>{"v2"}));  // /v2/ is the host
  EXPECT_TRUE(keyring.Lookup("docker.io/library/busybox").empty());
}

TEST(PullSecretsTest, DockerHubAliases) {
  DockerKeyring keyring;
  ASSERT_TRUE(keyring.Add(json{{"https://index.docker.io/v1/", {{"username", "hub"}, {"password", "p"}}}}).ok());
  EXPECT_EQ(Users(keyring.Lookup(RepositoryToPull("busybox"))), (std::vector<std::string>{"hub"}));
  EXPECT_EQ(Users(keyring.Lookup(RepositoryToPull("team/app"))), (std::vector<std::string>{"hub"}));
  EXPECT_TRUE(keyring.Lookup(RepositoryToPull("quay.io/team/app")).empty());
  DockerKeyring short_name;
  ASSERT_TRUE(short_name.Add(json{{"docker.io", {{"username", "io"}, {"password", "p"}}}}).ok());
  EXPECT_EQ(Users(short_name.Lookup(RepositoryToPull("busybox"))), (std::vector<std::string>{"io"}));
}

TEST(PullSecretsTest, AuthFieldIsBase64UserColonPasswordAndWins) {
  DockerKeyring keyring;
  // base64("alice:pa:ss")
  ASSERT_TRUE(keyring.Add(json{{"r.test", {{"username", "bob"}, {"password", "x"}, {"auth", "YWxpY2U6cGE6c3M="}}}}).ok());
  auto creds = keyring.Lookup("r.test/app");
  ASSERT_EQ(creds.size(), 1u);
  EXPECT_EQ(creds[0].username, "alice");
  EXPECT_EQ(creds[0].password, "pa:ss");
  DockerKeyring bad;
  auto st = bad.Add(json{{"r.test", {{"auth", "bm9jb2xvbg=="}}}});  // base64("nocolon")
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("must be formatted as base64(username:password)"), std::string::npos) << st.message();
}

TEST(PullSecretsTest, KeyringFromSecretsByTypeOnly) {
  const std::string config_json = R"({"auths":{"r.test":{"username":"json","password":"p"}}})";
  const std::string dockercfg = R"({"r.test":{"username":"cfg","password":"p"}})";
  auto keyring = MakeDockerKeyring({
      {"a", "kubernetes.io/dockerconfigjson", {{".dockerconfigjson", config_json}}},
      {"b", "kubernetes.io/dockercfg", {{".dockercfg", dockercfg}}},
      {"c", "Opaque", {{".dockerconfigjson", R"({"auths":{"r.test":{"username":"opaque"}}})"}}},
  });
  ASSERT_TRUE(keyring.ok()) << keyring.status().message();
  EXPECT_EQ(Users(keyring->Lookup("r.test/app")), (std::vector<std::string>{"json", "cfg"}));
  auto broken = MakeDockerKeyring({{"d", "kubernetes.io/dockerconfigjson", {{".dockerconfigjson", "{not json"}}}});
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.status().message().find("secret \"d\""), std::string::npos);
}

api::Pod PodWithPullSecrets() {
  auto decoded = api::DecodeManifests(R"yaml(apiVersion: v1
kind: Pod
metadata: {name: web, namespace: team, uid: u-1}
spec:
  imagePullSecrets: [{name: regcred}, {name: missing}, {name: gone}]
  containers: [{name: c, image: "r.test/app:v1"}]
)yaml",
                                      "pod.yaml");
  EXPECT_TRUE(decoded.ok()) << decoded.status().message();
  return *(*decoded)[0].pod();
}

TEST(PullSecretsTest, ImagePullSecretsAreNoLongerAnUnsupportedField) {
  for (const auto& field : admission::FindUnsupportedFields(PodWithPullSecrets())) {
    EXPECT_EQ(field.path.find("imagePullSecrets"), std::string::npos) << field.path;
  }
}

TEST(PullSecretsTest, MissingSecretsAreOneWarningEventAndThePullGoesOn) {
  FakeApiObjects objects;
  objects.secrets["team/regcred"] = {{".dockerconfigjson", R"({"auths":{"r.test":{"username":"u","password":"p"}}})"}};
  objects.secret_types["team/regcred"] = "kubernetes.io/dockerconfigjson";
  RecordingEventRecorder events;
  auto secrets = PullSecretsForPod(PodWithPullSecrets(), &objects, events);
  ASSERT_EQ(secrets.size(), 1u);
  EXPECT_EQ(secrets[0].name, "regcred");
  ASSERT_EQ(events.events().size(), 1u);
  EXPECT_EQ(events.events()[0].type, EventType::kWarning);
  EXPECT_EQ(events.events()[0].reason, "FailedToRetrieveImagePullSecret");
  EXPECT_EQ(events.events()[0].message,
            "Unable to retrieve some image pull secrets (missing, gone); attempting to pull the image may not succeed.");
}

TEST(PullSecretsTest, PullerSendsTheCredentialsAndTriesEachMatch) {
  FakeClock clock;
  FakeRuntime runtime(clock);
  RecordingEventRecorder events;
  Backoff backoff(clock, std::chrono::seconds(10), std::chrono::seconds(300));
  ImagePuller puller(runtime, events, clock, backoff);
  const api::Pod pod = PodWithPullSecrets();
  runtime.RequirePullCredentials("r.test/app:v1", "right", "pw");

  // Without secrets: anonymous, refused.
  auto anonymous = puller.EnsureImage(pod, pod.spec.containers[0], {}, {}, {});
  EXPECT_EQ(anonymous.reason, "ErrImagePull");
  EXPECT_NE(anonymous.message.find("401 Unauthorized"), std::string::npos) << anonymous.message;

  // Two matching credentials, the more specific (wrong) one first: both tried, the second pulls.
  const std::string config = R"({"auths":{"r.test":{"username":"right","password":"pw"},
                                          "r.test/app":{"username":"wrong","password":"pw"}}})";
  std::vector<SecretObject> secrets = {{"regcred", "kubernetes.io/dockerconfigjson", {{".dockerconfigjson", config}}}};
  FakeRuntime runtime2(clock);
  runtime2.RequirePullCredentials("r.test/app:v1", "right", "pw");
  Backoff backoff2(clock, std::chrono::seconds(10), std::chrono::seconds(300));
  ImagePuller puller2(runtime2, events, clock, backoff2);
  auto pulled = puller2.EnsureImage(pod, pod.spec.containers[0], {}, {}, secrets);
  EXPECT_TRUE(pulled.ok()) << pulled.message;
  std::vector<std::string> pulls;
  for (const auto& call : runtime2.Calls()) {
    if (call.rfind("PullImage", 0) == 0) pulls.push_back(call);
  }
  EXPECT_EQ(pulls, (std::vector<std::string>{"PullImage r.test/app:v1 as wrong", "PullImage r.test/app:v1 as right"}));

  // Only wrong ones: the error names every attempt.
  FakeRuntime runtime3(clock);
  runtime3.RequirePullCredentials("r.test/app:v1", "other", "pw");
  Backoff backoff3(clock, std::chrono::seconds(10), std::chrono::seconds(300));
  ImagePuller puller3(runtime3, events, clock, backoff3);
  auto failed = puller3.EnsureImage(pod, pod.spec.containers[0], {}, {}, secrets);
  EXPECT_EQ(failed.reason, "ErrImagePull");
  EXPECT_EQ(failed.message.front(), '[') << failed.message;
}

}  // namespace
}  // namespace kubenode::kubelet
