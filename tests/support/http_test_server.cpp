#include "support/http_test_server.hpp"

#include <zlib.h>

#include <algorithm>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "asio/asio.hpp"

namespace fcd::test {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

std::string lower(std::string_view text) {
  std::string out{text};
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 404: return "Not Found";
    case 410: return "Gone";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

}  // namespace

std::string ReceivedRequest::header(std::string_view name) const {
  auto it = headers.find(lower(name));
  return it == headers.end() ? std::string{} : it->second;
}

ScriptedResponse ScriptedResponse::ok(std::string body, std::string content_type) {
  ScriptedResponse response;
  response.body = std::move(body);
  response.header("Content-Type", std::move(content_type));
  return response;
}

ScriptedResponse ScriptedResponse::status_only(int status) {
  ScriptedResponse response;
  response.status = status;
  return response;
}

ScriptedResponse ScriptedResponse::redirect(int status, std::string location) {
  ScriptedResponse response;
  response.status = status;
  response.header("Location", std::move(location));
  return response;
}

ScriptedResponse ScriptedResponse::gzipped(std::string_view body, std::string content_type) {
  ScriptedResponse response = ok(gzip(body), std::move(content_type));
  response.header("Content-Encoding", "gzip");
  return response;
}

std::string gzip(std::string_view data) {
  z_stream stream{};
  // windowBits 15 + 16: a gzip wrapper rather than zlib's.
  if (deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("deflateInit2 failed");
  std::string out(deflateBound(&stream, data.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int status = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  if (status != Z_STREAM_END) throw std::runtime_error("deflate failed");
  return out;
}

class HttpTestServer::Impl {
 public:
  explicit Impl(const std::string& address) : acceptor_(io_, tcp::endpoint{asio::ip::make_address(address), 0}) {
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(io_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }

  ~Impl() {
    io_.stop();
    thread_.join();
  }

  std::uint16_t port() const { return port_; }

  void route(std::string path, Handler handler) {
    std::lock_guard lock{mutex_};
    routes_[std::move(path)] = std::move(handler);
  }

  std::vector<ReceivedRequest> requests() const {
    std::lock_guard lock{mutex_};
    return log_;
  }

 private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      error_code ec;
      tcp::socket socket = co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      asio::co_spawn(io_, session(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> session(tcp::socket socket) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> request;
      error_code ec;
      co_await http::async_read(socket, buffer, request, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      ReceivedRequest received;
      received.method = std::string{request.method_string()};
      received.target = std::string{request.target()};
      for (const auto& field : request) {
        const auto name = field.name_string();
        received.headers[lower(std::string_view{name.data(), name.size()})] = std::string{field.value()};
      }
      Handler handler;
      {
        std::lock_guard lock{mutex_};
        log_.push_back(received);
        auto it = routes_.find(std::string{path_of(received.target)});
        if (it != routes_.end()) handler = it->second;
      }
      const ScriptedResponse response = handler ? handler(received) : ScriptedResponse::status_only(404);
      const bool keep_alive = co_await respond(socket, response);
      if (!keep_alive || !request.keep_alive()) co_return;
    }
  }

  static std::string head(const ScriptedResponse& response, std::optional<std::size_t> content_length) {
    std::string text = "HTTP/1.1 " + std::to_string(response.status) + " " + std::string{reason(response.status)} + "\r\n";
    for (const auto& [name, value] : response.headers) text += name + ": " + value + "\r\n";
    if (content_length) text += "Content-Length: " + std::to_string(*content_length) + "\r\n";
    else text += "Transfer-Encoding: chunked\r\n";
    return text + "\r\n";
  }

  static asio::awaitable<bool> send(tcp::socket& socket, std::string_view bytes) {
    error_code ec;
    co_await asio::async_write(socket, asio::buffer(bytes.data(), bytes.size()),
                               asio::redirect_error(asio::use_awaitable, ec));
    co_return !ec;
  }

  static std::string chunk(std::string_view data) {
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    return size + std::string{data} + "\r\n";
  }

  // Reads and drops whatever comes until the client closes the connection.
  static asio::awaitable<void> wait_for_close(tcp::socket& socket) {
    char sink[512];
    for (;;) {
      error_code ec;
      co_await socket.async_read_some(asio::buffer(sink), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
    }
  }

  asio::awaitable<bool> respond(tcp::socket& socket, const ScriptedResponse& response) {
    const std::string& body = response.body;
    switch (response.behaviour) {
      case Behaviour::kNormal:
        if (response.chunked) {
          std::string text = head(response, std::nullopt);
          if (!body.empty()) text += chunk(body);
          co_return co_await send(socket, text + "0\r\n\r\n");
        }
        co_return co_await send(socket, head(response, body.size()) + body);
      case Behaviour::kNoAnswer:
        co_await wait_for_close(socket);
        co_return false;
      case Behaviour::kStallAfterHeaders:
        if (co_await send(socket, head(response, body.size()))) co_await wait_for_close(socket);
        co_return false;
      case Behaviour::kDrip: {
        if (!co_await send(socket, head(response, body.size()))) co_return false;
        asio::steady_timer timer{io_};
        for (char byte : body) {
          timer.expires_after(response.drip_interval);
          error_code ec;
          co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
          if (!co_await send(socket, std::string_view{&byte, 1})) co_return false;
        }
        co_return true;
      }
      case Behaviour::kCloseMidBody:
        co_await send(socket, head(response, body.size()) + body.substr(0, body.size() / 2));
        co_return false;
      case Behaviour::kEndless: {
        if (!co_await send(socket, head(response, std::nullopt))) co_return false;
        const std::string piece = chunk(std::string(16 * 1024, 'x'));
        for (std::size_t sent = 0; sent < (std::size_t{1} << 30); sent += piece.size())
          if (!co_await send(socket, piece)) co_return false;
        co_return false;
      }
      case Behaviour::kLyingLength:
        co_await send(socket, head(response, response.declared_length) + body);
        co_return false;
    }
    co_return false;
  }

  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  mutable std::mutex mutex_;
  std::map<std::string, Handler> routes_;
  std::vector<ReceivedRequest> log_;
  std::thread thread_;
};

HttpTestServer::HttpTestServer(std::string address) : address_(std::move(address)) {
  if (!asio::ip::make_address(address_).is_loopback()) throw std::invalid_argument("test servers bind loopback only");
  impl_ = std::make_unique<Impl>(address_);
}

HttpTestServer::~HttpTestServer() = default;

std::uint16_t HttpTestServer::port() const { return impl_->port(); }

std::string HttpTestServer::url(std::string_view path) const {
  return "http://" + address_ + ":" + std::to_string(port()) + std::string{path};
}

void HttpTestServer::route(std::string path, ScriptedResponse response) {
  impl_->route(std::move(path), [response = std::move(response)](const ReceivedRequest&) { return response; });
}

void HttpTestServer::route(std::string path, Handler handler) { impl_->route(std::move(path), std::move(handler)); }

std::vector<ReceivedRequest> HttpTestServer::requests() const { return impl_->requests(); }

std::vector<ReceivedRequest> HttpTestServer::requests_for(std::string_view path) const {
  std::vector<ReceivedRequest> matching;
  for (auto& request : impl_->requests())
    if (path_of(request.target) == path) matching.push_back(std::move(request));
  return matching;
}

}  // namespace fcd::test
