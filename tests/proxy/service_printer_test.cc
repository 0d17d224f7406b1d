#include "proxy/service_printer.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/fake_clock.h"
#include "tests/proxy/test_objects.h"

namespace kubenode::proxy {
namespace {

using namespace std::chrono_literals;

class ServicePrinterTest : public ::testing::Test {
 protected:
  ServiceRecord Hello(std::chrono::seconds age = 5min) {
    api::Service s = testing::HelloService();
    s.spec.cluster_ip = "10.96.12.34";
    return {s, clock_.WallNow() - age};
  }

  static api::EndpointSlice HelloSlice(std::vector<std::pair<std::string, bool>> endpoints) {
    api::EndpointSlice slice;
    slice.metadata.name = "hello-service-x7k2p";
    slice.metadata.labels[api::kServiceNameLabel] = "hello-service";
    slice.ports = {{"", api::Protocol::kTCP, 80}};
    for (const auto& [ip, ready] : endpoints) {
      api::Endpoint e;
      e.addresses = {ip};
      e.conditions.ready = ready;
      slice.endpoints.push_back(e);
    }
    return slice;
  }

  FakeClock clock_;
};

TEST_F(ServicePrinterTest, GetReferenceService) {
  EXPECT_EQ(FormatServices({Hello()}, {}, clock_),
            "NAME            TYPE       CLUSTER-IP    EXTERNAL-IP   PORT(S)        AGE\n"
            "hello-service   NodePort   10.96.12.34   <none>        80:30001/TCP   5m\n");
}

TEST_F(ServicePrinterTest, GetWideAddsSelectorAndSortsByName) {
  api::Service web = testing::MakeService("web", {testing::Port("http", 80), testing::Port("https", 443)},
                                          {{"tier", "web"}, {"app", "shop"}});
  web.spec.cluster_ip = "10.96.0.100";
  ServiceRecord headless{testing::MakeService("db", {testing::Port("", 5432)}, {}, api::ServiceType::kClusterIP, "None"),
                         clock_.WallNow() - 3h};
  GetOptions options;
  options.format = OutputFormat::kWide;
  EXPECT_EQ(FormatServices({{web, clock_.WallNow() - 90s}, Hello(), headless}, options, clock_),
            "NAME            TYPE        CLUSTER-IP    EXTERNAL-IP   PORT(S)          AGE   SELECTOR\n"
            "db              ClusterIP   None          <none>        5432/TCP         3h    <none>\n"
            "hello-service   NodePort    10.96.12.34   <none>        80:30001/TCP     5m    app=nginx\n"
            "web             ClusterIP   10.96.0.100   <none>        80/TCP,443/TCP   90s   app=shop,tier=web\n");
}

TEST_F(ServicePrinterTest, GetAllNamespaces) {
  ServiceRecord dns = Hello(2 * 24h + 5h);
  dns.service.metadata.ns = "kube-system";
  dns.service.metadata.name = "dns";
  GetOptions options;
  options.all_namespaces = true;
  EXPECT_EQ(FormatServices({dns, Hello()}, options, clock_),
            "NAMESPACE     NAME            TYPE       CLUSTER-IP    EXTERNAL-IP   PORT(S)        AGE\n"
            "default       hello-service   NodePort   10.96.12.34   <none>        80:30001/TCP   5m\n"
            "kube-system   dns             NodePort   10.96.12.34   <none>        80:30001/TCP   2d5h\n");
}

TEST_F(ServicePrinterTest, EmptyTableIsEmptyAndTheMessageGoesElsewhere) {
  EXPECT_EQ(FormatServices({}, {}, clock_), "");
  EXPECT_EQ(NoResourcesFound("default", false), "No resources found in default namespace.");
  EXPECT_EQ(ServiceNotFound("web"), "Error from server (NotFound): services \"web\" not found");
}

TEST_F(ServicePrinterTest, JsonOfOneServiceAndOfAList) {
  GetOptions options;
  options.format = OutputFormat::kJson;
  options.single = true;
  std::string one = FormatServices({Hello()}, options, clock_);
  nlohmann::json doc = nlohmann::json::parse(one);
  EXPECT_EQ(doc["kind"], "Service");
  EXPECT_EQ(doc["metadata"]["name"], "hello-service");
  EXPECT_EQ(doc["metadata"]["creationTimestamp"], "2025-12-31T23:55:00Z");
  EXPECT_EQ(doc["spec"]["clusterIP"], "10.96.12.34");
  EXPECT_EQ(doc["spec"]["ports"][0]["nodePort"], 30001);
  EXPECT_EQ(one.substr(0, 6), "{\n    ") << "kubectl indents by four spaces";
  EXPECT_EQ(one.back(), '\n');

  options.single = false;
  nlohmann::json list = nlohmann::json::parse(FormatServices({Hello()}, options, clock_));
  EXPECT_EQ(list["kind"], "List");
  EXPECT_EQ(list["items"].size(), 1u);
  EXPECT_EQ(list["metadata"]["resourceVersion"], "");
  nlohmann::json empty = nlohmann::json::parse(FormatServices({}, options, clock_));
  EXPECT_TRUE(empty["items"].is_array());
  EXPECT_TRUE(empty["items"].empty());
}

TEST_F(ServicePrinterTest, YamlOfOneService) {
  GetOptions options;
  options.format = OutputFormat::kYaml;
  options.single = true;
  std::string yaml = FormatServices({Hello()}, options, clock_);
  EXPECT_EQ(yaml.substr(0, 26), "apiVersion: v1\nkind: Servi");
  EXPECT_NE(yaml.find("  clusterIP: 10.96.12.34\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("  - nodePort: 30001\n"), std::string::npos) << yaml;
}

TEST_F(ServicePrinterTest, ParsesOutputFlag) {
  EXPECT_EQ(*ParseOutputFormat(""), OutputFormat::kTable);
  EXPECT_EQ(*ParseOutputFormat("wide"), OutputFormat::kWide);
  EXPECT_EQ(*ParseOutputFormat("json"), OutputFormat::kJson);
  EXPECT_EQ(*ParseOutputFormat("yaml"), OutputFormat::kYaml);
  EXPECT_EQ(ParseOutputFormat("xml").status().message(),
            "unable to match a printer suitable for the output format \"xml\", allowed formats are: json,wide,yaml");
}

TEST_F(ServicePrinterTest, DescribeReferenceService) {
  EXPECT_EQ(DescribeService(Hello(), {HelloSlice({{"10.244.0.10", true}, {"10.244.0.11", true}, {"10.244.0.12", false}})}),
            "Name:                     hello-service\n"
            "Namespace:                default\n"
            "Labels:                   <none>\n"
            "Annotations:              <none>\n"
            "Selector:                 app=nginx\n"
            "Type:                     NodePort\n"
            "IP Family Policy:         SingleStack\n"
            "IP Families:              IPv4\n"
            "IP:                       10.96.12.34\n"
            "IPs:                      10.96.12.34\n"
            "Port:                     <unset>  80/TCP\n"
            "TargetPort:               80/TCP\n"
            "NodePort:                 <unset>  30001/TCP\n"
            "Endpoints:                10.244.0.10:80,10.244.0.11:80\n"
            "Session Affinity:         None\n"
            "External Traffic Policy:  Cluster\n"
            "Internal Traffic Policy:  Cluster\n"
            "Events:                   <none>\n");
}

TEST_F(ServicePrinterTest, DescribeClusterIPServiceWithLabelsNamedPortsAndNoSlices) {
  api::Service web = testing::MakeService("web", {testing::Port("http", 80, api::IntOrString::String("web"))},
                                          {{"app", "web"}});
  web.spec.cluster_ip = "10.96.0.100";
  web.metadata.labels = {{"app", "web"}, {"tier", "frontend"}};
  web.metadata.annotations = {{"owner", "team-a"}, {"kubectl.kubernetes.io/last-applied-configuration", "{}"}};
  EXPECT_EQ(DescribeService({web, clock_.WallNow()}, {}),
            "Name:                     web\n"
            "Namespace:                default\n"
            "Labels:                   app=web\n"
            "                          tier=frontend\n"
            "Annotations:              owner: team-a\n"
            "Selector:                 app=web\n"
            "Type:                     ClusterIP\n"
            "IP Family Policy:         SingleStack\n"
            "IP Families:              IPv4\n"
            "IP:                       10.96.0.100\n"
            "IPs:                      10.96.0.100\n"
            "Port:                     http  80/TCP\n"
            "TargetPort:               web/TCP\n"
            "Endpoints:                <none>\n"
            "Session Affinity:         None\n"
            "Internal Traffic Policy:  Cluster\n"
            "Events:                   <none>\n");
}

TEST_F(ServicePrinterTest, DescribeEndpointsLikeKubectl) {
  // Only not-ready endpoints: kubectl prints an empty value.
  std::string none_ready = DescribeService(Hello(), {HelloSlice({{"10.244.0.10", false}})});
  EXPECT_NE(none_ready.find("\nEndpoints:                \n"), std::string::npos) << none_ready;
  // More than three: the rest are counted.
  std::string many = DescribeService(
      Hello(), {HelloSlice({{"10.0.0.1", true}, {"10.0.0.2", true}, {"10.0.0.3", true}, {"10.0.0.4", true}, {"10.0.0.5", true}})});
  EXPECT_NE(many.find("Endpoints:                10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more...\n"), std::string::npos)
      << many;
}

TEST_F(ServicePrinterTest, PortsColumn) {
  api::Service none = testing::MakeService("none", {});
  EXPECT_EQ(ServicePortsColumn(none), "<none>");
  api::Service dns = testing::MakeService(
      "dns", {testing::Port("dns", 53, {}, api::Protocol::kUDP, 30053), testing::Port("dns-tcp", 53, {}, api::Protocol::kTCP, 30053)});
  EXPECT_EQ(ServicePortsColumn(dns), "53:30053/UDP,53:30053/TCP");
}

}  // namespace
}  // namespace kubenode::proxy
