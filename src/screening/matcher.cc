#include "screening/matcher.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <unicode/utf8.h>

#include "screening/countries.h"
#include "screening/normalize.h"

namespace stm::screening {
namespace {

// ---------------------------------------------------------------------------------------------------------
// Parameters. One place, so that tuning is visible.

constexpr float kCutoff = 0.5f;          // token similarity below this is no match
constexpr float kFuzzySlope = 1.6f;      // similarity = 1 - slope * distance / length
constexpr float kAliasSim = 0.95f;       // abbreviation / alternative form ("intl", "mohd")
constexpr float kNicknameSim = 0.85f;    // nickname ("ted" ~ "theodore")
constexpr float kSpellingSim = 0.95f;    // equal after digraph normalisation (ph/f, ou/u, doubled letters)
constexpr float kPhoneticSim = 0.80f;    // equal vowel-blind phonetic key, some surface similarity
constexpr float kInitialSim = 0.80f;     // "a" ~ "ali"
constexpr float kLegalFamilySim = 0.7f;  // OJSC ~ JSC
constexpr float kRoleMismatch = 0.4f;    // "Salman bin Muhammad" vs "Muhammad bin Salman": factor
constexpr float kReversedFactor = 0.95f;
constexpr float kLegalConflictCost = 0.6f;  // AG vs GmbH
constexpr float kCommonFactor = 0.6f;       // built-in common name parts (CompareNames)
constexpr float kPersonOmitQuery = 0.4f;     // a person's name part only the query has
constexpr float kPersonOmitCandidate = 0.5f;  // a person's name part only the listed name has

float KindWeight(TokenKind kind) {
  switch (kind) {
    case TokenKind::kWord: return 1.0f;
    case TokenKind::kNumber: return 0.35f;
    case TokenKind::kInitial: return 0.35f;
    case TokenKind::kLegalForm: return 0.15f;
    case TokenKind::kOrgTerm: return 0.35f;
    case TokenKind::kHonorific: return 0.1f;
    case TokenKind::kParticle: return 0.2f;
    case TokenKind::kStopword: return 0.05f;
  }
  return 1.0f;
}

// How much an unmatched token costs, as a fraction of its weight. `conflict`: both names have unmatched
// strong tokens, i.e. they disagree rather than one being a fuller form of the other.
// `candidate_side`: the listed name has the part and the query does not (a list entry that is fuller than
// the query, e.g. a middle name, costs a little more than a query fuller than the entry).
float OmitFactor(Schema schema, const NameToken& t, bool conflict, bool candidate_side) {
  const bool person = schema == Schema::kPerson;
  const bool org = schema == Schema::kOrganisation || schema == Schema::kVessel || schema == Schema::kAircraft;
  switch (t.kind) {
    case TokenKind::kWord:
      // Chinese and Korean names have two or three syllables: each one counts.
      if (t.script == TokenScript::kHan || t.script == TokenScript::kHangul) return conflict ? 1.2f : 1.0f;
      if (person) {
        if (t.patronymic) return conflict ? 0.8f : 0.1f;
        if (t.role == NameRole::kFather) return conflict ? 0.8f : 0.2f;
        return conflict ? 1.0f : candidate_side ? kPersonOmitCandidate : kPersonOmitQuery;
      }
      if (org) return conflict ? 1.2f : 1.0f;
      return conflict ? 1.0f : 0.6f;
    case TokenKind::kInitial:
      return conflict ? 1.2f : 0.3f;
    case TokenKind::kNumber:
      return 0.5f;
    default:
      return 0.5f;
  }
}

bool IsStrong(const NameToken& t) {
  return t.kind == TokenKind::kWord || t.kind == TokenKind::kInitial;
}

// ---------------------------------------------------------------------------------------------------------
// Token similarity.

enum class MatchType : uint8_t {
  kNone,
  kExact,
  kAlias,
  kPhonetic,
  kFuzzy,
  kTransliterated,
  kSplitJoin,
  kInitial,
  kReversed,
  kLegalFamily,
};

std::string_view MatchTypeName(MatchType t) {
  switch (t) {
    case MatchType::kNone: return "none";
    case MatchType::kExact: return "exact";
    case MatchType::kAlias: return "alias";
    case MatchType::kPhonetic: return "phonetic";
    case MatchType::kFuzzy: return "fuzzy";
    case MatchType::kTransliterated: return "transliterated";
    case MatchType::kSplitJoin: return "split_join";
    case MatchType::kInitial: return "initial";
    case MatchType::kReversed: return "reversed";
    case MatchType::kLegalFamily: return "legal_form_family";
  }
  return "none";
}

struct TokenSim {
  float sim = 0;
  MatchType type = MatchType::kNone;
};

std::vector<UChar32> CodePoints(std::string_view s) {
  std::vector<UChar32> out;
  int32_t i = 0;
  const int32_t n = static_cast<int32_t>(s.size());
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  while (i < n) {
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c >= 0) out.push_back(c);
  }
  return out;
}

// Plain Levenshtein over code points (same-script comparison in the original script).
int CodePointDistance(std::string_view a, std::string_view b) {
  std::vector<UChar32> x = CodePoints(a), y = CodePoints(b);
  std::vector<int> prev(y.size() + 1), cur(y.size() + 1);
  for (size_t j = 0; j <= y.size(); ++j) prev[j] = static_cast<int>(j);
  for (size_t i = 1; i <= x.size(); ++i) {
    cur[0] = static_cast<int>(i);
    for (size_t j = 1; j <= y.size(); ++j) {
      cur[j] = std::min({prev[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1), prev[j] + 1, cur[j - 1] + 1});
    }
    std::swap(prev, cur);
  }
  return prev[y.size()];
}

size_t CodePointLength(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

float DistanceSim(double d, size_t la, size_t lb) {
  size_t l = std::max(la, lb);
  if (l == 0) return 0;
  if (l <= 3) {
    if (d <= 0.0) return 1.0f;
    if (d <= 0.61) return 0.7f;
    if (d <= 1.0 && l == 3) return 0.55f;
    return 0;
  }
  // Long words do not earn proportionally more edits: three edits are a different word.
  float s = 1.0f - kFuzzySlope * static_cast<float>(d) / static_cast<float>(std::min<size_t>(l, 10));
  return s < kCutoff ? 0.0f : s;
}

// The largest distance that can still give a similarity above the cutoff.
double MaxDistance(size_t la, size_t lb) {
  size_t l = std::max(la, lb);
  if (l <= 3) return 1.0;
  return (1.0 - kCutoff) * static_cast<double>(std::min<size_t>(l, 10)) / kFuzzySlope + 1e-6;
}

// Distance bounded for the similarity computation; a cheap length check first.
double BoundedDistance(std::string_view a, std::string_view b, bool abjad) {
  double max_d = MaxDistance(a.size(), b.size());
  size_t diff = a.size() > b.size() ? a.size() - b.size() : b.size() - a.size();
  if (static_cast<double>(diff) * (abjad ? 0.1 : 0.3) > max_d) return max_d + 1.0;
  return SpellingDistance(a, b, abjad, max_d);
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

bool AltsMeet(const NameToken& a, const NameToken& b) {
  if (Contains(b.alts, a.text) || Contains(a.alts, b.text)) return true;
  for (const auto& x : a.alts) {
    if (Contains(b.alts, x)) return true;
  }
  return false;
}

// Abjad romanisations without w and y: the phonetic key a Latin spelling should share.
std::string AbjadKey(const NameToken& t) {
  std::string s;
  for (char c : t.text) {
    if (c != 'w' && c != 'y') s.push_back(c);
  }
  return PhoneticKey(s);
}

TokenSim CompareTokens(const NameToken& a, const NameToken& b) {
  const bool non_latin = a.script != TokenScript::kLatin || b.script != TokenScript::kLatin;
  // Initials.
  if (a.kind == TokenKind::kInitial || b.kind == TokenKind::kInitial) {
    if (a.kind == TokenKind::kInitial && b.kind == TokenKind::kInitial) {
      return a.text == b.text ? TokenSim{1.0f, MatchType::kExact} : TokenSim{};
    }
    const NameToken& init = a.kind == TokenKind::kInitial ? a : b;
    const NameToken& word = a.kind == TokenKind::kInitial ? b : a;
    if (IsWeakKind(word.kind) || word.text.empty()) return {};
    if (word.text[0] == init.text[0]) return {kInitialSim, MatchType::kInitial};
    for (const auto& alt : word.alts) {
      if (!alt.empty() && alt[0] == init.text[0]) return {kInitialSim, MatchType::kInitial};
    }
    return {};
  }
  // Numbers match only numbers, exactly.
  if (a.kind == TokenKind::kNumber || b.kind == TokenKind::kNumber) {
    if (a.text == b.text || AltsMeet(a, b)) return {1.0f, MatchType::kExact};
    return {};
  }
  // Same non-Latin script: compare in that script. Han and Hangul syllables are atomic.
  if (a.script == b.script && a.script != TokenScript::kLatin && !a.original.empty() && !b.original.empty()) {
    if (a.original == b.original) return {1.0f, MatchType::kExact};
    if (a.script == TokenScript::kHan || a.script == TokenScript::kHangul) return {};
    if (a.text == b.text) return {1.0f, MatchType::kExact};
    int d = CodePointDistance(a.original, b.original);
    float s = DistanceSim(d, CodePointLength(a.original), CodePointLength(b.original));
    return s > 0 ? TokenSim{s, MatchType::kFuzzy} : TokenSim{};
  }
  if (a.text == b.text) return {1.0f, non_latin ? MatchType::kTransliterated : MatchType::kExact};
  // Chinese and Korean syllables against Latin letters: one of the romanisations, or nothing (similar
  // spellings are different syllables: cheng is not chong).
  const bool syllabic_a = a.script == TokenScript::kHan || a.script == TokenScript::kHangul;
  const bool syllabic_b = b.script == TokenScript::kHan || b.script == TokenScript::kHangul;
  if (syllabic_a || syllabic_b) {
    return AltsMeet(a, b) ? TokenSim{1.0f, MatchType::kTransliterated} : TokenSim{};
  }
  const bool legal_a = a.kind == TokenKind::kLegalForm, legal_b = b.kind == TokenKind::kLegalForm;
  if (AltsMeet(a, b)) {
    if (non_latin) return {1.0f, MatchType::kTransliterated};
    if (legal_a || legal_b) return {1.0f, MatchType::kAlias};
    return {IsNickname(a.text) || IsNickname(b.text) ? kNicknameSim : kAliasSim, MatchType::kAlias};
  }
  if (legal_a && legal_b) {
    if (a.legal_family == b.legal_family && a.legal_family != LegalFamily::kGeneric) {
      return {kLegalFamilySim, MatchType::kLegalFamily};
    }
    return {};
  }
  // Weak tokens only match exactly (above), except a legal form and a word (a misspelt legal form).
  if (IsWeakKind(a.kind) && (IsWeakKind(b.kind) || a.kind != TokenKind::kLegalForm)) return {};
  if (IsWeakKind(b.kind) && b.kind != TokenKind::kLegalForm) return {};
  const bool abjad = IsAbjad(a.script) != IsAbjad(b.script);
  float best = 0;
  bool spelling_equal = false;
  auto consider = [&](const std::string& sa, const std::string& sb) {
    double d = BoundedDistance(sa, sb, abjad);
    if (d == 0) spelling_equal = true;
    float s = DistanceSim(d, sa.size(), sb.size());
    best = std::max(best, s);
  };
  consider(a.spell, b.spell);
  if (non_latin) {
    // Other romanisations of the non-Latin side.
    for (const auto& alt : a.alts) consider(PhoneticSpelling(alt, IsAbjad(a.script)), b.spell);
    for (const auto& alt : b.alts) consider(a.spell, PhoneticSpelling(alt, IsAbjad(b.script)));
  }
  MatchType type = MatchType::kFuzzy;
  if (spelling_equal) {
    best = std::max(best, kSpellingSim);
    type = MatchType::kPhonetic;
  }
  if (best < kPhoneticSim && a.spell.size() >= 3 && b.spell.size() >= 3) {
    bool key_equal = a.phonetic == b.phonetic;
    if (!key_equal && abjad) key_equal = AbjadKey(a) == b.phonetic || a.phonetic == AbjadKey(b);
    if (key_equal && a.phonetic.size() >= 2) {
      // The same consonant skeleton: accept when the spellings are not too far apart.
      double d = SpellingDistance(a.spell, b.spell, abjad, 1.0);
      double l = static_cast<double>(std::max(a.spell.size(), b.spell.size()));
      if (d <= 1.0 && d / l <= 0.25) {
        best = kPhoneticSim;
        type = MatchType::kPhonetic;
      }
    }
  }
  if (best <= 0) return {};
  if (non_latin) type = MatchType::kTransliterated;
  return {best, type};
}

// ---------------------------------------------------------------------------------------------------------
// Alignment and the name score.

struct ScoreToken {
  const NameToken* tok = nullptr;
  float weight = 1.0f;
  uint32_t vocab = UINT32_MAX;  // index vocabulary id (Screen), else none
};

struct Edge {
  uint8_t qa, qb, ca, cb;  // [qa, qb) query tokens, [ca, cb) candidate tokens
  float sim;
  float weight;
  MatchType type;
};

constexpr size_t kMaxTokens = 48;  // tokens of a name that are aligned; more are ignored

// A vector with inline storage: alignments are computed for every candidate, without allocating.
template <typename T, size_t N>
class FixedVec {
 public:
  void push_back(const T& x) {
    if (n_ < N) v_[n_++] = x;
  }
  size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  const T* begin() const { return v_.data(); }
  const T* end() const { return v_.data() + n_; }
  T* begin() { return v_.data(); }
  T* end() { return v_.data() + n_; }
  const T& operator[](size_t i) const { return v_[i]; }

 private:
  std::array<T, N> v_{};
  size_t n_ = 0;
};

struct Alignment {
  double score = 0;
  FixedVec<Edge, kMaxTokens> edges;
  FixedVec<uint8_t, kMaxTokens> q_unmatched, c_unmatched;
  bool conflict = false;
  bool syllabic = false;  // a Chinese or Korean name: missing syllables cost in full
  bool legal_conflict = false;
  double num = 0, den = 0;
};

std::string Joined(const std::vector<ScoreToken>& toks, size_t a, size_t b) {
  std::string s;
  for (size_t i = a; i < b; ++i) s += toks[i].tok->text;
  return s;
}

std::string Reversed(std::string s) {
  std::reverse(s.begin(), s.end());
  return s;
}

// `sim(i, j)` gives the similarity of query token i and candidate token j.
template <typename SimFn>
Alignment Align(Schema schema, const std::vector<ScoreToken>& q, const std::vector<ScoreToken>& c, SimFn&& sim) {
  Alignment al;
  const size_t m = std::min(q.size(), kMaxTokens), n = std::min(c.size(), kMaxTokens);
  thread_local std::vector<Edge> edges;
  thread_local std::vector<Edge> more;
  edges.clear();
  for (size_t i = 0; i < m; ++i) {
    for (size_t j = 0; j < n; ++j) {
      TokenSim s = sim(i, j);
      if (s.sim <= 0) continue;
      const NameToken& a = *q[i].tok;
      const NameToken& b = *c[j].tok;
      float v = s.sim;
      if (a.role != NameRole::kNone && b.role != NameRole::kNone && a.role != b.role) v *= kRoleMismatch;
      float w = 0.5f * (q[i].weight + c[j].weight);
      if (a.kind == TokenKind::kInitial || b.kind == TokenKind::kInitial) {
        w = std::min(q[i].weight, c[j].weight);
      }
      edges.push_back({static_cast<uint8_t>(i), static_cast<uint8_t>(i + 1), static_cast<uint8_t>(j),
                       static_cast<uint8_t>(j + 1), v, w, s.type});
    }
  }
  // Split/joined tokens ("abdul rahman" ~ "abdulrahman", "jsc argument" ~ "jscargument", "siemensag").
  // Tokens that already match a single token exactly need no split or join.
  std::array<bool, kMaxTokens> q_exact{}, c_exact{};
  for (const Edge& e : edges) {
    if (e.sim >= 0.999f) {
      q_exact[e.qa] = true;
      c_exact[e.ca] = true;
    }
  }
  using Flags = std::array<bool, kMaxTokens>;
  auto try_join = [&](const std::vector<ScoreToken>& many, size_t many_n, const Flags& many_exact,
                      const std::vector<ScoreToken>& one, size_t one_n, const Flags& one_exact, bool many_is_query) {
    for (size_t j = 0; j < one_n; ++j) {
      const NameToken& single = *one[j].tok;
      if (one_exact[j] || single.text.size() < 4 ||
          (IsWeakKind(single.kind) && single.kind != TokenKind::kLegalForm)) {
        continue;
      }
      for (size_t a = 0; a + 1 < many_n; ++a) {
        const bool abjad = IsAbjad(single.script) != IsAbjad(many[a].tok->script);
        if (!abjad && many[a].tok->text[0] != single.text[0]) continue;
        size_t len = many[a].tok->text.size();
        bool all_exact = many_exact[a];
        for (size_t b = a + 2; b <= std::min(many_n, a + 4); ++b) {
          len += many[b - 1].tok->text.size();
          all_exact = all_exact && many_exact[b - 1];
          if (len + 3 < single.text.size()) continue;
          if (len > single.text.size() + 3) break;
          if (all_exact) continue;
          std::string joined = Joined(many, a, b);
          float s = 0;
          if (joined == single.text) {
            s = 1.0f;
          } else {
            std::string js = PhoneticSpelling(joined, IsAbjad(many[a].tok->script));
            double d = BoundedDistance(js, single.spell, abjad);
            s = DistanceSim(d, js.size(), single.spell.size());
          }
          if (s <= 0) continue;
          float w_many = 0;
          for (size_t k = a; k < b; ++k) w_many += many[k].weight;
          float w = 0.5f * (w_many + one[j].weight);
          if (many_is_query) {
            edges.push_back({static_cast<uint8_t>(a), static_cast<uint8_t>(b), static_cast<uint8_t>(j),
                             static_cast<uint8_t>(j + 1), s, w, MatchType::kSplitJoin});
          } else {
            edges.push_back({static_cast<uint8_t>(j), static_cast<uint8_t>(j + 1), static_cast<uint8_t>(a),
                             static_cast<uint8_t>(b), s, w, MatchType::kSplitJoin});
          }
        }
      }
    }
  };
  try_join(q, m, q_exact, c, n, c_exact, true);
  try_join(c, n, c_exact, q, m, q_exact, false);

  Flags q_used{}, c_used{};
  auto greedy = [&](std::vector<Edge>& list) {
    std::sort(list.begin(), list.end(), [](const Edge& x, const Edge& y) {
      float kx = x.sim * (0.5f + x.weight), ky = y.sim * (0.5f + y.weight);
      if (kx != ky) return kx > ky;
      if (x.sim != y.sim) return x.sim > y.sim;
      if (x.qa != y.qa) return x.qa < y.qa;
      return x.ca < y.ca;
    });
    for (const Edge& e : list) {
      bool free = true;
      for (size_t i = e.qa; i < e.qb && free; ++i) free = !q_used[i];
      for (size_t j = e.ca; j < e.cb && free; ++j) free = !c_used[j];
      if (!free) continue;
      for (size_t i = e.qa; i < e.qb; ++i) q_used[i] = true;
      for (size_t j = e.ca; j < e.cb; ++j) c_used[j] = true;
      al.edges.push_back(e);
    }
  };
  greedy(edges);

  // Second pass over what is left: reversed tokens.
  auto strong_left = [&](const std::vector<ScoreToken>& t, size_t count, const Flags& used) {
    for (size_t i = 0; i < count; ++i) {
      if (!used[i] && IsStrong(*t[i].tok)) return true;
    }
    return false;
  };
  if (strong_left(q, m, q_used) && strong_left(c, n, c_used)) {
    more.clear();
    // Reversed tokens ("nitup" for "putin").
    for (size_t i = 0; i < m; ++i) {
      if (q_used[i] || q[i].tok->kind != TokenKind::kWord || q[i].tok->text.size() < 4) continue;
      std::string rs = PhoneticSpelling(Reversed(q[i].tok->text));
      for (size_t j = 0; j < n; ++j) {
        if (c_used[j] || c[j].tok->kind != TokenKind::kWord) continue;
        double d = BoundedDistance(rs, c[j].tok->spell, false);
        float s = DistanceSim(d, rs.size(), c[j].tok->spell.size()) * kReversedFactor;
        if (s < kCutoff) continue;
        more.push_back({static_cast<uint8_t>(i), static_cast<uint8_t>(i + 1), static_cast<uint8_t>(j),
                        static_cast<uint8_t>(j + 1), s, 0.5f * (q[i].weight + c[j].weight), MatchType::kReversed});
      }
    }
    if (!more.empty()) greedy(more);
  }

  // Score.
  double num = 0, den = 0;
  bool legal_matched = false;
  for (const Edge& e : al.edges) {
    num += e.sim * e.weight;
    den += e.weight;
    if (e.qb - e.qa == 1 && q[e.qa].tok->kind == TokenKind::kLegalForm) legal_matched = true;
  }
  bool strong_q = false, strong_c = false;
  for (size_t i = 0; i < m; ++i) {
    if (!q_used[i]) {
      al.q_unmatched.push_back(static_cast<uint8_t>(i));
      strong_q = strong_q || IsStrong(*q[i].tok);
    }
  }
  for (size_t j = 0; j < n; ++j) {
    if (!c_used[j]) {
      al.c_unmatched.push_back(static_cast<uint8_t>(j));
      strong_c = strong_c || IsStrong(*c[j].tok);
    }
  }
  al.conflict = strong_q && strong_c;
  // A Chinese or Korean name on either side has a fixed set of syllables: every missing one counts.
  auto syllabic_name = [](const std::vector<ScoreToken>& t, size_t count) {
    bool any = false;
    for (size_t k = 0; k < count; ++k) {
      const NameToken& tok = *t[k].tok;
      if (tok.kind != TokenKind::kWord) continue;
      if (tok.script != TokenScript::kHan && tok.script != TokenScript::kHangul) return false;
      any = true;
    }
    return any;
  };
  al.syllabic = syllabic_name(q, m) || syllabic_name(c, n);
  auto cost = [&](const ScoreToken& t, bool candidate_side) {
    float f = OmitFactor(schema, *t.tok, al.conflict, candidate_side);
    if (al.syllabic && t.tok->kind == TokenKind::kWord) f = std::max(f, 1.0f);
    return t.weight * f;
  };
  for (uint8_t i : al.q_unmatched) den += cost(q[i], false);
  for (uint8_t j : al.c_unmatched) den += cost(c[j], true);
  // Conflicting specific legal forms (AG vs GmbH).
  if (!legal_matched) {
    LegalFamily fq = LegalFamily::kNone, fc = LegalFamily::kNone;
    for (uint8_t i : al.q_unmatched) {
      auto f = q[i].tok->legal_family;
      if (f != LegalFamily::kNone && f != LegalFamily::kGeneric) fq = f;
    }
    for (uint8_t j : al.c_unmatched) {
      auto f = c[j].tok->legal_family;
      if (f != LegalFamily::kNone && f != LegalFamily::kGeneric) fc = f;
    }
    if (fq != LegalFamily::kNone && fc != LegalFamily::kNone && fq != fc) {
      al.legal_conflict = true;
      den += kLegalConflictCost;
    }
  }
  al.num = num;
  al.den = den;
  al.score = den > 0 ? std::clamp(num / den, 0.0, 1.0) : 0.0;
  return al;
}

std::string Span(const std::vector<ScoreToken>& t, size_t a, size_t b) {
  std::string s;
  for (size_t i = a; i < b; ++i) {
    if (!s.empty()) s += ' ';
    s += t[i].tok->text;
  }
  return s;
}

double Round3(double x) { return std::round(x * 1000.0) / 1000.0; }

nlohmann::json ExplainAlignment(const Alignment& al, const std::vector<ScoreToken>& q,
                                 const std::vector<ScoreToken>& c, Schema schema) {
  nlohmann::json tokens = nlohmann::json::array();
  std::vector<Edge> edges(al.edges.begin(), al.edges.end());
  std::sort(edges.begin(), edges.end(), [](const Edge& x, const Edge& y) { return x.qa < y.qa; });
  for (const Edge& e : edges) {
    nlohmann::json j = {{"query", Span(q, e.qa, e.qb)},
                        {"candidate", Span(c, e.ca, e.cb)},
                        {"match", MatchTypeName(e.type)},
                        {"similarity", Round3(e.sim)},
                        {"weight", Round3(e.weight)}};
    const NameToken& a = *q[e.qa].tok;
    const NameToken& b = *c[e.ca].tok;
    if (!a.original.empty()) j["query_original"] = a.original;
    if (!b.original.empty()) j["candidate_original"] = b.original;
    if (IsWeakKind(a.kind)) j["query_kind"] = TokenKindName(a.kind);
    if (IsWeakKind(b.kind)) j["candidate_kind"] = TokenKindName(b.kind);
    if (a.role != NameRole::kNone && b.role != NameRole::kNone && a.role != b.role) {
      j["note"] = "own name vs father's name (bin/ibn order differs)";
    }
    tokens.push_back(std::move(j));
  }
  auto unmatched = [&](const FixedVec<uint8_t, kMaxTokens>& idx, const std::vector<ScoreToken>& t,
                       bool candidate_side) {
    nlohmann::json arr = nlohmann::json::array();
    for (uint8_t i : idx) {
      const NameToken& tok = *t[i].tok;
      float f = OmitFactor(schema, tok, al.conflict, candidate_side);
      if (al.syllabic && tok.kind == TokenKind::kWord) f = std::max(f, 1.0f);
      nlohmann::json j = {{"token", tok.text}, {"kind", TokenKindName(tok.kind)}, {"cost", Round3(t[i].weight * f)}};
      if (tok.patronymic) j["patronymic"] = true;
      arr.push_back(std::move(j));
    }
    return arr;
  };
  nlohmann::json out = {{"name_score", Round3(al.score)},
                        {"tokens", std::move(tokens)},
                        {"unmatched_query", unmatched(al.q_unmatched, q, false)},
                        {"unmatched_candidate", unmatched(al.c_unmatched, c, true)},
                        {"conflict", al.conflict}};
  if (al.legal_conflict) out["legal_form_conflict"] = true;
  return out;
}

std::vector<ScoreToken> DefaultWeights(const NormalizedName& n) {
  std::vector<ScoreToken> out;
  out.reserve(n.tokens.size());
  for (const auto& t : n.tokens) {
    float w = KindWeight(t.kind);
    if (t.kind == TokenKind::kWord && t.common) w *= kCommonFactor;
    out.push_back({&t, w, UINT32_MAX});
  }
  return out;
}

[[maybe_unused]] Schema ScoringSchema(Schema query, Schema candidate) { return query != Schema::kUnknown ? query : candidate; }

}  // namespace

double CompareNames(Schema schema, std::string_view a, std::string_view b, nlohmann::json* explanation) {
  NormalizedName na = NormalizeName(a, schema);
  NormalizedName nb = NormalizeName(b, schema);
  std::vector<ScoreToken> qa = DefaultWeights(na), qb = DefaultWeights(nb);
  Alignment al = Align(schema, qa, qb, [&](size_t i, size_t j) { return CompareTokens(*qa[i].tok, *qb[j].tok); });
  if (explanation != nullptr) {
    *explanation = ExplainAlignment(al, qa, qb, schema);
    (*explanation)["query_tokens"] = DebugString(na);
    (*explanation)["candidate_tokens"] = DebugString(nb);
  }
  return al.score;
}


// -----------------------------------------------------------------------------------------------------------
// The index.

namespace {

constexpr uint32_t kNone32 = UINT32_MAX;
constexpr size_t kMaxCandidates = 32;      // names fully scored per query
constexpr double kPruneMargin = 0.12;      // candidates whose bound is this far below the threshold are dropped
constexpr size_t kMaxPhoneticBucket = 400;  // larger phonetic buckets are not expanded
constexpr double kIdentifierFloor = 0.9;     // a shared identifier (passport, IMO...) alerts whatever the name

int DeleteDepth(size_t len) { return (len >= 4 ? 1 : 0) + (len >= 8 ? 1 : 0); }

uint64_t MixHash(uint64_t h, size_t len) {
  h += static_cast<uint64_t>(len) * 0x9E3779B97F4A7C15ULL;
  h ^= h >> 31;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 29;
  return h == 0 ? 1 : h;
}

// Hashes of `s` and of every string obtained from it by deleting up to `depth` characters (at least two
// characters left), sorted and unique. Polynomial hashing makes each deletion O(1) without building strings.
void DeletionHashes(std::string_view s, int depth, std::vector<uint64_t>& out) {
  constexpr uint64_t kBase = 0x100000001b3ULL;
  out.clear();
  const size_t n = std::min<size_t>(s.size(), 62);
  uint64_t pw[64], pre[64], suf[65];
  pw[0] = 1;
  pre[0] = 0;
  for (size_t k = 0; k < n; ++k) {
    pw[k + 1] = pw[k] * kBase;
    pre[k + 1] = pre[k] * kBase + static_cast<unsigned char>(s[k]) + 1;
  }
  suf[n] = 0;
  for (size_t k = n; k-- > 0;) suf[k] = (static_cast<unsigned char>(s[k]) + 1) * pw[n - 1 - k] + suf[k + 1];
  out.push_back(MixHash(pre[n], n));
  if (depth >= 1 && n >= 3) {
    for (size_t i = 0; i < n; ++i) {
      if (i > 0 && s[i] == s[i - 1]) continue;
      out.push_back(MixHash(pre[i] * pw[n - 1 - i] + suf[i + 1], n - 1));
    }
  }
  if (depth >= 2 && n >= 4) {
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = i + 1; j < n; ++j) {
        uint64_t mid = pre[j] - pre[i + 1] * pw[j - i - 1];
        out.push_back(MixHash(pre[i] * pw[n - 2 - i] + mid * pw[n - 1 - j] + suf[j + 1], n - 2));
      }
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
}

// hash -> terms, open addressing over the distinct hashes.
class DeleteTable {
 public:
  void Build(std::vector<std::pair<uint64_t, uint32_t>>& pairs) {
    std::sort(pairs.begin(), pairs.end());
    pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
    size_t distinct = 0;
    for (size_t k = 0; k < pairs.size(); ++k) distinct += k == 0 || pairs[k].first != pairs[k - 1].first;
    size_t cap = 16;
    while (cap < distinct * 2) cap <<= 1;
    mask_ = cap - 1;
    keys_.assign(cap, 0);
    begin_.assign(cap, 0);
    count_.assign(cap, 0);
    terms_.resize(pairs.size());
    for (size_t k = 0; k < pairs.size();) {
      size_t e = k;
      while (e < pairs.size() && pairs[e].first == pairs[k].first) {
        terms_[e] = pairs[e].second;
        ++e;
      }
      size_t slot = pairs[k].first & mask_;
      while (keys_[slot] != 0) slot = (slot + 1) & mask_;
      keys_[slot] = pairs[k].first;
      begin_[slot] = static_cast<uint32_t>(k);
      count_[slot] = static_cast<uint32_t>(e - k);
      k = e;
    }
    std::vector<std::pair<uint64_t, uint32_t>>().swap(pairs);
  }
  template <typename F>
  void ForEach(uint64_t h, F&& f) const {
    if (keys_.empty()) return;
    size_t slot = h & mask_;
    while (keys_[slot] != 0) {
      if (keys_[slot] == h) {
        for (uint32_t k = begin_[slot]; k < begin_[slot] + count_[slot]; ++k) f(terms_[k]);
        return;
      }
      slot = (slot + 1) & mask_;
    }
  }
  size_t bytes() const { return keys_.capacity() * 16 + terms_.capacity() * 4; }

 private:
  uint64_t mask_ = 0;
  std::vector<uint64_t> keys_;
  std::vector<uint32_t> begin_, count_, terms_;
};

// Per-query cache of token similarities keyed by (query token, vocabulary entry).
class SimCache {
 public:
  void Reset() {
    if (keys_.empty()) Resize(1024);
    if (++gen_ == 0) {
      std::fill(gens_.begin(), gens_.end(), 0);
      gen_ = 1;
    }
    size_ = 0;
  }
  template <typename F>
  TokenSim Get(uint64_t key, F&& compute) {
    if (size_ * 2 >= keys_.size()) Grow();
    size_t slot = (key * 0x9E3779B97F4A7C15ULL >> 20) & (keys_.size() - 1);
    while (gens_[slot] == gen_) {
      if (keys_[slot] == key) return vals_[slot];
      slot = (slot + 1) & (keys_.size() - 1);
    }
    TokenSim s = compute();
    gens_[slot] = gen_;
    keys_[slot] = key;
    vals_[slot] = s;
    ++size_;
    return s;
  }

 private:
  void Resize(size_t n) {
    keys_.assign(n, 0);
    vals_.assign(n, TokenSim{});
    gens_.assign(n, 0);
  }
  void Grow() {
    std::vector<uint64_t> keys;
    std::vector<TokenSim> vals;
    for (size_t k = 0; k < keys_.size(); ++k) {
      if (gens_[k] == gen_) {
        keys.push_back(keys_[k]);
        vals.push_back(vals_[k]);
      }
    }
    Resize(keys_.size() * 2);
    gen_ = 1;
    size_ = 0;
    for (size_t k = 0; k < keys.size(); ++k) {
      TokenSim v = vals[k];
      Get(keys[k], [&] { return v; });
    }
  }
  std::vector<uint64_t> keys_;
  std::vector<TokenSim> vals_;
  std::vector<uint32_t> gens_;
  uint32_t gen_ = 0;
  size_t size_ = 0;
};

std::string VocabKey(const NameToken& t) {
  std::string k;
  k.reserve(t.text.size() + t.original.size() + 16);
  k += t.text;
  k += '\x1f';
  k += t.original;
  k += '\x1f';
  k += static_cast<char>('a' + static_cast<int>(t.kind));
  k += static_cast<char>('a' + static_cast<int>(t.script));
  k += static_cast<char>('a' + static_cast<int>(t.role));
  k += static_cast<char>('a' + static_cast<int>(t.legal_family));
  k += t.patronymic ? 'p' : '-';
  k += t.common ? 'c' : '-';
  for (const auto& a : t.alts) {
    k += '\x1f';
    k += a;
  }
  return k;
}

std::string NormalizeIdentifier(std::string_view v) {
  std::string out;
  for (char ch : v) {
    char c = ch;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) out.push_back(c);
  }
  return out;
}

std::string CountryOf(std::string_view text) {
  if (text.empty()) return "";
  if (text.size() == 2) {
    std::string c(text);
    for (char& ch : c) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return c;
  }
  auto code = CountryCode(text);
  if (code) return *code;
  std::string c(text);
  for (char& ch : c) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return c;
}

bool SchemasConflict(Schema a, Schema b) {
  if (a == Schema::kUnknown || b == Schema::kUnknown || a == b) return false;
  // Vessels and aircraft are often named after, or listed as, their owning companies.
  auto asset = [](Schema s) { return s == Schema::kVessel || s == Schema::kAircraft; };
  if ((asset(a) && b == Schema::kOrganisation) || (asset(b) && a == Schema::kOrganisation)) return false;
  return true;
}

struct Evidence {
  bool explain = false;  // build the JSON items (only for what is returned)
  double delta = 0;
  bool identifier = false;  // an identifier matched: strong enough on its own
  nlohmann::json items = nlohmann::json::array();
};

// `detail()` builds the explanation item; it is only called when explaining.
template <typename Detail>
void AddEvidence(Evidence& ev, const char* kind, double effect, Detail&& detail) {
  ev.delta += effect;
  if (!ev.explain) return;
  nlohmann::json item = detail();
  item["kind"] = kind;
  item["effect"] = Round3(effect);
  ev.items.push_back(std::move(item));
}

// Birth date: exact or compatible dates raise the score, clearly different ones lower it.
void DateEvidence(const PartialDate& q, const std::vector<PartialDate>& dates, Evidence& ev) {
  if (q.year == 0 || dates.empty()) return;
  double best = -1e9;
  const PartialDate* best_date = nullptr;
  const char* best_detail = "";
  for (const auto& d : dates) {
    if (d.year == 0) continue;
    double effect;
    const char* detail;
    if (d.year_to > 0 && d.year_to >= d.year) {
      if (q.year >= d.year && q.year <= d.year_to) {
        effect = 0.03;
        detail = "year within the listed range";
      } else {
        int gap = q.year < d.year ? d.year - q.year : q.year - d.year_to;
        effect = gap <= 1 ? -0.05 : -0.25;
        detail = "year outside the listed range";
      }
    } else if (q.year == d.year) {
      if (q.month == 0 || d.month == 0) {
        effect = 0.04;
        detail = "same year";
      } else if (q.month == d.month) {
        if (q.day == 0 || d.day == 0) {
          effect = 0.05;
          detail = "same year and month";
        } else if (q.day == d.day) {
          effect = 0.08;
          detail = "same date";
        } else {
          effect = -0.05;
          detail = "same year and month, different day";
        }
      } else if (q.day != 0 && d.day != 0 && q.day == d.month && q.month == d.day) {
        effect = 0.03;
        detail = "same date with day and month swapped";
      } else {
        effect = -0.08;
        detail = "same year, different month";
      }
    } else {
      int gap = std::abs(q.year - d.year);
      effect = gap == 1 ? -0.06 : -0.25;
      detail = gap == 1 ? "years one apart" : "different year";
    }
    if (effect > best) {
      best = effect;
      best_date = &d;
      best_detail = detail;
    }
  }
  if (best_date == nullptr) return;
  AddEvidence(ev, "birth_date", best, [&] {
    return nlohmann::json{{"query", q.ToString()}, {"candidate", best_date->ToString()}, {"detail", best_detail}};
  });
}

// A person's nationality that differs lowers the score more than an organisation's country.
// `codes`: the entity's countries (nationalities, other links, addresses) as sorted alpha-2 codes.
void CountryEvidence(const std::string& q_code, const std::vector<std::string>& codes, bool person, Evidence& ev) {
  if (q_code.empty() || codes.empty()) return;
  const bool hit = std::binary_search(codes.begin(), codes.end(), q_code);
  AddEvidence(ev, "country", hit ? 0.03 : person ? -0.12 : -0.06, [&] {
    return nlohmann::json{
        {"query", q_code}, {"candidate", codes}, {"detail", hit ? "country matches" : "no common country"}};
  });
}

void IdentifierEvidence(const std::vector<std::string>& q_ids, const Entity& e, Evidence& ev) {
  if (q_ids.empty() || e.identifiers.empty()) return;
  for (const auto& id : e.identifiers) {
    std::string v = NormalizeIdentifier(id.value);
    if (v.size() < 4) continue;
    if (std::find(q_ids.begin(), q_ids.end(), v) != q_ids.end()) {
      AddEvidence(ev, "identifier", 0.3, [&] {
        return nlohmann::json{{"type", id.type}, {"value", id.value}, {"detail", "identifier matches"}};
      });
      ev.identifier = true;
      return;
    }
  }
}

std::vector<std::string> EntityCountries(const Entity& e) {
  std::vector<std::string> codes;
  for (const auto& n : e.nationalities) codes.push_back(CountryOf(n));
  for (const auto& c : e.countries) codes.push_back(CountryOf(c));
  for (const auto& a : e.addresses) {
    if (!a.country.empty()) codes.push_back(CountryOf(a.country));
  }
  std::sort(codes.begin(), codes.end());
  codes.erase(std::unique(codes.begin(), codes.end()), codes.end());
  return codes;
}

bool ListSelected(const std::string& list, const std::vector<std::string>& wanted) {
  if (wanted.empty()) return true;
  for (const auto& w : wanted) {
    if (list == w) return true;
    if (list.size() > w.size() && list.compare(0, w.size(), w) == 0 && list[w.size()] == ':') return true;
  }
  return false;
}

}  // namespace

struct ScreeningIndex::Impl {
  std::vector<Entity> entities;
  std::vector<std::vector<std::string>> entity_countries;  // sorted alpha-2 codes
  std::vector<uint16_t> entity_list;
  std::vector<std::string> list_keys;

  struct NameEntry {
    uint32_t entity;
    uint32_t tok_begin;
    uint16_t name_index;
    uint8_t tok_count;
    bool weak_alias;
    float total_weight;
  };
  std::vector<NameEntry> names;
  std::vector<uint32_t> name_toks;  // vocab ids

  std::vector<NameToken> vocab;
  std::vector<float> vocab_weight;
  std::vector<uint32_t> vocab_term_offsets;  // terms of each vocab entry (its text, then its alternatives)
  std::vector<uint32_t> vocab_term_ids;

  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view v) const { return std::hash<std::string_view>()(v); }
  };
  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> term_ids;
  std::vector<std::string> terms;
  std::vector<uint32_t> term_rep;  // representative vocab entry
  std::vector<std::string> term_spell;  // PhoneticSpelling of each term
  // What candidate generation needs of a term, in one cache line.
  struct TermInfo {
    char spell[26];
    uint8_t len;  // spelling length; > 26: use term_spell
    uint8_t abjad : 1;
    uint8_t syllabic : 1;
  };
  std::vector<TermInfo> term_info;
  std::string_view TermSpell(uint32_t t) const {
    const TermInfo& ti = term_info[t];
    return ti.len <= sizeof(ti.spell) ? std::string_view(ti.spell, ti.len) : std::string_view(term_spell[t]);
  }
  std::vector<uint32_t> post_offsets;
  std::vector<uint32_t> postings;  // name ids per term, ascending
  DeleteTable deletes;  // hash of a deletion of a term's spelling -> terms
  std::unordered_map<std::string, std::vector<uint32_t>> phonetic;  // phonetic key -> terms
  std::unordered_map<std::string, std::vector<uint32_t>> identifiers;  // normalised value -> entities
  double rarity_ref = 1;
  double log_n = 1;
  uint64_t build_id = 0;  // unique per index: per-thread caches are keyed by it

  uint32_t df(uint32_t term) const { return post_offsets[term + 1] - post_offsets[term]; }

  float Rarity(uint32_t df_value) const {
    if (df_value == 0) return 1.0f;
    double r = std::log(rarity_ref / static_cast<double>(df_value)) / log_n;
    return static_cast<float>(std::clamp(0.3 + 0.7 * r, 0.3, 1.0));
  }

  float TokenWeight(const NameToken& t, uint32_t df_value) const {
    float w = KindWeight(t.kind);
    if (t.kind == TokenKind::kWord) {
      float r = Rarity(df_value);
      if (t.common) r = std::min(r, kCommonFactor);
      w *= r;
    }
    return w;
  }

  uint32_t Term(std::string_view text) const {
    auto it = term_ids.find(text);
    return it == term_ids.end() ? kNone32 : it->second;
  }

  std::vector<Match> Screen(const Query& query, const ScreenOptions& options) const;
};

namespace {

struct TermHit {
  uint32_t term;
  float sim;
};

// What candidate generation found for one query word, kept per thread across queries (names repeat).
struct TokenHits {
  std::vector<TermHit> hits;  // best first
  uint32_t best_df = 0;
};

struct Scratch {
  uint64_t cache_owner = 0;  // the index the cache belongs to
  std::unordered_map<std::string, TokenHits> token_cache;
  std::vector<float> acc;         // per name: matched query weight so far
  std::vector<uint64_t> covered;  // per name: which query tokens have contributed
  std::vector<uint32_t> touched;
  std::vector<uint64_t> dels;
  SimCache sims;

  void Prepare(size_t n, uint64_t owner) {
    if (acc.size() < n) {
      acc.assign(n, 0.0f);
      covered.assign(n, 0);
    }
    touched.clear();
    if (cache_owner != owner || token_cache.size() > 8192) {
      token_cache.clear();
      cache_owner = owner;
    }
  }
};

Scratch& ThreadScratch() {
  thread_local Scratch s;
  return s;
}

}  // namespace

std::shared_ptr<const ScreeningIndex> ScreeningIndex::Build(std::vector<Entity> entities) {
  static std::atomic<uint64_t> next_build_id{1};
  auto impl = std::make_unique<Impl>();
  impl->build_id = next_build_id.fetch_add(1);
  impl->entities = std::move(entities);
  const auto& ents = impl->entities;

  // Lists.
  std::unordered_map<std::string, uint16_t> list_ids;
  impl->entity_list.reserve(ents.size());
  for (const auto& e : ents) {
    auto it = list_ids.find(e.list);
    if (it == list_ids.end()) {
      it = list_ids.emplace(e.list, static_cast<uint16_t>(impl->list_keys.size())).first;
      impl->list_keys.push_back(e.list);
    }
    impl->entity_list.push_back(it->second);
  }

  // Names to normalise, in parallel.
  struct Job {
    uint32_t entity;
    uint16_t name_index;
  };
  std::vector<Job> jobs;
  for (uint32_t e = 0; e < ents.size(); ++e) {
    for (size_t k = 0; k < ents[e].names.size() && k < 65535; ++k) {
      if (!ents[e].names[k].full.empty()) jobs.push_back({e, static_cast<uint16_t>(k)});
    }
  }
  std::vector<NormalizedName> normalized(jobs.size());
  {
    size_t threads = std::max<size_t>(1, std::min<size_t>(std::thread::hardware_concurrency(), 16));
    if (jobs.size() < 2000) threads = 1;
    std::atomic<size_t> next{0};
    auto work = [&] {
      for (;;) {
        size_t begin = next.fetch_add(512);
        if (begin >= jobs.size()) break;
        size_t end = std::min(jobs.size(), begin + 512);
        for (size_t k = begin; k < end; ++k) {
          const Entity& e = ents[jobs[k].entity];
          normalized[k] = NormalizeName(e.names[jobs[k].name_index].full, e.schema);
        }
      }
    };
    std::vector<std::thread> pool;
    for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
  }

  // Vocabulary, terms, names.
  std::unordered_map<std::string, uint32_t> vocab_ids;
  std::vector<std::vector<uint32_t>> term_names;
  auto intern_term = [&](const std::string& text, uint32_t vocab_id, bool is_text) -> uint32_t {
    auto it = impl->term_ids.find(text);
    if (it == impl->term_ids.end()) {
      it = impl->term_ids.emplace(text, static_cast<uint32_t>(impl->terms.size())).first;
      impl->terms.push_back(text);
      impl->term_rep.push_back(vocab_id);
      term_names.emplace_back();
    } else if (is_text) {
      uint32_t rep = impl->term_rep[it->second];
      if (impl->vocab[rep].text != text) impl->term_rep[it->second] = vocab_id;
    }
    return it->second;
  };
  std::vector<std::vector<uint32_t>> vocab_terms;  // terms of each vocab entry (text first)
  impl->names.reserve(jobs.size());
  for (size_t k = 0; k < jobs.size(); ++k) {
    const NormalizedName& nn = normalized[k];
    if (nn.tokens.empty()) continue;
    Impl::NameEntry entry;
    entry.entity = jobs[k].entity;
    entry.name_index = jobs[k].name_index;
    entry.tok_begin = static_cast<uint32_t>(impl->name_toks.size());
    entry.tok_count = static_cast<uint8_t>(std::min<size_t>(nn.tokens.size(), 48));
    entry.weak_alias = ents[jobs[k].entity].names[jobs[k].name_index].strength == AliasStrength::kWeak;
    entry.total_weight = 0;
    const uint32_t name_id = static_cast<uint32_t>(impl->names.size());
    for (size_t t = 0; t < entry.tok_count; ++t) {
      const NameToken& tok = nn.tokens[t];
      std::string key = VocabKey(tok);
      auto it = vocab_ids.find(key);
      if (it == vocab_ids.end()) {
        uint32_t id = static_cast<uint32_t>(impl->vocab.size());
        it = vocab_ids.emplace(std::move(key), id).first;
        impl->vocab.push_back(tok);
        std::vector<uint32_t> ts;
        ts.push_back(intern_term(tok.text, id, true));
        for (const auto& a : tok.alts) {
          uint32_t at = intern_term(a, id, false);
          if (std::find(ts.begin(), ts.end(), at) == ts.end()) ts.push_back(at);
        }
        vocab_terms.push_back(std::move(ts));
      }
      impl->name_toks.push_back(it->second);
      for (uint32_t term : vocab_terms[it->second]) {
        auto& pl = term_names[term];
        if (pl.empty() || pl.back() != name_id) pl.push_back(name_id);
      }
    }
    impl->names.push_back(entry);
  }
  normalized.clear();
  normalized.shrink_to_fit();

  // Postings.
  impl->post_offsets.resize(impl->terms.size() + 1);
  size_t total = 0;
  for (size_t t = 0; t < term_names.size(); ++t) {
    impl->post_offsets[t] = static_cast<uint32_t>(total);
    total += term_names[t].size();
  }
  impl->post_offsets[term_names.size()] = static_cast<uint32_t>(total);
  impl->postings.reserve(total);
  for (auto& pl : term_names) {
    impl->postings.insert(impl->postings.end(), pl.begin(), pl.end());
    std::vector<uint32_t>().swap(pl);
  }

  // Weights.
  impl->rarity_ref = std::max<double>(static_cast<double>(impl->names.size()), 2000.0);
  impl->log_n = std::log(impl->rarity_ref / 5.0);
  impl->vocab_weight.resize(impl->vocab.size());
  for (size_t v = 0; v < impl->vocab.size(); ++v) {
    impl->vocab_weight[v] = impl->TokenWeight(impl->vocab[v], impl->df(vocab_terms[v][0]));
  }
  impl->vocab_term_offsets.reserve(vocab_terms.size() + 1);
  for (const auto& ts : vocab_terms) {
    impl->vocab_term_offsets.push_back(static_cast<uint32_t>(impl->vocab_term_ids.size()));
    impl->vocab_term_ids.insert(impl->vocab_term_ids.end(), ts.begin(), ts.end());
  }
  impl->vocab_term_offsets.push_back(static_cast<uint32_t>(impl->vocab_term_ids.size()));
  for (auto& entry : impl->names) {
    float w = 0;
    for (size_t t = 0; t < entry.tok_count; ++t) w += impl->vocab_weight[impl->name_toks[entry.tok_begin + t]];
    entry.total_weight = w;
  }

  // Spellings, deletion neighbourhoods and phonetic keys of the terms.
  impl->term_spell.resize(impl->terms.size());
  impl->term_info.resize(impl->terms.size());
  for (uint32_t t = 0; t < impl->terms.size(); ++t) {
    const NameToken& rep = impl->vocab[impl->term_rep[t]];
    impl->term_spell[t] = PhoneticSpelling(impl->terms[t], IsAbjad(rep.script));
    Impl::TermInfo& ti = impl->term_info[t];
    const std::string& sp = impl->term_spell[t];
    ti.len = static_cast<uint8_t>(std::min<size_t>(sp.size(), 255));
    std::memcpy(ti.spell, sp.data(), std::min(sp.size(), sizeof(ti.spell)));
    ti.abjad = IsAbjad(rep.script);
    ti.syllabic = rep.script == TokenScript::kHan || rep.script == TokenScript::kHangul;
  }
  {
    std::vector<uint64_t> dels;
    std::vector<std::pair<uint64_t, uint32_t>> pairs;
    pairs.reserve(impl->terms.size() * 12);
    for (uint32_t t = 0; t < impl->terms.size(); ++t) {
      const NameToken& rep = impl->vocab[impl->term_rep[t]];
      const std::string& text = impl->terms[t];
      if (IsWeakKind(rep.kind) || rep.kind == TokenKind::kNumber || rep.kind == TokenKind::kInitial) continue;
      const std::string& spell = impl->term_spell[t];
      DeletionHashes(spell, DeleteDepth(spell.size()), dels);
      for (uint64_t d : dels) pairs.emplace_back(d, t);
      if (spell.size() >= 3) {
        std::string key = PhoneticKey(text);
        if (key.size() >= 2) impl->phonetic[key].push_back(t);
        if (IsAbjad(rep.script)) {
          std::string ak = AbjadKey(rep);
          if (ak.size() >= 2 && ak != key) impl->phonetic[ak].push_back(t);
        }
      }
    }
    impl->deletes.Build(pairs);
  }

  impl->entity_countries.reserve(ents.size());
  for (const auto& e : ents) impl->entity_countries.push_back(EntityCountries(e));

  // Identifiers.
  for (uint32_t e = 0; e < ents.size(); ++e) {
    for (const auto& id : ents[e].identifiers) {
      std::string v = NormalizeIdentifier(id.value);
      if (v.size() >= 4) {
        auto& l = impl->identifiers[v];
        if (l.empty() || l.back() != e) l.push_back(e);
      }
    }
  }
  return std::shared_ptr<const ScreeningIndex>(new ScreeningIndex(std::move(impl)));
}

std::vector<Match> ScreeningIndex::Screen(const Query& query, const ScreenOptions& options) const {
  return impl_->Screen(query, options);
}

const std::vector<Entity>& ScreeningIndex::entities() const { return impl_->entities; }
size_t ScreeningIndex::name_count() const { return impl_->names.size(); }
size_t ScreeningIndex::term_count() const { return impl_->terms.size(); }

size_t ScreeningIndex::memory_bytes() const {
  const Impl& x = *impl_;
  size_t b = 0;
  b += x.names.capacity() * sizeof(Impl::NameEntry);
  b += x.name_toks.capacity() * sizeof(uint32_t);
  for (const auto& v : x.vocab) {
    b += sizeof(NameToken) + v.text.capacity() + v.original.capacity() + v.spell.capacity() +
         v.phonetic.capacity();
    for (const auto& a : v.alts) b += sizeof(std::string) + a.capacity();
  }
  b += x.vocab_weight.capacity() * sizeof(float);
  b += (x.vocab_term_offsets.capacity() + x.vocab_term_ids.capacity()) * sizeof(uint32_t);
  for (const auto& t : x.terms) b += sizeof(std::string) + t.capacity() + 48;  // + hash node
  for (const auto& t : x.term_spell) b += sizeof(std::string) + t.capacity();
  b += x.term_info.capacity() * sizeof(Impl::TermInfo);
  b += x.term_rep.capacity() * 4 + x.post_offsets.capacity() * 4 + x.postings.capacity() * 4;
  b += x.deletes.bytes();
  for (const auto& [k, v] : x.phonetic) b += k.capacity() + v.capacity() * 4 + 64;
  for (const auto& [k, v] : x.identifiers) b += k.capacity() + v.capacity() * 4 + 64;
  return b;
}

std::vector<Match> ScreeningIndex::Impl::Screen(const Query& query, const ScreenOptions& options) const {
  std::vector<Match> out;
  const Schema q_schema = query.schema;
  NormalizedName qn = NormalizeName(query.name, q_schema);
  const size_t m = std::min<size_t>(qn.tokens.size(), 48);

  // Query token weights (rarity from the index; a token absent from the index weighs like its best match).
  std::vector<ScoreToken> q(m);
  for (size_t i = 0; i < m; ++i) {
    uint32_t term = Term(qn.tokens[i].text);
    q[i] = {&qn.tokens[i], TokenWeight(qn.tokens[i], term == kNone32 ? 0 : df(term)), kNone32};
  }

  Scratch& sc = ThreadScratch();
  sc.Prepare(names.size(), build_id);

  // Candidate generation: per query token, the terms it can match and their similarity.
  using Hit = TermHit;
  std::vector<Hit> hits;
  std::vector<uint32_t> seen_terms;
  // Adds, for every name in the hits' postings, sim x the weight of the query tokens in `mask` that have not
  // contributed to that name yet (hits come best first, so each token counts once, with its best match).
  std::vector<float> token_weight(m);
  auto mask_weight = [&](uint64_t mask) {
    float w = 0;
    for (size_t i = 0; i < m; ++i) {
      if (mask >> i & 1) w += token_weight[i];
    }
    return w;
  };
  auto accumulate = [&](const std::vector<Hit>& list, uint64_t mask) {
    const float full = mask_weight(mask);
    for (const Hit& h : list) {
      for (uint32_t p = post_offsets[h.term]; p < post_offsets[h.term + 1]; ++p) {
        const uint32_t name = postings[p];
        const uint64_t cov = sc.covered[name];
        const uint64_t fresh = mask & ~cov;
        if (fresh == 0) continue;
        if (cov == 0) sc.touched.push_back(name);
        sc.covered[name] = cov | mask;
        sc.acc[name] += h.sim * (fresh == mask ? full : mask_weight(fresh));
      }
    }
  };
  // Similarity of a query word and a term, from spellings only (the full comparison happens when scoring).
  std::vector<std::string> alt_spells;
  std::vector<uint32_t> exact_terms;  // the query word's own terms (text and alternatives)
  auto verify = [&](const NameToken& qt, uint32_t term) -> float {
    if (std::find(exact_terms.begin(), exact_terms.end(), term) != exact_terms.end()) return 1.0f;
    const TermInfo& ti = term_info[term];
    const bool syllabic = qt.script == TokenScript::kHan || qt.script == TokenScript::kHangul;
    if (syllabic || ti.syllabic) return 0.0f;
    const bool abjad = IsAbjad(qt.script) != static_cast<bool>(ti.abjad);
    const std::string_view ts = TermSpell(term);
    double d = BoundedDistance(qt.spell, ts, abjad);
    float s = d == 0 ? kSpellingSim : DistanceSim(d, qt.spell.size(), ts.size());
    for (const auto& as : alt_spells) {
      if (s >= kSpellingSim) break;
      double da = BoundedDistance(as, ts, abjad);
      s = std::max(s, da == 0 ? kSpellingSim : DistanceSim(da, as.size(), ts.size()));
    }
    return s;
  };
  auto lookup_deletes = [&](const std::string& spell, std::vector<uint32_t>& found) {
    DeletionHashes(spell, DeleteDepth(spell.size()), sc.dels);
    for (uint64_t h : sc.dels) deletes.ForEach(h, [&](uint32_t t) { found.push_back(t); });
  };

  float q_strong_weight = 0;
  std::vector<uint32_t> found;
  std::vector<std::vector<uint32_t>> token_terms(m);  // terms each query word can match, sorted
  // A name of weak words only ("The Group") is looked up by those words, exactly.
  const bool weak_only = !qn.has_strong();
  for (size_t i = 0; i < m; ++i) {
    const NameToken& qt = qn.tokens[i];
    if (qt.kind == TokenKind::kWord || qt.kind == TokenKind::kInitial || weak_only) q_strong_weight += q[i].weight;
    if (qt.kind != TokenKind::kWord && qt.kind != TokenKind::kNumber && !weak_only) continue;
    std::string cache_key = VocabKey(qt);
    cache_key += weak_only ? 'w' : '-';
    auto cached = sc.token_cache.find(cache_key);
    if (cached == sc.token_cache.end()) {
      found.clear();
      exact_terms.clear();
      alt_spells.clear();
      if (qt.script != TokenScript::kLatin) {
        for (const auto& a : qt.alts) alt_spells.push_back(PhoneticSpelling(a, IsAbjad(qt.script)));
      }
      if (uint32_t t = Term(qt.text); t != kNone32) exact_terms.push_back(t);
      for (const auto& a : qt.alts) {
        if (uint32_t t = Term(a); t != kNone32) exact_terms.push_back(t);
      }
      found = exact_terms;
      if (qt.kind == TokenKind::kWord) {
        lookup_deletes(qt.spell, found);
        for (const auto& as : alt_spells) lookup_deletes(as, found);
        if (qt.spell.size() >= 3) {
          auto add_bucket = [&](const std::string& key) {
            if (key.size() < 2) return;
            auto it = phonetic.find(key);
            if (it != phonetic.end() &&
                it->second.size() <= (IsAbjad(qt.script) ? kMaxPhoneticBucket : kMaxPhoneticBucket / 6)) {
              found.insert(found.end(), it->second.begin(), it->second.end());
            }
          };
          add_bucket(qt.phonetic);
          if (IsAbjad(qt.script)) add_bucket(AbjadKey(qt));
        }
      }
      std::sort(found.begin(), found.end());
      found.erase(std::unique(found.begin(), found.end()), found.end());
      hits.clear();
      uint32_t best_df = 0;
      float best_sim = 0;
      for (uint32_t t : found) {
        float s = verify(qt, t);
        if (s <= 0) continue;
        hits.push_back({t, s});
        if (s > best_sim || (s == best_sim && df(t) > best_df)) {
          best_sim = s;
          best_df = df(t);
        }
      }
      std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) { return a.sim > b.sim; });
      cached = sc.token_cache.emplace(std::move(cache_key), TokenHits{hits, best_df}).first;
    }
    hits = cached->second.hits;
    const uint32_t best_df = cached->second.best_df;
    if (Term(qt.text) == kNone32 && best_df > 0) q[i].weight = TokenWeight(qt, best_df);
    for (const Hit& h : hits) token_terms[i].push_back(h.term);
    std::sort(token_terms[i].begin(), token_terms[i].end());
    token_weight[i] = q[i].weight;
    accumulate(hits, uint64_t{1} << i);
  }
  // Joined query tokens ("abdul rahman" -> "abdulrahman") and split ones ("vladimirputin").
  for (size_t i = 0; i < m; ++i) token_weight[i] = q[i].weight;
  for (size_t i = 0; i + 1 < m; ++i) {
    std::string joined = qn.tokens[i].text;
    uint64_t mask = uint64_t{1} << i;
    for (size_t j = i + 1; j < std::min(m, i + 3); ++j) {
      joined += qn.tokens[j].text;
      mask |= uint64_t{1} << j;
      if (joined.size() < 5) continue;
      found.clear();
      if (uint32_t t = Term(joined); t != kNone32) found.push_back(t);
      std::string js = PhoneticSpelling(joined);
      DeletionHashes(js, std::min(1, DeleteDepth(js.size())), sc.dels);
      for (uint64_t h : sc.dels) deletes.ForEach(h, [&](uint32_t t) { found.push_back(t); });
      std::sort(found.begin(), found.end());
      found.erase(std::unique(found.begin(), found.end()), found.end());
      hits.clear();
      for (uint32_t t : found) {
        const std::string_view ts = TermSpell(t);
        float s = terms[t] == joined ? 1.0f : DistanceSim(BoundedDistance(js, ts, false), js.size(), ts.size());
        if (s > 0) hits.push_back({t, s});
      }
      std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) { return a.sim > b.sim; });
      if (!hits.empty()) accumulate(hits, mask);
    }
  }
  for (size_t i = 0; i < m; ++i) {
    const std::string& text = qn.tokens[i].text;
    if (qn.tokens[i].kind != TokenKind::kWord || text.size() < 6 || Term(text) != kNone32) continue;
    for (size_t p = 2; p + 2 <= text.size(); ++p) {
      const std::string_view tv(text);
      uint32_t left = Term(tv.substr(0, p)), right = Term(tv.substr(p));
      if (left == kNone32 || right == kNone32) continue;
      // Names with both halves.
      const uint32_t* a = postings.data() + post_offsets[left];
      const uint32_t* a_end = postings.data() + post_offsets[left + 1];
      const uint32_t* b = postings.data() + post_offsets[right];
      const uint32_t* b_end = postings.data() + post_offsets[right + 1];
      const uint64_t bit = uint64_t{1} << i;
      while (a != a_end && b != b_end) {
        if (*a < *b) {
          ++a;
        } else if (*b < *a) {
          ++b;
        } else {
          const uint32_t name = *a;
          if (!(sc.covered[name] & bit)) {
            if (sc.covered[name] == 0) sc.touched.push_back(name);
            sc.covered[name] |= bit;
            sc.acc[name] += q[i].weight;
          }
          ++a;
          ++b;
        }
      }
    }
  }

  // Identifiers: entities sharing an identifier with the query are candidates whatever their names.
  std::vector<std::string> q_ids;
  for (const auto& id : query.identifiers) {
    std::string v = NormalizeIdentifier(id.value);
    if (v.size() >= 4) q_ids.push_back(v);
  }
  std::unordered_set<uint32_t> id_entities;
  for (const auto& v : q_ids) {
    auto it = identifiers.find(v);
    if (it != identifiers.end()) id_entities.insert(it->second.begin(), it->second.end());
  }

  // Select the candidates worth scoring.
  std::vector<bool> list_ok(list_keys.size(), true);
  if (!options.lists.empty()) {
    for (size_t l = 0; l < list_keys.size(); ++l) list_ok[l] = ListSelected(list_keys[l], options.lists);
  }
  struct Cand {
    uint32_t name;
    float est;
  };
  std::vector<Cand> cands;
  cands.reserve(sc.touched.size());
  const float qw = std::max(q_strong_weight, 1e-3f);
  const double floor = options.threshold - kPruneMargin;
  for (uint32_t name : sc.touched) {
    float a = std::min(sc.acc[name], qw);
    sc.acc[name] = 0.0f;
    sc.covered[name] = 0;
    const NameEntry& ne = names[name];
    if (!list_ok[entity_list[ne.entity]]) continue;
    // Upper bound with the cheapest possible omission of the unmatched query part.
    float ub = a / (a + 0.3f * (qw - a));
    bool by_id = !id_entities.empty() && id_entities.count(ne.entity);
    if (ub < floor && !by_id) continue;
    float est = a / (qw + 0.3f * std::max(0.0f, ne.total_weight - a));
    cands.push_back({name, est});
  }
  sc.touched.clear();
  // Names of entities found by identifier but not by name.
  for (uint32_t e : id_entities) {
    if (!list_ok[entity_list[e]]) continue;
    for (uint32_t n = 0; n < names.size(); ++n) {
      if (names[n].entity == e) {
        cands.push_back({n, 1.0f});
        break;
      }
    }
  }
  if (cands.size() > kMaxCandidates) {
    std::nth_element(cands.begin(), cands.begin() + kMaxCandidates, cands.end(),
                     [](const Cand& a, const Cand& b) { return a.est > b.est; });
    cands.resize(kMaxCandidates);
  }

  // Full scoring.
  sc.sims.Reset();
  struct Scored {
    uint32_t name;
    double name_score;
  };
  std::unordered_map<uint32_t, Scored> best_by_entity;
  std::vector<ScoreToken> c;
  auto candidate_tokens = [&](const NameEntry& ne) {
    c.clear();
    for (size_t t = 0; t < ne.tok_count; ++t) {
      uint32_t v = name_toks[ne.tok_begin + t];
      c.push_back({&vocab[v], vocab_weight[v], v});
    }
  };
  auto sim = [&](size_t i, size_t j) {
    uint64_t key = (static_cast<uint64_t>(i) << 32) | c[j].vocab;
    return sc.sims.Get(key, [&] {
      const NameToken& a = *q[i].tok;
      const NameToken& b = *c[j].tok;
      const bool same_script = a.script == b.script && a.script != TokenScript::kLatin && !a.original.empty() &&
                               !b.original.empty();
      if (a.kind == TokenKind::kWord && b.kind == TokenKind::kWord && !same_script) {
        // Words match only what candidate generation found for them (a superset of the fuzzy matches).
        const auto& tl = token_terms[i];
        bool reachable = false;
        for (uint32_t k = vocab_term_offsets[c[j].vocab]; k < vocab_term_offsets[c[j].vocab + 1] && !reachable;
             ++k) {
          reachable = std::binary_search(tl.begin(), tl.end(), vocab_term_ids[k]);
        }
        if (!reachable) return TokenSim{};
      }
      return CompareTokens(a, b);
    });
  };
  for (const Cand& cand : cands) {
    const NameEntry& ne = names[cand.name];
    candidate_tokens(ne);
    Schema schema = q_schema != Schema::kUnknown ? q_schema : entities[ne.entity].schema;
    Alignment al = Align(schema, q, c, sim);
    double s = al.score - (ne.weak_alias ? 0.05 : 0.0);
    auto [it, inserted] = best_by_entity.emplace(ne.entity, Scored{cand.name, s});
    if (!inserted && s > it->second.name_score) it->second = Scored{cand.name, s};
  }

  // Evidence, threshold, order.
  const std::string q_country = CountryOf(query.country);
  struct Final {
    uint32_t entity;
    uint32_t name;
    double name_score;
    double score;
  };
  auto evidence = [&](uint32_t entity, bool explain) {
    const Entity& e = entities[entity];
    Evidence ev;
    ev.explain = explain;
    if (SchemasConflict(q_schema, e.schema)) {
      AddEvidence(ev, "schema", -0.25, [&] {
        return nlohmann::json{
            {"query", SchemaName(q_schema)}, {"candidate", SchemaName(e.schema)}, {"detail", "different kinds"}};
      });
    }
    if (query.birth_date) DateEvidence(*query.birth_date, e.birth_dates, ev);
    CountryEvidence(q_country, entity_countries[entity], q_schema == Schema::kPerson || e.schema == Schema::kPerson,
                    ev);
    IdentifierEvidence(q_ids, e, ev);
    return ev;
  };
  std::vector<Final> finals;
  for (const auto& [entity, scored] : best_by_entity) {
    Evidence ev = evidence(entity, false);
    double score = std::clamp(scored.name_score + ev.delta, 0.0, 1.0);
    if (ev.identifier) score = std::max(score, kIdentifierFloor);
    if (score + 1e-9 < options.threshold) continue;
    finals.push_back({entity, scored.name, scored.name_score, score});
  }
  std::sort(finals.begin(), finals.end(), [](const Final& a, const Final& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.entity < b.entity;
  });
  if (finals.size() > options.limit) finals.resize(options.limit);

  // Explanations for what is returned.
  for (auto& f : finals) {
    const NameEntry& ne = names[f.name];
    const Entity& e = entities[f.entity];
    candidate_tokens(ne);
    Schema schema = q_schema != Schema::kUnknown ? q_schema : e.schema;
    Alignment al = Align(schema, q, c, sim);
    Match match;
    match.entity = &e;
    match.score = f.score;
    match.matched_name = e.names[ne.name_index].full;
    nlohmann::json ex = ExplainAlignment(al, q, c, schema);
    ex["query_name"] = query.name;
    ex["matched_name"] = match.matched_name;
    ex["list"] = e.list;
    ex["source_id"] = e.source_id;
    if (ne.weak_alias) ex["weak_alias_penalty"] = -0.05;
    ex["evidence"] = std::move(evidence(f.entity, true).items);
    ex["score"] = Round3(f.score);
    match.explanation = std::move(ex);
    out.push_back(std::move(match));
  }
  return out;
}

ScreeningIndex::ScreeningIndex(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ScreeningIndex::~ScreeningIndex() = default;

}  // namespace stm::screening
