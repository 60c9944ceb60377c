// Name normalisation for restricted-party screening.
//
// A name becomes a sequence of tokens. Each token carries a primary romanised form (lower-case ASCII),
// other romanisations or canonical forms (`alts`), its original-script form when it was not Latin, a
// digraph-normalised spelling used for edit distances (`spell`), a vowel-blind phonetic key, and a kind:
// legal forms (LLC, GmbH, OOO...), honorifics (Mr, Haji, Sheikh...), particles (al, bin, van...) and stop
// words are WEAK tokens: they are kept (and can match) but weigh little. Digits are kept as tokens.
//
// Everything here is thread-safe: ICU transliterators are cloned per thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "screening/entity.h"

namespace stm::screening {

enum class TokenKind : uint8_t {
  kWord,       // an ordinary name part
  kNumber,     // digits, number words ("forty" -> "40") and, outside person names, roman numerals
  kInitial,    // a single letter of a person's name ("A. Khamenei")
  kLegalForm,  // LLC, Ltd, GmbH, OOO, ZAO, JSC, SA, Inc, Co., "limited liability company" ... (weak)
  kOrgTerm,    // group, holding, international, trading ... (weak)
  kHonorific,  // Mr, Dr, Haji, Sheikh, President, Monsieur ... (weak)
  kParticle,   // al, el, bin, ibn, abu, van, von, de ... (weak)
  kStopword,   // the, of, and, for (weak)
};
std::string_view TokenKindName(TokenKind kind);
inline bool IsWeakKind(TokenKind kind) { return kind >= TokenKind::kLegalForm; }

// The script a token was written in before romanisation.
enum class TokenScript : uint8_t { kLatin, kCyrillic, kArabic, kHebrew, kGreek, kHan, kHangul, kKana, kOther };
std::string_view TokenScriptName(TokenScript script);
// Abjads write few vowels: their romanisations are compared vowel-tolerantly.
inline bool IsAbjad(TokenScript script) {
  return script == TokenScript::kArabic || script == TokenScript::kHebrew;
}

// Position of a token in an Arabic-style nasab: "Muhammad bin Salman": muhammad is kOwn, salman kFather.
// Only set when the name has an explicit bin/ibn/ben/bint/ould marker.
enum class NameRole : uint8_t { kNone, kOwn, kFather };

// Legal-form families: two legal forms of different specific families (a GmbH is not an AG) conflict.
enum class LegalFamily : uint8_t { kNone, kGeneric, kLimitedLiability, kStock, kPartnership };

struct NameToken {
  std::string text;               // primary romanised form: lower-case ASCII letters and digits
  std::vector<std::string> alts;  // other romanisations and canonical/expanded forms
  std::string original;           // original-script form (NFKC case-folded) when the script is not Latin
  std::string spell;              // PhoneticSpelling(text), keeping y and w for abjad romanisations
  std::string phonetic;           // PhoneticKey(text)
  TokenKind kind = TokenKind::kWord;
  TokenScript script = TokenScript::kLatin;
  NameRole role = NameRole::kNone;
  LegalFamily legal_family = LegalFamily::kNone;
  bool patronymic = false;  // Russian-style patronymic (-ovich, -ovna, -ogly ...) in a person's name
  bool common = false;      // in the built-in table of very common name parts (Mohammad, Ali, John ...)
};

struct NormalizedName {
  std::string source;  // the input
  std::vector<NameToken> tokens;
  bool has_strong() const;  // any non-weak token
};

// Unicode NFKC with case folding (UTF-8 in and out; invalid bytes are dropped).
std::string FoldCase(std::string_view utf8);

// Runs an ICU transliterator ("Any-Latin; Latin-ASCII", "Russian-Latin/BGN" ...) over UTF-8 text.
// Transliterators are created once per process and cloned per thread. Unknown ids return the text unchanged.
std::string Transliterate(std::string_view utf8, std::string_view transliterator_id);

// Romanisations of a word or name in lower-case ASCII, the primary first, without duplicates: for Cyrillic
// BGN and ISO-9-like forms, for Han the Names and general pinyin readings, for Hangul Revised and
// McCune-Reischauer-like forms, for Latin the diacritic-free and German (ä -> ae) forms.
std::vector<std::string> Romanise(std::string_view utf8);

// A digraph-normalised spelling that keeps vowels (so it still distinguishes Hasan from Husein by distance):
// ph->f, ck/q/c(hard)->k, c(soft)->s, sch/sh->sh, dh->d, th->t, gh->g, kh->h, w->v, y->i, z->s, ou/oo->u,
// ee/ie->i, dj/zh->j, initial x->sh, other x->ks; repeated letters collapsed.
// `keep_semivowels`: leave y and w alone (romanisations of Arabic and Hebrew, where they are letters).
std::string PhoneticSpelling(std::string_view ascii_token, bool keep_semivowels = false);

// A vowel-blind phonetic key in the spirit of (double) metaphone: the first letter's class followed by the
// consonant classes of PhoneticSpelling, repeats collapsed. "Mohammed", "Muhammad", "Mohamad" -> "MHMT";
// "Qaddafi", "Gaddafi" -> "KTF".
std::string PhoneticKey(std::string_view ascii_token);

// Normalises a name into tokens. The schema decides what single letters, roman numerals and
// patronymics mean (persons) and which words are organisation terms.
NormalizedName NormalizeName(std::string_view name, Schema schema);

// Whether the token is a nickname or short form of given names ("ted", "sasha"); its full forms are in alts.
bool IsNickname(std::string_view token);

// "[text|alt1/alt2|kind|script]" per token, for tests and debugging.
std::string DebugString(const NormalizedName& name);

// Weighted edit distance between two ASCII strings: vowel-for-vowel and same-class consonant substitutions,
// doubled letters and 'h' are cheap; adjacent transpositions count once. `abjad`: vowels, y and w are
// nearly free (one string is the romanisation of an abjad that writes few vowels). Once the distance must
// exceed `max_distance` the computation stops and returns a value above it.
double SpellingDistance(std::string_view a, std::string_view b, bool abjad = false, double max_distance = 1e9);

}  // namespace stm::screening
