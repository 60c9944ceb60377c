// Configurable, human-readable licence numbers: "GB/SIEL/2026/000123", amended "GB/SIEL/2026/000123/A2".
//
// A pattern is literal text with placeholders:
//   {AUTH}   the configured authority code ("GB")
//   {TYPE}   the short code of the application type ("SIEL"; configurable per type)
//   {YYYY}   the four-digit issue year
//   {SEQ}    the sequence number, unpadded; {SEQ:n} zero-padded to n digits (1 <= n <= 12), longer when the
//            sequence needs more digits
// {TYPE}, {YYYY} and {SEQ} are required (so a number is unique when the store allocates sequences per type
// and year) and each placeholder may appear once. Literal text is printable ASCII without spaces or
// braces. An amendment n >= 1 appends "/A<n>"; amendment 0 is the original licence.
// Allocating sequences is the store's business: here the sequence is an argument.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "licensing/application.h"

namespace stm::licensing {

inline constexpr std::string_view kDefaultLicencePattern = "{AUTH}/{TYPE}/{YYYY}/{SEQ:6}";

// individual SIEL, global OIEL, brokering SITCL, transit SITL, technology_transfer SITT.
std::map<ApplicationType, std::string> DefaultLicenceTypeCodes();

struct LicenceNumberParts {
  ApplicationType type = ApplicationType::kIndividual;
  int year = 0;
  int64_t sequence = 0;
  int amendment = 0;  // 0: the original licence
  bool operator==(const LicenceNumberParts&) const = default;
};

// Immutable once created; thread-safe.
class LicenceNumberFormat {
 public:
  // Parses and validates the pattern, the authority code (required, [A-Za-z0-9-]{1,16}, when the pattern
  // has {AUTH}) and the type codes (one per application type, [A-Za-z0-9-]{1,16}, all different).
  // kInvalidArgument naming the problem: "unknown placeholder {FOO} at position 5 (known: ...)",
  // "unclosed '{' at position 0", "{SEQ} appears twice", "pattern needs {YYYY}", "type_codes.transit: ...".
  static Result<LicenceNumberFormat> Create(
      std::string_view pattern, std::string authority,
      std::map<ApplicationType, std::string> type_codes = DefaultLicenceTypeCodes());

  // The number for these parts. kInvalidArgument for a year outside 1000..9999, a sequence < 1 or an
  // amendment < 0.
  Result<std::string> Format(ApplicationType type, int year, int64_t sequence, int amendment = 0) const;
  Result<std::string> Format(const LicenceNumberParts& parts) const {
    return Format(parts.type, parts.year, parts.sequence, parts.amendment);
  }

  // The parts of a number this format produced (surrounding spaces ignored; otherwise exact, case
  // included). Format(Parse(n)) == n: a sequence padded differently from the pattern is refused.
  // kInvalidArgument naming the number and the pattern when it does not match.
  Result<LicenceNumberParts> Parse(std::string_view number) const;

  const std::string& pattern() const { return pattern_; }
  const std::string& authority() const { return authority_; }
  const std::string& TypeCode(ApplicationType type) const { return type_codes_.at(type); }

 private:
  enum class SegmentKind { kLiteral, kAuthority, kType, kYear, kSequence };
  struct Segment {
    SegmentKind kind = SegmentKind::kLiteral;
    std::string text;  // literal text
    int width = 0;     // {SEQ:n}
  };

  LicenceNumberFormat() = default;
  std::string FormatBase(ApplicationType type, int year, int64_t sequence) const;
  bool Match(std::string_view s, size_t segment, LicenceNumberParts& parts) const;

  std::string pattern_;
  std::string authority_;
  std::map<ApplicationType, std::string> type_codes_;
  std::vector<Segment> segments_;
};

}  // namespace stm::licensing
