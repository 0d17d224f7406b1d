#include "apiclient/curl_transport.h"

#include <curl/curl.h>

#include <memory>
#include <mutex>

namespace kubenode::apiclient {
namespace {

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct EasyDeleter {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
struct ListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

void SetBlob(CURL* easy, CURLoption option, const std::string& pem) {
  curl_blob blob{const_cast<char*>(pem.data()), pem.size(), CURL_BLOB_COPY};
  curl_easy_setopt(easy, option, &blob);
}

}  // namespace

struct CurlTransport::Call {
  CURL* easy = nullptr;
  std::function<bool(std::string_view)> on_data;  // streaming 2xx bodies; else the body is collected
  const std::atomic<bool>* cancel = nullptr;
  std::string body;
  long status = 0;
  bool stopped_by_reader = false;
};

CurlTransport::CurlTransport(ClusterCredentials credentials) : credentials_(std::move(credentials)) { InitCurlOnce(); }
CurlTransport::~CurlTransport() = default;

Result<int> CurlTransport::Perform(const HttpRequest& request, Call& call) {
  std::unique_ptr<CURL, EasyDeleter> easy(curl_easy_init());
  if (!easy) return Status::Error("curl_easy_init failed");
  CURL* e = easy.get();
  call.easy = e;
  const std::string url = credentials_.server + request.path;
  curl_easy_setopt(e, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  if (request.method == "HEAD") curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT" || request.method == "PATCH") {
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }
  std::unique_ptr<curl_slist, ListDeleter> headers;
  auto add_header = [&](const std::string& h) { headers.reset(curl_slist_append(headers.release(), h.c_str())); };
  add_header("Accept: application/json");
  if (!request.body.empty()) add_header("Content-Type: " + request.content_type);
  if (!credentials_.token.empty()) add_header("Authorization: Bearer " + credentials_.token);
  add_header("User-Agent: kubenode");
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers.get());
  if (!credentials_.ca_pem.empty()) SetBlob(e, CURLOPT_CAINFO_BLOB, credentials_.ca_pem);
  if (credentials_.insecure_skip_tls_verify) {
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!credentials_.client_cert_pem.empty()) {
    SetBlob(e, CURLOPT_SSLCERT_BLOB, credentials_.client_cert_pem);
    curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
    SetBlob(e, CURLOPT_SSLKEY_BLOB, credentials_.client_key_pem);
    curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM");
  }
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &call);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, +[](char* data, size_t size, size_t count, void* user) -> size_t {
    auto* c = static_cast<Call*>(user);
    const size_t n = size * count;
    long status = 0;
    curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
    // A non-2xx answer is an error Status object, not a stream: it is collected instead.
    if (c->on_data && status >= 200 && status < 300) {
      if (!c->on_data(std::string_view(data, n))) {
        c->stopped_by_reader = true;
        return 0;  // aborts the transfer
      }
    } else {
      c->body.append(data, n);
    }
    return n;
  });
  if (call.cancel != nullptr) {
    curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(e, CURLOPT_XFERINFODATA, &call);
    curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION,
                     +[](void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) -> int {
                       return static_cast<Call*>(user)->cancel->load() ? 1 : 0;
                     });
  }
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, error);
  CURLcode code = curl_easy_perform(e);
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &call.status);
  const bool ended_by_us = call.stopped_by_reader || (call.cancel != nullptr && call.cancel->load());
  if (code != CURLE_OK && !ended_by_us) {
    return Status::Error(request.method + " " + request.path + ": " + (error[0] ? error : curl_easy_strerror(code)));
  }
  return static_cast<int>(call.status);
}

Result<HttpResponse> CurlTransport::Do(const HttpRequest& request) {
  Call call;
  Result<int> status = Perform(request, call);
  if (!status.ok()) return status.status();
  return HttpResponse{*status, std::move(call.body)};
}

Result<int> CurlTransport::Stream(const HttpRequest& request, const std::function<bool(std::string_view)>& on_data,
                                  const std::atomic<bool>& cancel, std::string& error_body) {
  Call call;
  call.cancel = &cancel;
  call.on_data = on_data;
  Result<int> status = Perform(request, call);
  error_body = std::move(call.body);
  return status;
}

}  // namespace kubenode::apiclient
