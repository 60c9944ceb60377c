// The storage interface. Domain modules talk to the store only through these types and portable SQL;
// dialect details (SQLite here, PostgreSQL later) live in the implementations.
//
// Portable SQL rules used throughout the project:
//  - placeholders are `?` (an implementation may rewrite them, e.g. to $1 for PostgreSQL);
//  - new ids come from `INSERT ... RETURNING id`;
//  - times are stored as INTEGER microseconds since the Unix epoch (UTC);
//  - booleans are INTEGER 0/1; JSON documents are TEXT.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/status.h"

namespace stm::store {

// A bound parameter or a column value: NULL, integer, real or text.
using Value = std::variant<std::monostate, int64_t, double, std::string>;

inline Value Null() { return std::monostate{}; }
template <typename T>
Value Opt(const std::optional<T>& v) {
  return v ? Value(*v) : Null();
}

class Row {
 public:
  explicit Row(std::vector<Value> values) : values_(std::move(values)) {}
  size_t size() const { return values_.size(); }
  bool IsNull(size_t i) const { return std::holds_alternative<std::monostate>(values_.at(i)); }
  // Typed accessors: NULL reads as 0 / "" (check IsNull when it matters).
  int64_t Int(size_t i) const;
  double Real(size_t i) const;
  std::string Text(size_t i) const;
  std::optional<int64_t> OptInt(size_t i) const;
  std::optional<std::string> OptText(size_t i) const;
  const Value& operator[](size_t i) const { return values_.at(i); }

 private:
  std::vector<Value> values_;
};

using Params = std::vector<Value>;

enum class TxMode { kRead, kWrite };

// One transaction on one connection. Not thread-safe: use it from one thread at a time.
// Destroying a Tx that was not committed rolls it back, so an early `return status;` never leaves a
// half-written change.
class Tx {
 public:
  virtual ~Tx() = default;
  // Runs one statement; returns the number of rows changed. Constraint violations map to
  // kAlreadyExists (unique) or kFailedPrecondition (foreign key, check).
  virtual Result<int64_t> Exec(std::string_view sql, const Params& params = {}) = 0;
  virtual Result<std::vector<Row>> Query(std::string_view sql, const Params& params = {}) = 0;
  // Runs several statements without parameters (migrations).
  virtual Status ExecScript(std::string_view sql) = 0;
  virtual Status Commit() = 0;
  virtual TxMode mode() const = 0;

  // At most one row; none gives std::nullopt.
  Result<std::optional<Row>> QueryOne(std::string_view sql, const Params& params = {});
};

// A database. Thread-safe: any thread may Begin transactions. Write transactions are serialised
// (one writer at a time); read transactions run concurrently and never block on the writer.
class Database {
 public:
  virtual ~Database() = default;
  virtual Result<std::unique_ptr<Tx>> Begin(TxMode mode) = 0;
  // A consistent online copy of the database into `path` (must not exist).
  virtual Status Backup(const std::string& path) = 0;
  virtual std::string_view dialect() const = 0;
  // Waits for open transactions to end and closes every connection. Begin fails afterwards.
  virtual void Close() = 0;
};

}  // namespace stm::store
