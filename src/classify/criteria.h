// Machine-checkable control criteria: ALL / ANY / NOT trees over parameter predicates (with units),
// judgement questions, references to other entries, "kind of item" and CAS-number nodes; evaluated
// three-valued with a clause-by-clause explanation. The file format is described in
// data/criteria/README.md.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "classify/parameters.h"
#include "common/status.h"

namespace stm::classify {

enum class Truth { kFalse, kTrue, kUnknown };
std::string_view TruthName(Truth t);  // "false" "true" "unknown"

struct Node {
  enum class Kind { kAll, kAny, kNot, kCompare, kBetween, kIn, kIs, kAsk, kRef, kKind, kCas };
  Kind kind = Kind::kAll;
  std::string src;  // the list's words
  std::vector<Node> children;
  // Parameter predicates.
  const ParameterDef* param = nullptr;
  std::string op;  // ">", ">=", "<", "<=", "==" (compare)
  double value = 0;
  std::optional<double> min, max;
  bool min_inclusive = true, max_inclusive = true;
  std::string unit;     // the predicate's unit as written
  double value_si = 0;  // thresholds in SI, for comparison
  std::optional<double> min_si, max_si;
  Unit parsed_unit;
  std::vector<std::string> set;                       // normalised enum values / CAS numbers
  std::vector<std::vector<std::string>> set_phrases;  // Words(set[i])
  bool bool_value = true;
  // ask / ref.
  std::string id;  // ask id, or referenced code
  std::string question;
};

struct Decontrol {
  std::string src;
  Node expr;
};

struct TestCase {
  std::string name;
  Item item;
  std::string expect;  // "controlled" | "not" | "review"
};

struct CriteriaRecord {
  std::string code;
  std::string regime;
  std::string title;
  std::vector<std::string> kinds;                      // as written
  std::vector<std::string> normalized_kinds;           // NormalizeName(kinds)
  std::vector<std::vector<std::string>> kind_phrases;  // Words(normalized_kinds[i])
  Node criteria;
  std::vector<Decontrol> decontrols;
  std::vector<std::string> hs;
  std::string notes;
  nlohmann::json source;  // provenance: list, version, file
  std::string file;       // data file it was read from
  std::vector<TestCase> tests;
};

enum class Verdict { kControlled, kPossibly, kNot };
std::string_view VerdictName(Verdict v);  // "controlled" "possibly" "not"

// One clause of the explanation tree.
struct ClauseResult {
  Truth truth = Truth::kUnknown;
  std::string src;
  std::string detail;  // "output frequency 599 Hz < 600 Hz", "missing: output_frequency"
  std::vector<ClauseResult> children;
  std::string missing;  // the parameter this leaf lacks
  struct Question {
    std::string id, question;
  } question;  // the question this leaf leaves open
  nlohmann::json ToJson() const;
};

struct OpenQuestion {
  std::string id;  // answer key
  std::string question;
  nlohmann::json ToJson() const { return {{"id", id}, {"question", question}}; }
};

struct Evaluation {
  const CriteriaRecord* record = nullptr;
  Verdict verdict = Verdict::kPossibly;
  ClauseResult criteria;
  std::vector<ClauseResult> decontrols;
  std::string decided_by;  // one sentence: which clause decided
  std::vector<std::string> missing_parameters;
  std::vector<OpenQuestion> open_questions;
  int facts_used = 0;  // predicates that found a stated parameter
  bool kind_matched = false;
  bool cas_matched = false;
  bool explain = true;  // build clause texts (off for the classifier's relevance pass)     // a CAS node
                        // found one of the item's CAS numbers
  std::string Explain() const;  // human-readable, clause by clause
};

// Every transcribed record plus the parameter registry. Immutable once loaded; thread-safe reads.
class CriteriaSet {
 public:
  // Loads data/parameters.json and every data/criteria/*.json under `project_data` (sorted by name).
  static Result<std::shared_ptr<const CriteriaSet>> LoadDirectory(const std::filesystem::path& project_data);
  // Loads parameters.json from `project_data` plus the given files only.
  static Result<std::shared_ptr<const CriteriaSet>> LoadFiles(
      const std::filesystem::path& project_data, const std::vector<std::filesystem::path>& files);
  // Builds from JSON documents already in memory (tests): file name -> document.
  static Result<std::shared_ptr<const CriteriaSet>> FromJson(
      const nlohmann::json& parameters, const std::vector<std::pair<std::string, nlohmann::json>>& files);

  const ParameterRegistry& registry() const { return registry_; }
  const std::vector<CriteriaRecord>& records() const { return records_; }
  const CriteriaRecord* Find(std::string_view code) const;
  // The first record for a paragraph below `code` ("2B350" -> "2B350.a"); nullptr when none.
  const CriteriaRecord* FirstBelow(std::string_view code) const;

  // `explain` false skips the clause texts (a fast relevance pass): verdict, facts_used, kind_matched and
  // cas_matched are the same either way.
  Evaluation Evaluate(const CriteriaRecord& record, const PreparedItem& item, bool explain = true) const;

 private:
  Status AddFile(const std::string& file, const nlohmann::json& doc);
  Evaluation EvaluateAt(const CriteriaRecord& record, const PreparedItem& item, int depth,
                        bool explain) const;
  Truth Eval(const Node& n, const PreparedItem& item, const CriteriaRecord& record, Evaluation& ev,
             ClauseResult& out, int depth) const;

  ParameterRegistry registry_;
  std::vector<CriteriaRecord> records_;
  std::map<std::string, size_t> by_code_;  // upper-cased
};

// Runs a record's tests; returns one line per failure ("3A225 'just below 600 Hz': expected not,
// got possibly\n<explanation>").
std::vector<std::string> RunTests(const CriteriaSet& set, const CriteriaRecord& record);

}  // namespace stm::classify
