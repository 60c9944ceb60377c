// Text, date and identifier helpers shared by the list importers.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>

#include "screening/import_internal.h"

namespace stm::screening::internal {
namespace {

bool IsSpace(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Windows-1252 0x80..0x9F; 0 where undefined (then read as Latin-1).
constexpr char16_t kCp1252[32] = {0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                                  0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
                                  0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                  0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

void AppendUtf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Length of the valid UTF-8 sequence at s[i], 0 if invalid. Decodes into *cp.
size_t Utf8SeqLen(std::string_view s, size_t i, char32_t* cp) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  size_t len;
  char32_t v;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
    v = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    v = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    v = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    v = (v << 6) | (cc & 0x3F);
  }
  if ((len == 3 && (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF))) ||
      (len == 4 && (v < 0x10000 || v > 0x10FFFF))) {
    return 0;
  }
  *cp = v;
  return len;
}

constexpr std::array<std::string_view, 12> kMonths = {"jan", "feb", "mar", "apr", "may", "jun",
                                                      "jul", "aug", "sep", "oct", "nov", "dec"};

// "Apr", "April", "Apr.", "Sept" -> 4; 0 if not a month name.
int MonthFromName(std::string_view word) {
  std::string w = Lower(word);
  while (!w.empty() && w.back() == '.') w.pop_back();
  if (w.size() < 3) return 0;
  static constexpr std::array<std::string_view, 12> kFull = {"january",   "february", "march",    "april",
                                                             "may",       "june",     "july",     "august",
                                                             "september", "october",  "november", "december"};
  for (size_t m = 0; m < 12; ++m) {
    if (w == kMonths[m] || w == kFull[m] || (w.size() >= 3 && kFull[m].substr(0, w.size()) == w)) {
      return static_cast<int>(m) + 1;
    }
  }
  return 0;
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int ToInt(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

int DaysIn(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0)) return 29;
  return kDays[month - 1];
}

bool ValidParts(int y, int m, int d) {
  if (y < 1 || y > 9999) return false;
  if (m < 0 || m > 12) return false;
  if (d < 0 || d > 31) return false;
  if (d > 0 && m == 0) return false;
  if (d > 0 && d > DaysIn(y, m)) return false;
  return true;
}

// Tokens of a date text: runs of digits and runs of letters ('.' kept inside letter runs).
std::vector<std::string_view> DateTokens(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (std::isdigit(c)) {
      size_t j = i;
      while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
      out.push_back(s.substr(i, j - i));
      i = j;
    } else if (std::isalpha(c)) {
      size_t j = i;
      while (j < s.size() && (std::isalpha(static_cast<unsigned char>(s[j])) || s[j] == '.')) ++j;
      out.push_back(s.substr(i, j - i));
      i = j;
    } else {
      ++i;
    }
  }
  return out;
}

// One point date (no ranges).
std::optional<PartialDate> ParsePoint(std::string_view text, SlashOrder order) {
  std::string_view s = Trim(text);
  PartialDate d;
  // ISO forms: YYYY, YYYY-MM, YYYY-MM-DD (also with '/' or '.'), possibly with a time after 'T' or ' '.
  if (s.size() >= 4 && AllDigits(s.substr(0, 4)) &&
      (s.size() == 4 || ((s[4] == '-' || s[4] == '/' || s[4] == '.') && s.size() >= 7))) {
    if (s.size() == 4) {
      d.year = ToInt(s);
    } else if (s.size() >= 7 && (s[4] == '-' || s[4] == '/' || s[4] == '.') && AllDigits(s.substr(5, 2)) &&
               (s.size() == 7 || !std::isdigit(static_cast<unsigned char>(s[7])))) {
      d.year = ToInt(s.substr(0, 4));
      d.month = ToInt(s.substr(5, 2));
      if (s.size() >= 10 && s[7] == s[4] && AllDigits(s.substr(8, 2)) &&
          (s.size() == 10 || !std::isdigit(static_cast<unsigned char>(s[10])))) {  // time or zone may follow
        d.day = ToInt(s.substr(8, 2));
      } else if (s.size() != 7) {
        return std::nullopt;
      }
    } else {
      return std::nullopt;
    }
    if (!ValidParts(d.year, d.month, d.day)) return std::nullopt;
    return d;
  }
  // Numeric with separators: DD/MM/YYYY or MM/DD/YYYY (also '.' and '-'), "00" meaning unknown.
  auto toks = DateTokens(s);
  if (toks.size() == 3 && AllDigits(toks[0]) && AllDigits(toks[1]) && AllDigits(toks[2]) &&
      toks[2].size() == 4 && toks[0].size() <= 2 && toks[1].size() <= 2) {
    int a = ToInt(toks[0]), b = ToInt(toks[1]);
    d.year = ToInt(toks[2]);
    if (order == SlashOrder::kDayFirst) {
      d.day = a;
      d.month = b;
    } else {
      d.month = a;
      d.day = b;
    }
    if (d.month == 0) d.day = 0;
    if (!ValidParts(d.year, d.month, d.day)) return std::nullopt;
    return d;
  }
  if (toks.size() == 2 && AllDigits(toks[0]) && AllDigits(toks[1]) && toks[1].size() == 4 &&
      toks[0].size() <= 2) {
    d.month = ToInt(toks[0]);  // MM/YYYY
    d.year = ToInt(toks[1]);
    if (!ValidParts(d.year, d.month, 0)) return std::nullopt;
    return d;
  }
  // Month names: "29 Apr 1958", "Apr 1958", "April 29, 1958", "29th of April 1958".
  int day = 0, month = 0, year = 0;
  for (auto t : toks) {
    if (AllDigits(t)) {
      if (t.size() == 4 && year == 0) {
        year = ToInt(t);
      } else if (t.size() <= 2 && day == 0) {
        day = ToInt(t);
      } else {
        return std::nullopt;
      }
    } else {
      std::string w = Lower(t);
      if (w == "th" || w == "st" || w == "nd" || w == "rd" || w == "of") continue;
      int m = MonthFromName(t);
      if (m == 0 || month != 0) return std::nullopt;
      month = m;
    }
  }
  if (year == 0) return std::nullopt;
  if (month == 0 && day != 0) return std::nullopt;
  if (!ValidParts(year, month, day)) return std::nullopt;
  d.year = year;
  d.month = month;
  d.day = day;
  return d;
}

struct IdLabel {
  std::string_view label;
  std::string_view type;  // empty: not an identifier
};

// Labels as OFAC (remarks, XML idType, ENHANCED document types / features), the CSL `ids` column and UN
// documents write them. Lower-case; compared without a trailing ':' or '.'.
constexpr IdLabel kIdLabels[] = {
    {"passport", "passport"},
    {"passport no", "passport"},
    {"passport number", "passport"},
    {"diplomatic passport", "passport"},
    {"service passport", "passport"},
    {"official passport", "passport"},
    {"numero de passeport", "passport"},
    {"numero de pasaporte", "passport"},
    {"national id no", "national_id"},
    {"national id", "national_id"},
    {"national identification number", "national_id"},
    {"national identification no", "national_id"},
    {"national identity card", "national_id"},
    {"identification number", "national_id"},
    {"identity card", "national_id"},
    {"id card", "national_id"},
    {"personal id card", "national_id"},
    {"personal identification number", "national_id"},
    {"citizen's card number", "national_id"},
    {"cedula no", "national_id"},
    {"cedula", "national_id"},
    {"c.u.r.p", "national_id"},
    {"curp", "national_id"},
    {"d.n.i", "national_id"},
    {"dni", "national_id"},
    {"nie", "national_id"},
    {"residency number", "national_id"},
    {"kenyan id no", "national_id"},
    {"turkish identification number", "national_id"},
    {"ssn", "national_id"},
    {"social security number", "national_id"},
    {"birth certificate number", "other"},
    {"driver's license no", "drivers_licence"},
    {"driver's license", "drivers_licence"},
    {"electoral registry no", "other"},
    {"refugee id card", "other"},
    {"travel document number", "passport"},
    {"tax id no", "tax_id"},
    {"tax id", "tax_id"},
    {"tax identification number", "tax_id"},
    {"r.f.c", "tax_id"},
    {"rfc", "tax_id"},
    {"v.a.t. number", "tax_id"},
    {"vat number", "tax_id"},
    {"nit #", "tax_id"},
    {"nit", "tax_id"},
    {"ruc #", "tax_id"},
    {"ruc", "tax_id"},
    {"inn", "tax_id"},
    {"registration number", "registration"},
    {"registration id", "registration"},
    {"registration no", "registration"},
    {"business registration number", "registration"},
    {"business registration document #", "registration"},
    {"business number", "registration"},
    {"public registration number", "registration"},
    {"company number", "registration"},
    {"commercial registry number", "registration"},
    {"commercial registration number", "registration"},
    {"chamber of commerce number", "registration"},
    {"c.r. no", "registration"},
    {"trade license no", "registration"},
    {"trade license number", "registration"},
    {"license", "registration"},
    {"government gazette number", "registration"},
    {"unified social credit code (uscc)", "registration"},
    {"unified social credit code", "registration"},
    {"enterprise number", "registration"},
    {"economic register number (crn)", "registration"},
    {"certificate of incorporation number", "registration"},
    {"registered charity no", "registration"},
    {"branch unit number", "registration"},
    {"folio mercantil no", "registration"},
    {"matricula mercantil no", "registration"},
    {"istanbul chamber of comm. no", "registration"},
    {"dubai chamber of commerce membership no", "registration"},
    {"ogrn", "registration"},
    {"business_registration_numbers", "registration"},
    {"legal entity number", "lei"},
    {"lei", "lei"},
    {"vessel registration identification", "imo"},
    {"imo", "imo"},
    {"imo number", "imo"},
    {"mmsi", "mmsi"},
    {"swift/bic", "swift"},
    {"swift", "swift"},
    {"bik (ru)", "bik"},
    {"isin", "isin"},
    {"d-u-n-s number", "duns"},
    {"aircraft manufacturer's serial number (msn)", "aircraft_msn"},
    {"aircraft construction number (also called l/n or s/n or f/n)", "aircraft_msn"},
    {"aircraft tail number", "aircraft_tail"},
    {"previous aircraft tail number", "aircraft_tail"},
    {"call sign", "call_sign"},
    {"national", "national_id"},
};

std::string NormLabel(std::string_view label) {
  std::string l = Lower(Clean(label));
  while (!l.empty() && (l.back() == ':' || l.back() == '.' || l.back() == ' ')) l.pop_back();
  return l;
}

}  // namespace

// ---- Text ----

std::string_view Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && IsSpace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && IsSpace(static_cast<unsigned char>(s[e - 1]))) --e;
  // No-break spaces (U+00A0) at the ends.
  while (e - b >= 2 && s.substr(b, 2) == "\xC2\xA0") b += 2;
  while (e - b >= 2 && s.substr(e - 2, 2) == "\xC2\xA0") e -= 2;
  return s.substr(b, e - b);
}

std::string Clean(std::string_view s) {
  // Fast path: nothing to trim or collapse.
  bool simple = !s.empty() && !IsSpace(static_cast<unsigned char>(s.front())) &&
                !IsSpace(static_cast<unsigned char>(s.back()));
  for (size_t i = 0; simple && i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if ((c == ' ' && i + 1 < s.size() && s[i + 1] == ' ') || (c != ' ' && IsSpace(c)) || c == 0xC2)
      simple = false;
  }
  if (simple) return std::string(s);
  std::string out;
  out.reserve(s.size());
  bool space = false;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    bool ws = IsSpace(c);
    if (!ws && c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xA0) {
      ws = true;
      ++i;
    }
    if (ws) {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back(static_cast<char>(c));
  }
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool StartsWithI(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && EqualsI(s.substr(0, prefix.size()), prefix);
}

bool EqualsI(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

bool ContainsI(std::string_view s, std::string_view needle) {
  if (needle.empty()) return true;
  auto it = std::search(s.begin(), s.end(), needle.begin(), needle.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  });
  return it != s.end();
}

std::vector<std::string> SplitClean(std::string_view s, std::string_view sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t pos = sep.empty() ? std::string_view::npos : s.find(sep, start);
    std::string_view part =
        s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start);
    std::string c = Clean(part);
    if (!c.empty()) out.push_back(std::move(c));
    if (pos == std::string_view::npos) break;
    start = pos + sep.size();
  }
  return out;
}

std::string RepairUtf8(std::string_view s, bool* repaired) {
  // Fast path: valid UTF-8.
  size_t i = 0;
  char32_t cp;
  while (i < s.size()) {
    size_t len = Utf8SeqLen(s, i, &cp);
    if (len == 0) break;
    i += len;
  }
  if (repaired) *repaired = i < s.size();
  if (i == s.size()) return std::string(s);
  std::string out(s.substr(0, i));
  out.reserve(s.size() + 64);
  while (i < s.size()) {
    size_t len = Utf8SeqLen(s, i, &cp);
    if (len > 0) {
      out.append(s.substr(i, len));
      i += len;
      continue;
    }
    unsigned char c = static_cast<unsigned char>(s[i]);
    char32_t mapped = c;
    if (c >= 0x80 && c <= 0x9F && kCp1252[c - 0x80] != 0) mapped = kCp1252[c - 0x80];
    AppendUtf8(out, mapped);
    ++i;
  }
  return out;
}

std::string DetectScript(std::string_view s) {
  // Counts letters per script; returns the most frequent non-Latin one.
  if (std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; })) return {};
  static constexpr const char* kCodes[] = {"Grek", "Cyrl", "Armn", "Hebr", "Arab", "Deva",
                                           "Thai", "Geor", "Hang", "Ethi", "Jpan", "Hani"};
  struct Range {
    char32_t lo, hi;
    int script;  // index into kCodes
  };
  static constexpr Range kRanges[] = {
      {0x0370, 0x03FF, 0},  {0x0400, 0x052F, 1},  {0x0530, 0x058F, 2},  {0x0590, 0x05FF, 3},
      {0x0600, 0x06FF, 4},  {0x0750, 0x077F, 4},  {0x08A0, 0x08FF, 4},  {0x0900, 0x097F, 5},
      {0x0E00, 0x0E7F, 6},  {0x10A0, 0x10FF, 7},  {0x1100, 0x11FF, 8},  {0x1200, 0x137F, 9},
      {0x3040, 0x30FF, 10}, {0x3400, 0x4DBF, 11}, {0x4E00, 0x9FFF, 11}, {0xAC00, 0xD7AF, 8},
      {0xFB50, 0xFDFF, 4},  {0xFE70, 0xFEFF, 4},
  };
  std::array<int, std::size(kCodes)> counts{};
  int latin = 0;
  size_t i = 0;
  while (i < s.size()) {
    char32_t cp = 0;
    size_t len = Utf8SeqLen(s, i, &cp);
    if (len == 0) {
      ++i;
      continue;
    }
    i += len;
    if (cp < 0x80) {
      if (std::isalpha(static_cast<int>(cp))) ++latin;
      continue;
    }
    if (cp < 0x370) {
      ++latin;  // Latin-1 and Latin Extended letters
      continue;
    }
    for (const auto& r : kRanges) {
      if (cp >= r.lo && cp <= r.hi) {
        ++counts[r.script];
        break;
      }
    }
  }
  size_t best = 0;
  for (size_t k = 1; k < counts.size(); ++k) {
    if (counts[k] > counts[best]) best = k;
  }
  if (counts[best] == 0 || counts[best] < latin) return {};
  return kCodes[best];
}

std::string LastFirstToNatural(std::string_view name) {
  std::string n = Clean(name);
  size_t comma = n.find(',');
  if (comma == std::string::npos) return n;
  std::string last = Clean(std::string_view(n).substr(0, comma));
  std::string first = Clean(std::string_view(n).substr(comma + 1));
  if (first.empty()) return last;
  if (last.empty()) return first;
  return first + " " + last;
}

// ---- Dates ----

std::optional<PartialDate> ParseDate(std::string_view text, SlashOrder order) {
  std::string s = Clean(text);
  if (s.empty()) return std::nullopt;
  std::string body = s;
  // Qualifiers that do not change the value.
  for (std::string_view q :
       {"circa ", "approximately ", "approx. ", "approx ", "about ", "ca. ", "c. ", "born "}) {
    if (StartsWithI(body, q)) body = Clean(std::string_view(body).substr(q.size()));
  }
  while (!body.empty() && (body.back() == '.' || body.back() == ';' || body.back() == ',')) body.pop_back();
  // Ranges: "X to Y", "between X and Y", "from X to Y", "X - Y" / "X-Y" for year ranges.
  std::string lower = Lower(body);
  std::string_view a, b;
  size_t pos;
  if (StartsWithI(body, "between ") && (pos = lower.find(" and ")) != std::string::npos) {
    a = std::string_view(body).substr(8, pos - 8);
    b = std::string_view(body).substr(pos + 5);
  } else if ((pos = lower.find(" to ")) != std::string::npos) {
    a = std::string_view(body).substr(StartsWithI(body, "from ") ? 5 : 0);
    a = a.substr(0, a.find(" to ") == std::string_view::npos ? a.size() : a.find(" to "));
    b = std::string_view(body).substr(pos + 4);
  } else if (body.size() == 9 && AllDigits(std::string_view(body).substr(0, 4)) && body[4] == '-' &&
             AllDigits(std::string_view(body).substr(5, 4))) {
    a = std::string_view(body).substr(0, 4);
    b = std::string_view(body).substr(5, 4);
  }
  if (!a.empty() && !b.empty()) {
    auto da = ParsePoint(a, order);
    auto db = ParsePoint(b, order);
    if (!da || !db) return std::nullopt;
    PartialDate d;
    d.year = da->year;
    if (da->year == db->year) {
      if (da->month == db->month) {
        d.month = da->month;
        if (da->day == db->day) d.day = da->day;
      }
    } else {
      d.year = std::min(da->year, db->year);
      d.year_to = std::max(da->year, db->year);
    }
    d.raw = std::string(Trim(text));
    return d;
  }
  auto d = ParsePoint(body, order);
  if (!d) return std::nullopt;
  d->raw = std::string(Trim(text));
  return d;
}

bool PlausibleYear(int year) { return year >= 1800 && year <= 2100; }

std::string IsoDay(const PartialDate& d) {
  if (d.year == 0 || d.month == 0 || d.day == 0 || d.year_to != 0) return {};
  return fmt::format("{:04d}-{:02d}-{:02d}", d.year, d.month, d.day);
}

// ---- Identifiers ----

std::optional<std::string> IdentifierType(std::string_view label) {
  std::string l = NormLabel(label);
  if (l.empty()) return std::nullopt;
  for (const auto& e : kIdLabels) {
    if (l == e.label) return std::string(e.type);
  }
  // Generic fall-backs for labels the table does not know.
  if (l.find("passport") != std::string::npos) return "passport";
  if (l.find("tax") != std::string::npos) return "tax_id";
  if (l.find("registration") != std::string::npos || l.find("registry") != std::string::npos) {
    return "registration";
  }
  if (l.find("national id") != std::string::npos || l.find("identity") != std::string::npos ||
      l.find("identification") != std::string::npos) {
    return "national_id";
  }
  return std::nullopt;
}

bool PlausibleIdentifier(std::string_view type, std::string_view value) {
  if (value.empty()) return false;
  if (std::any_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) return true;
  if (type == "swift" && (value.size() == 8 || value.size() == 11)) {
    return std::all_of(value.begin(), value.end(),
                       [](char c) { return std::isalnum(static_cast<unsigned char>(c)); });
  }
  return false;
}

std::optional<std::pair<size_t, std::string>> IdentifierPrefix(std::string_view text) {
  size_t best = 0;
  std::string type;
  for (const auto& e : kIdLabels) {
    if (e.label.size() <= best) continue;
    if (!StartsWithI(text, e.label)) continue;
    // The label must end at a word boundary.
    size_t n = e.label.size();
    if (n < text.size()) {
      char next = text[n];
      if (std::isalnum(static_cast<unsigned char>(next))) continue;
    }
    best = n;
    type = std::string(e.type);
  }
  if (best == 0) return std::nullopt;
  return std::make_pair(best, type);
}

// ---- Entity building ----

void AddName(Entity& e, std::string full, NameKind kind, AliasStrength strength, std::string script) {
  full = Clean(full);
  if (full.empty()) return;
  for (const auto& n : e.names) {
    if (n.full == full) return;
  }
  if (e.names.empty()) {
    kind = NameKind::kPrimary;
    strength = AliasStrength::kStrong;
  } else if (kind == NameKind::kPrimary) {
    kind = NameKind::kAlias;
  }
  if (script.empty()) script = DetectScript(full);
  e.names.push_back(Name{std::move(full), kind, strength, std::move(script)});
}

void AddUnique(std::vector<std::string>& v, std::string value) {
  value = Clean(value);
  if (value.empty()) return;
  if (std::find(v.begin(), v.end(), value) == v.end()) v.push_back(std::move(value));
}

void AddIdentifier(Entity& e, std::string type, std::string value, std::string country) {
  value = Clean(value);
  while (!value.empty() && (value.back() == '.' || value.back() == ',' || value.back() == ';'))
    value.pop_back();
  if (value.empty()) return;
  for (const auto& id : e.identifiers) {
    if (id.type == type && id.value == value && (id.country == country || country.empty())) return;
  }
  e.identifiers.push_back(Identifier{std::move(type), std::move(value), std::move(country)});
}

void AddAddress(Entity& e, std::string text, std::string country) {
  text = Clean(text);
  if (text.empty() && country.empty()) return;
  for (const auto& a : e.addresses) {
    if (a.text == text && a.country == country) return;
  }
  if (!country.empty()) AddUnique(e.countries, country);
  e.addresses.push_back(Address{std::move(text), std::move(country)});
}

void AddDate(Entity& e, PartialDate d) {
  for (const auto& x : e.birth_dates) {
    if (x.year == d.year && x.month == d.month && x.day == d.day && x.year_to == d.year_to) return;
  }
  e.birth_dates.push_back(std::move(d));
}

void Warn(ImportReport& r, std::string_view source_id, std::string message) {
  if (r.warnings.size() < kMaxWarnings) {
    r.warnings.push_back(ImportWarning{std::string(source_id), std::move(message)});
  } else if (r.warnings.size() == kMaxWarnings) {
    r.warnings.push_back(ImportWarning{"", "further warnings suppressed"});
  }
}

std::string DateFromPath(std::string_view path) {
  std::filesystem::path p(path);
  auto find_in = [](const std::string& s) -> std::string {
    // The last YYYY-MM(-DD) in the text.
    std::string found;
    for (size_t i = 0; i + 7 <= s.size(); ++i) {
      if (i > 0 && std::isdigit(static_cast<unsigned char>(s[i - 1]))) continue;
      if (!AllDigits(std::string_view(s).substr(i, 4)) || s[i + 4] != '-' ||
          !AllDigits(std::string_view(s).substr(i + 5, 2))) {
        continue;
      }
      int y = ToInt(std::string_view(s).substr(i, 4)), m = ToInt(std::string_view(s).substr(i + 5, 2));
      if (!PlausibleYear(y) || m < 1 || m > 12) continue;
      std::string d = s.substr(i, 7);
      if (i + 10 <= s.size() && s[i + 7] == '-' && AllDigits(std::string_view(s).substr(i + 8, 2)) &&
          (i + 10 == s.size() || !std::isdigit(static_cast<unsigned char>(s[i + 10])))) {
        int day = ToInt(std::string_view(s).substr(i + 8, 2));
        if (day >= 1 && day <= DaysIn(y, m)) d = s.substr(i, 10);
      } else if (i + 7 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 7]))) {
        continue;
      }
      found = d;
    }
    return found;
  };
  std::string d = find_in(p.filename().string());
  if (d.empty() && p.has_parent_path()) d = find_in(p.parent_path().filename().string());
  return d;
}

std::string_view FormatName(Format f) {
  switch (f) {
    case Format::kUnknown:
      return "unknown";
    case Format::kUnXml:
      return "un_xml";
    case Format::kOfacSdnCsv:
      return "ofac_sdn_csv";
    case Format::kOfacConsCsv:
      return "ofac_cons_csv";
    case Format::kOfacCompanion:
      return "ofac_companion_csv";
    case Format::kOfacXml:
      return "ofac_xml";
    case Format::kOfacEnhancedXml:
      return "ofac_enhanced_xml";
    case Format::kZip:
      return "zip";
    case Format::kGzip:
      return "gzip";
    case Format::kUsCslCsv:
      return "us_csl_csv";
    case Format::kBisDplTsv:
      return "bis_dpl_tsv";
    case Format::kUkFcdoSubjects:
      return "uk_csv";
    case Format::kUkFcdoCompanion:
      return "uk_companion_csv";
    case Format::kUkOfsiCsv:
      return "uk_ofsi_csv";
    case Format::kEuCsv:
      return "eu_csv";
    case Format::kCaSemaXml:
      return "ca_sema_xml";
  }
  return "unknown";
}

}  // namespace stm::screening::internal
