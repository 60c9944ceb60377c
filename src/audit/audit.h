// Tamper-evident audit trail: every state change appends an event in the same transaction as the change,
// and each event stores the hash of the one before it, so an edited, deleted or reordered row breaks
// the chain where `Verify` can point at it.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "store/db.h"

namespace stm::audit {

// Who acts and under which request; passed down from the API (or "cli"/"system").
struct Context {
  std::string actor;       // e.g. "user:alice", "apikey:3:customs-gateway", "cli", "system"
  std::string request_id;  // "-" outside HTTP
};

struct Event {
  std::string action;      // dotted verb, e.g. "user.create", "auth.login"
  std::string target;      // what changed, e.g. "user:12", "org:3"
  nlohmann::json summary;  // what changed, as JSON (never secrets)
};

struct StoredEvent {
  int64_t seq = 0;
  TimePoint at;
  std::string actor;
  std::string action;
  std::string target;
  std::string request_id;
  std::string summary;  // JSON text as stored (hashed verbatim)
  std::string prev_hash;
  std::string hash;
};

// The hash that links an event to its predecessor.
std::string ComputeHash(const StoredEvent& e);

// Appends `event` inside `tx` (which must be a write transaction); commits with the caller's change.
Status Append(store::Tx& tx, const Clock& clock, const Context& ctx, const Event& event);

struct VerifyReport {
  int64_t events_checked = 0;
  std::optional<int64_t> broken_seq;  // first event whose link fails; nullopt when intact
  std::string problem;                // what is wrong with it
  bool ok() const { return !broken_seq.has_value(); }
};

// Walks the whole chain in order; stops at the first broken link.
Result<VerifyReport> Verify(store::Database& db);

struct QueryOptions {
  std::optional<std::string> target;  // exact target, or a prefix ending in ':' ("user:")
  int64_t after_seq = 0;              // paging: events with seq > after_seq
  int limit = 100;                    // 1..1000
};
Result<std::vector<StoredEvent>> Query(store::Database& db, const QueryOptions& options);

nlohmann::json ToJson(const StoredEvent& e);

}  // namespace stm::audit
