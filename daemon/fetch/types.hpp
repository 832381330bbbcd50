#pragma once
// Values that go into and come out of one HTTP poll. Plain data: no curl, no
// Asio, copyable, safe to hand to another thread.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fcd::fetch {

// Why a fetch produced no usable HTTP response. A response with any status
// (404, 503, ...) is not an error here: the policy functions judge statuses.
enum class FetchError {
  kNone,
  kInvalidUrl,           // the URL (or a redirect's Location) does not parse
  kUnsupportedProtocol,  // anything but http/https, also as a redirect target
  kBlockedAddress,       // block_private_addresses refused the resolved address
  kResolve,              // DNS failed
  kConnect,              // TCP connect refused or failed
  kTimeout,              // connect/total timeout or low-speed abort
  kTls,                  // handshake or certificate verification failed
  kBodyTooLarge,         // decompressed body passed max_body_bytes: cut off
  kBadContentEncoding,   // gzip/deflate/br/zstd stream is corrupt
  kTooManyRedirects,     // more hops than max_redirects
  kRedirectLoop,         // a hop pointed back at a URL already visited
  kBrokenTransfer,       // server closed mid-body, lied about length, sent garbage
  kCancelled,            // Fetcher::cancel_all()
  kInternal,             // curl refused an option or handle: a bug or out of memory
};

std::string_view to_string(FetchError error);

// Limits of one fetch. Defaults suit the daemon; tests set sub-second ones.
struct FetchLimits {
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds total_timeout{60'000};  // all hops together
  // Abort when fewer than low_speed_bytes arrive per second for low_speed_time.
  long low_speed_bytes = 64;
  std::chrono::seconds low_speed_time{30};
  std::size_t max_body_bytes = 16 * 1024 * 1024;  // after decompression
  int max_redirects = 5;
};

struct FetchRequest {
  std::string url;
  std::string etag;           // stored ETag, sent as If-None-Match when not empty
  std::string last_modified;  // stored Last-Modified, sent as If-Modified-Since
  std::optional<std::uint64_t> previous_body_hash;  // sets FetchResult::body_unchanged
  std::optional<FetchLimits> limits;                // overrides the fetcher's defaults
};

// One redirect response on the way to the final URL.
struct RedirectHop {
  std::string from;  // URL that answered with the redirect
  std::string to;    // absolute target
  int status = 0;    // 301, 302, 303, 307 or 308
  bool permanent() const { return status == 301 || status == 308; }
};

struct FetchTimings {
  std::chrono::microseconds queued{0};      // waiting for a host/global slot or token
  std::chrono::microseconds name_lookup{0};  // of the last hop, from its start
  std::chrono::microseconds connect{0};
  std::chrono::microseconds tls{0};
  std::chrono::microseconds first_byte{0};
  std::chrono::microseconds total{0};  // first hop's start to the end, all hops
};

struct FetchResult {
  FetchError error = FetchError::kNone;
  std::string error_message;  // empty when error == kNone; never holds a control character but tab

  int status = 0;         // of the last response received; 0 when none
  std::string final_url;  // URL of the last request made
  std::vector<RedirectHop> redirects;

  std::string etag;
  std::string last_modified;
  std::string content_type;
  std::optional<std::chrono::seconds> max_age;  // Cache-Control: max-age / s-maxage
  std::string retry_after;  // raw header; policy::parse_retry_after reads it

  std::string body;  // decompressed, at most max_body_bytes
  std::uint64_t body_hash = 0;  // XXH3-64 of body
  bool body_unchanged = false;  // 2xx and body_hash == request.previous_body_hash

  std::uint64_t bytes_on_wire = 0;  // headers plus (compressed) body, all hops
  FetchTimings timings;

  bool ok() const { return error == FetchError::kNone; }
  bool success() const { return ok() && status >= 200 && status < 300; }
  bool not_modified() const { return ok() && status == 304; }
  // The first bytes of the body, for "is this HTML instead of a feed?" sniffing.
  std::string_view first_bytes(std::size_t n = 512) const {
    return std::string_view{body}.substr(0, n);
  }
};

}  // namespace fcd::fetch
