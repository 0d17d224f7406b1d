// kubenode: a Kubernetes node agent (kubelet + kube-proxy) and its command line.
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>

#include "agent/local_api.h"
#include "cmd/cli.h"
#include "cmd/cluster.h"
#include "cmd/run.h"

namespace {

constexpr char kVersion[] = KUBENODE_VERSION;

struct GlobalFlags {
  std::string runtime_endpoint = "unix:///run/containerd/containerd.sock";
  std::string socket = kubenode::agent::kDefaultLocalApiSocket;
  std::string ns = "default";
};

// kubectl's resource names and aliases, mapped to the daemon's routes.
std::string ResourceRoute(const std::string& resource) {
  if (resource == "pods" || resource == "pod" || resource == "po") return "pods";
  if (resource == "services" || resource == "service" || resource == "svc") return "svc";
  if (resource == "events" || resource == "event" || resource == "ev") return "events";
  if (resource == "nodes" || resource == "node" || resource == "no") return "node";
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kubenode: a Kubernetes node agent (kubelet + kube-proxy)"};
  app.require_subcommand(1);
  app.fallthrough();  // global flags may also follow the subcommand (`kubenode run --container-runtime-endpoint=...`)
  GlobalFlags flags;
  app.add_option("--container-runtime-endpoint", flags.runtime_endpoint,
                 "The endpoint of the CRI runtime (unix socket)")
      ->capture_default_str()
      ->envname("KUBENODE_CRI_ENDPOINT");
  app.add_option("--socket", flags.socket, "The daemon's local API socket")
      ->capture_default_str()
      ->envname("KUBENODE_SOCKET");
  app.add_option("-n,--namespace", flags.ns, "Namespace of the object")->capture_default_str();
  app.set_version_flag("--version", std::string("kubenode ") + kVersion);
  int exit_code = 0;

  kubenode::cmd::AddRunCommand(app, flags.runtime_endpoint, flags.socket, exit_code);
  kubenode::cmd::AddClusterCommand(app, exit_code);

  // get RESOURCE [NAME] [-o wide|json|yaml]
  std::string get_resource, get_name, get_output;
  CLI::App* get = app.add_subcommand("get", "List pods, services (svc) or events");
  get->add_option("resource", get_resource, "pods | services | events")->required();
  get->add_option("name", get_name, "Only this object");
  get->add_option("-o,--output", get_output, "wide | json | yaml")
      ->check(CLI::IsMember({"", "wide", "json", "yaml"}));
  get->callback([&] {
    std::string route = ResourceRoute(get_resource);
    if (route.empty() || route == "node") {
      std::cerr << "error: the server doesn't have a resource type \"" << get_resource << "\"\n";
      exit_code = 1;
      return;
    }
    exit_code = kubenode::cmd::RunRemote(
        flags.socket, {{"route", "get " + route}, {"namespace", flags.ns}, {"name", get_name}, {"output", get_output}});
  });

  // describe RESOURCE [NAME]
  std::string describe_resource, describe_name;
  CLI::App* describe = app.add_subcommand("describe", "Show details of a pod, service or this node");
  describe->add_option("resource", describe_resource, "pod | service | node")->required();
  describe->add_option("name", describe_name, "The object's name");
  describe->callback([&] {
    std::string route = ResourceRoute(describe_resource);
    // The node too comes from the daemon: its runtime endpoint, node name and IP are what `run` was given.
    if (route == "node" || route == "pods" || route == "svc") {
      exit_code = kubenode::cmd::RunRemote(
          flags.socket, {{"route", "describe " + route}, {"namespace", flags.ns}, {"name", describe_name}});
    } else {
      std::cerr << "error: the server doesn't have a resource type \"" << describe_resource << "\"\n";
      exit_code = 1;
    }
  });

  // logs POD [-c CONTAINER] [--tail N] [--timestamps] [-p]
  std::string logs_pod, logs_container;
  int logs_tail = -1;
  bool logs_timestamps = false, logs_previous = false, logs_follow = false;
  CLI::App* logs = app.add_subcommand("logs", "Print a container's logs");
  logs->add_option("pod", logs_pod, "The pod's name")->required();
  logs->add_option("-c,--container", logs_container, "Container name (default: the only one)");
  logs->add_option("--tail", logs_tail, "Lines of recent log to show (-1: all)");
  logs->add_flag("--timestamps", logs_timestamps, "Prefix each line with its timestamp");
  logs->add_flag("-p,--previous", logs_previous, "The previous instance of the container");
  logs->add_flag("-f,--follow", logs_follow, "Stream new lines as the container writes them (through the kubelet server)");
  logs->callback([&] {
    const nlohmann::json request = {{"route", logs_follow ? "logs url" : "logs"},
                                    {"namespace", flags.ns},
                                    {"name", logs_pod},
                                    {"container", logs_container},
                                    {"tail", logs_tail},
                                    {"timestamps", logs_timestamps},
                                    {"previous", logs_previous}};
    exit_code = logs_follow ? kubenode::cmd::RunLogsFollow(flags.socket, request)
                            : kubenode::cmd::RunRemote(flags.socket, request);
  });

  // exec POD [-c CONTAINER] -- COMMAND [ARGS...]
  std::string exec_pod, exec_container;
  std::vector<std::string> exec_command;
  CLI::App* exec = app.add_subcommand("exec", "Run a command in a container (no stdin or TTY; output and exit code)");
  exec->add_option("pod", exec_pod, "The pod's name")->required();
  exec->add_option("command", exec_command, "The command and its arguments, after --")->required();
  exec->add_option("-c,--container", exec_container, "Container name (default: the only one)");
  exec->callback([&] {
    exit_code = kubenode::cmd::RunRemote(flags.socket, {{"route", "exec"},
                                                        {"namespace", flags.ns},
                                                        {"name", exec_pod},
                                                        {"container", exec_container},
                                                        {"command", exec_command}});
  });

  // apply -f FILE / delete -f FILE
  std::string apply_file, delete_file;
  CLI::App* apply = app.add_subcommand("apply", "Validate FILE, then write its objects into the manifest directory");
  apply->add_option("-f,--filename", apply_file, "Manifest file (- for stdin)")->required();
  apply->callback([&] { exit_code = kubenode::cmd::RunWithFile(flags.socket, "apply", apply_file); });
  CLI::App* del = app.add_subcommand("delete", "Remove FILE's objects from the manifest directory");
  del->add_option("-f,--filename", delete_file, "Manifest file (- for stdin)")->required();
  del->callback([&] { exit_code = kubenode::cmd::RunWithFile(flags.socket, "delete", delete_file); });

  // proxy dump
  CLI::App* proxy = app.add_subcommand("proxy", "kube-proxy commands");
  proxy->require_subcommand(1);
  proxy->add_subcommand("dump", "Print the live nftables ruleset kubenode owns, in nft syntax")->callback([&] {
    exit_code = kubenode::cmd::RunRemote(flags.socket, {{"route", "proxy dump"}});
  });

  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
