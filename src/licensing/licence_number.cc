#include "licensing/licence_number.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

namespace stm::licensing {
namespace {

constexpr size_t kMaxPatternLength = 100;
constexpr size_t kMaxCodeLength = 16;
constexpr int kMaxSequenceWidth = 12;
constexpr size_t kMaxSequenceDigits = 18;  // fits int64_t
constexpr const char* kKnownPlaceholders = "{AUTH}, {TYPE}, {YYYY}, {SEQ}, {SEQ:n}";

bool IsCode(std::string_view s) {
  return !s.empty() && s.size() <= kMaxCodeLength && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-';
  });
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

size_t DigitRun(std::string_view s) {
  size_t n = 0;
  while (n < s.size() && IsDigit(s[n])) ++n;
  return n;
}

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

std::map<ApplicationType, std::string> DefaultLicenceTypeCodes() {
  return {{ApplicationType::kIndividual, "SIEL"},
          {ApplicationType::kGlobal, "OIEL"},
          {ApplicationType::kBrokering, "SITCL"},
          {ApplicationType::kTransit, "SITL"},
          {ApplicationType::kTechnologyTransfer, "SITT"}};
}

Result<LicenceNumberFormat> LicenceNumberFormat::Create(std::string_view pattern, std::string authority,
                                                        std::map<ApplicationType, std::string> type_codes) {
  if (pattern.empty()) return Status::InvalidArgument("pattern: empty");
  if (pattern.size() > kMaxPatternLength)
    return Status::InvalidArgument(fmt::format("pattern: longer than {} characters", kMaxPatternLength));
  LicenceNumberFormat f;
  f.pattern_ = std::string(pattern);
  std::set<SegmentKind> seen;
  for (size_t i = 0; i < pattern.size();) {
    char c = pattern[i];
    if (c == '}') return Status::InvalidArgument(fmt::format("pattern: unmatched '}}' at position {}", i));
    if (c != '{') {
      if (c <= ' ' || c > '~')
        return Status::InvalidArgument(fmt::format(
            "pattern: character at position {} is not printable ASCII (spaces are not allowed)", i));
      if (f.segments_.empty() || f.segments_.back().kind != SegmentKind::kLiteral) f.segments_.push_back({});
      f.segments_.back().text += c;
      ++i;
      continue;
    }
    size_t close = pattern.find_first_of("{}", i + 1);
    if (close == std::string_view::npos || pattern[close] != '}')
      return Status::InvalidArgument(fmt::format("pattern: unclosed '{{' at position {}", i));
    std::string_view name = pattern.substr(i + 1, close - i - 1);
    Segment seg;
    if (name == "AUTH") {
      seg.kind = SegmentKind::kAuthority;
    } else if (name == "TYPE") {
      seg.kind = SegmentKind::kType;
    } else if (name == "YYYY") {
      seg.kind = SegmentKind::kYear;
    } else if (name == "SEQ") {
      seg.kind = SegmentKind::kSequence;
    } else if (name.starts_with("SEQ:")) {
      std::string_view w = name.substr(4);
      int width = 0;
      bool ok = !w.empty() && w.size() <= 2 && std::all_of(w.begin(), w.end(), IsDigit);
      if (ok) {
        for (char d : w) width = width * 10 + (d - '0');
      }
      if (!ok || width < 1 || width > kMaxSequenceWidth)
        return Status::InvalidArgument(fmt::format(
            "pattern: {{{}}} at position {}: the width must be 1 to {}", name, i, kMaxSequenceWidth));
      seg.kind = SegmentKind::kSequence;
      seg.width = width;
    } else {
      return Status::InvalidArgument(fmt::format(
          "pattern: unknown placeholder {{{}}} at position {} (known: {})", name, i, kKnownPlaceholders));
    }
    if (!seen.insert(seg.kind).second) {
      return Status::InvalidArgument(fmt::format(
          "pattern: {{{}}} appears twice", seg.kind == SegmentKind::kSequence ? "SEQ" : std::string(name)));
    }
    f.segments_.push_back(std::move(seg));
    i = close + 1;
  }
  if (!seen.contains(SegmentKind::kType)) return Status::InvalidArgument("pattern: needs {TYPE}");
  if (!seen.contains(SegmentKind::kYear)) return Status::InvalidArgument("pattern: needs {YYYY}");
  if (!seen.contains(SegmentKind::kSequence))
    return Status::InvalidArgument("pattern: needs {SEQ} or {SEQ:n}");

  if (seen.contains(SegmentKind::kAuthority) && !IsCode(authority)) {
    return Status::InvalidArgument(
        fmt::format("authority: '{}' must be 1 to {} letters, digits or '-'", authority, kMaxCodeLength));
  }
  f.authority_ = std::move(authority);

  std::set<std::string> codes;
  for (ApplicationType t : AllApplicationTypes()) {
    auto it = type_codes.find(t);
    const std::string where = fmt::format("type_codes.{}", ApplicationTypeName(t));
    if (it == type_codes.end()) return Status::InvalidArgument(where + ": missing");
    if (!IsCode(it->second)) {
      return Status::InvalidArgument(
          fmt::format("{}: '{}' must be 1 to {} letters, digits or '-'", where, it->second, kMaxCodeLength));
    }
    if (!codes.insert(it->second).second)
      return Status::InvalidArgument(fmt::format("{}: '{}' is used for another type", where, it->second));
  }
  f.type_codes_ = std::move(type_codes);
  return f;
}

std::string LicenceNumberFormat::FormatBase(ApplicationType type, int year, int64_t sequence) const {
  std::string out;
  for (const Segment& seg : segments_) {
    switch (seg.kind) {
      case SegmentKind::kLiteral:
        out += seg.text;
        break;
      case SegmentKind::kAuthority:
        out += authority_;
        break;
      case SegmentKind::kType:
        out += type_codes_.at(type);
        break;
      case SegmentKind::kYear:
        out += fmt::format("{:04}", year);
        break;
      case SegmentKind::kSequence:
        out += fmt::format("{:0{}}", sequence, seg.width);
        break;
    }
  }
  return out;
}

Result<std::string> LicenceNumberFormat::Format(ApplicationType type, int year, int64_t sequence,
                                                int amendment) const {
  if (year < 1000 || year > 9999)
    return Status::InvalidArgument(fmt::format("year: {} is not four digits", year));
  if (sequence < 1) return Status::InvalidArgument(fmt::format("sequence: {} is not at least 1", sequence));
  if (sequence > 999'999'999'999'999'999LL)
    return Status::InvalidArgument(fmt::format("sequence: {} has more than 18 digits", sequence));
  if (amendment < 0) return Status::InvalidArgument(fmt::format("amendment: {} is negative", amendment));
  std::string out = FormatBase(type, year, sequence);
  if (amendment > 0) out += fmt::format("/A{}", amendment);
  return out;
}

bool LicenceNumberFormat::Match(std::string_view s, size_t index, LicenceNumberParts& parts) const {
  if (index == segments_.size()) return s.empty();
  const Segment& seg = segments_[index];
  switch (seg.kind) {
    case SegmentKind::kLiteral:
      return s.starts_with(seg.text) && Match(s.substr(seg.text.size()), index + 1, parts);
    case SegmentKind::kAuthority:
      return s.starts_with(authority_) && Match(s.substr(authority_.size()), index + 1, parts);
    case SegmentKind::kType:
      for (const auto& [type, code] : type_codes_) {
        if (s.starts_with(code) && Match(s.substr(code.size()), index + 1, parts)) {
          parts.type = type;
          return true;
        }
      }
      return false;
    case SegmentKind::kYear: {
      if (s.size() < 4 || DigitRun(s.substr(0, 4)) != 4) return false;
      int year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
      if (year < 1000 || !Match(s.substr(4), index + 1, parts)) return false;
      parts.year = year;
      return true;
    }
    case SegmentKind::kSequence: {
      const size_t min_len = std::max<size_t>(1, static_cast<size_t>(seg.width));
      const size_t run = std::min(DigitRun(s), kMaxSequenceDigits);
      for (size_t len = run; len >= min_len && len > 0; --len) {
        // Canonical only: zeros only as padding up to the width.
        if (len > min_len && s[0] == '0') continue;
        int64_t v = 0;
        for (size_t k = 0; k < len; ++k) v = v * 10 + (s[k] - '0');
        if (v < 1) continue;
        if (Match(s.substr(len), index + 1, parts)) {
          parts.sequence = v;
          return true;
        }
      }
      return false;
    }
  }
  return false;
}

Result<LicenceNumberParts> LicenceNumberFormat::Parse(std::string_view number) const {
  std::string_view s = TrimSpaces(number);
  LicenceNumberParts parts;
  // An amendment suffix "/A<n>" (n >= 1, no leading zero), when what precedes it is a number.
  size_t slash = s.rfind("/A");
  if (slash != std::string_view::npos) {
    std::string_view n = s.substr(slash + 2);
    if (!n.empty() && n.size() <= 6 && n[0] != '0' && DigitRun(n) == n.size() &&
        Match(s.substr(0, slash), 0, parts)) {
      parts.amendment = 0;
      for (char c : n) parts.amendment = parts.amendment * 10 + (c - '0');
      return parts;
    }
  }
  parts = LicenceNumberParts{};
  if (Match(s, 0, parts)) return parts;
  return Status::InvalidArgument(
      fmt::format("licence number '{}' does not match the pattern '{}'", std::string(s), pattern_));
}

}  // namespace stm::licensing
