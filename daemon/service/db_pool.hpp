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
#include <memory>
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
    co_return co_await asio::co_spawn(
        pool_.get_executor(),
        [this, fn = std::move(fn)]() mutable -> asio::awaitable<Result> {
          auto lease = acquire();
          try {
            if constexpr (std::is_void_v<Result>) {
              fn(*lease.store);
              release(std::move(lease), false);
              co_return;
            } else {
              auto result = fn(*lease.store);
              release(std::move(lease), false);
              co_return result;
            }
          } catch (const store::StoreError& e) {
            release(std::move(lease), e.connection_lost());
            throw;
          } catch (...) {
            release(std::move(lease), false);
            throw;
          }
        },
        asio::use_awaitable);
  }

  // Waits for running calls to end and closes every connection.
  void stop();

  const store::StoreOptions& options() const { return options_; }

 private:
  struct Lease {
    std::unique_ptr<store::Store> store;
  };
  Lease acquire();
  void release(Lease lease, bool broken);

  store::StoreOptions options_;
  asio::thread_pool pool_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<store::Store>> idle_;  // null entries: to be connected on use
};

}  // namespace fcd::service
