// Versioned, forward-only schema migrations with checksums.
#pragma once

#include <string>
#include <vector>

#include "common/clock.h"
#include "store/db.h"

namespace stm::store {

struct Migration {
  int version;       // 1, 2, 3...: applied in order, never reused
  std::string name;  // short description
  std::string sql;   // statements in the database's dialect
};

struct AppliedMigration {
  int version;
  std::string name;
  std::string checksum;
  TimePoint applied_at;
};

// The project's migrations for a dialect ("sqlite"). Append only: an applied migration must never change.
const std::vector<Migration>& ProjectMigrations(std::string_view dialect);

// Applies every migration not yet applied, each in its own write transaction with its bookkeeping row.
// Refuses (kFailedPrecondition, naming the migration) when an applied migration's checksum differs
// from the code's, or when the database has a migration this build does not know (newer binary needed).
// Returns the versions applied by this call.
Result<std::vector<int>> Migrate(Database& db, const std::vector<Migration>& migrations, const Clock& clock);

Result<std::vector<AppliedMigration>> AppliedMigrations(Database& db);

}  // namespace stm::store
