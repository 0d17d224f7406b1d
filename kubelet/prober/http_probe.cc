#include "kubelet/prober/http_probe.h"

#include <cctype>
#include <charconv>
#include <optional>

#include "kubelet/prober/conn.h"
#include "kubelet/prober/dial.h"
#include "kubelet/prober/http_response.h"
#include "kubelet/prober/port.h"

namespace kubenode::kubelet::prober {

namespace {

constexpr int kMaxRedirects = 10;
constexpr size_t kMaxHeadBytes = 1 << 20;

std::string ToLower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The request line target for a probe path: "" → "/", a missing leading slash added, a fragment dropped.
std::string TargetFor(const std::string& path) {
  std::string target = path.substr(0, path.find('#'));
  if (target.empty() || target[0] != '/') target.insert(target.begin(), '/');
  return target;
}

struct Response {
  HttpResponseHead head;
  std::string body;
};

// Reads from the connection until the deadline.
class Reader {
 public:
  Reader(Conn& conn, Deadline deadline) : conn_(conn), deadline_(deadline) {}

  // Appends what arrives to `buffer`. Returns false with `error` set on EOF/timeout/error.
  bool ReadMore(std::string& buffer, std::string& error) { return conn_.ReadSome(buffer, error, deadline_); }

 private:
  Conn& conn_;
  Deadline deadline_;
};

bool HasNoBody(int code) { return (code >= 100 && code < 200) || code == 204 || code == 304; }

// Go's parseContentLength: digits only (a sign, spaces inside or garbage is an error, not a guess).
std::optional<size_t> ParseContentLength(const std::string& value) {
  size_t begin = value.find_first_not_of(" \t");
  size_t end = value.find_last_not_of(" \t");
  if (begin == std::string::npos) return std::nullopt;
  const char* first = value.data() + begin;
  const char* last = value.data() + end + 1;
  size_t length = 0;
  auto [ptr, ec] = std::from_chars(first, last, length);
  if (ec != std::errc() || ptr != last || *first == '+' || *first == '-') return std::nullopt;
  return length;
}

// Reads the body after the head; `buffer` holds the bytes already received past the head.
Result<std::string> ReadBody(const HttpResponseHead& head, std::string buffer, Reader& reader) {
  if (HasNoBody(head.status_code)) return std::string();
  std::string error;
  std::optional<std::string> encoding = head.Header("Transfer-Encoding");
  if (encoding && ToLower(*encoding).find("chunked") != std::string::npos) {
    while (true) {
      ChunkedBody body = DecodeChunked(buffer, kMaxResponseBody);
      if (body.complete || !reader.ReadMore(buffer, error)) return std::move(body.data);
    }
  }
  size_t want = kMaxResponseBody;
  if (std::optional<std::string> length = head.Header("Content-Length")) {
    std::optional<size_t> parsed = ParseContentLength(*length);
    if (!parsed) {
      return Status::Error("net/http: HTTP/1.x transport connection broken: bad Content-Length \"" + *length + "\"");
    }
    want = std::min(want, *parsed);
  }
  while (buffer.size() < want && reader.ReadMore(buffer, error)) {
  }
  if (buffer.size() > want) buffer.resize(want);
  return buffer;
}

// One request and its response. Errors are the text after `Get "URL": `.
Result<Response> RoundTrip(const HttpProbeRequest& request, Deadline deadline) {
  Result<Socket> socket = DialTcp(request.host, request.port, deadline);
  if (!socket.ok()) {
    if (std::chrono::steady_clock::now() >= deadline) return Status::Error(kClientTimeout);
    return socket.status();
  }
  Conn conn(std::move(socket).value());
  if (request.scheme == "https") {
    if (Status tls = conn.StartTls(request.host, deadline); !tls.ok()) return tls;
  }
  if (Status sent = conn.WriteAll(SerializeRequest(request), deadline); !sent.ok()) return sent;

  Reader reader(conn, deadline);
  std::string buffer;
  std::string error;
  while (true) {
    size_t end = buffer.find("\r\n\r\n");
    if (end == std::string::npos) {
      if (buffer.size() > kMaxHeadBytes) {
        return Status::Error("net/http: server response headers exceeded " + std::to_string(kMaxHeadBytes) +
                             " bytes; aborted");
      }
      if (!reader.ReadMore(buffer, error)) return Status::Error(error);
      continue;
    }
    Result<HttpResponseHead> head = ParseResponseHead(std::string_view(buffer).substr(0, end));
    if (!head.ok()) return head.status();
    buffer.erase(0, end + 4);
    if (head->status_code >= 100 && head->status_code < 200 && head->status_code != 101) continue;  // 100 Continue
    Response response{std::move(head).value(), {}};
    Result<std::string> body = ReadBody(response.head, std::move(buffer), reader);
    if (!body.ok()) return body.status();
    response.body = std::move(body).value();
    return response;
  }
}

// Where a redirect from `from` to `location` goes; std::nullopt if it cannot be followed.
std::optional<HttpProbeRequest> Redirected(const HttpProbeRequest& from, const std::string& location) {
  HttpProbeRequest next = from;
  std::string rest = location;
  size_t scheme_end = rest.find("://");
  if (scheme_end != std::string::npos && rest.find('/') > scheme_end) {
    next.scheme = ToLower(rest.substr(0, scheme_end));
    rest = "//" + rest.substr(scheme_end + 3);
  }
  if (rest.rfind("//", 0) == 0) {
    rest.erase(0, 2);
    size_t authority_end = rest.find_first_of("/?#");
    std::string authority = rest.substr(0, authority_end);
    rest = authority_end == std::string::npos ? "/" : rest.substr(authority_end);
    next.port = next.scheme == "https" ? 443 : 80;
    size_t colon = authority.rfind(':');
    size_t bracket = authority.rfind(']');
    if (colon != std::string::npos && (bracket == std::string::npos || colon > bracket)) {
      try {
        next.port = std::stoi(authority.substr(colon + 1));
      } catch (const std::exception&) {
        return std::nullopt;
      }
      authority.erase(colon);
    }
    if (authority.size() >= 2 && authority.front() == '[' && authority.back() == ']') {
      authority = authority.substr(1, authority.size() - 2);
    }
    next.host = authority;
    next.target = TargetFor(rest);
  } else if (!rest.empty() && rest[0] == '/') {
    next.target = TargetFor(rest);
  } else {
    std::string dir = from.target.substr(0, from.target.find('?'));
    dir.erase(dir.rfind('/') + 1);
    next.target = TargetFor(dir + rest);
  }
  if (next.scheme != "http" && next.scheme != "https") return std::nullopt;
  return next;
}

bool IsRedirect(int code) { return code == 301 || code == 302 || code == 303 || code == 307 || code == 308; }

}  // namespace

std::string HttpProbeRequest::Url() const { return scheme + "://" + JoinHostPort(host, port) + target; }

Result<HttpProbeRequest> NewHttpProbeRequest(const api::HTTPGetAction& action, const api::Container& container,
                                             const std::string& pod_ip, const char* default_user_agent) {
  HttpProbeRequest request;
  request.scheme = action.scheme.empty() ? "http" : ToLower(action.scheme);
  request.host = action.host.empty() ? pod_ip : action.host;
  Result<int> port = ResolveContainerPort(action.port, container);
  if (!port.ok()) return port.status();
  request.port = *port;
  request.target = TargetFor(action.path);

  bool has_user_agent = false;
  bool has_accept = false;
  for (const api::HTTPHeader& header : action.http_headers) {
    if (EqualsIgnoreCase(header.name, "Host")) {
      if (request.host_header.empty()) request.host_header = header.value;
      continue;
    }
    if (EqualsIgnoreCase(header.name, "User-Agent")) has_user_agent = true;
    if (EqualsIgnoreCase(header.name, "Accept")) {
      has_accept = true;
      if (header.value.empty()) continue;  // an empty Accept removes the header
    }
    request.headers.push_back(header);
  }
  if (!has_user_agent) request.headers.push_back({"User-Agent", default_user_agent});
  if (!has_accept) request.headers.push_back({"Accept", "*/*"});
  return request;
}

std::string SerializeRequest(const HttpProbeRequest& request) {
  std::string text = "GET " + request.target + " HTTP/1.1\r\n";
  text += "Host: " + (request.host_header.empty() ? JoinHostPort(request.host, request.port) : request.host_header);
  text += "\r\n";
  for (const api::HTTPHeader& header : request.headers) text += header.name + ": " + header.value + "\r\n";
  text += "Connection: close\r\n\r\n";
  return text;
}

Result<ProbeOutcome> HttpProbe(const HttpProbeRequest& request, std::chrono::milliseconds timeout) {
  if (request.scheme != "http" && request.scheme != "https") {
    return Status::Error("unsupported probe scheme \"" + request.scheme + "\": " + request.Url());
  }
  const Deadline deadline = std::chrono::steady_clock::now() + timeout;
  HttpProbeRequest current = request;
  for (int requests = 1;; ++requests) {
    Result<Response> response = RoundTrip(current, deadline);
    if (!response.ok()) {
      return ProbeOutcome{Outcome::kFailure, "Get \"" + current.Url() + "\": " + response.status().message()};
    }
    const int code = response->head.status_code;
    std::optional<std::string> location = response->head.Header("Location");
    if (IsRedirect(code) && location && !location->empty()) {
      std::optional<HttpProbeRequest> next = Redirected(current, *location);
      // Upstream follows redirects only to the same host name (any port).
      if (next && EqualsIgnoreCase(next->host, request.host)) {
        if (requests >= kMaxRedirects) {
          return ProbeOutcome{Outcome::kFailure, "Get \"" + next->Url() + "\": stopped after 10 redirects"};
        }
        current = std::move(*next);
        continue;
      }
    }
    if (code >= 200 && code < 300) return ProbeOutcome{Outcome::kSuccess, std::move(response->body)};
    if (code >= 300 && code < 400) {
      return ProbeOutcome{Outcome::kWarning, "Probe terminated redirects, Response body: " + response->body};
    }
    return ProbeOutcome{Outcome::kFailure, "HTTP probe failed with statuscode: " + std::to_string(code)};
  }
}

}  // namespace kubenode::kubelet::prober
