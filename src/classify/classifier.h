// Classification: from an item's description, parameters, CAS numbers and HS code to ranked candidate
// control entries, each with a verdict (controlled / possibly / not), the regime, a clause-by-clause
// explanation and the questions left open. Candidates come from the transcribed criteria (evaluated),
// CAS numbers named in entries and the chemicals lists, HS correlation, and full-text retrieval (BM25
// with domain synonyms) over every entry of the catalogue.
#pragma once

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/search.h"
#include "classify/criteria.h"
#include "common/status.h"

namespace stm::classify {

struct Candidate {
  std::string code;
  std::string regime;   // RegimeId ("nsg2", ...)
  std::string heading;  // the entry's words (from the catalogue or the transcription)
  Verdict verdict = Verdict::kPossibly;
  double score = 0;         // relevance in [0, 1]
  std::string explanation;  // human-readable, clause by clause
  nlohmann::json clauses;   // the same as a tree (criteria candidates), else null
  std::vector<OpenQuestion> open_questions;
  std::vector<std::string> missing_parameters;
  std::vector<std::string> sources;  // why it is a candidate: "criteria", "kind", "text", "cas", "hs"
  nlohmann::json ToJson() const;
};

struct Classification {
  std::vector<Candidate> candidates;            // best first: controlled, then possibly, then not; by score
  std::vector<std::string> unknown_parameters;  // names that match no registry parameter or synonym
  nlohmann::json ToJson() const;                // {"candidates": [...], "unknown_parameters": [...]}
};

// Immutable once built; Classify is const and thread-safe.
class Classifier {
 public:
  struct Sources {
    std::filesystem::path data_dir;      // ../shared/data (controls/...); empty or absent: criteria only
    std::filesystem::path project_data;  // the repository's data/
  };
  // Loads the catalogue (when the data directory has it), the criteria, the synonyms and builds the
  // text index. Catalogue import problems are kept in catalog().issues().
  static Result<std::shared_ptr<const Classifier>> Load(const Sources& sources);
  Classifier(std::shared_ptr<const catalog::Catalog> catalog, std::shared_ptr<const CriteriaSet> criteria,
             catalog::Synonyms synonyms);

  // InvalidArgument for bad items (unknown or incompatible units, malformed values), naming the field.
  Result<Classification> Classify(const Item& item, size_t limit = 10) const;

  const catalog::Catalog& catalog() const { return *catalog_; }
  const CriteriaSet& criteria() const { return *criteria_; }
  const catalog::TextIndex& index() const { return index_; }
  double load_seconds() const { return load_seconds_; }

 private:
  std::shared_ptr<const catalog::Catalog> catalog_;
  std::shared_ptr<const CriteriaSet> criteria_;
  catalog::Synonyms synonyms_;
  catalog::TextIndex index_;
  std::vector<std::string> known_aliases_;  // sorted normalised parameter names and synonyms
  std::vector<std::vector<std::string>>
      record_keys_;  // per criteria record: upper-cased code, then ancestors
  double load_seconds_ = 0;
};

}  // namespace stm::classify
