#include "cmd/cli.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "agent/local_api.h"

namespace kubenode::cmd {

int RunRemote(const std::string& socket_path, const nlohmann::json& request) {
  auto reply = agent::CallLocalApi(socket_path, request);
  if (!reply.ok()) {
    std::cerr << "error: " << reply.status().message() << "\n";
    return 1;
  }
  std::cout << reply->out;
  if (!reply->err.empty()) {
    std::cerr << reply->err;
    if (reply->err.back() != '\n') std::cerr << "\n";
  }
  return reply->exit_code;
}

int RunWithFile(const std::string& socket_path, const std::string& route, const std::string& file) {
  std::ostringstream content;
  if (file == "-") {
    content << std::cin.rdbuf();
  } else {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::cerr << "error: the path \"" << file << "\" cannot be read: " << std::strerror(errno) << "\n";
      return 1;
    }
    content << in.rdbuf();
  }
  return RunRemote(socket_path, {{"route", route}, {"file", file}, {"content", content.str()}});
}

}  // namespace kubenode::cmd
