// Structured logging on spdlog. Every line carries the current request id ("-" outside requests).
#pragma once

#include <spdlog/spdlog.h>

#include <string>
#include <string_view>

#include "common/status.h"

namespace stm {

// Configures the default logger: level ("trace".."off"), and a file path or "-" for stderr.
// Call once at start-up before other threads log.
Status InitLogging(std::string_view level, std::string_view file);

// The request id shown on log lines written by this thread.
const std::string& CurrentRequestId();

// Sets the thread's request id for its lifetime, restoring the previous one after.
// Handlers run synchronously on one thread, so a thread-local is exact here.
class ScopedRequestId {
 public:
  explicit ScopedRequestId(std::string id);
  ~ScopedRequestId();
  ScopedRequestId(const ScopedRequestId&) = delete;
  ScopedRequestId& operator=(const ScopedRequestId&) = delete;

 private:
  std::string previous_;
};

}  // namespace stm
