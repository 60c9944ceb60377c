// Test support: a migrated SQLite database in a fresh temporary directory. For tests only.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/crypto.h"
#include "store/migrate.h"
#include "store/sqlite_db.h"

namespace stm::store {

// Creates `<temp>/<prefix>-<random>` (stored in `*dir`; the caller removes it) and opens `t.db` there with
// every project migration applied.
inline Result<std::unique_ptr<SqliteDatabase>> OpenTempDatabase(std::string_view prefix, const Clock& clock,
                                                                std::filesystem::path* dir) {
  *dir = std::filesystem::temp_directory_path() / (std::string(prefix) + "-" + HexEncode(RandomBytes(6)));
  std::error_code ec;
  std::filesystem::create_directories(*dir, ec);
  if (ec) return Status::Internal("cannot create " + dir->string() + ": " + ec.message());
  STM_ASSIGN_OR_RETURN(auto db, SqliteDatabase::Open({.path = (*dir / "t.db").string()}));
  STM_RETURN_IF_ERROR(Migrate(*db, ProjectMigrations("sqlite"), clock).status());
  return db;
}

}  // namespace stm::store
