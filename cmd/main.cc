// kubenode: a Kubernetes node agent (kubelet + kube-proxy) and its command line.
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>

#include "cmd/describe_node.h"
#include "cri/grpc_runtime_service.h"

namespace {

constexpr char kVersion[] = KUBENODE_VERSION;

struct GlobalFlags {
  std::string runtime_endpoint = "unix:///run/containerd/containerd.sock";
};

int RunDescribeNode(const GlobalFlags& flags) {
  kubenode::cri::GrpcOptions options;
  options.endpoint = flags.runtime_endpoint;
  options.request_timeout = std::chrono::seconds(10);
  kubenode::cri::GrpcRuntimeService runtime(options);
  auto text = kubenode::cmd::DescribeNode(runtime, kVersion);
  if (!text.ok()) {
    std::cerr << "error: " << text.status().message() << "\n";
    return 1;
  }
  std::cout << *text;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kubenode: a Kubernetes node agent (kubelet + kube-proxy)"};
  app.require_subcommand(1);
  GlobalFlags flags;
  app.add_option("--container-runtime-endpoint", flags.runtime_endpoint,
                 "The endpoint of the CRI runtime (unix socket)")
      ->capture_default_str()
      ->envname("KUBENODE_CRI_ENDPOINT");
  app.set_version_flag("--version", std::string("kubenode ") + kVersion);

  CLI::App* describe = app.add_subcommand("describe", "Show details of a resource");
  describe->require_subcommand(1);
  CLI::App* describe_node = describe->add_subcommand("node", "Show this node");
  describe_node->allow_extras();  // `describe node NAME`: there is only this node
  describe_node->callback([&] { std::exit(RunDescribeNode(flags)); });

  CLI11_PARSE(app, argc, argv);
  return 0;
}
