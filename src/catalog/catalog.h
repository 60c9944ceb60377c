// The control-list catalogue: regimes, versioned lists of entries as a tree (ECCN -> a/b/c -> 1/2),
// controlled chemicals by CAS number and the HS 2022 nomenclature, with what the importers found wrong
// in their sources.
#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace stm::catalog {

// The multilateral regime an entry implements (or national/unilateral).
enum class Regime {
  kNsg1,                // NSG Part 1 (trigger list), CCL category 0 x0xx nuclear entries
  kNsg2,                // NSG Part 2 (dual-use), x2xx
  kMtcr,                // Missile Technology Control Regime, x1xx
  kAustraliaGroup,      // x3xx, and 1C350/1C351/2B350-2B352 by text
  kCwc,                 // CWC schedules, x4xx
  kWassenaarDualUse,    // x0xx outside category 0
  kWassenaarMunitions,  // x5xx/x6xx munitions (600 series, 0A501...)
  kNational,            // x9xx: national / unilateral ("not elsewhere specified")
};
std::string_view RegimeId(Regime r);    // "nsg1" "nsg2" "mtcr" "ag" "cwc" "wa_du" "wa_ml" "national"
std::string_view RegimeName(Regime r);  // "NSG Part 1" ... "National (unilateral)"
std::optional<Regime> ParseRegime(std::string_view id);  // accepts RegimeId values

// One node of a list: an ECCN ("3A225") or one of its paragraphs ("2B350.a", "1C010.b.1").
struct ControlEntry {
  std::string code;    // as written in the list
  std::string parent;  // "" for a top-level entry
  Regime regime = Regime::kNational;
  std::string regime_basis;  // why: "numbering", "numbering; text cites NSG", "text: Australia Group" ...
  std::string heading;       // this node's own words (for an ECCN its heading)
  std::string text;          // this node's full wording including its sub-paragraphs
  std::vector<std::string> notes;            // "Note: ..." paragraphs attached to this node
  std::vector<std::string> technical_notes;  // "Technical Note: ..."
  std::vector<std::string> decontrol_notes;  // notes saying what the node "does not control"
  std::string related_controls;
  std::string related_definitions;
  std::vector<std::string> see_also;  // entry codes cited by related controls / notes
  std::vector<std::string> children;  // codes, in list order
  std::vector<std::string> hs_codes;  // correlated HS codes (6-digit or 4-digit)
  std::vector<std::string> cas;       // CAS numbers named in the text (valid check digit only)
  bool heading_only = false;          // the source gives only a heading
};

// A relation between entries of different regimes/lists, with where it came from.
struct CrossReference {
  std::string from;
  std::string to;
  std::string relation;  // "equivalent" | "broader" | "narrower" | "see_also"
  std::string provenance;
};

// A controlled chemical, keyed by CAS number.
struct Chemical {
  std::string cas;
  std::string name;
  std::vector<std::string> schedules;  // "CWC Schedule 2B10", "Australia Group precursor", ...
  std::vector<std::string> entries;    // control entries that name it: "1C350", "1C355" ...
  std::vector<std::string> hs_codes;
  std::vector<std::string> sources;  // file names it was read from
};

struct HsCode {
  std::string code;  // "8504", "850440" (digits only)
  std::string description;
  std::string parent;  // "" for a chapter
  int level = 0;       // 2, 4 or 6
};

// Something an importer refused or corrected, reported instead of silently passed on.
struct ImportIssue {
  std::string source;  // file name
  std::string where;   // record / row / code
  std::string message;
  std::string kind;  // short machine-readable category: "bad_cas", "tree_missing_paragraph", ...
  nlohmann::json ToJson() const;
};

struct ListInfo {
  std::string id;       // "us_ccl"
  std::string name;     // "US Commerce Control List (15 CFR 774 Supp. 1)"
  std::string version;  // "2026-07-23"
  std::string source;   // file it was read from
};

// Immutable once built; safe to share between threads for reading.
class Catalog {
 public:
  Catalog() = default;

  const ListInfo& list() const { return list_; }
  const std::vector<ControlEntry>& entries() const { return entries_; }  // list order, parents first
  const std::vector<Chemical>& chemicals() const { return chemicals_; }
  const std::vector<HsCode>& hs_codes() const { return hs_; }
  const std::vector<CrossReference>& cross_references() const { return cross_refs_; }
  const std::vector<ImportIssue>& issues() const { return issues_; }

  // Code lookup is case-insensitive ("3a225" finds "3A225"). nullptr when absent.
  const ControlEntry* Find(std::string_view code) const;
  const Chemical* FindChemical(std::string_view cas) const;
  const HsCode* FindHs(std::string_view code) const;  // dots/spaces ignored ("8504.40")
  // Entries correlated with an HS code or any of its prefixes/extensions at 4 and 6 digits.
  std::vector<const ControlEntry*> EntriesForHs(std::string_view code) const;
  std::vector<const ControlEntry*> EntriesForCas(std::string_view cas) const;
  std::vector<const CrossReference*> CrossReferencesOf(std::string_view code) const;

  // Builders (importers use these; they keep the indexes consistent).
  void SetList(ListInfo info) { list_ = std::move(info); }
  void AddEntry(ControlEntry e);
  void AddChemical(Chemical c);  // merges with an existing record of the same CAS number
  void AddHs(HsCode h);
  void AddCrossReference(CrossReference x);
  void AddIssue(ImportIssue i) { issues_.push_back(std::move(i)); }
  ControlEntry* MutableEntry(std::string_view code);

 private:
  ListInfo list_;
  std::vector<ControlEntry> entries_;
  std::map<std::string, size_t> by_code_;  // upper-cased code -> index
  std::vector<Chemical> chemicals_;
  std::map<std::string, size_t> by_cas_;
  std::vector<HsCode> hs_;
  std::map<std::string, size_t> by_hs_;
  std::vector<CrossReference> cross_refs_;
  std::vector<ImportIssue> issues_;
};

// True when `cas` is "digits-dd-d" with a correct check digit.
bool ValidCas(std::string_view cas);

// The regime implied by an entry's numbering alone ("3A225" -> kNsg2, "0A001" -> kNsg1, "0A501" ->
// kWassenaarMunitions); nullopt when the code is not an ECCN-like "dXddd..." code.
std::optional<Regime> RegimeFromNumbering(std::string_view code);

// Loads the default catalogue from a data directory laid out like ../shared/data
// (controls/us_ccl, controls/cwc_ag_chemicals, controls/hs) and the project's data/ directory
// (hs_correlation.json, cross_references.json). Missing optional files are reported as issues;
// a missing or unreadable CCL full-text file is an error.
struct LoadOptions {
  std::filesystem::path data_dir;      // ../shared/data
  std::filesystem::path project_data;  // the repository's data/
};
Result<Catalog> LoadCatalog(const LoadOptions& options);

}  // namespace stm::catalog
