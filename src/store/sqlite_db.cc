#include "store/sqlite_db.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <filesystem>
#include <unordered_map>

namespace stm::store {

// One sqlite3 handle with a cache of prepared statements. Used by one thread at a time.
class SqliteConnection {
 public:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  ~SqliteConnection() {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }
  sqlite3* handle() { return db_; }

  Status Error(int rc, std::string_view what) const {
    std::string msg = fmt::format("{}: {}", what, sqlite3_errmsg(db_));
    int primary = rc & 0xff;
    if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
      return Status::AlreadyExists(msg);
    if (primary == SQLITE_CONSTRAINT) return Status::FailedPrecondition(msg);
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) return Status::Unavailable(msg);
    if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) return Status::DataLoss(msg);
    return Status::Internal(msg);
  }

  Result<sqlite3_stmt*> Prepare(std::string_view sql) {
    auto it = cache_.find(std::string(sql));
    if (it != cache_.end()) {
      sqlite3_reset(it->second);
      sqlite3_clear_bindings(it->second);
      return it->second;
    }
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                &stmt, nullptr);
    if (rc != SQLITE_OK) return Error(rc, fmt::format("preparing SQL [{}]", sql));
    cache_.emplace(std::string(sql), stmt);
    return stmt;
  }

  Status Bind(sqlite3_stmt* stmt, const Params& params) {
    if (static_cast<int>(params.size()) != sqlite3_bind_parameter_count(stmt)) {
      return Status::Internal(fmt::format("SQL expects {} parameters, got {}",
                                          sqlite3_bind_parameter_count(stmt), params.size()));
    }
    for (size_t i = 0; i < params.size(); ++i) {
      int idx = static_cast<int>(i) + 1;
      int rc = std::visit(
          [&](const auto& v) -> int {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::monostate>) return sqlite3_bind_null(stmt, idx);
            if constexpr (std::is_same_v<T, int64_t>) return sqlite3_bind_int64(stmt, idx, v);
            if constexpr (std::is_same_v<T, double>) return sqlite3_bind_double(stmt, idx, v);
            if constexpr (std::is_same_v<T, std::string>) {
              return sqlite3_bind_text(stmt, idx, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
            }
          },
          params[i]);
      if (rc != SQLITE_OK) return Error(rc, "binding parameter");
    }
    return Status::Ok();
  }

  // Steps the statement to completion, collecting rows when `rows` is given.
  Status Run(sqlite3_stmt* stmt, std::vector<Row>* rows) {
    for (;;) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) {
        Status s = Error(sqlite3_extended_errcode(db_), "executing SQL");
        sqlite3_reset(stmt);
        return s;
      }
      if (!rows) continue;
      int n = sqlite3_column_count(stmt);
      std::vector<Value> values;
      values.reserve(n);
      for (int c = 0; c < n; ++c) {
        switch (sqlite3_column_type(stmt, c)) {
          case SQLITE_INTEGER:
            values.emplace_back(static_cast<int64_t>(sqlite3_column_int64(stmt, c)));
            break;
          case SQLITE_FLOAT:
            values.emplace_back(sqlite3_column_double(stmt, c));
            break;
          case SQLITE_NULL:
            values.emplace_back(std::monostate{});
            break;
          default: {
            const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
            values.emplace_back(std::string(p ? p : "", sqlite3_column_bytes(stmt, c)));
          }
        }
      }
      rows->emplace_back(std::move(values));
    }
    sqlite3_reset(stmt);
    return Status::Ok();
  }

  // A parameterless statement through the prepared-statement cache (BEGIN, COMMIT, ROLLBACK run on
  // every request; re-parsing them each time is measurable).
  Status ExecCached(std::string_view sql) {
    STM_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare(sql));
    return Run(stmt, nullptr);
  }

  Status ExecSimple(const char* sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      std::string msg = err ? err : sqlite3_errstr(rc);
      sqlite3_free(err);
      Status s = Error(sqlite3_extended_errcode(db_), sql);
      return Status(s.code(), fmt::format("{}: {}", sql, msg));
    }
    return Status::Ok();
  }

 private:
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

namespace {

class SqliteTx final : public Tx {
 public:
  SqliteTx(SqliteDatabase* owner, std::unique_ptr<SqliteConnection> conn, TxMode mode)
      : owner_(owner), conn_(std::move(conn)), mode_(mode) {}

  ~SqliteTx() override {
    if (!done_) (void)conn_->ExecCached("ROLLBACK");
    if (mode_ == TxMode::kWrite) {
      conn_.release();  // the writer connection stays owned by the database
      owner_->ReleaseWriter();
    } else {
      owner_->ReleaseReader(std::move(conn_));
    }
  }

  Result<int64_t> Exec(std::string_view sql, const Params& params) override {
    STM_RETURN_IF_ERROR(CheckOpen());
    STM_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, conn_->Prepare(sql));
    STM_RETURN_IF_ERROR(conn_->Bind(stmt, params));
    STM_RETURN_IF_ERROR(conn_->Run(stmt, nullptr));
    return static_cast<int64_t>(sqlite3_changes64(conn_->handle()));
  }

  Result<std::vector<Row>> Query(std::string_view sql, const Params& params) override {
    STM_RETURN_IF_ERROR(CheckOpen());
    STM_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, conn_->Prepare(sql));
    STM_RETURN_IF_ERROR(conn_->Bind(stmt, params));
    std::vector<Row> rows;
    STM_RETURN_IF_ERROR(conn_->Run(stmt, &rows));
    return rows;
  }

  Status ExecScript(std::string_view sql) override {
    STM_RETURN_IF_ERROR(CheckOpen());
    return conn_->ExecSimple(std::string(sql).c_str());
  }

  Status Commit() override {
    STM_RETURN_IF_ERROR(CheckOpen());
    Status s = conn_->ExecCached("COMMIT");
    if (!s.ok()) (void)conn_->ExecCached("ROLLBACK");
    done_ = true;
    return s;
  }

  TxMode mode() const override { return mode_; }

 private:
  Status CheckOpen() const {
    if (done_) return Status::Internal("transaction already finished");
    return Status::Ok();
  }

  SqliteDatabase* owner_;
  std::unique_ptr<SqliteConnection> conn_;
  TxMode mode_;
  bool done_ = false;
};

}  // namespace

SqliteDatabase::SqliteDatabase(SqliteOptions options) : options_(std::move(options)) {}

SqliteDatabase::~SqliteDatabase() { Close(); }

Result<std::unique_ptr<SqliteConnection>> SqliteDatabase::OpenConnection(bool read_only) {
  sqlite3* handle = nullptr;
  int flags =
      SQLITE_OPEN_NOMUTEX | (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  int rc = sqlite3_open_v2(options_.path.c_str(), &handle, flags, nullptr);
  auto conn = std::make_unique<SqliteConnection>(handle);
  if (rc != SQLITE_OK) {
    return Status::Unavailable(
        fmt::format("cannot open database '{}': {}", options_.path, sqlite3_errstr(rc)));
  }
  sqlite3_extended_result_codes(handle, 1);
  sqlite3_busy_timeout(handle, options_.busy_timeout_ms);
  if (!read_only) STM_RETURN_IF_ERROR(conn->ExecSimple("PRAGMA journal_mode=WAL"));
  STM_RETURN_IF_ERROR(conn->ExecSimple("PRAGMA foreign_keys=ON"));
  STM_RETURN_IF_ERROR(conn->ExecSimple("PRAGMA synchronous=NORMAL"));
  return conn;
}

Result<std::unique_ptr<SqliteDatabase>> SqliteDatabase::Open(SqliteOptions options) {
  std::filesystem::path p(options.path);
  std::error_code ec;
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  auto db = std::unique_ptr<SqliteDatabase>(new SqliteDatabase(std::move(options)));
  STM_ASSIGN_OR_RETURN(db->writer_, db->OpenConnection(false));
  // Check that the file really is a database before any caller relies on it.
  STM_RETURN_IF_ERROR(db->writer_->ExecSimple("SELECT count(*) FROM sqlite_master"));
  return db;
}

Result<std::unique_ptr<Tx>> SqliteDatabase::Begin(TxMode mode) {
  std::unique_ptr<SqliteConnection> conn;
  {
    std::unique_lock lock(mu_);
    if (mode == TxMode::kWrite) {
      cv_.wait(lock, [&] { return closed_ || !writer_busy_; });
      if (closed_) return Status::Unavailable("database is closed");
      writer_busy_ = true;
      conn.reset(writer_.get());  // borrowed; SqliteTx releases it without deleting
    } else {
      if (closed_) return Status::Unavailable("database is closed");
      ++open_readers_;
      if (!idle_readers_.empty()) {
        conn = std::move(idle_readers_.back());
        idle_readers_.pop_back();
      }
    }
  }
  if (mode == TxMode::kRead && !conn) {
    auto opened = OpenConnection(true);
    if (!opened.ok()) {
      ReleaseReader(nullptr);
      return opened.status();
    }
    conn = std::move(opened).value();
  }
  Status s = conn->ExecCached(mode == TxMode::kWrite ? "BEGIN IMMEDIATE" : "BEGIN");
  auto tx = std::make_unique<SqliteTx>(this, std::move(conn), mode);
  if (!s.ok()) return s;  // tx's destructor hands the connection back
  return std::unique_ptr<Tx>(std::move(tx));
}

void SqliteDatabase::ReleaseReader(std::unique_ptr<SqliteConnection> conn) {
  std::lock_guard lock(mu_);
  --open_readers_;
  if (conn && !closed_ && static_cast<int>(idle_readers_.size()) < options_.max_readers) {
    idle_readers_.push_back(std::move(conn));
  }
  cv_.notify_all();
}

void SqliteDatabase::ReleaseWriter() {
  std::lock_guard lock(mu_);
  writer_busy_ = false;
  cv_.notify_all();
}

Status SqliteDatabase::Backup(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    return Status::AlreadyExists(fmt::format("backup target '{}' already exists", path));
  }
  sqlite3* dest = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_close_v2(dest);
    return Status::InvalidArgument(fmt::format("cannot create backup '{}': {}", path, sqlite3_errstr(rc)));
  }
  STM_ASSIGN_OR_RETURN(auto src, OpenConnection(true));
  sqlite3_backup* backup = sqlite3_backup_init(dest, "main", src->handle(), "main");
  if (!backup) {
    std::string msg = sqlite3_errmsg(dest);
    sqlite3_close_v2(dest);
    return Status::Internal(fmt::format("backup to '{}' failed: {}", path, msg));
  }
  // One step copies everything from a read snapshot. In WAL mode that does not block writers, whereas
  // copying in smaller steps restarts at every commit and may never finish under steady writes.
  do {
    rc = sqlite3_backup_step(backup, -1);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(5);
  } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
  sqlite3_backup_finish(backup);
  int final_rc = sqlite3_errcode(dest);
  sqlite3_close_v2(dest);
  if (rc != SQLITE_DONE || final_rc != SQLITE_OK) {
    std::filesystem::remove(path, ec);
    return Status::Internal(fmt::format("backup to '{}' failed: {}", path, sqlite3_errstr(rc)));
  }
  return Status::Ok();
}

void SqliteDatabase::Close() {
  std::unique_lock lock(mu_);
  if (closed_) return;
  closed_ = true;
  cv_.wait(lock, [&] { return !writer_busy_ && open_readers_ == 0; });
  idle_readers_.clear();
  writer_.reset();
}

}  // namespace stm::store
