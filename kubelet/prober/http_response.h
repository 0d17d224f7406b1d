// The parts of an HTTP/1.x response a probe reads: status line, headers, and a (possibly chunked) body.
// Pure functions over bytes already received, so they are tested without sockets.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace kubenode::kubelet::prober {

struct HttpResponseHead {
  int status_code = 0;
  std::vector<std::pair<std::string, std::string>> headers;

  // The first header named `name` (case-insensitive).
  std::optional<std::string> Header(std::string_view name) const;
};

// Parses "HTTP/1.1 200 OK\r\nName: value\r\n..." (the text before the blank line).
Result<HttpResponseHead> ParseResponseHead(std::string_view head);

struct ChunkedBody {
  std::string data;       // decoded bytes, at most `limit`
  bool complete = false;  // the last (zero-size) chunk was seen, or `limit` bytes were decoded
};

// Decodes a Transfer-Encoding: chunked body from the bytes received so far.
ChunkedBody DecodeChunked(std::string_view raw, size_t limit);

bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace kubenode::kubelet::prober
