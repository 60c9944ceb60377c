// Versioned control lists in the store: every import of a catalogue (one list, e.g. "us_ccl") is a version;
// entry bodies are stored once by content digest, so an unchanged entry costs one row per version and the
// delta between any two versions (added, removed, changed codes) is exact.
//
// Re-import: importing a (list, version) that is already stored with the same content is a no-op that
// returns the stored version (SaveResult::already_imported, no new row, no audit event, the current
// version is not changed). The same (list, version) with different content is refused with
// kAlreadyExists: a list version names one text, so a corrected source needs a new version label.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "audit/audit.h"
#include "catalog/catalog.h"
#include "common/clock.h"
#include "store/db.h"

namespace stm::catalog {

// What changed between two versions of one list, by entry code.
struct ControlListDelta {
  std::vector<std::string> added;    // in the newer version's list order
  std::vector<std::string> removed;  // in the older version's list order
  std::vector<std::string> changed;  // same code, different content; newer version's order
  nlohmann::json ToJson() const;     // counts only
};

struct ControlListVersion {
  int64_t id = 0;
  std::string list;     // "us_ccl"
  std::string name;     // "US Commerce Control List (15 CFR 774 Supp. 1)"
  std::string version;  // "2026-07-23"
  std::string source;   // file or URL it was read from
  TimePoint imported_at;
  std::string imported_by;
  int64_t entry_count = 0;
  int64_t added = 0, removed = 0, changed = 0;  // against the version that was current before it
  nlohmann::json report;  // counts of chemicals/HS codes/cross references, import issues, duplicates
  std::string digest;     // SHA-256 over the (code, entry digest) pairs in list order
  bool current = false;
};
nlohmann::json ToJson(const ControlListVersion& v);

struct SaveResult {
  ControlListVersion version;
  ControlListDelta delta;         // against the previously current version (all added for the first)
  bool already_imported = false;  // the same version with the same content was stored before: nothing written
};

// One changed entry, old and new wording.
struct ChangedEntry {
  std::string code;
  std::string old_heading, new_heading;
  std::string old_text, new_text;
};

// The answer to GET /v1/controls/diff?list=&from=&to=.
struct ControlDiff {
  ControlListVersion from;
  ControlListVersion to;
  std::vector<std::string> added;
  std::vector<std::string> removed;
  std::vector<ChangedEntry> changed;
  nlohmann::json ToJson() const;
};

// The stored form of an entry (every field of ControlEntry) and back.
nlohmann::json EntryToJson(const ControlEntry& e);
Result<ControlEntry> EntryFromJson(const nlohmann::json& j);
// SHA-256 of the stored form.
std::string EntryDigest(const ControlEntry& e);

// `before` and `after` are (code, digest) pairs in list order.
ControlListDelta ComputeControlDelta(const std::vector<std::pair<std::string, std::string>>& before,
                                     const std::vector<std::pair<std::string, std::string>>& after);

// Thread-safe (all state is in the store).
class CatalogStore {
 public:
  CatalogStore(store::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  // Records `catalog`'s entries as the new current version of its list (catalog.list().id and .version
  // must be set), in one transaction audited as "controls.import" (target "controls:<list>"); see the
  // header comment for re-imports. Entries whose code repeats (case-insensitively) are kept once, the
  // first, and reported in the version's report.
  Result<SaveResult> SaveVersion(const audit::Context& ctx, const Catalog& catalog,
                                 const std::string& source);

  // Newest first; all lists, or one.
  Result<std::vector<ControlListVersion>> Versions(const std::optional<std::string>& list = std::nullopt);
  // One stored version by its label; kNotFound naming it.
  Result<ControlListVersion> Version(const std::string& list, const std::string& version);
  // The entries of a stored version, in list order.
  Result<std::vector<ControlEntry>> Entries(const std::string& list, const std::string& version);

  // What changed from `from_version` to `to_version` ("from" is taken as the old side whatever the import
  // order, so swapping them swaps added and removed); for changed entries the old and new heading and text
  // (an entry whose notes, HS codes etc. changed but not its wording is listed with equal old and new).
  // kNotFound naming the version when either is not stored for the list.
  Result<ControlDiff> Diff(const std::string& list, const std::string& from_version,
                           const std::string& to_version);

 private:
  store::Database& db_;
  const Clock& clock_;
};

}  // namespace stm::catalog
