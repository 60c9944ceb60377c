// SQLite implementation of store::Database: WAL journal, foreign keys on, busy timeout,
// one write connection (serialised by a mutex) and a pool of read connections.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/db.h"

namespace stm::store {

struct SqliteOptions {
  std::string path;            // database file; parent directory is created if missing
  int busy_timeout_ms = 5000;  // wait for locks held by other processes
  int max_readers = 8;         // read connections kept open
};

class SqliteConnection;

class SqliteDatabase final : public Database {
 public:
  // Opens (creating if needed) the database file.
  static Result<std::unique_ptr<SqliteDatabase>> Open(SqliteOptions options);
  ~SqliteDatabase() override;

  Result<std::unique_ptr<Tx>> Begin(TxMode mode) override;
  Status Backup(const std::string& path) override;
  std::string_view dialect() const override { return "sqlite"; }
  void Close() override;

  // Internal: returns a read connection to the pool / releases the writer.
  void ReleaseReader(std::unique_ptr<SqliteConnection> conn);
  void ReleaseWriter();

 private:
  explicit SqliteDatabase(SqliteOptions options);
  Result<std::unique_ptr<SqliteConnection>> OpenConnection(bool read_only);

  SqliteOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool closed_ = false;
  bool writer_busy_ = false;
  int open_readers_ = 0;  // readers handed out
  std::unique_ptr<SqliteConnection> writer_;
  std::vector<std::unique_ptr<SqliteConnection>> idle_readers_;
};

}  // namespace stm::store
