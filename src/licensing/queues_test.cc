#include "licensing/queues.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/crypto.h"
#include "store/migrate.h"
#include "store/sqlite_db.h"
#include "store/testing.h"

namespace stm::licensing {
namespace {

namespace fs = std::filesystem;
using auth::Role;
using nlohmann::json;

json Body(const std::string& country, const std::string& code, double value) {
  return {{"type", "individual"},
          {"goods",
           {{{"description", "item"},
             {"control_codes", {code}},
             {"quantity", 1},
             {"unit", "pcs"},
             {"value", value},
             {"currency", "EUR"}}}},
          {"parties",
           {{{"role", "consignee"}, {"name", "C"}, {"address", "A"}, {"country", country}},
            {{"role", "end_user"}, {"name", "E"}, {"address", "A"}, {"country", country}}}},
          {"end_use", "research"}};
}

std::vector<std::string> Regimes(std::string_view code) {
  if (code.starts_with("1C2") || code.starts_with("3A2")) return {"nsg2"};
  return {"wa_du"};
}

class QueueServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::OpenTempDatabase("stm-queues", clock_, &dir_);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    auto tx = db_->Begin(store::TxMode::kWrite);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(
        (*tx)
            ->Exec("INSERT INTO organisations (name, kind, created_at) VALUES ('Exporter A', 'exporter', 0)")
            .ok());
    for (const char* name : {"exp_a", "officer", "senior"}) {
      ASSERT_TRUE(
          (*tx)
              ->Exec("INSERT INTO users (username, role, created_at) VALUES (?, 'x', 0)", {std::string(name)})
              .ok());
    }
    ASSERT_TRUE((*tx)->Commit().ok());
    QueueOptions options;
    options.regimes_of = Regimes;
    service_ = std::make_unique<QueueService>(*db_, clock_, options);
  }
  void TearDown() override {
    service_.reset();
    db_.reset();
    fs::remove_all(dir_);
  }

  // A submitted application and its case, written directly (the licensing service is tested elsewhere).
  int64_t InsertCase(const json& body, bool risk_blocking = false) {
    auto tx = db_->Begin(store::TxMode::kWrite);
    EXPECT_TRUE(tx.ok());
    auto app = (*tx)->QueryOne(
        "INSERT INTO applications (org_id, created_by, type, status, version, body, created_at, updated_at, "
        "submitted_at) VALUES (1, 1, 'individual', 'submitted', 2, ?, 0, 0, 0) RETURNING id",
        {body.dump()});
    EXPECT_TRUE(app.ok()) << app.status().ToString();
    int64_t app_id = (*app)->Int(0);
    json risk = {{"flags", json::array()}, {"blocking", risk_blocking}, {"assessor", "test"}};
    auto c = (*tx)->QueryOne(
        "INSERT INTO cases (application_id, org_id, reference, state, version, has_blocking_flags, "
        "sla_started_at, risk, submitted_at, updated_at) VALUES (?, 1, ?, 'submitted', 1, ?, 0, ?, 0, 0) "
        "RETURNING id",
        {app_id, fmt::format("CASE-2026-{:06}", app_id), int64_t{risk_blocking ? 1 : 0}, risk.dump()});
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    EXPECT_TRUE((*tx)->Commit().ok());
    return (*c)->Int(0);
  }
  std::pair<bool, int64_t> BlockingAndVersion(int64_t case_id) {
    auto tx = db_->Begin(store::TxMode::kRead);
    auto row = (*tx)->QueryOne("SELECT has_blocking_flags, version FROM cases WHERE id = ?", {case_id});
    return {(*row)->Int(0) != 0, (*row)->Int(1)};
  }
  std::vector<std::string> AuditActions(const std::string& target) {
    auto tx = db_->Begin(store::TxMode::kRead);
    auto rows = (*tx)->Query("SELECT action FROM audit_events WHERE target = ? ORDER BY seq", {target});
    std::vector<std::string> out;
    for (const auto& r : *rows) out.push_back(r.Text(0));
    return out;
  }
  // A team, a default queue "Intake" and a second queue; returns {default, other}.
  std::pair<int64_t, int64_t> Queues() {
    auto team = service_->CreateTeam(ctx_, "Licensing", "");
    EXPECT_TRUE(team.ok()) << team.status().ToString();
    auto intake = service_->CreateQueue(ctx_, "Intake", team->id, true, "");
    auto sensitive = service_->CreateQueue(ctx_, "Sensitive", team->id, false, "");
    EXPECT_TRUE(intake.ok() && sensitive.ok());
    return {intake->id, sensitive->id};
  }
  json ScreeningHit() {
    return {{"code", "screening_hit"},
            {"name", "Screening hit"},
            {"level", "party"},
            {"blocks_finalising", true},
            {"removable_by", {"senior_licensing_officer"}}};
  }

  FakeClock clock_{FromUnixMicros(1'772'442'000'000'000)};
  fs::path dir_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<QueueService> service_;
  audit::Context ctx_{"test", "-"};
  Actor officer_ = Actor::User(Role::kLicensingOfficer, UserId(2), OrgId());
  Actor senior_ = Actor::User(Role::kSeniorLicensingOfficer, UserId(3), OrgId());
  Actor exporter_ = Actor::User(Role::kExporterUser, UserId(1), OrgId(1));
};

TEST_F(QueueServiceTest, TeamsAndMembers) {
  auto team = service_->CreateTeam(ctx_, "  Licensing ", "intake");
  ASSERT_TRUE(team.ok()) << team.status().ToString();
  EXPECT_EQ(team->name, "Licensing");
  EXPECT_EQ(service_->CreateTeam(ctx_, "Licensing", "").status().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(service_->CreateTeam(ctx_, " ", "").status().code(), ErrorCode::kInvalidArgument);
  auto added = service_->AddTeamMember(ctx_, team->id, UserId(2));
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  EXPECT_EQ(added->members, std::vector<int64_t>{2});
  EXPECT_TRUE(service_->AddTeamMember(ctx_, team->id, UserId(2)).ok());  // no-op
  EXPECT_EQ(service_->AddTeamMember(ctx_, team->id, UserId(99)).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(service_->AddTeamMember(ctx_, 99, UserId(2)).status().code(), ErrorCode::kNotFound);
  auto removed = service_->RemoveTeamMember(ctx_, team->id, UserId(2));
  ASSERT_TRUE(removed.ok());
  EXPECT_TRUE(removed->members.empty());
  EXPECT_EQ(service_->RemoveTeamMember(ctx_, team->id, UserId(2)).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(AuditActions(fmt::format("team:{}", team->id)),
            (std::vector<std::string>{"team.create", "team.member.add", "team.member.remove"}));
  auto teams = service_->ListTeams();
  ASSERT_TRUE(teams.ok());
  EXPECT_EQ(teams->size(), 1u);
}

TEST_F(QueueServiceTest, AtMostOneDefaultQueue) {
  auto [intake, sensitive] = Queues();
  auto second = service_->CreateQueue(ctx_, "Other default", 1, true, "");
  EXPECT_EQ(second.status().code(), ErrorCode::kAlreadyExists);
  EXPECT_NE(second.status().message().find("('Intake') is already the default"), std::string::npos);
  EXPECT_EQ(service_->CreateQueue(ctx_, "Sensitive", 1, false, "").status().code(),
            ErrorCode::kAlreadyExists);
  auto bad_team = service_->CreateQueue(ctx_, "X", 42, false, "");
  EXPECT_EQ(bad_team.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(bad_team.status().message().find("team_id"), std::string::npos);
  auto queues = service_->ListQueues();
  ASSERT_TRUE(queues.ok());
  ASSERT_EQ(queues->size(), 2u);
  EXPECT_TRUE((*queues)[0].is_default);
  EXPECT_EQ((*queues)[0].id, intake);
  EXPECT_EQ((*queues)[1].id, sensitive);
}

TEST_F(QueueServiceTest, RulesAreValidatedVersionedAndAudited) {
  auto [intake, sensitive] = Queues();
  auto unknown_queue = service_->CreateRule(ctx_, {{"name", "r"}, {"queue_id", 99}});
  EXPECT_EQ(unknown_queue.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(unknown_queue.status().message().find("queue_id: queue 99 not found"), std::string::npos);
  auto undefined_flag =
      service_->CreateRule(ctx_, {{"name", "r"}, {"queue_id", sensitive}, {"match", {{"flags", {"nope"}}}}});
  EXPECT_NE(undefined_flag.status().message().find("match.flags[0]: no flag definition with code 'nope'"),
            std::string::npos);
  auto bad = service_->CreateRule(
      ctx_, {{"name", "r"}, {"queue_id", sensitive}, {"match", {{"destinations", {"IR", "KP", "ZZ"}}}}});
  EXPECT_NE(bad.status().message().find("match.destinations[2]: 'ZZ' is not an ISO 3166 alpha-2 code"),
            std::string::npos);

  auto rule = service_->CreateRule(ctx_, {{"name", "Embargo"},
                                          {"priority", 10},
                                          {"queue_id", sensitive},
                                          {"match", {{"destinations", {"IR"}}}}});
  ASSERT_TRUE(rule.ok()) << rule.status().ToString();
  EXPECT_EQ(rule->version, 1);
  EXPECT_EQ(service_->CreateRule(ctx_, {{"name", "Embargo"}, {"queue_id", sensitive}}).status().code(),
            ErrorCode::kAlreadyExists);

  json changed = ToJson(*rule);
  changed["match"]["destinations"] = {"IR", "KP"};
  auto updated = service_->UpdateRule(ctx_, rule->id, 1, changed);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ(updated->version, 2);
  EXPECT_EQ(updated->match.destinations, (std::vector<std::string>{"IR", "KP"}));
  auto stale = service_->UpdateRule(ctx_, rule->id, 1, changed);
  EXPECT_EQ(stale.status().code(), ErrorCode::kConflict);

  auto disabled = service_->SetRuleEnabled(ctx_, rule->id, false);
  ASSERT_TRUE(disabled.ok());
  EXPECT_FALSE(disabled->enabled);
  EXPECT_EQ(disabled->version, 3);
  auto got = service_->GetRule(rule->id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, *disabled);
  EXPECT_EQ(service_->GetRule(999).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(AuditActions(fmt::format("routing_rule:{}", rule->id)),
            (std::vector<std::string>{"routing_rule.create", "routing_rule.update", "routing_rule.disable"}));
}

TEST_F(QueueServiceTest, RoutesByRulesWithExplanationAndDefault) {
  auto [intake, sensitive] = Queues();
  ASSERT_TRUE(service_
                  ->CreateRule(ctx_, {{"name", "Embargo"},
                                      {"priority", 10},
                                      {"queue_id", sensitive},
                                      {"match", {{"destinations", {"IR", "KP"}}, {"regimes", {"nsg2"}}}}})
                  .ok());
  int64_t iran = InsertCase(Body("IR", "3A225", 5000));
  int64_t germany = InsertCase(Body("DE", "3A225", 5000));

  auto routed = service_->Route(ctx_, officer_, iran);
  ASSERT_TRUE(routed.ok()) << routed.status().ToString();
  ASSERT_EQ(routed->placements.size(), 1u);
  EXPECT_EQ(routed->placements[0].queue_id, sensitive);
  EXPECT_EQ(routed->placements[0].queue_name, "Sensitive");
  EXPECT_NE(routed->placements[0].explanation.find("destination IR is in [IR, KP]: yes"), std::string::npos);
  EXPECT_NE(routed->placements[0].explanation.find("regime nsg2 (of 3A225) is in [nsg2]: yes"),
            std::string::npos);
  EXPECT_EQ(routed->decision["rules"][0]["matched"], true);

  auto other = service_->Route(ctx_, officer_, germany);
  ASSERT_TRUE(other.ok());
  ASSERT_EQ(other->placements.size(), 1u);
  EXPECT_EQ(other->placements[0].queue_id, intake);
  EXPECT_EQ(other->placements[0].explanation, "no routing rule matched: default queue");
  EXPECT_EQ(other->decision["rules"][0]["conditions"][0]["explanation"],
            "destination DE is not in [IR, KP]: no");

  // Routing again replaces the placement; the read shows the same.
  ASSERT_TRUE(service_->Route(ctx_, officer_, iran).ok());
  auto read = service_->Routing(officer_, iran);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->placements.size(), 1u);
  EXPECT_TRUE(read->routed_at.has_value());
  EXPECT_EQ(service_->CasesInQueue(sensitive).value(), std::vector<int64_t>{iran});
  EXPECT_EQ(service_->CasesInQueue(intake).value(), std::vector<int64_t>{germany});
  auto queues = service_->ListQueues();
  EXPECT_EQ((*queues)[0].open_cases, 1);
  EXPECT_EQ((*queues)[1].open_cases, 1);
  EXPECT_EQ(AuditActions(fmt::format("case:{}", iran)),
            (std::vector<std::string>{"case.route", "case.route"}));
  EXPECT_EQ(service_->Route(ctx_, officer_, 999).status().code(), ErrorCode::kNotFound);
}

TEST_F(QueueServiceTest, RouteInTxUsesTheCallersTransaction) {
  auto [intake, sensitive] = Queues();
  int64_t c = InsertCase(Body("DE", "1C010", 10));
  {
    auto tx = db_->Begin(store::TxMode::kWrite);
    ASSERT_TRUE(service_->RouteInTx(**tx, ctx_, c).ok());
    // Not committed: rolled back.
  }
  EXPECT_TRUE(service_->Routing(officer_, c)->placements.empty());
  auto tx = db_->Begin(store::TxMode::kWrite);
  ASSERT_TRUE(service_->RouteInTx(**tx, ctx_, c).ok());
  ASSERT_TRUE((*tx)->Commit().ok());
  EXPECT_EQ(service_->Routing(officer_, c)->placements[0].queue_id, intake);
}

TEST_F(QueueServiceTest, FlagsBlockFinalisingRerouteAndOnlyNamedRolesRemove) {
  auto [intake, sensitive] = Queues();
  auto def = service_->DefineFlag(ctx_, ScreeningHit());
  ASSERT_TRUE(def.ok()) << def.status().ToString();
  EXPECT_EQ(service_->DefineFlag(ctx_, ScreeningHit()).status().code(), ErrorCode::kAlreadyExists);
  ASSERT_TRUE(
      service_
          ->CreateRule(ctx_,
                       {{"name", "Hits"}, {"queue_id", sensitive}, {"match", {{"flags", {"screening_hit"}}}}})
          .ok());
  int64_t c = InsertCase(Body("DE", "1C010", 10));
  ASSERT_TRUE(service_->Route(ctx_, officer_, c).ok());
  EXPECT_EQ(service_->Routing(officer_, c)->placements[0].queue_id, intake);

  // Subjects must fit the level and the application.
  auto wrong_level = service_->AddFlag(ctx_, officer_, c, "screening_hit", "case", "hit");
  EXPECT_EQ(wrong_level.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(wrong_level.status().message().find("expected \"parties[N]\""), std::string::npos);
  EXPECT_EQ(service_->AddFlag(ctx_, officer_, c, "screening_hit", "parties[2]", "hit").status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(service_->AddFlag(ctx_, officer_, c, "screening_hit", "parties[0]", " ").status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(service_->AddFlag(ctx_, officer_, c, "unknown", "case", "x").status().code(),
            ErrorCode::kInvalidArgument);

  auto before = BlockingAndVersion(c);
  auto flag = service_->AddFlag(ctx_, officer_, c, "screening_hit", "parties[0]", "UN list match 0.93");
  ASSERT_TRUE(flag.ok()) << flag.status().ToString();
  EXPECT_TRUE(flag->active);
  EXPECT_TRUE(flag->blocks_finalising);
  auto after = BlockingAndVersion(c);
  EXPECT_TRUE(after.first);
  EXPECT_EQ(after.second, before.second);  // the case version is not changed
  EXPECT_EQ(service_->AddFlag(ctx_, officer_, c, "screening_hit", "parties[0]", "again").status().code(),
            ErrorCode::kAlreadyExists);
  // Re-routed: the flag rule now places it.
  auto routing = service_->Routing(officer_, c);
  ASSERT_EQ(routing->placements.size(), 1u);
  EXPECT_EQ(routing->placements[0].queue_id, sensitive);
  EXPECT_NE(routing->placements[0].explanation.find("flag 'screening_hit' present: yes"), std::string::npos);

  auto denied = service_->RemoveFlag(ctx_, officer_, c, flag->id, "false positive");
  EXPECT_EQ(denied.status().code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(denied.status().message().find("only by senior_licensing_officer"), std::string::npos);
  EXPECT_EQ(service_->RemoveFlag(ctx_, senior_, c, flag->id, "").status().code(),
            ErrorCode::kInvalidArgument);
  auto removed = service_->RemoveFlag(ctx_, senior_, c, flag->id, "false positive: different birth date");
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_FALSE(removed->active);
  EXPECT_EQ(removed->removal_reason, "false positive: different birth date");
  EXPECT_FALSE(BlockingAndVersion(c).first);
  EXPECT_EQ(service_->Routing(officer_, c)->placements[0].queue_id, intake);
  EXPECT_EQ(service_->RemoveFlag(ctx_, senior_, c, flag->id, "again").status().code(),
            ErrorCode::kFailedPrecondition);
  auto flags = service_->CaseFlags(officer_, c);
  ASSERT_TRUE(flags.ok());
  EXPECT_EQ(flags->size(), 1u);
  EXPECT_EQ(AuditActions(fmt::format("case:{}", c)),
            (std::vector<std::string>{"case.route", "case.flag.add", "case.route", "case.flag.remove",
                                      "case.route"}));
}

TEST_F(QueueServiceTest, DestinationAndCaseFlagSubjects) {
  Queues();
  auto def = service_->DefineFlag(ctx_, {{"code", "destination_concern"},
                                         {"name", "Destination of concern"},
                                         {"level", "destination"},
                                         {"removable_by", {"licensing_officer"}}});
  ASSERT_TRUE(def.ok()) << def.status().ToString();
  EXPECT_EQ(AuditActions(fmt::format("flag_definition:{}", def->id)),
            std::vector<std::string>{"flag_definition.create"});
  int64_t c = InsertCase(Body("IR", "1C010", 10));
  auto elsewhere = service_->AddFlag(ctx_, officer_, c, "destination_concern", "destination:KP", "x");
  EXPECT_EQ(elsewhere.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(elsewhere.status().message().find("KP is not a destination of the case (IR)"), std::string::npos);
  EXPECT_EQ(
      service_->AddFlag(ctx_, officer_, c, "destination_concern", "destination:XX", "x").status().code(),
      ErrorCode::kInvalidArgument);
  auto flag = service_->AddFlag(ctx_, officer_, c, "destination_concern", "destination:IR", "embargo");
  ASSERT_TRUE(flag.ok()) << flag.status().ToString();
  EXPECT_FALSE(BlockingAndVersion(c).first);  // not a blocking flag
  // A licensing officer is named in removable_by here.
  EXPECT_TRUE(service_->RemoveFlag(ctx_, officer_, c, flag->id, "cleared by policy").ok());
}

TEST_F(QueueServiceTest, RiskBlockingSurvivesFlagRemoval) {
  Queues();
  ASSERT_TRUE(service_->DefineFlag(ctx_, ScreeningHit()).ok());
  int64_t c = InsertCase(Body("DE", "1C010", 10), /*risk_blocking=*/true);
  auto flag = service_->AddFlag(ctx_, officer_, c, "screening_hit", "parties[1]", "hit");
  ASSERT_TRUE(flag.ok());
  ASSERT_TRUE(service_->RemoveFlag(ctx_, senior_, c, flag->id, "cleared").ok());
  EXPECT_TRUE(BlockingAndVersion(c).first);  // the risk assessment still blocks
}

TEST_F(QueueServiceTest, SystemFlagsInTheCallersTransaction) {
  auto [intake, sensitive] = Queues();
  json system_only = {{"code", "consultation_pending"},
                      {"name", "Consultation pending"},
                      {"level", "case"},
                      {"blocks_finalising", true},
                      {"removable_by", json::array()}};
  // DefineFlag keeps requiring a role; EnsureFlagDefinitionInTx accepts a system-only flag.
  EXPECT_EQ(service_->DefineFlag(ctx_, system_only).status().code(), ErrorCode::kInvalidArgument);
  int64_t c = InsertCase(Body("DE", "1C010", 10));
  {
    // Rolled back when the caller does not commit.
    auto tx = db_->Begin(store::TxMode::kWrite);
    ASSERT_TRUE(service_->EnsureFlagDefinitionInTx(**tx, ctx_, system_only).ok());
    ASSERT_TRUE(
        service_->AddSystemFlagInTx(**tx, ctx_, c, "consultation_pending", "case", "consult DE").ok());
  }
  EXPECT_TRUE(service_->ListFlagDefinitions()->empty());
  EXPECT_FALSE(BlockingAndVersion(c).first);

  CaseFlag flag;
  {
    auto tx = db_->Begin(store::TxMode::kWrite);
    ASSERT_TRUE(service_->EnsureFlagDefinitionInTx(**tx, ctx_, system_only).ok());
    ASSERT_TRUE(service_->EnsureFlagDefinitionInTx(**tx, ctx_, system_only).ok());  // already defined: no-op
    EXPECT_EQ(service_->EnsureFlagDefinitionInTx(**tx, ctx_, {{"code", "Bad Code"}}).code(),
              ErrorCode::kInvalidArgument);
    EXPECT_EQ(service_->AddSystemFlagInTx(**tx, ctx_, c, "consultation_pending", "case", " ").status().code(),
              ErrorCode::kInvalidArgument);
    auto added = service_->AddSystemFlagInTx(**tx, ctx_, c, "consultation_pending", "case", "consult DE");
    ASSERT_TRUE(added.ok()) << added.status().ToString();
    flag = *added;
    EXPECT_EQ(flag.added_by, "system");
    EXPECT_TRUE(flag.removable_by.empty());
    EXPECT_EQ(
        service_->AddSystemFlagInTx(**tx, ctx_, c, "consultation_pending", "case", "again").status().code(),
        ErrorCode::kAlreadyExists);
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  auto defs = service_->ListFlagDefinitions();
  ASSERT_EQ(defs->size(), 1u);
  EXPECT_TRUE((*defs)[0].removable_by.empty());
  auto before = BlockingAndVersion(c);
  EXPECT_TRUE(before.first);

  // No user may remove a system-only flag; the system may.
  auto denied = service_->RemoveFlag(ctx_, senior_, c, flag.id, "resolved");
  EXPECT_EQ(denied.status().code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(denied.status().message().find("only by the system"), std::string::npos)
      << denied.status().message();
  {
    auto tx = db_->Begin(store::TxMode::kWrite);
    EXPECT_EQ(service_->RemoveSystemFlagInTx(**tx, ctx_, 999, "x").code(), ErrorCode::kNotFound);
    ASSERT_TRUE(service_->RemoveSystemFlagInTx(**tx, ctx_, flag.id, "consultation answered").ok());
    EXPECT_EQ(service_->RemoveSystemFlagInTx(**tx, ctx_, flag.id, "again").code(),
              ErrorCode::kFailedPrecondition);
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  auto after = BlockingAndVersion(c);
  EXPECT_FALSE(after.first);
  EXPECT_EQ(after.second, before.second);  // the case version is not changed
  auto flags = service_->CaseFlags(officer_, c);
  ASSERT_EQ(flags->size(), 1u);
  EXPECT_EQ((*flags)[0].removed_by, "system");
  EXPECT_EQ(AuditActions(fmt::format("case:{}", c)),
            (std::vector<std::string>{"case.flag.add", "case.route", "case.flag.remove", "case.route"}));
  EXPECT_EQ(service_->Routing(officer_, c)->placements[0].queue_id, intake);
  (void)sensitive;
}

TEST_F(QueueServiceTest, ExportersMayNotSeeRoutingOrFlags) {
  Queues();
  ASSERT_TRUE(service_->DefineFlag(ctx_, ScreeningHit()).ok());
  int64_t c = InsertCase(Body("DE", "1C010", 10));
  EXPECT_EQ(service_->Routing(exporter_, c).status().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(service_->CaseFlags(exporter_, c).status().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(service_->Route(ctx_, exporter_, c).status().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(service_->AddFlag(ctx_, exporter_, c, "screening_hit", "parties[0]", "x").status().code(),
            ErrorCode::kPermissionDenied);
}

TEST_F(QueueServiceTest, FlagDefinitionsAreValidated) {
  json bad = ScreeningHit();
  bad["removable_by"] = {"senior_licensing_officer", "boss"};
  auto r = service_->DefineFlag(ctx_, bad);
  EXPECT_NE(r.status().message().find("removable_by[1]: unknown role \"boss\""), std::string::npos);
  bad = ScreeningHit();
  bad["level"] = "shipment";
  EXPECT_NE(service_->DefineFlag(ctx_, bad).status().message().find("level: 'shipment'"), std::string::npos);
  bad = ScreeningHit();
  bad["code"] = "Screening Hit";
  EXPECT_NE(service_->DefineFlag(ctx_, bad).status().message().find("code:"), std::string::npos);
  bad = ScreeningHit();
  bad["removable_by"] = json::array();
  EXPECT_NE(service_->DefineFlag(ctx_, bad).status().message().find("removable_by: required"),
            std::string::npos);
  auto defs = service_->ListFlagDefinitions();
  ASSERT_TRUE(defs.ok());
  EXPECT_TRUE(defs->empty());
}

TEST_F(QueueServiceTest, SeedsTheProjectDataOnceAndRoutesWithIt) {
  std::string path = std::string(STM_SOURCE_DIR) + "/data/routing.json";
  auto first = service_->SeedFromFile(ctx_, path);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_GE(first->teams, 1);
  EXPECT_GE(first->queues, 4);
  EXPECT_GE(first->rules, 4);
  EXPECT_GE(first->flag_definitions, 4);
  auto second = service_->SeedFromFile(ctx_, path);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->teams + second->queues + second->rules + second->flag_definitions, 0);

  auto queues = service_->ListQueues().value();
  auto queue_named = [&](const std::string& name) {
    for (const auto& q : queues) {
      if (q.name == name) return q.id;
    }
    return int64_t{0};
  };
  auto placed = [&](int64_t c) {
    std::vector<int64_t> ids;
    auto routed = service_->Route(ctx_, officer_, c);
    EXPECT_TRUE(routed.ok()) << routed.status().ToString();
    for (const auto& p : routed->placements) ids.push_back(p.queue_id);
    return ids;
  };
  EXPECT_EQ(placed(InsertCase(Body("KP", "1C010", 10))),
            std::vector<int64_t>{queue_named("Sensitive destinations")});
  EXPECT_EQ(placed(InsertCase(Body("DE", "1C202", 10))), std::vector<int64_t>{queue_named("Nuclear (NSG)")});
  EXPECT_EQ(placed(InsertCase(Body("DE", "1C010", 2'000'000))),
            std::vector<int64_t>{queue_named("High value")});
  EXPECT_EQ(placed(InsertCase(Body("DE", "1C010", 10))), std::vector<int64_t>{queue_named("Intake")});
}

TEST_F(QueueServiceTest, SeedIsNotMixedWithAnAdministratorsSetUp) {
  ASSERT_TRUE(service_->CreateTeam(ctx_, "Own team", "").ok());
  auto r = service_->SeedFromFile(ctx_, std::string(STM_SOURCE_DIR) + "/data/routing.json");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->teams + r->queues + r->rules + r->flag_definitions, 0);
  EXPECT_TRUE(service_->ListQueues()->empty());
}

TEST_F(QueueServiceTest, BadSeedFilesNameTheEntry) {
  std::string path = (dir_ / "seed.json").string();
  std::ofstream(path) << R"({"teams": [{"name": "T"}], "queues": [{"name": "Q", "team": "Nobody"}]})";
  auto r = service_->SeedFromFile(ctx_, path);
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("queues[0]: team: no team named \"Nobody\""), std::string::npos)
      << r.status().message();
  EXPECT_TRUE(service_->ListTeams()->empty());  // one transaction: nothing half-written
  EXPECT_EQ(service_->SeedFromFile(ctx_, (dir_ / "missing.json").string()).status().code(),
            ErrorCode::kNotFound);
}

}  // namespace
}  // namespace stm::licensing
