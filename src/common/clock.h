// Injected clock: domain code never reads the system time directly, so tests can control it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace stm {

using TimePoint = std::chrono::time_point<std::chrono::system_clock, std::chrono::microseconds>;

// Thread-safe; implementations must be callable concurrently.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override;
  // A process-wide instance (never destroyed).
  static const Clock& Instance();
};

// A clock that moves only when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start) : now_us_(start.time_since_epoch().count()) {}
  TimePoint Now() const override { return TimePoint(std::chrono::microseconds(now_us_.load())); }
  void Advance(std::chrono::microseconds d) { now_us_ += d.count(); }
  void Set(TimePoint t) { now_us_ = t.time_since_epoch().count(); }

 private:
  std::atomic<int64_t> now_us_;
};

// RFC 3339 UTC with microseconds, e.g. "2026-11-29T12:00:00.000000Z".
std::string FormatTime(TimePoint t);
int64_t ToUnixMicros(TimePoint t);
TimePoint FromUnixMicros(int64_t us);

}  // namespace stm
