#include "licensing/queues.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "auth/roles.h"
#include "common/text.h"

namespace stm::licensing {
namespace {

using Json = nlohmann::json;

constexpr size_t kMaxName = 200;

std::string CaseTarget(int64_t id) { return fmt::format("case:{}", id); }

int64_t Micros(const Clock& clock) { return ToUnixMicros(clock.Now()); }

Result<std::string> CheckName(const char* field, const std::string& value) {
  std::string name = Trim(value);
  if (name.empty()) return Status::InvalidArgument(fmt::format("{}: required", field));
  if (name.size() > kMaxName)
    return Status::InvalidArgument(fmt::format("{}: at most {} characters", field, kMaxName));
  return name;
}

Result<std::string> OptText(const Json& j, const char* field, size_t max_len) {
  if (!j.contains(field) || j[field].is_null()) return std::string();
  if (!j[field].is_string()) return Status::InvalidArgument(fmt::format("{}: expected a string", field));
  std::string v = j[field].get<std::string>();
  if (v.size() > max_len)
    return Status::InvalidArgument(fmt::format("{}: at most {} characters", field, max_len));
  return v;
}

bool IsFlagCode(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

// The states in which a case is no longer worked (not counted as open in a queue).
constexpr const char* kClosedStates = "('finalised', 'withdrawn', 'closed')";

Status NoExporters(const Actor& actor) {
  if (!actor.is_system && auth::IsExporterRole(actor.role)) {
    return Status::PermissionDenied(
        fmt::format("role {} may not see case routing or flags (internal to the licensing authority)",
                    auth::RoleName(actor.role)));
  }
  return Status::Ok();
}

// "goods[3]" -> 3; nullopt when `text` is not "<prefix>[N]".
std::optional<int64_t> IndexedSubject(std::string_view text, std::string_view prefix) {
  if (!text.starts_with(prefix) || text.size() < prefix.size() + 3 || text.back() != ']' ||
      text[prefix.size()] != '[') {
    return std::nullopt;
  }
  return ParseInt64(text.substr(prefix.size() + 1, text.size() - prefix.size() - 2));
}

Status CheckSubject(const FlagDefinition& def, const Application& app, const std::string& subject) {
  auto wrong = [&](std::string_view expected) {
    return Status::InvalidArgument(fmt::format("subject: flag '{}' is a {} flag; expected {}, got '{}'",
                                               def.code, FlagLevelName(def.level), expected, subject));
  };
  switch (def.level) {
    case FlagLevel::kCase:
      if (subject != "case") return wrong("\"case\"");
      return Status::Ok();
    case FlagLevel::kGood: {
      auto i = IndexedSubject(subject, "goods");
      if (!i) return wrong("\"goods[N]\"");
      if (*i < 0 || *i >= static_cast<int64_t>(app.goods.size())) {
        return Status::InvalidArgument(
            fmt::format("subject: the application has {} goods lines; no {}", app.goods.size(), subject));
      }
      return Status::Ok();
    }
    case FlagLevel::kParty: {
      auto i = IndexedSubject(subject, "parties");
      if (!i) return wrong("\"parties[N]\"");
      if (*i < 0 || *i >= static_cast<int64_t>(app.parties.size())) {
        return Status::InvalidArgument(
            fmt::format("subject: the application has {} parties; no {}", app.parties.size(), subject));
      }
      return Status::Ok();
    }
    case FlagLevel::kDestination: {
      if (!subject.starts_with("destination:")) return wrong("\"destination:CC\"");
      std::string cc = subject.substr(12);
      if (!IsCountryCode(cc)) {
        return Status::InvalidArgument(fmt::format("subject: '{}' is not an ISO 3166 alpha-2 code", cc));
      }
      auto destinations = FactsFor(app, {}, nullptr).destinations;
      if (std::find(destinations.begin(), destinations.end(), cc) == destinations.end()) {
        std::string listed;
        for (const auto& d : destinations) listed += (listed.empty() ? "" : ", ") + d;
        return Status::InvalidArgument(fmt::format("subject: {} is not a destination of the case ({})", cc,
                                                   listed.empty() ? "none" : listed));
      }
      return Status::Ok();
    }
  }
  return Status::Ok();
}

Json ParseJsonText(const std::string& text) {
  Json j = Json::parse(text, nullptr, false);
  return j.is_discarded() ? Json(nullptr) : j;
}

// The stored removable_by JSON array of role names.
std::vector<std::string> RoleNames(const std::string& text) {
  std::vector<std::string> out;
  Json roles = ParseJsonText(text);
  if (roles.is_array()) {
    for (const auto& r : roles) {
      if (r.is_string()) out.push_back(r.get<std::string>());
    }
  }
  return out;
}

constexpr const char* kFlagColumns =
    "cf.id, cf.case_id, fd.code, fd.level, fd.blocks_finalising, fd.removable_by, cf.subject, cf.reason, "
    "cf.active, cf.added_by, cf.added_at, cf.removed_by, cf.removed_at, cf.removal_reason";

CaseFlag FlagFromRow(const store::Row& row) {
  CaseFlag f;
  f.id = row.Int(0);
  f.case_id = row.Int(1);
  f.code = row.Text(2);
  f.level = ParseFlagLevel(row.Text(3)).value_or(FlagLevel::kCase);
  f.blocks_finalising = row.Int(4) != 0;
  f.removable_by = RoleNames(row.Text(5));
  f.subject = row.Text(6);
  f.reason = row.Text(7);
  f.active = row.Int(8) != 0;
  f.added_by = row.Text(9);
  f.added_at = FromUnixMicros(row.Int(10));
  f.removed_by = row.OptText(11);
  if (auto at = row.OptInt(12)) f.removed_at = FromUnixMicros(*at);
  f.removal_reason = row.OptText(13);
  return f;
}

constexpr const char* kRuleColumns = "id, name, description, priority, queue_id, enabled, match, version";

Result<RoutingRule> RuleFromRow(const store::Row& row) {
  Json body = {{"name", row.Text(1)},    {"description", row.Text(2)}, {"priority", row.Int(3)},
               {"queue_id", row.Int(4)}, {"enabled", row.Int(5) != 0}, {"match", ParseJsonText(row.Text(6))}};
  auto rule = RoutingRuleFromJson(body);
  if (!rule.ok()) {
    return Status::DataLoss(
        fmt::format("stored routing rule {} is malformed: {}", row.Int(0), rule.status().message()));
  }
  rule->id = row.Int(0);
  rule->version = row.Int(7);
  return rule;
}

Json MatchJson(const RoutingRule& r) { return ToJson(r)["match"]; }

constexpr const char* kFlagDefinitionColumns =
    "id, code, name, level, blocks_finalising, removable_by, description, source, created_at";

FlagDefinition DefinitionFromRow(const store::Row& row) {
  FlagDefinition f;
  f.id = row.Int(0);
  f.code = row.Text(1);
  f.name = row.Text(2);
  f.level = ParseFlagLevel(row.Text(3)).value_or(FlagLevel::kCase);
  f.blocks_finalising = row.Int(4) != 0;
  f.removable_by = RoleNames(row.Text(5));
  f.description = row.Text(6);
  f.source = row.Text(7);
  f.created_at = FromUnixMicros(row.Int(8));
  return f;
}

}  // namespace

// ---- JSON
// ----------------------------------------------------------------------------------------------------

std::string_view FlagLevelName(FlagLevel level) {
  switch (level) {
    case FlagLevel::kCase:
      return "case";
    case FlagLevel::kGood:
      return "good";
    case FlagLevel::kParty:
      return "party";
    case FlagLevel::kDestination:
      return "destination";
  }
  return "case";
}

std::optional<FlagLevel> ParseFlagLevel(std::string_view name) {
  for (auto l : {FlagLevel::kCase, FlagLevel::kGood, FlagLevel::kParty, FlagLevel::kDestination}) {
    if (FlagLevelName(l) == name) return l;
  }
  return std::nullopt;
}

Json ToJson(const Team& t) {
  return {{"id", t.id},
          {"name", t.name},
          {"description", t.description},
          {"members", t.members},
          {"created_at", FormatTime(t.created_at)}};
}

Json ToJson(const Queue& q) {
  return {{"id", q.id},
          {"name", q.name},
          {"team_id", q.team_id},
          {"is_default", q.is_default},
          {"description", q.description},
          {"open_cases", q.open_cases},
          {"created_at", FormatTime(q.created_at)}};
}

Result<FlagDefinition> FlagDefinitionFromJson(const Json& j) {
  if (!j.is_object()) return Status::InvalidArgument("flag definition: expected a JSON object");
  static const std::set<std::string> kFields = {"code",         "name",        "level", "blocks_finalising",
                                                "removable_by", "description", "source"};
  for (const auto& [key, value] : j.items()) {
    if (!kFields.contains(key)) {
      return Status::InvalidArgument(fmt::format(
          "{}: unknown field (code, name, level, blocks_finalising, removable_by, description, source)",
          key));
    }
  }
  FlagDefinition f;
  if (!j.contains("code") || !j["code"].is_string()) return Status::InvalidArgument("code: required string");
  f.code = Trim(j["code"].get<std::string>());
  if (!IsFlagCode(f.code)) {
    return Status::InvalidArgument(fmt::format("code: '{}' must be 1..64 of a-z, 0-9 and _", f.code));
  }
  if (!j.contains("name") || !j["name"].is_string()) return Status::InvalidArgument("name: required string");
  STM_ASSIGN_OR_RETURN(f.name, CheckName("name", j["name"].get<std::string>()));
  if (!j.contains("level") || !j["level"].is_string()) {
    return Status::InvalidArgument("level: required: case, good, party or destination");
  }
  auto level = ParseFlagLevel(j["level"].get<std::string>());
  if (!level) {
    return Status::InvalidArgument(
        fmt::format("level: '{}' is not case, good, party or destination", j["level"].get<std::string>()));
  }
  f.level = *level;
  if (j.contains("blocks_finalising") && !j["blocks_finalising"].is_null()) {
    if (!j["blocks_finalising"].is_boolean()) {
      return Status::InvalidArgument("blocks_finalising: expected true or false");
    }
    f.blocks_finalising = j["blocks_finalising"].get<bool>();
  }
  if (!j.contains("removable_by") || !j["removable_by"].is_array() || j["removable_by"].empty()) {
    return Status::InvalidArgument("removable_by: required: a non-empty array of role names");
  }
  for (size_t i = 0; i < j["removable_by"].size(); ++i) {
    const Json& r = j["removable_by"][i];
    if (!r.is_string() || !auth::ParseRole(r.get<std::string>())) {
      return Status::InvalidArgument(fmt::format("removable_by[{}]: unknown role {}", i, r.dump()));
    }
    if (std::find(f.removable_by.begin(), f.removable_by.end(), r.get<std::string>()) ==
        f.removable_by.end()) {
      f.removable_by.push_back(r.get<std::string>());
    }
  }
  STM_ASSIGN_OR_RETURN(f.description, OptText(j, "description", kMaxLongText));
  STM_ASSIGN_OR_RETURN(f.source, OptText(j, "source", kMaxLongText));
  return f;
}

Json ToJson(const FlagDefinition& f) {
  return {{"id", f.id},
          {"code", f.code},
          {"name", f.name},
          {"level", FlagLevelName(f.level)},
          {"blocks_finalising", f.blocks_finalising},
          {"removable_by", f.removable_by},
          {"description", f.description},
          {"source", f.source},
          {"created_at", FormatTime(f.created_at)}};
}

Json ToJson(const CaseFlag& f) {
  return {{"id", f.id},
          {"case_id", f.case_id},
          {"code", f.code},
          {"level", FlagLevelName(f.level)},
          {"blocks_finalising", f.blocks_finalising},
          {"removable_by", f.removable_by},
          {"subject", f.subject},
          {"reason", f.reason},
          {"active", f.active},
          {"added_by", f.added_by},
          {"added_at", FormatTime(f.added_at)},
          {"removed_by", f.removed_by ? Json(*f.removed_by) : Json(nullptr)},
          {"removed_at", f.removed_at ? Json(FormatTime(*f.removed_at)) : Json(nullptr)},
          {"removal_reason", f.removal_reason ? Json(*f.removal_reason) : Json(nullptr)}};
}

Json ToJson(const CaseRouting& r) {
  Json placements = Json::array();
  for (const auto& p : r.placements) {
    placements.push_back({{"queue_id", p.queue_id},
                          {"queue_name", p.queue_name},
                          {"rule_id", p.rule_id ? Json(*p.rule_id) : Json(nullptr)},
                          {"explanation", p.explanation},
                          {"routed_at", FormatTime(p.routed_at)}});
  }
  return {{"case_id", r.case_id},
          {"placements", placements},
          {"decision", r.decision},
          {"routed_at", r.routed_at ? Json(FormatTime(*r.routed_at)) : Json(nullptr)}};
}

// ---- service
// -------------------------------------------------------------------------------------------------

QueueService::QueueService(store::Database& db, const Clock& clock, QueueOptions options)
    : db_(db), clock_(clock), options_(std::move(options)) {}

Result<Team> QueueService::LoadTeam(store::Tx& tx, int64_t id) {
  STM_ASSIGN_OR_RETURN(auto row,
                       tx.QueryOne("SELECT id, name, description, created_at FROM teams WHERE id = ?", {id}));
  if (!row) return Status::NotFound(fmt::format("team {} not found", id));
  Team t{row->Int(0), row->Text(1), row->Text(2), {}, FromUnixMicros(row->Int(3))};
  STM_ASSIGN_OR_RETURN(auto members,
                       tx.Query("SELECT user_id FROM team_members WHERE team_id = ? ORDER BY user_id", {id}));
  for (const auto& m : members) t.members.push_back(m.Int(0));
  return t;
}

Result<Team> QueueService::InsertTeam(store::Tx& tx, const audit::Context& ctx, const std::string& name_in,
                                      const std::string& description) {
  STM_ASSIGN_OR_RETURN(std::string name, CheckName("name", name_in));
  if (description.size() > kMaxLongText) return Status::InvalidArgument("description: too long");
  auto existing = tx.QueryOne("SELECT id FROM teams WHERE name = ?", {name});
  STM_RETURN_IF_ERROR(existing.status());
  if (*existing)
    return Status::AlreadyExists(fmt::format("a team named '{}' exists (id {})", name, (*existing)->Int(0)));
  STM_ASSIGN_OR_RETURN(auto row,
                       tx.QueryOne("INSERT INTO teams (name, description, created_at) VALUES (?, ?, ?) "
                                   "RETURNING id",
                                   {name, description, Micros(clock_)}));
  int64_t id = row->Int(0);
  STM_RETURN_IF_ERROR(
      audit::Append(tx, clock_, ctx, {"team.create", fmt::format("team:{}", id), {{"name", name}}}));
  return LoadTeam(tx, id);
}

Result<Team> QueueService::CreateTeam(const audit::Context& ctx, const std::string& name,
                                      const std::string& description) {
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kWrite));
  STM_ASSIGN_OR_RETURN(auto team, InsertTeam(*tx, ctx, name, description));
  STM_RETURN_IF_ERROR(tx->Commit());
  return team;
}

Result<std::vector<Team>> QueueService::ListTeams() {
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  STM_ASSIGN_OR_RETURN(auto rows, tx->Query("SELECT id FROM teams ORDER BY id"));
  std::vector<Team> out;
  for (const auto& r : rows) {
    STM_ASSIGN_OR_RETURN(auto t, LoadTeam(*tx, r.Int(0)));
    out.push_back(std::move(t));
  }
  return out;
}

Result<Team> QueueService::AddTeamMember(const audit::Context& ctx, int64_t team_id, UserId user) {
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kWrite));
  STM_ASSIGN_OR_RETURN(auto team, LoadTeam(*tx, team_id));
  STM_ASSIGN_OR_RETURN(auto u, tx->QueryOne("SELECT id FROM users WHERE id = ?", {user.value()}));
  if (!u) return Status::NotFound(fmt::format("user {} not found", user.value()));
  if (std::find(team.members.begin(), team.members.end(), user.value()) != team.members.end()) return team;
  STM_RETURN_IF_ERROR(tx->Exec("INSERT INTO team_members (team_id, user_id, added_at) VALUES (?, ?, ?)",
                               {team_id, user.value(), Micros(clock_)})
                          .status());
  STM_RETURN_IF_ERROR(audit::Append(
      *tx, clock_, ctx, {"team.member.add", fmt::format("team:{}", team_id), {{"user_id", user.value()}}}));
  STM_ASSIGN_OR_RETURN(team, LoadTeam(*tx, team_id));
  STM_RETURN_IF_ERROR(tx->Commit());
  return team;
}

Result<Team> QueueService::RemoveTeamMember(const audit::Context& ctx, int64_t team_id, UserId user) {
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kWrite));
  STM_ASSIGN_OR_RETURN(auto team, LoadTeam(*tx, team_id));
  STM_ASSIGN_OR_RETURN(int64_t n, tx->Exec("DELETE FROM team_members WHERE team_id = ? AND user_id = ?",
                                           {team_id, user.value()}));
  if (n == 0)
    return Status::NotFound(fmt::format("user {} is not a member of team {}", user.value(), team_id));
  STM_RETURN_IF_ERROR(
      audit::Append(*tx, clock_, ctx,
                    {"team.member.remove", fmt::format("team:{}", team_id), {{"user_id", user.value()}}}));
  STM_ASSIGN_OR_RETURN(team, LoadTeam(*tx, team_id));
  STM_RETURN_IF_ERROR(tx->Commit());
  return team;
}

Result<Queue> QueueService::InsertQueue(store::Tx& tx, const audit::Context& ctx, const std::string& name_in,
                                        int64_t team_id, bool is_default, const std::string& description) {
  STM_ASSIGN_OR_RETURN(std::string name, CheckName("name", name_in));
  if (description.size() > kMaxLongText) return Status::InvalidArgument("description: too long");
  STM_ASSIGN_OR_RETURN(auto team, tx.QueryOne("SELECT id FROM teams WHERE id = ?", {team_id}));
  if (!team) return Status::InvalidArgument(fmt::format("team_id: team {} not found", team_id));
  STM_ASSIGN_OR_RETURN(auto existing, tx.QueryOne("SELECT id FROM queues WHERE name = ?", {name}));
  if (existing)
    return Status::AlreadyExists(fmt::format("a queue named '{}' exists (id {})", name, existing->Int(0)));
  if (is_default) {
    STM_ASSIGN_OR_RETURN(auto current, tx.QueryOne("SELECT id, name FROM queues WHERE is_default = 1"));
    if (current) {
      return Status::AlreadyExists(
          fmt::format("queue {} ('{}') is already the default queue; there is only one", current->Int(0),
                      current->Text(1)));
    }
  }
  int64_t now = Micros(clock_);
  STM_ASSIGN_OR_RETURN(auto row, tx.QueryOne("INSERT INTO queues (name, team_id, is_default, description, "
                                             "created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
                                             {name, team_id, int64_t{is_default ? 1 : 0}, description, now}));
  Queue q{row->Int(0), name, team_id, is_default, description, 0, FromUnixMicros(now)};
  STM_RETURN_IF_ERROR(audit::Append(tx, clock_, ctx,
                                    {"queue.create",
                                     fmt::format("queue:{}", q.id),
                                     {{"name", name}, {"team_id", team_id}, {"is_default", is_default}}}));
  return q;
}

Result<Queue> QueueService::CreateQueue(const audit::Context& ctx, const std::string& name, int64_t team_id,
                                        bool is_default, const std::string& description) {
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kWrite));
  STM_ASSIGN_OR_RETURN(auto q, InsertQueue(*tx, ctx, name, team_id, is_default, description));
  STM_RETURN_IF_ERROR(tx->Commit());
  return q;
}

Result<std::vector<Queue>> QueueService::ListQueues() {
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  STM_ASSIGN_OR_RETURN(
      auto rows,
      tx->Query(fmt::format("SELECT q.id, q.name, q.team_id, q.is_default, q.description, q.created_at, "
                            "(SELECT COUNT(*) FROM case_queues cq JOIN cases c ON c.id = cq.case_id "
                            " WHERE cq.queue_id = q.id AND cq.active = 1 AND c.state NOT IN {}) "
                            "FROM queues q ORDER BY q.id",
                            kClosedStates)));
  std::vector<Queue> out;
  for (const auto& r : rows) {
    out.push_back(
        {r.Int(0), r.Text(1), r.Int(2), r.Int(3) != 0, r.Text(4), r.Int(6), FromUnixMicros(r.Int(5))});
  }
  return out;
}

Result<std::vector<int64_t>> QueueService::CasesInQueue(int64_t queue_id) {
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  STM_ASSIGN_OR_RETURN(auto q, tx->QueryOne("SELECT id FROM queues WHERE id = ?", {queue_id}));
  if (!q) return Status::NotFound(fmt::format("queue {} not found", queue_id));
  STM_ASSIGN_OR_RETURN(
      auto rows,
      tx->Query("SELECT case_id FROM case_queues WHERE queue_id = ? AND active = 1 ORDER BY case_id",
                {queue_id}));
  std::vector<int64_t> out;
  for (const auto& r : rows) out.push_back(r.Int(0));
  return out;
}

// ---- rules
// ---------------------------------------------------------------------------------------------------

Status QueueService::CheckRuleReferences(store::Tx& tx, const RoutingRule& rule) {
  STM_ASSIGN_OR_RETURN(auto q, tx.QueryOne("SELECT id FROM queues WHERE id = ?", {rule.queue_id}));
  if (!q) return Status::InvalidArgument(fmt::format("queue_id: queue {} not found", rule.queue_id));
  for (size_t i = 0; i < rule.match.flags.size(); ++i) {
    STM_ASSIGN_OR_RETURN(auto def, FindFlagDefinition(tx, rule.match.flags[i]));
    if (!def) {
      return Status::InvalidArgument(
          fmt::format("match.flags[{}]: no flag definition with code '{}'", i, rule.match.flags[i]));
    }
  }
  return Status::Ok();
}

Result<RoutingRule> QueueService::LoadRule(store::Tx& tx, int64_t id) {
  STM_ASSIGN_OR_RETURN(
      auto row, tx.QueryOne(fmt::format("SELECT {} FROM routing_rules WHERE id = ?", kRuleColumns), {id}));
  if (!row) return Status::NotFound(fmt::format("routing rule {} not found", id));
  return RuleFromRow(*row);
}

Result<std::vector<RoutingRule>> QueueService::LoadRules(store::Tx& tx) {
  STM_ASSIGN_OR_RETURN(
      auto rows, tx.Query(fmt::format("SELECT {} FROM routing_rules ORDER BY priority, id", kRuleColumns)));
  std::vector<RoutingRule> out;
  for (const auto& r : rows) {
    STM_ASSIGN_OR_RETURN(auto rule, RuleFromRow(r));
    out.push_back(std::move(rule));
  }
  return out;
}

Result<RoutingRule> QueueService::InsertRule(store::Tx& tx, const audit::Context& ctx, const Json& body) {
  STM_ASSIGN_OR_RETURN(RoutingRule rule, RoutingRuleFromJson(body));
  STM_RETURN_IF_ERROR(CheckRuleReferences(tx, rule));
  STM_ASSIGN_OR_RETURN(auto existing,
                       tx.QueryOne("SELECT id FROM routing_rules WHERE name = ?", {rule.name}));
  if (existing) {
    return Status::AlreadyExists(
        fmt::format("a routing rule named '{}' exists (id {})", rule.name, existing->Int(0)));
  }
  int64_t now = Micros(clock_);
  STM_ASSIGN_OR_RETURN(auto row,
                       tx.QueryOne("INSERT INTO routing_rules (name, description, priority, queue_id, "
                                   "enabled, match, version, created_at, updated_at) "
                                   "VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id",
                                   {rule.name, rule.description, int64_t{rule.priority}, rule.queue_id,
                                    int64_t{rule.enabled ? 1 : 0}, MatchJson(rule).dump(), now, now}));
  rule.id = row->Int(0);
  rule.version = 1;
  STM_RETURN_IF_ERROR(audit::Append(
      tx, clock_, ctx, {"routing_rule.create", fmt::format("routing_rule:{}", rule.id), ToJson(rule)}));
  return rule;
}

Result<RoutingRule> QueueService::CreateRule(const audit::Context& ctx, const Json& body) {
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kWrite));
  STM_ASSIGN_OR_RETURN(auto rule, InsertRule(*tx, ctx, body));
  STM_RETURN_IF_ERROR(tx->Commit());
  return rule;
}

Result<RoutingRule> QueueService::UpdateRule(const audit::Context& ctx, int64_t id, int64_t expected_version,
                                             const Json& body) {
  STM_ASSIGN_OR_RETURN(RoutingRule rule, RoutingRuleFromJson(body));
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kWrite));
  STM_ASSIGN_OR_RETURN(auto old, LoadRule(*tx, id));
  if (old.version != expected_version) {
    return Status::Conflict(fmt::format("routing rule {} is at version {}, not {}: read it again", id,
                                        old.version, expected_version));
  }
  STM_RETURN_IF_ERROR(CheckRuleReferences(*tx, rule));
  STM_ASSIGN_OR_RETURN(
      auto clash, tx->QueryOne("SELECT id FROM routing_rules WHERE name = ? AND id <> ?", {rule.name, id}));
  if (clash) {
    return Status::AlreadyExists(
        fmt::format("a routing rule named '{}' exists (id {})", rule.name, clash->Int(0)));
  }
  rule.id = id;
  rule.version = old.version + 1;
  STM_RETURN_IF_ERROR(
      tx->Exec("UPDATE routing_rules SET name = ?, description = ?, priority = ?, queue_id = ?, "
               "enabled = ?, match = ?, version = ?, updated_at = ? WHERE id = ?",
               {rule.name, rule.description, int64_t{rule.priority}, rule.queue_id,
                int64_t{rule.enabled ? 1 : 0}, MatchJson(rule).dump(), rule.version, Micros(clock_), id})
          .status());
  STM_RETURN_IF_ERROR(audit::Append(*tx, clock_, ctx,
                                    {"routing_rule.update",
                                     fmt::format("routing_rule:{}", id),
                                     {{"from", ToJson(old)}, {"to", ToJson(rule)}}}));
  STM_RETURN_IF_ERROR(tx->Commit());
  return rule;
}

Result<RoutingRule> QueueService::SetRuleEnabled(const audit::Context& ctx, int64_t id, bool enabled) {
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kWrite));
  STM_ASSIGN_OR_RETURN(auto rule, LoadRule(*tx, id));
  rule.enabled = enabled;
  rule.version += 1;
  STM_RETURN_IF_ERROR(
      tx->Exec("UPDATE routing_rules SET enabled = ?, version = ?, updated_at = ? WHERE id = ?",
               {int64_t{enabled ? 1 : 0}, rule.version, Micros(clock_), id})
          .status());
  STM_RETURN_IF_ERROR(audit::Append(*tx, clock_, ctx,
                                    {enabled ? "routing_rule.enable" : "routing_rule.disable",
                                     fmt::format("routing_rule:{}", id),
                                     {{"version", rule.version}}}));
  STM_RETURN_IF_ERROR(tx->Commit());
  return rule;
}

Result<std::vector<RoutingRule>> QueueService::ListRules() {
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  return LoadRules(*tx);
}

Result<RoutingRule> QueueService::GetRule(int64_t id) {
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  return LoadRule(*tx, id);
}

// ---- flag definitions
// ----------------------------------------------------------------------------------------

Result<std::optional<FlagDefinition>> QueueService::FindFlagDefinition(store::Tx& tx,
                                                                       const std::string& code) {
  STM_ASSIGN_OR_RETURN(auto row, tx.QueryOne(fmt::format("SELECT {} FROM flag_definitions WHERE code = ?",
                                                         kFlagDefinitionColumns),
                                             {code}));
  if (!row) return std::optional<FlagDefinition>();
  return std::optional<FlagDefinition>(DefinitionFromRow(*row));
}

Result<FlagDefinition> QueueService::InsertFlagDefinition(store::Tx& tx, const audit::Context& ctx,
                                                          const Json& body) {
  STM_ASSIGN_OR_RETURN(FlagDefinition f, FlagDefinitionFromJson(body));
  return StoreFlagDefinition(tx, ctx, std::move(f));
}

Status QueueService::EnsureFlagDefinitionInTx(store::Tx& tx, const audit::Context& ctx,
                                              const Json& definition) {
  // FlagDefinitionFromJson wants a role that may remove the flag; a system-only flag has none, so it is
  // parsed with a placeholder role that is then dropped.
  Json body = definition;
  bool system_only = body.is_object() && body.contains("removable_by") && body["removable_by"].is_array() &&
                     body["removable_by"].empty();
  if (system_only) body["removable_by"] = Json::array({"administrator"});
  STM_ASSIGN_OR_RETURN(FlagDefinition f, FlagDefinitionFromJson(body));
  if (system_only) f.removable_by.clear();
  STM_ASSIGN_OR_RETURN(auto existing, FindFlagDefinition(tx, f.code));
  if (existing) return Status::Ok();
  return StoreFlagDefinition(tx, ctx, std::move(f)).status();
}

Result<FlagDefinition> QueueService::StoreFlagDefinition(store::Tx& tx, const audit::Context& ctx,
                                                         FlagDefinition f) {
  STM_ASSIGN_OR_RETURN(auto existing, FindFlagDefinition(tx, f.code));
  if (existing)
    return Status::AlreadyExists(fmt::format("flag '{}' is already defined (id {})", f.code, existing->id));
  int64_t now = Micros(clock_);
  STM_ASSIGN_OR_RETURN(
      auto row,
      tx.QueryOne("INSERT INTO flag_definitions (code, name, level, blocks_finalising, "
                  "removable_by, description, source, created_at) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                  {f.code, f.name, std::string(FlagLevelName(f.level)), int64_t{f.blocks_finalising ? 1 : 0},
                   Json(f.removable_by).dump(), f.description, f.source, now}));
  f.id = row->Int(0);
  f.created_at = FromUnixMicros(now);
  STM_RETURN_IF_ERROR(audit::Append(
      tx, clock_, ctx, {"flag_definition.create", fmt::format("flag_definition:{}", f.id), ToJson(f)}));
  return f;
}

Result<FlagDefinition> QueueService::DefineFlag(const audit::Context& ctx, const Json& body) {
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kWrite));
  STM_ASSIGN_OR_RETURN(auto f, InsertFlagDefinition(*tx, ctx, body));
  STM_RETURN_IF_ERROR(tx->Commit());
  return f;
}

Result<std::vector<FlagDefinition>> QueueService::ListFlagDefinitions() {
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  STM_ASSIGN_OR_RETURN(auto rows, tx->Query(fmt::format("SELECT {} FROM flag_definitions ORDER BY code",
                                                        kFlagDefinitionColumns)));
  std::vector<FlagDefinition> out;
  for (const auto& r : rows) out.push_back(DefinitionFromRow(r));
  return out;
}

// ---- cases
// ---------------------------------------------------------------------------------------------------

Status QueueService::CheckCaseAccess(const Actor& actor, int64_t case_id) {
  STM_RETURN_IF_ERROR(NoExporters(actor));
  if (licensing_ != nullptr) return licensing_->GetCase(actor, case_id).status();
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  STM_ASSIGN_OR_RETURN(auto row, tx->QueryOne("SELECT id FROM cases WHERE id = ?", {case_id}));
  if (!row) return Status::NotFound(fmt::format("case {} not found", case_id));
  return Status::Ok();
}

Result<std::vector<CaseFlag>> QueueService::LoadCaseFlags(store::Tx& tx, int64_t case_id) {
  STM_ASSIGN_OR_RETURN(
      auto rows, tx.Query(fmt::format("SELECT {} FROM case_flags cf JOIN flag_definitions fd ON fd.id = "
                                      "cf.flag_id WHERE cf.case_id = ? ORDER BY cf.active DESC, cf.id DESC",
                                      kFlagColumns),
                          {case_id}));
  std::vector<CaseFlag> out;
  for (const auto& r : rows) out.push_back(FlagFromRow(r));
  return out;
}

Result<CaseRouting> QueueService::LoadRouting(store::Tx& tx, int64_t case_id) {
  CaseRouting out;
  out.case_id = case_id;
  STM_ASSIGN_OR_RETURN(auto rows,
                       tx.Query("SELECT cq.queue_id, q.name, cq.rule_id, cq.explanation, cq.routed_at "
                                "FROM case_queues cq JOIN queues q ON q.id = cq.queue_id "
                                "WHERE cq.case_id = ? AND cq.active = 1 ORDER BY cq.id",
                                {case_id}));
  for (const auto& r : rows) {
    out.placements.push_back({r.Int(0), r.Text(1), r.OptInt(2), r.Text(3), FromUnixMicros(r.Int(4))});
  }
  STM_ASSIGN_OR_RETURN(
      auto d, tx.QueryOne("SELECT decision, routed_at FROM case_routing WHERE case_id = ?", {case_id}));
  out.decision = d ? ParseJsonText(d->Text(0)) : Json(nullptr);
  if (d) out.routed_at = FromUnixMicros(d->Int(1));
  return out;
}

Status QueueService::RouteInTx(store::Tx& tx, const audit::Context& ctx, int64_t case_id) {
  STM_ASSIGN_OR_RETURN(auto row, tx.QueryOne("SELECT a.body FROM cases c JOIN applications a ON a.id = "
                                             "c.application_id WHERE c.id = ?",
                                             {case_id}));
  if (!row) return Status::NotFound(fmt::format("case {} not found", case_id));
  Json body = ParseJsonText(row->Text(0));
  auto application = ApplicationFromJson(body);
  if (!application.ok()) {
    return Status::DataLoss(
        fmt::format("case {}: stored application is malformed: {}", case_id, application.status().message()));
  }
  STM_ASSIGN_OR_RETURN(auto flags, LoadCaseFlags(tx, case_id));
  std::vector<std::string> codes;
  for (const auto& f : flags) {
    if (f.active) codes.push_back(f.code);
  }
  STM_ASSIGN_OR_RETURN(auto rules, LoadRules(tx));
  STM_ASSIGN_OR_RETURN(auto def, tx.QueryOne("SELECT id FROM queues WHERE is_default = 1"));
  std::optional<int64_t> default_queue;
  if (def) default_queue = def->Int(0);
  RoutingFacts facts = FactsFor(*application, codes, options_.regimes_of);
  RoutingDecision decision = licensing::Route(rules, facts, default_queue);

  int64_t now = Micros(clock_);
  STM_RETURN_IF_ERROR(
      tx.Exec("UPDATE case_queues SET active = 0 WHERE case_id = ? AND active = 1", {case_id}).status());
  Json placed = Json::array();
  for (const auto& p : decision.placements) {
    STM_RETURN_IF_ERROR(tx.Exec("INSERT INTO case_queues (case_id, queue_id, rule_id, active, explanation, "
                                "routed_at) VALUES (?, ?, ?, 1, ?, ?)",
                                {case_id, p.queue_id, store::Opt(p.rule_id), p.explanation, now})
                            .status());
    placed.push_back({{"queue_id", p.queue_id}, {"rule_id", p.rule_id ? Json(*p.rule_id) : Json(nullptr)}});
  }
  STM_RETURN_IF_ERROR(tx.Exec("INSERT INTO case_routing (case_id, decision, routed_at) VALUES (?, ?, ?) "
                              "ON CONFLICT (case_id) DO UPDATE SET decision = excluded.decision, "
                              "routed_at = excluded.routed_at",
                              {case_id, ToJson(decision).dump(), now})
                          .status());
  return audit::Append(
      tx, clock_, ctx,
      {"case.route", CaseTarget(case_id), {{"placements", placed}, {"defaulted", decision.defaulted}}});
}

Result<CaseRouting> QueueService::Route(const audit::Context& ctx, const Actor& actor, int64_t case_id) {
  STM_RETURN_IF_ERROR(CheckCaseAccess(actor, case_id));
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kWrite));
  STM_RETURN_IF_ERROR(RouteInTx(*tx, ctx, case_id));
  STM_ASSIGN_OR_RETURN(auto routing, LoadRouting(*tx, case_id));
  STM_RETURN_IF_ERROR(tx->Commit());
  return routing;
}

Result<CaseRouting> QueueService::Routing(const Actor& actor, int64_t case_id) {
  STM_RETURN_IF_ERROR(CheckCaseAccess(actor, case_id));
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  return LoadRouting(*tx, case_id);
}

Result<std::vector<CaseFlag>> QueueService::CaseFlags(const Actor& actor, int64_t case_id) {
  STM_RETURN_IF_ERROR(CheckCaseAccess(actor, case_id));
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  return LoadCaseFlags(*tx, case_id);
}

Status QueueService::RecomputeBlocking(store::Tx& tx, int64_t case_id) {
  STM_ASSIGN_OR_RETURN(auto row, tx.QueryOne("SELECT risk FROM cases WHERE id = ?", {case_id}));
  if (!row) return Status::NotFound(fmt::format("case {} not found", case_id));
  Json risk = ParseJsonText(row->Text(0));
  bool blocking = risk.is_object() && risk.contains("blocking") && risk["blocking"].is_boolean() &&
                  risk["blocking"].get<bool>();
  STM_ASSIGN_OR_RETURN(auto flag,
                       tx.QueryOne("SELECT COUNT(*) FROM case_flags cf JOIN flag_definitions fd ON "
                                   "fd.id = cf.flag_id WHERE cf.case_id = ? AND cf.active = 1 AND "
                                   "fd.blocks_finalising = 1",
                                   {case_id}));
  blocking = blocking || (flag && flag->Int(0) > 0);
  // The case version is not changed: a flag is not a transition, and an officer's open form stays valid.
  return tx.Exec("UPDATE cases SET has_blocking_flags = ? WHERE id = ?", {int64_t{blocking ? 1 : 0}, case_id})
      .status();
}

Result<CaseFlag> QueueService::AddFlagInTx(store::Tx& tx, const audit::Context& ctx, const Actor& actor,
                                           int64_t case_id, const std::string& code,
                                           const std::string& subject_in, const std::string& reason_in) {
  std::string reason = Trim(reason_in);
  if (reason.empty()) return Status::InvalidArgument("reason: required: why the case is flagged");
  if (reason.size() > kMaxLongText) return Status::InvalidArgument("reason: too long");
  std::string subject = Trim(subject_in);
  if (subject.empty()) subject = "case";
  STM_ASSIGN_OR_RETURN(auto def, FindFlagDefinition(tx, code));
  if (!def) return Status::InvalidArgument(fmt::format("code: no flag definition with code '{}'", code));
  STM_ASSIGN_OR_RETURN(auto row, tx.QueryOne("SELECT a.body FROM cases c JOIN applications a ON a.id = "
                                             "c.application_id WHERE c.id = ?",
                                             {case_id}));
  if (!row) return Status::NotFound(fmt::format("case {} not found", case_id));
  auto application = ApplicationFromJson(ParseJsonText(row->Text(0)));
  if (!application.ok())
    return Status::DataLoss(fmt::format("case {}: stored application is malformed", case_id));
  STM_RETURN_IF_ERROR(CheckSubject(*def, *application, subject));
  STM_ASSIGN_OR_RETURN(auto dup,
                       tx.QueryOne("SELECT id FROM case_flags WHERE case_id = ? AND flag_id = ? AND "
                                   "subject = ? AND active = 1",
                                   {case_id, def->id, subject}));
  if (dup) {
    return Status::AlreadyExists(fmt::format("flag '{}' on {} is already active on case {} (flag {})", code,
                                             subject, case_id, dup->Int(0)));
  }
  STM_ASSIGN_OR_RETURN(auto inserted,
                       tx.QueryOne("INSERT INTO case_flags (case_id, flag_id, subject, reason, "
                                   "active, added_by, added_at) VALUES (?, ?, ?, ?, 1, ?, ?) "
                                   "RETURNING id",
                                   {case_id, def->id, subject, reason, ActorName(actor), Micros(clock_)}));
  int64_t flag_id = inserted->Int(0);
  STM_RETURN_IF_ERROR(RecomputeBlocking(tx, case_id));
  STM_RETURN_IF_ERROR(audit::Append(tx, clock_, ctx,
                                    {"case.flag.add",
                                     CaseTarget(case_id),
                                     {{"flag_id", flag_id},
                                      {"code", code},
                                      {"subject", subject},
                                      {"reason", reason},
                                      {"blocks_finalising", def->blocks_finalising}}}));
  STM_RETURN_IF_ERROR(RouteInTx(tx, ctx, case_id));  // rules may match on flags
  STM_ASSIGN_OR_RETURN(auto flags, LoadCaseFlags(tx, case_id));
  for (auto& f : flags) {
    if (f.id == flag_id) return std::move(f);
  }
  return Status::Internal("added flag not found");
}

Result<CaseFlag> QueueService::AddFlag(const audit::Context& ctx, const Actor& actor, int64_t case_id,
                                       const std::string& code, const std::string& subject,
                                       const std::string& reason) {
  STM_RETURN_IF_ERROR(CheckCaseAccess(actor, case_id));
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kWrite));
  STM_ASSIGN_OR_RETURN(auto flag, AddFlagInTx(*tx, ctx, actor, case_id, code, subject, reason));
  STM_RETURN_IF_ERROR(tx->Commit());
  return flag;
}

Result<CaseFlag> QueueService::AddSystemFlagInTx(store::Tx& tx, const audit::Context& ctx, int64_t case_id,
                                                 const std::string& code, const std::string& subject,
                                                 const std::string& reason) {
  return AddFlagInTx(tx, ctx, Actor::System(), case_id, code, subject, reason);
}

Result<CaseFlag> QueueService::RemoveFlagInTx(store::Tx& tx, const audit::Context& ctx, const Actor& actor,
                                              std::optional<int64_t> case_id_in, int64_t flag_id,
                                              const std::string& reason_in, bool check_roles) {
  std::string reason = Trim(reason_in);
  if (reason.empty()) return Status::InvalidArgument("reason: required: why the flag is removed");
  if (reason.size() > kMaxLongText) return Status::InvalidArgument("reason: too long");
  int64_t case_id = 0;
  if (case_id_in) {
    case_id = *case_id_in;
  } else {
    STM_ASSIGN_OR_RETURN(auto row, tx.QueryOne("SELECT case_id FROM case_flags WHERE id = ?", {flag_id}));
    if (!row) return Status::NotFound(fmt::format("flag {} not found", flag_id));
    case_id = row->Int(0);
  }
  STM_ASSIGN_OR_RETURN(auto flags, LoadCaseFlags(tx, case_id));
  auto it = std::find_if(flags.begin(), flags.end(), [&](const CaseFlag& f) { return f.id == flag_id; });
  if (it == flags.end()) return Status::NotFound(fmt::format("case {} has no flag {}", case_id, flag_id));
  if (!it->active) return Status::FailedPrecondition(fmt::format("flag {} was already removed", flag_id));
  std::string role(actor.is_system ? "system" : auth::RoleName(actor.role));
  if (check_roles &&
      std::find(it->removable_by.begin(), it->removable_by.end(), role) == it->removable_by.end()) {
    if (it->removable_by.empty()) {
      return Status::PermissionDenied(fmt::format(
          "flag '{}' is removed only by the system (when its cause is resolved); not by {}", it->code, role));
    }
    std::string who;
    for (const auto& r : it->removable_by) who += (who.empty() ? "" : ", ") + r;
    return Status::PermissionDenied(
        fmt::format("flag '{}' may be removed only by {}; not by {}", it->code, who, role));
  }
  STM_RETURN_IF_ERROR(tx.Exec("UPDATE case_flags SET active = 0, removed_by = ?, removed_at = ?, "
                              "removal_reason = ? WHERE id = ?",
                              {ActorName(actor), Micros(clock_), reason, flag_id})
                          .status());
  STM_RETURN_IF_ERROR(RecomputeBlocking(tx, case_id));
  STM_RETURN_IF_ERROR(audit::Append(tx, clock_, ctx,
                                    {"case.flag.remove",
                                     CaseTarget(case_id),
                                     {{"flag_id", flag_id}, {"code", it->code}, {"reason", reason}}}));
  STM_RETURN_IF_ERROR(RouteInTx(tx, ctx, case_id));
  STM_ASSIGN_OR_RETURN(flags, LoadCaseFlags(tx, case_id));
  for (auto& f : flags) {
    if (f.id == flag_id) return std::move(f);
  }
  return Status::Internal("removed flag not found");
}

Result<CaseFlag> QueueService::RemoveFlag(const audit::Context& ctx, const Actor& actor, int64_t case_id,
                                          int64_t flag_id, const std::string& reason) {
  STM_RETURN_IF_ERROR(CheckCaseAccess(actor, case_id));
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kWrite));
  STM_ASSIGN_OR_RETURN(auto flag, RemoveFlagInTx(*tx, ctx, actor, case_id, flag_id, reason, true));
  STM_RETURN_IF_ERROR(tx->Commit());
  return flag;
}

Status QueueService::RemoveSystemFlagInTx(store::Tx& tx, const audit::Context& ctx, int64_t flag_id,
                                          const std::string& reason) {
  return RemoveFlagInTx(tx, ctx, Actor::System(), std::nullopt, flag_id, reason, false).status();
}

// ---- seed
// ----------------------------------------------------------------------------------------------------

Result<SeedReport> QueueService::SeedFromFile(const audit::Context& ctx, const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound(fmt::format("routing seed file '{}' not found", path));
  std::stringstream ss;
  ss << in.rdbuf();
  Json seed = Json::parse(ss.str(), nullptr, false);
  if (seed.is_discarded() || !seed.is_object()) {
    return Status::InvalidArgument(fmt::format("{}: not a JSON object", path));
  }
  auto section = [&](const char* name) -> Result<Json> {
    if (!seed.contains(name)) return Json::array();
    if (!seed[name].is_array())
      return Status::InvalidArgument(fmt::format("{}: {}: expected an array", path, name));
    return seed[name];
  };
  auto empty = [](store::Tx& tx, const char* table) -> Result<bool> {
    STM_ASSIGN_OR_RETURN(auto row, tx.QueryOne(fmt::format("SELECT COUNT(*) FROM {}", table)));
    return row->Int(0) == 0;
  };
  auto where = [&](const char* name, size_t i, const Status& s) {
    return Status(s.code(), fmt::format("{}: {}[{}]: {}", path, name, i, s.message()));
  };
  SeedReport report;
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kWrite));
  // All or nothing: once an administrator has made any of these, the seed would clash with their choices
  // (rules naming queues that are not there), so it is not applied at all.
  for (const char* table : {"teams", "queues", "routing_rules", "flag_definitions"}) {
    STM_ASSIGN_OR_RETURN(bool is_empty, empty(*tx, table));
    if (!is_empty) return report;
  }
  STM_ASSIGN_OR_RETURN(Json teams, section("teams"));
  for (size_t i = 0; i < teams.size(); ++i) {
    const Json& t = teams[i];
    if (!t.is_object() || !t.contains("name") || !t["name"].is_string()) {
      return where("teams", i, Status::InvalidArgument("name: required string"));
    }
    auto description = OptText(t, "description", kMaxLongText);
    if (!description.ok()) return where("teams", i, description.status());
    auto team = InsertTeam(*tx, ctx, t["name"].get<std::string>(), *description);
    if (!team.ok()) return where("teams", i, team.status());
    ++report.teams;
  }
  STM_ASSIGN_OR_RETURN(Json queues, section("queues"));
  for (size_t i = 0; i < queues.size(); ++i) {
    const Json& q = queues[i];
    if (!q.is_object() || !q.contains("name") || !q["name"].is_string() || !q.contains("team") ||
        !q["team"].is_string()) {
      return where("queues", i, Status::InvalidArgument("name and team (a team name): required strings"));
    }
    STM_ASSIGN_OR_RETURN(auto team,
                         tx->QueryOne("SELECT id FROM teams WHERE name = ?", {q["team"].get<std::string>()}));
    if (!team) {
      return where("queues", i,
                   Status::InvalidArgument(fmt::format("team: no team named {}", q["team"].dump())));
    }
    auto description = OptText(q, "description", kMaxLongText);
    if (!description.ok()) return where("queues", i, description.status());
    if (q.contains("is_default") && !q["is_default"].is_boolean()) {
      return where("queues", i, Status::InvalidArgument("is_default: expected true or false"));
    }
    auto queue = InsertQueue(*tx, ctx, q["name"].get<std::string>(), team->Int(0),
                             q.contains("is_default") && q["is_default"].get<bool>(), *description);
    if (!queue.ok()) return where("queues", i, queue.status());
    ++report.queues;
  }
  STM_ASSIGN_OR_RETURN(Json definitions, section("flag_definitions"));
  for (size_t i = 0; i < definitions.size(); ++i) {
    auto def = InsertFlagDefinition(*tx, ctx, definitions[i]);
    if (!def.ok()) return where("flag_definitions", i, def.status());
    ++report.flag_definitions;
  }
  STM_ASSIGN_OR_RETURN(Json rules, section("rules"));
  for (size_t i = 0; i < rules.size(); ++i) {
    Json r = rules[i];
    if (!r.is_object() || !r.contains("queue") || !r["queue"].is_string()) {
      return where("rules", i, Status::InvalidArgument("queue: required: a queue name"));
    }
    STM_ASSIGN_OR_RETURN(
        auto queue, tx->QueryOne("SELECT id FROM queues WHERE name = ?", {r["queue"].get<std::string>()}));
    if (!queue) {
      return where("rules", i,
                   Status::InvalidArgument(fmt::format("queue: no queue named {}", r["queue"].dump())));
    }
    r.erase("queue");
    r["queue_id"] = queue->Int(0);
    auto rule = InsertRule(*tx, ctx, r);
    if (!rule.ok()) return where("rules", i, rule.status());
    ++report.rules;
  }
  STM_RETURN_IF_ERROR(tx->Commit());
  return report;
}

}  // namespace stm::licensing
