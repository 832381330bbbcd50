#pragma once
// The HTTP poller: one libcurl multi handle driven by an Asio io_context
// (multi_socket: curl's sockets are watched by Asio, curl's timer is an Asio
// timer), so thousands of fetches share one thread and a slow server delays
// nobody else.
//
// Threading: construct, call and destroy a Fetcher on the thread that runs its
// io_context; it takes no locks. fetch() coroutines must have finished (or
// the io_context must have stopped for good) before the Fetcher is destroyed;
// cancel_all() makes every running fetch finish quickly with kCancelled.
#include <cstddef>
#include <memory>
#include <string>

#include "asio/asio.hpp"
#include "core/clock.hpp"
#include "fetch/host_budget.hpp"
#include "fetch/types.hpp"

namespace fcd::fetch {

struct FetcherOptions {
  FetchLimits limits;               // per-request defaults (FetchRequest::limits overrides)
  std::size_t max_concurrent = 64;  // requests in flight overall
  HostBudgetOptions hosts;          // per-host concurrency cap and token bucket
  // Requests in flight to one address group (fetch/address_filter.hpp: an IPv4
  // /24, an IPv6 /64), whatever the host names: one slow machine behind many
  // names or addresses cannot take every slot. Not applied through a proxy,
  // which resolves the names itself.
  std::size_t max_per_address = 8;
  std::string user_agent;           // empty: core::kUserAgent
  std::string proxy;                // e.g. "http://proxy:3128"; empty: none (environment ignored)
  std::string ca_bundle;            // extra CA file (PEM); TLS verification is always on
  // Refuse to connect to loopback, private, link-local, CGNAT, multicast,
  // documentation and the other special-purpose addresses (is_private_address),
  // checked on the addresses the fetcher resolves itself and pins for curl
  // (CURLOPT_RESOLVE), and again on each socket curl opens, so DNS cannot
  // smuggle them in. Off by default because tests and the benchmark use
  // 127.0.0.1. Cannot be combined with a proxy: the proxy would resolve and
  // connect, out of the daemon's sight.
  bool block_private_addresses = false;
};

// The longest ETag or Last-Modified kept from a response (longer ones are
// dropped, never cut: a cut validator would never match). Response headers
// whose value holds a control character are dropped whatever their length.
inline constexpr std::size_t kMaxValidatorBytes = 1024;

class Fetcher {
 public:
  // Throws std::invalid_argument when options set both proxy and
  // block_private_addresses, std::runtime_error when libcurl cannot be
  // initialised. clock must
  // outlive the Fetcher; it drives the per-host token buckets (a fetch waiting
  // for a token re-checks each second, so a manual clock must be advanced).
  Fetcher(asio::io_context& io, FetcherOptions options, const core::WallClock& clock);
  ~Fetcher();
  Fetcher(const Fetcher&) = delete;
  Fetcher& operator=(const Fetcher&) = delete;

  // Fetches request.url with a conditional GET, following redirects by hand
  // (each hop recorded, loops and non-http(s) targets refused). Waits for a
  // global and a per-host slot first. Never throws for network or HTTP
  // trouble: the result carries the error kind. Run it with co_spawn on this
  // Fetcher's io_context.
  asio::awaitable<FetchResult> fetch(FetchRequest request);

  // Ends every running and queued fetch with FetchError::kCancelled.
  void cancel_all();

  std::size_t in_flight() const;  // transfers currently inside curl
  std::size_t queued() const;     // fetches waiting for a slot or a token

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fcd::fetch
