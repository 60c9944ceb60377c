// Versioned restricted-party lists in the store: every import is a snapshot; entity bodies are stored
// once by content digest, so an unchanged entity costs one row per version.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "audit/audit.h"
#include "common/clock.h"
#include "screening/entity.h"
#include "screening/entity_json.h"
#include "screening/importers.h"
#include "store/db.h"

namespace stm::screening {

// What changed between two versions of one list, by the list's own ids.
struct ListDelta {
  std::vector<std::string> added;
  std::vector<std::string> removed;
  std::vector<std::string> changed;  // same id, different content
  nlohmann::json ToJson() const;
};

// `before` and `after` map source id -> content digest.
ListDelta ComputeDelta(const std::map<std::string, std::string>& before,
                       const std::map<std::string, std::string>& after);

struct ListVersion {
  int64_t id = 0;
  std::string list;
  std::string version;
  std::string format;
  std::string source;  // file path or URL it was read from
  TimePoint imported_at;
  std::string imported_by;
  int64_t entity_count = 0;
  int64_t added = 0, removed = 0, changed = 0;
  nlohmann::json report;
  bool current = false;
};
nlohmann::json ToJson(const ListVersion& v);

// Thread-safe (all state is in the store).
class ListStore {
 public:
  ListStore(store::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  // Records `imported` as the new current version of its list (one transaction, audited as
  // "list.import"), and returns it with the delta against the previous current version.
  // Entities sharing a source id within one file are kept under "<id>#2", "#3"... with a warning.
  Result<std::pair<ListVersion, ListDelta>> SaveVersion(const audit::Context& ctx, ImportedList imported,
                                                        const std::string& source);
  // Newest first; all lists, or one.
  Result<std::vector<ListVersion>> Versions(const std::optional<std::string>& list);
  // The current version of every list.
  Result<std::vector<ListVersion>> Current();
  // Every entity of every current list version.
  Result<std::vector<Entity>> CurrentEntities();
  // Entities of one list's current version with the given source ids (those that exist).
  Result<std::vector<Entity>> CurrentEntities(const std::string& list, const std::vector<std::string>& source_ids);

 private:
  store::Database& db_;
  const Clock& clock_;
};

}  // namespace stm::screening
