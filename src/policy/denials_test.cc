#include "policy/denials.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "common/crypto.h"
#include "licensing/queues.h"
#include "store/migrate.h"
#include "store/sqlite_db.h"
#include "store/testing.h"

namespace stm::policy {
namespace {

namespace fs = std::filesystem;
using auth::Role;
using licensing::Actor;
using licensing::CaseAction;
using nlohmann::json;

// Monday 2 March 2026, 09:00 UTC.
TimePoint Monday() {
  return TimePoint(std::chrono::sys_days(std::chrono::year{2026} / 3 / 2)) + std::chrono::hours(9);
}

std::vector<std::string> Regimes(std::string_view code) {
  if (code.starts_with("2B2") || code.starts_with("3A2")) return {"nsg2"};
  if (code.starts_with("9A")) return {"mtcr"};
  return {"wa_du"};
}

// Germany's notification of a denied isostatic press for an Iranian end user.
json InboundJson() {
  return json::parse(R"({
    "notifying_state": "de", "regime": "NSG", "reference": "DE-2025-017", "denied_on": "2025-06-01",
    "items": [{"description": "Isostatic press", "control_codes": ["2B226"]}],
    "parties": [{"role": "end_user", "name": "Shahid Hemmat Industrial Group", "address": "Tehran",
                 "country": "IR"},
                {"role": "consignee", "name": "Kala Trading Dubai", "country": "AE"}],
    "reason": "Risk of diversion to a missile programme"
  })");
}

json ApplicationJson(const std::string& end_user, const std::string& code,
                     const std::string& country = "IR") {
  return {
      {"type", "individual"},
      {"goods",
       {{{"description", "Isostatic press"},
         {"control_codes", {code}},
         {"quantity", 1},
         {"unit", "pcs"},
         {"value", 250000},
         {"currency", "EUR"}}}},
      {"parties",
       {{{"role", "consignee"}, {"name", "Pars Machinery"}, {"address", "Street 1"}, {"country", country}},
        {{"role", "end_user"}, {"name", end_user}, {"address", "Street 2"}, {"country", country}}}},
      {"end_use", "Production of parts"},
      {"end_user_statement", "Civil use only."}};
}

class DenialServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::OpenTempDatabase("stm-denials", clock_, &dir_);
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

    licensing::QueueOptions queue_options;
    queue_options.regimes_of = Regimes;
    queues_ = std::make_unique<licensing::QueueService>(*db_, clock_, queue_options);
    DenialOptions options;
    options.queues = queues_.get();
    options.regimes_of = Regimes;
    denials_ = std::make_unique<DenialService>(*db_, clock_, options);
    licensing::LicensingOptions lic;
    lic.router = denials_.get();
    lic.decisions = denials_.get();
    licensing_ = std::make_unique<licensing::LicensingService>(*db_, clock_, lic);
    queues_->SetLicensing(licensing_.get());
  }
  void TearDown() override {
    licensing_.reset();
    denials_.reset();
    queues_.reset();
    db_.reset();
    fs::remove_all(dir_);
  }

  Denial RecordDenial(json body = InboundJson()) {
    auto d = denials_->RecordInbound(ctx_, officer_, body);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return d.ok() ? *d : Denial{};
  }
  // A submitted application (with its end-user certificate) and its case.
  int64_t SubmitCase(const json& body) {
    auto a = licensing_->CreateApplication(ctx_, exporter_, body);
    EXPECT_TRUE(a.ok()) << a.status().ToString();
    auto doc = licensing_->AddDocument(ctx_, exporter_, a->id, licensing::DocumentKind::kEndUserCertificate,
                                       "application/pdf", "%PDF-1.4 certificate");
    EXPECT_TRUE(doc.ok()) << doc.status().ToString();
    auto app = licensing_->GetApplication(exporter_, a->id);
    auto out = licensing_->Submit(ctx_, exporter_, a->id, app->version);
    EXPECT_TRUE(out.status.ok()) << out.status.ToString();
    return out.case_record ? out.case_record->id : 0;
  }
  int64_t CaseVersion(int64_t id) { return licensing_->GetCase(officer_, id)->case_record.view.version; }
  bool Blocking(int64_t id) { return licensing_->GetCase(officer_, id)->case_record.view.has_blocking_flags; }
  void Act(int64_t id, CaseAction action) {
    auto r = licensing_->Act(ctx_, officer_, id, action, CaseVersion(id), "");
    ASSERT_TRUE(r.ok()) << licensing::CaseActionName(action) << ": " << r.status().ToString();
  }
  // Submitted -> under final review.
  void ToFinalReview(int64_t id) {
    Act(id, CaseAction::kStartChecks);
    Act(id, CaseAction::kChecksPassed);
    Act(id, CaseAction::kSendToFinalReview);
  }
  std::vector<json> AuditSummaries(const std::string& action) {
    auto tx = db_->Begin(store::TxMode::kRead);
    auto rows = (*tx)->Query("SELECT summary FROM audit_events WHERE action = ? ORDER BY seq", {action});
    std::vector<json> out;
    for (const auto& r : *rows) out.push_back(json::parse(r.Text(0)));
    return out;
  }

  fs::path dir_;
  FakeClock clock_{Monday()};
  std::unique_ptr<store::SqliteDatabase> db_;
  std::unique_ptr<licensing::QueueService> queues_;
  std::unique_ptr<DenialService> denials_;
  std::unique_ptr<licensing::LicensingService> licensing_;
  audit::Context ctx_{"test", "-"};
  Actor exporter_ = Actor::User(Role::kExporterUser, UserId(1), OrgId(1));
  Actor officer_ = Actor::User(Role::kLicensingOfficer, UserId(2), OrgId());
  Actor senior_ = Actor::User(Role::kSeniorLicensingOfficer, UserId(3), OrgId());
  Actor auditor_ = Actor::User(Role::kAuditor, UserId(4), OrgId());
  Actor customs_ = Actor::User(Role::kCustomsOfficer, UserId(5), OrgId());
  Actor referral_ = Actor::User(Role::kReferralOfficer, UserId(6), OrgId());
};

TEST(DenialCodes, SameCodeOrSubParagraphIgnoringCase) {
  EXPECT_TRUE(ControlCodesOverlap("2B226", "2B226"));
  EXPECT_TRUE(ControlCodesOverlap("2B226", "2b226.a"));
  EXPECT_TRUE(ControlCodesOverlap(" 2B226.a.1 ", "2B226.A"));
  EXPECT_FALSE(ControlCodesOverlap("2B22", "2B226"));
  EXPECT_FALSE(ControlCodesOverlap("2B226.a", "2B226.b"));
  EXPECT_FALSE(ControlCodesOverlap("2B226", "2B227"));
  EXPECT_FALSE(ControlCodesOverlap("", "2B226"));
  EXPECT_EQ(DenialRegimeOf({"nsg1"}), "nsg");
  EXPECT_EQ(DenialRegimeOf({"wa_du", "mtcr"}), "mtcr");
  EXPECT_EQ(DenialRegimeOf({"cwc"}), "ag");
  EXPECT_EQ(DenialRegimeOf({"wa_ml"}), "wassenaar");
  EXPECT_EQ(DenialRegimeOf({}), "other");
}

TEST_F(DenialServiceTest, DenialRecordValidatesEveryFieldAndDefaultsTheExpiry) {
  Denial d = RecordDenial();
  EXPECT_EQ(d.direction, DenialDirection::kInbound);
  EXPECT_EQ(d.status, DenialStatus::kActive);
  EXPECT_EQ(d.notifying_state, "DE");
  EXPECT_EQ(d.regime, "nsg");
  EXPECT_EQ(d.expires_on, "2028-06-01");  // denied_on + 3 years
  EXPECT_FALSE(d.expired);
  EXPECT_TRUE(d.InForce());
  EXPECT_EQ(d.parties[0].country, "IR");
  EXPECT_EQ(ToJson(d)["items"][0]["control_codes"][0], "2B226");
  EXPECT_EQ(AuditSummaries("denial.record").size(), 1u);
  // The same state's reference twice.
  EXPECT_EQ(denials_->RecordInbound(ctx_, officer_, InboundJson()).status().code(),
            ErrorCode::kAlreadyExists);

  auto expect_field = [&](json body, const std::string& field) {
    auto r = denials_->RecordInbound(ctx_, officer_, body);
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << field;
    EXPECT_EQ(r.status().message().rfind(field, 0), 0u) << r.status().message();
  };
  json b = InboundJson();
  b["notifying_state"] = "XX";
  expect_field(b, "notifying_state");
  b = InboundJson();
  b["regime"] = "opcw";
  expect_field(b, "regime");
  b = InboundJson();
  b.erase("reference");
  expect_field(b, "reference");
  b = InboundJson();
  b["denied_on"] = "2025-02-30";
  expect_field(b, "denied_on");
  b = InboundJson();
  b["expires_on"] = "2025-05-01";
  expect_field(b, "expires_on");
  b = InboundJson();
  b["items"] = json::array();
  expect_field(b, "items");
  b = InboundJson();
  b["items"][0]["control_codes"] = json::array();
  expect_field(b, "items[0].control_codes");
  b = InboundJson();
  b["items"][0]["control_codes"] = {"2B226", " "};
  expect_field(b, "items[0].control_codes[1]");
  b = InboundJson();
  b["parties"][1].erase("name");
  expect_field(b, "parties[1].name");
  b = InboundJson();
  b["parties"][0]["country"] = "ZZ";
  expect_field(b, "parties[0].country");
  b = InboundJson();
  b["parties"][0]["role"] = "villain";
  expect_field(b, "parties[0].role");
  b = InboundJson();
  b["licence"] = "x";
  expect_field(b, "licence");
  // Nothing half-written.
  EXPECT_EQ(denials_->List(officer_, {})->size(), 1u);
}

TEST_F(DenialServiceTest, DenialRevokeListAndComputedExpiry) {
  Denial d = RecordDenial();
  json old = InboundJson();
  old["reference"] = "FR-2021-3";
  old["notifying_state"] = "FR";
  old["denied_on"] = "2021-01-10";  // expired on 2024-01-10
  Denial expired = RecordDenial(old);
  EXPECT_TRUE(expired.expired);
  EXPECT_FALSE(expired.InForce());
  EXPECT_EQ(ToJson(expired)["in_force"], false);

  auto listed = denials_->List(auditor_, {});
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id, d.id);
  DenialFilter with_expired;
  with_expired.include_expired = true;
  EXPECT_EQ(denials_->List(officer_, with_expired)->size(), 2u);
  DenialFilter only_expired;
  only_expired.status = "expired";
  ASSERT_EQ(denials_->List(officer_, only_expired)->size(), 1u);
  EXPECT_EQ((*denials_->List(officer_, only_expired))[0].id, expired.id);
  DenialFilter bad;
  bad.status = "lapsed";
  EXPECT_EQ(denials_->List(officer_, bad).status().code(), ErrorCode::kInvalidArgument);
  // An expired denial matches nothing.
  auto app = licensing::ApplicationFromJson(ApplicationJson("Shahid Hemmat Industrial Group", "2B226"));
  ASSERT_TRUE(app.ok());
  auto matches = denials_->Match(*app);
  ASSERT_TRUE(matches.ok());
  ASSERT_EQ(matches->size(), 1u);
  EXPECT_EQ((*matches)[0].denial.id, d.id);

  // The clock moves past the expiry: expired without any write.
  clock_.Set(TimePoint(std::chrono::sys_days(std::chrono::year{2028} / 6 / 2)));
  EXPECT_TRUE(denials_->Get(officer_, d.id)->expired);
  EXPECT_TRUE(denials_->Match(*app)->empty());
  clock_.Set(Monday());

  EXPECT_EQ(denials_->Revoke(ctx_, officer_, d.id, " ").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(denials_->Revoke(ctx_, auditor_, d.id, "withdrawn").status().code(),
            ErrorCode::kPermissionDenied);
  auto revoked = denials_->Revoke(ctx_, officer_, d.id, "Revoked by Germany on 2026-02-20");
  ASSERT_TRUE(revoked.ok()) << revoked.status().ToString();
  EXPECT_EQ(revoked->status, DenialStatus::kRevoked);
  EXPECT_EQ(revoked->revoked_on, "2026-03-02");
  EXPECT_EQ(revoked->version, 2);
  EXPECT_EQ(denials_->Revoke(ctx_, officer_, d.id, "again").status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(denials_->Match(*app)->empty());
  DenialFilter revoked_only;
  revoked_only.status = "revoked";
  EXPECT_EQ(denials_->List(officer_, revoked_only)->size(), 1u);
  EXPECT_EQ(AuditSummaries("denial.revoke").size(), 1u);
  EXPECT_EQ(denials_->Get(officer_, 999).status().code(), ErrorCode::kNotFound);
}

TEST_F(DenialServiceTest, DenialMatchIsFuzzyOnNamesAndChecksCountryAndCodes) {
  Denial d = RecordDenial();
  auto app = licensing::ApplicationFromJson(ApplicationJson("Shahid Hemat Industrial Grp", "2B226.a"));
  ASSERT_TRUE(app.ok());
  auto matches = denials_->Match(*app);
  ASSERT_TRUE(matches.ok()) << matches.status().ToString();
  ASSERT_EQ(matches->size(), 1u);
  const DenialMatch& m = (*matches)[0];
  EXPECT_EQ(m.denial.id, d.id);
  EXPECT_TRUE(m.essentially_identical);
  ASSERT_FALSE(m.parties.empty());
  EXPECT_EQ(m.parties[0].party_index, 1u);
  EXPECT_EQ(m.parties[0].role, "end_user");
  EXPECT_EQ(m.parties[0].denial_party_name, "Shahid Hemmat Industrial Group");
  EXPECT_GE(m.parties[0].score, screening::kDefaultThreshold);
  EXPECT_EQ(m.parties[0].explanation["country"]["same"], true);
  ASSERT_EQ(m.codes.size(), 1u);
  EXPECT_EQ(m.codes[0].application_code, "2B226.a");
  EXPECT_EQ(m.codes[0].denial_code, "2B226");
  EXPECT_EQ(ToJson(m)["essentially_identical"], true);

  // Another control code: a name match, but not essentially identical.
  auto other_code = denials_->Match(
      *licensing::ApplicationFromJson(ApplicationJson("Shahid Hemat Industrial Grp", "3A001")));
  ASSERT_EQ(other_code->size(), 1u);
  EXPECT_FALSE((*other_code)[0].essentially_identical);
  // Another person, or the same name in another country: no match.
  EXPECT_TRUE(
      denials_->Match(*licensing::ApplicationFromJson(ApplicationJson("Tehran Polymer Works", "2B226")))
          ->empty());
  EXPECT_TRUE(denials_
                  ->Match(*licensing::ApplicationFromJson(
                      ApplicationJson("Shahid Hemmat Industrial Group", "2B226", "PK")))
                  ->empty());
  // A country unknown on the denial's side is not compared, and the explanation says so.
  json no_country = InboundJson();
  no_country["reference"] = "NL-7";
  no_country["notifying_state"] = "NL";
  no_country["parties"] = {{{"role", "end_user"}, {"name", "Sepehr Precision Engineering"}}};
  RecordDenial(no_country);
  auto unknown = denials_->Match(
      *licensing::ApplicationFromJson(ApplicationJson("Sepehr Precission Engineering Co.", "2B226")));
  ASSERT_EQ(unknown->size(), 1u);
  EXPECT_EQ((*unknown)[0].parties[0].explanation["country"]["compared"], false);
  // Another script, when the matcher transliterates it.
  json cyrillic = InboundJson();
  cyrillic["reference"] = "RU-1";
  cyrillic["notifying_state"] = "RU";
  cyrillic["parties"] = {{{"role", "end_user"}, {"name", "Игорь Смирнов"}, {"country", "IR"}}};
  RecordDenial(cyrillic);
  auto latin = denials_->Match(*licensing::ApplicationFromJson(ApplicationJson("Igor Smirnov", "2B226")));
  ASSERT_TRUE(latin.ok());
  bool found = false;
  for (const auto& x : *latin) found = found || x.denial.reference == "RU-1";
  EXPECT_TRUE(found);
}

TEST_F(DenialServiceTest, ConsultationOpenedOnSubmissionBlocksFinalisingUntilItsOutcome) {
  Denial d = RecordDenial();
  int64_t case_id = SubmitCase(ApplicationJson("Shahid Hemat Industrial Grp", "2B226.a"));
  ASSERT_GT(case_id, 0);
  ConsultationFilter for_case;
  for_case.case_id = case_id;
  auto consultations = denials_->ListConsultations(officer_, for_case);
  ASSERT_TRUE(consultations.ok()) << consultations.status().ToString();
  ASSERT_EQ(consultations->size(), 1u);
  Consultation c = (*consultations)[0];
  EXPECT_EQ(c.denial_id, d.id);
  EXPECT_EQ(c.addressed_state, "DE");
  EXPECT_EQ(c.status, ConsultationStatus::kOpen);
  EXPECT_EQ(c.deadline, "2026-04-01");  // 30 calendar days
  EXPECT_EQ(c.match["essentially_identical"], true);
  ASSERT_TRUE(c.flag_id.has_value());
  EXPECT_TRUE(Blocking(case_id));
  auto flags = queues_->CaseFlags(officer_, case_id);
  ASSERT_EQ(flags->size(), 1u);
  EXPECT_EQ((*flags)[0].code, kConsultationFlag);
  EXPECT_EQ((*flags)[0].added_by, "system");
  EXPECT_TRUE((*flags)[0].removable_by.empty());
  // Only the system clears it.
  EXPECT_EQ(queues_->RemoveFlag(ctx_, senior_, case_id, *c.flag_id, "looks fine").status().code(),
            ErrorCode::kPermissionDenied);
  auto screen = AuditSummaries("case.route.denial_screen");
  ASSERT_EQ(screen.size(), 1u);
  EXPECT_EQ(screen[0]["consultations"][0], c.id);
  EXPECT_EQ(AuditSummaries("consultation.open").size(), 1u);

  // The approve guard refuses while the consultation is open.
  ToFinalReview(case_id);
  auto transitions = licensing_->Transitions(officer_, case_id);
  ASSERT_TRUE(transitions.ok());
  bool approve_listed = false;
  for (const auto& t : *transitions) {
    if (t.action != CaseAction::kApprove) continue;
    approve_listed = true;
    EXPECT_FALSE(t.allowed);
    EXPECT_EQ(t.blocked_code, ErrorCode::kFailedPrecondition);
  }
  EXPECT_TRUE(approve_listed);
  licensing::DecisionRequest approve;
  approve.expected_version = CaseVersion(case_id);
  EXPECT_EQ(licensing_->Decide(ctx_, officer_, case_id, approve).status().code(),
            ErrorCode::kFailedPrecondition);

  // Exporters and auditors may not record the outcome; recording it clears the flag.
  EXPECT_EQ(
      denials_->RecordOutcome(ctx_, exporter_, c.id, ConsultationOutcome::kNoObjection, "").status().code(),
      ErrorCode::kPermissionDenied);
  EXPECT_EQ(
      denials_->RecordOutcome(ctx_, auditor_, c.id, ConsultationOutcome::kNoObjection, "").status().code(),
      ErrorCode::kPermissionDenied);
  auto closed = denials_->RecordOutcome(ctx_, officer_, c.id, ConsultationOutcome::kNoObjection,
                                        "Germany: the new end-use assurance resolves the concern.");
  ASSERT_TRUE(closed.ok()) << closed.status().ToString();
  EXPECT_EQ(closed->status, ConsultationStatus::kClosed);
  EXPECT_EQ(closed->outcome, ConsultationOutcome::kNoObjection);
  EXPECT_TRUE(closed->closed_at.has_value());
  EXPECT_FALSE(Blocking(case_id));
  EXPECT_EQ(
      denials_->RecordOutcome(ctx_, officer_, c.id, ConsultationOutcome::kObjection, "").status().code(),
      ErrorCode::kFailedPrecondition);
  EXPECT_EQ(AuditSummaries("consultation.outcome").size(), 1u);
  ConsultationFilter open_only;
  open_only.status = ConsultationStatus::kOpen;
  EXPECT_TRUE(denials_->ListConsultations(auditor_, open_only)->empty());

  // Approving over the denial is recorded as such.
  approve.expected_version = CaseVersion(case_id);
  auto decided = licensing_->Decide(ctx_, officer_, case_id, approve);
  ASSERT_TRUE(decided.ok()) << decided.status().ToString();
  auto approvals = AuditSummaries("case.approve");
  ASSERT_EQ(approvals.size(), 1u);
  EXPECT_EQ(approvals[0]["approved_over_denials"], json::array({d.id}));
  auto over = AuditSummaries("denial.approved_over");
  ASSERT_EQ(over.size(), 1u);
  EXPECT_EQ(over[0]["case_id"], case_id);
  EXPECT_EQ(over[0]["consultations"][0]["outcome"], "no_objection");
}

TEST_F(DenialServiceTest, ConsultationNotOpenedForAnotherCodeOrPerson) {
  RecordDenial();
  int64_t other_code = SubmitCase(ApplicationJson("Shahid Hemat Industrial Grp", "3A001"));
  int64_t other_person = SubmitCase(ApplicationJson("Tehran Polymer Works", "2B226"));
  EXPECT_TRUE(denials_->ListConsultations(officer_, {})->empty());
  EXPECT_FALSE(Blocking(other_code));
  EXPECT_FALSE(Blocking(other_person));
  // The name match alone is screened and, when approved, recorded as approved over the denial.
  EXPECT_EQ(AuditSummaries("case.route.denial_screen").size(), 1u);
  ToFinalReview(other_code);
  licensing::DecisionRequest approve;
  approve.expected_version = CaseVersion(other_code);
  ASSERT_TRUE(licensing_->Decide(ctx_, officer_, other_code, approve).ok());
  EXPECT_EQ(AuditSummaries("case.approve")[0]["approved_over_denials"].size(), 1u);
  ToFinalReview(other_person);
  approve.expected_version = CaseVersion(other_person);
  ASSERT_TRUE(licensing_->Decide(ctx_, officer_, other_person, approve).ok());
  EXPECT_FALSE(AuditSummaries("case.approve")[1].contains("approved_over_denials"));
}

TEST_F(DenialServiceTest, ConsultationsOfOneCaseShareTheFlagUntilTheLastOutcome) {
  RecordDenial();
  json second = InboundJson();
  second["notifying_state"] = "FR";
  second["reference"] = "FR-2025-4";
  second["regime"] = "nsg";
  RecordDenial(second);
  int64_t case_id = SubmitCase(ApplicationJson("Shahid Hemmat Industrial Group", "2B226"));
  auto consultations = denials_->ListConsultations(officer_, {});
  ASSERT_EQ(consultations->size(), 2u);
  EXPECT_EQ((*consultations)[0].flag_id, (*consultations)[1].flag_id);
  ASSERT_TRUE(
      denials_
          ->RecordOutcome(ctx_, senior_, (*consultations)[0].id, ConsultationOutcome::kNoReply, "no answer")
          .ok());
  EXPECT_TRUE(Blocking(case_id));
  ASSERT_TRUE(
      denials_
          ->RecordOutcome(ctx_, senior_, (*consultations)[1].id, ConsultationOutcome::kObjection, "objects")
          .ok());
  EXPECT_FALSE(Blocking(case_id));
  // Opening again for the same matches opens nothing new while none is open... and re-opens after closing.
  auto tx = db_->Begin(store::TxMode::kWrite);
  auto app = licensing::ApplicationFromJson(ApplicationJson("Shahid Hemmat Industrial Group", "2B226"));
  auto matches = denials_->MatchInTx(**tx, *app);
  ASSERT_TRUE(matches.ok());
  auto opened = denials_->OpenConsultationsInTx(**tx, ctx_, case_id, *matches);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->size(), 2u);
  auto again = denials_->OpenConsultationsInTx(**tx, ctx_, case_id, *matches);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty());
  // Not committed: rolled back.
  tx->reset();
  EXPECT_EQ(denials_->ListConsultations(officer_, {})->size(), 2u);
  EXPECT_FALSE(Blocking(case_id));
}

TEST_F(DenialServiceTest, DenialDraftedFromARefusalAndIssuedByASeniorOfficer) {
  int64_t case_id = SubmitCase(ApplicationJson("Kavoshgar Engineering", "2B226.a"));
  ToFinalReview(case_id);
  licensing::DecisionRequest refuse;
  refuse.decision = licensing::Outcome::kRefused;
  refuse.refusal_criteria = {"Criterion 1: international obligations", "Criterion 7: risk of diversion"};
  refuse.reason = "The end user supplies a missile programme.";
  refuse.expected_version = CaseVersion(case_id);
  auto refused = licensing_->Decide(ctx_, officer_, case_id, refuse);
  ASSERT_TRUE(refused.ok()) << refused.status().ToString();
  auto summaries = AuditSummaries("case.refuse");
  ASSERT_EQ(summaries.size(), 1u);
  ASSERT_TRUE(summaries[0].contains("outbound_denial"));
  int64_t id = summaries[0]["outbound_denial"].get<int64_t>();

  DenialFilter outbound;
  outbound.direction = DenialDirection::kOutbound;
  auto listed = denials_->List(officer_, outbound);
  ASSERT_EQ(listed->size(), 1u);
  const Denial& d = (*listed)[0];
  EXPECT_EQ(d.id, id);
  EXPECT_EQ(d.status, DenialStatus::kDraft);
  EXPECT_EQ(d.notifying_state, "GB");
  EXPECT_EQ(d.regime, "nsg");
  EXPECT_EQ(d.case_id, case_id);
  EXPECT_EQ(d.denied_on, "2026-03-02");
  EXPECT_EQ(d.expires_on, "2029-03-02");
  ASSERT_EQ(d.items.size(), 1u);
  EXPECT_EQ(d.items[0].control_codes, std::vector<std::string>{"2B226.a"});
  ASSERT_EQ(d.parties.size(), 2u);
  EXPECT_EQ(d.parties[1].role, "end_user");
  EXPECT_EQ(d.parties[1].name, "Kavoshgar Engineering");
  EXPECT_NE(d.reason.find("Criterion 7: risk of diversion"), std::string::npos) << d.reason;
  EXPECT_NE(d.reason.find("supplies a missile programme"), std::string::npos) << d.reason;
  EXPECT_EQ(AuditSummaries("denial.draft").size(), 1u);
  // A draft is not in force and cannot be revoked; a licensing officer may not issue it.
  EXPECT_FALSE(d.InForce());
  EXPECT_EQ(denials_->Revoke(ctx_, senior_, id, "x").status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(denials_->IssueOutbound(ctx_, officer_, id, d.version).status().code(),
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(denials_->IssueOutbound(ctx_, senior_, id, d.version + 1).status().code(), ErrorCode::kConflict);
  auto issued = denials_->IssueOutbound(ctx_, senior_, id, d.version);
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  EXPECT_EQ(issued->status, DenialStatus::kIssued);
  EXPECT_TRUE(issued->InForce());
  EXPECT_EQ(denials_->IssueOutbound(ctx_, senior_, id, issued->version).status().code(),
            ErrorCode::kFailedPrecondition);
  EXPECT_EQ(AuditSummaries("denial.issue").size(), 1u);
  auto revoked = denials_->Revoke(ctx_, senior_, id, "Refusal overturned on appeal");
  ASSERT_TRUE(revoked.ok()) << revoked.status().ToString();
  EXPECT_EQ(revoked->status, DenialStatus::kRevoked);
  // Outbound denials are not matched against applications (only other states' notifications are).
  EXPECT_TRUE(
      denials_->Match(*licensing::ApplicationFromJson(ApplicationJson("Kavoshgar Engineering", "2B226")))
          ->empty());
}

TEST_F(DenialServiceTest, DenialServiceRefusesExportersEverywhere) {
  Denial d = RecordDenial();
  int64_t case_id = SubmitCase(ApplicationJson("Shahid Hemat Industrial Grp", "2B226"));
  ASSERT_GT(case_id, 0);
  auto c = (*denials_->ListConsultations(officer_, {}))[0];
  for (const Actor& a : {exporter_, customs_, referral_}) {
    EXPECT_EQ(denials_->RecordInbound(ctx_, a, InboundJson()).status().code(), ErrorCode::kPermissionDenied);
    EXPECT_EQ(denials_->List(a, {}).status().code(), ErrorCode::kPermissionDenied);
    EXPECT_EQ(denials_->Get(a, d.id).status().code(), ErrorCode::kPermissionDenied);
    EXPECT_EQ(denials_->Revoke(ctx_, a, d.id, "x").status().code(), ErrorCode::kPermissionDenied);
    EXPECT_EQ(denials_->IssueOutbound(ctx_, a, d.id, 1).status().code(), ErrorCode::kPermissionDenied);
    EXPECT_EQ(denials_->ListConsultations(a, {}).status().code(), ErrorCode::kPermissionDenied);
    EXPECT_EQ(denials_->GetConsultation(a, c.id).status().code(), ErrorCode::kPermissionDenied);
    EXPECT_EQ(denials_->RecordOutcome(ctx_, a, c.id, ConsultationOutcome::kNoReply, "").status().code(),
              ErrorCode::kPermissionDenied);
  }
  // Auditors read.
  EXPECT_TRUE(denials_->Get(auditor_, d.id).ok());
  EXPECT_TRUE(denials_->GetConsultation(auditor_, c.id).ok());
  EXPECT_EQ(denials_->GetConsultation(officer_, 999).status().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace stm::policy
