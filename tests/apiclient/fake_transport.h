// A scripted Transport: answers are queued per "METHOD path-prefix"; requests are recorded.
#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "apiclient/transport.h"

namespace kubenode::apiclient {

class FakeTransport : public Transport {
 public:
  struct Answer {
    int status = 200;
    std::string body;
    std::vector<std::string> chunks;  // for Stream: handed over one by one
  };

  // The next request whose "METHOD path" starts with `prefix` gets `answer` (FIFO per prefix).
  void Queue(const std::string& prefix, Answer answer) {
    std::lock_guard<std::mutex> lock(mu_);
    answers_[prefix].push_back(std::move(answer));
  }
  std::vector<HttpRequest> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

  Result<HttpResponse> Do(const HttpRequest& request) override {
    Result<Answer> answer = Take(request);
    if (!answer.ok()) return answer.status();
    return HttpResponse{answer->status, answer->body};
  }

  Result<int> Stream(const HttpRequest& request, const std::function<bool(std::string_view)>& on_data,
                     const std::atomic<bool>& cancel, std::string& error_body) override {
    Result<Answer> answer = Take(request);
    if (!answer.ok()) return answer.status();
    if (answer->status < 200 || answer->status >= 300) {
      error_body = answer->body;
      return answer->status;
    }
    for (const std::string& chunk : answer->chunks) {
      if (cancel.load() || !on_data(chunk)) break;
    }
    return answer->status;
  }

 private:
  Result<Answer> Take(const HttpRequest& request) {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(request);
    const std::string key = request.method + " " + request.path;
    for (auto& [prefix, queue] : answers_) {
      if (key.rfind(prefix, 0) == 0 && !queue.empty()) {
        Answer a = std::move(queue.front());
        queue.pop_front();
        return a;
      }
    }
    return Status::Error("no answer scripted for " + key);
  }

  mutable std::mutex mu_;
  std::map<std::string, std::deque<Answer>> answers_;
  std::vector<HttpRequest> requests_;
};

}  // namespace kubenode::apiclient
