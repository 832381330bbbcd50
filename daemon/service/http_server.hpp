#pragma once
// The metrics and health listener: a tiny HTTP/1.1 server (Boost.Beast) on the
// daemon's io_context.
//
//   GET /metrics  200, Prometheus text format 0.0.4 from a Registry
//   GET /healthz  200 "ok", or 503 with the one-line reason from HealthCheck
//   other paths   404;  methods other than GET and HEAD: 405
//
// Connections are kept alive. Every read of a request (including the idle
// wait for the next one) and every write is bounded by request_timeout, and a
// request whose header or body exceeds the limits is answered 431 or 413 and
// the connection closed, so a slow or huge client holds one connection slot at
// most for request_timeout and never blocks the others.
//
// Threading: the io_context must be run by one thread (the daemon's network
// thread). Construct, stop() and destroy the server on that thread or while
// the io_context is not running; the io_context must outlive the server.
// Nothing escapes into the loop: errors are logged to log::get("http").
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "asio/asio.hpp"
#include "service/metrics.hpp"

namespace fcd::service {

struct HealthStatus {
  bool healthy = true;
  std::string reason;  // why not healthy; one line (newlines are replaced)
};

// Called on the network thread for each /healthz request: keep it cheap
// (read state the loop keeps; never block on the database). An exception is
// answered 503 with its message.
using HealthCheck = std::function<HealthStatus()>;

struct HttpServerLimits {
  std::size_t max_header_bytes = 8 * 1024;  // request line and headers: else 431
  std::size_t max_body_bytes = 4 * 1024;    // GET needs none: else 413
  std::chrono::milliseconds request_timeout{10'000};
  std::size_t max_connections = 32;  // more are closed on accept
};

// "ADDRESS:PORT" with an IPv4 literal or a bracketed IPv6 literal:
// "127.0.0.1:9464", "[::1]:9464", "0.0.0.0:0". Host names are refused (no
// resolving at start-up). nullopt when the text is not of that form.
std::optional<asio::ip::tcp::endpoint> parse_listen_address(std::string_view text);

// The listener could not start: bad address text, or bind/listen failed.
// what() names the address and the reason.
class HttpServerError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class HttpServer {
 public:
  // Binds and listens at once (so port() is known), then accepts whenever
  // the io_context runs. metrics and health must outlive the server. Throws
  // HttpServerError.
  HttpServer(asio::io_context& io, std::string_view listen, const Registry& metrics, HealthCheck health,
             HttpServerLimits limits = {});
  // Calls stop().
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  asio::ip::tcp::endpoint local_endpoint() const;
  // The bound port: the kernel's choice when the address said port 0.
  std::uint16_t port() const;

  // Closes the acceptor and every open connection; responses being written
  // are abandoned. Idempotent. Pending handlers finish on the io_context.
  void stop();

 private:
  struct State;
  std::shared_ptr<State> state_;  // shared with the coroutines, which may outlive *this
};

}  // namespace fcd::service
