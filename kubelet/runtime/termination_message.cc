#include "kubelet/runtime/termination_message.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <vector>

#include "base/log.h"
#include "kubelet/runtime/volumes.h"

namespace kubenode::kubelet {
namespace {

std::string RandomId() {
  std::random_device rd;
  std::string out;
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 8; ++i) {
    const unsigned v = rd();
    for (int j = 0; j < 4; ++j) out += kHex[(v >> (j * 4)) & 0xf];
  }
  return out;
}

// Reads at most `max` bytes from the end of `path` (the whole file if it is smaller). nullopt: no file.
// With `whole_lines`, a cut first line is dropped.
std::optional<std::string> ReadTail(const std::string& path, size_t max, std::string* error, bool whole_lines = false) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return std::nullopt;
    *error = "open " + path + ": " + std::strerror(errno);
    return std::string();
  }
  const auto size = static_cast<size_t>(in.tellg());
  const size_t n = std::min(size, max);
  in.seekg(static_cast<std::streamoff>(size - n));
  std::string data(n, '\0');
  in.read(data.data(), static_cast<std::streamsize>(n));
  data.resize(static_cast<size_t>(in.gcount()));
  if (whole_lines && n < size) data.erase(0, std::min(data.size(), data.find('\n') + 1));
  return data;
}

std::string GetOr(const cri::StringMap& map, const char* key) {
  auto it = map.find(key);
  return it == map.end() ? "" : it->second;
}

}  // namespace

Status AddTerminationMessageMount(const std::string& root_dir, const api::Pod& pod, const api::Container& container,
                                  cri::ContainerConfig& config) {
  config.annotations[kTerminationMessagePathAnnotation] = container.termination_message_path;
  config.annotations[kTerminationMessagePolicyAnnotation] = api::ToString(container.termination_message_policy);
  if (container.termination_message_path.empty()) return {};
  // The directory holds one file per instance: the pod dir and container name are unique, the random id
  // tells instances apart.
  const std::string dir = PodDir(root_dir, pod.metadata.uid) + "/containers/" + container.name;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::Error("mkdir " + dir + ": " + ec.message());
  std::filesystem::permissions(dir, std::filesystem::perms(0750), ec);
  const std::string path = dir + "/" + RandomId();
  const int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) return Status::Error("error on creating termination-log file " + path + ": " + std::strerror(errno));
  ::close(fd);
  // 0666 whatever the umask: any user the container runs as may write its message.
  if (::chmod(path.c_str(), 0666) != 0) {
    return Status::Error("chmod termination-log file " + path + ": " + std::strerror(errno));
  }
  config.mounts.push_back({container.termination_message_path, path, false});
  config.annotations[kTerminationMessageHostPathAnnotation] = path;
  return {};
}

std::string LastLogText(std::string_view log, size_t max_lines, size_t max_bytes) {
  // Split into entries (lines of the file), keep the last max_lines complete ones.
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < log.size()) {
    size_t end = log.find('\n', start);
    if (end == std::string_view::npos) end = log.size();
    if (end > start) lines.push_back(log.substr(start, end - start));
    start = end + 1;
  }
  if (lines.size() > max_lines) lines.erase(lines.begin(), lines.end() - static_cast<std::ptrdiff_t>(max_lines));
  std::string out;
  for (auto line : lines) {
    // "<timestamp> <stream> <tag> <content>"; a line not in that shape is kept as it is.
    size_t a = line.find(' ');
    size_t b = a == std::string_view::npos ? a : line.find(' ', a + 1);
    size_t c = b == std::string_view::npos ? b : line.find(' ', b + 1);
    if (c == std::string_view::npos) {
      out.append(line);
      out += '\n';
      continue;
    }
    const auto tag = line.substr(b + 1, c - b - 1);
    out.append(line.substr(c + 1));
    if (tag != "P") out += '\n';  // a partial line continues in the next entry
  }
  if (out.size() > max_bytes) out.erase(0, out.size() - max_bytes);
  return out;
}

std::string TerminationMessage(const cri::ContainerStatus& status) {
  std::string message = status.message;
  if (status.state != cri::ContainerState::kExited) return message;
  const std::string path = GetOr(status.annotations, kTerminationMessageHostPathAnnotation);
  // A container that could not even start has no logs to fall back to.
  bool fallback = GetOr(status.annotations, kTerminationMessagePolicyAnnotation) == "FallbackToLogsOnError" &&
                  status.exit_code != 0 && status.reason != "ContainerCannotRun";
  std::string text;
  if (!path.empty()) {
    std::string error;
    auto data = ReadTail(path, kMaxTerminationMessageLength, &error);
    if (!error.empty()) {
      text = "Error on reading termination log " + path + ": " + error;
      fallback = false;
    } else if (data) {
      text = std::move(*data);
      fallback = fallback && text.empty();
    }
  }
  if (fallback && !status.log_path.empty()) {
    // Enough of the log's end for 80 lines of any sensible length.
    std::string ignored;
    auto log = ReadTail(status.log_path, 256 * 1024, &ignored, /*whole_lines=*/true);
    if (log) text = LastLogText(*log, kMaxTerminationMessageLogLines, kMaxTerminationMessageLogLength);
  }
  if (!text.empty()) message += (message.empty() ? "" : ": ") + text;
  return message;
}

}  // namespace kubenode::kubelet
