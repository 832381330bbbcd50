#pragma once
// Blocking database work off the event loop.
//
// A DbPool owns `size` threads and as many store connections; run() hands a
// function to a free connection on one of those threads and resumes the
// awaiting coroutine on its own executor with the result (or the exception).
// A connection whose call failed with StoreError::connection_lost() is dropped
// and opened anew by the next call, so a restarted or unreachable server shows
// up as StoreErrors until it is back, never as a wedged pool.
#include <condition_variable>
#include <functional>
#include <exception>
#include <memory>
#include <optional>
#include <mutex>
#include <type_traits>
#include <vector>

#include "asio/asio.hpp"
#include "store/store.hpp"

namespace fcd::service {

class DbPool {
 public:
  DbPool(store::StoreOptions options, std::size_t size);
  ~DbPool();
  DbPool(const DbPool&) = delete;
  DbPool& operator=(const DbPool&) = delete;

  // Runs fn(store) on a database thread; the caller's coroutine resumes on its
  // own executor. Exceptions from fn (StoreError) are rethrown to the caller.
  template <typename Fn>
  asio::awaitable<std::invoke_result_t<Fn, store::Store&>> run(Fn fn) {
    using Result = std::invoke_result_t<Fn, store::Store&>;
    // The work is a plain (non-coroutine) function posted to the pool: GCC 12
    // destroys the non-trivial captures of coroutine lambdas twice.
    std::conditional_t<std::is_void_v<Result>, bool, std::optional<Result>> result{};
    std::exception_ptr error;
    co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(
        [this, &fn, &result, &error](auto handler) {
          asio::post(pool_, [this, &fn, &result, &error, handler = std::move(handler)]() mutable {
            call(fn, result, error);
            auto executor = asio::get_associated_executor(handler);
            asio::post(executor, std::move(handler));
          });
        },
        asio::use_awaitable);
    if (error) std::rethrow_exception(error);
    if constexpr (!std::is_void_v<Result>) co_return std::move(*result);
  }

  // Waits for running calls to end and closes every connection.
  void stop();

  const store::StoreOptions& options() const { return options_; }

 private:
  struct Lease {
    std::unique_ptr<store::Store> store;
  };

  // Runs fn on a free connection of this thread; a lost connection is dropped.
  template <typename Fn, typename Slot>
  void call(Fn& fn, Slot& result, std::exception_ptr& error) {
    Lease lease;
    try {
      lease = acquire();
      if constexpr (std::is_same_v<Slot, bool>) {
        fn(*lease.store);
      } else {
        result.emplace(fn(*lease.store));
      }
      release(std::move(lease), false);
    } catch (const store::StoreError& e) {
      if (lease.store) release(std::move(lease), e.connection_lost());
      error = std::current_exception();
    } catch (...) {
      if (lease.store) release(std::move(lease), false);
      error = std::current_exception();
    }
  }
  Lease acquire();
  void release(Lease lease, bool broken);

  store::StoreOptions options_;
  asio::thread_pool pool_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<store::Store>> idle_;  // null entries: to be connected on use
};

}  // namespace fcd::service
