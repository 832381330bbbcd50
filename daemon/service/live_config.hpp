#pragma once
// The configuration the running daemon reads, and the small loop helpers
// its parts share.
//
// LiveConfig lives on the event loop's thread: get() and replace() are called
// there only. A part takes a snapshot (get()) at the start of a unit of work
// (a poll, a retention pass) and reads that snapshot to its end; work on
// another thread (the clusterer) gets its snapshot handed over, never the
// LiveConfig. A reload builds a whole new Config and replace()s it.
#include <chrono>
#include <utility>

#include "asio/asio.hpp"
#include "config/config.hpp"

namespace fcd::service {

class LiveConfig {
 public:
  explicit LiveConfig(config::ConfigSnapshot initial) : current_(std::move(initial)) {}
  config::ConfigSnapshot get() const { return current_; }
  void replace(config::ConfigSnapshot next) { current_ = std::move(next); }

 private:
  config::ConfigSnapshot current_;
};

// Waits for the timer to expire or be cancelled (a wake-up), whichever comes first.
inline asio::awaitable<void> sleep_for(asio::steady_timer& timer, std::chrono::steady_clock::duration duration) {
  timer.expires_after(duration);
  boost::system::error_code ignored;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
}

}  // namespace fcd::service
