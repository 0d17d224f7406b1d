// Clients of a Service during a fault: a shell loop of curl requests (at most 100 000, each at most 2 s) that
// writes one line per request, the HTTP code or "FAIL <curl exit code>", until it is stopped. Fault tests
// count the lines that are not 200.
#pragma once

#include <stdlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <chrono>
#include <filesystem>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/daemon_fixture.h"

namespace kubenode::testing {

class ClientLoops {
 public:
  struct Loop {
    std::string out, stop;
  };

  // The loops' files go to a new directory below `parent` (a stop file left by an earlier test must not stop
  // a new loop of the same name).
  explicit ClientLoops(const std::string& parent) {
    std::string tmpl = parent + "/loops-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) ADD_FAILURE() << "mkdtemp " << tmpl << ": " << std::strerror(errno);
    dir_ = tmpl;
  }
  ~ClientLoops() { StopAll(); }
  ClientLoops(const ClientLoops&) = delete;
  ClientLoops& operator=(const ClientLoops&) = delete;

  // `pause`: seconds between requests ("" for none), e.g. "0.5".
  Loop Start(const std::string& url, const std::string& name, const std::string& pause = "") {
    Loop l{dir_ + "/" + name + ".out", dir_ + "/" + name + ".stop"};
    stops_.push_back(l.stop);
    const std::string sleep = pause.empty() ? "" : " sleep " + pause + ";";
    RunCommand("sh -c 'i=0; while [ ! -f " + l.stop + " ] && [ $i -lt 100000 ]; do i=$((i+1)); curl -s -o /dev/null "
               "--max-time 2 -w \"%{http_code}\\n\" " + url + " || echo FAIL $?;" + sleep + " done > " + l.out +
               "; touch " + l.out + ".done' >/dev/null 2>&1 &");
    return l;
  }

  static size_t Lines(const Loop& l) {
    std::string text = ReadFile(l.out);
    return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
  }

  // Waits until `loops` together answered `more` requests beyond what they had answered at the call.
  static bool WaitForMore(const std::vector<const Loop*>& loops, size_t more, std::chrono::milliseconds timeout) {
    auto total = [&] {
      size_t n = 0;
      for (const Loop* l : loops) n += Lines(*l);
      return n;
    };
    const size_t seen = total();
    return Eventually([&] { return total() >= seen + more; }, timeout, std::chrono::milliseconds(50));
  }

  // Stops the loop; returns (failed, total) requests.
  std::pair<int, int> Stop(const Loop& l) {
    RunCommand("touch " + l.stop);
    EXPECT_TRUE(Eventually([&] { return std::filesystem::exists(l.out + ".done"); }, std::chrono::seconds(10),
                           std::chrono::milliseconds(50)));
    int failed = 0, total = 0;
    std::istringstream lines(ReadFile(l.out));
    for (std::string line; std::getline(lines, line);) {
      ++total;
      if (line != "200") ++failed;
    }
    return {failed, total};
  }

  void StopAll() {
    for (const std::string& stop : stops_) RunCommand("touch " + stop);
  }

 private:
  std::string dir_;
  std::vector<std::string> stops_;
};

}  // namespace kubenode::testing
