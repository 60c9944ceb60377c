#include "audit/audit.h"

#include <fmt/format.h>

#include "common/crypto.h"

namespace stm::audit {
namespace {

const std::string kGenesisHash(64, '0');

StoredEvent FromRow(const store::Row& r) {
  StoredEvent e;
  e.seq = r.Int(0);
  e.at = FromUnixMicros(r.Int(1));
  e.actor = r.Text(2);
  e.action = r.Text(3);
  e.target = r.Text(4);
  e.request_id = r.Text(5);
  e.summary = r.Text(6);
  e.prev_hash = r.Text(7);
  e.hash = r.Text(8);
  return e;
}

constexpr std::string_view kColumns = "seq, at, actor, action, target, request_id, summary, prev_hash, hash";

}  // namespace

std::string ComputeHash(const StoredEvent& e) {
  // A JSON array is an unambiguous encoding of the fields (no delimiter games).
  nlohmann::json fields = {e.seq,    ToUnixMicros(e.at), e.actor,   e.action,
                           e.target, e.request_id,       e.summary, e.prev_hash};
  return Sha256Hex(fields.dump());
}

Status Append(store::Tx& tx, const Clock& clock, const Context& ctx, const Event& event) {
  if (tx.mode() != store::TxMode::kWrite) return Status::Internal("audit events need a write transaction");
  STM_ASSIGN_OR_RETURN(auto head, tx.QueryOne("SELECT seq, hash FROM audit_head WHERE id = 1"));
  StoredEvent e;
  e.seq = head ? head->Int(0) + 1 : 1;
  e.prev_hash = head ? head->Text(1) : kGenesisHash;
  e.at = clock.Now();
  e.actor = ctx.actor.empty() ? "system" : ctx.actor;
  e.action = event.action;
  e.target = event.target;
  e.request_id = ctx.request_id.empty() ? "-" : ctx.request_id;
  e.summary = event.summary.is_null() ? "{}" : event.summary.dump();
  e.hash = ComputeHash(e);
  STM_RETURN_IF_ERROR(
      tx.Exec(fmt::format("INSERT INTO audit_events ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", kColumns),
              {e.seq, ToUnixMicros(e.at), e.actor, e.action, e.target, e.request_id, e.summary, e.prev_hash,
               e.hash})
          .status());
  STM_RETURN_IF_ERROR(tx.Exec("INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?) "
                              "ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
                              {e.seq, e.hash})
                          .status());
  return Status::Ok();
}

Result<VerifyReport> Verify(store::Database& db) {
  STM_ASSIGN_OR_RETURN(auto tx, db.Begin(store::TxMode::kRead));
  VerifyReport report;
  std::string prev_hash = kGenesisHash;
  int64_t expected_seq = 1;
  // Page through the chain so a long trail is not loaded into memory at once.
  for (;;) {
    STM_ASSIGN_OR_RETURN(auto rows, tx->Query(fmt::format("SELECT {} FROM audit_events WHERE seq >= ? "
                                                          "ORDER BY seq LIMIT 1000",
                                                          kColumns),
                                              {expected_seq}));
    for (const auto& row : rows) {
      StoredEvent e = FromRow(row);
      if (e.seq != expected_seq) {
        report.broken_seq = expected_seq;
        report.problem = fmt::format("event {} is missing: the sequence jumps from {} to {} (deleted row)",
                                     expected_seq, expected_seq - 1, e.seq);
        return report;
      }
      if (e.prev_hash != prev_hash) {
        report.broken_seq = e.seq;
        report.problem = fmt::format(
            "event {} does not link to event {} (previous-hash mismatch: row deleted, "
            "inserted or reordered)",
            e.seq, e.seq - 1);
        return report;
      }
      if (ComputeHash(e) != e.hash) {
        report.broken_seq = e.seq;
        report.problem = fmt::format("event {} does not match its hash (row edited or moved)", e.seq);
        return report;
      }
      prev_hash = e.hash;
      ++expected_seq;
      ++report.events_checked;
    }
    if (rows.size() < 1000) break;
  }
  STM_ASSIGN_OR_RETURN(auto head, tx->QueryOne("SELECT seq, hash FROM audit_head WHERE id = 1"));
  int64_t head_seq = head ? head->Int(0) : 0;
  if (head_seq != report.events_checked) {
    report.broken_seq = report.events_checked + 1;
    report.problem = fmt::format(
        "the chain ends at event {} but the recorded head is event {} (trailing events "
        "deleted, or head edited)",
        report.events_checked, head_seq);
  } else if (head && head->Text(1) != prev_hash) {
    report.broken_seq = head_seq;
    report.problem =
        fmt::format("the recorded head hash does not match event {} (event or head edited)", head_seq);
  }
  return report;
}

Result<std::vector<StoredEvent>> Query(store::Database& db, const QueryOptions& options) {
  if (options.limit < 1 || options.limit > 1000)
    return Status::InvalidArgument("limit must be between 1 and 1000");
  STM_ASSIGN_OR_RETURN(auto tx, db.Begin(store::TxMode::kRead));
  std::vector<store::Row> rows;
  if (!options.target) {
    STM_ASSIGN_OR_RETURN(
        rows,
        tx->Query(fmt::format("SELECT {} FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?", kColumns),
                  {options.after_seq, int64_t{options.limit}}));
  } else if (!options.target->empty() && options.target->back() == ':') {
    // Prefix match without LIKE wildcards (targets may contain '%' or '_').
    STM_ASSIGN_OR_RETURN(
        rows, tx->Query(fmt::format("SELECT {} FROM audit_events WHERE substr(target, 1, ?) = ? "
                                    "AND seq > ? ORDER BY seq LIMIT ?",
                                    kColumns),
                        {static_cast<int64_t>(options.target->size()), *options.target, options.after_seq,
                         int64_t{options.limit}}));
  } else {
    STM_ASSIGN_OR_RETURN(rows,
                         tx->Query(fmt::format("SELECT {} FROM audit_events WHERE target = ? AND seq > ? "
                                               "ORDER BY seq LIMIT ?",
                                               kColumns),
                                   {*options.target, options.after_seq, int64_t{options.limit}}));
  }
  std::vector<StoredEvent> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(FromRow(r));
  return out;
}

nlohmann::json ToJson(const StoredEvent& e) {
  nlohmann::json summary = nlohmann::json::parse(e.summary, nullptr, false);
  return {{"seq", e.seq},
          {"at", FormatTime(e.at)},
          {"actor", e.actor},
          {"action", e.action},
          {"target", e.target},
          {"request_id", e.request_id},
          {"summary", summary.is_discarded() ? nlohmann::json(e.summary) : summary},
          {"prev_hash", e.prev_hash},
          {"hash", e.hash}};
}

}  // namespace stm::audit
