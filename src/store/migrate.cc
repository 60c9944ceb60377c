#include "store/migrate.h"

#include <fmt/format.h>

#include "common/crypto.h"

namespace stm::store {
namespace {

constexpr std::string_view kBookkeeping =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at INTEGER NOT NULL)";

}  // namespace

Result<std::vector<AppliedMigration>> AppliedMigrations(Database& db) {
  STM_ASSIGN_OR_RETURN(auto tx, db.Begin(TxMode::kWrite));
  STM_RETURN_IF_ERROR(tx->ExecScript(kBookkeeping));
  STM_ASSIGN_OR_RETURN(
      auto rows,
      tx->Query("SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version"));
  STM_RETURN_IF_ERROR(tx->Commit());
  std::vector<AppliedMigration> out;
  for (const auto& r : rows) {
    out.push_back({static_cast<int>(r.Int(0)), r.Text(1), r.Text(2), FromUnixMicros(r.Int(3))});
  }
  return out;
}

Result<std::vector<int>> Migrate(Database& db, const std::vector<Migration>& migrations, const Clock& clock) {
  STM_ASSIGN_OR_RETURN(auto applied, AppliedMigrations(db));
  for (const auto& a : applied) {
    const Migration* known = nullptr;
    for (const auto& m : migrations) {
      if (m.version == a.version) known = &m;
    }
    if (!known) {
      return Status::FailedPrecondition(
          fmt::format("database has migration {} ({}) which this build does not know; use a newer stm",
                      a.version, a.name));
    }
    std::string checksum = Sha256Hex(known->sql);
    if (checksum != a.checksum) {
      return Status::FailedPrecondition(fmt::format(
          "migration {} ({}) was changed after it was applied (checksum in database {}, in code {}); "
          "migrations are forward-only: restore its original text and add a new migration",
          a.version, a.name, a.checksum.substr(0, 12), checksum.substr(0, 12)));
    }
  }
  std::vector<int> done;
  int last = applied.empty() ? 0 : applied.back().version;
  for (const auto& m : migrations) {
    if (m.version <= last) continue;
    STM_ASSIGN_OR_RETURN(auto tx, db.Begin(TxMode::kWrite));
    STM_RETURN_IF_ERROR(
        tx->ExecScript(m.sql).WithContext(fmt::format("migration {} ({})", m.version, m.name)));
    STM_RETURN_IF_ERROR(tx->Exec("INSERT INTO schema_migrations (version, name, checksum, applied_at) "
                                 "VALUES (?, ?, ?, ?)",
                                 {int64_t{m.version}, m.name, Sha256Hex(m.sql), ToUnixMicros(clock.Now())})
                            .status());
    STM_RETURN_IF_ERROR(tx->Commit());
    done.push_back(m.version);
  }
  return done;
}

}  // namespace stm::store
