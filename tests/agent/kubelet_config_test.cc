#include "agent/kubelet_config.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include "base/log.h"

namespace kubenode::agent {
namespace {

using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;

Duration Parsed(std::string_view text) {
  Result<Duration> d = ParseGoDuration(text);
  EXPECT_TRUE(d.ok()) << text << ": " << d.status().message();
  return d.ok() ? *d : Duration(-12345);
}

std::string ParseError(std::string_view text) {
  Result<Duration> d = ParseGoDuration(text);
  EXPECT_FALSE(d.ok()) << text << " parsed as " << (d.ok() ? d->count() : 0);
  return d.status().message();
}

TEST(ParseGoDurationTest, AcceptsGoSyntax) {
  EXPECT_EQ(Parsed("20s"), seconds(20));
  EXPECT_EQ(Parsed("1m"), minutes(1));
  EXPECT_EQ(Parsed("1m30s"), seconds(90));
  EXPECT_EQ(Parsed("2h"), hours(2));
  EXPECT_EQ(Parsed("2h45m"), minutes(165));
  EXPECT_EQ(Parsed("1h0m0s"), hours(1));
  EXPECT_EQ(Parsed("300ms"), milliseconds(300));
  EXPECT_EQ(Parsed("1.5h"), minutes(90));
  EXPECT_EQ(Parsed(".5s"), milliseconds(500));
  EXPECT_EQ(Parsed("1.s"), seconds(1));
  EXPECT_EQ(Parsed("10us"), microseconds(10));
  EXPECT_EQ(Parsed("10\xc2\xb5s"), microseconds(10));  // µs
  EXPECT_EQ(Parsed("10\xce\xbcs"), microseconds(10));  // μs
  EXPECT_EQ(Parsed("7ns"), nanoseconds(7));
  EXPECT_EQ(Parsed("1h1m1s1ms1us1ns"), hours(1) + minutes(1) + seconds(1) + milliseconds(1) + microseconds(1) + nanoseconds(1));
  EXPECT_EQ(Parsed("-1.5h"), -minutes(90));
  EXPECT_EQ(Parsed("+5s"), seconds(5));
  EXPECT_EQ(Parsed("0"), Duration(0));
  EXPECT_EQ(Parsed("-0"), Duration(0));
  EXPECT_EQ(Parsed("0s"), Duration(0));
  EXPECT_EQ(Parsed("1.0000000001s"), seconds(1));  // beyond nanoseconds is dropped
  EXPECT_EQ(Parsed("9223372036854775807ns"), Duration(INT64_MAX));
  EXPECT_EQ(Parsed("-9223372036854775808ns"), Duration(INT64_MIN));
}

TEST(ParseGoDurationTest, RejectsWhatGoRejects) {
  EXPECT_EQ(ParseError(""), R"(invalid duration "")");
  EXPECT_EQ(ParseError("-"), R"(invalid duration "-")");
  EXPECT_EQ(ParseError("s"), R"(invalid duration "s")");
  EXPECT_EQ(ParseError(".s"), R"(invalid duration ".s")");
  EXPECT_EQ(ParseError("1h."), R"(invalid duration "1h.")");
  EXPECT_EQ(ParseError("1h-2m"), R"(unknown unit "h-" in duration "1h-2m")");  // a unit runs to a digit or dot
  EXPECT_EQ(ParseError("10"), R"(missing unit in duration "10")");
  EXPECT_EQ(ParseError("1m30"), R"(missing unit in duration "1m30")");
  EXPECT_EQ(ParseError("1d"), R"(unknown unit "d" in duration "1d")");
  EXPECT_EQ(ParseError("1 s"), R"(unknown unit " s" in duration "1 s")");
  EXPECT_EQ(ParseError("1S"), R"(unknown unit "S" in duration "1S")");
  EXPECT_EQ(ParseError("9223372036854775808ns"), R"(invalid duration "9223372036854775808ns")");
  EXPECT_EQ(ParseError("3000000h"), R"(invalid duration "3000000h")");
  EXPECT_EQ(ParseError("99999999999999999999s"), R"(invalid duration "99999999999999999999s")");
}

TEST(FormatGoDurationTest, MatchesGoString) {
  EXPECT_EQ(FormatGoDuration(Duration(0)), "0s");
  EXPECT_EQ(FormatGoDuration(nanoseconds(7)), "7ns");
  EXPECT_EQ(FormatGoDuration(microseconds(1500)), "1.5ms");
  EXPECT_EQ(FormatGoDuration(nanoseconds(1200)), "1.2\xc2\xb5s");
  EXPECT_EQ(FormatGoDuration(milliseconds(1500)), "1.5s");
  EXPECT_EQ(FormatGoDuration(seconds(90)), "1m30s");
  EXPECT_EQ(FormatGoDuration(minutes(1)), "1m0s");
  EXPECT_EQ(FormatGoDuration(hours(2)), "2h0m0s");
  EXPECT_EQ(FormatGoDuration(-seconds(1)), "-1s");
}

TEST(KubeletConfigTest, MinimalFileGetsDefaults) {
  Result<KubeletConfig> c = ParseKubeletConfig(
      "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n", "kubelet.yaml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->static_pod_path, "/etc/kubernetes/manifests");
  EXPECT_EQ(c->pod_logs_dir, "/var/log/pods");
  EXPECT_EQ(c->sync_frequency, minutes(1));
  EXPECT_EQ(c->file_check_frequency, seconds(20));
  EXPECT_EQ(c->container_runtime_endpoint, "unix:///run/containerd/containerd.sock");
  EXPECT_EQ(c->image_service_endpoint, "");
  EXPECT_EQ(c->runtime_request_timeout, minutes(2));
  EXPECT_TRUE(c->serialize_image_pulls);
  EXPECT_FALSE(c->max_parallel_image_pulls.has_value());
  EXPECT_EQ(c->max_pods, 110);
  EXPECT_EQ(c->pod_pids_limit, -1);
  EXPECT_EQ(c->healthz_bind_address, "127.0.0.1");
  EXPECT_EQ(c->healthz_port, 10248);
  EXPECT_EQ(c->read_only_port, 0);
  EXPECT_EQ(c->node_status_update_frequency, seconds(10));
  EXPECT_EQ(c->node_status_report_frequency, minutes(5));
  EXPECT_EQ(c->shutdown_grace_period, Duration(0));
  EXPECT_EQ(c->resolv_conf, "/etc/resolv.conf");
  EXPECT_EQ(c->cgroup_driver, "cgroupfs");
  EXPECT_EQ(c->root_dir, "/var/lib/kubelet");
  EXPECT_EQ(c->node_ip, "");
  EXPECT_EQ(c->hostname_override, "");
}

TEST(KubeletConfigTest, ReadsModelledFields) {
  Result<KubeletConfig> c = ParseKubeletConfig(R"(apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
staticPodPath: /srv/pods
podLogsDir: /srv/logs
syncFrequency: 1m30s
fileCheckFrequency: "5s"
containerRuntimeEndpoint: unix:///tmp/containerd.sock
imageServiceEndpoint: unix:///tmp/images.sock
runtimeRequestTimeout: 10m
serializeImagePulls: false
maxParallelImagePulls: 3
maxPods: 20
podPidsLimit: -1
healthzBindAddress: 0.0.0.0
healthzPort: 0
readOnlyPort: 0
shutdownGracePeriod: 0s
resolvConf: /etc/resolv.conf
cgroupDriver: cgroupfs
)",
                                               "kubelet.yaml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->static_pod_path, "/srv/pods");
  EXPECT_EQ(c->pod_logs_dir, "/srv/logs");
  EXPECT_EQ(c->sync_frequency, seconds(90));
  EXPECT_EQ(c->file_check_frequency, seconds(5));
  EXPECT_EQ(c->container_runtime_endpoint, "unix:///tmp/containerd.sock");
  EXPECT_EQ(c->image_service_endpoint, "unix:///tmp/images.sock");
  EXPECT_EQ(c->runtime_request_timeout, minutes(10));
  EXPECT_FALSE(c->serialize_image_pulls);
  EXPECT_EQ(c->max_parallel_image_pulls, 3);
  EXPECT_EQ(c->max_pods, 20);
  EXPECT_EQ(c->pod_pids_limit, -1);
  EXPECT_EQ(c->healthz_bind_address, "0.0.0.0");
  EXPECT_EQ(c->healthz_port, 0);
  EXPECT_EQ(c->read_only_port, 0);
  EXPECT_EQ(c->resolv_conf, "/etc/resolv.conf");
  EXPECT_EQ(c->cgroup_driver, "cgroupfs");
}

// Modelled fields whose other values kubenode cannot honour are refused by name: no accepted setting
// silently does nothing.
TEST(KubeletConfigTest, SettingsKubenodeCannotHonourAreRefusedByName) {
  Result<KubeletConfig> c = ParseKubeletConfig(R"(apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
podPidsLimit: 4096
readOnlyPort: 10255
nodeStatusUpdateFrequency: 4s
shutdownGracePeriod: 30s
shutdownGracePeriodCriticalPods: 10s
clusterDomain: cluster.local
clusterDNS: [10.96.0.10, "fd00::10"]
resolvConf: ""
)",
                                               "kubelet.yaml");
  ASSERT_FALSE(c.ok());
  const std::string& m = c.status().message();
  EXPECT_THAT(m, ::testing::HasSubstr("kubelet.yaml: line 3: podPidsLimit: Forbidden: not supported by kubenode"));
  EXPECT_THAT(m, ::testing::HasSubstr("kubelet.yaml: line 4: readOnlyPort: Forbidden: not supported by kubenode"));
  // API-server mode reports node status with these now.
  EXPECT_THAT(m, ::testing::Not(::testing::HasSubstr("nodeStatusUpdateFrequency")));
  EXPECT_THAT(m, ::testing::HasSubstr("line 6: shutdownGracePeriod: Forbidden"));
  EXPECT_THAT(m, ::testing::HasSubstr("line 7: shutdownGracePeriodCriticalPods: Forbidden"));
  // Pod DNS honours these now (kubelet/runtime/dns.h).
  EXPECT_THAT(m, ::testing::Not(::testing::HasSubstr("clusterDomain")));
  EXPECT_THAT(m, ::testing::Not(::testing::HasSubstr("clusterDNS")));
  EXPECT_THAT(m, ::testing::Not(::testing::HasSubstr("resolvConf")));
}

TEST(KubeletConfigTest, CgroupSettings) {
  Result<KubeletConfig> d = ParseKubeletConfig("apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n", "k.yaml");
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_TRUE(d->cgroups_per_qos);
  EXPECT_EQ(d->cgroup_root, "/");
  Result<KubeletConfig> c = ParseKubeletConfig(R"(apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: systemd
cgroupsPerQOS: false
cgroupRoot: /kn
)",
                                               "k.yaml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->cgroup_driver, "systemd");
  EXPECT_FALSE(c->cgroups_per_qos);
  EXPECT_EQ(c->cgroup_root, "/kn");
  Result<KubeletConfig> bad = ParseKubeletConfig(
      "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupRoot: kn\n", "k.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), ::testing::HasSubstr("k.yaml: line 3: cgroupRoot: Invalid value: \"kn\""));
}

TEST(KubeletConfigTest, ZeroValuesMeanDefaultsLikeUpstream) {
  Result<KubeletConfig> c = ParseKubeletConfig(R"(apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
syncFrequency: 0s
maxPods: 0
staticPodPath: ""
maxParallelImagePulls: 5
)",
                                               "kubelet.yaml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->sync_frequency, minutes(1));
  EXPECT_EQ(c->max_pods, 110);
  EXPECT_EQ(c->static_pod_path, "/etc/kubernetes/manifests");
  // maxParallelImagePulls >= 2 without serializeImagePulls turns serialization off.
  EXPECT_FALSE(c->serialize_image_pulls);
}

TEST(KubeletConfigTest, UnknownFieldIsAnErrorWithLine) {
  Result<KubeletConfig> c = ParseKubeletConfig(R"(apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
maxPods: 10
maxPod: 10
hostnameOverride: node-1
)",
                                               "/etc/kubenode/kubelet.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "/etc/kubenode/kubelet.yaml: line 4: maxPod: unknown field \"maxPod\"\n"
            "/etc/kubenode/kubelet.yaml: line 5: hostnameOverride: unknown field \"hostnameOverride\"");
}

TEST(KubeletConfigTest, KnownUpstreamFieldsAreIgnoredWithADebugLog) {
  std::ostringstream logged;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(logged);
  sink->set_pattern("%n %l %v");
  ConfigureLogging({sink}, spdlog::level::debug);
  Result<KubeletConfig> c = ParseKubeletConfig(R"(apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
eventRecordQPS: 5
eventBurst: 10
evictionHard:
  memory.available: 100Mi
featureGates: {SomeGate: true}
maxPods: 12
)",
                                               "kubelet.yaml");
  ConfigureLogging({std::make_shared<spdlog::sinks::ostream_sink_mt>(std::cerr)}, spdlog::level::info);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->max_pods, 12);
  EXPECT_EQ(logged.str(),
            "kubelet debug kubelet.yaml: line 3: ignoring eventRecordQPS: kubenode does not implement it\n"
            "kubelet debug kubelet.yaml: line 4: ignoring eventBurst: kubenode does not implement it\n"
            "kubelet debug kubelet.yaml: line 5: ignoring evictionHard: kubenode does not implement it\n"
            "kubelet debug kubelet.yaml: line 7: ignoring featureGates: kubenode does not implement it\n");
}

TEST(KubeletConfigTest, TypeErrorsNameFieldAndLine) {
  Result<KubeletConfig> c = ParseKubeletConfig(R"(apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
syncFrequency: 30
fileCheckFrequency: 20 seconds
maxPods: many
serializeImagePulls: "yes"
clusterDNS: 10.96.0.10
)",
                                               "k.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "k.yaml: line 3: syncFrequency: expected a duration such as \"30s\", got integer 30\n"
            "k.yaml: line 4: fileCheckFrequency: unknown unit \" seconds\" in duration \"20 seconds\"\n"
            "k.yaml: line 5: maxPods: expected an integer, got \"many\"\n"
            "k.yaml: line 6: serializeImagePulls: expected a boolean, got \"yes\"\n"
            "k.yaml: line 7: clusterDNS: expected a sequence, got \"10.96.0.10\"");
}

TEST(KubeletConfigTest, ValidationErrors) {
  Result<KubeletConfig> c = ParseKubeletConfig(R"(apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
syncFrequency: -1s
maxPods: -3
healthzPort: 70000
shutdownGracePeriod: 10s
shutdownGracePeriodCriticalPods: 20s
maxParallelImagePulls: 2
serializeImagePulls: true
clusterDNS: [10.96.0.300]
podLogsDir: logs
cgroupDriver: cgroupv2
)",
                                               "k.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "k.yaml: line 3: syncFrequency: Invalid value: \"-1s\": must be greater than 0\n"
            "k.yaml: line 7: shutdownGracePeriodCriticalPods: Invalid value: \"20s\": must not be greater than "
            "shutdownGracePeriod\n"
            "k.yaml: line 4: maxPods: Invalid value: -3: must not be a negative number\n"
            "k.yaml: line 5: healthzPort: Invalid value: 70000: must be between 1 and 65535, inclusive (0 disables "
            "it)\n"
            "k.yaml: line 8: maxParallelImagePulls: Invalid value: 2: cannot be larger than 1 unless "
            "serializeImagePulls is false\n"
            "k.yaml: line 10: clusterDNS[0]: Invalid value: \"10.96.0.300\": must be a valid IP address\n"
            "k.yaml: line 11: podLogsDir: Invalid value: \"logs\": must be an absolute path\n"
            "k.yaml: line 12: cgroupDriver: Unsupported value: \"cgroupv2\": supported values: \"cgroupfs\", "
            "\"systemd\"");
}

TEST(KubeletConfigTest, ChecksAPIVersionAndKind) {
  Result<KubeletConfig> c = ParseKubeletConfig("apiVersion: kubelet.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\n", "k.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "k.yaml: line 1: apiVersion: Unsupported value: \"kubelet.config.k8s.io/v1alpha1\": supported values: "
            "\"kubelet.config.k8s.io/v1beta1\"\n"
            "k.yaml: line 2: kind: Unsupported value: \"KubeProxyConfiguration\": supported values: "
            "\"KubeletConfiguration\"");

  c = ParseKubeletConfig("maxPods: 3\n", "k.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "k.yaml: line 1: apiVersion: Required value\nk.yaml: line 1: kind: Required value");
}

TEST(KubeletConfigTest, DocumentErrors) {
  EXPECT_EQ(ParseKubeletConfig("", "k.yaml").status().message(),
            "k.yaml: no document: expected a KubeletConfiguration (apiVersion kubelet.config.k8s.io/v1beta1)");
  EXPECT_EQ(ParseKubeletConfig("- a\n", "k.yaml").status().message(),
            "k.yaml: line 1: expected a mapping, got a sequence");
  EXPECT_EQ(ParseKubeletConfig("a: [\n", "k.yaml").status().message().rfind("k.yaml: line 2: invalid YAML: ", 0), 0u);
  EXPECT_EQ(ParseKubeletConfig("apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n---\n"
                               "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n",
                               "k.yaml")
                .status()
                .message(),
            "k.yaml: line 4: a second document: expected only a KubeletConfiguration (apiVersion "
            "kubelet.config.k8s.io/v1beta1)");
}

TEST(KubeletConfigTest, LoadsFromFile) {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("kubenode-kubelet-config-" + std::to_string(getpid()) + ".yaml"))
          .string();
  {
    std::ofstream out(path);
    out << "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nmaxPods: 7\nbogus: 1\n";
  }
  Result<KubeletConfig> c = LoadKubeletConfig(path);
  std::filesystem::remove(path);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), path + ": line 4: bogus: unknown field \"bogus\"");

  c = LoadKubeletConfig(path);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), path + ": cannot read: No such file or directory");
}

}  // namespace
}  // namespace kubenode::agent
