#include "licensing/licensing_service.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "common/config.h"
#include "common/crypto.h"
#include "store/migrate.h"
#include "store/sqlite_db.h"
#include "store/testing.h"

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
    auto db = store::OpenTempDatabase("stm-licensing", clock_, &dir_);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
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

// ---- referrals, recommendation, decision, licences -------------------------------------------------------

class LicensingReferralTest : public LicensingServiceTest {
 protected:
  void SetUp() override {
    LicensingServiceTest::SetUp();
    if (HasFatalFailure()) return;
    auto tx = db_->Begin(store::TxMode::kWrite);
    ASSERT_TRUE(tx.ok());
    for (const char* name : {"Agency X", "Agency Y"}) {  // organisations 3 and 4
      ASSERT_TRUE(
          (*tx)
              ->Exec("INSERT INTO organisations (name, kind, created_at) VALUES (?, 'referral_agency', 0)",
                     {std::string(name)})
              .ok());
    }
    const std::vector<std::pair<std::string, std::optional<int64_t>>> users = {
        {"ref_x", 3}, {"ref_y", 4}, {"senior1", std::nullopt}, {"senior2", std::nullopt}};  // users 5..8
    for (const auto& [name, org] : users) {
      ASSERT_TRUE((*tx)
                      ->Exec("INSERT INTO users (username, role, org_id, created_at) VALUES (?, 'x', ?, 0)",
                             {name, store::Opt(org)})
                      .ok());
    }
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  // A submitted case in under_review with officer_ assigned.
  StoredCase ReviewedCase() {
    StoredCase c = SubmitCase(CompleteDraft());
    Act(officer_, c.id, CaseAction::kStartChecks);
    Act(officer_, c.id, CaseAction::kChecksPassed);
    return c;
  }
  int64_t CaseVersion(int64_t id) { return service_->GetCase(officer_, id)->case_record.view.version; }

  Actor ref_x_ = Actor::User(Role::kReferralOfficer, UserId(5), OrgId(3));
  Actor ref_y_ = Actor::User(Role::kReferralOfficer, UserId(6), OrgId(4));
  Actor senior1_ = Actor::User(Role::kSeniorLicensingOfficer, UserId(7), OrgId());
  Actor senior2_ = Actor::User(Role::kSeniorLicensingOfficer, UserId(8), OrgId());
};

TEST_F(LicensingReferralTest, ReferAdviseRecommendCountersignDecideAndManageTheLicence) {
  StoredCase c = ReviewedCase();
  // Before the referral the agency sees nothing.
  EXPECT_EQ(service_->GetCase(ref_x_, c.id).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(service_->ListCases(ref_x_, {})->total, 0);

  ReferralRequest request{{OrgId(3), OrgId(4)}, "2026-03-20", "please advise", CaseVersion(c.id)};
  EXPECT_EQ(service_->Refer(ctx_, officer2_, c.id, request).status().code(), ErrorCode::kPermissionDenied);
  ReferralRequest not_agency = request;
  not_agency.agencies = {OrgId(1)};
  EXPECT_EQ(service_->Refer(ctx_, officer_, c.id, not_agency).status().code(), ErrorCode::kInvalidArgument);
  ReferralRequest bad_deadline = request;
  bad_deadline.deadline = "20 March";
  EXPECT_EQ(service_->Refer(ctx_, officer_, c.id, bad_deadline).status().code(), ErrorCode::kInvalidArgument);
  bad_deadline.deadline = "2026-03-01";  // yesterday
  EXPECT_EQ(service_->Refer(ctx_, officer_, c.id, bad_deadline).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM referrals"), 0);

  auto referrals = service_->Refer(ctx_, officer_, c.id, request);
  ASSERT_TRUE(referrals.ok()) << referrals.status().ToString();
  ASSERT_EQ(referrals->size(), 2u);
  auto referred = service_->GetCase(officer_, c.id);
  EXPECT_EQ(referred->case_record.view.state, CaseState::kReferred);
  EXPECT_EQ(referred->case_record.view.referrals_awaiting_advice, 2);
  // Each agency sees the case and only its own referral.
  EXPECT_TRUE(service_->GetCase(ref_x_, c.id).ok());
  EXPECT_EQ(service_->ListCases(ref_x_, {})->total, 1);
  auto mine = service_->Referrals(ref_x_, c.id);
  ASSERT_TRUE(mine.ok());
  ASSERT_EQ(mine->size(), 1u);
  EXPECT_EQ((*mine)[0].agency, OrgId(3));
  EXPECT_EQ(service_->Referrals(officer_, c.id)->size(), 2u);
  EXPECT_EQ(service_->Referrals(exporter_a_, c.id).status().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(service_->Referrals(exporter_b_, c.id).status().code(), ErrorCode::kNotFound);
  const int64_t rx = (*referrals)[0].id;
  const int64_t ry = (*referrals)[1].id;

  json provisos = json::array({{{"subject", "good"},
                                {"ref", 1},
                                {"advice", "approve_with_provisos"},
                                {"provisos", "No onward transfer"}}});
  EXPECT_EQ(service_->GiveAdvice(ctx_, ref_y_, rx, provisos, "").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(service_->GiveAdvice(ctx_, officer_, rx, provisos, "").status().code(),
            ErrorCode::kPermissionDenied);
  json no_criteria = json::array({{{"subject", "party"}, {"advice", "refuse"}}});
  EXPECT_EQ(service_->GiveAdvice(ctx_, ref_x_, rx, no_criteria, "").status().code(),
            ErrorCode::kInvalidArgument);
  auto given = service_->GiveAdvice(ctx_, ref_x_, rx, provisos, "fine with provisos");
  ASSERT_TRUE(given.ok()) << given.status().ToString();
  EXPECT_EQ(given->status, "answered");
  EXPECT_EQ(service_->GiveAdvice(ctx_, ref_x_, rx, provisos, "").status().code(),
            ErrorCode::kFailedPrecondition);
  auto half = service_->GetCase(officer_, c.id);
  EXPECT_EQ(half->case_record.view.state, CaseState::kReferred);
  EXPECT_EQ(half->case_record.view.referrals_awaiting_advice, 1);
  ASSERT_TRUE(service_
                  ->GiveAdvice(ctx_, ref_y_, ry,
                               json::array({{{"subject", "destination"}, {"advice", "no_objection"}}}), "")
                  .ok());
  auto all_in = service_->GetCase(officer_, c.id);
  EXPECT_EQ(all_in->case_record.view.state, CaseState::kUnderFinalReview);
  EXPECT_EQ(all_in->case_record.view.referrals_awaiting_advice, 0);
  EXPECT_EQ(ConsolidateAdvice(*service_->Referrals(officer_, c.id)), "approve_with_provisos");
  auto history = service_->History(officer_, c.id);
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(history->back().action, "case.all_advice_received");

  // Recommendation: only the assigned officer (or a senior officer).
  int64_t v = CaseVersion(c.id);
  EXPECT_EQ(service_->SetRecommendation(ctx_, officer2_, c.id, Outcome::kApproved, true, v).status().code(),
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(
      service_->SetRecommendation(ctx_, officer_, c.id, Outcome::kApproved, true, v - 1).status().code(),
      ErrorCode::kConflict);
  auto recommended = service_->SetRecommendation(ctx_, officer_, c.id, Outcome::kApproved, true, v);
  ASSERT_TRUE(recommended.ok()) << recommended.status().ToString();
  EXPECT_TRUE(recommended->case_record.view.needs_countersign);
  EXPECT_EQ(recommended->case_record.view.recommendation, Outcome::kApproved);
  EXPECT_EQ(recommended->case_record.view.version, v + 1);

  DecisionRequest approve;
  approve.decision = Outcome::kApproved;
  approve.expected_version = v + 1;
  approve.conditions = "No re-export";
  approve.validity_months = 12;
  EXPECT_EQ(service_->Decide(ctx_, officer_, c.id, approve).status().code(), ErrorCode::kFailedPrecondition);
  Act(officer_, c.id, CaseAction::kRequestCountersign);
  Act(senior1_, c.id, CaseAction::kCountersignFirst);
  EXPECT_EQ(service_->Act(ctx_, senior1_, c.id, CaseAction::kCountersignSecond, CaseVersion(c.id), "")
                .status()
                .code(),
            ErrorCode::kPermissionDenied);
  Act(senior2_, c.id, CaseAction::kCountersignSecond);
  approve.expected_version = CaseVersion(c.id);
  auto decided = service_->Decide(ctx_, officer_, c.id, approve);
  ASSERT_TRUE(decided.ok()) << decided.status().ToString();
  EXPECT_EQ(decided->detail.case_record.view.state, CaseState::kFinalised);
  EXPECT_EQ(decided->detail.case_record.view.outcome, Outcome::kApproved);
  ASSERT_TRUE(decided->licence.has_value());
  const std::string number = decided->licence->number;
  EXPECT_EQ(number, "STM/SIEL/2026/000001");
  EXPECT_EQ(decided->licence->status, LicenceStatus::kActive);
  EXPECT_EQ(decided->licence->conditions, "No re-export");
  ASSERT_EQ(decided->licence->lines.size(), 1u);
  EXPECT_EQ(decided->licence->lines[0]["quantity"], 2);
  EXPECT_EQ(FormatTime(decided->licence->valid_until).substr(0, 10), "2027-03-02");
  auto events = service_->History(officer_, c.id);
  EXPECT_EQ(events->back().action, "case.approve");
  json last = json::parse(events->back().summary);
  EXPECT_EQ(last["licence"], number);
  // The licence is issued; the approval letter and the notification wait for their services.
  EXPECT_EQ(last["pending_effects"], json::array({"generate_approval_letter", "notify_exporter"}));

  // The licence: the exporter reads its own; others do not see it.
  EXPECT_TRUE(service_->GetLicence(exporter_a_, number).ok());
  EXPECT_EQ(service_->GetLicence(exporter_b_, number).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(service_->ActOnLicence(ctx_, exporter_a_, number, LicenceAction::kSuspend, std::nullopt, "")
                .status()
                .code(),
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(service_->ActOnLicence(ctx_, officer_, number, LicenceAction::kReinstate, std::nullopt, "")
                .status()
                .code(),
            ErrorCode::kFailedPrecondition);
  EXPECT_EQ(service_->ActOnLicence(ctx_, officer_, number, LicenceAction::kSuspend, 7, "").status().code(),
            ErrorCode::kConflict);
  auto suspended = service_->ActOnLicence(ctx_, officer_, number, LicenceAction::kSuspend, 1, "inquiry");
  ASSERT_TRUE(suspended.ok()) << suspended.status().ToString();
  EXPECT_EQ(suspended->status, LicenceStatus::kSuspended);
  EXPECT_EQ(suspended->version, 2);
  EXPECT_EQ(service_->ActOnLicence(ctx_, officer_, number, LicenceAction::kReinstate, 2, "")->status,
            LicenceStatus::kActive);
  EXPECT_EQ(service_->ActOnLicence(ctx_, officer_, number, LicenceAction::kRevoke, std::nullopt, "")->status,
            LicenceStatus::kRevoked);
  EXPECT_EQ(service_->ActOnLicence(ctx_, exporter_a_, number, LicenceAction::kSurrender, std::nullopt, "")
                .status()
                .code(),
            ErrorCode::kFailedPrecondition);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_events WHERE action LIKE 'licence.%'"), 3);
}

TEST_F(LicensingReferralTest, DecisionsWithoutReferralsAndLicenceSequences) {
  // Refusal needs its criteria; the generic approve action also issues a licence.
  StoredCase first = ReviewedCase();
  Act(officer_, first.id, CaseAction::kSendToFinalReview);
  DecisionRequest refuse;
  refuse.decision = Outcome::kRefused;
  refuse.expected_version = CaseVersion(first.id);
  EXPECT_EQ(service_->Decide(ctx_, officer_, first.id, refuse).status().code(), ErrorCode::kInvalidArgument);
  refuse.refusal_criteria = {"Criterion 7"};
  auto refused = service_->Decide(ctx_, officer_, first.id, refuse);
  ASSERT_TRUE(refused.ok()) << refused.status().ToString();
  EXPECT_FALSE(refused->licence.has_value());
  EXPECT_EQ(refused->detail.case_record.view.outcome, Outcome::kRefused);
  EXPECT_TRUE(refused->detail.case_record.view.appeal_window_open);

  StoredCase second = ReviewedCase();
  Act(officer_, second.id, CaseAction::kSendToFinalReview);
  Act(officer_, second.id, CaseAction::kApprove);
  StoredCase third = ReviewedCase();
  Act(officer_, third.id, CaseAction::kSendToFinalReview);
  DecisionRequest approve;
  approve.expected_version = CaseVersion(third.id);
  auto approved = service_->Decide(ctx_, officer_, third.id, approve);
  ASSERT_TRUE(approved.ok()) << approved.status().ToString();
  EXPECT_EQ(approved->licence->number, "STM/SIEL/2026/000002");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM licences"), 2);
  // Advice parsing names the field; consolidation: refuse wins.
  auto bad = ParseAdvice(json::array({{{"subject", "good"}, {"advice", "maybe"}}}));
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("advice[0].advice"), std::string::npos);
  EXPECT_FALSE(ConsolidateAdvice({}).has_value());
  StoredReferral refusing;
  refusing.status = "answered";
  refusing.advice = json::array({{{"advice", "approve"}}, {{"advice", "refuse"}}});
  EXPECT_EQ(ConsolidateAdvice({refusing}), "refuse");
}

// ---- licence lifecycle, letters, routing seam, property over the service --------------------------------

class LicenceLifecycleTest : public LicensingReferralTest {
 protected:
  void SetUp() override {
    LicensingReferralTest::SetUp();
    auto tx = db_->Begin(store::TxMode::kWrite);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(
        (*tx)->Exec("INSERT INTO users (username, role, created_at) VALUES ('customs', 'x', 0)").ok());
    ASSERT_TRUE((*tx)->Commit().ok());  // user 9
  }
  // An approved case's licence (2 pcs, EUR 15,000.50), valid for `months`.
  StoredLicence Approved(int months = 24) {
    StoredCase c = ReviewedCase();
    Act(officer_, c.id, CaseAction::kSendToFinalReview);
    DecisionRequest approve;
    approve.expected_version = CaseVersion(c.id);
    approve.validity_months = months;
    approve.conditions = "No re-export without consent.";
    auto out = service_->Decide(ctx_, officer_, c.id, approve);
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    return out.ok() && out->licence ? *out->licence : StoredLicence{};
  }
  int64_t Events(const std::string& target, const std::string& action) {
    return Count(fmt::format("SELECT COUNT(*) FROM audit_events WHERE target = '{}' AND action = '{}'",
                             target, action));
  }
  Actor customs_ = Actor::User(Role::kCustomsOfficer, UserId(9), OrgId());
};

TEST_F(LicenceLifecycleTest, AmendmentsSupersedeTheOldVersion) {
  StoredLicence l = Approved();
  ASSERT_EQ(l.number, "STM/SIEL/2026/000001");
  AmendmentRequest request;
  request.expected_version = l.version;
  request.reason = "Customer doubled the order";
  request.lines = {{1, 4.0, 30001.0}};
  // Exporters do not amend; a reason is required; a stale version is refused.
  EXPECT_EQ(service_->Amend(ctx_, exporter_a_, l.number, request).status().code(),
            ErrorCode::kPermissionDenied);
  AmendmentRequest no_reason = request;
  no_reason.reason.clear();
  EXPECT_EQ(service_->Amend(ctx_, officer_, l.number, no_reason).status().code(),
            ErrorCode::kInvalidArgument);
  AmendmentRequest stale = request;
  stale.expected_version = l.version + 1;
  EXPECT_EQ(service_->Amend(ctx_, officer_, l.number, stale).status().code(), ErrorCode::kConflict);
  AmendmentRequest bad_line = request;
  bad_line.lines = {{2, 1.0, std::nullopt}};
  auto bad = service_->Amend(ctx_, officer_, l.number, bad_line);
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("lines[0].line"), std::string::npos) << bad.status().message();
  AmendmentRequest past = request;
  past.valid_until = "2026-03-01";
  EXPECT_EQ(service_->Amend(ctx_, officer_, l.number, past).status().code(), ErrorCode::kInvalidArgument);

  auto a1 = service_->Amend(ctx_, officer_, l.number, request);
  ASSERT_TRUE(a1.ok()) << a1.status().ToString();
  EXPECT_EQ(a1->number, "STM/SIEL/2026/000001/A1");
  EXPECT_EQ(a1->supersedes, l.number);
  EXPECT_EQ(a1->amendment, 1);
  EXPECT_EQ(a1->status, LicenceStatus::kActive);
  EXPECT_EQ(a1->lines[0]["quantity"], 4.0);
  EXPECT_EQ(a1->conditions, "No re-export without consent.");
  EXPECT_EQ(a1->valid_until, l.valid_until);
  auto old = service_->GetLicence(officer_, l.number);
  EXPECT_EQ(old->status, LicenceStatus::kSuperseded);
  EXPECT_EQ(old->superseded_by, a1->number);
  EXPECT_EQ(Events("licence:STM/SIEL/2026/000001/A1", "licence.amend"), 1);
  EXPECT_EQ(Events("licence:STM/SIEL/2026/000001", "licence.superseded"), 1);
  // The superseded version cannot be amended, used or suspended.
  request.expected_version = old->version;
  EXPECT_EQ(service_->Amend(ctx_, officer_, l.number, request).status().code(),
            ErrorCode::kFailedPrecondition);
  auto use_old = service_->RecordUsage(ctx_, customs_, l.number, {"DEC-1", {{1, 1, 0}}});
  EXPECT_EQ(use_old.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(use_old.status().message().find("/A1"), std::string::npos) << use_old.status().message();
  EXPECT_EQ(service_->ActOnLicence(ctx_, officer_, l.number, LicenceAction::kSuspend, std::nullopt, "")
                .status()
                .code(),
            ErrorCode::kFailedPrecondition);
  // A second amendment supersedes the first; a used quantity cannot be amended away.
  auto used = service_->RecordUsage(ctx_, customs_, a1->number, {"DEC-2", {{1, 3, 100}}});
  ASSERT_TRUE(used.ok()) << used.status().ToString();
  AmendmentRequest second;
  second.expected_version = service_->GetLicence(officer_, a1->number)->version;
  second.reason = "Reduce";
  second.lines = {{1, 2.0, std::nullopt}};
  EXPECT_EQ(service_->Amend(ctx_, officer_, a1->number, second).status().code(), ErrorCode::kInvalidArgument);
  second.lines = {{1, 3.5, std::nullopt}};
  second.valid_until = "2027-01-31";
  auto a2 = service_->Amend(ctx_, officer_, a1->number, second);
  ASSERT_TRUE(a2.ok()) << a2.status().ToString();
  EXPECT_EQ(a2->number, "STM/SIEL/2026/000001/A2");
  EXPECT_EQ(a2->lines[0]["quantity_used"], 3.0);
  EXPECT_EQ(FormatDate(DateOf(a2->valid_until)), "2027-01-31");
  EXPECT_EQ(service_->ListLicences(exporter_a_, std::nullopt, std::nullopt)->size(), 3u);
  EXPECT_EQ(service_->ListLicences(exporter_b_, std::nullopt, std::nullopt)->size(), 0u);
  EXPECT_EQ(service_->ListLicences(officer_, LicenceStatus::kSuperseded, std::nullopt)->size(), 2u);
}

TEST_F(LicenceLifecycleTest, UsageIsRecordedAndExhaustsTheLicence) {
  StoredLicence l = Approved();
  EXPECT_EQ(service_->RecordUsage(ctx_, exporter_a_, l.number, {"DEC-1", {{1, 1, 0}}}).status().code(),
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(service_->RecordUsage(ctx_, customs_, l.number, {"", {{1, 1, 0}}}).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(service_->RecordUsage(ctx_, customs_, l.number, {"DEC-1", {{1, 0, 0}}}).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(service_->RecordUsage(ctx_, customs_, l.number, {"DEC-1", {{3, 1, 0}}}).status().code(),
            ErrorCode::kInvalidArgument);
  auto first = service_->RecordUsage(ctx_, customs_, l.number, {"DEC-1", {{1, 1, 7000}}});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->status, LicenceStatus::kActive);
  EXPECT_EQ(first->lines[0]["quantity_used"], 1.0);
  EXPECT_EQ(service_->RecordUsage(ctx_, customs_, l.number, {"DEC-1", {{1, 1, 0}}}).status().code(),
            ErrorCode::kConflict);
  auto too_much = service_->RecordUsage(ctx_, customs_, l.number, {"DEC-2", {{1, 5, 0}}});
  EXPECT_EQ(too_much.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(too_much.status().message().find("1 pcs remaining of the 2 pcs"), std::string::npos)
      << too_much.status().message();
  auto too_dear = service_->RecordUsage(ctx_, customs_, l.number, {"DEC-2", {{1, 1, 9000}}});
  EXPECT_EQ(too_dear.status().code(), ErrorCode::kFailedPrecondition);
  // Nothing of a refused shipment is kept.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM licence_usage"), 1);
  auto last = service_->RecordUsage(ctx_, officer_, l.number, {"DEC-3", {{1, 1, 8000}}});
  ASSERT_TRUE(last.ok()) << last.status().ToString();
  EXPECT_EQ(last->status, LicenceStatus::kExhausted);
  EXPECT_EQ(Events("licence:" + l.number, "licence.usage"), 2);
  EXPECT_EQ(Events("licence:" + l.number, "licence.exhausted"), 1);
  EXPECT_EQ(service_->RecordUsage(ctx_, customs_, l.number, {"DEC-4", {{1, 0.5, 0}}}).status().code(),
            ErrorCode::kFailedPrecondition);
}

TEST_F(LicenceLifecycleTest, SweepExpiresLicencesAndClosesAppealWindows) {
  StoredLicence short_lived = Approved(1);
  StoredLicence other = Approved(1);
  StoredLicence long_lived = Approved(24);
  StoredCase refused = ReviewedCase();
  Act(officer_, refused.id, CaseAction::kSendToFinalReview);
  DecisionRequest refuse;
  refuse.decision = Outcome::kRefused;
  refuse.refusal_criteria = {"Criterion 7"};
  refuse.expected_version = CaseVersion(refused.id);
  auto decided = service_->Decide(ctx_, officer_, refused.id, refuse);
  ASSERT_TRUE(decided.ok()) << decided.status().ToString();
  ASSERT_TRUE(decided->detail.case_record.appeal_deadline.has_value());
  EXPECT_EQ(*decided->detail.case_record.appeal_deadline, Monday() + std::chrono::days(28));

  auto nothing = service_->Sweep(ctx_);
  ASSERT_TRUE(nothing.ok());
  EXPECT_TRUE(nothing->licences_expired.empty());
  EXPECT_TRUE(nothing->appeal_windows_closed.empty());

  clock_.Advance(std::chrono::days(32));
  // A shipment against a licence past its date expires it at once, even before the sweep.
  auto late = service_->RecordUsage(ctx_, customs_, short_lived.number, {"DEC-9", {{1, 1, 0}}});
  EXPECT_EQ(late.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(late.status().message().find("expired on 2026-04-02"), std::string::npos)
      << late.status().message();
  EXPECT_EQ(service_->GetLicence(officer_, short_lived.number)->status, LicenceStatus::kExpired);
  auto swept = service_->Sweep(ctx_);
  ASSERT_TRUE(swept.ok()) << swept.status().ToString();
  EXPECT_EQ(swept->licences_expired, std::vector<std::string>{other.number});
  EXPECT_EQ(swept->appeal_windows_closed, std::vector<int64_t>{refused.id});
  EXPECT_EQ(service_->GetLicence(officer_, long_lived.number)->status, LicenceStatus::kActive);
  EXPECT_EQ(Events("licence:" + other.number, "licence.expired"), 1);
  EXPECT_EQ(Events(fmt::format("case:{}", refused.id), "case.appeal_window_closed"), 1);
  // The appeal window is closed: the exporter can no longer appeal.
  auto appeal =
      service_->Act(ctx_, exporter_a_, refused.id, CaseAction::kAppeal, CaseVersion(refused.id), "");
  EXPECT_EQ(appeal.status().code(), ErrorCode::kFailedPrecondition) << appeal.status().ToString();
  EXPECT_TRUE(service_->Sweep(ctx_)->licences_expired.empty());
}

TEST_F(LicenceLifecycleTest, LettersAreGeneratedFromTemplatesWithTheDecision) {
  auto templates = LetterTemplates::LoadDirectory(ResolveProjectDataDir(Config{}) + "/letters");
  ASSERT_TRUE(templates.ok()) << templates.status().ToString();
  LicensingOptions options;
  options.letters = &*templates;
  options.appeal_days = 21;
  Reset(std::move(options));

  StoredCase c = ReviewedCase();
  auto queried = service_->Act(ctx_, officer_, c.id, CaseAction::kQueryExporter, CaseVersion(c.id),
                               "Please name the ultimate end user.");
  ASSERT_TRUE(queried.ok()) << queried.status().ToString();
  Act(exporter_a_, c.id, CaseAction::kExporterAnswered);
  Act(officer_, c.id, CaseAction::kSendToFinalReview);
  DecisionRequest refuse;
  refuse.decision = Outcome::kRefused;
  refuse.refusal_criteria = {"Criterion 1: international obligations", "Criterion 7: risk of diversion"};
  refuse.reason = "The end user is linked to a missile programme.";
  refuse.expected_version = CaseVersion(c.id);
  ASSERT_TRUE(service_->Decide(ctx_, officer_, c.id, refuse).ok());

  auto letters = service_->Letters(exporter_a_, c.id);
  ASSERT_TRUE(letters.ok()) << letters.status().ToString();
  ASSERT_EQ(letters->size(), 2u);
  EXPECT_EQ((*letters)[0].kind, LetterKind::kQuery);
  EXPECT_NE((*letters)[0].body.find("Please name the ultimate end user."), std::string::npos);
  EXPECT_NE((*letters)[0].body.find("To: Exporter A"), std::string::npos) << (*letters)[0].body;
  const StoredLetter& refusal = (*letters)[1];
  EXPECT_EQ(refusal.kind, LetterKind::kRefusal);
  EXPECT_NE(refusal.subject.find(c.reference), std::string::npos);
  EXPECT_NE(refusal.body.find("  - Criterion 7: risk of diversion"), std::string::npos) << refusal.body;
  EXPECT_NE(refusal.body.find("by 2026-03-23 (21 days"), std::string::npos) << refusal.body;
  EXPECT_NE(refusal.body.find("1. Frequency changer (3A225)"), std::string::npos) << refusal.body;
  EXPECT_EQ(refusal.sha256, Sha256Hex(refusal.subject + "\n\n" + refusal.body));
  // Letters are visible like the case; the transition's audit event names them and nothing is pending.
  EXPECT_EQ(service_->Letters(exporter_b_, c.id).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(service_->GetLetter(exporter_b_, c.id, refusal.id).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(service_->GetLetter(exporter_a_, c.id, 999).status().code(), ErrorCode::kNotFound);
  auto history = service_->History(officer_, c.id);
  bool found = false;
  for (const auto& e : *history) {
    if (e.action != "case.refuse") continue;
    json summary = json::parse(e.summary);
    found = summary.contains("letters") && summary["letters"][0]["kind"] == "refusal";
    for (const auto& p : summary["pending_effects"]) EXPECT_NE(p.get<std::string>().find("letter"), 0u);
  }
  EXPECT_TRUE(found);

  // The approval letter carries the licence.
  StoredCase approved = ReviewedCase();
  Act(officer_, approved.id, CaseAction::kSendToFinalReview);
  DecisionRequest approve;
  approve.expected_version = CaseVersion(approved.id);
  auto out = service_->Decide(ctx_, officer_, approved.id, approve);
  ASSERT_TRUE(out.ok());
  auto approval = service_->Letters(exporter_a_, approved.id);
  ASSERT_EQ(approval->size(), 1u);
  EXPECT_NE((*approval)[0].body.find(out->licence->number), std::string::npos);
  EXPECT_NE((*approval)[0].body.find("1. Frequency changer (3A225): 2 pcs, value 15000.5 EUR"),
            std::string::npos)
      << (*approval)[0].body;
}

class RecordingRouter final : public CaseRouter {
 public:
  Status RouteInTx(store::Tx& tx, const audit::Context&, int64_t case_id) override {
    // The case row exists inside the submit transaction.
    STM_ASSIGN_OR_RETURN(auto row, tx.QueryOne("SELECT state FROM cases WHERE id = ?", {case_id}));
    if (!row) return Status::Internal("case row missing");
    if (fail) return Status::Unavailable("routing store down");
    routed.push_back(case_id);
    return Status::Ok();
  }
  std::vector<int64_t> routed;
  bool fail = false;
};

TEST_F(LicenceLifecycleTest, SubmissionRoutesTheCaseInTheSameTransaction) {
  RecordingRouter router;
  LicensingOptions options;
  options.router = &router;
  Reset(std::move(options));
  StoredCase c = SubmitCase(CompleteDraft());
  EXPECT_EQ(router.routed, std::vector<int64_t>{c.id});
  router.fail = true;
  int64_t draft = CompleteDraft();
  auto out = service_->Submit(ctx_, exporter_a_, draft, Version(draft));
  EXPECT_EQ(out.status.code(), ErrorCode::kUnavailable);
  // Nothing of the failed submission is kept.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM cases"), 1);
  EXPECT_EQ(service_->GetApplication(exporter_a_, draft)->status, ApplicationStatus::kDraft);
}

// Random actions by random actors through the service: every state change is a row of the table and has
// exactly one audit event naming it; a failed action changes nothing and writes no event.
TEST_F(LicenceLifecycleTest, PropertyEveryServiceStateChangeIsATableRowWithItsAuditEvent) {
  std::mt19937 rng(20261129);
  const std::vector<Actor> actors = {
      exporter_a_, exporter_b_, officer_,
      officer2_,   senior1_,    senior2_,
      ref_x_,      customs_,    Actor::User(Role::kAdministrator, UserId(1), OrgId())};
  const auto& actions = AllCaseActions();
  int changes = 0;
  for (int round = 0; round < 12; ++round) {
    StoredCase c = SubmitCase(CompleteDraft());
    const std::string target = fmt::format("case:{}", c.id);
    for (int step = 0; step < 25; ++step) {
      const Actor& actor = actors[rng() % actors.size()];
      CaseAction action = actions[rng() % actions.size()];
      // Half the time, one of the actions the actor may take now (so the walk gets somewhere).
      if (rng() % 2 == 0) {
        auto available = service_->Transitions(actor, c.id);
        std::vector<CaseAction> allowed;
        if (available.ok()) {
          for (const auto& a : *available) {
            if (a.allowed) allowed.push_back(a.action);
          }
        }
        if (!allowed.empty()) action = allowed[rng() % allowed.size()];
      }
      auto before = service_->GetCase(officer_, c.id);
      ASSERT_TRUE(before.ok());
      const CaseView view = before->case_record.view;
      const int64_t events =
          Count(fmt::format("SELECT COUNT(*) FROM audit_events WHERE target = '{}'", target));
      // Usually the current version; sometimes a stale one.
      const int64_t version = rng() % 8 == 0 ? view.version - 1 : view.version;
      auto r = service_->Act(ctx_, actor, c.id, action, version, "");
      auto after = service_->GetCase(officer_, c.id);
      ASSERT_TRUE(after.ok());
      const int64_t events_after =
          Count(fmt::format("SELECT COUNT(*) FROM audit_events WHERE target = '{}'", target));
      if (!r.ok()) {
        EXPECT_EQ(after->case_record.view, view) << CaseActionName(action) << ": " << r.status().ToString();
        EXPECT_EQ(events_after, events);
        continue;
      }
      ++changes;
      const Transition* row = FindTransition(view.state, action);
      ASSERT_NE(row, nullptr) << CaseStateName(view.state) << " " << CaseActionName(action);
      EXPECT_EQ(after->case_record.view.state, row->to);
      EXPECT_EQ(after->case_record.view.version, view.version + 1);
      EXPECT_EQ(events_after, events + 1);
      auto tx = db_->Begin(store::TxMode::kRead);
      auto last = (*tx)->QueryOne(
          "SELECT action, summary FROM audit_events WHERE target = ? ORDER BY seq DESC LIMIT 1", {target});
      ASSERT_TRUE(last.ok() && *last);
      EXPECT_EQ((*last)->Text(0), fmt::format("case.{}", CaseActionName(action)));
      json summary = json::parse((*last)->Text(1));
      EXPECT_EQ(summary["from"], CaseStateName(view.state));
      EXPECT_EQ(summary["to"], CaseStateName(row->to));
      EXPECT_EQ(summary["version"], view.version + 1);
    }
  }
  EXPECT_GT(changes, 30);  // the walk did take transitions
}

}  // namespace
}  // namespace stm::licensing
