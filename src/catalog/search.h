// Full-text retrieval over control-list entries: BM25F over each entry's code, heading, its ancestors'
// headings, text and notes, with a light English analyser and domain synonyms.
//
// Analysis (the same for entries, synonym phrases and queries):
//  - UTF-8 is decoded leniently (invalid bytes separate words); ASCII is lower-cased; typographic
//    characters are folded (“ ” ‘ ’ – — − × µ, no-break spaces, ligatures, Latin-1 accents); other
//    non-ASCII letters are kept as they are (Greek and Cyrillic capitals lower-cased);
//  - words split on anything but letters and digits; a '.' between letters/digits is kept inside a word
//    that has a digit, so codes ("2B350.a") and decimals ("0.2") stay whole;
//  - English stop words and single letters are dropped;
//  - light stemming: plurals (-s, -es, -ies), -ed, -ing, a final -e and a doubled final consonant, and
//    British/American spellings (fibre/fiber, aluminium/aluminum, sulphur/sulfur, -ise/-ize ...).
// Synonyms: each group of words or phrases (data/synonyms.json) is one concept. Wherever an entry or a
// query contains one of a group's phrases (as consecutive analysed words), the concept is indexed as an
// extra term besides the words themselves, so "VFD" finds "frequency changers" and
// "glass-lined reaction vessel" finds "reactors".
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "catalog/catalog.h"
#include "common/status.h"

namespace stm::catalog {

// Groups of interchangeable words and phrases, as written (analysis happens when an index is built).
class Synonyms {
 public:
  Synonyms() = default;

  // {"groups": [["inverter", "frequency changer", ...], {"domain": "...", "terms": [...]}, ...]}.
  // A group is an array of strings or an object with "terms"; other keys are ignored.
  static Result<Synonyms> FromJson(const nlohmann::json& j);

  // Adds a group; empty strings are ignored and a group needs at least one term.
  Status AddGroup(std::vector<std::string> terms);

  const std::vector<std::vector<std::string>>& groups() const { return groups_; }
  size_t size() const { return groups_.size(); }

 private:
  std::vector<std::vector<std::string>> groups_;
};

// Reads a synonyms file (see Synonyms::FromJson). Errors name the file.
Result<Synonyms> LoadSynonyms(const std::filesystem::path& path);

// The analyser, exposed for tests and for callers that want to show what a query became.
struct AnalysedToken {
  std::string term;     // stemmed, e.g. "vessel"
  std::string surface;  // folded word as written, e.g. "vessels"
};
std::vector<AnalysedToken> AnalyseText(std::string_view text);
// One word, already split: folded, stemmed; "" for a stop word.
std::string StemWord(std::string_view word);

// An inverted index over one catalogue. Immutable after Build; Search is const and safe to call from
// any number of threads. It keeps pointers into the catalogue, which must outlive it (and not change).
class TextIndex {
 public:
  // BM25F parameters.
  static constexpr double kK1 = 1.2;
  static constexpr double kB = 0.75;
  // Field weights: a word in the heading counts three times one in the text.
  static constexpr double kCodeWeight = 4.0;     // the entry's own code ("2b350.a")
  static constexpr double kHeadingWeight = 3.0;  // the node's own words
  static constexpr double kContextWeight = 0.6;  // the headings of its ancestors
  static constexpr double kTextWeight = 1.0;     // full wording with sub-paragraphs
  static constexpr double kNotesWeight = 0.5;    // notes, technical notes, decontrol notes
  // Queries longer than this are cut (at a word boundary where possible); at most kMaxQueryTerms distinct
  // words and phrases are used.
  static constexpr size_t kMaxQueryBytes = 4096;
  static constexpr size_t kMaxQueryTerms = 64;

  struct Hit {
    const ControlEntry* entry = nullptr;
    double score = 0;
    // What matched, in query order: the query's words as folded ("vessels"), and for a synonym match
    // "<query phrase>~<the group's first other term>" ("vfd~inverter", "gyroscope~gyro") unless the word
    // itself matched too.
    std::vector<std::string> matched_terms;
  };

  TextIndex() = default;  // empty: every search finds nothing
  static TextIndex Build(const Catalog& catalog, const Synonyms& synonyms);

  // Best `limit` entries for the query, best first (ties in list order); only entries of `regime` when
  // given. An empty query or one with only stop words finds nothing.
  std::vector<Hit> Search(std::string_view query, size_t limit, std::optional<Regime> regime = {}) const;

  size_t size() const { return docs_.size(); }
  size_t term_count() const { return postings_.size(); }

 private:
  static constexpr size_t kFields = 5;  // code, heading, context, text, notes

  struct Posting {
    uint32_t doc;
    uint16_t tf[kFields];
  };
  struct Doc {
    const ControlEntry* entry;
    uint32_t length[kFields];
  };
  struct Phrase {
    std::vector<std::string> terms;  // analysed
    std::vector<uint32_t> groups;
  };
  struct QueryTerm {
    std::string term;     // indexed term (a word, or a concept key)
    std::string display;  // what matched_terms shows
    uint64_t covers =
        0;  // bit i set: the query's i-th word is part of it (so a word match hides the synonym)
    bool synonym = false;
  };

  // Appends the concept keys of the synonym phrases found in `terms` (leftmost-longest per group).
  // `spans` receives, for each concept, [first, last) positions in `terms`.
  void FindConcepts(const std::vector<std::string>& terms, std::vector<std::string>* concepts,
                    std::vector<std::pair<size_t, size_t>>* spans, std::vector<uint32_t>* groups) const;
  std::vector<QueryTerm> AnalyseQuery(std::string_view query) const;

  std::vector<Doc> docs_;
  std::unordered_map<std::string, std::vector<Posting>> postings_;
  double avg_length_[kFields] = {};
  std::unordered_map<std::string, std::vector<Phrase>> phrases_;  // by first analysed term
  // Each group's terms: analysed key ("frequenc chang ") and the term as written.
  std::vector<std::vector<std::pair<std::string, std::string>>> group_terms_;
};

}  // namespace stm::catalog
