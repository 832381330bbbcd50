#include "service/http_server.hpp"

#include <algorithm>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <list>

#include "log/log.hpp"

namespace fcd::service {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr std::string_view kServerName = "feedclusterd";
constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";
constexpr std::string_view kTextContentType = "text/plain; charset=utf-8";
// After an accept failure such as EMFILE, wait before trying again instead of
// spinning on the same error.
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

std::string one_line(std::string text) {
  std::replace_if(text.begin(), text.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  return text;
}

// Beast in Boost 1.74 takes boost::string_view, not std::string_view.
beast::string_view to_beast(std::string_view text) { return {text.data(), text.size()}; }

bool is_parse_error(const error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_target).category();
}

Response text_response(http::status status, std::string body, std::string_view content_type = kTextContentType) {
  Response response{status, 11};
  response.set(http::field::server, to_beast(kServerName));
  response.set(http::field::content_type, to_beast(content_type));
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

// Registers a connection for stop() and removes it on every way out.
class ConnectionGuard {
 public:
  ConnectionGuard(std::list<beast::tcp_stream*>& connections, beast::tcp_stream& stream)
      : connections_(connections), it_(connections.insert(connections.end(), &stream)) {}
  ~ConnectionGuard() { connections_.erase(it_); }
  ConnectionGuard(const ConnectionGuard&) = delete;
  ConnectionGuard& operator=(const ConnectionGuard&) = delete;

 private:
  std::list<beast::tcp_stream*>& connections_;
  std::list<beast::tcp_stream*>::iterator it_;
};

// Completion of a co_spawn'd coroutine: detached would drop an escaped
// exception without a word; this logs it instead of letting it reach run().
struct LogEscapedException {
  std::shared_ptr<spdlog::logger> log;
  const char* what;
  void operator()(const std::exception_ptr& error) const noexcept {
    if (!error) return;
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      log->error("{} ended: {}", what, e.what());
    } catch (...) {
      log->error("{} ended by an unknown exception", what);
    }
  }
};

}  // namespace

std::optional<tcp::endpoint> parse_listen_address(std::string_view text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  const bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
  if (bracketed) host = host.substr(1, host.size() - 2);
  else if (host.find(':') != std::string_view::npos) return std::nullopt;  // IPv6 needs brackets

  std::uint16_t port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc{} || end != port_text.data() + port_text.size()) return std::nullopt;

  error_code address_ec;
  const asio::ip::address address = asio::ip::make_address(std::string{host}, address_ec);
  if (address_ec || address.is_v6() != bracketed) return std::nullopt;
  return tcp::endpoint{address, port};
}

// Owned jointly by the server and its coroutines, so a server destroyed while
// handlers are pending leaves them something valid to find "stopped" in.
struct HttpServer::State {
  State(asio::io_context& io, const Registry& registry, HealthCheck check, HttpServerLimits server_limits)
      : acceptor(io), metrics(registry), health(std::move(check)), limits(server_limits), log(log::get("http")) {}

  tcp::acceptor acceptor;
  const Registry& metrics;
  HealthCheck health;
  HttpServerLimits limits;
  std::shared_ptr<spdlog::logger> log;
  bool stopped = false;
  bool refusing = false;  // at max_connections; logged once per episode
  std::list<beast::tcp_stream*> connections;  // open ones, for stop() to close

  static asio::awaitable<void> accept_loop(std::shared_ptr<State> self);
  static asio::awaitable<void> serve(std::shared_ptr<State> self, tcp::socket socket);
  // Reads requests and answers them until the client closes, a limit is hit
  // or the server stops.
  asio::awaitable<void> converse(beast::tcp_stream& stream);
  Response answer(const Request& request) const;
  Response answer_health() const;
  Response answer_metrics() const;
};

asio::awaitable<void> HttpServer::State::accept_loop(std::shared_ptr<State> self) {
  asio::steady_timer retry{self->acceptor.get_executor()};
  while (!self->stopped) {
    error_code ec;
    tcp::socket socket = co_await self->acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (self->stopped || ec == asio::error::operation_aborted) co_return;
    if (ec) {
      self->log->warn("accept on {} failed: {}", self->acceptor.local_endpoint(ec).port(), ec.message());
      retry.expires_after(kAcceptRetryDelay);
      co_await retry.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    if (self->connections.size() >= self->limits.max_connections) {
      if (!self->refusing)
        self->log->warn("refusing connections: {} open already (max_connections)", self->connections.size());
      self->refusing = true;
      socket.close(ec);
      continue;
    }
    self->refusing = false;
    auto executor = socket.get_executor();
    asio::co_spawn(executor, serve(self, std::move(socket)), LogEscapedException{self->log, "connection"});
  }
}

asio::awaitable<void> HttpServer::State::serve(std::shared_ptr<State> self, tcp::socket socket) {
  beast::tcp_stream stream{std::move(socket)};
  const ConnectionGuard guard{self->connections, stream};
  try {
    co_await self->converse(stream);
  } catch (const std::exception& e) {
    self->log->error("connection dropped: {}", e.what());
  } catch (...) {
    self->log->error("connection dropped by an unknown exception");
  }
  error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.close();
}

asio::awaitable<void> HttpServer::State::converse(beast::tcp_stream& stream) {
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    parser.body_limit(limits.max_body_bytes);
    error_code ec;
    stream.expires_after(limits.request_timeout);
    co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (stopped) co_return;

    Response response;
    if (!ec) {
      response = answer(parser.get());
      response.keep_alive(parser.get().keep_alive());
    } else if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
      response = text_response(parser.is_header_done() ? http::status::payload_too_large
                                                       : http::status::request_header_fields_too_large,
                               "request too large\n");
      response.keep_alive(false);
    } else if (ec == http::error::body_limit) {
      response = text_response(http::status::payload_too_large, "request too large\n");
      response.keep_alive(false);
    } else if (is_parse_error(ec) && ec != http::error::end_of_stream && ec != http::error::partial_message) {
      response = text_response(http::status::bad_request, "bad request\n");
      response.keep_alive(false);
    } else {
      // The client closed, timed out or reset: nobody to answer.
      if (ec != http::error::end_of_stream && ec != beast::error::timeout)
        log->debug("reading a request failed: {}", ec.message());
      co_return;
    }

    stream.expires_after(limits.request_timeout);
    co_await http::async_write(stream, response, asio::redirect_error(asio::use_awaitable, ec));
    if (stopped || ec || !response.keep_alive()) co_return;
  }
}

Response HttpServer::State::answer(const Request& request) const {
  const std::string_view target{request.target().data(), request.target().size()};
  const std::string_view path = target.substr(0, target.find('?'));
  const bool head = request.method() == http::verb::head;
  Response response;
  if (request.method() != http::verb::get && !head) {
    response = text_response(http::status::method_not_allowed, "method not allowed\n");
    response.set(http::field::allow, "GET, HEAD");
  } else if (path == "/metrics") {
    response = answer_metrics();
  } else if (path == "/healthz") {
    response = answer_health();
  } else {
    response = text_response(http::status::not_found, "not found\n");
  }
  // HEAD: the same headers, Content-Length included, and no body.
  if (head) response.body().clear();
  return response;
}

Response HttpServer::State::answer_metrics() const {
  try {
    return text_response(http::status::ok, metrics.expose(), kMetricsContentType);
  } catch (const std::exception& e) {
    log->error("rendering /metrics failed: {}", e.what());
    return text_response(http::status::internal_server_error, "metrics unavailable\n");
  }
}

Response HttpServer::State::answer_health() const {
  HealthStatus status;
  try {
    status = health ? health() : HealthStatus{};
  } catch (const std::exception& e) {
    status = HealthStatus{false, std::string{"health check failed: "} + e.what()};
  }
  if (status.healthy) return text_response(http::status::ok, "ok\n");
  std::string reason = one_line(std::move(status.reason));
  if (reason.empty()) reason = "unhealthy";
  return text_response(http::status::service_unavailable, reason + "\n");
}

HttpServer::HttpServer(asio::io_context& io, std::string_view listen, const Registry& metrics, HealthCheck health,
                       HttpServerLimits limits)
    : state_(std::make_shared<State>(io, metrics, std::move(health), limits)) {
  const std::optional<tcp::endpoint> endpoint = parse_listen_address(listen);
  if (!endpoint)
    throw HttpServerError("http.listen \"" + std::string{listen} +
                          "\" is not ADDRESS:PORT (e.g. 127.0.0.1:9464 or [::1]:9464)");
  error_code ec;
  tcp::acceptor& acceptor = state_->acceptor;
  acceptor.open(endpoint->protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(*endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw HttpServerError("http.listen \"" + std::string{listen} + "\": " + ec.message());
  const tcp::endpoint bound = acceptor.local_endpoint(ec);
  state_->log->info("serving /metrics and /healthz on {}:{}", bound.address().to_string(), bound.port());
  asio::co_spawn(io, State::accept_loop(state_), LogEscapedException{state_->log, "the http accept loop"});
}

HttpServer::~HttpServer() { stop(); }

tcp::endpoint HttpServer::local_endpoint() const {
  error_code ec;
  return state_->acceptor.local_endpoint(ec);
}

std::uint16_t HttpServer::port() const { return local_endpoint().port(); }

void HttpServer::stop() {
  if (state_->stopped) return;
  state_->stopped = true;
  error_code ec;
  state_->acceptor.close(ec);
  for (beast::tcp_stream* stream : state_->connections) stream->close();
}

}  // namespace fcd::service
