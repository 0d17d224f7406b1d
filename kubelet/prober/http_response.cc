#include "kubelet/prober/http_response.h"

#include <cctype>
#include <charconv>

namespace kubenode::kubelet::prober {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::optional<std::string> HttpResponseHead::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return std::nullopt;
}

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

Status Malformed(std::string_view line) {
  return Status::Error("net/http: HTTP/1.x transport connection broken: malformed HTTP response \"" +
                       std::string(line) + "\"");
}

}  // namespace

Result<HttpResponseHead> ParseResponseHead(std::string_view head) {
  size_t eol = head.find("\r\n");
  std::string_view status_line = head.substr(0, eol);
  std::string_view rest = eol == std::string_view::npos ? std::string_view() : head.substr(eol + 2);

  // "HTTP/1.1 200 OK": version, a three-digit code, an optional reason.
  if (status_line.substr(0, 7) != "HTTP/1." || status_line.size() < 12 || status_line[8] != ' ') {
    return Malformed(status_line);
  }
  HttpResponseHead parsed;
  std::string_view code = status_line.substr(9, 3);
  auto [end, ec] = std::from_chars(code.data(), code.data() + code.size(), parsed.status_code);
  if (ec != std::errc() || end != code.data() + 3 || (status_line.size() > 12 && status_line[12] != ' ')) {
    return Malformed(status_line);
  }

  while (!rest.empty()) {
    eol = rest.find("\r\n");
    std::string_view line = rest.substr(0, eol);
    rest = eol == std::string_view::npos ? std::string_view() : rest.substr(eol + 2);
    if (line.empty()) continue;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return Malformed(line);
    parsed.headers.emplace_back(std::string(Trim(line.substr(0, colon))), std::string(Trim(line.substr(colon + 1))));
  }
  return parsed;
}

ChunkedBody DecodeChunked(std::string_view raw, size_t limit) {
  ChunkedBody body;
  while (true) {
    size_t eol = raw.find("\r\n");
    if (eol == std::string_view::npos) return body;
    std::string_view size_text = raw.substr(0, eol);
    size_text = size_text.substr(0, size_text.find(';'));  // chunk extensions
    size_text = Trim(size_text);
    size_t size = 0;
    auto [end, ec] = std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
    if (ec != std::errc() || end != size_text.data() + size_text.size()) {
      body.complete = true;  // garbage: keep what was decoded
      return body;
    }
    if (size == 0) {
      body.complete = true;
      return body;
    }
    raw.remove_prefix(eol + 2);
    size_t take = std::min(size, raw.size());
    body.data.append(raw.substr(0, std::min(take, limit - body.data.size())));
    if (body.data.size() >= limit) {
      body.complete = true;
      return body;
    }
    if (raw.size() < size + 2) return body;  // the rest of this chunk has not arrived yet
    raw.remove_prefix(size + 2);
  }
}

}  // namespace kubenode::kubelet::prober
