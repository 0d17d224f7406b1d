#include "cmd/cli.h"

#include <curl/curl.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "agent/local_api.h"

namespace kubenode::cmd {
namespace {

// go-yaml's words for the first byte sequence of `s` that is not UTF-8, as kubectl reports a manifest it
// cannot decode; empty when `s` is valid.
std::string Utf8Problem(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    const auto lead = static_cast<unsigned char>(s[i]);
    const size_t len = lead < 0x80                ? 1
                       : (lead & 0xE0) == 0xC0 ? 2
                       : (lead & 0xF0) == 0xE0 ? 3
                       : (lead & 0xF8) == 0xF0 ? 4
                                               : 0;
    if (len == 0) return "invalid leading UTF-8 octet";
    if (i + len > s.size()) return "incomplete UTF-8 octet sequence";
    uint32_t value = len == 1 ? lead : len == 2 ? lead & 0x1F : len == 3 ? lead & 0x0F : lead & 0x07;
    for (size_t k = 1; k < len; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) return "invalid trailing UTF-8 octet";
      value = (value << 6) | (c & 0x3F);
    }
    if ((len == 2 && value < 0x80) || (len == 3 && value < 0x800) || (len == 4 && value < 0x10000)) {
      return "invalid length of a UTF-8 sequence";
    }
    if ((value >= 0xD800 && value <= 0xDFFF) || value > 0x10FFFF) return "invalid Unicode character";
    i += len;
  }
  return "";
}

}  // namespace

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

int RunLogsFollow(const std::string& socket_path, const nlohmann::json& request) {
  auto reply = agent::CallLocalApi(socket_path, request);
  if (!reply.ok()) {
    std::cerr << "error: " << reply.status().message() << "\n";
    return 1;
  }
  if (reply->exit_code != 0) {
    std::cerr << reply->err << (reply->err.empty() || reply->err.back() != '\n' ? "\n" : "");
    return reply->exit_code;
  }
  CURL* curl = curl_easy_init();
  if (!curl) {
    std::cerr << "error: curl_easy_init failed\n";
    return 1;
  }
  struct Output {
    long status = 0;
    std::string error_body;
    CURL* curl;
  } out{0, {}, curl};
  auto write = +[](char* data, size_t size, size_t n, void* user) -> size_t {
    auto* o = static_cast<Output*>(user);
    if (o->status == 0) curl_easy_getinfo(o->curl, CURLINFO_RESPONSE_CODE, &o->status);
    if (o->status >= 400) {
      o->error_body.append(data, size * n);
    } else {
      std::cout.write(data, static_cast<std::streamsize>(size * n));
      std::cout.flush();
      if (!std::cout) return 0;  // stdout closed (e.g. `| head`): end the transfer
    }
    return size * n;
  };
  curl_easy_setopt(curl, CURLOPT_URL, reply->out.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out);
  // The daemon's own server on this machine, found through its root-only socket; its certificate is
  // usually the self-signed one made at start, so it is not verified.
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  CURLcode rc = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out.status);
  curl_easy_cleanup(curl);
  if (rc == CURLE_WRITE_ERROR && !std::cout) return 0;
  if (rc != CURLE_OK) {
    std::cerr << "error: " << reply->out << ": " << curl_easy_strerror(rc) << "\n";
    return 1;
  }
  if (out.status >= 400) {
    std::cerr << "error: " << out.error_body << (out.error_body.empty() || out.error_body.back() != '\n' ? "\n" : "");
    return 1;
  }
  return 0;
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
  // The daemon reads requests up to 16 MiB; say which file is too big rather than how big the request was.
  constexpr size_t kMaxManifestBytes = 15 * 1024 * 1024;
  if (content.str().size() > kMaxManifestBytes) {
    std::cerr << "error: " << (file == "-" ? "STDIN" : file) << ": " << content.str().size()
              << " bytes is more than a manifest may have (15 MiB)\n";
    return 1;
  }
  // As kubectl: a manifest that is not UTF-8 is a decode error naming the file, never sent.
  if (std::string problem = Utf8Problem(content.str()); !problem.empty()) {
    std::cerr << "error: error parsing " << (file == "-" ? "STDIN" : file)
              << ": error converting YAML to JSON: yaml: " << problem << "\n";
    return 1;
  }
  return RunRemote(socket_path, {{"route", route}, {"file", file}, {"content", content.str()}});
}

}  // namespace kubenode::cmd
