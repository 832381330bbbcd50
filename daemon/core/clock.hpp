#pragma once
// An injectable clock: code that needs "now" takes a WallClock&, so tests can
// run time forward instead of sleeping.
#include <chrono>

#include "core/types.hpp"

namespace fcd::core {

class WallClock {
 public:
  virtual ~WallClock() = default;
  virtual TimePoint now() const = 0;
};

class SystemWallClock final : public WallClock {
 public:
  TimePoint now() const override {
    return std::chrono::time_point_cast<std::chrono::seconds>(Clock::now());
  }
};

// A clock that only moves when told to; for tests.
class ManualWallClock final : public WallClock {
 public:
  explicit ManualWallClock(TimePoint start) : now_(start) {}
  TimePoint now() const override { return now_; }
  void advance(Duration by) { now_ += by; }
  void set(TimePoint to) { now_ = to; }

 private:
  TimePoint now_;
};

}  // namespace fcd::core
