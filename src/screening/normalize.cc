#include "screening/normalize.h"

#include <unicode/normalizer2.h>
#include <unicode/translit.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <array>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace stm::screening {
namespace {

// ---------------------------------------------------------------------------------------------------------
// Small ASCII helpers.

bool IsAscii(std::string_view s) {
  for (unsigned char c : s) {
    if (c >= 0x80) return false;
  }
  return true;
}

bool IsVowel(char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLower(char c) { return c >= 'a' && c <= 'z'; }

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

void AppendUtf8(std::string& out, UChar32 c) {
  char buf[4];
  int32_t len = 0;
  UBool error = false;
  U8_APPEND(reinterpret_cast<uint8_t*>(buf), len, 4, c, error);
  if (!error) out.append(buf, static_cast<size_t>(len));
}

// Keeps [a-z0-9] and turns anything else into `sep` (collapsing repeats); used on transliterator output.
std::string CleanAscii(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    char c = ch;
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (IsLower(c) || IsDigit(c)) {
      out.push_back(c);
    } else if (c == ' ' || c == '-' || c == ',' || c == ';' || c == '/' || c == '(' || c == ')' ||
               c == '.') {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    }
    // Anything else (apostrophes, middle dots, non-ASCII leftovers) is dropped: the word stays joined.
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::vector<std::string> SplitSpaces(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    size_t j = i;
    while (j < s.size() && s[j] != ' ') ++j;
    if (j > i) out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

void AddUnique(std::vector<std::string>& v, std::string s) {
  if (s.empty()) return;
  if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(std::move(s));
}

// ---------------------------------------------------------------------------------------------------------
// ICU: normalisers and per-thread transliterators.

const icu::Normalizer2* NfkcCasefold() {
  static const icu::Normalizer2* n = [] {
    UErrorCode status = U_ZERO_ERROR;
    return icu::Normalizer2::getNFKCCasefoldInstance(status);
  }();
  return n;
}

const icu::Normalizer2* Nfd() {
  static const icu::Normalizer2* n = [] {
    UErrorCode status = U_ZERO_ERROR;
    return icu::Normalizer2::getNFDInstance(status);
  }();
  return n;
}

struct TransliteratorPrototypes {
  std::mutex mu;
  std::unordered_map<std::string, std::unique_ptr<icu::Transliterator>> protos;  // null: invalid id
};

TransliteratorPrototypes& Prototypes() {
  static auto* p = new TransliteratorPrototypes();  // never destroyed: threads may outlive statics
  return *p;
}

icu::Transliterator* ThreadTransliterator(std::string_view id) {
  thread_local std::unordered_map<std::string, std::unique_ptr<icu::Transliterator>> cache;
  std::string key(id);
  auto it = cache.find(key);
  if (it != cache.end()) return it->second.get();
  std::unique_ptr<icu::Transliterator> clone;
  {
    TransliteratorPrototypes& p = Prototypes();
    std::lock_guard<std::mutex> lock(p.mu);
    auto pit = p.protos.find(key);
    if (pit == p.protos.end()) {
      UErrorCode status = U_ZERO_ERROR;
      UParseError parse_error;
      std::unique_ptr<icu::Transliterator> proto(icu::Transliterator::createInstance(
          icu::UnicodeString::fromUTF8(key), UTRANS_FORWARD, parse_error, status));
      if (U_FAILURE(status)) proto.reset();
      pit = p.protos.emplace(key, std::move(proto)).first;
    }
    if (pit->second) clone.reset(pit->second->clone());
  }
  icu::Transliterator* raw = clone.get();
  cache.emplace(std::move(key), std::move(clone));
  return raw;
}

std::string ToUtf8(const icu::UnicodeString& s) {
  std::string out;
  s.toUTF8String(out);
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Scripts.

TokenScript ScriptOf(UChar32 c) {
  UErrorCode status = U_ZERO_ERROR;
  UScriptCode sc = uscript_getScript(c, &status);
  if (U_FAILURE(status)) return TokenScript::kOther;
  switch (sc) {
    case USCRIPT_LATIN:
    case USCRIPT_COMMON:
    case USCRIPT_INHERITED:
      return TokenScript::kLatin;
    case USCRIPT_CYRILLIC:
      return TokenScript::kCyrillic;
    case USCRIPT_ARABIC:
      return TokenScript::kArabic;
    case USCRIPT_HEBREW:
      return TokenScript::kHebrew;
    case USCRIPT_GREEK:
      return TokenScript::kGreek;
    case USCRIPT_HAN:
      return TokenScript::kHan;
    case USCRIPT_HANGUL:
      return TokenScript::kHangul;
    case USCRIPT_HIRAGANA:
    case USCRIPT_KATAKANA:
    case USCRIPT_KATAKANA_OR_HIRAGANA:
      return TokenScript::kKana;
    default:
      return TokenScript::kOther;
  }
}

// The dominant non-Latin script of a word (Latin when it has only Latin/common characters).
TokenScript WordScript(std::string_view utf8) {
  std::array<int, 9> counts{};
  int32_t i = 0;
  const int32_t n = static_cast<int32_t>(utf8.size());
  const auto* s = reinterpret_cast<const uint8_t*>(utf8.data());
  while (i < n) {
    UChar32 c;
    U8_NEXT(s, i, n, c);
    if (c < 0x80) continue;
    counts[static_cast<size_t>(ScriptOf(c))]++;
  }
  TokenScript best = TokenScript::kLatin;
  int best_count = 0;
  for (size_t k = 1; k < counts.size(); ++k) {
    if (counts[k] > best_count) {
      best_count = counts[k];
      best = static_cast<TokenScript>(k);
    }
  }
  return best;
}

// ---------------------------------------------------------------------------------------------------------
// Latin folding: NFD, drop marks, a few letters by hand, ICU Latin-ASCII for the rest.

const char* LatinSpecial(UChar32 c) {
  switch (c) {
    case 0x00DF: return "ss";  // ß
    case 0x00E6: return "ae";  // æ
    case 0x0153: return "oe";  // œ
    case 0x00F8: return "o";   // ø
    case 0x0111: return "d";   // đ
    case 0x00F0: return "d";   // ð
    case 0x00FE: return "th";  // þ
    case 0x0142: return "l";   // ł
    case 0x0131: return "i";   // ı
    case 0x0127: return "h";   // ħ
    case 0x0167: return "t";   // ŧ
    case 0x0140: return "l";   // ŀ
    case 0x0138: return "k";   // ĸ
    case 0x014B: return "n";   // ŋ
    case 0x0192: return "f";   // ƒ
    case 0x01DD: return "e";   // ǝ
    case 0x0259: return "e";   // ə
    default: return nullptr;
  }
}

std::string LatinToAscii(std::string_view folded) {
  if (IsAscii(folded)) return std::string(folded);
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString decomposed = Nfd()->normalize(icu::UnicodeString::fromUTF8(folded), status);
  std::string out;
  std::string rest;  // non-ASCII letters with no hand-made mapping
  bool needs_icu = false;
  for (int32_t i = 0; i < decomposed.length();) {
    UChar32 c = decomposed.char32At(i);
    i += U16_LENGTH(c);
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      continue;
    }
    int8_t cat = u_charType(c);
    if (cat == U_NON_SPACING_MARK || cat == U_ENCLOSING_MARK || cat == U_COMBINING_SPACING_MARK) continue;
    if (const char* m = LatinSpecial(c)) {
      out += m;
      continue;
    }
    AppendUtf8(out, c);
    needs_icu = true;
  }
  if (needs_icu) out = Transliterate(out, "Any-Latin; Latin-ASCII");
  std::string clean;
  for (char ch : out) {
    char c = ch;
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (IsLower(c) || IsDigit(c)) clean.push_back(c);
  }
  return clean;
}

// German transcription of umlauts (Müller -> mueller) when the word has them.
std::string GermanUmlauts(std::string_view folded) {
  if (folded.find("\xC3\xA4") == std::string_view::npos && folded.find("\xC3\xB6") == std::string_view::npos &&
      folded.find("\xC3\xBC") == std::string_view::npos) {
    return "";
  }
  std::string s(folded);
  auto replace_all = [&](std::string_view from, std::string_view to) {
    size_t pos = 0;
    while ((pos = s.find(from, pos)) != std::string::npos) {
      s.replace(pos, from.size(), to);
      pos += to.size();
    }
  };
  replace_all("\xC3\xA4", "ae");
  replace_all("\xC3\xB6", "oe");
  replace_all("\xC3\xBC", "ue");
  return LatinToAscii(s);
}

// ---------------------------------------------------------------------------------------------------------
// Romanisation of non-Latin words.

bool ContainsAny(std::string_view utf8, std::initializer_list<UChar32> chars) {
  int32_t i = 0;
  const int32_t n = static_cast<int32_t>(utf8.size());
  const auto* s = reinterpret_cast<const uint8_t*>(utf8.data());
  while (i < n) {
    UChar32 c;
    U8_NEXT(s, i, n, c);
    for (UChar32 x : chars) {
      if (c == x) return true;
    }
  }
  return false;
}

// Hangul: Revised Romanisation from ICU, plus a McCune-Reischauer-like form (voiceless initials and finals,
// eo -> o, eu -> u) that matches how North Korean and older South Korean names are written.
std::vector<std::string> HangulForms(std::string_view syllable_utf8, bool first_syllable) {
  std::vector<std::string> out;
  std::string rr = CleanAscii(Transliterate(syllable_utf8, "Hangul-Latin; Latin-ASCII"));
  rr.erase(std::remove(rr.begin(), rr.end(), ' '), rr.end());
  if (first_syllable) {
    // Family names whose usual spellings differ from both systems.
    static const std::unordered_map<std::string, std::vector<std::string>> kSurnames = {
        {"i", {"lee", "yi", "ri", "rhee"}},   {"ri", {"lee", "yi", "rhee"}},   {"li", {"ri", "lee", "yi"}},
        {"bag", {"park", "pak", "bak"}},      {"choe", {"choi", "choe"}},      {"gim", {"kim"}},
        {"jeong", {"jung", "chung", "jong"}}, {"jo", {"cho", "jo"}},           {"gang", {"kang"}},
        {"yun", {"yoon"}},                    {"jang", {"chang"}},             {"im", {"lim", "rim"}},
        {"rim", {"lim", "im"}},               {"o", {"oh"}},                   {"seo", {"suh", "so"}},
        {"sin", {"shin"}},                    {"gwon", {"kwon"}},              {"an", {"ahn"}},
        {"yu", {"yoo", "ryu", "you"}},        {"ryu", {"yu", "yoo"}},          {"jeon", {"jun", "chon", "jon"}},
        {"go", {"ko"}},                       {"mun", {"moon"}},               {"son", {"sohn"}},
        {"baeg", {"baek", "paek", "paik"}},   {"heo", {"hur", "ho"}},          {"no", {"roh"}},
        {"ro", {"roh", "no"}},                {"sim", {"shim"}},               {"ju", {"joo", "chu"}},
        {"gu", {"ku", "koo"}},                {"u", {"woo"}},                  {"na", {"ra"}},
        {"ra", {"na"}},                       {"ham", {"hahm"}},               {"hyeon", {"hyun"}},
        {"gong", {"kong"}},                   {"ga", {"ka"}},                  {"gil", {"kil"}},
    };
    AddUnique(out, rr);
    auto it = kSurnames.find(rr);
    if (it != kSurnames.end()) {
      for (const auto& s : it->second) AddUnique(out, s);
    }
  } else {
    AddUnique(out, rr);
  }
  // Other spellings in use: McCune-Reischauer-like (eo -> o, eu -> u), the common English ones (eo -> u:
  // "sung", "hyun", "chul"; u -> oo: "joon"), each also with voiceless consonants (g/d/b/j -> k/t/p/ch).
  auto vowels = [](const std::string& s, const char* eo) {
    std::string r;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s.compare(i, 2, "eo") == 0) {
        r += eo;
        ++i;
      } else if (s.compare(i, 2, "eu") == 0) {
        r += 'u';
        ++i;
      } else {
        r += s[i];
      }
    }
    return r;
  };
  auto devoiced = [](std::string v) {
    if (v.empty()) return v;
    auto devoice = [](char c) { return c == 'g' ? 'k' : c == 'd' ? 't' : c == 'b' ? 'p' : c; };
    v[0] = devoice(v[0]);
    const size_t last = v.size() - 1;
    if (last > 0 && !(v[last] == 'g' && v[last - 1] == 'n')) v[last] = devoice(v[last]);
    if (v[0] == 'j') v = "ch" + v.substr(1);
    return v;
  };
  std::string mr = vowels(rr, "o");
  std::string en = vowels(rr, "u");
  AddUnique(out, mr);
  AddUnique(out, en);
  AddUnique(out, devoiced(mr));
  AddUnique(out, devoiced(en));
  if (en.find('u') != std::string::npos && en.find("uu") == std::string::npos) {
    std::string oo = en;
    oo.replace(oo.find('u'), 1, "oo");
    AddUnique(out, oo);
  }
  if (out.size() > 8) out.resize(8);
  return out;
}

std::vector<std::string> TransliteratorsFor(TokenScript script, std::string_view word) {
  switch (script) {
    case TokenScript::kCyrillic: {
      std::vector<std::string> ids;
      if (ContainsAny(word, {0x0493, 0x049B, 0x04A3, 0x04AF, 0x04B1, 0x04BB, 0x04D9, 0x04E9})) {
        ids.push_back("Kazakh-Latin/BGN; Any-Latin; Latin-ASCII");
      } else if (ContainsAny(word, {0x0456, 0x0457, 0x0454, 0x0491})) {
        ids.push_back("Ukrainian-Latin/BGN; Any-Latin; Latin-ASCII");
      }
      ids.push_back("Russian-Latin/BGN; Any-Latin; Latin-ASCII");
      ids.push_back("Cyrillic-Latin; Latin-ASCII");
      return ids;
    }
    case TokenScript::kArabic:
      return {"Arabic-Latin; Latin-ASCII"};
    case TokenScript::kHebrew:
      return {"Hebrew-Latin; Latin-ASCII"};
    case TokenScript::kGreek:
      return {"Greek-Latin/UNGEGN; Latin-ASCII", "Greek-Latin; Latin-ASCII"};
    case TokenScript::kHan:
      return {"Han-Latin/Names; Latin-ASCII", "Han-Latin; Latin-ASCII"};
    default:
      return {"Any-Latin; Latin-ASCII"};
  }
}

bool IsIndic(std::string_view utf8) {
  int32_t i = 0;
  const int32_t n = static_cast<int32_t>(utf8.size());
  const auto* s = reinterpret_cast<const uint8_t*>(utf8.data());
  while (i < n) {
    UChar32 c;
    U8_NEXT(s, i, n, c);
    if (c >= 0x0900 && c <= 0x0D7F) return true;  // Devanagari .. Malayalam
  }
  return false;
}

// Arabic: a word-final taa marbuta is usually silent ("Usama", not "Usamat").
std::string PrepareArabic(std::string_view word) {
  std::string s(word);
  static const std::string kTaaMarbuta = "\xD8\xA9";  // U+0629
  static const std::string kAlef = "\xD8\xA7";        // U+0627
  if (s.size() >= kTaaMarbuta.size() && s.compare(s.size() - 2, 2, kTaaMarbuta) == 0) {
    s.replace(s.size() - 2, 2, kAlef);
  }
  return s;
}

// ---------------------------------------------------------------------------------------------------------
// Word tables.

struct LegalInfo {
  const char* canonical;
  LegalFamily family;
};

const std::unordered_map<std::string, LegalInfo>& LegalForms() {
  using F = LegalFamily;
  static const auto* m = new std::unordered_map<std::string, LegalInfo>{
      // Limited-liability companies.
      {"llc", {"llc", F::kLimitedLiability}}, {"ooo", {"llc", F::kLimitedLiability}},
      {"gmbh", {"gmbh", F::kLimitedLiability}}, {"sarl", {"sarl", F::kLimitedLiability}},
      {"srl", {"srl", F::kLimitedLiability}}, {"sl", {"sl", F::kLimitedLiability}},
      {"bvba", {"bvba", F::kLimitedLiability}}, {"bv", {"bv", F::kLimitedLiability}},
      {"kft", {"kft", F::kLimitedLiability}}, {"spzoo", {"spzoo", F::kLimitedLiability}},
      {"sro", {"sro", F::kLimitedLiability}}, {"tov", {"llc", F::kLimitedLiability}},
      {"doo", {"doo", F::kLimitedLiability}}, {"ltda", {"ltda", F::kLimitedLiability}},
      {"pllc", {"llc", F::kLimitedLiability}}, {"aps", {"aps", F::kLimitedLiability}},
      {"sdnbhd", {"sdnbhd", F::kLimitedLiability}}, {"sdn", {"sdnbhd", F::kLimitedLiability}},
      {"eirl", {"eirl", F::kLimitedLiability}}, {"ug", {"ug", F::kLimitedLiability}},
      {"fze", {"fze", F::kLimitedLiability}}, {"fzco", {"fzco", F::kLimitedLiability}},
      {"fzc", {"fzco", F::kLimitedLiability}}, {"fzllc", {"llc", F::kLimitedLiability}},
      // Stock companies.
      {"ag", {"ag", F::kStock}}, {"jsc", {"jsc", F::kStock}}, {"ojsc", {"ojsc", F::kStock}},
      {"cjsc", {"cjsc", F::kStock}}, {"pjsc", {"pjsc", F::kStock}}, {"ao", {"jsc", F::kStock}},
      {"oao", {"ojsc", F::kStock}}, {"zao", {"cjsc", F::kStock}}, {"pao", {"pjsc", F::kStock}},
      {"sa", {"sa", F::kStock}}, {"spa", {"spa", F::kStock}}, {"nv", {"nv", F::kStock}},
      {"plc", {"plc", F::kStock}}, {"ab", {"ab", F::kStock}}, {"asa", {"asa", F::kStock}},
      {"oyj", {"oyj", F::kStock}}, {"kk", {"kk", F::kStock}}, {"se", {"se", F::kStock}},
      {"kgaa", {"kgaa", F::kStock}}, {"sas", {"sas", F::kStock}}, {"sae", {"sae", F::kStock}},
      {"saa", {"saa", F::kStock}}, {"sac", {"sac", F::kStock}}, {"bhd", {"bhd", F::kStock}},
      {"tbk", {"tbk", F::kStock}}, {"pt", {"pt", F::kStock}}, {"aktiengesellschaft", {"ag", F::kStock}},
      {"pubco", {"plc", F::kStock}},
      // Partnerships.
      {"lp", {"lp", F::kPartnership}}, {"llp", {"llp", F::kPartnership}}, {"kg", {"kg", F::kPartnership}},
      {"ohg", {"ohg", F::kPartnership}}, {"gbr", {"gbr", F::kPartnership}}, {"snc", {"snc", F::kPartnership}},
      {"lllp", {"lllp", F::kPartnership}},
      // Generic.
      {"ltd", {"ltd", F::kGeneric}}, {"limited", {"ltd", F::kGeneric}}, {"inc", {"inc", F::kGeneric}},
      {"incorporated", {"inc", F::kGeneric}}, {"corp", {"corp", F::kGeneric}},
      {"corporation", {"corp", F::kGeneric}}, {"co", {"co", F::kGeneric}}, {"company", {"co", F::kGeneric}},
      {"cie", {"co", F::kGeneric}}, {"compagnie", {"co", F::kGeneric}}, {"compania", {"co", F::kGeneric}},
      {"companhia", {"co", F::kGeneric}}, {"pty", {"pty", F::kGeneric}}, {"pte", {"pte", F::kGeneric}},
      {"pvt", {"pvt", F::kGeneric}}, {"shrkt", {"co", F::kGeneric}}, {"shrk", {"co", F::kGeneric}}, {"shrka", {"co", F::kGeneric}},
      {"sharikat", {"co", F::kGeneric}}, {"sherkat", {"co", F::kGeneric}}, {"shirkat", {"co", F::kGeneric}},
  };
  return *m;
}

struct Phrase {
  std::vector<std::string> words;
  const char* canonical;
};

// Multi-word legal forms, replaced by one legal-form token (longest first at each position).
const std::vector<Phrase>& LegalPhrases() {
  static const auto* v = new std::vector<Phrase>{
      {{"open", "joint", "stock", "company"}, "ojsc"},
      {{"closed", "joint", "stock", "company"}, "cjsc"},
      {{"public", "joint", "stock", "company"}, "pjsc"},
      {{"private", "joint", "stock", "company"}, "cjsc"},
      {{"joint", "stock", "company"}, "jsc"},
      {{"joint", "stock", "co"}, "jsc"},
      {{"jt", "stock", "co"}, "jsc"},
      {{"open", "jsc"}, "ojsc"},
      {{"closed", "jsc"}, "cjsc"},
      {{"public", "jsc"}, "pjsc"},
      {{"limited", "liability", "company"}, "llc"},
      {{"limited", "liability", "co"}, "llc"},
      {{"limited", "liability", "partnership"}, "llp"},
      {{"limited", "partnership"}, "lp"},
      {{"public", "limited", "company"}, "plc"},
      {{"societe", "anonyme"}, "sa"},
      {{"sociedad", "anonima"}, "sa"},
      {{"societa", "per", "azioni"}, "spa"},
      {{"gesellschaft", "mit", "beschrankter", "haftung"}, "gmbh"},
      {{"besloten", "vennootschap"}, "bv"},
      {{"naamloze", "vennootschap"}, "nv"},
      {{"societatea", "cu", "raspundere", "limitata"}, "srl"},
      {{"societa", "a", "responsabilita", "limitata"}, "srl"},
      {{"sociedad", "de", "responsabilidad", "limitada"}, "srl"},
      {{"societe", "a", "responsabilite", "limitee"}, "sarl"},
      {{"obshchestvo", "s", "ogranichennoy", "otvetstvennostyu"}, "ooo"},
      {{"tovarystvo", "z", "obmezhenoyu", "vidpovidalnistyu"}, "tov"},
      {{"zakrytoye", "aktsionernoye", "obshchestvo"}, "zao"},
      {{"otkrytoye", "aktsionernoye", "obshchestvo"}, "oao"},
      {{"publichnoye", "aktsionernoye", "obshchestvo"}, "pao"},
      {{"aktsionernoye", "obshchestvo"}, "ao"},
      {{"kabushiki", "kaisha"}, "kk"},
      {{"kabushikikaisha"}, "kk"},
      {{"sdn", "bhd"}, "sdnbhd"},
      {{"sp", "z", "oo"}, "spzoo"},
      {{"co", "ltd"}, "ltd"},
  };
  return *v;
}

const std::unordered_set<std::string>& OrgTerms() {
  static const auto* s = new std::unordered_set<std::string>{
      "group",         "groupe",      "gruppe",      "grupo",       "gruppo",    "grp",
      "holding",       "holdings",    "international", "internacional", "intl",  "trading",
      "enterprise",    "enterprises", "industries",  "establishment", "est",     "worldwide",
      "mjmwt",         "mwsst",       "mwssh",       "mjmwh",
  };
  return *s;
}

const std::unordered_set<std::string>& Stopwords() {
  static const auto* s = new std::unordered_set<std::string>{"the", "of", "and", "for", "und", "et", "y", "e",
                                                              "a", "an", "on", "in", "at", "to"};
  return *s;
}

// Honorifics and titles, for any schema but organisations.
const std::unordered_set<std::string>& Honorifics() {
  static const auto* s = new std::unordered_set<std::string>{
      "mr",        "mrs",        "ms",         "miss",       "mister",     "dr",         "doctor",
      "prof",      "professor",  "sir",        "dame",       "madam",      "madame",     "mme",
      "mlle",      "monsieur",   "herr",       "frau",       "senor",      "senora",     "sra",
      "sr",        "jr",         "junior",     "senior",     "haji",       "hajji",      "hadji",
      "haj",       "hajj",       "alhaj",      "alhaji",     "alhajj",     "sheikh",     "shaikh",
      "sheik",     "shaykh",     "cheikh",     "shaykhah",   "sheikha",    "mullah",     "mulla",
      "mawlawi",   "maulvi",     "molvi",      "moulvi",     "mawlavi",    "maulana",    "mawlana",
      "qari",      "imam",       "mufti",      "ayatollah",  "hojatoleslam", "ustad",    "ustadh",
      "ustaz",     "hon",        "honorable",  "honourable", "excellency", "president",
      "presidente", "prasident", "praesident", "predsjednik", "presedintele", "presiden", "prezident",
      "prezydent", "elnok",      "premier",    "minister",   "general",    "gen",        "colonel",
      "col",       "maj",        "captain",    "capt",       "lieutenant", "lt",
      "brigadier", "admiral",    "commander",  "cmdr",       "marshal",    "sgt",        "sergeant",
      "rev",       "reverend",   "lord",       "lady",       "engineer",   "ii",         "iii",
      "iv",        "esq",
      "sayyed",    "sayyid",     "seyyed",     "sayed",      "syed",       "sayid",      "hafiz",
  };
  return *s;
}

// Honorifics that are also common words in organisation names or given names: only for persons.
const std::unordered_set<std::string>& PersonOnlyHonorifics() {
  static const auto* s = new std::unordered_set<std::string>{
      "general", "gen",    "captain", "lord",  "premier", "minister", "commander", "marshal", "hafiz",
      "sayyed",  "sayyid", "seyyed",  "sayed", "syed",    "sayid",    "president", "presidente"};
  return *s;
}

const std::unordered_set<std::string>& Particles() {
  static const auto* s = new std::unordered_set<std::string>{
      "al",  "el",  "bin", "ben",  "ibn",  "bint", "binti", "bte", "bn",   "ould", "walad", "abu", "abou",
      "abo", "umm", "um",  "van",  "von",  "der",  "den",   "de",  "del",  "della", "di",   "da",  "das",
      "dos", "du",  "la",  "le",   "les",  "lo",   "zu",    "ter", "ten",  "ul", "ud", "ad", "ash", "as", "az", "ar", "at", "ath", "ur", "us",
      "mac", "mc",  "st"};
  return *s;
}

// Particles that only count as such when attached with a hyphen ("ad-din", "ash-sham").
const std::unordered_set<std::string>& HyphenParticles() {
  static const auto* s = new std::unordered_set<std::string>{"ul", "ud", "ad", "ash", "as", "az", "ar", "at",
                                                              "ath", "ur", "us"};
  return *s;
}

bool IsNasabMarker(std::string_view t) {
  return t == "bin" || t == "ibn" || t == "ben" || t == "bint" || t == "binti" || t == "bte" || t == "bn" ||
         t == "ould" || t == "walad";
}

// Alternative forms: abbreviations, nicknames, spelling families. Looked up both ways by the matcher.
const std::unordered_map<std::string, std::vector<std::string>>& AltForms() {
  static const auto* m = new std::unordered_map<std::string, std::vector<std::string>>{
      {"intl", {"international"}}, {"int", {"international"}}, {"natl", {"national"}},
      {"mfg", {"manufacturing"}}, {"bros", {"brothers"}}, {"assn", {"association"}},
      {"assoc", {"association"}}, {"dept", {"department"}}, {"univ", {"university"}},
      {"inst", {"institute"}}, {"tech", {"technology", "technologies", "technical"}},
      {"sci", {"science", "scientific"}}, {"svc", {"services"}}, {"svcs", {"services"}},
      {"mgmt", {"management"}}, {"mt", {"mount"}}, {"ft", {"fort"}}, {"ctr", {"center", "centre"}},
      {"center", {"centre"}}, {"labor", {"labour"}}, {"organization", {"organisation"}},
      {"mohd", {"mohammad", "muhammad", "mohammed"}}, {"muhd", {"muhammad"}}, {"md", {"mohammad"}},
      {"abdul", {"abd", "abdel", "abdal", "abdol", "abdoul"}}, {"abdel", {"abd", "abdul", "abdal"}},
      {"abdal", {"abd", "abdul", "abdel"}}, {"abdol", {"abd", "abdul"}}, {"abdoul", {"abd", "abdul"}},
      {"abdur", {"abd", "abdul"}}, {"abdu", {"abd", "abdul"}},
      {"osama", {"usama"}}, {"usama", {"osama"}}, {"1st", {"first"}}, {"2nd", {"second"}},
      {"3rd", {"third"}}, {"4th", {"fourth"}}, {"5th", {"fifth"}}, {"6th", {"sixth"}}, {"7th", {"seventh"}},
      {"8th", {"eighth"}}, {"9th", {"ninth"}}, {"10th", {"tenth"}},
  };
  return *m;
}

// Nicknames and short forms of given names (weaker evidence than the same name).
const std::unordered_map<std::string, std::vector<std::string>>& Nicknames() {
  static const auto* m = new std::unordered_map<std::string, std::vector<std::string>>{
      {"ted", {"theodore", "edward"}}, {"teddy", {"theodore", "edward"}}, {"ben", {"benjamin"}},
      {"benny", {"benjamin"}}, {"bill", {"william"}}, {"billy", {"william"}}, {"will", {"william"}},
      {"bob", {"robert"}}, {"bobby", {"robert"}}, {"rob", {"robert"}}, {"dick", {"richard"}},
      {"rick", {"richard"}}, {"jim", {"james"}}, {"jimmy", {"james"}}, {"mike", {"michael"}},
      {"tony", {"anthony", "antonio"}}, {"alex", {"alexander", "aleksandr", "alexandre"}},
      {"sasha", {"alexander", "aleksandr"}}, {"tom", {"thomas"}}, {"joe", {"joseph"}}, {"dave", {"david"}},
      {"dan", {"daniel"}}, {"sam", {"samuel"}}, {"nick", {"nicholas", "nikolai"}},
      {"chris", {"christopher"}}, {"kate", {"katherine", "catherine"}}, {"liz", {"elizabeth"}},
      {"beth", {"elizabeth"}}, {"jack", {"john"}}, {"harry", {"henry"}}, {"hank", {"henry"}},
      {"chuck", {"charles"}}, {"charlie", {"charles"}}, {"fred", {"frederick", "friedrich"}},
      {"ed", {"edward"}}, {"eddie", {"edward"}}, {"andy", {"andrew"}}, {"steve", {"stephen", "steven"}},
      {"greg", {"gregory"}}, {"matt", {"matthew"}}, {"pat", {"patrick", "patricia"}}, {"pete", {"peter"}},
      {"ron", {"ronald"}}, {"don", {"donald"}}, {"doug", {"douglas"}}, {"vova", {"vladimir"}},
      {"volodya", {"vladimir"}}, {"dima", {"dmitry", "dmitri"}}, {"kolya", {"nikolai", "nikolay"}},
      {"misha", {"mikhail"}}, {"pasha", {"pavel"}}, {"seryozha", {"sergey"}}, {"zhenya", {"yevgeny"}},
  };
  return *m;
}

// Very common name parts: they weigh less when no index statistics are available (CompareNames).
const std::unordered_set<std::string>& CommonNameParts() {
  static const auto* s = new std::unordered_set<std::string>{
      "mohammad", "mohammed", "muhammad", "muhammed", "mohamed", "mohamad", "muhamad", "mohamud", "ahmad",
      "ahmed", "ali", "hassan", "hasan", "hussein", "husain", "hussain", "husayn", "ibrahim", "abdullah",
      "abdallah", "omar", "umar", "khan", "mahmoud", "mahmud", "mustafa", "mostafa", "yusuf", "yousef",
      "youssef", "hamid", "rahman", "karim", "said", "saeed", "saleh", "salih", "abdul", "abd", "mahmood",
      "khalid", "khaled", "salem", "salim", "rashid", "nasser", "nasir", "aziz", "jan", "gul", "shah", "mir",
      "noor", "nur", "din", "john", "james", "michael", "david", "robert", "william", "richard", "thomas",
      "mary", "maria", "marie", "jose", "juan", "carlos", "luis", "jorge", "pedro", "antonio", "manuel",
      "kim", "lee", "li", "wang", "zhang", "chen", "liu", "yang", "huang", "zhao", "wu", "zhou", "park",
      "pak", "choi", "choe", "ri", "jong", "nguyen", "tran", "singh", "kumar", "ivan", "sergey", "sergei",
      "alexander", "aleksandr", "vladimir", "dmitry", "andrey", "nikolai", "igor", "oleg", "olga",
      "elena", "anna", "smith", "jones", "johnson", "brown", "garcia", "rodriguez", "martinez", "lopez",
      "gonzalez", "hernandez", "ivanov", "petrov", "wong", "tan", "lim", "abu",
  };
  return *s;
}

int NumberWordValue(std::string_view w) {
  static const std::unordered_map<std::string_view, int> kWords = {
      {"zero", 0},      {"one", 1},        {"two", 2},      {"three", 3},     {"four", 4},
      {"five", 5},      {"six", 6},        {"seven", 7},    {"eight", 8},     {"nine", 9},
      {"ten", 10},      {"eleven", 11},    {"twelve", 12},  {"thirteen", 13}, {"fourteen", 14},
      {"fifteen", 15},  {"sixteen", 16},   {"seventeen", 17}, {"eighteen", 18}, {"nineteen", 19},
      {"twenty", 20},   {"thirty", 30},    {"forty", 40},   {"fourty", 40},   {"fifty", 50},
      {"sixty", 60},    {"seventy", 70},   {"eighty", 80},  {"ninety", 90}};
  auto it = kWords.find(w);
  return it == kWords.end() ? -1 : it->second;
}

// Roman numerals made of i, v, x only (fund and vessel series: "Partners VII"), 2..39.
int RomanValue(std::string_view w) {
  if (w.size() < 2 || w.size() > 6 || w == "xi") return -1;
  int total = 0;
  int prev = 0;
  for (auto it = w.rbegin(); it != w.rend(); ++it) {
    int v = *it == 'i' ? 1 : *it == 'v' ? 5 : *it == 'x' ? 10 : -1;
    if (v < 0) return -1;
    if (v < prev) {
      total -= v;
    } else {
      total += v;
      prev = v;
    }
  }
  // Reject non-canonical spellings ("iiii", "vx").
  static const char* kCanon[] = {"",      "i",     "ii",    "iii",    "iv",    "v",     "vi",    "vii",
                                 "viii",  "ix",    "x",     "xi",     "xii",   "xiii",  "xiv",   "xv",
                                 "xvi",   "xvii",  "xviii", "xix",    "xx",    "xxi",   "xxii",  "xxiii",
                                 "xxiv",  "xxv",   "xxvi",  "xxvii",  "xxviii", "xxix", "xxx",   "xxxi",
                                 "xxxii", "xxxiii", "xxxiv", "xxxv", "xxxvi", "xxxvii", "xxxviii", "xxxix"};
  if (total < 2 || total > 39 || w != kCanon[total]) return -1;
  return total;
}

std::string Deleet(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    switch (c) {
      case '0': c = 'o'; break;
      case '1': c = 'i'; break;
      case '3': c = 'e'; break;
      case '4': c = 'a'; break;
      case '5': c = 's'; break;
      case '7': c = 't'; break;
      case '8': c = 'b'; break;
      case '9': c = 'g'; break;
      case '2': c = 'z'; break;
      case '6': c = 'g'; break;
      default: break;
    }
  }
  return out;
}

bool IsPatronymic(std::string_view t) {
  static const char* kSuffixes[] = {"ovich", "evich", "ovych", "evych", "ovna",   "evna",   "ichna",  "ogly",
                                    "oglu",  "ogli",  "kyzy",  "qizi",  "ovitch", "evitch", "ovits",  "evits",
                                    "owitsch", "ewitsch", "owitsj", "ovitsj"};
  if (t.size() < 7) return false;
  for (const char* suf : kSuffixes) {
    std::string_view s(suf);
    if (t.size() > s.size() + 2 && t.substr(t.size() - s.size()) == s) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------------
// Tokenisation of the folded text into raw words.

struct RawWord {
  std::string text;        // folded UTF-8
  int32_t start = 0;       // code-point offsets in the folded text
  int32_t end = 0;         // one past the last code point
  UChar32 delim = ' ';     // the character that ended the word
  bool single_letter = false;
  bool hyphen_after = false;
};

bool IsApostrophe(UChar32 c) {
  return c == 0x27 || c == 0x2019 || c == 0x2018 || c == 0x60 || c == 0xB4 || c == 0x2032 ||
         (c >= 0x2B9 && c <= 0x2BF) || c == 0x2C8 || c == 0x200C || c == 0x200D || c == 0xAD ||
         c == 0x640 || c == 0x5F3 || c == 0x5F4;
}

std::vector<RawWord> SplitWords(std::string_view folded) {
  std::vector<RawWord> words;
  RawWord cur;
  int letters = 0;
  int32_t cp_index = 0;
  auto flush = [&](UChar32 delim) {
    if (!cur.text.empty()) {
      cur.end = cp_index;
      cur.delim = delim;
      cur.single_letter = letters == 1;
      cur.hyphen_after = delim == '-' || delim == 0x2010 || delim == 0x2011 || delim == 0x2013;
      words.push_back(std::move(cur));
    }
    cur = RawWord();
    letters = 0;
  };
  int32_t i = 0;
  const int32_t n = static_cast<int32_t>(folded.size());
  const auto* s = reinterpret_cast<const uint8_t*>(folded.data());
  while (i < n) {
    UChar32 c;
    U8_NEXT(s, i, n, c);
    if (c < 0) {
      ++cp_index;
      continue;
    }
    if (IsApostrophe(c)) {
      ++cp_index;
      continue;
    }
    int8_t cat = u_charType(c);
    bool letter = (cat >= U_UPPERCASE_LETTER && cat <= U_OTHER_LETTER);
    bool mark = cat == U_NON_SPACING_MARK || cat == U_ENCLOSING_MARK || cat == U_COMBINING_SPACING_MARK;
    bool digit = cat == U_DECIMAL_DIGIT_NUMBER;
    if (letter && cat == U_MODIFIER_LETTER && c < 0x3000) {  // ʻ ʼ ˈ and friends: like apostrophes
      ++cp_index;
      continue;
    }
    if (letter || mark || digit) {
      if (cur.text.empty()) cur.start = cp_index;
      if (digit && c >= 0x80) {
        cur.text.push_back(static_cast<char>('0' + u_charDigitValue(c)));
      } else {
        AppendUtf8(cur.text, c);
      }
      if (letter || digit) ++letters;
      ++cp_index;
      continue;
    }
    if (c == '&') {
      flush(' ');
      RawWord amp;
      amp.text = "and";
      amp.start = cp_index;
      amp.end = cp_index + 1;
      words.push_back(std::move(amp));
      ++cp_index;
      continue;
    }
    flush(c);
    ++cp_index;
  }
  flush(' ');
  // Dotted acronyms: "l.l.c.", "s.a.r.l.", "n.a.", "a/s" -> one word.
  std::vector<RawWord> merged;
  for (size_t k = 0; k < words.size(); ++k) {
    RawWord w = words[k];
    if (w.single_letter && (w.delim == '.' || w.delim == '/')) {
      size_t j = k + 1;
      RawWord acc = w;
      while (j < words.size() && words[j].single_letter && words[j].start == acc.end + 1 &&
             (acc.delim == '.' || acc.delim == '/')) {
        acc.text += words[j].text;
        acc.end = words[j].end;
        acc.delim = words[j].delim;
        acc.hyphen_after = words[j].hyphen_after;
        ++j;
      }
      if (j > k + 1) {
        acc.single_letter = false;
        merged.push_back(std::move(acc));
        k = j - 1;
        continue;
      }
    }
    merged.push_back(std::move(w));
  }
  return merged;
}

struct PendingToken {
  std::string text;
  std::vector<std::string> alts;
  std::string original;
  TokenScript script = TokenScript::kLatin;
  bool hyphen_after = false;
  bool single_letter = false;
};

void RomaniseWordUncached(const RawWord& w, TokenScript script, std::vector<PendingToken>& out);

void RomaniseWord(const RawWord& w, std::vector<PendingToken>& out) {
  TokenScript script = WordScript(w.text);
  if (script == TokenScript::kLatin) {
    RomaniseWordUncached(w, script, out);
    return;
  }
  // Transliteration is slow and name words repeat: remember each thread's recent romanisations.
  thread_local std::unordered_map<std::string, std::vector<PendingToken>> cache;
  auto it = cache.find(w.text);
  if (it == cache.end()) {
    if (cache.size() >= 50000) cache.clear();
    RawWord plain = w;
    plain.hyphen_after = false;
    std::vector<PendingToken> tokens;
    RomaniseWordUncached(plain, script, tokens);
    it = cache.emplace(w.text, std::move(tokens)).first;
  }
  size_t first = out.size();
  out.insert(out.end(), it->second.begin(), it->second.end());
  if (out.size() > first) out.back().hyphen_after = w.hyphen_after;
}

void RomaniseWordUncached(const RawWord& w, TokenScript script, std::vector<PendingToken>& out) {
  if (script == TokenScript::kLatin) {
    PendingToken t;
    t.text = LatinToAscii(w.text);
    if (t.text.empty()) return;
    AddUnique(t.alts, GermanUmlauts(w.text));
    if (!t.alts.empty() && t.alts[0] == t.text) t.alts.clear();
    t.hyphen_after = w.hyphen_after;
    t.single_letter = w.single_letter && t.text.size() == 1;
    out.push_back(std::move(t));
    return;
  }
  if (script == TokenScript::kHan || script == TokenScript::kHangul) {
    // One token per character (syllable): Chinese and Korean names are written syllable by syllable.
    int32_t i = 0;
    const int32_t n = static_cast<int32_t>(w.text.size());
    const auto* s = reinterpret_cast<const uint8_t*>(w.text.data());
    bool first = true;
    while (i < n) {
      int32_t begin = i;
      UChar32 c;
      U8_NEXT(s, i, n, c);
      std::string ch(w.text.substr(static_cast<size_t>(begin), static_cast<size_t>(i - begin)));
      TokenScript cs = ScriptOf(c);
      PendingToken t;
      t.original = ch;
      t.script = cs == TokenScript::kLatin ? script : cs;
      std::vector<std::string> forms;
      if (cs == TokenScript::kHangul) {
        forms = HangulForms(ch, first);
      } else if (cs == TokenScript::kHan) {
        for (const auto& id : TransliteratorsFor(TokenScript::kHan, ch)) {
          std::string r = CleanAscii(Transliterate(ch, id));
          r.erase(std::remove(r.begin(), r.end(), ' '), r.end());
          AddUnique(forms, r);
        }
      } else {
        AddUnique(forms, LatinToAscii(ch));
      }
      first = false;
      if (forms.empty()) continue;
      t.text = forms[0];
      t.alts.assign(forms.begin() + 1, forms.end());
      out.push_back(std::move(t));
    }
    if (!out.empty()) out.back().hyphen_after = w.hyphen_after;
    return;
  }
  std::string source = script == TokenScript::kArabic ? PrepareArabic(w.text) : w.text;
  std::vector<std::vector<std::string>> forms;  // per transliterator: words
  for (const auto& id : TransliteratorsFor(script, w.text)) {
    std::vector<std::string> words = SplitSpaces(CleanAscii(Transliterate(source, id)));
    if (words.empty()) continue;
    bool dup = false;
    for (const auto& f : forms) dup = dup || f == words;
    if (!dup) forms.push_back(std::move(words));
  }
  if (forms.empty()) {
    // No romanisation (e.g. Khmer): keep the original-script word as the token.
    PendingToken t;
    t.text = w.text;
    t.original = w.text;
    t.script = script;
    t.hyphen_after = w.hyphen_after;
    out.push_back(std::move(t));
    return;
  }
  // Greek: ντ, μπ, γκ are d, b, g in modern names (Βλαντίμιρ is Vladimir).
  if (script == TokenScript::kGreek) {
    std::vector<std::string> modern = forms[0];
    bool changed = false;
    for (auto& word : modern) {
      std::string r;
      for (size_t i = 0; i < word.size(); ++i) {
        if (i + 1 < word.size() && ((word[i] == 'n' && word[i + 1] == 't') || (word[i] == 'm' && word[i + 1] == 'p') ||
                                    (word[i] == 'n' && word[i + 1] == 'k') || (word[i] == 'g' && word[i + 1] == 'k'))) {
          r += word[i + 1] == 't' ? 'd' : word[i + 1] == 'p' ? 'b' : 'g';
          ++i;
          changed = true;
        } else {
          r += word[i];
        }
      }
      word = r;
    }
    if (changed) forms.push_back(std::move(modern));
  }
  // Indic scripts: a word-final inherent vowel after a single consonant is silent (व्लादिमीर is Vladimir, not
  // Vladimira); consonant clusters keep it (Narendra).
  if (IsIndic(w.text)) {
    std::vector<std::string> spoken = forms[0];
    bool changed = false;
    for (auto& word : spoken) {
      const size_t n = word.size();
      if (n >= 4 && word[n - 1] == 'a' && !IsVowel(word[n - 2]) && IsVowel(word[n - 3]) && word[n - 2] != 'h') {
        word.pop_back();
        changed = true;
      }
    }
    if (changed) forms.insert(forms.begin(), std::move(spoken));
  }
  const auto& primary = forms[0];
  // Arabic: the article is written attached (الرحمن -> alrhmn); split it off like "al-rahman".
  if (script == TokenScript::kArabic && primary.size() == 1 && primary[0].size() >= 5 &&
      primary[0].compare(0, 2, "al") == 0 && w.text.compare(0, 4, "\xD8\xA7\xD9\x84") == 0) {
    PendingToken article;
    article.text = "al";
    article.original = "\xD8\xA7\xD9\x84";
    article.script = script;
    article.hyphen_after = true;
    out.push_back(std::move(article));
    PendingToken t;
    t.text = primary[0].substr(2);
    t.original = w.text;
    t.script = script;
    t.hyphen_after = w.hyphen_after;
    out.push_back(std::move(t));
    return;
  }
  for (size_t k = 0; k < primary.size(); ++k) {
    PendingToken t;
    t.text = primary[k];
    t.single_letter = w.single_letter && primary.size() == 1;  // "В. В. Путин"
    t.original = w.text;
    t.script = script;
    for (size_t f = 1; f < forms.size(); ++f) {
      if (forms[f].size() == primary.size()) AddUnique(t.alts, forms[f][k]);
    }
    t.alts.erase(std::remove(t.alts.begin(), t.alts.end(), t.text), t.alts.end());
    t.hyphen_after = k + 1 == primary.size() ? w.hyphen_after : false;
    out.push_back(std::move(t));
  }
}

}  // namespace

// -----------------------------------------------------------------------------------------------------------
// Public API.

std::string_view TokenKindName(TokenKind kind) {
  switch (kind) {
    case TokenKind::kWord: return "word";
    case TokenKind::kNumber: return "number";
    case TokenKind::kInitial: return "initial";
    case TokenKind::kLegalForm: return "legal_form";
    case TokenKind::kOrgTerm: return "org_term";
    case TokenKind::kHonorific: return "honorific";
    case TokenKind::kParticle: return "particle";
    case TokenKind::kStopword: return "stopword";
  }
  return "word";
}

std::string_view TokenScriptName(TokenScript script) {
  switch (script) {
    case TokenScript::kLatin: return "Latn";
    case TokenScript::kCyrillic: return "Cyrl";
    case TokenScript::kArabic: return "Arab";
    case TokenScript::kHebrew: return "Hebr";
    case TokenScript::kGreek: return "Grek";
    case TokenScript::kHan: return "Hani";
    case TokenScript::kHangul: return "Hang";
    case TokenScript::kKana: return "Kana";
    case TokenScript::kOther: return "other";
  }
  return "other";
}

bool NormalizedName::has_strong() const {
  for (const auto& t : tokens) {
    if (!IsWeakKind(t.kind)) return true;
  }
  return false;
}

std::string FoldCase(std::string_view utf8) {
  if (IsAscii(utf8)) {
    std::string out(utf8);
    for (char& c : out) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
  }
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString folded = NfkcCasefold()->normalize(icu::UnicodeString::fromUTF8(utf8), status);
  if (U_FAILURE(status)) return std::string(utf8);
  return ToUtf8(folded);
}

std::string Transliterate(std::string_view utf8, std::string_view transliterator_id) {
  icu::Transliterator* t = ThreadTransliterator(transliterator_id);
  if (t == nullptr) return std::string(utf8);
  icu::UnicodeString s = icu::UnicodeString::fromUTF8(utf8);
  t->transliterate(s);
  return ToUtf8(s);
}

std::vector<std::string> Romanise(std::string_view utf8) {
  std::string folded = FoldCase(utf8);
  std::vector<RawWord> words = SplitWords(folded);
  std::vector<PendingToken> pending;
  for (const auto& w : words) RomaniseWord(w, pending);
  // Assemble whole-name forms: the primary, then each alternative applied where a token has one.
  std::vector<std::string> out;
  std::string primary;
  size_t max_alts = 0;
  for (const auto& t : pending) {
    if (!primary.empty()) primary += ' ';
    primary += t.text;
    max_alts = std::max(max_alts, t.alts.size());
  }
  AddUnique(out, primary);
  for (size_t a = 0; a < max_alts; ++a) {
    std::string s;
    for (const auto& t : pending) {
      if (!s.empty()) s += ' ';
      s += a < t.alts.size() ? t.alts[a] : t.text;
    }
    AddUnique(out, s);
  }
  return out;
}

std::string PhoneticSpelling(std::string_view s, bool keep_semivowels) {
  std::string out;
  out.reserve(s.size() + 2);
  const size_t n = s.size();
  auto at = [&](size_t i) -> char { return i < n ? s[i] : '\0'; };
  for (size_t i = 0; i < n; ++i) {
    char c = s[i];
    char c1 = at(i + 1);
    char c2 = at(i + 2);
    if (c == 's' && c1 == 'c' && c2 == 'h') {
      out += "sh";
      i += 2;
    } else if (c == 't' && c1 == 'c' && c2 == 'h') {
      out += "ch";
      i += 2;
    } else if (c == 'd' && c1 == 'z' && c2 == 'h') {
      out += 'j';
      i += 2;
    } else if (c == 'p' && c1 == 'h') {
      out += 'f';
      ++i;
    } else if (c == 'c' && c1 == 'k') {
      out += 'k';
      ++i;
    } else if (c == 's' && c1 == 'h') {
      out += "sh";
      ++i;
    } else if (c == 'c' && c1 == 'h') {
      out += "ch";
      ++i;
    } else if ((c == 'z' && c1 == 'h') || (c == 'd' && c1 == 'j')) {
      out += 'j';
      ++i;
    } else if (c == 'd' && c1 == 'h') {
      out += 'd';
      ++i;
    } else if (c == 't' && c1 == 'h') {
      out += 't';
      ++i;
    } else if (c == 'g' && c1 == 'h') {
      out += 'g';
      ++i;
    } else if (c == 'k' && c1 == 'h') {
      out += 'h';
      ++i;
    } else if (c == 't' && c1 == 'z') {
      out += 's';
      ++i;
    } else if ((c == 'o' && c1 == 'u') || (c == 'o' && c1 == 'o')) {
      out += 'u';
      ++i;
    } else if ((c == 'e' && c1 == 'e') || (c == 'i' && c1 == 'e' && i + 2 < n)) {
      out += 'i';
      ++i;
    } else if (c == 'q') {
      out += 'k';
    } else if (c == 'c') {
      out += (c1 == 'e' || c1 == 'i' || c1 == 'y') ? 's' : 'k';
    } else if (c == 'x') {
      out += i == 0 ? "sh" : "ks";
    } else if (c == 'w' && !keep_semivowels) {
      out += 'v';
    } else if (c == 'y' && !keep_semivowels) {
      out += 'i';
    } else if (c == 'z') {
      out += 's';
    } else {
      out += c;
    }
  }
  // Collapse repeated letters.
  std::string collapsed;
  collapsed.reserve(out.size());
  for (char c : out) {
    if (collapsed.empty() || collapsed.back() != c || IsDigit(c)) collapsed.push_back(c);
  }
  return collapsed;
}

std::string PhoneticKey(std::string_view s) {
  std::string spell = PhoneticSpelling(s);
  std::string key;
  auto cls = [](char c) -> char {
    switch (c) {
      case 'b': case 'p': return 'B';
      case 'f': case 'v': return 'F';
      case 'k': case 'g': return 'K';
      case 's': return 'S';
      case 'j': return 'J';
      case 'd': case 't': return 'T';
      case 'l': return 'L';
      case 'r': return 'R';
      case 'm': return 'M';
      case 'n': return 'N';
      case 'h': return 'H';
      default: return IsDigit(c) ? c : '\0';
    }
  };
  for (size_t i = 0; i < spell.size(); ++i) {
    char c = spell[i];
    char k;
    if ((c == 's' || c == 'c') && i + 1 < spell.size() && spell[i + 1] == 'h') {
      k = 'X';
      ++i;
    } else if (IsVowel(c)) {
      k = i == 0 ? 'A' : '\0';
      if (k == '\0') {
        if (!key.empty() && key.back() != '_') key.push_back('_');  // a vowel separates repeats
        continue;
      }
    } else {
      k = cls(c);
    }
    if (k == '\0') continue;
    if (!key.empty() && key.back() == '_') key.pop_back();
    if (key.empty() || key.back() != k) key.push_back(k);
  }
  if (!key.empty() && key.back() == '_') key.pop_back();
  return key;
}

namespace {

int ConsonantClass(char c) {
  switch (c) {
    case 'b': case 'p': return 1;
    case 'f': case 'v': return 2;
    case 'k': case 'g': case 'q': case 'c': return 3;
    case 's': case 'z': return 4;
    case 'd': case 't': return 5;
    case 'm': case 'n': return 6;
    case 'l': case 'r': return 7;
    case 'j': return 8;
    default: return 0;
  }
}

float SubCost(char x, char y, bool abjad) {
  if (x == y) return 0.0f;
  const bool vx = IsVowel(x), vy = IsVowel(y);
  if (abjad && (x == 'y' || y == 'y') && x != 'i' && x != 'e' && y != 'i' && y != 'e') return 0.6f;
  if (vx && vy) return abjad ? 0.1f : 0.5f;
  if (abjad) {
    // Arabic/Hebrew romanisations: w stands for u/o/v, y for i/e; no p or v.
    auto w_like = [](char c) { return c == 'u' || c == 'o' || c == 'v' || c == 'w' || c == 'f'; };
    auto y_like = [](char c) { return c == 'i' || c == 'e' || c == 'y'; };
    if ((x == 'v' || x == 'w') && w_like(y)) return 0.1f;
    if ((y == 'v' || y == 'w') && w_like(x)) return 0.1f;
    if ((x == 'y' || x == 'i') && y_like(y)) return 0.1f;
    if ((y == 'y' || y == 'i') && y_like(x)) return 0.1f;
    if ((x == 'b' && y == 'p') || (x == 'p' && y == 'b')) return 0.2f;
    if ((x == 'k' || x == 'q' || x == 'g') && (y == 'k' || y == 'q' || y == 'g')) return 0.4f;
    if ((x == 'j' && y == 'g') || (x == 'g' && y == 'j')) return 0.4f;
  }
  const int cx = ConsonantClass(x);
  if (cx != 0 && cx == ConsonantClass(y)) return 0.6f;
  if ((x == 'i' && y == 'j') || (x == 'j' && y == 'i')) return 0.6f;
  return 1.0f;
}

float IndelCost(std::string_view s, size_t i, bool abjad) {
  const char c = s[i];
  if ((i > 0 && s[i - 1] == c) || (i + 1 < s.size() && s[i + 1] == c)) return 0.3f;
  if (abjad) {
    // y and w are letters of the abjad (long vowels, diphthongs): dropping one changes the name,
    // dropping a short vowel does not.
    if (c == 'y' || c == 'w') return i + 1 == s.size() ? 1.0f : 0.6f;
    // A final long vowel is written in the abjad (Hosseini has one, Hossein not).
    if (IsVowel(c)) return i + 1 == s.size() && s.size() > 2 ? 0.6f : 0.1f;
    if (c == 'v' || c == 'h') return 0.25f;
  }
  if (c == 'h') return 0.5f;
  if (IsVowel(c)) return 0.8f;
  return 1.0f;
}

}  // namespace

double SpellingDistance(std::string_view a, std::string_view b, bool abjad, double max_distance) {
  const size_t n = a.size();
  const size_t m = b.size();
  constexpr size_t kMax = 64;
  if (n == 0 || m == 0 || n >= kMax || m >= kMax) return static_cast<double>(std::max(n, m));
  // Substitution costs for all byte pairs, computed once.
  struct Table {
    float cost[2][128][128];
    Table() {
      for (int ab = 0; ab < 2; ++ab) {
        for (int x = 0; x < 128; ++x) {
          for (int y = 0; y < 128; ++y) cost[ab][x][y] = SubCost(static_cast<char>(x), static_cast<char>(y), ab == 1);
        }
      }
    }
  };
  static const Table* table = new Table();
  const auto& sub = table->cost[abjad ? 1 : 0];
  float rows[3][kMax + 1];
  float* prev2 = rows[0];
  float* prev = rows[1];
  float* cur = rows[2];
  float ins_b[kMax];
  for (size_t j = 0; j < m; ++j) ins_b[j] = IndelCost(b, j, abjad);
  prev[0] = 0;
  for (size_t j = 1; j <= m; ++j) prev[j] = prev[j - 1] + ins_b[j - 1];
  const float limit = static_cast<float>(max_distance);
  for (size_t i = 1; i <= n; ++i) {
    const char ai = a[i - 1];
    const float del_a = IndelCost(a, i - 1, abjad);
    cur[0] = prev[0] + del_a;
    float row_min = cur[0];
    for (size_t j = 1; j <= m; ++j) {
      const char bj = b[j - 1];
      float best = prev[j - 1] + sub[ai & 0x7F][bj & 0x7F];
      best = std::min(best, prev[j] + del_a);
      best = std::min(best, cur[j - 1] + ins_b[j - 1]);
      if (i > 1 && j > 1 && ai == b[j - 2] && a[i - 2] == bj && ai != a[i - 2]) {
        best = std::min(best, prev2[j - 2] + 0.8f);
      }
      cur[j] = best;
      row_min = std::min(row_min, best);
    }
    if (row_min > limit) return row_min;  // every alignment passes through this row
    float* tmp = prev2;
    prev2 = prev;
    prev = cur;
    cur = tmp;
  }
  return prev[m];
}

NormalizedName NormalizeName(std::string_view name, Schema schema) {
  NormalizedName result;
  result.source = std::string(name);
  const bool person = schema == Schema::kPerson;
  const bool org_like = schema == Schema::kOrganisation || schema == Schema::kVessel ||
                        schema == Schema::kAircraft;

  std::string folded = FoldCase(name);
  std::vector<RawWord> words = SplitWords(folded);
  std::vector<PendingToken> pending;
  pending.reserve(words.size() + 2);
  for (const auto& w : words) RomaniseWord(w, pending);

  // Multi-word legal forms.
  std::vector<PendingToken> merged;
  merged.reserve(pending.size());
  for (size_t i = 0; i < pending.size();) {
    const Phrase* hit = nullptr;
    for (const auto& p : LegalPhrases()) {
      if (i + p.words.size() > pending.size()) continue;
      bool ok = true;
      for (size_t k = 0; k < p.words.size() && ok; ++k) ok = pending[i + k].text == p.words[k];
      if (ok && (hit == nullptr || p.words.size() > hit->words.size())) hit = &p;
    }
    if (hit != nullptr && !(person && hit->words.size() == 1)) {
      PendingToken t;
      t.text = hit->canonical;
      t.script = pending[i].script;
      merged.push_back(std::move(t));
      i += hit->words.size();
      continue;
    }
    merged.push_back(std::move(pending[i]));
    ++i;
  }

  // Number words: "forty 4" -> 44, "twenty one" -> 21.
  for (size_t i = 0; i < merged.size(); ++i) {
    int v = NumberWordValue(merged[i].text);
    if (v < 0) continue;
    if (v >= 20 && v % 10 == 0 && i + 1 < merged.size()) {
      int u = NumberWordValue(merged[i + 1].text);
      if (u < 0 && merged[i + 1].text.size() == 1 && IsDigit(merged[i + 1].text[0])) {
        u = merged[i + 1].text[0] - '0';
      }
      if (u >= 1 && u <= 9) {
        v += u;
        merged.erase(merged.begin() + static_cast<std::ptrdiff_t>(i) + 1);
      }
    }
    merged[i].alts.insert(merged[i].alts.begin(), merged[i].text);
    merged[i].text = std::to_string(v);
  }

  result.tokens.reserve(merged.size());
  bool seen_marker = false;
  for (auto& m : merged) {
    seen_marker = seen_marker || IsNasabMarker(m.text);
  }
  for (size_t i = 0; i < merged.size(); ++i) {
    PendingToken& p = merged[i];
    NameToken t;
    t.text = std::move(p.text);
    t.alts = std::move(p.alts);
    t.original = std::move(p.original);
    t.script = p.script;
    const std::string& x = t.text;
    if (t.script == TokenScript::kHan || t.script == TokenScript::kHangul) {
      // Chinese and Korean syllables are name parts, whatever they spell in Latin letters.
      t.spell = PhoneticSpelling(t.text);
      t.phonetic = PhoneticKey(t.text);
      result.tokens.push_back(std::move(t));
      continue;
    }
    auto legal = LegalForms().find(x);
    bool hyphen_particle = HyphenParticles().count(x) > 0;
    if (AllDigits(x)) {
      t.kind = TokenKind::kNumber;
      size_t nz = x.find_first_not_of('0');
      if (nz != 0 && nz != std::string::npos) AddUnique(t.alts, x.substr(nz));
    } else if (person && p.single_letter) {
      t.kind = TokenKind::kInitial;
    } else if (person && x.size() == 1 && t.script != TokenScript::kHan && t.script != TokenScript::kHangul) {
      t.kind = TokenKind::kInitial;
    } else if (schema == Schema::kVessel && merged.size() > 1 &&
               (x == "mv" || x == "mt" || x == "ms" || x == "ss" || x == "fv" || x == "mfv" || x == "tss" ||
                x == "rv" || x == "mts" || x == "sv" || x == "my" || x == "lng" || x == "lpg")) {
      t.kind = TokenKind::kHonorific;  // vessel prefixes (MV, MT ...)
    } else if (!org_like && Honorifics().count(x) &&
               (person || !PersonOnlyHonorifics().count(x)) && merged.size() > 1) {
      t.kind = TokenKind::kHonorific;
    } else if (Particles().count(x) && (!hyphen_particle || p.hyphen_after) && merged.size() > 1 &&
               !(org_like && (x == "as" || x == "ab" || x == "st"))) {
      t.kind = org_like && x != "al" && x != "el" && x != "abu" && x != "bin" && x != "ibn"
                   ? TokenKind::kStopword
                   : TokenKind::kParticle;
    } else if (legal != LegalForms().end() && (merged.size() > 1 || !person)) {
      t.kind = TokenKind::kLegalForm;
      t.legal_family = legal->second.family;
      if (x != legal->second.canonical) {
        AddUnique(t.alts, x);
        t.text = legal->second.canonical;
      }
    } else if (Stopwords().count(x) && merged.size() > 1) {
      t.kind = TokenKind::kStopword;
    } else if (!person && OrgTerms().count(x) && merged.size() > 1) {
      t.kind = TokenKind::kOrgTerm;
    } else if (!person && RomanValue(x) > 0) {
      t.kind = TokenKind::kNumber;
      AddUnique(t.alts, std::to_string(RomanValue(x)));
    } else if (!person && x.size() >= 12 && t.script == TokenScript::kLatin) {
      // A misspelt long legal form ("Aktiengeselschaft").
      for (const char* lf : {"aktiengesellschaft", "incorporated", "corporation", "gesellschaft"}) {
        std::string_view l(lf);
        if (x.size() + 2 >= l.size() && x.size() <= l.size() + 2 && SpellingDistance(x, l) <= 1.6) {
          auto it = LegalForms().find(std::string(l));
          if (it != LegalForms().end()) {
            t.kind = TokenKind::kLegalForm;
            t.legal_family = it->second.family;
            AddUnique(t.alts, x);
            t.text = it->second.canonical;
          }
          break;
        }
      }
    }
    if (t.kind == TokenKind::kWord) {
      // Letters with digits: a de-leeted alternative ("i9or" -> "igor").
      bool has_digit = false, has_alpha = false;
      for (char c : t.text) {
        has_digit = has_digit || IsDigit(c);
        has_alpha = has_alpha || IsLower(c);
      }
      if (has_digit && has_alpha) AddUnique(t.alts, Deleet(t.text));
      auto alt = AltForms().find(t.text);
      if (alt != AltForms().end()) {
        for (const auto& a : alt->second) AddUnique(t.alts, a);
      }
      auto nick = Nicknames().find(t.text);
      if (nick != Nicknames().end() && schema != Schema::kOrganisation) {
        for (const auto& a : nick->second) AddUnique(t.alts, a);
      }
      if (person && t.script != TokenScript::kHan && t.script != TokenScript::kHangul) {
        t.patronymic = IsPatronymic(t.text);
      }
    }
    if (t.kind == TokenKind::kParticle) {
      auto alt = AltForms().find(t.text);
      if (alt != AltForms().end()) {
        for (const auto& a : alt->second) AddUnique(t.alts, a);
      }
      auto nick = Nicknames().find(t.text);  // "ben" is also Benjamin
      if (nick != Nicknames().end() && person) {
        for (const auto& a : nick->second) AddUnique(t.alts, a);
      }
    }
    t.common = CommonNameParts().count(t.text) > 0;
    if (t.script == TokenScript::kLatin || !t.text.empty()) {
      t.spell = PhoneticSpelling(t.text, IsAbjad(t.script));
      t.phonetic = PhoneticKey(t.text);
    }
    result.tokens.push_back(std::move(t));
  }
  // Nasab roles: the word right before bin/ibn/ould is a person's own name, the word right after it the
  // father's ("Muhammad bin Salman"). Particles in between (al) are skipped.
  if (seen_marker && (person || schema == Schema::kUnknown)) {
    auto& toks = result.tokens;
    for (size_t i = 0; i < toks.size(); ++i) {
      if (!IsNasabMarker(toks[i].text)) continue;
      for (size_t k = i + 1; k < toks.size(); ++k) {
        if (toks[k].kind == TokenKind::kWord) {
          toks[k].role = NameRole::kFather;
          break;
        }
        if (toks[k].kind != TokenKind::kParticle) break;
      }
      for (size_t k = i; k-- > 0;) {
        if (toks[k].kind == TokenKind::kWord) {
          if (toks[k].role == NameRole::kNone) toks[k].role = NameRole::kOwn;
          break;
        }
        if (toks[k].kind != TokenKind::kParticle && toks[k].kind != TokenKind::kHonorific) break;
      }
    }
  }
  return result;
}

bool IsNickname(std::string_view token) { return Nicknames().count(std::string(token)) > 0; }

std::string DebugString(const NormalizedName& name) {
  std::string out;
  for (const auto& t : name.tokens) {
    if (!out.empty()) out += ' ';
    out += '[';
    out += t.text;
    if (!t.alts.empty()) {
      out += '|';
      for (size_t i = 0; i < t.alts.size(); ++i) {
        if (i) out += '/';
        out += t.alts[i];
      }
    }
    out += '|';
    out += TokenKindName(t.kind);
    if (t.script != TokenScript::kLatin) {
      out += '|';
      out += TokenScriptName(t.script);
    }
    if (t.role == NameRole::kFather) out += "|father";
    if (t.role == NameRole::kOwn) out += "|own";
    if (t.patronymic) out += "|patronymic";
    out += ']';
  }
  return out;
}

}  // namespace stm::screening
