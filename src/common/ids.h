// Strong id types: an OrgId cannot be passed where a UserId is expected.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <string>

namespace stm {

template <typename Tag>
class Id {
 public:
  constexpr Id() = default;
  constexpr explicit Id(int64_t value) : value_(value) {}
  constexpr int64_t value() const { return value_; }
  constexpr bool valid() const { return value_ > 0; }
  std::string ToString() const { return std::to_string(value_); }
  auto operator<=>(const Id&) const = default;

 private:
  int64_t value_ = 0;
};

using OrgId = Id<struct OrgIdTag>;
using UserId = Id<struct UserIdTag>;
using SessionId = Id<struct SessionIdTag>;
using ApiKeyId = Id<struct ApiKeyIdTag>;
using AuditEventId = Id<struct AuditEventIdTag>;

}  // namespace stm

template <typename Tag>
struct std::hash<stm::Id<Tag>> {
  size_t operator()(const stm::Id<Tag>& id) const noexcept { return std::hash<int64_t>()(id.value()); }
};
