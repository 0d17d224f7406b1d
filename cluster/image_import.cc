#include "cluster/image_import.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kubenode::cluster {
namespace {

std::string Describe(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

// Reads both pipes to EOF without either filling up and blocking the child.
void Drain(int out_fd, int err_fd, std::string* out, std::string* err) {
  pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  int open_fds = 2;
  char buf[65536];
  while (open_fds > 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t n = ::read(fds[i].fd, buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        fds[i].fd = -1;
        --open_fds;
        continue;
      }
      (i == 0 ? out : err)->append(buf, static_cast<size_t>(n));
    }
  }
}

}  // namespace

Result<std::string> ProcessRunner::Run(const std::vector<std::string>& argv) {
  if (argv.empty()) return Status::Error("running a command: empty argv");
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return Status::Error("pipe: " + std::string(std::strerror(errno)));
  if (::pipe2(err, O_CLOEXEC) != 0) {
    ::close(out[0]);
    ::close(out[1]);
    return Status::Error("pipe: " + std::string(std::strerror(errno)));
  }
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err[1], STDERR_FILENO);
    int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0) ::dup2(null, STDIN_FILENO);
    ::execvp(args[0], args.data());
    static const char msg[] = "exec failed\n";
    (void)!::write(STDERR_FILENO, msg, sizeof(msg) - 1);
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);
  if (pid < 0) {
    ::close(out[0]);
    ::close(err[0]);
    return Status::Error("fork for " + argv[0] + ": " + std::strerror(errno));
  }
  std::string stdout_text, stderr_text;
  Drain(out[0], err[0], &stdout_text, &stderr_text);
  ::close(out[0]);
  ::close(err[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return stdout_text;
  if (stderr_text.size() > 2000) stderr_text.resize(2000);
  while (!stderr_text.empty() && stderr_text.back() == '\n') stderr_text.pop_back();
  const std::string how = WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                            : "signal " + std::to_string(WTERMSIG(status));
  return Status::Error("`" + Describe(argv) + "` failed (" + how + "): " + stderr_text);
}

Status ImportImageArchive(CommandRunner& runner, const std::string& address, const std::string& archive,
                          const std::string& ctr) {
  auto r = runner.Run({ctr, "--address", address, "--namespace", "k8s.io", "images", "import", archive});
  if (!r.ok()) return r.status().WithContext("importing " + archive + " into " + address);
  return {};
}

}  // namespace kubenode::cluster
