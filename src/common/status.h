// Status and Result<T>: expected failures are values, not exceptions.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace stm {

// The one error-code enum. The HTTP layer maps each code to a status and a stable problem type
// (src/http/problem.cc); nothing else decides HTTP statuses.
enum class ErrorCode {
  kOk = 0,
  kInvalidArgument,     // malformed or semantically invalid input (400 / 422)
  kUnauthenticated,     // no or bad credentials (401)
  kPermissionDenied,    // authenticated but not allowed (403)
  kNotFound,            // absent, or not visible to the caller (404)
  kAlreadyExists,       // unique constraint (409)
  kConflict,            // stale version, concurrent change (409)
  kFailedPrecondition,  // state does not allow the operation (409)
  kPayloadTooLarge,     // body or upload over the limit (413)
  kTooManyRequests,     // back-off in force (429)
  kUnavailable,         // dependency down, shutting down (503)
  kDataLoss,            // corruption detected (500)
  kInternal,            // a bug (500)
};

std::string_view ErrorCodeName(ErrorCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) { return {ErrorCode::kInvalidArgument, std::move(m)}; }
  static Status Unauthenticated(std::string m) { return {ErrorCode::kUnauthenticated, std::move(m)}; }
  static Status PermissionDenied(std::string m) { return {ErrorCode::kPermissionDenied, std::move(m)}; }
  static Status NotFound(std::string m) { return {ErrorCode::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {ErrorCode::kAlreadyExists, std::move(m)}; }
  static Status Conflict(std::string m) { return {ErrorCode::kConflict, std::move(m)}; }
  static Status FailedPrecondition(std::string m) { return {ErrorCode::kFailedPrecondition, std::move(m)}; }
  static Status PayloadTooLarge(std::string m) { return {ErrorCode::kPayloadTooLarge, std::move(m)}; }
  static Status TooManyRequests(std::string m) { return {ErrorCode::kTooManyRequests, std::move(m)}; }
  static Status Unavailable(std::string m) { return {ErrorCode::kUnavailable, std::move(m)}; }
  static Status DataLoss(std::string m) { return {ErrorCode::kDataLoss, std::move(m)}; }
  static Status Internal(std::string m) { return {ErrorCode::kInternal, std::move(m)}; }

  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string ToString() const;

  // Prefixes the message with context, keeping the code ("loading config: ...").
  Status WithContext(std::string_view context) const;

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

// Either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : data_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(data_).ok() && "Result constructed from an OK status");
  }

  bool ok() const { return std::holds_alternative<T>(data_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(data_);
  }
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace stm

#define STM_CONCAT_INNER_(a, b) a##b
#define STM_CONCAT_(a, b) STM_CONCAT_INNER_(a, b)

// Returns early with the status if it is not OK.
#define STM_RETURN_IF_ERROR(expr)              \
  do {                                         \
    ::stm::Status stm_status_ = (expr);        \
    if (!stm_status_.ok()) return stm_status_; \
  } while (false)

#define STM_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.status();              \
  lhs = std::move(tmp).value()

// `STM_ASSIGN_OR_RETURN(auto x, Foo());` assigns the value or returns the error.
#define STM_ASSIGN_OR_RETURN(lhs, expr) \
  STM_ASSIGN_OR_RETURN_IMPL_(STM_CONCAT_(stm_result_, __LINE__), lhs, expr)
