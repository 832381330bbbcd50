#include "service/http_server.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "asio/asio.hpp"

namespace fcd::service {
namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using asio::ip::tcp;
using boost::system::error_code;
using ::testing::HasSubstr;

constexpr std::chrono::seconds kClientTimeout{5};

// A blocking-looking client over async Beast calls on its own io_context, so
// every step is bounded by kClientTimeout even if the server misbehaves.
class Client {
 public:
  explicit Client(std::uint16_t port) {
    stream_.expires_after(kClientTimeout);
    stream_.async_connect(tcp::endpoint{asio::ip::make_address("127.0.0.1"), port}, [this](error_code ec) {
      if (ec) throw std::runtime_error("connect: " + ec.message());
    });
    run();
  }

  http::response<http::string_body> request(http::verb method, std::string target) {
    http::request<http::string_body> request{method, target, 11};
    request.set(http::field::host, "127.0.0.1");
    return exchange(request, method == http::verb::head);
  }

  // Sends raw bytes, then reads one response.
  http::response<http::string_body> raw(const std::string& bytes) {
    send(bytes);
    return read_response(false);
  }

  void send(const std::string& bytes) {
    stream_.expires_after(kClientTimeout);
    asio::async_write(stream_, asio::buffer(bytes), [](error_code ec, std::size_t) {
      if (ec) throw std::runtime_error("write: " + ec.message());
    });
    run();
  }

  // The error that ends the next read: end_of_stream when the server closed
  // the connection cleanly, timeout when it kept it open.
  error_code read_error() {
    http::response<http::string_body> response;
    error_code result;
    stream_.expires_after(kClientTimeout);
    http::async_read(stream_, buffer_, response, [&](error_code ec, std::size_t) { result = ec; });
    run();
    return result;
  }

 private:
  http::response<http::string_body> exchange(http::request<http::string_body>& request, bool head) {
    stream_.expires_after(kClientTimeout);
    http::async_write(stream_, request, [](error_code ec, std::size_t) {
      if (ec) throw std::runtime_error("write: " + ec.message());
    });
    run();
    return read_response(head);
  }

  http::response<http::string_body> read_response(bool head) {
    http::response_parser<http::string_body> parser;
    parser.skip(head);  // a response to HEAD has headers only
    stream_.expires_after(kClientTimeout);
    http::async_read(stream_, buffer_, parser, [](error_code ec, std::size_t) {
      if (ec) throw std::runtime_error("read: " + ec.message());
    });
    run();
    return parser.release();
  }

  void run() {
    io_.restart();
    io_.run();
  }

  asio::io_context io_;
  beast::tcp_stream stream_{io_};
  beast::flat_buffer buffer_;
};

class HttpServerTest : public ::testing::Test {
 protected:
  void start(HttpServerLimits limits = {}) {
    registry_.counter("app_requests_total", "Requests.").inc(3);
    server_ = std::make_unique<HttpServer>(io_, "127.0.0.1:0", registry_, [this] { return health(); }, limits);
    thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    if (server_) stop();
  }

  void stop() {
    asio::post(io_, [this] { server_->stop(); });
    // run() returns once the acceptor and every connection have wound down.
    thread_.join();
    server_.reset();
  }

  void set_health(HealthStatus status) {
    std::lock_guard lock{mutex_};
    health_ = std::move(status);
  }

  HealthStatus health() {
    std::lock_guard lock{mutex_};
    if (health_throws_) throw std::runtime_error("boom");
    return health_;
  }

  void make_health_throw() {
    std::lock_guard lock{mutex_};
    health_throws_ = true;
  }

  std::uint16_t port() const { return server_->port(); }

  asio::io_context io_;
  Registry registry_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  std::mutex mutex_;
  HealthStatus health_;
  bool health_throws_ = false;
};

TEST(ListenAddress, ParsesLiteralsOnly) {
  EXPECT_EQ(parse_listen_address("127.0.0.1:9464"), (tcp::endpoint{asio::ip::make_address("127.0.0.1"), 9464}));
  EXPECT_EQ(parse_listen_address("[::1]:0"), (tcp::endpoint{asio::ip::make_address("::1"), 0}));
  EXPECT_EQ(parse_listen_address("0.0.0.0:65535"), (tcp::endpoint{asio::ip::make_address("0.0.0.0"), 65535}));
  for (const char* bad : {"", "127.0.0.1", "127.0.0.1:", ":9464", "localhost:9464", "::1:9464", "[127.0.0.1]:1",
                          "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:94x", "[::1]9464", "1.2.3:80"})
    EXPECT_FALSE(parse_listen_address(bad)) << bad;
}

TEST(HttpServerStart, RefusesBadAddressAndBusyPort) {
  asio::io_context io;
  Registry registry;
  EXPECT_THROW(HttpServer(io, "localhost:9464", registry, {}), HttpServerError);
  const HttpServer first{io, "127.0.0.1:0", registry, {}};
  try {
    const HttpServer second{io, "127.0.0.1:" + std::to_string(first.port()), registry, {}};
    FAIL() << "bound a port already in use";
  } catch (const HttpServerError& e) {
    EXPECT_THAT(e.what(), HasSubstr(std::to_string(first.port())));
  }
}

TEST_F(HttpServerTest, ServesMetricsInPrometheusTextFormat) {
  start();
  EXPECT_NE(port(), 0);
  Client client{port()};
  const auto response = client.request(http::verb::get, "/metrics");
  EXPECT_EQ(response.result(), http::status::ok);
  EXPECT_EQ(response[http::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(response.body(), registry_.expose());
  EXPECT_THAT(response.body(), HasSubstr("app_requests_total 3\n"));
  // A query string does not change the path.
  EXPECT_EQ(client.request(http::verb::get, "/metrics?name[]=x").result(), http::status::ok);
}

TEST_F(HttpServerTest, HeadHasTheHeadersAndNoBody) {
  start();
  Client client{port()};
  const auto response = client.request(http::verb::head, "/metrics");
  EXPECT_EQ(response.result(), http::status::ok);
  EXPECT_EQ(response[http::field::content_length], std::to_string(registry_.expose().size()));
  EXPECT_TRUE(response.body().empty());
  // The connection is still in step: the next answer is read whole.
  EXPECT_EQ(client.request(http::verb::get, "/healthz").body(), "ok\n");
}

TEST_F(HttpServerTest, HealthzAnswersFromTheCallback) {
  start();
  Client client{port()};
  auto response = client.request(http::verb::get, "/healthz");
  EXPECT_EQ(response.result(), http::status::ok);
  EXPECT_EQ(response.body(), "ok\n");

  set_health({false, "database: connection refused\nretrying"});
  response = client.request(http::verb::get, "/healthz");
  EXPECT_EQ(response.result(), http::status::service_unavailable);
  EXPECT_EQ(response.body(), "database: connection refused retrying\n");

  make_health_throw();
  response = client.request(http::verb::get, "/healthz");
  EXPECT_EQ(response.result(), http::status::service_unavailable);
  EXPECT_EQ(response.body(), "health check failed: boom\n");
}

TEST_F(HttpServerTest, UnknownPathIs404AndOtherMethods405) {
  start();
  Client client{port()};
  EXPECT_EQ(client.request(http::verb::get, "/").result(), http::status::not_found);
  EXPECT_EQ(client.request(http::verb::get, "/metricsx").result(), http::status::not_found);
  const auto response = client.request(http::verb::post, "/metrics");
  EXPECT_EQ(response.result(), http::status::method_not_allowed);
  EXPECT_EQ(response[http::field::allow], "GET, HEAD");
  EXPECT_EQ(client.request(http::verb::delete_, "/healthz").result(), http::status::method_not_allowed);
}

TEST_F(HttpServerTest, GarbageIs400AndCloses) {
  start();
  Client client{port()};
  EXPECT_EQ(client.raw("NOT AN HTTP REQUEST\r\n\r\n").result(), http::status::bad_request);
  EXPECT_EQ(client.read_error(), http::error::end_of_stream);
}

TEST_F(HttpServerTest, OversizedHeaderIs431AndCloses) {
  HttpServerLimits limits;
  limits.max_header_bytes = 1024;
  start(limits);
  Client client{port()};
  const auto response = client.raw("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n");
  EXPECT_EQ(response.result(), http::status::request_header_fields_too_large);
  EXPECT_EQ(client.read_error(), http::error::end_of_stream);
}

TEST_F(HttpServerTest, OversizedBodyIs413AndCloses) {
  start();
  Client client{port()};
  const auto response = client.raw("GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n");
  EXPECT_EQ(response.result(), http::status::payload_too_large);
  EXPECT_EQ(client.read_error(), http::error::end_of_stream);
}

TEST_F(HttpServerTest, SlowClientIsCutOffWithoutHoldingOthers) {
  HttpServerLimits limits;
  limits.request_timeout = std::chrono::milliseconds{300};
  start(limits);
  Client slow{port()};
  slow.send("GET /metr");  // and then nothing more
  // Another client is served while the slow one dawdles.
  Client other{port()};
  EXPECT_EQ(other.request(http::verb::get, "/healthz").result(), http::status::ok);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(slow.read_error(), http::error::end_of_stream);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds{3});
}

TEST_F(HttpServerTest, ConnectionsBeyondTheLimitAreClosed) {
  HttpServerLimits limits;
  limits.max_connections = 1;
  start(limits);
  Client first{port()};
  EXPECT_EQ(first.request(http::verb::get, "/healthz").result(), http::status::ok);  // accepted and open
  Client second{port()};
  EXPECT_NE(second.read_error(), beast::error::timeout);  // closed at once, nothing answered
  EXPECT_EQ(first.request(http::verb::get, "/healthz").result(), http::status::ok);
}

TEST_F(HttpServerTest, StopClosesTheAcceptorAndOpenConnections) {
  start();
  const std::uint16_t bound = port();
  Client idle{bound};
  EXPECT_EQ(idle.request(http::verb::get, "/healthz").result(), http::status::ok);
  stop();
  EXPECT_EQ(idle.read_error(), http::error::end_of_stream);
  asio::io_context io;
  tcp::socket socket{io};
  error_code ec;
  socket.connect(tcp::endpoint{asio::ip::make_address("127.0.0.1"), bound}, ec);
  EXPECT_EQ(ec, asio::error::connection_refused);
}

}  // namespace
}  // namespace fcd::service
