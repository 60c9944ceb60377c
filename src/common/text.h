// Small text helpers shared by the modules.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace stm {

// The whole of `text` as a base-10 integer; nullopt for anything else (sign, spaces, overflow).
inline std::optional<int64_t> ParseInt64(std::string_view text) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

}  // namespace stm
