// The node's HTTP servers (kubelet :10250 and :10248, kube-proxy :10256) hand each request to a Handler
// through an Exchange: answer it whole, stream the answer (logs -f), or take the connection over (the
// upgraded exec / attach / portForward streams, which are proxied byte for byte to the CRI streaming server).
// Transport (TLS, HTTP/1.1 framing, authentication, authorization) stays in the server; handlers see only this.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace kubenode::server {

// Who made the request, as authentication established it: an x509 client certificate (CN = name,
// O = groups) or a bearer token's TokenReview. "system:anonymous" / "system:unauthenticated" otherwise.
struct UserInfo {
  std::string name;
  std::string uid;
  std::vector<std::string> groups;
  std::map<std::string, std::vector<std::string>> extra;
};

struct Request {
  std::string method;  // "GET"
  std::string target;  // as sent: "/containerLogs/default/nginx/nginx?follow=true"
  std::string path;    // percent-decoded, without the query: "/containerLogs/default/nginx/nginx"
  std::multimap<std::string, std::string> query;    // percent-decoded names and values
  std::multimap<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string remote_address;  // "10.0.0.1:43210"
  UserInfo user;

  // The first value, or "" when absent.
  std::string Query(std::string_view name) const;
  bool HasQuery(std::string_view name) const;
  std::string Header(std::string_view lower_case_name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;  // beyond Content-Type / Content-Length
  std::string body;

  static Response Text(int status, std::string body);
  static Response Json(int status, std::string body);  // application/json
};

// The answer's body sent in pieces (chunked transfer encoding).
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  // Sends `data` now (flushed); an error once the client is gone.
  virtual Status Write(std::string_view data) = 0;
  // True once the client closed its side (checked without blocking), so that a follower waiting for new
  // log lines stops even when it has nothing to write.
  virtual bool ClientGone() = 0;
};

// A connection taken over by a handler (after an Upgrade request): the raw bytes in both directions, with
// TLS (if any) below. Used from one thread at a time.
class ByteStream {
 public:
  virtual ~ByteStream() = default;
  // Reads what is available (blocking until something is): bytes read, 0 at end of stream, or an error.
  virtual Result<size_t> ReadSome(char* buffer, size_t size) = 0;
  virtual Status WriteAll(std::string_view data) = 0;
  // Shuts the write direction (TLS close_notify / TCP FIN) so the peer sees the end of the stream.
  virtual void ShutdownWrite() = 0;
  // For poll(): the socket, and whether bytes are already buffered above it (read by the HTTP parser or
  // decrypted by TLS) so that ReadSome returns without the socket becoming readable.
  virtual int fd() const = 0;
  virtual bool HasBuffered() const = 0;
};

// One request being served. A handler calls exactly one of Respond, StartStream or Hijack; a handler that
// returns without calling any answers 500.
class Exchange {
 public:
  virtual ~Exchange() = default;
  virtual const Request& request() const = 0;
  virtual void Respond(Response response) = 0;
  // Sends the status line and headers (Transfer-Encoding: chunked); the stream ends when the handler
  // returns. Null when the client is already gone.
  virtual ResponseStream* StartStream(int status, std::string content_type,
                                      std::vector<std::pair<std::string, std::string>> headers = {}) = 0;
  // Hands the connection to the handler, which owns it from here: nothing more is sent by the server and the
  // connection is not reused. Bytes the client sent after the request head are readable from it.
  virtual std::unique_ptr<ByteStream> Hijack() = 0;
};

using Handler = std::function<void(Exchange&)>;

// Routes by method and path: an exact path ("/healthz") or a prefix ending in '/' ("/containerLogs/"). The
// longest match wins; "*" as method matches any.
class Router {
 public:
  void Add(std::string method, std::string pattern, Handler handler);
  // The handler for the request, or null (the server then answers 404, or 405 when only the method differs).
  const Handler* Find(std::string_view method, std::string_view path, bool* path_known = nullptr) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    Handler handler;
  };
  std::vector<Route> routes_;
};

// Splits "/a/b/c" after `prefix` into its segments ("/containerLogs/" + "ns/pod/c" -> {"ns","pod","c"}).
std::vector<std::string> PathSegments(std::string_view path, std::string_view prefix);

}  // namespace kubenode::server
