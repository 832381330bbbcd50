#include "fetch/fetcher.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <xxhash.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <deque>
#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <stdexcept>
#include <unordered_set>
#include <vector>

#include "core/ascii.hpp"
#include "core/version.hpp"
#include "fetch/address_filter.hpp"
#include "fetch/curl_handles.hpp"
#include "fetch/url.hpp"

namespace fcd::fetch {

namespace detail {

void ensure_curl_global_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw std::runtime_error("curl_global_init failed");
  });
}

}  // namespace detail

std::string_view to_string(FetchError error) {
  switch (error) {
    case FetchError::kNone: return "none";
    case FetchError::kInvalidUrl: return "invalid_url";
    case FetchError::kUnsupportedProtocol: return "unsupported_protocol";
    case FetchError::kBlockedAddress: return "blocked_address";
    case FetchError::kResolve: return "resolve";
    case FetchError::kConnect: return "connect";
    case FetchError::kTimeout: return "timeout";
    case FetchError::kTls: return "tls";
    case FetchError::kBodyTooLarge: return "body_too_large";
    case FetchError::kBadContentEncoding: return "bad_content_encoding";
    case FetchError::kTooManyRedirects: return "too_many_redirects";
    case FetchError::kRedirectLoop: return "redirect_loop";
    case FetchError::kBrokenTransfer: return "broken_transfer";
    case FetchError::kCancelled: return "cancelled";
    case FetchError::kInternal: return "internal";
  }
  return "unknown";
}

namespace {

using SteadyClock = std::chrono::steady_clock;
using detail::EasyHandle;
using detail::HeaderList;

constexpr std::string_view kAccept =
    "Accept: application/rss+xml, application/atom+xml, application/feed+json, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8";

std::chrono::microseconds since(SteadyClock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - start);
}

// max-age from a Cache-Control value; no-store/no-cache ask for no minimum.
std::optional<std::chrono::seconds> parse_max_age(std::string_view cache_control) {
  std::optional<std::chrono::seconds> max_age;
  while (!cache_control.empty()) {
    const auto comma = cache_control.find(',');
    const auto directive = core::trim(cache_control.substr(0, comma));
    cache_control = comma == std::string_view::npos ? std::string_view{} : cache_control.substr(comma + 1);
    const auto eq = directive.find('=');
    const auto name = core::trim(directive.substr(0, eq));
    if (core::iequals(name, "no-store") || core::iequals(name, "no-cache")) return std::nullopt;
    if (!core::iequals(name, "max-age") || eq == std::string_view::npos) continue;
    auto value = core::trim(directive.substr(eq + 1));
    if (!value.empty() && value.front() == '"') value = value.substr(1, value.size() >= 2 ? value.size() - 2 : 0);
    long long seconds = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec == std::errc{} && end == value.data() + value.size() && seconds >= 0)
      max_age = std::chrono::seconds{seconds};
  }
  return max_age;
}

// A header value that could forge another header or a log line (CR, LF, ESC,
// NUL, ...) is not kept; tab is ordinary whitespace in HTTP.
bool has_control_characters(std::string_view value) {
  return std::any_of(value.begin(), value.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return (byte < 0x20 && byte != '\t') || byte == 0x7F;
  });
}

// A validator to send back: one we would have kept from a response.
bool is_sendable_validator(std::string_view value) {
  return !value.empty() && value.size() <= kMaxValidatorBytes && !has_control_characters(value);
}

bool is_redirect_status(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// One HTTP exchange (one hop). Lives in the fetch coroutine's frame; curl
// points back at it through CURLOPT_PRIVATE and the callback data pointers.
struct Transfer {
  explicit Transfer(asio::io_context& io) : done_signal(io, SteadyClock::time_point::max()) {}

  EasyHandle easy;
  HeaderList headers;
  HeaderList pinned;  // CURLOPT_RESOLVE: the addresses this hop may connect to
  std::size_t max_body = 0;
  std::string body;
  bool body_too_large = false;
  std::string blocked_address;  // set when open_socket refused an address
  std::string etag, last_modified, content_type, cache_control, retry_after;
  std::array<char, CURL_ERROR_SIZE> error_buffer{};

  bool in_multi = false;
  bool done = false;
  bool cancelled = false;
  CURLcode code = CURLE_OK;
  asio::steady_timer done_signal;  // cancelled when the transfer ends: wakes the coroutine

  static std::size_t on_body(char* data, std::size_t size, std::size_t count, void* self) noexcept {
    auto* transfer = static_cast<Transfer*>(self);
    const std::size_t length = size * count;
    try {
      if (transfer->body.empty()) {
        // One allocation of the announced size instead of a doubling series:
        // less copying and less heap fragmentation across thousands of polls.
        curl_off_t announced = -1;
        curl_easy_getinfo(transfer->easy.get(), CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &announced);
        if (announced > 0)
          transfer->body.reserve(std::min(static_cast<std::size_t>(announced), transfer->max_body));
      }
      if (transfer->body.size() + length > transfer->max_body) {
        // Keep what fits and abort: a gzip bomb is cut off here, one
        // decompressed chunk past the cap, never inflated in full.
        transfer->body.append(data, transfer->max_body - transfer->body.size());
        transfer->body_too_large = true;
        return 0;
      }
      transfer->body.append(data, length);
      return length;
    } catch (...) {
      return 0;
    }
  }

  static std::size_t on_header(char* data, std::size_t size, std::size_t count, void* self) noexcept {
    auto* transfer = static_cast<Transfer*>(self);
    const std::size_t length = size * count;
    try {
      const std::string_view line = core::trim(std::string_view{data, length});
      if (line.starts_with("HTTP/")) {
        // A new response (after 100 Continue or a proxy's CONNECT): forget
        // the headers of the previous one.
        transfer->etag.clear();
        transfer->last_modified.clear();
        transfer->content_type.clear();
        transfer->cache_control.clear();
        transfer->retry_after.clear();
        return length;
      }
      const auto colon = line.find(':');
      if (colon == std::string_view::npos) return length;
      const auto name = core::trim(line.substr(0, colon));
      const std::string_view raw_value = core::trim(line.substr(colon + 1));
      if (has_control_characters(raw_value) || raw_value.size() > kMaxValidatorBytes) return length;
      const std::string value{raw_value};
      if (core::iequals(name, "etag")) transfer->etag = value;
      else if (core::iequals(name, "last-modified")) transfer->last_modified = value;
      else if (core::iequals(name, "content-type")) transfer->content_type = value;
      else if (core::iequals(name, "cache-control")) transfer->cache_control = value;
      else if (core::iequals(name, "retry-after")) transfer->retry_after = value;
      return length;
    } catch (...) {
      return 0;
    }
  }

  static curl_socket_t open_socket(void* self, curlsocktype, curl_sockaddr* address) noexcept {
    auto* transfer = static_cast<Transfer*>(self);
    try {
      std::optional<asio::ip::address> ip;
      if (address->family == AF_INET) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(&address->addr);
        ip = asio::ip::address_v4{ntohl(in->sin_addr.s_addr)};
      } else if (address->family == AF_INET6) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&address->addr);
        asio::ip::address_v6::bytes_type bytes;
        std::copy(std::begin(in6->sin6_addr.s6_addr), std::end(in6->sin6_addr.s6_addr), bytes.begin());
        ip = asio::ip::address_v6{bytes};
      }
      if (!ip || is_private_address(*ip)) {
        transfer->blocked_address = ip ? ip->to_string() : "non-IP address";
        return CURL_SOCKET_BAD;
      }
      return ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
    } catch (...) {
      return CURL_SOCKET_BAD;
    }
  }
};

FetchError classify(const Transfer& transfer) {
  switch (transfer.code) {
    case CURLE_OK: return FetchError::kNone;
    case CURLE_URL_MALFORMAT: return FetchError::kInvalidUrl;
    case CURLE_UNSUPPORTED_PROTOCOL: return FetchError::kUnsupportedProtocol;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY: return FetchError::kResolve;
    case CURLE_COULDNT_CONNECT:
      return transfer.blocked_address.empty() ? FetchError::kConnect : FetchError::kBlockedAddress;
    case CURLE_OPERATION_TIMEDOUT: return FetchError::kTimeout;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR: return FetchError::kTls;
    case CURLE_FILESIZE_EXCEEDED: return FetchError::kBodyTooLarge;
    case CURLE_WRITE_ERROR: return transfer.body_too_large ? FetchError::kBodyTooLarge : FetchError::kInternal;
    case CURLE_BAD_CONTENT_ENCODING: return FetchError::kBadContentEncoding;
    case CURLE_FAILED_INIT: return FetchError::kInternal;
    default: return FetchError::kBrokenTransfer;
  }
}

// Where one hop may connect: the addresses the fetcher resolved, checked and
// pins for curl, all in one address group.
struct Resolution {
  std::vector<asio::ip::address> addresses;
  std::string group;  // address_group of them; empty through a proxy (not resolved here)
  FetchError error = FetchError::kNone;
  std::string message;
};

// "[::1]" -> "::1"; any other host as it is.
std::string unbracketed(const std::string& host) {
  return host.size() >= 2 && host.front() == '[' && host.back() == ']' ? host.substr(1, host.size() - 2) : host;
}

FetcherOptions checked(FetcherOptions options) {
  if (!options.proxy.empty() && options.block_private_addresses)
    throw std::invalid_argument(
        "a proxy cannot be combined with block_private_addresses: the proxy resolves and connects to the feed "
        "host, so the addresses it reaches cannot be checked");
  return options;
}

}  // namespace

class Fetcher::Impl {
 public:
  Impl(asio::io_context& io, FetcherOptions options, const core::WallClock& clock)
      : io_(io),
        options_(checked(std::move(options))),
        clock_(clock),
        user_agent_(options_.user_agent.empty() ? std::string{core::kUserAgent} : options_.user_agent),
        timer_(io),
        budget_(options_.hosts) {
    detail::ensure_curl_global_init();
    multi_.emplace();
    if (curl_multi_setopt(multi_->get(), CURLMOPT_SOCKETFUNCTION, &Impl::on_socket) != CURLM_OK ||
        curl_multi_setopt(multi_->get(), CURLMOPT_SOCKETDATA, this) != CURLM_OK ||
        curl_multi_setopt(multi_->get(), CURLMOPT_TIMERFUNCTION, &Impl::on_timer) != CURLM_OK ||
        curl_multi_setopt(multi_->get(), CURLMOPT_TIMERDATA, this) != CURLM_OK)
      throw std::runtime_error("curl_multi_setopt failed");
  }

  ~Impl() {
    for (Transfer* transfer : transfers_) {
      if (transfer->in_multi) curl_multi_remove_handle(multi_->get(), transfer->easy.get());
      transfer->in_multi = false;
    }
    // Cleanup may still call on_socket (CURL_POLL_REMOVE for cached
    // connections): do it while sockets_ exists.
    multi_.reset();
  }

  asio::awaitable<FetchResult> fetch(FetchRequest request);
  void cancel_all();
  std::size_t in_flight() const { return transfers_.size(); }
  std::size_t queued() const { return waiters_.size(); }

 private:
  // An Asio view of one of curl's descriptors. Asio never owns the fd: curl
  // opens and closes it, so it is release()d, never closed, by us.
  struct SocketWatch {
    explicit SocketWatch(asio::io_context& io) : descriptor(io) {}
    ~SocketWatch() { descriptor.release(); }
    asio::posix::stream_descriptor descriptor;
    int wanted = CURL_POLL_NONE;
    bool read_armed = false;
    bool write_armed = false;
    bool removed = false;
    bool broken = false;  // assign() failed: never armed
  };

  // A coroutine parked until a slot frees up, a token arrives or cancel_all().
  struct Waiter {
    explicit Waiter(asio::io_context& io) : timer(io) {}
    asio::steady_timer timer;
    std::deque<Waiter*>* queue = nullptr;  // the queue holding it, if any
  };

  static int on_socket(CURL*, curl_socket_t fd, int what, void* self, void*) noexcept;
  static int on_timer(CURLM*, long timeout_ms, void* self) noexcept;
  void watch_socket(curl_socket_t fd, int what);
  void arm(curl_socket_t fd, const std::shared_ptr<SocketWatch>& watch);
  static void on_ready(Impl* self, curl_socket_t fd, const std::weak_ptr<SocketWatch>& weak, int direction,
                       const boost::system::error_code& ec);
  void socket_action(curl_socket_t fd, int events);
  void drain_completed();

  asio::awaitable<void> park(Waiter& waiter);
  asio::awaitable<Resolution> resolve(const UrlParts& parts);
  asio::awaitable<bool> acquire_slots(const std::string& host, const std::string& group);
  void release_group_slot(const std::string& group);
  void release_slots(const std::string& host, const std::string& group);
  static void wake_first(std::deque<Waiter*>& queue);

  bool setup(Transfer& transfer, const std::string& url, const UrlParts& parts, const Resolution& resolution,
             const FetchRequest& request, const FetchLimits& limits, std::chrono::milliseconds remaining);
  asio::awaitable<void> run(Transfer& transfer);

  asio::io_context& io_;
  const FetcherOptions options_;
  const core::WallClock& clock_;
  const std::string user_agent_;
  asio::steady_timer timer_;
  std::unordered_map<curl_socket_t, std::shared_ptr<SocketWatch>> sockets_;
  std::unordered_set<Transfer*> transfers_;
  HostBudget budget_;
  // Name lookups in flight at once (getaddrinfo blocks a thread each); curl's
  // threaded resolver, which this replaces for pinning, also took a thread
  // per lookup.
  static constexpr std::size_t kLookupThreads = 16;
  asio::thread_pool lookups_{kLookupThreads};
  std::size_t global_in_flight_ = 0;
  std::deque<Waiter*> global_queue_;
  std::unordered_map<std::string, std::deque<Waiter*>> host_queues_;
  std::unordered_map<std::string, std::size_t> group_in_flight_;
  std::unordered_map<std::string, std::deque<Waiter*>> group_queues_;
  std::unordered_set<Waiter*> waiters_;
  std::uint64_t cancel_generation_ = 0;
  bool timeout_posted_ = false;
  // Expires with the Impl: posted work checks it before touching the Impl.
  std::shared_ptr<Impl> alive_{this, [](Impl*) {}};
  std::optional<detail::MultiHandle> multi_;  // last member; reset first in ~Impl
};

// --- curl's side of the event loop -----------------------------------------

int Fetcher::Impl::on_socket(CURL*, curl_socket_t fd, int what, void* self, void*) noexcept {
  try {
    static_cast<Impl*>(self)->watch_socket(fd, what);
  } catch (...) {
    // Out of memory or an Asio registration failure: the transfer then runs
    // into its timeout instead of taking the process down inside C code.
  }
  return 0;
}

int Fetcher::Impl::on_timer(CURLM*, long timeout_ms, void* self) noexcept {
  auto* impl = static_cast<Impl*>(self);
  try {
    // Calling curl from inside its own callback is not allowed: every
    // timeout, even 0 ms, goes through the io_context.
    impl->timer_.cancel();
    if (timeout_ms < 0) return 0;
    if (timeout_ms == 0) {
      // "Run again now" is curl's commonest request (after every added
      // handle); a post costs no timerfd_settime, which an Asio timer does
      // each time it becomes the earliest. One post at a time is enough.
      if (!impl->timeout_posted_) {
        impl->timeout_posted_ = true;
        asio::post(impl->io_, [impl, alive = std::weak_ptr<Impl>(impl->alive_)] {
          if (alive.expired()) return;
          impl->timeout_posted_ = false;
          impl->socket_action(CURL_SOCKET_TIMEOUT, 0);
        });
      }
      return 0;
    }
    impl->timer_.expires_after(std::chrono::milliseconds{timeout_ms});
    impl->timer_.async_wait([impl](const boost::system::error_code& ec) {
      if (ec == asio::error::operation_aborted) return;
      impl->socket_action(CURL_SOCKET_TIMEOUT, 0);
    });
    return 0;
  } catch (...) {
    return -1;
  }
}

void Fetcher::Impl::watch_socket(curl_socket_t fd, int what) {
  auto it = sockets_.find(fd);
  if (what == CURL_POLL_REMOVE) {
    if (it == sockets_.end()) return;
    it->second->removed = true;
    it->second->descriptor.release();
    sockets_.erase(it);
    return;
  }
  if (it == sockets_.end()) {
    auto watch = std::make_shared<SocketWatch>(io_);
    boost::system::error_code ec;
    watch->descriptor.assign(fd, ec);
    it = sockets_.emplace(fd, std::move(watch)).first;
    if (ec) {
      // Asio cannot watch this descriptor: tell curl, from the loop rather
      // than from inside its callback, so the transfer fails now instead of
      // running into its timeout.
      it->second->broken = true;
      std::weak_ptr<SocketWatch> weak = it->second;
      asio::post(io_, [this, fd, weak] {
        if (const auto watch = weak.lock(); watch && !watch->removed) socket_action(fd, CURL_CSELECT_ERR);
      });
    }
  }
  it->second->wanted = what;
  if (!it->second->broken) arm(fd, it->second);
}

void Fetcher::Impl::arm(curl_socket_t fd, const std::shared_ptr<SocketWatch>& watch) {
  std::weak_ptr<SocketWatch> weak = watch;
  if ((watch->wanted & CURL_POLL_IN) != 0 && !watch->read_armed) {
    watch->read_armed = true;
    watch->descriptor.async_wait(asio::posix::stream_descriptor::wait_read,
                                 [this, fd, weak](const boost::system::error_code& ec) {
                                   on_ready(this, fd, weak, CURL_CSELECT_IN, ec);
                                 });
  }
  if ((watch->wanted & CURL_POLL_OUT) != 0 && !watch->write_armed) {
    watch->write_armed = true;
    watch->descriptor.async_wait(asio::posix::stream_descriptor::wait_write,
                                 [this, fd, weak](const boost::system::error_code& ec) {
                                   on_ready(this, fd, weak, CURL_CSELECT_OUT, ec);
                                 });
  }
}

void Fetcher::Impl::on_ready(Impl* self, curl_socket_t fd, const std::weak_ptr<SocketWatch>& weak, int direction,
                             const boost::system::error_code& ec) {
  // The watch is gone when curl removed the socket (or the Fetcher died):
  // nothing of ours to touch then, not even self.
  const auto watch = weak.lock();
  if (!watch || watch->removed) return;
  (direction == CURL_CSELECT_IN ? watch->read_armed : watch->write_armed) = false;
  if (ec == asio::error::operation_aborted) return;
  self->socket_action(fd, ec ? CURL_CSELECT_ERR : direction);
  // socket_action may have removed this socket or changed what curl wants;
  // re-arm only a direction that is still wanted, and never after a failed
  // wait, which would fail again at once and spin (curl's own timeout ends
  // such a transfer).
  if (!watch->removed && !ec) self->arm(fd, watch);
}

void Fetcher::Impl::socket_action(curl_socket_t fd, int events) {
  int running = 0;
  curl_multi_socket_action(multi_->get(), fd, events, &running);
  drain_completed();
}

void Fetcher::Impl::drain_completed() {
  int pending = 0;
  while (CURLMsg* message = curl_multi_info_read(multi_->get(), &pending)) {
    if (message->msg != CURLMSG_DONE) continue;
    CURL* easy = message->easy_handle;
    const CURLcode code = message->data.result;  // message is invalid after remove
    void* data = nullptr;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &data);
    curl_multi_remove_handle(multi_->get(), easy);
    auto* transfer = static_cast<Transfer*>(data);
    transfer->in_multi = false;
    transfer->code = code;
    transfer->done = true;
    transfer->done_signal.cancel();
  }
}

// --- slots: global cap, per-host cap, per-host token bucket -----------------

asio::awaitable<void> Fetcher::Impl::park(Waiter& waiter) {
  waiters_.insert(&waiter);
  boost::system::error_code ec;
  co_await waiter.timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  waiters_.erase(&waiter);
  if (waiter.queue != nullptr) {
    // Woken by a timeout or cancel_all rather than by wake_first.
    std::erase(*waiter.queue, &waiter);
    waiter.queue = nullptr;
  }
}

void Fetcher::Impl::wake_first(std::deque<Waiter*>& queue) {
  if (queue.empty()) return;
  Waiter* waiter = queue.front();
  queue.pop_front();
  waiter->queue = nullptr;
  waiter->timer.cancel();
}

asio::awaitable<Resolution> Fetcher::Impl::resolve(const UrlParts& parts) {
  Resolution resolution;
  // Through a proxy the proxy resolves: nothing here to check or pin.
  if (!options_.proxy.empty()) co_return resolution;
  const std::string host = unbracketed(parts.host);
  // getaddrinfo blocks: it runs on the lookup threads, never on the loop, and
  // one name whose DNS never answers holds one lookup thread, not all lookups.
  // The answer comes back to the loop by post; only the loop touches the timer.
  struct Lookup {
    explicit Lookup(asio::io_context& io) : done(io, SteadyClock::time_point::max()) {}
    asio::steady_timer done;
    bool finished = false;
    asio::ip::tcp::resolver::results_type endpoints;
    boost::system::error_code error;
  };
  const auto pending = std::make_shared<Lookup>(io_);
  asio::post(lookups_, [pending, host, port = parts.port, &io = io_, &pool = lookups_] {
    asio::ip::tcp::resolver resolver{pool.get_executor()};
    boost::system::error_code error;
    auto endpoints = resolver.resolve(host, port, error);
    asio::post(io, [pending, endpoints = std::move(endpoints), error]() mutable {
      pending->endpoints = std::move(endpoints);
      pending->error = error;
      pending->finished = true;
      pending->done.cancel();
    });
  });
  while (!pending->finished) {
    boost::system::error_code ignored;
    co_await pending->done.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
  const Lookup& lookup = *pending;
  if (lookup.error) {
    resolution.error = FetchError::kResolve;
    resolution.message = "cannot resolve " + host + ": " + lookup.error.message();
    co_return resolution;
  }
  std::string refused;
  for (const auto& entry : lookup.endpoints) {
    const asio::ip::address address = entry.endpoint().address();
    if (options_.block_private_addresses && is_private_address(address)) {
      if (refused.empty()) refused = address.to_string();
      continue;
    }
    // Only the first address's group is pinned: the slot taken is that
    // group's, and curl must not fall back to an address outside it.
    if (resolution.addresses.empty()) resolution.group = address_group(address);
    else if (address_group(address) != resolution.group) continue;
    if (std::find(resolution.addresses.begin(), resolution.addresses.end(), address) == resolution.addresses.end())
      resolution.addresses.push_back(address);
  }
  if (resolution.addresses.empty()) {
    resolution.error = refused.empty() ? FetchError::kResolve : FetchError::kBlockedAddress;
    resolution.message = refused.empty() ? "no address for " + host : "refused to connect to " + refused;
  }
  co_return resolution;
}

asio::awaitable<bool> Fetcher::Impl::acquire_slots(const std::string& host, const std::string& group) {
  const std::uint64_t generation = cancel_generation_;
  // The host slot first: holding it while waiting for a global slot blocks
  // only this host, while the reverse order would block every host.
  for (;;) {
    if (generation != cancel_generation_) co_return false;
    const auto admission = budget_.try_acquire(host, clock_.now());
    if (admission.admitted) break;
    Waiter waiter{io_};
    if (admission.retry_at) {
      waiter.timer.expires_after(*admission.retry_at - clock_.now());
    } else {
      waiter.timer.expires_at(SteadyClock::time_point::max());
      waiter.queue = &host_queues_[host];
      waiter.queue->push_back(&waiter);
    }
    co_await park(waiter);
  }
  // Then the address group's slot, for the same reason.
  const auto group_full = [this, &group] {
    const auto count = group_in_flight_.find(group);
    return count != group_in_flight_.end() && count->second >= std::max<std::size_t>(1, options_.max_per_address);
  };
  while (!group.empty() && group_full()) {
    if (generation != cancel_generation_) {
      budget_.release(host);
      wake_first(host_queues_[host]);
      co_return false;
    }
    Waiter waiter{io_};
    waiter.timer.expires_at(SteadyClock::time_point::max());
    waiter.queue = &group_queues_[group];
    waiter.queue->push_back(&waiter);
    co_await park(waiter);
  }
  if (!group.empty()) ++group_in_flight_[group];
  while (global_in_flight_ >= std::max<std::size_t>(1, options_.max_concurrent)) {
    if (generation != cancel_generation_) break;
    Waiter waiter{io_};
    waiter.timer.expires_at(SteadyClock::time_point::max());
    waiter.queue = &global_queue_;
    global_queue_.push_back(&waiter);
    co_await park(waiter);
  }
  if (generation != cancel_generation_) {
    budget_.release(host);
    wake_first(host_queues_[host]);
    release_group_slot(group);
    co_return false;
  }
  ++global_in_flight_;
  co_return true;
}

void Fetcher::Impl::release_group_slot(const std::string& group) {
  if (group.empty()) return;
  if (auto count = group_in_flight_.find(group); count != group_in_flight_.end() && --count->second == 0)
    group_in_flight_.erase(count);
  if (auto it = group_queues_.find(group); it != group_queues_.end()) {
    wake_first(it->second);
    if (it->second.empty()) group_queues_.erase(it);
  }
}

void Fetcher::Impl::release_slots(const std::string& host, const std::string& group) {
  release_group_slot(group);
  budget_.release(host);
  auto it = host_queues_.find(host);
  if (it != host_queues_.end()) {
    wake_first(it->second);
    if (it->second.empty()) host_queues_.erase(it);
  }
  --global_in_flight_;
  wake_first(global_queue_);
}

void Fetcher::Impl::cancel_all() {
  ++cancel_generation_;
  for (Transfer* transfer : transfers_) {
    if (transfer->in_multi) curl_multi_remove_handle(multi_->get(), transfer->easy.get());
    transfer->in_multi = false;
    transfer->cancelled = true;
    transfer->done = true;
    transfer->done_signal.cancel();
  }
  for (Waiter* waiter : waiters_) waiter->timer.cancel();
}

// --- one hop -----------------------------------------------------------------

bool Fetcher::Impl::setup(Transfer& transfer, const std::string& url, const UrlParts& parts,
                          const Resolution& resolution, const FetchRequest& request, const FetchLimits& limits,
                          std::chrono::milliseconds remaining) {
  transfer.easy.reset(curl_easy_init());
  if (!transfer.easy) return false;
  transfer.max_body = limits.max_body_bytes;
  transfer.headers.append(std::string{kAccept});
  // Validators stored before they were checked on the way in are checked again.
  if (is_sendable_validator(request.etag)) transfer.headers.append("If-None-Match: " + request.etag);
  if (is_sendable_validator(request.last_modified))
    transfer.headers.append("If-Modified-Since: " + request.last_modified);

  CURL* easy = transfer.easy.get();
  bool ok = true;
  const auto set = [&](CURLoption option, auto value) { ok = ok && curl_easy_setopt(easy, option, value) == CURLE_OK; };
  set(CURLOPT_URL, url.c_str());
  set(CURLOPT_PRIVATE, static_cast<void*>(&transfer));
  set(CURLOPT_NOSIGNAL, 1L);
  set(CURLOPT_PROTOCOLS_STR, "http,https");
  set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  set(CURLOPT_FOLLOWLOCATION, 0L);  // followed by hand, hop by hop
  set(CURLOPT_ACCEPT_ENCODING, "");  // every encoding this libcurl decodes
  set(CURLOPT_USERAGENT, user_agent_.c_str());
  set(CURLOPT_HTTPHEADER, transfer.headers.get());
  set(CURLOPT_WRITEFUNCTION, &Transfer::on_body);
  set(CURLOPT_WRITEDATA, static_cast<void*>(&transfer));
  set(CURLOPT_HEADERFUNCTION, &Transfer::on_header);
  set(CURLOPT_HEADERDATA, static_cast<void*>(&transfer));
  set(CURLOPT_ERRORBUFFER, transfer.error_buffer.data());
  set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(limits.connect_timeout.count()));
  set(CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<std::int64_t>(1, remaining.count())));
  set(CURLOPT_LOW_SPEED_LIMIT, limits.low_speed_bytes);
  set(CURLOPT_LOW_SPEED_TIME, static_cast<long>(limits.low_speed_time.count()));
  set(CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(limits.max_body_bytes));
  set(CURLOPT_PROXY, options_.proxy.c_str());  // "" also ignores *_proxy variables
  set(CURLOPT_SSL_VERIFYPEER, 1L);
  set(CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options_.ca_bundle.empty()) set(CURLOPT_CAINFO, options_.ca_bundle.c_str());
  boost::system::error_code literal_error;
  asio::ip::make_address(unbracketed(parts.host), literal_error);
  if (!resolution.addresses.empty() && literal_error) {
    // curl connects to the addresses checked and counted here, not to what
    // a second lookup (DNS rebinding) would give it.
    std::string pin = parts.host + ":" + parts.port + ":";
    for (std::size_t i = 0; i < resolution.addresses.size(); ++i) {
      const asio::ip::address& address = resolution.addresses[i];
      if (i > 0) pin += ',';
      pin += address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
    }
    transfer.pinned.append(pin);
    set(CURLOPT_RESOLVE, transfer.pinned.get());
  }
  if (options_.block_private_addresses) {
    set(CURLOPT_OPENSOCKETFUNCTION, &Transfer::open_socket);
    set(CURLOPT_OPENSOCKETDATA, static_cast<void*>(&transfer));
  }
  return ok;
}

asio::awaitable<void> Fetcher::Impl::run(Transfer& transfer) {
  if (curl_multi_add_handle(multi_->get(), transfer.easy.get()) != CURLM_OK) {
    transfer.code = CURLE_FAILED_INIT;
    co_return;
  }
  transfer.in_multi = true;
  transfers_.insert(&transfer);
  // Leaves the multi handle and the registry also when the coroutine frame is
  // destroyed while suspended (io_context torn down mid-fetch).
  struct Unregister {
    Impl& impl;
    Transfer& transfer;
    ~Unregister() {
      if (transfer.in_multi) curl_multi_remove_handle(impl.multi_->get(), transfer.easy.get());
      transfer.in_multi = false;
      impl.transfers_.erase(&transfer);
    }
  } unregister{*this, transfer};
  if (!transfer.done) {
    boost::system::error_code ec;
    co_await transfer.done_signal.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

// --- the whole fetch -----------------------------------------------------------

asio::awaitable<FetchResult> Fetcher::Impl::fetch(FetchRequest request) {
  FetchResult result;
  const FetchLimits limits = request.limits.value_or(options_.limits);
  const auto started = SteadyClock::now();
  std::chrono::microseconds queued{0};
  std::vector<std::string> visited;
  std::string url = request.url;
  const auto fail = [&result](FetchError error, std::string message) {
    result.error = error;
    // Messages quote URLs and server text and become a source's last_error:
    // no control character gets through.
    std::erase_if(message, [](char c) { return has_control_characters(std::string_view{&c, 1}); });
    result.error_message = std::move(message);
  };

  for (;;) {
    result.final_url = url;
    const auto parts = split_url(url);
    if (!parts) {
      fail(FetchError::kInvalidUrl, "invalid URL: " + url);
      break;
    }
    if (parts->scheme != "http" && parts->scheme != "https") {
      fail(FetchError::kUnsupportedProtocol, "refusing " + parts->scheme + " URL: " + url);
      break;
    }
    if (parts->host.empty()) {
      fail(FetchError::kInvalidUrl, "no host in URL: " + url);
      break;
    }
    visited.push_back(url);

    const std::uint64_t generation = cancel_generation_;
    const Resolution resolution = co_await resolve(*parts);
    if (generation != cancel_generation_) {
      fail(FetchError::kCancelled, "cancelled while resolving " + parts->host);
      break;
    }
    if (resolution.error != FetchError::kNone) {
      fail(resolution.error, resolution.message + " (" + url + ")");
      break;
    }
    const auto queue_start = SteadyClock::now();
    const bool admitted = co_await acquire_slots(parts->host, resolution.group);
    queued += since(queue_start);
    if (!admitted) {
      fail(FetchError::kCancelled, "cancelled while waiting for a slot");
      break;
    }
    struct SlotGuard {
      Impl& impl;
      const std::string& host;
      const std::string& group;
      ~SlotGuard() { impl.release_slots(host, group); }
    } slot{*this, parts->host, resolution.group};

    const auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(since(started) - queued);
    const auto remaining = limits.total_timeout - spent;
    if (remaining.count() <= 0) {
      fail(FetchError::kTimeout, "total timeout reached after " + std::to_string(result.redirects.size()) +
                                     " redirects");
      break;
    }

    Transfer transfer{io_};
    if (!setup(transfer, url, *parts, resolution, request, limits, remaining)) {
      fail(FetchError::kInternal, "curl refused an option for " + url);
      break;
    }
    co_await run(transfer);

    CURL* easy = transfer.easy.get();
    long status = 0;
    curl_off_t body_bytes = 0;
    long header_bytes = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(easy, CURLINFO_SIZE_DOWNLOAD_T, &body_bytes);
    curl_easy_getinfo(easy, CURLINFO_HEADER_SIZE, &header_bytes);
    result.bytes_on_wire += static_cast<std::uint64_t>(body_bytes) + static_cast<std::uint64_t>(header_bytes);
    result.status = static_cast<int>(status);
    curl_off_t micros = 0;
    curl_easy_getinfo(easy, CURLINFO_NAMELOOKUP_TIME_T, &micros);
    result.timings.name_lookup = std::chrono::microseconds{micros};
    curl_easy_getinfo(easy, CURLINFO_CONNECT_TIME_T, &micros);
    result.timings.connect = std::chrono::microseconds{micros};
    curl_easy_getinfo(easy, CURLINFO_APPCONNECT_TIME_T, &micros);
    result.timings.tls = std::chrono::microseconds{micros};
    curl_easy_getinfo(easy, CURLINFO_STARTTRANSFER_TIME_T, &micros);
    result.timings.first_byte = std::chrono::microseconds{micros};

    result.etag = std::move(transfer.etag);
    result.last_modified = std::move(transfer.last_modified);
    result.content_type = std::move(transfer.content_type);
    result.max_age = parse_max_age(transfer.cache_control);
    result.retry_after = std::move(transfer.retry_after);
    result.body = std::move(transfer.body);

    if (transfer.cancelled) {
      fail(FetchError::kCancelled, "cancelled");
      break;
    }
    if (transfer.code != CURLE_OK) {
      const FetchError error = classify(transfer);
      std::string message = transfer.error_buffer[0] != '\0' ? std::string{transfer.error_buffer.data()}
                                                               : std::string{curl_easy_strerror(transfer.code)};
      if (error == FetchError::kBlockedAddress) message = "refused to connect to " + transfer.blocked_address;
      if (transfer.code == CURLE_OUT_OF_MEMORY)  // what libcurl 7.88 reports for a header over 100 KB
        message = "response header too large (or out of memory)";
      if (error == FetchError::kBodyTooLarge)
        message = "body larger than " + std::to_string(limits.max_body_bytes) + " bytes (decompressed)";
      fail(error, std::move(message) + " (" + url + ")");
      break;
    }

    char* location = nullptr;
    curl_easy_getinfo(easy, CURLINFO_REDIRECT_URL, &location);
    if (!is_redirect_status(status) || location == nullptr) break;
    result.redirects.push_back(RedirectHop{url, location, static_cast<int>(status)});
    if (static_cast<int>(result.redirects.size()) > limits.max_redirects) {
      fail(FetchError::kTooManyRedirects, "more than " + std::to_string(limits.max_redirects) + " redirects from " +
                                              request.url);
      break;
    }
    if (std::find(visited.begin(), visited.end(), location) != visited.end()) {
      fail(FetchError::kRedirectLoop, std::string{"redirect loop back to "} + location);
      break;
    }
    url = location;
  }

  result.body_hash = XXH3_64bits(result.body.data(), result.body.size());
  result.body_unchanged = result.success() && request.previous_body_hash == result.body_hash;
  result.timings.queued = queued;
  result.timings.total = since(started);
  co_return result;
}

// --- public face ---------------------------------------------------------------

Fetcher::Fetcher(asio::io_context& io, FetcherOptions options, const core::WallClock& clock)
    : impl_(std::make_unique<Impl>(io, std::move(options), clock)) {}

Fetcher::~Fetcher() = default;

asio::awaitable<FetchResult> Fetcher::fetch(FetchRequest request) { return impl_->fetch(std::move(request)); }

void Fetcher::cancel_all() { impl_->cancel_all(); }

std::size_t Fetcher::in_flight() const { return impl_->in_flight(); }

std::size_t Fetcher::queued() const { return impl_->queued(); }

}  // namespace fcd::fetch
