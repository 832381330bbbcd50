#include "service/db_pool.hpp"

namespace fcd::service {

DbPool::DbPool(store::StoreOptions options, std::size_t size) : options_(std::move(options)), pool_(size) {
  idle_.resize(size);
}

DbPool::~DbPool() { stop(); }

void DbPool::stop() {
  pool_.join();
  std::lock_guard lock(mutex_);
  idle_.clear();
}

DbPool::Lease DbPool::acquire() {
  std::unique_ptr<store::Store> store;
  {
    std::unique_lock lock(mutex_);
    // As many connections as threads: a thread running this always finds one.
    available_.wait(lock, [this] { return !idle_.empty(); });
    store = std::move(idle_.back());
    idle_.pop_back();
  }
  if (!store) {
    try {
      store = std::make_unique<store::Store>(options_);
    } catch (...) {
      release(Lease{}, true);
      throw;
    }
  }
  return Lease{std::move(store)};
}

void DbPool::release(Lease lease, bool broken) {
  std::lock_guard lock(mutex_);
  idle_.push_back(broken ? nullptr : std::move(lease.store));
  available_.notify_one();
}

}  // namespace fcd::service
