// US CCL importer: see import_ccl.h.
#include "catalog/import_ccl.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <unordered_map>

namespace stm::catalog {
namespace {

namespace fs = std::filesystem;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

std::string_view TrimView(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}
std::string Trim(std::string_view s) { return std::string(TrimView(s)); }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool Contains(std::string_view hay, std::string_view needle) {
  return hay.find(needle) != std::string_view::npos;
}

std::string Join(const std::vector<std::string>& parts, size_t n, char sep = '.') {
  std::string out;
  for (size_t i = 0; i < n && i < parts.size(); ++i) {
    if (i) out.push_back(sep);
    out += parts[i];
  }
  return out;
}

// "3A225" shape: digit, letter A-E, three digits.
bool IsEccnAt(std::string_view s, size_t i) {
  return i + 5 <= s.size() && IsDigit(s[i]) && s[i + 1] >= 'A' && s[i + 1] <= 'E' && IsDigit(s[i + 2]) &&
         IsDigit(s[i + 3]) && IsDigit(s[i + 4]);
}

// ---------------------------------------------------------------------------------------------------
// Paragraph labels and notes in the items-controlled text.

using Parts = std::vector<std::string>;

struct Candidate {
  size_t start = 0;
  size_t end = 0;  // after the label (and its dot)
  Parts parts;
};

struct NoteHeader {
  size_t start = 0;
  size_t end = 0;  // after the header ("Note 1 to 0A501.a:")
  bool technical = false;
  std::string target;  // what follows "to"/"for", "" when none
};

bool LetterLevel(size_t depth) { return depth % 2 == 0; }  // parts[0] letter, parts[1] digit, ...

// The label starting at text[i] ("a.", "a.1.", "a.1.a", "b.1"), when well formed.
std::optional<Candidate> LabelAt(std::string_view text, size_t i) {
  if (!IsLower(text[i]) || (i > 0 && !IsSpace(text[i - 1]))) return std::nullopt;
  Candidate c;
  c.start = i;
  c.parts.push_back(std::string(1, text[i]));
  size_t j = i + 1;
  bool dot = false;
  while (j < text.size() && text[j] == '.') {
    size_t k = j + 1;
    if (k < text.size() && IsDigit(text[k])) {
      size_t e = k;
      while (e < text.size() && IsDigit(text[e])) ++e;
      if (e - k > 3) return std::nullopt;
      c.parts.push_back(std::string(text.substr(k, e - k)));
      j = e;
    } else if (k < text.size() && IsLower(text[k]) &&
               (k + 1 == text.size() || text[k + 1] == '.' || IsSpace(text[k + 1]))) {
      c.parts.push_back(std::string(1, text[k]));
      j = k + 1;
    } else {
      dot = true;
      j = k;
      break;
    }
  }
  if (j < text.size() && !IsSpace(text[j])) return std::nullopt;
  if (c.parts.size() == 1 && !dot) return std::nullopt;
  for (size_t d = 0; d < c.parts.size(); ++d) {
    bool digit = IsDigit(c.parts[d][0]);
    if (digit == LetterLevel(d)) return std::nullopt;
  }
  c.end = j;
  return c;
}

// "Note:", "Notes:", "Note 2:", "Technical Note 1 to 2B350.g:", "Note 3 to paragraph 0A501.d" at text[i].
std::optional<NoteHeader> NoteAt(std::string_view text, size_t i) {
  if (text.compare(i, 4, "Note") != 0) return std::nullopt;
  if (i > 0 && !IsSpace(text[i - 1])) return std::nullopt;
  NoteHeader h;
  h.start = i;
  if (i >= 10 && text.compare(i - 10, 10, "Technical ") == 0) {
    h.technical = true;
    h.start = i - 10;
  }
  size_t q = i + 4;
  if (q < text.size() && text[q] == 's') ++q;
  if (q + 1 < text.size() && text[q] == ' ' && IsDigit(text[q + 1])) {
    q += 1;
    while (q < text.size() && IsDigit(text[q])) ++q;
  }
  if (q < text.size() && text[q] == ':') {
    h.end = q + 1;
    return h;
  }
  // "Note 1 to X" / "Note for X" headers start a sentence ("... materials identified in Technical Note 1 to
  // 2B350.g." is a reference, not a note).
  size_t b = h.start;
  while (b > 0 && IsSpace(text[b - 1])) --b;
  if (b > 0) {
    char prev = text[b - 1];
    bool closing_quote = b >= 3 && (text.compare(b - 3, 3, "\xE2\x80\x9D") == 0 ||
                                    text.compare(b - 3, 3, "\xE2\x80\x99") == 0);
    if (!(prev == '.' || prev == ';' || prev == ':' || prev == ')' || prev == ']' || prev == '"' ||
          prev == '\'' || closing_quote)) {
      return std::nullopt;
    }
  }
  size_t after = 0;
  if (text.compare(q, 4, " to ") == 0) {
    after = q + 4;
  } else if (text.compare(q, 5, " for ") == 0) {
    after = q + 5;
  } else {
    return std::nullopt;
  }
  // Up to a colon close by ...
  size_t window_end = std::min(text.size(), after + 100);
  std::string_view window = text.substr(after, window_end - after);
  size_t colon = window.find(':');
  if (colon != std::string_view::npos && !Contains(window.substr(0, colon), "Note")) {
    h.target = Trim(window.substr(0, colon));
    h.end = after + colon + 1;
    return h;
  }
  // ... else "to [paragraph|ECCN] <code>" without a colon.
  size_t p = after;
  for (std::string_view word : {"paragraphs ", "paragraph ", "ECCNs ", "ECCN "}) {
    if (text.compare(p, word.size(), word) == 0) {
      p += word.size();
      break;
    }
  }
  size_t e = p;
  while (e < text.size() && !IsSpace(text[e])) ++e;
  std::string_view token = text.substr(p, e - p);
  while (!token.empty() && (token.back() == '.' || token.back() == ',' || token.back() == ':')) {
    token.remove_suffix(1);
  }
  if (token.empty() || !(IsEccnAt(token, 0) || token[0] == '.' || IsLower(token[0]))) return std::nullopt;
  h.target = std::string(token);
  h.end = e;
  return h;
}

bool IsFirst(const std::string& part) { return part == "a" || part == "1"; }

// Compares two parts of the same level: <0, 0, >0.
int ComparePart(const std::string& a, const std::string& b) {
  if (IsDigit(a[0]) && IsDigit(b[0])) return std::stoi(a) - std::stoi(b);
  return a.compare(b);
}

std::string NextPart(const std::string& p) {
  if (IsDigit(p[0])) return std::to_string(std::stoi(p) + 1);
  return std::string(1, static_cast<char>(p[0] + 1));
}

enum class Fit { kNo, kExact, kJump };

// Whether `c` may follow the paragraph at `path` in the numbering: as its first child or the next sibling
// at some level (kExact), or as a later sibling skipping letters or numbers (kJump; not inside notes except
// the reserved-letter paragraphs .x/.y/.z).
Fit FitsAfter(const Parts& path, const Parts& c, bool in_note) {
  if (path.empty()) {
    if (c.size() != 1) return Fit::kNo;
    if (c[0] == "a") return Fit::kExact;
    return in_note ? Fit::kNo : Fit::kJump;
  }
  if (c.size() == path.size() + 1) {
    return std::equal(path.begin(), path.end(), c.begin()) && IsFirst(c.back()) ? Fit::kExact : Fit::kNo;
  }
  if (c.size() > path.size()) return Fit::kNo;
  size_t k = c.size();
  if (!std::equal(c.begin(), c.end() - 1, path.begin())) return Fit::kNo;
  const std::string& have = path[k - 1];
  const std::string& want = c.back();
  if (NextPart(have) == want) return Fit::kExact;
  if (ComparePart(want, have) <= 0) return Fit::kNo;
  if (k == 1 && (want == "x" || want == "y" || want == "z")) return in_note ? Fit::kExact : Fit::kJump;
  return in_note ? Fit::kNo : Fit::kJump;
}

bool IsDecontrol(std::string_view note) {
  std::string l = Lower(note);
  for (std::string_view p :
       {"does not control", "do not control", "does not apply to", "do not apply to", "is not controlled",
        "are not controlled", "not controlled by this", "does not include", "do not include"}) {
    if (Contains(l, p)) return true;
  }
  return false;
}

// The paragraph label a note's target names within `eccn` ("paragraph 0A501.a" -> "a", ".a" -> "a"),
// "" for the ECCN itself, nullopt when it names nothing in this entry.
std::optional<std::string> TargetLabel(std::string_view eccn, std::string_view target) {
  size_t at = target.find(eccn);
  if (at != std::string_view::npos) {
    std::string_view rest = target.substr(at + eccn.size());
    std::string label;
    if (!rest.empty() && rest[0] == '.') {
      size_t e = 1;
      while (e < rest.size() &&
             (IsAlnum(rest[e]) || (rest[e] == '.' && e + 1 < rest.size() && IsAlnum(rest[e + 1])))) {
        ++e;
      }
      label = std::string(rest.substr(1, e - 1));
    }
    return label;
  }
  if (IsEccnAt(target, 0) || Contains(target, "ECCN")) {
    for (size_t i = 0; i + 5 <= target.size(); ++i) {
      if (IsEccnAt(target, i)) return std::nullopt;  // another entry
    }
    return std::string();
  }
  std::string_view t = target;
  for (std::string_view word : {"paragraphs ", "paragraph "}) {
    if (t.starts_with(word)) {
      if (word == "paragraphs ") return std::string();  // several: the entry
      t.remove_prefix(word.size());
    }
  }
  if (!t.empty() && t[0] == '.') t.remove_prefix(1);
  size_t e = 0;
  while (e < t.size() && (IsAlnum(t[e]) || (t[e] == '.' && e + 1 < t.size() && IsAlnum(t[e + 1])))) ++e;
  if (e == 0 || !IsLower(t[0])) return std::nullopt;
  return std::string(t.substr(0, e));
}

}  // namespace

ParsedItems ParseItemsControlled(std::string_view eccn, std::string_view text) {
  ParsedItems out;
  // 1. Candidates and note headers, in text order.
  std::vector<Candidate> cands;
  std::vector<NoteHeader> headers;
  for (size_t i = 0; i < text.size(); ++i) {
    if (!headers.empty() && i < headers.back().end) continue;
    if (text[i] == 'N') {
      if (auto h = NoteAt(text, i)) {
        headers.push_back(std::move(*h));
        continue;
      }
    }
    if (IsLower(text[i])) {
      if (auto c = LabelAt(text, i)) {
        i = c->end - 1;
        cands.push_back(std::move(*c));
      }
    }
  }

  // 2. Walk them: accept labels that the numbering allows; inside a note, a lettered list restarting at
  // "a." belongs to the note.
  std::vector<size_t> accepted;  // indexes into cands
  struct NoteRef {
    size_t header;
    int follows;  // index into `accepted` of the paragraph it follows, -1 for none
  };
  std::vector<NoteRef> notes;
  Parts path;
  bool in_note = false;
  std::optional<Parts> expect;  // next item of a lettered list inside the current note
  size_t h = 0;
  for (size_t ci = 0; ci < cands.size(); ++ci) {
    const Candidate& c = cands[ci];
    while (h < headers.size() && headers[h].start < c.start) {
      notes.push_back({h, accepted.empty() ? -1 : static_cast<int>(accepted.size()) - 1});
      in_note = true;
      expect.reset();
      ++h;
    }
    bool accept = false;
    Fit fit = FitsAfter(path, c.parts, in_note);
    if (fit == Fit::kJump) {
      // A skip needs the text to carry on from it ("f. sp. tritici" is not a paragraph f).
      size_t after = c.end;
      while (after < text.size() && IsSpace(text[after])) ++after;
      bool starts_words = after < text.size() && !IsLower(text[after]);
      accept = starts_words &&
               (ci + 1 == cands.size() || FitsAfter(c.parts, cands[ci + 1].parts, false) == Fit::kExact ||
                (c.parts.size() == 1 && c.parts[0] >= "x"));
    } else if (fit == Fit::kExact) {
      accept = true;
      if (in_note) {
        bool child_follows = false;
        if (ci + 1 < cands.size()) {
          const Parts& n = cands[ci + 1].parts;
          child_follows = n.size() == c.parts.size() + 1 &&
                          std::equal(c.parts.begin(), c.parts.end(), n.begin()) && IsFirst(n.back());
        }
        if (!child_follows && expect && *expect == c.parts) accept = false;
      }
    }
    // "j. through y. [Reserved]": the end of the range is not a paragraph of its own.
    if (accept && text.compare(c.end, 9, " through ") == 0 && ci + 1 < cands.size() &&
        cands[ci + 1].start <= c.end + 9) {
      accepted.push_back(ci);
      path = c.parts;
      in_note = false;
      expect.reset();
      ++ci;
      continue;
    }
    if (accept) {
      accepted.push_back(ci);
      path = c.parts;
      in_note = false;
      expect.reset();
    } else if (in_note) {
      if (IsFirst(c.parts.back()) || (expect && *expect == c.parts)) {
        Parts next = c.parts;
        next.back() = NextPart(next.back());
        expect = next;
      }
    }
  }
  for (; h < headers.size(); ++h)
    notes.push_back({h, accepted.empty() ? -1 : static_cast<int>(accepted.size()) - 1});

  // 3. Paragraphs, with their own words and extents.
  std::map<std::string, size_t> by_label;  // label -> paragraph index
  std::vector<size_t> starts;              // event starts, sorted: accepted labels and note headers
  for (size_t a : accepted) starts.push_back(cands[a].start);
  for (const NoteHeader& nh : headers) starts.push_back(nh.start);
  std::sort(starts.begin(), starts.end());
  auto next_event = [&](size_t pos) {
    auto it = std::upper_bound(starts.begin(), starts.end(), pos);
    return it == starts.end() ? text.size() : *it;
  };
  for (size_t a : accepted) {
    const Candidate& c = cands[a];
    CclParagraph p;
    p.label = Join(c.parts, c.parts.size());
    p.heading = Trim(text.substr(c.end, next_event(c.start) - c.end));
    by_label.emplace(p.label, out.paragraphs.size());
    out.paragraphs.push_back(std::move(p));
  }

  // 4. Notes: to the paragraph they name, else the entry when they speak of "this ECCN", else the paragraph
  // they follow.
  std::vector<int> note_owner(notes.size(), -1);
  for (size_t n = 0; n < notes.size(); ++n) {
    const NoteHeader& nh = headers[notes[n].header];
    size_t end = next_event(nh.start);
    std::string_view body = TrimView(text.substr(nh.end, end - nh.end));
    std::optional<std::string> target;
    if (!nh.target.empty()) target = TargetLabel(eccn, nh.target);
    if (!target && body.starts_with(eccn))
      target = TargetLabel(eccn, body.substr(0, std::min<size_t>(body.size(), 40)));
    int owner = notes[n].follows;
    if (target) {
      if (target->empty()) {
        owner = -1;
      } else {
        std::string label = *target;
        owner = -2;
        while (!label.empty()) {
          if (auto it = by_label.find(label); it != by_label.end()) {
            owner = static_cast<int>(it->second);
            break;
          }
          size_t dot = label.rfind('.');
          label = dot == std::string::npos ? std::string() : label.substr(0, dot);
        }
        if (owner == -2) owner = notes[n].follows;
      }
    } else {
      std::string head = Lower(body.substr(0, std::min<size_t>(body.size(), 120)));
      if (Contains(head, "this eccn") || Contains(head, "this entry") || Contains(head, Lower(eccn)))
        owner = -1;
    }
    note_owner[n] = owner;
    std::string note = Trim(text.substr(nh.start, end - nh.start));
    std::vector<std::string>* dest;
    bool decontrol = IsDecontrol(body);
    if (owner < 0) {
      dest = decontrol ? &out.decontrol_notes : nh.technical ? &out.technical_notes : &out.notes;
    } else {
      CclParagraph& p = out.paragraphs[owner];
      dest = decontrol ? &p.decontrol_notes : nh.technical ? &p.technical_notes : &p.notes;
    }
    dest->push_back(std::move(note));
  }

  // 5. Each paragraph's full text: up to the next paragraph that is not its descendant, less trailing notes
  // that belong elsewhere.
  for (size_t i = 0; i < accepted.size(); ++i) {
    const Candidate& c = cands[accepted[i]];
    size_t end = text.size();
    size_t last_desc_start = c.start;
    std::string prefix = out.paragraphs[i].label + ".";
    auto in_subtree = [&](int owner) {
      return owner >= 0 &&
             (static_cast<size_t>(owner) == i || out.paragraphs[owner].label.starts_with(prefix));
    };
    for (size_t j = i + 1; j < accepted.size(); ++j) {
      if (out.paragraphs[j].label.starts_with(prefix)) {
        last_desc_start = cands[accepted[j]].start;
        continue;
      }
      end = cands[accepted[j]].start;
      break;
    }
    for (size_t n = notes.size(); n-- > 0;) {
      size_t s = headers[notes[n].header].start;
      if (s >= end || s < last_desc_start) continue;
      if (in_subtree(note_owner[n])) break;
      end = s;
    }
    out.paragraphs[i].text = Trim(text.substr(c.start, end - c.start));
  }
  return out;
}

Result<std::string> ReadCatalogFile(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return Status::NotFound("file not found: " + path.string());
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Unavailable("cannot open " + path.string());
  std::string data;
  in.seekg(0, std::ios::end);
  auto size = in.tellg();
  if (size < 0) return Status::Unavailable("cannot read " + path.string());
  data.resize(static_cast<size_t>(size));
  in.seekg(0);
  in.read(data.data(), size);
  if (!in) return Status::Unavailable("cannot read " + path.string());
  return data;
}

std::vector<std::string> FindCasNumbers(std::string_view text, std::vector<std::string>* invalid) {
  std::vector<std::string> out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (!IsDigit(text[i]) || (i > 0 && (IsAlnum(text[i - 1]) || text[i - 1] == '-' || text[i - 1] == '.'))) {
      continue;
    }
    size_t j = i;
    while (j < text.size() && IsDigit(text[j])) ++j;
    size_t first = j - i;
    if (first < 2 || first > 9 || j + 5 > text.size() || text[j] != '-' || !IsDigit(text[j + 1]) ||
        !IsDigit(text[j + 2]) || text[j + 3] != '-' || !IsDigit(text[j + 4]) ||
        (j + 5 < text.size() && (IsAlnum(text[j + 5]) || text[j + 5] == '-'))) {
      i = j;
      continue;
    }
    std::string cas(text.substr(i, j + 5 - i));
    if (ValidCas(cas)) {
      if (std::find(out.begin(), out.end(), cas) == out.end()) out.push_back(cas);
    } else if (invalid && std::find(invalid->begin(), invalid->end(), cas) == invalid->end()) {
      invalid->push_back(cas);
    }
    i = j + 4;
  }
  return out;
}

std::vector<std::string> FindEccnCodes(std::string_view text) {
  std::vector<std::string> out;
  for (size_t i = 0; i + 5 <= text.size(); ++i) {
    if ((i > 0 && IsAlnum(text[i - 1])) || !IsEccnAt(text, i)) continue;
    if (i + 5 < text.size() && IsAlnum(text[i + 5])) continue;
    std::string code(text.substr(i, 5));
    if (std::find(out.begin(), out.end(), code) == out.end()) out.push_back(code);
    i += 4;
  }
  return out;
}

namespace {

constexpr std::string_view kListId = "us_ccl";
constexpr std::string_view kListName = "US Commerce Control List (15 CFR 774 Supp. 1)";

// Regime evidence in an entry's words.
struct RegimeCitation {
  std::string_view label;
  std::vector<std::string_view> phrases;
};

const std::vector<RegimeCitation>& Citations() {
  static const std::vector<RegimeCitation> kCitations = {
      {"NSG", {"Nuclear Suppliers Group", "NP applies", "NP Column", "for NP reasons"}},
      {"Australia Group", {"Australia Group", "CB applies", "CB Column", "for CB reasons"}},
      {"MTCR", {"Missile Technology Control Regime", "MTCR", "MT applies", "MT Column", "for MT reasons"}},
      {"Wassenaar", {"Wassenaar"}},
      {"CWC", {"Chemical Weapons Convention", "CWC", "CW applies"}},
  };
  return kCitations;
}

std::vector<std::string_view> CitedRegimes(std::string_view text) {
  std::vector<std::string_view> out;
  for (const RegimeCitation& c : Citations()) {
    for (std::string_view p : c.phrases) {
      if (Contains(text, p)) {
        out.push_back(c.label);
        break;
      }
    }
  }
  return out;
}

bool Agrees(Regime r, std::string_view cited) {
  switch (r) {
    case Regime::kNsg1:
    case Regime::kNsg2:
      return cited == "NSG";
    case Regime::kAustraliaGroup:
      return cited == "Australia Group";
    case Regime::kMtcr:
      return cited == "MTCR";
    case Regime::kWassenaarDualUse:
    case Regime::kWassenaarMunitions:
      return cited == "Wassenaar";
    case Regime::kCwc:
      return cited == "CWC";
    case Regime::kNational:
      return false;
  }
  return false;
}

// Licence-table fragments glued into some headings ("... Control(s) | Country Chart ... ;; NP applies").
std::string CleanHeading(const std::string& heading, bool* cut) {
  *cut = false;
  size_t at = std::string::npos;
  for (std::string_view marker : {"Control(s) |", " ;; "}) at = std::min(at, heading.find(marker));
  if (at == std::string::npos) return heading;
  *cut = true;
  std::string head = heading.substr(0, at);
  // A fragment that starts mid-heading ("... 3A001.z.3 | NP Column 1.") leaves a table row: cut at its '|'.
  if (size_t bar = head.find(" | "); bar != std::string::npos) {
    size_t stop = head.rfind("). ", bar);
    head = stop == std::string::npos ? head.substr(0, bar) : head.substr(0, stop + 2);
  }
  return Trim(head);
}

bool LooksCutOff(std::string_view text) {
  text = TrimView(text);
  if (text.empty() || text == "N/A") return false;
  std::string_view tail = text.substr(text.size() - std::min<size_t>(text.size(), 3));
  char last = text.back();
  if (last == '.' || last == ';' || last == ':' || last == ')' || last == ']' || last == '"' ||
      last == '\'') {
    return false;
  }
  return !(tail == "\xE2\x80\x9D" || tail == "\xE2\x80\x99");  // closing quotes
}

struct FullTextRecord {
  std::string eccn;
  std::string heading;
  std::string items;
  std::string related_controls;
  std::string related_definitions;
  std::string text;
  bool heading_only = false;
  bool malformed = false;
};

std::string JStr(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string StringField(const nlohmann::json& j, const char* name, bool* missing) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) {
    *missing = true;
    return {};
  }
  if (!it->is_string()) {
    *missing = true;
    return {};
  }
  return it->get<std::string>();
}

// Splits a JSON-lines file, returning each non-blank line with its number.
template <typename Fn>
Status ForEachJsonLine(std::string_view data, const std::string& file, Fn&& fn) {
  size_t pos = 0;
  int line_no = 0;
  int records = 0;
  while (pos < data.size()) {
    size_t nl = data.find('\n', pos);
    if (nl == std::string_view::npos) nl = data.size();
    std::string_view line = data.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (TrimView(line).empty()) continue;
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
      return Status::InvalidArgument(file + ":" + std::to_string(line_no) +
                                     ": not a JSON object (truncated or malformed line)");
    }
    ++records;
    STM_RETURN_IF_ERROR(fn(j, line_no));
  }
  if (records == 0) return Status::InvalidArgument(file + ": no records (empty file)");
  return Status::Ok();
}

Regime DecideRegime(const FullTextRecord& r, ControlEntry& e, Catalog& catalog, const std::string& file) {
  Regime by_number = RegimeFromNumbering(r.eccn).value_or(Regime::kNational);
  std::vector<std::string_view> in_heading = CitedRegimes(e.heading);  // without licence-table fragments
  std::vector<std::string_view> anywhere =
      CitedRegimes(r.heading + " " + r.items + " " + r.related_controls + " " + r.related_definitions);
  Regime regime = by_number;
  std::string basis = "numbering";
  // The heading defines the entry: a single regime named there wins over the numbering.
  if (in_heading.size() == 1 && !Agrees(by_number, in_heading[0])) {
    std::optional<Regime> from_text;
    if (in_heading[0] == "CWC") from_text = Regime::kCwc;
    if (in_heading[0] == "Australia Group") from_text = Regime::kAustraliaGroup;
    if (in_heading[0] == "MTCR") from_text = Regime::kMtcr;
    if (in_heading[0] == "NSG") from_text = r.eccn[0] == '0' ? Regime::kNsg1 : Regime::kNsg2;
    if (from_text && by_number != Regime::kNational) {
      regime = *from_text;
      basis = "text: heading cites " + std::string(in_heading[0]) + " (numbering says " +
              std::string(RegimeId(by_number)) + ")";
      catalog.AddIssue({file, r.eccn,
                        "regime from the heading text (" + std::string(in_heading[0]) +
                            ") differs from the numbering (" + std::string(RegimeName(by_number)) + ")",
                        "regime_disagreement"});
    }
  }
  if (basis == "numbering") {
    std::vector<std::string> agree;
    std::vector<std::string> differ;
    for (std::string_view c : anywhere) (Agrees(regime, c) ? agree : differ).push_back(std::string(c));
    if (!agree.empty()) basis += "; text cites " + Join(agree, agree.size(), ',');
    if (!differ.empty()) {
      std::string list;
      for (size_t i = 0; i < differ.size(); ++i) list += (i ? ", " : "") + differ[i];
      basis += "; text also cites " + list;
      catalog.AddIssue({file, r.eccn,
                        "numbering gives " + std::string(RegimeName(regime)) +
                            " but the entry's text cites " + list +
                            " (kept the numbering; check the reasons for control)",
                        "regime_disagreement"});
    }
  }
  e.regime_basis = basis;
  return regime;
}

// Natural order of codes: ECCN, then labels part by part (numbers numerically).
bool CodeLess(const std::string& a, const std::string& b) {
  Parts pa;
  Parts pb;
  std::stringstream sa(a), sb(b);
  for (std::string s; std::getline(sa, s, '.');) pa.push_back(s);
  for (std::string s; std::getline(sb, s, '.');) pb.push_back(s);
  for (size_t i = 0; i < pa.size() && i < pb.size(); ++i) {
    if (pa[i] == pb[i]) continue;
    bool da = !pa[i].empty() && std::all_of(pa[i].begin(), pa[i].end(), IsDigit);
    bool db = !pb[i].empty() && std::all_of(pb[i].begin(), pb[i].end(), IsDigit);
    if (i > 0 && da && db) return std::stoi(pa[i]) < std::stoi(pb[i]);
    return pa[i] < pb[i];
  }
  return pa.size() < pb.size();
}

// A tree identifier in the regular form: ECCN then alternating letter/number parts.
bool WellFormedTreeCode(std::string_view code) {
  if (!IsEccnAt(code, 0) || (code.size() > 5 && code[5] != '.')) return false;
  if (code.size() == 5) return true;
  std::string_view rest = code.substr(6);
  size_t depth = 0;
  while (!rest.empty()) {
    size_t dot = rest.find('.');
    std::string_view part = rest.substr(0, dot);
    if (part.empty()) return false;
    bool digits = std::all_of(part.begin(), part.end(), IsDigit);
    bool letter = part.size() == 1 && IsLower(part[0]);
    if (LetterLevel(depth) ? !letter : !digits) return false;
    ++depth;
    rest = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
  }
  return true;
}

struct TreeNode {
  std::string code;
  std::string heading;
  std::string text;
  bool from_record = false;  // a record of its own (else only named as an ancestor)
};

struct TreeData {
  std::map<std::string, TreeNode> nodes;  // code -> node, for the current Supplement No. 1 paragraphs
  int skipped_old = 0;
  int skipped_other_supplement = 0;
};

Result<TreeData> ReadTree(const fs::path& path, Catalog* issues_to) {
  STM_ASSIGN_OR_RETURN(std::string data, ReadCatalogFile(path));
  const std::string file = path.filename().string();
  TreeData tree;
  STM_RETURN_IF_ERROR(ForEachJsonLine(data, file, [&](const nlohmann::json& j, int line) -> Status {
    auto eccn = j.find("eccn");
    if (eccn == j.end() || !eccn->is_string()) {
      return Status::InvalidArgument(file + ":" + std::to_string(line) + ": record without \"eccn\"");
    }
    const std::string code = eccn->get<std::string>();
    if (!(j.contains("current") && j["current"].is_boolean() && j["current"].get<bool>())) {
      ++tree.skipped_old;
      return Status::Ok();
    }
    auto sup = j.find("supplement");
    if (sup == j.end() || !sup->is_object() || JStr(*sup, "number") != "1") {
      ++tree.skipped_other_supplement;
      return Status::Ok();
    }
    if (!WellFormedTreeCode(code)) {
      if (issues_to) {
        issues_to->AddIssue(
            {file, code, "paragraph identifier is not a CCL paragraph code; skipped", "tree_bad_identifier"});
      }
      return Status::Ok();
    }
    TreeNode& n = tree.nodes[code];
    n.code = code;
    n.heading = JStr(j, "heading");
    n.text = JStr(j, "text");
    n.from_record = true;
    auto anc = j.find("ancestors");
    if (anc != j.end() && anc->is_array()) {
      for (const auto& a : *anc) {
        if (!a.is_string() || !WellFormedTreeCode(a.get<std::string>())) continue;
        TreeNode& an = tree.nodes[a.get<std::string>()];
        an.code = a.get<std::string>();
      }
    }
    // An ECCN's heading from the breadcrumbs ("3A225 Frequency changers ...").
    auto crumbs = j.find("breadcrumbs");
    if (crumbs != j.end() && crumbs->is_array()) {
      for (const auto& b : *crumbs) {
        if (!b.is_string()) continue;
        std::string s = b.get<std::string>();
        if (s.size() > 6 && IsEccnAt(s, 0) && s[5] == ' ') {
          TreeNode& en = tree.nodes[s.substr(0, 5)];
          en.code = s.substr(0, 5);
          if (en.heading.empty()) en.heading = s.substr(6);
        }
      }
    }
    return Status::Ok();
  }));
  return tree;
}

std::string ParentOf(const std::string& code) {
  size_t dot = code.rfind('.');
  return dot == std::string::npos ? std::string() : code.substr(0, dot);
}

// Numbers written in text ("0.9", "1,000", "25") in order.
std::vector<std::string> NumbersIn(std::string_view text) {
  std::vector<std::string> out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (!IsDigit(text[i]) || (i > 0 && (IsAlnum(text[i - 1]) || text[i - 1] == '.'))) continue;
    size_t j = i;
    std::string num;
    while (j < text.size() && (IsDigit(text[j]) || ((text[j] == '.' || text[j] == ',') &&
                                                    j + 1 < text.size() && IsDigit(text[j + 1])))) {
      if (text[j] != ',') num.push_back(text[j]);
      ++j;
    }
    if (j < text.size() && IsAlnum(text[j]) && !IsSpace(text[j]) && text[j] != '%' && !IsDigit(text[j])) {
      // "2B350", "3D" ... part of a code
      if (std::isupper(static_cast<unsigned char>(text[j]))) {
        i = j;
        continue;
      }
    }
    out.push_back(num);
    i = j;
  }
  return out;
}

// The tree's heading sometimes keeps a residue of the label ("1 Sheet, ...", "a Alloys ..."): drop it.
std::string_view StripLabelResidue(std::string_view heading, const std::string& code) {
  size_t dot = code.rfind('.');
  if (dot == std::string::npos) return heading;
  std::string last = code.substr(dot + 1);
  if (heading.size() > last.size() + 1 && heading.starts_with(last) && heading[last.size()] == ' ') {
    return heading.substr(last.size() + 1);
  }
  return heading;
}

void CrossCheck(const TreeData& tree, const Catalog& catalog, const std::string& tree_file, Catalog& out) {
  // Per ECCN present in the tree.
  std::set<std::string> tree_eccns;
  for (const auto& [code, n] : tree.nodes) tree_eccns.insert(code.substr(0, 5));
  int only_text_eccns = 0;
  for (const ControlEntry& e : catalog.entries()) {
    const std::string eccn = e.code.substr(0, 5);
    if (!tree_eccns.count(eccn)) {
      if (e.parent.empty() && !e.children.empty()) ++only_text_eccns;
      continue;
    }
    if (e.parent.empty()) continue;
    auto it = tree.nodes.find(e.code);
    if (it == tree.nodes.end()) {
      out.AddIssue({tree_file, e.code,
                    "paragraph in the full text is missing from the 2025-09-29 paragraph tree",
                    "tree_missing_paragraph"});
      continue;
    }
    if (!it->second.from_record) continue;
    std::vector<std::string> a = NumbersIn(e.heading);
    std::vector<std::string> b = NumbersIn(StripLabelResidue(it->second.heading, e.code));
    std::vector<std::string> sa = a, sb = b;
    std::sort(sa.begin(), sa.end());
    std::sort(sb.begin(), sb.end());
    if (sa != sb) {
      out.AddIssue({tree_file, e.code,
                    "numbers differ: full text has [" + Join(a, a.size(), ' ') +
                        "], the paragraph tree has [" + Join(b, b.size(), ' ') +
                        "] (numbers kept from the full text)",
                    "number_mismatch"});
    }
  }
  for (const auto& [code, n] : tree.nodes) {
    if (code.size() <= 5) continue;
    const ControlEntry* top = catalog.Find(code.substr(0, 5));
    if (top && top->heading_only) continue;
    if (!catalog.Find(code)) {
      out.AddIssue({tree_file, code,
                    top ? "paragraph in the 2025-09-29 paragraph tree is not in the full text"
                        : "ECCN of this tree paragraph is not in the full text",
                    "text_missing_paragraph"});
    }
  }
  if (only_text_eccns > 0) {
    out.AddIssue({tree_file, "",
                  std::to_string(only_text_eccns) +
                      " ECCNs with paragraphs in the full text have no current paragraphs in the tree; "
                      "not cross-checked",
                  "tree_missing_eccn"});
  }
  if (tree.skipped_old > 0 || tree.skipped_other_supplement > 0) {
    out.AddIssue({tree_file, "",
                  "ignored " + std::to_string(tree.skipped_old) + " superseded (not current) records and " +
                      std::to_string(tree.skipped_other_supplement) + " records from other supplements",
                  "tree_skipped_records"});
  }
}

}  // namespace

Result<Catalog> ImportCcl(const fs::path& full_text_path, const fs::path& tree_path) {
  STM_ASSIGN_OR_RETURN(std::string data, ReadCatalogFile(full_text_path));
  const std::string file = full_text_path.filename().string();
  Catalog catalog;
  catalog.SetList({std::string(kListId), std::string(kListName), "2026-07-23", full_text_path.string()});

  std::vector<FullTextRecord> records;
  STM_RETURN_IF_ERROR(ForEachJsonLine(data, file, [&](const nlohmann::json& j, int line) -> Status {
    bool missing = false;
    FullTextRecord r;
    std::string code = StringField(j, "code", &missing);
    if (missing || code.empty()) {
      return Status::InvalidArgument(file + ":" + std::to_string(line) + ": record without \"code\"");
    }
    r.eccn = code.starts_with("ECCN-") ? code.substr(5) : code;
    if (!IsEccnAt(r.eccn, 0) || r.eccn.size() != 5) {
      catalog.AddIssue({file, code, "not an ECCN code; record skipped", "bad_code"});
      return Status::Ok();
    }
    bool m = false;
    r.heading = StringField(j, "heading", &m);
    r.items = StringField(j, "items_controlled", &m);
    r.related_controls = StringField(j, "related_controls", &m);
    r.related_definitions = StringField(j, "related_definitions", &m);
    bool no_text = false;
    r.text = StringField(j, "text", &no_text);
    r.heading_only = JStr(j, "text_completeness") == "heading_only";
    r.malformed = m;
    records.push_back(std::move(r));
    return Status::Ok();
  }));

  for (FullTextRecord& r : records) {
    ControlEntry e;
    e.code = r.eccn;
    if (r.malformed && r.heading.empty()) {
      catalog.AddIssue(
          {file, r.eccn,
           "record has no heading or items (fields null); kept as heading-only with its text fragment",
           "malformed_record"});
      r.heading_only = true;
    }
    bool cut = false;
    e.heading = CleanHeading(r.heading, &cut);
    if (cut) {
      catalog.AddIssue(
          {file, r.eccn, "licence-table fragment glued into the heading was removed", "heading_fragment"});
    }
    e.text = r.text.empty() ? Trim(e.heading + " " + r.items) : r.text;
    if (cut) e.text = Trim(e.heading + " " + r.items);
    e.related_controls = r.related_controls;
    e.related_definitions = r.related_definitions;
    e.heading_only = r.heading_only;
    for (const std::string& c : FindEccnCodes(r.related_controls)) {
      if (c != r.eccn) e.see_also.push_back(c);
    }
    for (auto [field, what] : {std::pair<const std::string*, const char*>{&r.items, "items controlled"},
                               {&r.related_definitions, "related definitions"}}) {
      if (!r.heading_only && LooksCutOff(*field)) {
        std::string_view t = TrimView(*field);
        catalog.AddIssue({file, r.eccn,
                          std::string(what) + " text appears cut off (ends \"" +
                              std::string(t.substr(t.size() - std::min<size_t>(t.size(), 40))) + "\")",
                          "truncated_text"});
      }
    }
    e.regime = DecideRegime(r, e, catalog, file);
    std::vector<std::string> bad_cas;
    e.cas = FindCasNumbers(e.text, &bad_cas);
    for (const std::string& b : bad_cas) {
      catalog.AddIssue(
          {file, r.eccn, "CAS number " + b + " in the text has a wrong check digit; not linked", "bad_cas"});
    }

    ParsedItems parsed = ParseItemsControlled(r.eccn, r.items);
    e.notes = std::move(parsed.notes);
    e.technical_notes = std::move(parsed.technical_notes);
    e.decontrol_notes = std::move(parsed.decontrol_notes);
    std::vector<ControlEntry> paragraphs;
    for (CclParagraph& p : parsed.paragraphs) {
      ControlEntry c;
      c.code = r.eccn + "." + p.label;
      size_t dot = p.label.rfind('.');
      c.parent = dot == std::string::npos ? r.eccn : r.eccn + "." + p.label.substr(0, dot);
      c.regime = e.regime;
      c.regime_basis = "inherited from " + r.eccn;
      c.heading = std::move(p.heading);
      c.text = std::move(p.text);
      c.notes = std::move(p.notes);
      c.technical_notes = std::move(p.technical_notes);
      c.decontrol_notes = std::move(p.decontrol_notes);
      c.cas = FindCasNumbers(c.text);
      if (c.parent == r.eccn) {
        e.children.push_back(c.code);
      } else {
        for (ControlEntry& q : paragraphs) {
          if (q.code == c.parent) q.children.push_back(c.code);
        }
      }
      paragraphs.push_back(std::move(c));
    }
    catalog.AddEntry(std::move(e));
    for (ControlEntry& c : paragraphs) catalog.AddEntry(std::move(c));
  }

  if (!tree_path.empty()) {
    STM_ASSIGN_OR_RETURN(TreeData tree, ReadTree(tree_path, &catalog));
    CrossCheck(tree, catalog, tree_path.filename().string(), catalog);
  }
  return catalog;
}

Result<Catalog> ImportCclParagraphTree(const fs::path& path) {
  Catalog catalog;
  catalog.SetList({std::string(kListId), std::string(kListName), "2025-09-29", path.string()});
  STM_ASSIGN_OR_RETURN(TreeData tree, ReadTree(path, &catalog));
  std::vector<std::string> codes;
  for (const auto& [code, n] : tree.nodes) codes.push_back(code);
  std::sort(codes.begin(), codes.end(), CodeLess);  // parents sort before their paragraphs
  std::unordered_map<std::string, std::vector<std::string>> children;
  for (const std::string& code : codes) {
    if (std::string p = ParentOf(code); !p.empty()) children[p].push_back(code);
  }
  for (const std::string& code : codes) {
    const TreeNode& n = tree.nodes.at(code);
    ControlEntry e;
    e.code = code;
    e.parent = ParentOf(code);
    e.regime = RegimeFromNumbering(code).value_or(Regime::kNational);
    e.regime_basis = "numbering";
    e.heading = n.heading;
    e.text = n.text.empty() ? n.heading : n.text;
    if (auto it = children.find(code); it != children.end()) e.children = it->second;
    e.cas = FindCasNumbers(e.text);
    if (!n.from_record && e.parent.empty() && e.heading.empty()) e.heading_only = true;
    catalog.AddEntry(std::move(e));
  }
  if (tree.skipped_old > 0 || tree.skipped_other_supplement > 0) {
    catalog.AddIssue({path.filename().string(), "",
                      "ignored " + std::to_string(tree.skipped_old) +
                          " superseded (not current) records and " +
                          std::to_string(tree.skipped_other_supplement) + " records from other supplements",
                      "tree_skipped_records"});
  }
  return catalog;
}

}  // namespace stm::catalog
