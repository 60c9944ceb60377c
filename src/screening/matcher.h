// Name matching and screening against restricted-party lists.
//
// CompareNames scores two names in [0,1]: both are normalised into tokens (see normalize.h), query tokens are
// aligned to candidate tokens (exact, alias/abbreviation, phonetic, fuzzy, transliterated, split/joined,
// initials), each token weighs by its rarity and kind (legal forms, honorifics and particles weigh little),
// and unmatched tokens cost: a little when one name simply has more parts, a lot when both names have parts
// the other lacks (a conflict).
//
// ScreeningIndex holds all lists in memory and screens one query without a full scan: candidates come from
// postings over token terms, their deletion neighbourhoods (typos), phonetic keys (transliteration
// variants) and split/joined tokens, weighted by rarity; the best candidates are scored like CompareNames
// (with rarity from the index), then secondary evidence (schema, birth date, country, identifiers) raises or
// lowers the score. Every match carries an explanation.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "screening/entity.h"

namespace stm::screening {

// The one default decision threshold: a score at or above it is a potential match (an alert).
constexpr double kDefaultThreshold = 0.80;

// The name-only similarity of two names in [0,1]. `explanation`, when given, receives the token alignment.
double CompareNames(Schema schema, std::string_view a, std::string_view b, nlohmann::json* explanation = nullptr);

struct Query {
  std::string name;
  Schema schema = Schema::kUnknown;
  std::optional<PartialDate> birth_date;
  std::string country;  // ISO 3166 alpha-2 code or an English country name; empty: unknown
  std::vector<Identifier> identifiers;
};

struct ScreenOptions {
  double threshold = kDefaultThreshold;
  size_t limit = 10;
  std::vector<std::string> lists;  // list keys ("un", "ofac_sdn", "us_csl" matches "us_csl:..."); empty: all
};

struct Match {
  const Entity* entity = nullptr;  // owned by the index
  double score = 0;                // final score: name score adjusted by the evidence
  std::string matched_name;        // the entity's name (primary or alias) that matched best
  nlohmann::json explanation;      // tokens (how each matched), unmatched parts, evidence and its effect
};

class ScreeningIndex {
 public:
  // Builds the index over all entities (all lists together). Uses all cores.
  static std::shared_ptr<const ScreeningIndex> Build(std::vector<Entity> entities);

  ~ScreeningIndex();
  ScreeningIndex(const ScreeningIndex&) = delete;
  ScreeningIndex& operator=(const ScreeningIndex&) = delete;

  // Matches at or above `options.threshold`, best first, at most `options.limit`, one per entity.
  // Const and safe for concurrent callers.
  std::vector<Match> Screen(const Query& query, const ScreenOptions& options = {}) const;

  const std::vector<Entity>& entities() const;
  size_t name_count() const;    // indexed names (primary names and aliases)
  size_t term_count() const;    // distinct token terms
  size_t memory_bytes() const;  // approximate heap use of the index structures (entities excluded)

  struct Impl;

 private:
  explicit ScreeningIndex(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace stm::screening
