// Licence applications and licensing cases in the store (issue "Licensing": the application and case
// part). An exporter prepares a draft application, uploads supporting documents and submits it; submitting
// validates the whole application (every field error at once), creates the case, starts the statutory clock
// and runs the risk assessment. Officers then work the case through the one transition table
// (case_state.h): every state change goes through `Apply`, and the new state, version, effects' field
// changes and the audit event are written in one transaction.
//
// Visibility (`CanSeeCase`): exporter roles see only their own organisation's applications and cases
// (others' answer kNotFound); licensing officers, senior officers, administrators and auditors see every
// case and every submitted application (drafts stay private to the exporter); referral officers see the
// cases referred to their agency; customs officers see no case.
//
// Referrals (`Refer`, `GiveAdvice`) maintain `referrals_awaiting_advice`; `SetRecommendation` sets
// `recommendation` / `needs_countersign`; the approve row's `issue_licence` effect writes the licence in the
// transition's transaction. The other effects that produce documents or messages (letters, notifications)
// are listed in the audit event of the transition as `pending_effects` until their services exist. Queues
// and routing will read `ListCases`.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit.h"
#include "common/clock.h"
#include "common/ids.h"
#include "common/status.h"
#include "licensing/application.h"
#include "licensing/case_state.h"
#include "licensing/letters.h"
#include "licensing/licence_number.h"
#include "licensing/settings.h"
#include "licensing/sla.h"
#include "store/db.h"

namespace stm::licensing {

// The result of the risk step run when an application is submitted (and again when a list or the catalogue
// changes while the case is open).
struct RiskAssessment {
  // [{"code","severity": "low"|"medium"|"high"|"critical","message","subject"?,"evidence"?,"blocking"?}...]
  nlohmann::json flags = nlohmann::json::array();
  bool blocking = false;  // the case cannot be finalised until this assessment changes (see queues.h flags)
  std::string assessor;   // which assessor produced it
  std::string level = "low";                          // the highest flag severity; "low" without flags
  nlohmann::json details = nlohmann::json::object();  // the assessor's evidence (screening per party, ...)
};
nlohmann::json ToJson(const RiskAssessment& risk);

// The pluggable risk step (screening of the parties, destination and end-use rules, ...). Thread-safe.
class RiskAssessor {
 public:
  virtual ~RiskAssessor() = default;
  virtual Result<RiskAssessment> Assess(const Application& application, OrgId exporter) = 0;
  // Inside the submit (or reassessment) transaction, after the case row holds `risk`: what the assessment
  // leads to beyond the case row (flags on the case, consultations). Must be idempotent: a reassessment calls
  // it again for the same case.
  virtual Status ApplyInTx(store::Tx& tx, const audit::Context& ctx, int64_t case_id,
                           const Application& application, const RiskAssessment& risk) {
    (void)tx, (void)ctx, (void)case_id, (void)application, (void)risk;
    return Status::Ok();
  }
};

// The default: no flags.
class NoRiskAssessor final : public RiskAssessor {
 public:
  Result<RiskAssessment> Assess(const Application&, OrgId) override {
    return RiskAssessment{nlohmann::json::array(), false, "none"};
  }
};

// Places cases in work queues (licensing/queues.h implements it with routing rules as data).
class CaseRouter {
 public:
  virtual ~CaseRouter() = default;
  // Inside the caller's write transaction, after the case row exists: places the case in its queues by the
  // routing rules (replacing its current placements) and writes the explanation; audited "case.route".
  virtual Status RouteInTx(store::Tx& tx, const audit::Context& ctx, int64_t case_id) = 0;
};

// Told of every decision inside its transaction (policy/denials.h drafts an outbound denial notification from
// a refusal and records an approval given over another state's denial). Thread-safe.
class DecisionObserver {
 public:
  virtual ~DecisionObserver() = default;
  // After the case row is written with its outcome and before the audit event; may add members to
  // `summary` (the decision's audit event). An error aborts the decision.
  virtual Status OnDecisionInTx(store::Tx& tx, const audit::Context& ctx, int64_t case_id, Outcome outcome,
                                nlohmann::json& summary) = 0;
};

// Names: "draft", "submitted", "withdrawn".
enum class ApplicationStatus { kDraft, kSubmitted, kWithdrawn };
std::string_view ApplicationStatusName(ApplicationStatus s);
std::optional<ApplicationStatus> ParseApplicationStatus(std::string_view s);

struct StoredApplication {
  int64_t id = 0;
  OrgId org;
  UserId created_by;
  ApplicationStatus status = ApplicationStatus::kDraft;
  int64_t version = 1;  // +1 on every change
  Application body;
  TimePoint created_at;
  TimePoint updated_at;
  std::optional<TimePoint> submitted_at;
  std::optional<int64_t> case_id;  // set once submitted
};
// {"id","org_id","created_by","type","status","version","created_at","updated_at","submitted_at",
//  "case_id","application": ToJson(body)}
nlohmann::json ToJson(const StoredApplication& a);

struct StoredDocument {
  int64_t id = 0;
  int64_t application_id = 0;
  DocumentKind kind = DocumentKind::kOther;
  std::string media_type;
  int64_t size_bytes = 0;
  std::string sha256;
  UserId uploaded_by;
  TimePoint uploaded_at;
};
nlohmann::json ToJson(const StoredDocument& d);

struct StoredCase {
  int64_t id = 0;
  std::string reference;  // "CASE-2026-000123"
  int64_t application_id = 0;
  ApplicationType type = ApplicationType::kIndividual;
  CaseView view;  // state, version, exporter_org, officer, flags, referrals, countersigning, outcome
  TimePoint submitted_at;
  TimePoint sla_started_at;                 // the statutory clock's start (restarted on appeal/reopen)
  std::optional<TimePoint> sla_stopped_at;  // set when the clock stops (finalised, withdrawn)
  std::vector<PauseInterval> pauses;
  TimePoint updated_at;
  nlohmann::json risk;                       // ToJson(RiskAssessment)
  std::optional<TimePoint> appeal_deadline;  // after a refusal: the end of the appeal window
};
// The case without the SLA report (see CaseDetail).
nlohmann::json ToJson(const StoredCase& c);

nlohmann::json ToJson(const AvailableAction& a);

struct CaseDetail {
  StoredCase case_record;
  StoredApplication application;
  SlaReport sla;
  std::vector<AvailableAction> transitions;  // for the caller
};
// ToJson(case) plus "sla", "application" and "transitions".
nlohmann::json ToJson(const CaseDetail& d);

// Submitting answers either the case or, when the application is incomplete, every field error (and a
// kInvalidArgument status summarising them; nothing is written).
struct SubmitOutcome {
  Status status;                   // Ok, or why not
  std::vector<FieldError> errors;  // the application's field errors (status kInvalidArgument)
  std::optional<StoredCase> case_record;
  std::optional<StoredApplication> application;
};

struct CaseFilter {
  std::optional<CaseState> state;
  std::optional<int64_t> queue;  // only cases placed in this queue (case_queues, see queues.h)
  bool overdue_only = false;     // only cases whose SLA state is overdue now
  bool due_soon_only = false;    // only open cases whose SLA state is due_soon now
  int limit = 50;                // 1..500
  int offset = 0;
};

struct CaseListItem {
  StoredCase case_record;
  SlaReport sla;
};
struct CasePage {
  std::vector<CaseListItem> items;
  int64_t total = 0;  // matching cases (before limit/offset)
};

struct LicensingOptions {
  DocumentLimits document_limits;
  SlaClock sla_clock{WorkingCalendar()};
  VirusScanner* scanner = nullptr;        // null: no scanning (NoOpVirusScanner); must outlive the service
  RiskAssessor* risk = nullptr;           // null: NoRiskAssessor; must outlive the service
  CaseRouter* router = nullptr;           // null: cases are not placed in queues; must outlive the service
  DecisionObserver* decisions = nullptr;  // null: none; must outlive the service
  // null: letter effects stay listed as pending in the audit event; must outlive the service
  const LetterTemplates* letters = nullptr;
  std::string authority_name = "Strategic Export Control Division";
  std::string authority_code = "STM";
  std::string licence_number_pattern = std::string(kDefaultLicencePattern);
  int appeal_days = 28;  // calendar days after a refusal in which the exporter may appeal
};

// Options from the authority's settings (SLA targets and calendar, numbering, appeal period);
// `letters` is not set here (the caller owns the loaded templates).
Result<LicensingOptions> OptionsFromSettings(const LicensingSettings& settings);

// ---- referrals (migration 8) ----

// One referral of a case to an advisory agency (an organisation of kind referral_agency). Advice is a
// JSON array of {"subject": "good"|"party"|"destination", "ref": text, "advice": "approve" |
// "approve_with_provisos" | "refuse" | "no_objection", "provisos": text (approve_with_provisos),
// "criteria": [text...] (refuse)}.
struct StoredReferral {
  int64_t id = 0;
  int64_t case_id = 0;
  OrgId agency;
  std::string status;    // "open", "answered"
  std::string deadline;  // "YYYY-MM-DD"
  std::string note;
  UserId created_by;
  TimePoint created_at;
  nlohmann::json advice;  // null until answered
  std::string summary;
  UserId answered_by;
  std::optional<TimePoint> answered_at;
};
nlohmann::json ToJson(const StoredReferral& r);
// Validates and normalises an advice array (kInvalidArgument naming "advice[2].provisos").
Result<nlohmann::json> ParseAdvice(const nlohmann::json& advice);
// The consolidated recommendation of the answered referrals: "refuse" when any item refuses, else
// "approve_with_provisos" when any has provisos, else "approve"; nullopt when no advice is in.
std::optional<std::string> ConsolidateAdvice(const std::vector<StoredReferral>& referrals);

struct ReferralRequest {
  std::vector<OrgId> agencies;  // 1..20, distinct, each a referral agency
  std::string deadline;         // "YYYY-MM-DD"
  std::string note;
  int64_t expected_version = 0;
};

// ---- decisions and licences (migration 8) ----

struct DecisionRequest {
  Outcome decision = Outcome::kApproved;
  int64_t expected_version = 0;
  std::string conditions;
  int validity_months = 24;  // 1..120
  std::vector<std::string> refusal_criteria;
  std::string reason;
};

// Superseded: replaced by an amendment (the new licence's `supersedes` names it).
enum class LicenceStatus { kActive, kSuspended, kRevoked, kSurrendered, kExpired, kExhausted, kSuperseded };
std::string_view LicenceStatusName(LicenceStatus s);
std::optional<LicenceStatus> ParseLicenceStatus(std::string_view name);
// suspend: active -> suspended; reinstate: suspended -> active; revoke: active|suspended -> revoked;
// surrender (the exporter): active|suspended -> surrendered. Revoked, surrendered, expired, exhausted and
// superseded are final.
enum class LicenceAction { kSuspend, kReinstate, kRevoke, kSurrender };
std::string_view LicenceActionName(LicenceAction a);
std::optional<LicenceAction> ParseLicenceAction(std::string_view name);

struct StoredLicence {
  int64_t id = 0;
  std::string number;  // LicenceNumberFormat, e.g. "STM/SIEL/2026/000001"
  int64_t case_id = 0;
  OrgId org;
  ApplicationType type = ApplicationType::kIndividual;
  LicenceStatus status = LicenceStatus::kActive;
  int64_t version = 1;
  TimePoint valid_from;
  TimePoint valid_until;
  std::string conditions;
  nlohmann::json lines;       // per goods line: description, control codes, quantity/value and used amounts
  std::string supersedes;     // the number this one amends; empty for an original
  std::string superseded_by;  // the amendment that replaced it; empty while current
  int amendment = 0;          // 0 for the original, n for the n-th amendment
  TimePoint issued_at;
  TimePoint updated_at;
};
nlohmann::json ToJson(const StoredLicence& l);

// An amendment: a new licence version superseding the current one. Absent members keep their values.
struct AmendmentRequest {
  int64_t expected_version = 0;  // the current licence's version
  std::string reason;            // required: why the licence is amended
  std::optional<std::string> conditions;
  std::optional<std::string> valid_until;  // "YYYY-MM-DD", after today
  struct LineChange {
    int line = 0;  // 1-based, an existing line
    std::optional<double> quantity;
    std::optional<double> value;
  };
  std::vector<LineChange> lines;  // new licensed quantity/value per line (not below what is used)
};

// Goods shipped against a licence (customs declaration `reference`); each line's quantity/value is
// added to the line's used amounts.
struct UsageRequest {
  std::string reference;  // the customs declaration or shipment reference, 1..100 characters
  struct Line {
    int line = 0;
    double quantity = 0;  // > 0
    double value = 0;     // >= 0
  };
  std::vector<Line> lines;
};

// What a maintenance sweep changed.
struct SweepReport {
  std::vector<std::string> licences_expired;
  std::vector<int64_t> appeal_windows_closed;  // case ids
};
nlohmann::json ToJson(const SweepReport& r);

struct StoredLetter {
  int64_t id = 0;
  int64_t case_id = 0;
  LetterKind kind = LetterKind::kApproval;
  std::string template_name;
  std::string subject;
  std::string body;
  std::string sha256;
  TimePoint created_at;
};
nlohmann::json ToJson(const StoredLetter& l);

struct DecisionOutcome {
  CaseDetail detail;
  std::optional<StoredLicence> licence;  // issued on approval
};

// True when `actor` may see cases of `exporter_org` (see the file comment).
bool CanSeeCase(const Actor& actor, OrgId exporter_org);

// Thread-safe: all state is in the store.
class LicensingService {
 public:
  LicensingService(store::Database& db, const Clock& clock, LicensingOptions options = {});

  // ---- applications (actor: an exporter-role user of the owning organisation) ----

  // A new draft for the actor's organisation from the (possibly incomplete) application JSON; documents
  // are added by upload only. Audited "application.create".
  Result<StoredApplication> CreateApplication(const audit::Context& ctx, const Actor& actor,
                                              const nlohmann::json& body);
  // kNotFound when missing or not visible to the actor.
  Result<StoredApplication> GetApplication(const Actor& actor, int64_t id);
  // The actor's organisation's applications (exporters), or every non-draft one (officers), newest first.
  Result<std::vector<StoredApplication>> ListApplications(const Actor& actor,
                                                          std::optional<ApplicationStatus> status);
  // JSON merge patch (RFC 7396) of a draft's body. kConflict naming both versions when stale,
  // kFailedPrecondition when not a draft, kInvalidArgument for a malformed result or a patch of
  // "documents"; nothing is written on error. Audited "application.update".
  Result<StoredApplication> PatchApplication(const audit::Context& ctx, const Actor& actor, int64_t id,
                                             int64_t expected_version, const nlohmann::json& patch);
  // Appends one goods line / party (validated for shape, errors named "goods[3].quantity"). An
  // `expected_version` is checked when given. Audited "application.goods.add" / "application.party.add".
  Result<StoredApplication> AddGoods(const audit::Context& ctx, const Actor& actor, int64_t id,
                                     const nlohmann::json& line, std::optional<int64_t> expected_version);
  Result<StoredApplication> AddParty(const audit::Context& ctx, const Actor& actor, int64_t id,
                                     const nlohmann::json& party, std::optional<int64_t> expected_version);
  // Stores an uploaded document and adds its reference to the draft. CheckDocument limits
  // (kInvalidArgument / kPayloadTooLarge), then the virus scanner (infected: kInvalidArgument; scanner
  // failure: kUnavailable). Audited "application.document.add".
  Result<StoredDocument> AddDocument(const audit::Context& ctx, const Actor& actor, int64_t id,
                                     DocumentKind kind, std::string_view media_type, std::string_view bytes);
  // The stored bytes of a document, visible like its application.
  Result<std::pair<StoredDocument, std::string>> GetDocument(const Actor& actor, int64_t application_id,
                                                             int64_t document_id);
  // Submits the draft through the transition table (draft --submit--> submitted): ValidateForSubmit
  // first (every error at once, nothing written), then in one transaction: the application becomes
  // submitted, the case is created (clock started), the risk step runs and is stored, audited
  // "application.submit" and "case.create".
  SubmitOutcome Submit(const audit::Context& ctx, const Actor& actor, int64_t id, int64_t expected_version);

  // ---- cases ----

  Result<CasePage> ListCases(const Actor& actor, const CaseFilter& filter);
  Result<CaseDetail> GetCase(const Actor& actor, int64_t id);
  Result<std::vector<AvailableAction>> Transitions(const Actor& actor, int64_t id);
  // Takes `action` through case_state::Apply and persists the outcome with its effects, audited
  // "case.<action>" with from/to. The codes are Apply's (kNotFound, kConflict, kPermissionDenied,
  // kFailedPrecondition). `note` (optional, up to kMaxLongText) goes into the audit event.
  Result<CaseDetail> Act(const audit::Context& ctx, const Actor& actor, int64_t id, CaseAction action,
                         int64_t expected_version, const std::string& note);
  // Refers the case (the `refer` row of the table, with referrals_awaiting_advice counting the new ones)
  // and opens one referral per agency, in one transaction, audited "case.refer".
  Result<std::vector<StoredReferral>> Refer(const audit::Context& ctx, const Actor& actor, int64_t case_id,
                                            const ReferralRequest& request);
  // A referral officer of the referral's agency answers it; when it is the case's last open referral
  // the system takes `all_advice_received`. Audited "referral.advice".
  Result<StoredReferral> GiveAdvice(const audit::Context& ctx, const Actor& actor, int64_t referral_id,
                                    const nlohmann::json& advice, const std::string& summary);
  // The case's referrals (a referral officer: only its agency's).
  Result<std::vector<StoredReferral>> Referrals(const Actor& actor, int64_t case_id);
  // The assigned officer (or a senior officer) records the recommendation and whether countersigning is
  // needed; +1 version, audited "case.recommendation".
  Result<CaseDetail> SetRecommendation(const audit::Context& ctx, const Actor& actor, int64_t case_id,
                                       Outcome recommendation, bool needs_countersign,
                                       int64_t expected_version);
  // approve / refuse / no_licence_required through the table; approval issues the licence in the same
  // transaction.
  Result<DecisionOutcome> Decide(const audit::Context& ctx, const Actor& actor, int64_t case_id,
                                 const DecisionRequest& request);
  // kNotFound when missing or another organisation's (exporters).
  Result<StoredLicence> GetLicence(const Actor& actor, const std::string& number);
  Result<StoredLicence> ActOnLicence(const audit::Context& ctx, const Actor& actor, const std::string& number,
                                     LicenceAction action, std::optional<int64_t> expected_version,
                                     const std::string& reason);

  // Officers, auditors and administrators: the case's stored risk assessment (exporters, referral and customs
  // officers: kPermissionDenied; it is the authority's internal view).
  Result<nlohmann::json> Risk(const Actor& actor, int64_t case_id);
  // Runs the risk step again for every open case (not finalised, withdrawn or closed) and stores the new
  // assessment where it changed, audited "case.risk.reassess" with the old and new level; ApplyInTx runs for
  // each. The number of cases whose assessment changed.
  Result<int> ReassessOpenCases(const audit::Context& ctx);
  // The exporter's record for the risk step: {"refused_cases", "revoked_licences", "suspended_licences"}.
  Result<nlohmann::json> ExporterHistory(OrgId exporter);

  // Licences the actor may see (exporters: their own), newest first; optionally of one status or case.
  Result<std::vector<StoredLicence>> ListLicences(const Actor& actor, std::optional<LicenceStatus> status,
                                                  std::optional<int64_t> case_id);
  // An officer amends an active licence: a new licence "<number>/A<n>" (same sequence, next amendment)
  // carries the lines with their used amounts and the changes; the old one becomes superseded. In one
  // transaction, audited "licence.amend" (new) and "licence.superseded" (old). kConflict for a stale
  // version, kFailedPrecondition unless active, kInvalidArgument naming the field.
  Result<StoredLicence> Amend(const audit::Context& ctx, const Actor& actor, const std::string& number,
                              const AmendmentRequest& request);
  // Records a shipment against an active, unexpired licence (customs or licensing officers; permission
  // record_licence_usage is checked by the caller). Refuses the whole shipment when any line would exceed
  // its remaining quantity (kFailedPrecondition naming the line and amounts) or the reference was already
  // recorded for a line (kConflict). When every quantified line is used up the licence becomes exhausted.
  // A licence past its end date is marked expired (committed) and the shipment refused.
  // Audited "licence.usage" (and "licence.exhausted" / "licence.expired").
  Result<StoredLicence> RecordUsage(const audit::Context& ctx, const Actor& actor, const std::string& number,
                                    const UsageRequest& request);
  // The system's periodic work: active or suspended licences past their end date become expired; refused
  // cases whose appeal window has ended stop accepting appeals. Each change audited by the system.
  Result<SweepReport> Sweep(const audit::Context& ctx);

  // Letters generated for the case (visible like the case), oldest first; one letter with its body.
  Result<std::vector<StoredLetter>> Letters(const Actor& actor, int64_t case_id);
  Result<StoredLetter> GetLetter(const Actor& actor, int64_t case_id, int64_t letter_id);

  // The audit events of the case and of its application, oldest first. Exporters do not see the
  // authority's internal routing and flag events ("case.route", "case.flag.*"), nor the denials a decision
  // names ("approved_over_denials", "outbound_denial").
  Result<std::vector<audit::StoredEvent>> History(const Actor& actor, int64_t id);

  const LicensingOptions& options() const { return options_; }

 private:
  Result<StoredApplication> LoadApplication(store::Tx& tx, int64_t id);
  Result<StoredApplication> LoadVisibleApplication(store::Tx& tx, const Actor& actor, int64_t id);
  // A draft the actor (exporter of its organisation) may edit, at `expected_version` when given.
  Result<StoredApplication> LoadEditableDraft(store::Tx& tx, const Actor& actor, int64_t id,
                                              std::optional<int64_t> expected_version);
  Status SaveBody(store::Tx& tx, const StoredApplication& app, const Application& body);
  Result<StoredApplication> Append(const audit::Context& ctx, const Actor& actor, int64_t id,
                                   const char* field, const nlohmann::json& item,
                                   std::optional<int64_t> expected_version, const char* audit_action);
  Result<StoredCase> LoadCase(store::Tx& tx, int64_t id);
  Result<StoredCase> LoadVisibleCase(store::Tx& tx, const Actor& actor, int64_t id);
  Result<SlaReport> Sla(const StoredCase& c) const;
  Result<CaseDetail> Detail(store::Tx& tx, const Actor& actor, const StoredCase& c);
  // Extra work inside a transition's transaction, after the case row is written and before the audit
  // event, which it may extend.
  using TransitionHook = std::function<Status(store::Tx& tx, nlohmann::json& summary)>;
  // Apply + persist the case row, the effects and the audit event inside `tx`. `handled`: effects the
  // hook carries out (not listed as pending).
  Status TakeTransition(store::Tx& tx, const audit::Context& ctx, const Actor& actor, const StoredCase& c,
                        CaseAction action, int64_t expected_version, const std::string& note,
                        const std::vector<Effect>& handled = {}, const TransitionHook& hook = nullptr);
  Result<bool> ReferredTo(store::Tx& tx, int64_t case_id, OrgId agency);
  Result<std::vector<StoredReferral>> LoadReferrals(store::Tx& tx, int64_t case_id,
                                                    std::optional<OrgId> agency);
  Result<StoredLicence> IssueLicence(store::Tx& tx, const Actor& actor, const StoredCase& c,
                                     const DecisionRequest& request);
  Result<StoredLicence> LoadLicence(store::Tx& tx, const std::string& number);
  // Marks an active/suspended licence expired, audited by the system.
  Status ExpireLicence(store::Tx& tx, const audit::Context& ctx, const StoredLicence& l);
  // Renders and stores the letter of `kind` for the case; the id of the stored letter.
  Result<int64_t> WriteLetter(store::Tx& tx, const StoredCase& c, LetterKind kind, CaseAction action,
                              const nlohmann::json& summary);

  store::Database& db_;
  const Clock& clock_;
  LicensingOptions options_;
  NoOpVirusScanner default_scanner_;
  NoRiskAssessor default_risk_;
  std::optional<LicenceNumberFormat> licence_numbers_;  // default pattern, authority "STM"
};

}  // namespace stm::licensing
