#pragma once
// A scriptable HTTP/1.1 server on 127.0.0.1 for tests (never any other
// address): each path answers as the test says, including hostile
// behaviours (drip, stall, silence, close mid-body, endless body, lying
// Content-Length), and every request received is logged so a test can assert
// what the client sent.
//
// Threading: the server runs its own io_context on its own thread, started by
// the constructor and joined by the destructor. route(), requests() and
// port() may be called from any thread.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fcd::test {

struct ReceivedRequest {
  std::string method;
  std::string target;  // path and query as sent
  std::map<std::string, std::string> headers;  // names in lower case
  // The header's value, "" when absent; name in any case.
  std::string header(std::string_view name) const;
};

enum class Behaviour {
  kNormal,             // status, headers, body with a true Content-Length (or chunked)
  kDrip,               // headers, then one body byte every drip_interval
  kStallAfterHeaders,  // headers, then silence until the client gives up
  kNoAnswer,           // read the request, never answer
  kCloseMidBody,       // true Content-Length, half the body, then close
  kEndless,            // chunked body that never ends (bounded at 1 GiB)
  kLyingLength,        // Content-Length says declared_length, body is shorter, then close
};

struct ScriptedResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  Behaviour behaviour = Behaviour::kNormal;
  bool chunked = false;  // kNormal: Transfer-Encoding: chunked instead of Content-Length
  std::chrono::milliseconds drip_interval{1000};
  std::size_t declared_length = 0;  // kLyingLength

  ScriptedResponse& header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }

  static ScriptedResponse ok(std::string body, std::string content_type = "application/rss+xml");
  static ScriptedResponse status_only(int status);
  static ScriptedResponse redirect(int status, std::string location);
  // body gzip-compressed with Content-Encoding: gzip.
  static ScriptedResponse gzipped(std::string_view body, std::string content_type = "application/rss+xml");
};

// Decides the answer per request; lets a test answer 304 to a matching
// If-None-Match, count requests, and so on.
using Handler = std::function<ScriptedResponse(const ReceivedRequest&)>;

class HttpTestServer {
 public:
  // Binds address (127.0.0.1, or another IPv4 loopback address such as
  // 127.0.0.2: never anything but loopback) on a free port and starts serving.
  // Throws on failure.
  explicit HttpTestServer(std::string address = "127.0.0.1");
  ~HttpTestServer();
  HttpTestServer(const HttpTestServer&) = delete;
  HttpTestServer& operator=(const HttpTestServer&) = delete;

  std::uint16_t port() const;
  // "http://<address>:<port><path>"; path starts with '/'.
  std::string url(std::string_view path) const;

  // Scripts a path (matched without the query string). Unscripted paths get 404.
  void route(std::string path, ScriptedResponse response);
  void route(std::string path, Handler handler);

  std::vector<ReceivedRequest> requests() const;
  std::vector<ReceivedRequest> requests_for(std::string_view path) const;

 private:
  class Impl;
  std::string address_;
  std::unique_ptr<Impl> impl_;
};

// gzip (RFC 1952) of data, for scripted bodies and bombs.
std::string gzip(std::string_view data);

}  // namespace fcd::test
