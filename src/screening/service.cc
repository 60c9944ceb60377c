#include "screening/service.h"

#include "screening/entity_json.h"

#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace stm::screening {
namespace {

constexpr std::string_view kAlertColumns =
    "a.id, a.party_id, p.org_id, p.name, a.list, a.source_id, a.entity_digest, a.entity_name, a.score, "
    "a.explanation, a.status, a.reason, a.decided_by, a.created_at";

Alert AlertFromRow(const store::Row& r) {
  Alert a;
  a.id = r.Int(0);
  a.party_id = r.Int(1);
  if (!r.IsNull(2)) a.org = OrgId(r.Int(2));
  a.party_name = r.Text(3);
  a.list = r.Text(4);
  a.source_id = r.Text(5);
  a.entity_digest = r.Text(6);
  a.entity_name = r.Text(7);
  a.score = r.Real(8);
  a.explanation = nlohmann::json::parse(r.Text(9), nullptr, false);
  a.status = ParseAlertStatus(r.Text(10)).value_or(AlertStatus::kOpen);
  a.reason = r.Text(11);
  a.decided_by = r.Text(12);
  a.created_at = FromUnixMicros(r.Int(13));
  return a;
}

}  // namespace

std::string_view AlertStatusName(AlertStatus s) {
  switch (s) {
    case AlertStatus::kOpen: return "open";
    case AlertStatus::kTrueMatch: return "true_match";
    case AlertStatus::kFalsePositive: return "false_positive";
  }
  return "open";
}

std::optional<AlertStatus> ParseAlertStatus(std::string_view s) {
  for (auto st : {AlertStatus::kOpen, AlertStatus::kTrueMatch, AlertStatus::kFalsePositive}) {
    if (AlertStatusName(st) == s) return st;
  }
  return std::nullopt;
}

nlohmann::json ToJson(const Alert& a) {
  return {{"id", a.id},
          {"party_id", a.party_id},
          {"party_name", a.party_name},
          {"list", a.list},
          {"entity_id", a.source_id},
          {"entity_name", a.entity_name},
          {"entity_digest", a.entity_digest},
          {"score", a.score},
          {"explanation", a.explanation},
          {"status", AlertStatusName(a.status)},
          {"reason", a.reason},
          {"decided_by", a.decided_by.empty() ? nlohmann::json(nullptr) : nlohmann::json(a.decided_by)},
          {"created_at", FormatTime(a.created_at)}};
}

ScreeningService::ScreeningService(store::Database& db, const Clock& clock)
    : db_(db), clock_(clock), lists_(db, clock), index_(ScreeningIndex::Build({})) {}

Status ScreeningService::LoadFromStore() {
  std::lock_guard lock(import_mu_);
  STM_ASSIGN_OR_RETURN(auto entities, lists_.CurrentEntities());
  size_t n = entities.size();
  index_.store(ScreeningIndex::Build(std::move(entities)));
  spdlog::info("screening index built over {} list entities", n);
  return Status::Ok();
}

Result<std::vector<Alert>> ScreeningService::RaiseAlerts(store::Tx& tx, const audit::Context& ctx, const Party& party,
                                                         const std::vector<Match>& matches) {
  std::vector<Alert> raised;
  for (const auto& m : matches) {
    std::string digest = ContentDigest(*m.entity);
    // The unique key (party, list, entity, content) keeps a decided alert from coming back for the same
    // content; a changed entity has a new digest and alerts again.
    STM_ASSIGN_OR_RETURN(auto row, tx.QueryOne("INSERT INTO screening_alerts (party_id, list, source_id, "
                                               "entity_digest, entity_name, score, explanation, status, created_at) "
                                               "VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?) "
                                               "ON CONFLICT (party_id, list, source_id, entity_digest) DO NOTHING "
                                               "RETURNING id",
                                               {party.id, m.entity->list, m.entity->source_id, digest,
                                                m.entity->primary_name(), m.score, m.explanation.dump(),
                                                ToUnixMicros(clock_.Now())}));
    if (!row) continue;
    Alert a;
    a.id = row->Int(0);
    a.party_id = party.id;
    a.org = party.org;
    a.party_name = party.query.name;
    a.list = m.entity->list;
    a.source_id = m.entity->source_id;
    a.entity_digest = digest;
    a.entity_name = m.entity->primary_name();
    a.score = m.score;
    a.explanation = m.explanation;
    a.created_at = clock_.Now();
    STM_RETURN_IF_ERROR(audit::Append(tx, clock_, ctx,
                                      {"screening.alert", fmt::format("alert:{}", a.id),
                                       {{"party_id", party.id},
                                        {"list", a.list},
                                        {"entity_id", a.source_id},
                                        {"score", a.score}}}));
    raised.push_back(std::move(a));
  }
  return raised;
}

Result<std::vector<ImportOutcome>> ScreeningService::Import(const audit::Context& ctx, std::vector<ImportedList> lists,
                                                            const std::string& source) {
  std::lock_guard lock(import_mu_);
  std::vector<ImportOutcome> outcomes;
  for (auto& list : lists) {
    STM_ASSIGN_OR_RETURN(auto saved, lists_.SaveVersion(ctx, std::move(list), source));
    outcomes.push_back({std::move(saved.first), std::move(saved.second), 0});
  }
  // Rebuild from the store so the index reflects exactly the current versions, then swap.
  STM_ASSIGN_OR_RETURN(auto entities, lists_.CurrentEntities());
  auto fresh = ScreeningIndex::Build(std::move(entities));
  index_.store(fresh);

  // Rescreen monitored parties against what was added or changed.
  std::set<std::pair<std::string, std::string>> touched;
  for (const auto& o : outcomes) {
    for (const auto& id : o.delta.added) touched.emplace(o.version.list, id);
    for (const auto& id : o.delta.changed) touched.emplace(o.version.list, id);
  }
  if (touched.empty()) return outcomes;
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kWrite));
  STM_ASSIGN_OR_RETURN(auto rows, tx->Query("SELECT id, org_id, reference, name, schema, country, birth_date, "
                                            "identifiers FROM screening_parties ORDER BY id"));
  for (const auto& r : rows) {
    Party p;
    p.id = r.Int(0);
    if (!r.IsNull(1)) p.org = OrgId(r.Int(1));
    p.reference = r.Text(2);
    p.query.name = r.Text(3);
    p.query.schema = ParseSchema(r.Text(4));
    p.query.country = r.Text(5);
    if (!r.Text(6).empty()) p.query.birth_date = ParsePartialDate(r.Text(6));
    auto ids = nlohmann::json::parse(r.Text(7), nullptr, false);
    if (ids.is_array()) {
      for (const auto& i : ids) {
        if (i.is_object()) p.query.identifiers.push_back({i.value("type", ""), i.value("value", ""), i.value("country", "")});
      }
    }
    ScreenOptions options;
    options.limit = 50;
    std::vector<Match> relevant;
    for (auto& m : fresh->Screen(p.query, options)) {
      if (touched.count({m.entity->list, m.entity->source_id})) relevant.push_back(std::move(m));
    }
    STM_ASSIGN_OR_RETURN(auto raised, RaiseAlerts(*tx, ctx, p, relevant));
    for (auto& o : outcomes) {
      for (const auto& a : raised) o.alerts_raised += a.list == o.version.list;
    }
  }
  STM_RETURN_IF_ERROR(tx->Commit());
  return outcomes;
}

Result<std::pair<Party, std::vector<Alert>>> ScreeningService::Monitor(const audit::Context& ctx, Party party) {
  auto idx = index();
  ScreenOptions options;
  options.limit = 50;
  auto matches = idx->Screen(party.query, options);
  nlohmann::json ids = nlohmann::json::array();
  for (const auto& i : party.query.identifiers) ids.push_back({{"type", i.type}, {"value", i.value}, {"country", i.country}});
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kWrite));
  STM_ASSIGN_OR_RETURN(auto row,
                       tx->QueryOne("INSERT INTO screening_parties (org_id, reference, name, schema, country, "
                                    "birth_date, identifiers, created_at, created_by) "
                                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                                    {party.org ? store::Value(party.org->value()) : store::Null(), party.reference,
                                     party.query.name, std::string(SchemaName(party.query.schema)),
                                     party.query.country,
                                     party.query.birth_date ? party.query.birth_date->ToString() : std::string(),
                                     ids.dump(), ToUnixMicros(clock_.Now()), ctx.actor}));
  party.id = row->Int(0);
  STM_RETURN_IF_ERROR(audit::Append(*tx, clock_, ctx,
                                    {"screening.monitor", fmt::format("party:{}", party.id),
                                     {{"name", party.query.name}, {"reference", party.reference},
                                      {"matches", matches.size()}}}));
  STM_ASSIGN_OR_RETURN(auto alerts, RaiseAlerts(*tx, ctx, party, matches));
  STM_RETURN_IF_ERROR(tx->Commit());
  return std::make_pair(std::move(party), std::move(alerts));
}

Result<std::vector<Alert>> ScreeningService::Alerts(std::optional<AlertStatus> status, std::optional<OrgId> org) {
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  std::string sql = fmt::format("SELECT {} FROM screening_alerts a JOIN screening_parties p ON p.id = a.party_id "
                                "WHERE 1 = 1",
                                kAlertColumns);
  store::Params params;
  if (status) {
    sql += " AND a.status = ?";
    params.emplace_back(std::string(AlertStatusName(*status)));
  }
  if (org) {
    sql += " AND p.org_id = ?";
    params.emplace_back(org->value());
  }
  sql += " ORDER BY a.id LIMIT 1000";
  STM_ASSIGN_OR_RETURN(auto rows, tx->Query(sql, params));
  std::vector<Alert> out;
  for (const auto& r : rows) out.push_back(AlertFromRow(r));
  return out;
}

Result<Alert> ScreeningService::GetAlert(int64_t id) {
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  STM_ASSIGN_OR_RETURN(auto row, tx->QueryOne(fmt::format("SELECT {} FROM screening_alerts a JOIN screening_parties p "
                                                          "ON p.id = a.party_id WHERE a.id = ?",
                                                          kAlertColumns),
                                              {id}));
  if (!row) return Status::NotFound(fmt::format("alert {} not found", id));
  return AlertFromRow(*row);
}

Result<Alert> ScreeningService::Decide(const audit::Context& ctx, int64_t alert_id, AlertStatus decision,
                                       const std::string& reason) {
  if (decision == AlertStatus::kOpen) {
    return Status::InvalidArgument("a decision is 'true_match' or 'false_positive'");
  }
  if (reason.empty()) return Status::InvalidArgument("a decision needs a reason");
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kWrite));
  STM_ASSIGN_OR_RETURN(auto row, tx->QueryOne("SELECT status FROM screening_alerts WHERE id = ?", {alert_id}));
  if (!row) return Status::NotFound(fmt::format("alert {} not found", alert_id));
  if (row->Text(0) != "open") {
    return Status::FailedPrecondition(fmt::format("alert {} was already decided ({})", alert_id, row->Text(0)));
  }
  STM_RETURN_IF_ERROR(tx->Exec("UPDATE screening_alerts SET status = ?, reason = ?, decided_by = ?, decided_at = ? "
                               "WHERE id = ?",
                               {std::string(AlertStatusName(decision)), reason, ctx.actor,
                                ToUnixMicros(clock_.Now()), alert_id})
                          .status());
  STM_RETURN_IF_ERROR(audit::Append(*tx, clock_, ctx,
                                    {"screening.decide", fmt::format("alert:{}", alert_id),
                                     {{"decision", AlertStatusName(decision)}, {"reason", reason}}}));
  STM_RETURN_IF_ERROR(tx->Commit());
  return GetAlert(alert_id);
}

}  // namespace stm::screening
