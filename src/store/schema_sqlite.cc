// The project's schema for SQLite, as forward-only migrations. Append new migrations at the end;
// never edit one that has shipped (the checksum check refuses it).
#include "store/migrate.h"

namespace stm::store {

const std::vector<Migration>& ProjectMigrations(std::string_view dialect) {
  static const std::vector<Migration> kSqlite = {
      {1, "organisations, users, sessions, api keys, login throttling", R"sql(
CREATE TABLE organisations (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL CHECK (kind IN ('exporter', 'broker', 'licensing_authority', 'referral_agency', 'customs')),
  country TEXT,
  created_at INTEGER NOT NULL
);
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL DEFAULT '',
  role TEXT NOT NULL,
  org_id INTEGER REFERENCES organisations(id),
  password_hash TEXT,
  active INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL
);
CREATE TABLE sessions (
  id INTEGER PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  user_id INTEGER NOT NULL REFERENCES users(id),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE TABLE api_keys (
  id INTEGER PRIMARY KEY,
  key_hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  name TEXT NOT NULL,
  user_id INTEGER NOT NULL REFERENCES users(id),
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE TABLE login_failures (
  username TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  locked_until INTEGER NOT NULL
);
)sql"},
      {2, "hash-chained audit trail", R"sql(
CREATE TABLE audit_events (
  seq INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  request_id TEXT NOT NULL,
  summary TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_events_target ON audit_events(target);
CREATE TABLE audit_head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL
);
)sql"},
      {3, "login_failures.updated_at for purging stale counters", R"sql(
ALTER TABLE login_failures ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX login_failures_updated ON login_failures(updated_at);
)sql"},
  };
  static const std::vector<Migration> kNone;
  return dialect == "sqlite" ? kSqlite : kNone;
}

}  // namespace stm::store
