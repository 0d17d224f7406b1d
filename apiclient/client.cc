#include "apiclient/client.h"

namespace kubenode::apiclient {
namespace {

const char* ReasonPhrase(int code) {
  switch (code) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
  }
}

// "/api/v1/namespaces/default/pods/nginx/status?x" → "pods/nginx/status"
std::string ShortPath(const std::string& path) {
  std::string p = path.substr(0, path.find('?'));
  for (const char* prefix : {"/api/v1/", "/apis/"}) {
    if (p.rfind(prefix, 0) == 0) {
      p = p.substr(std::string(prefix).size());
      break;
    }
  }
  if (p.rfind("namespaces/", 0) == 0) {
    size_t slash = p.find('/', 11);
    if (slash != std::string::npos && slash + 1 < p.size()) p = p.substr(slash + 1);
  }
  return p;
}

}  // namespace

std::string DescribeFailure(const std::string& method, const std::string& path, const ApiResponse& response) {
  std::string text = method + " " + ShortPath(path) + ": " + std::to_string(response.code);
  if (const char* phrase = ReasonPhrase(response.code); *phrase) text += std::string(" ") + phrase;
  if (response.body.is_object() && response.body.contains("message") && response.body["message"].is_string()) {
    text += ": " + response.body["message"].get<std::string>();
  }
  return text;
}

Result<ApiResponse> ApiClient::Call(const std::string& method, const std::string& path, const nlohmann::json* body,
                                    const std::string& content_type) {
  HttpRequest request;
  request.method = method;
  request.path = path;
  if (body != nullptr) {
    request.body = body->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    request.content_type = content_type;
  }
  limiter_.Wait();
  Result<HttpResponse> raw = transport_.Do(request);
  if (!raw.ok()) return raw.status();
  ApiResponse response;
  response.code = raw->status;
  response.body = nlohmann::json::parse(raw->body, nullptr, /*allow_exceptions=*/false);
  if (response.body.is_discarded()) response.body = nullptr;
  return response;
}

Result<nlohmann::json> ApiClient::Expect(const std::string& method, const std::string& path,
                                         Result<ApiResponse> response) {
  if (!response.ok()) return response.status();
  if (!response->ok()) return Status::Error(DescribeFailure(method, path, *response));
  return std::move(response->body);
}

Result<nlohmann::json> ApiClient::Get(const std::string& path) { return Expect("GET", path, Call("GET", path)); }

Result<nlohmann::json> ApiClient::Create(const std::string& path, const nlohmann::json& object) {
  return Expect("POST", path, Call("POST", path, &object));
}

Result<nlohmann::json> ApiClient::Patch(const std::string& path, const nlohmann::json& patch,
                                        const std::string& content_type) {
  return Expect("PATCH", path, Call("PATCH", path, &patch, content_type));
}

Result<nlohmann::json> ApiClient::Delete(const std::string& path, const nlohmann::json& options) {
  return Expect("DELETE", path, Call("DELETE", path, &options));
}

}  // namespace kubenode::apiclient
