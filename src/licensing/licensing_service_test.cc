#include "licensing/licensing_service.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "common/crypto.h"
#include "store/migrate.h"
#include "store/sqlite_db.h"

namespace stm::licensing {
namespace {

namespace fs = std::filesystem;
using auth::Role;
using nlohmann::json;

// Monday 2 March 2026, 09:00 UTC.
TimePoint Monday() {
  return TimePoint(std::chrono::sys_days(std::chrono::year{2026} / 3 / 2)) + std::chrono::hours(9);
}

json DraftJson() {
  return json::parse(R"({
    "type": "individual",
    "goods": [{"description": "Frequency changer", "control_codes": ["3A225"], "quantity": 2, "unit": "pcs",
               "value": 15000.5, "currency": "EUR", "hs_code": "8504.40"}],
    "end_use": "Test bench for motors",
    "end_user_statement": "Not for WMD use; no re-export."
  })");
}
json Consignee() {
  return {
      {"role", "consignee"}, {"name", "Acme GmbH"}, {"address", "Hauptstr. 1, Berlin"}, {"country", "DE"}};
}
json EndUser() {
  return {{"role", "end_user"}, {"name", "Acme Research"}, {"address", "Rue 2, Paris"}, {"country", "FR"}};
}

class InfectedScanner final : public VirusScanner {
 public:
  Result<bool> Clean(std::string_view bytes) override {
    return bytes.find("EICAR") == std::string_view::npos;
  }
};

class FlaggingAssessor final : public RiskAssessor {
 public:
  Result<RiskAssessment> Assess(const Application& a, OrgId) override {
    json flags = json::array();
    for (const auto& p : a.parties) {
      if (p.country == "FR")
        flags.push_back({{"code", "destination"}, {"severity", "high"}, {"message", "FR"}});
    }
    return RiskAssessment{flags, !flags.empty(), "test"};
  }
};

class LicensingServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("stm-licensing-" + HexEncode(RandomBytes(6)));
    fs::create_directories(dir_);
    auto db = store::SqliteDatabase::Open({.path = (dir_ / "t.db").string()});
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    ASSERT_TRUE(store::Migrate(*db_, store::ProjectMigrations("sqlite"), clock_).ok());
    auto tx = db_->Begin(store::TxMode::kWrite);
    ASSERT_TRUE(tx.ok());
    for (const char* name : {"Exporter A", "Exporter B"}) {
      ASSERT_TRUE((*tx)
                      ->Exec("INSERT INTO organisations (name, kind, created_at) VALUES (?, 'exporter', 0)",
                             {std::string(name)})
                      .ok());
    }
    const std::vector<std::pair<std::string, std::optional<int64_t>>> users = {
        {"exp_a", 1}, {"exp_b", 2}, {"officer", std::nullopt}, {"officer2", std::nullopt}};
    for (const auto& [name, org] : users) {
      ASSERT_TRUE((*tx)
                      ->Exec("INSERT INTO users (username, role, org_id, created_at) VALUES (?, 'x', ?, 0)",
                             {name, store::Opt(org)})
                      .ok());
    }
    ASSERT_TRUE((*tx)->Commit().ok());
    Reset({});
  }
  void TearDown() override {
    service_.reset();
    db_.reset();
    fs::remove_all(dir_);
  }
  void Reset(LicensingOptions options) {
    service_ = std::make_unique<LicensingService>(*db_, clock_, std::move(options));
  }

  // A complete individual application with both parties and an end-user certificate.
  int64_t CompleteDraft() {
    auto a = service_->CreateApplication(ctx_, exporter_a_, DraftJson());
    EXPECT_TRUE(a.ok()) << a.status().ToString();
    EXPECT_TRUE(service_->AddParty(ctx_, exporter_a_, a->id, Consignee(), std::nullopt).ok());
    EXPECT_TRUE(service_->AddParty(ctx_, exporter_a_, a->id, EndUser(), std::nullopt).ok());
    auto doc = service_->AddDocument(ctx_, exporter_a_, a->id, DocumentKind::kEndUserCertificate,
                                     "application/pdf", "%PDF-1.4 certificate");
    EXPECT_TRUE(doc.ok()) << doc.status().ToString();
    return a->id;
  }
  int64_t Version(int64_t application_id) {
    auto a = service_->GetApplication(exporter_a_, application_id);
    EXPECT_TRUE(a.ok()) << a.status().ToString();
    return a.ok() ? a->version : 0;
  }
  StoredCase SubmitCase(int64_t application_id) {
    auto out = service_->Submit(ctx_, exporter_a_, application_id, Version(application_id));
    EXPECT_TRUE(out.status.ok()) << out.status.ToString();
    return out.case_record.value_or(StoredCase{});
  }
  CaseDetail Act(const Actor& actor, int64_t case_id, CaseAction action) {
    auto current = service_->GetCase(officer_, case_id);
    EXPECT_TRUE(current.ok());
    auto r = service_->Act(ctx_, actor, case_id, action, current->case_record.view.version, "");
    EXPECT_TRUE(r.ok()) << CaseActionName(action) << ": " << r.status().ToString();
    return r.ok() ? *r : CaseDetail{};
  }
  int64_t Count(const std::string& sql) {
    auto tx = db_->Begin(store::TxMode::kRead);
    auto row = (*tx)->QueryOne(sql);
    return row.ok() && *row ? (*row)->Int(0) : -1;
  }

  fs::path dir_;
  FakeClock clock_{Monday()};
  std::unique_ptr<store::SqliteDatabase> db_;
  std::unique_ptr<LicensingService> service_;
  audit::Context ctx_{"test", "-"};
  Actor exporter_a_ = Actor::User(Role::kExporterUser, UserId(1), OrgId(1));
  Actor exporter_b_ = Actor::User(Role::kExporterUser, UserId(2), OrgId(2));
  Actor officer_ = Actor::User(Role::kLicensingOfficer, UserId(3), OrgId());
  Actor officer2_ = Actor::User(Role::kLicensingOfficer, UserId(4), OrgId());
  Actor referral_ = Actor::User(Role::kReferralOfficer, UserId(4), OrgId());
};

TEST_F(LicensingServiceTest, DraftIsPrivateToTheExportersOrganisation) {
  auto a = service_->CreateApplication(ctx_, exporter_a_, DraftJson());
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->status, ApplicationStatus::kDraft);
  EXPECT_EQ(a->version, 1);
  EXPECT_TRUE(service_->GetApplication(exporter_a_, a->id).ok());
  EXPECT_EQ(service_->GetApplication(exporter_b_, a->id).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(service_->GetApplication(officer_, a->id).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(service_->PatchApplication(ctx_, exporter_b_, a->id, 1, {{"end_use", "x"}}).status().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(service_->CreateApplication(ctx_, officer_, DraftJson()).status().code(),
            ErrorCode::kPermissionDenied);
  auto listed = service_->ListApplications(exporter_b_, std::nullopt);
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());
}

TEST_F(LicensingServiceTest, PatchChecksTheVersionAndWritesNothingWhenStale) {
  auto a = service_->CreateApplication(ctx_, exporter_a_, DraftJson());
  ASSERT_TRUE(a.ok());
  auto patched = service_->PatchApplication(ctx_, exporter_a_, a->id, 1, {{"end_use", "Motor research"}});
  ASSERT_TRUE(patched.ok()) << patched.status().ToString();
  EXPECT_EQ(patched->version, 2);
  EXPECT_EQ(patched->body.end_use, "Motor research");
  auto stale = service_->PatchApplication(ctx_, exporter_a_, a->id, 1, {{"end_use", "Other"}});
  EXPECT_EQ(stale.status().code(), ErrorCode::kConflict);
  EXPECT_NE(stale.status().message().find("version 2"), std::string::npos) << stale.status().message();
  EXPECT_NE(stale.status().message().find("version 1"), std::string::npos) << stale.status().message();
  EXPECT_EQ(service_->GetApplication(exporter_a_, a->id)->body.end_use, "Motor research");
  // Malformed results and document edits are refused, naming the field.
  auto bad = service_->PatchApplication(ctx_, exporter_a_, a->id, 2, {{"goods", {{{"quantity", "two"}}}}});
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("goods[0].quantity"), std::string::npos) << bad.status().message();
  EXPECT_EQ(
      service_->PatchApplication(ctx_, exporter_a_, a->id, 2, {{"documents", json::array()}}).status().code(),
      ErrorCode::kInvalidArgument);
  EXPECT_EQ(Version(a->id), 2);
}

TEST_F(LicensingServiceTest, AddsGoodsAndPartiesWithShapeChecks) {
  auto a = service_->CreateApplication(ctx_, exporter_a_, DraftJson());
  ASSERT_TRUE(a.ok());
  auto g = service_->AddGoods(ctx_, exporter_a_, a->id, {{"description", "Valve"}}, 1);
  ASSERT_TRUE(g.ok()) << g.status().ToString();  // a draft may be incomplete or wrong; submit checks values
  EXPECT_EQ(g->body.goods.size(), 2u);
  auto bad = service_->AddGoods(ctx_, exporter_a_, a->id, {{"quantity", "many"}}, std::nullopt);
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("goods[2].quantity"), std::string::npos) << bad.status().message();
  auto stale = service_->AddParty(ctx_, exporter_a_, a->id, Consignee(), 1);
  EXPECT_EQ(stale.status().code(), ErrorCode::kConflict);
  auto bad_role = service_->AddParty(ctx_, exporter_a_, a->id, {{"role", "friend"}}, std::nullopt);
  EXPECT_EQ(bad_role.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(bad_role.status().message().find("parties[0].role"), std::string::npos);
}

TEST_F(LicensingServiceTest, DocumentsAreCheckedScannedHashedAndStored) {
  LicensingOptions options;
  options.document_limits.max_size_bytes = 100;
  InfectedScanner scanner;
  options.scanner = &scanner;
  Reset(options);
  auto a = service_->CreateApplication(ctx_, exporter_a_, DraftJson());
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(service_
                ->AddDocument(ctx_, exporter_a_, a->id, DocumentKind::kContract, "application/pdf",
                              std::string(101, 'x'))
                .status()
                .code(),
            ErrorCode::kPayloadTooLarge);
  EXPECT_EQ(service_->AddDocument(ctx_, exporter_a_, a->id, DocumentKind::kContract, "application/zip", "PK")
                .status()
                .code(),
            ErrorCode::kInvalidArgument);
  auto infected =
      service_->AddDocument(ctx_, exporter_a_, a->id, DocumentKind::kContract, "text/plain", "EICAR test");
  EXPECT_EQ(infected.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(infected.status().message().find("virus"), std::string::npos);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM application_documents"), 0);

  std::string bytes("%PDF\0binary\xff", 12);
  auto doc = service_->AddDocument(ctx_, exporter_a_, a->id, DocumentKind::kEndUserCertificate,
                                   "Application/PDF; x=y", bytes);
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  EXPECT_EQ(doc->sha256, Sha256Hex(bytes));
  EXPECT_EQ(doc->media_type, "application/pdf");
  auto stored = service_->GetDocument(exporter_a_, a->id, doc->id);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(stored->second, bytes);
  auto app = service_->GetApplication(exporter_a_, a->id);
  ASSERT_EQ(app->body.documents.size(), 1u);
  EXPECT_EQ(app->body.documents[0].sha256, doc->sha256);
  EXPECT_EQ(app->version, 2);
  EXPECT_EQ(service_->GetDocument(exporter_b_, a->id, doc->id).status().code(), ErrorCode::kNotFound);
}

TEST_F(LicensingServiceTest, SubmitReturnsEveryFieldErrorAndWritesNothing) {
  auto a = service_->CreateApplication(ctx_, exporter_a_, DraftJson());
  ASSERT_TRUE(a.ok());
  auto out = service_->Submit(ctx_, exporter_a_, a->id, 1);
  EXPECT_EQ(out.status.code(), ErrorCode::kInvalidArgument);
  ASSERT_GE(out.errors.size(), 3u) << ToJson(out.errors).dump();  // consignee, end user, certificate
  EXPECT_FALSE(out.case_record.has_value());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM cases"), 0);
  EXPECT_EQ(Version(a->id), 1);
  // Stale version: kConflict before validation.
  EXPECT_EQ(service_->Submit(ctx_, exporter_a_, a->id, 7).status.code(), ErrorCode::kConflict);
}

TEST_F(LicensingServiceTest, SubmitCreatesTheCaseWithClockAndRisk) {
  FlaggingAssessor assessor;
  LicensingOptions options;
  options.risk = &assessor;
  Reset(options);
  int64_t id = CompleteDraft();
  EXPECT_EQ(service_->Submit(ctx_, exporter_b_, id, Version(id)).status.code(), ErrorCode::kNotFound);
  StoredCase c = SubmitCase(id);
  EXPECT_EQ(c.view.state, CaseState::kSubmitted);
  EXPECT_EQ(c.view.version, 1);
  EXPECT_EQ(c.reference, fmt::format("CASE-2026-{:06d}", c.id));
  EXPECT_TRUE(c.view.has_blocking_flags);
  EXPECT_EQ(c.risk["assessor"], "test");
  EXPECT_EQ(c.sla_started_at, Monday());
  auto app = service_->GetApplication(exporter_a_, id);
  EXPECT_EQ(app->status, ApplicationStatus::kSubmitted);
  EXPECT_EQ(app->case_id, c.id);
  // Submitted applications are visible to officers now; changes are refused.
  EXPECT_TRUE(service_->GetApplication(officer_, id).ok());
  EXPECT_EQ(
      service_->PatchApplication(ctx_, exporter_a_, id, app->version, {{"end_use", "x"}}).status().code(),
      ErrorCode::kFailedPrecondition);
  EXPECT_EQ(service_->Submit(ctx_, exporter_a_, id, app->version).status.code(),
            ErrorCode::kFailedPrecondition);
  auto history = service_->History(officer_, c.id);
  ASSERT_TRUE(history.ok());
  std::vector<std::string> actions;
  for (const auto& e : *history) actions.push_back(e.action);
  EXPECT_EQ(actions,
            (std::vector<std::string>{"application.create", "application.party.add", "application.party.add",
                                      "application.document.add", "application.submit", "case.create"}));
}

TEST_F(LicensingServiceTest, ActGoesThroughTheTableAndCarriesOutEffects) {
  StoredCase c = SubmitCase(CompleteDraft());
  // Exporters cannot start checks; another organisation's exporter does not see the case.
  EXPECT_EQ(service_->Act(ctx_, exporter_a_, c.id, CaseAction::kStartChecks, 1, "").status().code(),
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(service_->Act(ctx_, exporter_b_, c.id, CaseAction::kWithdraw, 1, "").status().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(service_->Act(ctx_, referral_, c.id, CaseAction::kStartChecks, 1, "").status().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(service_->Act(ctx_, officer_, c.id, CaseAction::kChecksPassed, 1, "").status().code(),
            ErrorCode::kFailedPrecondition);
  CaseDetail d = Act(officer_, c.id, CaseAction::kStartChecks);
  EXPECT_EQ(d.case_record.view.state, CaseState::kInitialChecks);
  EXPECT_EQ(d.case_record.view.assigned_officer, UserId(3));
  EXPECT_EQ(d.case_record.view.version, 2);
  // Only the assigned officer goes on.
  EXPECT_EQ(service_->Act(ctx_, officer2_, c.id, CaseAction::kChecksPassed, 2, "").status().code(),
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(service_->Act(ctx_, officer_, c.id, CaseAction::kChecksPassed, 1, "").status().code(),
            ErrorCode::kConflict);
  Act(officer_, c.id, CaseAction::kChecksPassed);
  clock_.Advance(std::chrono::hours(24));  // Tuesday
  d = Act(officer_, c.id, CaseAction::kQueryExporter);
  EXPECT_EQ(d.case_record.view.state, CaseState::kAwaitingExporter);
  EXPECT_TRUE(d.sla.paused);
  ASSERT_EQ(d.case_record.pauses.size(), 1u);
  clock_.Advance(std::chrono::hours(24 * 7));  // the next Tuesday: the clock stays frozen
  auto frozen = service_->GetCase(officer_, c.id);
  EXPECT_EQ(frozen->sla.elapsed_working_days, 1);
  d = Act(exporter_a_, c.id, CaseAction::kExporterAnswered);
  EXPECT_EQ(d.case_record.view.state, CaseState::kUnderReview);
  EXPECT_FALSE(d.sla.paused);
  EXPECT_TRUE(d.case_record.pauses[0].end.has_value());
  // Withdrawal stops the clock and withdraws the application.
  d = Act(exporter_a_, c.id, CaseAction::kWithdraw);
  EXPECT_EQ(d.case_record.view.state, CaseState::kWithdrawn);
  EXPECT_TRUE(d.case_record.sla_stopped_at.has_value());
  EXPECT_EQ(d.application.status, ApplicationStatus::kWithdrawn);
  auto history = service_->History(exporter_a_, c.id);
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(history->back().action, "case.withdraw");
  EXPECT_EQ(service_->History(exporter_b_, c.id).status().code(), ErrorCode::kNotFound);
}

TEST_F(LicensingServiceTest, ListCasesFiltersByVisibilityStateAndOverdue) {
  StoredCase first = SubmitCase(CompleteDraft());
  StoredCase second = SubmitCase(CompleteDraft());
  Act(officer_, second.id, CaseAction::kStartChecks);
  auto all = service_->ListCases(officer_, {});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->total, 2);
  EXPECT_EQ(all->items[0].case_record.id, second.id);  // newest first
  auto submitted = service_->ListCases(officer_, {.state = CaseState::kSubmitted});
  ASSERT_EQ(submitted->items.size(), 1u);
  EXPECT_EQ(submitted->items[0].case_record.id, first.id);
  auto paged = service_->ListCases(officer_, {.limit = 1, .offset = 1});
  ASSERT_EQ(paged->items.size(), 1u);
  EXPECT_EQ(paged->items[0].case_record.id, first.id);
  EXPECT_EQ(service_->ListCases(exporter_a_, {})->total, 2);
  EXPECT_EQ(service_->ListCases(exporter_b_, {})->total, 0);
  EXPECT_EQ(service_->ListCases(referral_, {})->total, 0);
  EXPECT_EQ(service_->ListCases(officer_, {.overdue_only = true})->total, 0);
  clock_.Advance(std::chrono::hours(24 * 7 * 5));  // 25 working days later: past the 20-day target
  auto overdue = service_->ListCases(officer_, {.overdue_only = true});
  EXPECT_EQ(overdue->total, 2);
  EXPECT_EQ(overdue->items[0].sla.state, SlaState::kOverdue);
  EXPECT_EQ(service_->ListCases(officer_, {.limit = 0}).status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(LicensingServiceTest, TransitionsListWhatTheCallerMayDo) {
  StoredCase c = SubmitCase(CompleteDraft());
  auto officer = service_->Transitions(officer_, c.id);
  ASSERT_TRUE(officer.ok());
  ASSERT_EQ(officer->size(), 1u);
  EXPECT_EQ((*officer)[0].action, CaseAction::kStartChecks);
  EXPECT_TRUE((*officer)[0].allowed);
  auto exporter = service_->Transitions(exporter_a_, c.id);
  ASSERT_EQ(exporter->size(), 1u);
  EXPECT_EQ((*exporter)[0].action, CaseAction::kWithdraw);
  EXPECT_EQ(service_->Transitions(exporter_b_, c.id).status().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace stm::licensing
