#include "catalog/search.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>
#include <unordered_set>

namespace stm::catalog {
namespace {

constexpr size_t kMaxWordBytes = 64;
constexpr size_t kMaxAncestors = 16;
constexpr char kConceptPrefix = '\x01';  // never produced by the analyser

// ---------------------------------------------------------------------------------------------------------
// Folding: UTF-8 in, a lower-case string out in which ' ' separates words, '.' is kept for codes and
// decimals, and non-ASCII letters we cannot fold are kept as UTF-8.

// Latin-1 U+00C0..U+00FF; '#' marks the few that need more than one letter, ' ' a separator.
constexpr std::string_view kLatin1 = "aaaaaa#ceeeeiiiidnoooooxouuuuy##aaaaaa#ceeeeiiiidnooooo ouuuuy#y";
// Latin Extended-A U+0100..U+017F.
constexpr std::string_view kLatinExtA =
    "aaaaaa"
    "cccccccc"
    "dddd"
    "eeeeeeeeee"
    "gggggggg"
    "hhhh"
    "iiiiiiiiii"
    "ii"
    "jj"
    "kkk"
    "llllllllll"
    "nnnnnnnnn"
    "oooooo"
    "oo"
    "rrrrrr"
    "ssssssss"
    "tttttt"
    "uuuuuuuuuuuu"
    "ww"
    "yyy"
    "zzzzzz"
    "s";
static_assert(kLatin1.size() == 64);
static_assert(kLatinExtA.size() == 128);

void AppendUtf8(char32_t c, std::string& out) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

// Decodes one code point at `i` and advances; invalid or truncated sequences, overlong forms and
// surrogates give U+FFFD and advance one byte.
char32_t NextCodePoint(std::string_view s, size_t& i) {
  auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  size_t n = 0;
  char32_t c = 0;
  char32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    n = 1, c = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    n = 2, c = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    n = 3, c = b0 & 0x07, min = 0x10000;
  } else {
    ++i;
    return 0xFFFD;
  }
  if (i + n >= s.size()) {  // truncated
    ++i;
    return 0xFFFD;
  }
  for (size_t k = 1; k <= n; ++k) {
    auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    c = (c << 6) | (b & 0x3F);
  }
  if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
    ++i;
    return 0xFFFD;
  }
  i += n + 1;
  return c;
}

void FoldCodePoint(char32_t c, std::string& out) {
  if (c < 0x80) {
    if (c >= 'A' && c <= 'Z') {
      out.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back(' ');
    }
    return;
  }
  if (c < 0xC0) {
    switch (c) {
      case 0xB5:
        out.push_back('u');
        return;  // micro sign
      case 0xB2:
        out.push_back('2');
        return;
      case 0xB3:
        out.push_back('3');
        return;
      case 0xB9:
        out.push_back('1');
        return;
      default:
        out.push_back(' ');
        return;  // no-break space, degree, quotes, symbols
    }
  }
  if (c <= 0xFF) {
    switch (c) {
      case 0xC6:
      case 0xE6:
        out += "ae";
        return;
      case 0xDE:
      case 0xFE:
        out += "th";
        return;
      case 0xDF:
        out += "ss";
        return;
      default:
        out.push_back(kLatin1[c - 0xC0]);
        return;
    }
  }
  if (c <= 0x17F) {
    if (c == 0x152 || c == 0x153) {
      out += "oe";
    } else {
      out.push_back(kLatinExtA[c - 0x100]);
    }
    return;
  }
  if (c >= 0x300 && c <= 0x36F) return;  // combining marks: "e" + U+0301 folds to "e"
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return AppendUtf8(c + 0x20, out);  // Greek capitals
  if (c == 0x3BC) return out.push_back('u');                                     // mu used as micro
  if (c >= 0x400 && c <= 0x40F) return AppendUtf8(c + 0x50, out);                // Cyrillic capitals
  if (c >= 0x410 && c <= 0x42F) return AppendUtf8(c + 0x20, out);
  if ((c >= 0x200B && c <= 0x200D) || c == 0x2060 || c == 0xFEFF || (c >= 0xFE00 && c <= 0xFE0F)) {
    return;  // zero-width characters, variation selectors, byte-order mark
  }
  if (c >= 0x2000 && c <= 0x2BFF) {
    // General punctuation (spaces, dashes, quotes, primes, ellipsis), super/subscripts, currency,
    // letter-like symbols, arrows, mathematical operators (minus), technical symbols, shapes.
    if (c >= 0x2070 && c <= 0x2079 && c != 0x2071 && c != 0x2072 && c != 0x2073) {
      return out.push_back(static_cast<char>('0' + (c - 0x2070)));
    }
    if (c >= 0x2080 && c <= 0x2089) return out.push_back(static_cast<char>('0' + (c - 0x2080)));
    if (c == 0x2126) {
      out += "ohm";
      return;
    }
    return out.push_back(' ');
  }
  if (c >= 0xFB00 && c <= 0xFB04) {
    static constexpr std::string_view kLigatures[] = {"ff", "fi", "fl", "ffi", "ffl"};
    out += kLigatures[c - 0xFB00];
    return;
  }
  if (c >= 0xFF01 && c <= 0xFF5E) return FoldCodePoint(c - 0xFEE0, out);  // full-width ASCII
  if ((c >= 0x3000 && c <= 0x303F) || (c >= 0xE000 && c <= 0xF8FF) || c >= 0x1F000 || c == 0xFFFD ||
      (c >= 0xFFF0 && c <= 0xFFFF)) {
    return out.push_back(' ');  // CJK punctuation, private use, emoji and symbols, specials, invalid bytes
  }
  AppendUtf8(c, out);  // another script's letter: kept as it is
}

bool IsWordByte(char ch) {
  auto u = static_cast<unsigned char>(ch);
  return (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || u >= 0x80;
}
bool IsDigit(char ch) { return ch >= '0' && ch <= '9'; }
bool IsVowel(char ch) { return ch == 'a' || ch == 'e' || ch == 'i' || ch == 'o' || ch == 'u' || ch == 'y'; }
bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}
bool HasVowel(std::string_view s) { return std::any_of(s.begin(), s.end(), IsVowel); }

// Calls `emit(word)` for each folded word of `text`.
template <typename Emit>
void ForEachWord(std::string_view text, Emit&& emit) {
  std::string folded;
  folded.reserve(text.size() + 8);
  for (size_t i = 0; i < text.size();) FoldCodePoint(NextCodePoint(text, i), folded);
  size_t i = 0;
  const size_t n = folded.size();
  while (i < n) {
    if (!IsWordByte(folded[i])) {
      ++i;
      continue;
    }
    size_t start = i;
    bool digit = false;
    bool dot = false;
    while (i < n) {
      char ch = folded[i];
      if (IsWordByte(ch)) {
        digit = digit || IsDigit(ch);
        ++i;
      } else if (ch == '.' && i + 1 < n && IsWordByte(folded[i + 1])) {
        dot = true;
        ++i;
      } else {
        break;
      }
    }
    std::string_view word(folded.data() + start, i - start);
    if (dot && !digit) {
      // "e.g" or "u.s": dots only join words that carry a digit (codes, decimals).
      size_t p = 0;
      while (p <= word.size()) {
        size_t q = word.find('.', p);
        if (q == std::string_view::npos) q = word.size();
        if (q > p) emit(word.substr(p, q - p));
        p = q + 1;
      }
    } else {
      emit(word);
    }
  }
}

const std::unordered_set<std::string_view>& StopWords() {
  static const std::unordered_set<std::string_view> kStop = {
      "a",       "about",   "above",  "after",   "again",    "against",   "all",    "also",    "am",
      "an",      "and",     "any",    "are",     "as",       "at",        "be",     "because", "been",
      "before",  "being",   "below",  "between", "both",     "but",       "by",     "can",     "could",
      "did",     "do",      "does",   "doing",   "during",   "each",      "either", "etc",     "for",
      "from",    "further", "had",    "has",     "have",     "having",    "he",     "her",     "here",
      "hers",    "him",     "his",    "how",     "i",        "if",        "in",     "into",    "is",
      "it",      "its",     "itself", "may",     "me",       "might",     "more",   "most",    "must",
      "my",      "no",      "nor",    "not",     "of",       "off",       "on",     "once",    "only",
      "or",      "other",   "our",    "out",     "over",     "own",       "per",    "same",    "shall",
      "she",     "should",  "so",     "some",    "such",     "than",      "that",   "the",     "their",
      "theirs",  "them",    "then",   "there",   "therefor", "therefore", "these",  "they",    "this",
      "those",   "through", "thus",   "to",      "too",      "under",     "until",  "up",      "upon",
      "us",      "very",    "via",    "was",     "we",       "were",      "what",   "when",    "where",
      "whether", "which",   "while",  "who",     "whom",     "why",       "will",   "with",    "within",
      "without", "would",   "you",    "your",    "aka",      "ie",        "eg",     "viz",     "thereof",
      "herein",  "wherein",
  };
  return kStop;
}

// Irregular plurals the suffix rules get wrong.
const std::unordered_map<std::string_view, std::string_view>& Irregular() {
  static const std::unordered_map<std::string_view, std::string_view> kIrregular = {
      {"analyses", "analysis"},
      {"axes", "axis"},
      {"matrices", "matrix"},
      {"indices", "index"},
      {"vertices", "vertex"},
      {"apices", "apex"},
      {"media", "medium"},
      {"criteria", "criterion"},
      {"phenomena", "phenomenon"},
      {"spectra", "spectrum"},
      {"men", "man"},
      {"feet", "foot"},
      {"teeth", "tooth"},
      {"mice", "mouse"},
      {"dies", "die"},
      {"series", "series"},
      {"species", "species"},
      {"apparatuses", "apparatus"},
      {"gases", "gas"},
      {"biases", "bias"},
      {"lens", "lens"},
      {"lenses", "lens"},
  };
  return kIrregular;
}

// British spellings and variants -> American, after plurals and -ed/-ing are gone.
const std::unordered_map<std::string_view, std::string_view>& Spellings() {
  static const std::unordered_map<std::string_view, std::string_view> kSpellings = {
      {"fibre", "fiber"},        {"calibre", "caliber"},
      {"centre", "center"},      {"metre", "meter"},
      {"litre", "liter"},        {"spectre", "specter"},
      {"aluminium", "aluminum"}, {"caesium", "cesium"},
      {"sulphur", "sulfur"},     {"sulphide", "sulfide"},
      {"sulphate", "sulfate"},   {"sulphuric", "sulfuric"},
      {"sulphonic", "sulfonic"}, {"sulphite", "sulfite"},
      {"vapour", "vapor"},       {"colour", "color"},
      {"behaviour", "behavior"}, {"armour", "armor"},
      {"harbour", "harbor"},     {"mould", "mold"},
      {"programme", "program"},  {"grey", "gray"},
      {"tyre", "tire"},          {"storey", "story"},
      {"oestrogen", "estrogen"}, {"haemorrhagic", "hemorrhagic"},
      {"anaemia", "anemia"},     {"paediatric", "pediatric"},
      {"defence", "defense"},    {"licence", "license"},
      {"manoeuvre", "maneuver"}, {"fermentor", "fermenter"},
      {"plough", "plow"},        {"catalogue", "catalog"},
      {"analogue", "analog"},    {"dialogue", "dialog"},
      {"artefact", "artifact"},  {"jewellery", "jewelry"},
      {"gauge", "gage"},
  };
  return kSpellings;
}

std::string Stem(std::string w) {
  if (auto it = Irregular().find(w); it != Irregular().end()) return std::string(it->second);
  // Plurals.
  if (w.size() > 4 && EndsWith(w, "ies")) {
    w.replace(w.size() - 3, 3, "y");
  } else if (w.size() > 3 && w.back() == 's' && !EndsWith(w, "ss") && !EndsWith(w, "us") &&
             !EndsWith(w, "is")) {
    w.pop_back();
  }
  // -ise -> -ize, -yse -> -yze (so "ionised" and "ionized", "analyser" and "analyzer" meet).
  for (std::string_view suffix :
       {"isation", "ised", "ising", "iser", "ise", "ysed", "ysing", "yser", "yse"}) {
    if (EndsWith(w, suffix) && w.size() >= suffix.size() + 3) {
      w[w.size() - suffix.size() + 1] = 'z';
      break;
    }
  }
  // -ied -> -y; -ed; -ing (the stem keeps a vowel and three letters).
  if (w.size() > 4 && EndsWith(w, "ied")) {
    w.replace(w.size() - 3, 3, "y");
  } else if (EndsWith(w, "ed") && !EndsWith(w, "eed") && w.size() >= 5 &&
             HasVowel(std::string_view(w).substr(0, w.size() - 2))) {
    w.resize(w.size() - 2);
  } else if (EndsWith(w, "ing") && w.size() >= 6 && HasVowel(std::string_view(w).substr(0, w.size() - 3))) {
    w.resize(w.size() - 3);
  }
  if (auto it = Spellings().find(w); it != Spellings().end()) w = std::string(it->second);
  // A final -e and a doubled final consonant ("valve"/"valv", "controll"/"control", "glass"/"glas").
  if (w.size() > 3 && w.back() == 'e') w.pop_back();
  if (w.size() > 3 && w[w.size() - 1] == w[w.size() - 2] && !IsVowel(w.back())) w.pop_back();
  return w;
}

std::string StemFolded(std::string_view word) {
  if (word.size() > kMaxWordBytes) return "";
  if (word.size() < 2) return (word.size() == 1 && IsDigit(word[0])) ? std::string(word) : "";
  if (StopWords().count(word)) return "";
  bool plain = std::all_of(word.begin(), word.end(), [](char ch) { return ch >= 'a' && ch <= 'z'; });
  if (!plain) return std::string(word);  // codes, numbers, other scripts
  return Stem(std::string(word));
}

std::string ConceptKey(uint32_t group) { return std::string(1, kConceptPrefix) + std::to_string(group); }

}  // namespace

// ---------------------------------------------------------------------------------------------------------

std::vector<AnalysedToken> AnalyseText(std::string_view text) {
  std::vector<AnalysedToken> out;
  ForEachWord(text, [&](std::string_view word) {
    std::string term = StemFolded(word);
    if (!term.empty()) out.push_back({std::move(term), std::string(word)});
  });
  return out;
}

std::string StemWord(std::string_view word) {
  std::string result;
  bool first = true;
  ForEachWord(word, [&](std::string_view w) {
    if (first) result = StemFolded(w);  // only the first word counts
    first = false;
  });
  return result;
}

Status Synonyms::AddGroup(std::vector<std::string> terms) {
  std::vector<std::string> kept;
  for (auto& t : terms) {
    if (!t.empty()) kept.push_back(std::move(t));
  }
  if (kept.empty()) return Status::InvalidArgument("a synonym group needs at least one term");
  groups_.push_back(std::move(kept));
  return Status::Ok();
}

Result<Synonyms> Synonyms::FromJson(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("groups") || !j["groups"].is_array()) {
    return Status::InvalidArgument("synonyms: expected an object with a \"groups\" array");
  }
  Synonyms s;
  size_t index = 0;
  for (const auto& g : j["groups"]) {
    const nlohmann::json* terms = &g;
    if (g.is_object()) {
      if (!g.contains("terms"))
        return Status::InvalidArgument(fmt::format("synonyms: group {} has no \"terms\"", index));
      terms = &g["terms"];
    }
    if (!terms->is_array()) {
      return Status::InvalidArgument(fmt::format("synonyms: group {} is not an array of strings", index));
    }
    std::vector<std::string> group;
    for (const auto& t : *terms) {
      if (!t.is_string()) {
        return Status::InvalidArgument(
            fmt::format("synonyms: group {} has a term that is not a string", index));
      }
      group.push_back(t.get<std::string>());
    }
    Status st = s.AddGroup(std::move(group));
    if (!st.ok()) return st.WithContext(fmt::format("synonyms: group {}", index));
    ++index;
  }
  return s;
}

Result<Synonyms> LoadSynonyms(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(fmt::format("cannot read synonyms file {}", path.string()));
  std::stringstream buffer;
  buffer << in.rdbuf();
  auto j = nlohmann::json::parse(buffer.str(), nullptr, false);
  if (j.is_discarded()) return Status::InvalidArgument(fmt::format("{}: not valid JSON", path.string()));
  auto s = Synonyms::FromJson(j);
  if (!s.ok()) return s.status().WithContext(path.string());
  return s;
}

// ---------------------------------------------------------------------------------------------------------

void TextIndex::FindConcepts(const std::vector<std::string>& terms, std::vector<std::string>* concepts,
                             std::vector<std::pair<size_t, size_t>>* spans,
                             std::vector<uint32_t>* groups) const {
  if (phrases_.empty()) return;
  std::unordered_map<uint32_t, size_t> covered_until;
  for (size_t i = 0; i < terms.size(); ++i) {
    auto it = phrases_.find(terms[i]);
    if (it == phrases_.end()) continue;
    for (const Phrase& p : it->second) {  // longest first
      if (i + p.terms.size() > terms.size()) continue;
      if (!std::equal(p.terms.begin() + 1, p.terms.end(), terms.begin() + static_cast<ptrdiff_t>(i) + 1))
        continue;
      for (uint32_t g : p.groups) {
        size_t& until = covered_until[g];
        if (until > i) continue;
        until = i + p.terms.size();
        concepts->push_back(ConceptKey(g));
        if (spans) spans->emplace_back(i, until);
        if (groups) groups->push_back(g);
      }
    }
  }
}

TextIndex TextIndex::Build(const Catalog& catalog, const Synonyms& synonyms) {
  TextIndex index;
  // Synonym phrases, analysed like everything else.
  std::unordered_map<std::string, size_t> phrase_slot;  // joined terms -> position in all
  std::vector<Phrase> all;
  for (uint32_t g = 0; g < synonyms.groups().size(); ++g) {
    const auto& group = synonyms.groups()[g];
    auto& names = index.group_terms_.emplace_back();
    for (const auto& text : group) {
      Phrase p;
      for (auto& t : AnalyseText(text)) p.terms.push_back(std::move(t.term));
      if (p.terms.empty()) continue;
      std::string key;
      for (const auto& t : p.terms) key += t + " ";
      names.emplace_back(key, text);
      auto [it, inserted] = phrase_slot.emplace(key, all.size());
      if (inserted) all.push_back(std::move(p));
      auto& groups = all[it->second].groups;
      if (std::find(groups.begin(), groups.end(), g) == groups.end()) groups.push_back(g);
    }
  }
  for (auto& p : all) index.phrases_[p.terms.front()].push_back(std::move(p));
  for (auto& [first, list] : index.phrases_) {
    std::stable_sort(list.begin(), list.end(),
                     [](const Phrase& a, const Phrase& b) { return a.terms.size() > b.terms.size(); });
  }

  const auto& entries = catalog.entries();
  index.docs_.reserve(entries.size());
  double total[kFields] = {};
  std::unordered_map<std::string, std::array<uint32_t, kFields>> tf;
  std::vector<std::string> terms;
  std::vector<std::string> concepts;
  for (size_t d = 0; d < entries.size(); ++d) {
    const ControlEntry& e = entries[d];
    Doc doc{&e, {}};
    tf.clear();
    auto add = [&](size_t field, std::string_view text) {
      if (text.empty()) return;
      terms.clear();
      concepts.clear();
      ForEachWord(text, [&](std::string_view word) {
        std::string term = StemFolded(word);
        if (!term.empty()) terms.push_back(std::move(term));
      });
      index.FindConcepts(terms, &concepts, nullptr, nullptr);
      doc.length[field] += static_cast<uint32_t>(terms.size());
      for (auto& t : terms) ++tf[t][field];
      for (auto& c : concepts) ++tf[c][field];
    };
    add(0, e.code);
    add(1, e.heading);
    std::set<std::string> seen{e.code};
    const ControlEntry* parent = e.parent.empty() ? nullptr : catalog.Find(e.parent);
    for (size_t depth = 0; parent && depth < kMaxAncestors && seen.insert(parent->code).second; ++depth) {
      add(2, parent->heading);
      parent = parent->parent.empty() ? nullptr : catalog.Find(parent->parent);
    }
    add(3, e.text);
    for (const auto& n : e.notes) add(4, n);
    for (const auto& n : e.technical_notes) add(4, n);
    for (const auto& n : e.decontrol_notes) add(4, n);

    for (const auto& [term, counts] : tf) {
      Posting p{static_cast<uint32_t>(d), {}};
      for (size_t f = 0; f < kFields; ++f)
        p.tf[f] = static_cast<uint16_t>(std::min<uint32_t>(counts[f], 65535));
      index.postings_[term].push_back(p);
    }
    for (size_t f = 0; f < kFields; ++f) total[f] += doc.length[f];
    index.docs_.push_back(doc);
  }
  for (size_t f = 0; f < kFields; ++f) {
    index.avg_length_[f] = index.docs_.empty() ? 0 : total[f] / static_cast<double>(index.docs_.size());
  }
  for (auto& [term, list] : index.postings_) list.shrink_to_fit();
  return index;
}

std::vector<TextIndex::QueryTerm> TextIndex::AnalyseQuery(std::string_view query) const {
  if (query.size() > kMaxQueryBytes) {
    size_t cut = query.rfind(' ', kMaxQueryBytes);
    query = query.substr(0, cut == std::string_view::npos || cut == 0 ? kMaxQueryBytes : cut);
  }
  std::vector<AnalysedToken> tokens = AnalyseText(query);
  std::vector<QueryTerm> out;
  // Distinct words; `word_slot[i]` is the QueryTerm index of token i (or -1 when over the cap).
  std::vector<int> word_slot(tokens.size(), -1);
  std::unordered_map<std::string, int> by_term;
  for (size_t i = 0; i < tokens.size(); ++i) {
    auto it = by_term.find(tokens[i].term);
    if (it != by_term.end()) {
      word_slot[i] = it->second;
      continue;
    }
    if (out.size() >= kMaxQueryTerms) continue;
    int slot = static_cast<int>(out.size());
    by_term.emplace(tokens[i].term, slot);
    word_slot[i] = slot;
    out.push_back({tokens[i].term, tokens[i].surface, 0, false});
  }
  std::vector<std::string> terms;
  terms.reserve(tokens.size());
  for (const auto& t : tokens) terms.push_back(t.term);
  std::vector<std::string> concepts;
  std::vector<std::pair<size_t, size_t>> spans;
  std::vector<uint32_t> groups;
  FindConcepts(terms, &concepts, &spans, &groups);
  std::set<std::string> seen;
  for (size_t c = 0; c < concepts.size() && out.size() < kMaxQueryTerms; ++c) {
    if (!seen.insert(concepts[c]).second) continue;
    QueryTerm q{concepts[c], "", 0, true};
    std::string phrase;
    std::string key;
    for (size_t i = spans[c].first; i < spans[c].second; ++i) {
      if (!phrase.empty()) phrase += ' ';
      phrase += tokens[i].surface;
      key += tokens[i].term + " ";
      if (word_slot[i] >= 0) q.covers |= uint64_t{1} << word_slot[i];
    }
    // "vfd~inverter": the query's phrase and the group's first other term.
    const auto& names = group_terms_[groups[c]];
    auto other = std::find_if(names.begin(), names.end(), [&](const auto& n) { return n.first != key; });
    q.display = phrase + "~" + (other != names.end() ? other->second : names.front().second);
    out.push_back(std::move(q));
  }
  return out;
}

std::vector<TextIndex::Hit> TextIndex::Search(std::string_view query, size_t limit,
                                              std::optional<Regime> regime) const {
  std::vector<Hit> hits;
  if (limit == 0 || docs_.empty() || query.empty()) return hits;
  std::vector<QueryTerm> qterms = AnalyseQuery(query);
  if (qterms.empty()) return hits;

  static constexpr double kWeight[kFields] = {kCodeWeight, kHeadingWeight, kContextWeight, kTextWeight,
                                              kNotesWeight};
  static constexpr double kFieldB[kFields] = {0.0, kB, kB, kB, kB};
  double inverse_avg[kFields];
  for (size_t f = 0; f < kFields; ++f) inverse_avg[f] = avg_length_[f] > 0 ? 1.0 / avg_length_[f] : 0.0;

  const double n = static_cast<double>(docs_.size());
  std::vector<double> score(docs_.size(), 0.0);
  std::vector<uint64_t> matched(docs_.size(), 0);
  std::vector<uint32_t> touched;
  for (size_t q = 0; q < qterms.size(); ++q) {
    auto it = postings_.find(qterms[q].term);
    if (it == postings_.end()) continue;
    const auto& list = it->second;
    const double df = static_cast<double>(list.size());
    const double idf = std::log(1.0 + (n - df + 0.5) / (df + 0.5));
    for (const Posting& p : list) {
      const Doc& doc = docs_[p.doc];
      if (regime && doc.entry->regime != *regime) continue;
      double tf = 0;
      for (size_t f = 0; f < kFields; ++f) {
        if (p.tf[f] == 0) continue;
        double norm = 1.0 - kFieldB[f] + kFieldB[f] * doc.length[f] * inverse_avg[f];
        tf += kWeight[f] * p.tf[f] / (norm > 0 ? norm : 1.0);
      }
      if (tf <= 0) continue;
      if (matched[p.doc] == 0) touched.push_back(p.doc);
      score[p.doc] += idf * tf * (kK1 + 1.0) / (kK1 + tf);
      matched[p.doc] |= uint64_t{1} << q;
    }
  }
  if (touched.empty()) return hits;
  auto better = [&](uint32_t a, uint32_t b) { return score[a] != score[b] ? score[a] > score[b] : a < b; };
  size_t k = std::min(limit, touched.size());
  std::partial_sort(touched.begin(), touched.begin() + static_cast<ptrdiff_t>(k), touched.end(), better);
  hits.reserve(k);
  for (size_t i = 0; i < k; ++i) {
    uint32_t d = touched[i];
    Hit h{docs_[d].entry, score[d], {}};
    uint64_t mask = matched[d];
    for (size_t q = 0; q < qterms.size(); ++q) {
      if (!(mask & (uint64_t{1} << q))) continue;
      const QueryTerm& t = qterms[q];
      // A synonym is worth showing only when some word of its phrase did not match by itself.
      if (t.synonym && t.covers != 0 && (mask & t.covers) == t.covers) continue;
      h.matched_terms.push_back(t.display);
    }
    hits.push_back(std::move(h));
  }
  return hits;
}

}  // namespace stm::catalog
