// What API pods get from the cluster beside their own spec (upstream kubelet v1.28): the Service
// environment variables — KUBERNETES_SERVICE_HOST/PORT always, the namespace's Services (and their Docker
// link variables) when enableServiceLinks — read by the kubelet's own Service informer (the proxy is off);
// and imagePullSecrets as the registry credentials of the pull, against a registry that requires them.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cri/grpc_runtime_service.h"
#include "tests/support/api_node_fixture.h"

namespace kubenode::testing {
namespace {

constexpr char kNode[] = "kubenode-api-env";

using ApiEnvTest = ApiNodeFixture<kNode>;

TEST_F(ApiEnvTest, ServiceVariablesAsUpstreamWithAndWithoutServiceLinks) {
  WaitForDefaultServiceAccount();
  const std::string service = control_plane_->dir() + "/mysvc.yaml";
  std::ofstream(service) << R"(apiVersion: v1
kind: Service
metadata: {name: mysvc}
spec:
  selector: {app: none}
  ports: [{name: http, port: 80, targetPort: 8080}]
)";
  CommandResult created = control_plane_->Kubectl("apply -f " + service);
  ASSERT_EQ(created.exit_code, 0) << created.output;
  const std::string cluster_ip = control_plane_->Kubectl("get service mysvc -o jsonpath={.spec.clusterIP}").output;
  ASSERT_FALSE(cluster_ip.empty());

  const std::string pods = control_plane_->dir() + "/env-pods.yaml";
  std::ofstream(pods) << R"yaml(apiVersion: v1
kind: Pod
metadata: {name: links}
spec:
  automountServiceAccountToken: false
  terminationGracePeriodSeconds: 2
  containers:
  - name: main
    image: busybox:latest
    env: [{name: VIA, value: "$(MYSVC_SERVICE_HOST):$(MYSVC_SERVICE_PORT_HTTP)"}]
    command: [sh, -c, 'env | sort; echo END; trap "exit 0" TERM; while true; do sleep 1; done']
---
apiVersion: v1
kind: Pod
metadata: {name: nolinks}
spec:
  enableServiceLinks: false
  automountServiceAccountToken: false
  terminationGracePeriodSeconds: 2
  containers:
  - name: main
    image: busybox:latest
    command: [sh, -c, 'env | sort; echo END; trap "exit 0" TERM; while true; do sleep 1; done']
)yaml";
  CommandResult apply = control_plane_->Kubectl("apply -f " + pods);
  ASSERT_EQ(apply.exit_code, 0) << apply.output;
  std::map<std::string, std::string> logs;
  for (const std::string name : {"links", "nolinks"}) {
    ASSERT_TRUE(Eventually(
        [&] {
          logs[name] = Cli("logs " + name).output;
          return logs[name].find("END\n") != std::string::npos;
        },
        kPodTimeout, 1s))
        << logs[name] << "\n" << Cli("get pods").output << control_plane_->Kubectl("get events").output;
  }
  for (const std::string name : {"links", "nolinks"}) {
    EXPECT_NE(logs[name].find("\nKUBERNETES_SERVICE_HOST=10.96.0.1\n"), std::string::npos) << logs[name];
    EXPECT_NE(logs[name].find("\nKUBERNETES_SERVICE_PORT=443\n"), std::string::npos) << logs[name];
    EXPECT_NE(logs[name].find("\nKUBERNETES_PORT_443_TCP_ADDR=10.96.0.1\n"), std::string::npos) << logs[name];
  }
  const std::string& links = logs["links"];
  EXPECT_NE(links.find("\nMYSVC_SERVICE_HOST=" + cluster_ip + "\n"), std::string::npos) << links;
  EXPECT_NE(links.find("\nMYSVC_SERVICE_PORT=80\n"), std::string::npos) << links;
  EXPECT_NE(links.find("\nMYSVC_SERVICE_PORT_HTTP=80\n"), std::string::npos) << links;
  EXPECT_NE(links.find("\nMYSVC_PORT=tcp://" + cluster_ip + ":80\n"), std::string::npos) << links;
  EXPECT_NE(links.find("\nMYSVC_PORT_80_TCP_PROTO=tcp\n"), std::string::npos) << links;
  EXPECT_NE(links.find("\nVIA=" + cluster_ip + ":80\n"), std::string::npos) << links;
  EXPECT_EQ(logs["nolinks"].find("MYSVC_"), std::string::npos) << logs["nolinks"];

  for (const std::string name : {"links", "nolinks"}) {
    CommandResult del = control_plane_->Kubectl("delete pod " + name + " --timeout=60s");
    EXPECT_EQ(del.exit_code, 0) << del.output;
  }
  control_plane_->Kubectl("delete service mysvc");
}

// The API-mode pod network step (agent/cni_config.h) trusts CRI Status: the harness's containerd, which has
// a CNI config, reports NetworkReady, so kubenode leaves --cni-conf-dir alone there.
TEST(CriNetworkReadyTest, TheHarnessContainerdHasAPodNetwork) {
  cri::GrpcOptions options;
  options.endpoint = RequiredEnv("KUBENODE_CRI_ENDPOINT");
  cri::GrpcRuntimeService runtime(options);
  auto ready = runtime.NetworkReady();
  ASSERT_TRUE(ready.ok()) << ready.status().message();
  EXPECT_TRUE(*ready);
}

// A free TCP port on 127.0.0.1, as the kernel picks one.
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

// A second registry on the harness's storage (it holds library/busybox) that answers only with
// credentials (htpasswd, bcrypt), routed for containerd by a certs.d entry of its own.
class AuthRegistry {
 public:
  AuthRegistry() {
    const std::string test_dir = RequiredEnv("KUBENODE_TEST_DIR");
    port_ = FreePort();
    host_ = "127.0.0.1:" + std::to_string(port_);
    dir_ = test_dir + "/auth-registry";
    certs_ = test_dir + "/certs.d/" + host_;
    std::filesystem::create_directories(dir_);
    CommandResult hash = RunCommand(
        "python3 -W ignore -c \"import crypt; print(crypt.crypt('s3cret', crypt.mksalt(crypt.METHOD_BLOWFISH)))\"");
    if (hash.exit_code != 0 || hash.output.rfind("$2", 0) != 0) {
      error_ = "bcrypt hash: " + hash.output;
      return;
    }
    std::ofstream(dir_ + "/htpasswd") << "puller:" << hash.output;
    std::ofstream(dir_ + "/config.yml") << "version: 0.1\nlog: {level: warn, accesslog: {disabled: true}}\n"
                                        << "storage: {filesystem: {rootdirectory: " << test_dir
                                        << "/registry/data}, maintenance: {readonly: {enabled: true}}}\n"
                                        << "auth: {htpasswd: {realm: kubenode, path: " << dir_ << "/htpasswd}}\n"
                                        << "http: {addr: \"" << host_ << "\", secret: kubenode-auth}\n";
    CommandResult started = RunCommand("setsid docker-registry serve " + dir_ + "/config.yml < /dev/null > " + dir_ +
                                       "/registry.log 2>&1 & echo $!");
    pid_ = std::atoi(started.output.c_str());
    const bool up = Eventually(
        [&] {
          return RunCommand("curl -s -o /dev/null -w '%{http_code}' http://" + host_ + "/v2/").output == "401";
        },
        std::chrono::seconds(10), std::chrono::milliseconds(100));
    if (!up) {
      error_ = "registry did not answer 401 on " + host_ + ": " + RunCommand("cat " + dir_ + "/registry.log").output;
      return;
    }
    std::filesystem::create_directories(certs_);
    std::ofstream(certs_ + "/hosts.toml") << "server = \"http://" << host_ << "\"\n\n[host.\"http://" << host_
                                          << "\"]\n  capabilities = [\"pull\", \"resolve\"]\n";
  }
  ~AuthRegistry() {
    if (pid_ > 0) kill(pid_, SIGTERM);
    std::error_code ec;
    std::filesystem::remove_all(certs_, ec);
  }
  const std::string& error() const { return error_; }
  const std::string& host() const { return host_; }

 private:
  int port_ = -1;
  pid_t pid_ = -1;
  std::string host_, dir_, certs_, error_;
};

std::string WaitingReason(const nlohmann::json& pod) {
  if (!pod.is_object() || !pod["status"].contains("containerStatuses")) return "";
  return pod["status"]["containerStatuses"][0]["state"].value("waiting", nlohmann::json::object()).value("reason", "");
}

TEST_F(ApiEnvTest, ImagePullSecretsAreTheCredentialsOfThePull) {
  AuthRegistry registry;
  ASSERT_EQ(registry.error(), "");
  WaitForDefaultServiceAccount();
  const std::string image = registry.host() + "/library/busybox:latest";
  const std::string config = nlohmann::json{{"auths", {{registry.host(), {{"username", "puller"}, {"password", "s3cret"}}}}}}.dump();
  const std::string manifest = control_plane_->dir() + "/pull-secrets.yaml";
  auto pod = [&](const std::string& name, const std::string& secrets) {
    return "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name + "}\nspec:\n  automountServiceAccountToken: false\n" +
           "  terminationGracePeriodSeconds: 2\n" + secrets + "  containers:\n  - name: main\n    image: " + image +
           "\n    imagePullPolicy: Always\n    command: [sh, -c, 'trap \"exit 0\" TERM; while true; do sleep 1; done']\n";
  };
  std::ofstream(manifest) << "apiVersion: v1\nkind: Secret\nmetadata: {name: regcred}\n"
                          << "type: kubernetes.io/dockerconfigjson\nstringData:\n  .dockerconfigjson: '" << config
                          << "'\n---\n"
                          << pod("anonymous", "") << "---\n"
                          << pod("authenticated", "  imagePullSecrets: [{name: regcred}, {name: absent}]\n");
  CommandResult apply = control_plane_->Kubectl("apply -f " + manifest);
  ASSERT_EQ(apply.exit_code, 0) << apply.output;

  nlohmann::json anonymous, authenticated;
  ASSERT_TRUE(Eventually(
      [&] {
        anonymous = KubectlJson("get pod anonymous");
        const std::string reason = WaitingReason(anonymous);
        return reason == "ErrImagePull" || reason == "ImagePullBackOff";
      },
      kPodTimeout, 1s))
      << anonymous.dump(1) << control_plane_->Kubectl("get events").output;
  ASSERT_TRUE(Eventually(
      [&] {
        authenticated = KubectlJson("get pod authenticated");
        return authenticated.is_object() && authenticated["status"].value("phase", "") == "Running";
      },
      kPodTimeout, 1s))
      << authenticated.dump(1) << control_plane_->Kubectl("get events").output;
  const std::string events = control_plane_->Kubectl("get events --field-selector involvedObject.name=authenticated").output;
  EXPECT_NE(events.find("Unable to retrieve some image pull secrets (absent); attempting to pull the image may not "
                        "succeed."),
            std::string::npos)
      << events;
  for (const std::string name : {"anonymous", "authenticated"}) {
    CommandResult del = control_plane_->Kubectl("delete pod " + name + " --timeout=60s");
    EXPECT_EQ(del.exit_code, 0) << del.output;
  }
  control_plane_->Kubectl("delete secret regcred");
}

}  // namespace
}  // namespace kubenode::testing
