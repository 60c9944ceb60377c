// Regime denial notifications and "no-undercut" consultations (issue "Policy and risk", item 5; migration
// 11).
//
// The export control regimes (NSG, MTCR, Australia Group, Wassenaar) exchange notifications of licences their
// members have refused, and a member that considers an "essentially identical" transaction consults the state
// that denied it before approving ("no undercut"). Here:
//  - inbound denials (from other states) are recorded and revoked by officers; one is in force while active
//    and not expired (expires_on, usually three years after denial; computed, not stored);
//  - outbound denials are drafted from this authority's refusals (DecisionObserver), issued by a senior
//    officer, and may be revoked;
//  - on submission (DenialService as the case router) every party and goods line of the application is
//  matched
//    against the inbound denials in force; an essentially identical one (a party name match and a common
//    control code) opens a consultation addressed to the notifying state, with a blocking case flag
//    "consultation_pending" that only recording the consultation's outcome removes;
//  - an approval given over a matched denial or a consultation is recorded as such in the decision's audit
//    event and one "denial.approved_over" event per denial.
//
// Who: licensing officers, senior officers, auditors and administrators read; licensing and senior officers
// and administrators record and revoke; senior officers and administrators issue outbound denials; licensing
// and senior officers record consultation outcomes. Everyone else gets kPermissionDenied.
//
// Thread-safe: all state is in the store; each operation is one transaction with its audit events.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit.h"
#include "common/clock.h"
#include "common/status.h"
#include "licensing/application.h"
#include "licensing/case_state.h"
#include "licensing/licensing_service.h"
#include "screening/matcher.h"
#include "store/db.h"

namespace stm::licensing {
class QueueService;
}

namespace stm::policy {

// JSON names: "inbound", "outbound".
enum class DenialDirection { kInbound, kOutbound };
std::string_view DenialDirectionName(DenialDirection d);
std::optional<DenialDirection> ParseDenialDirection(std::string_view name);

// The stored status. Inbound: active, revoked; outbound: draft, issued, revoked. "expired" is not stored: an
// active or issued denial whose expires_on is before today is expired (Denial::expired).
enum class DenialStatus { kActive, kDraft, kIssued, kRevoked };
std::string_view DenialStatusName(DenialStatus s);
std::optional<DenialStatus> ParseDenialStatus(std::string_view name);

// The regimes a denial is notified under: "nsg", "mtcr", "ag", "wassenaar", "other".
bool IsDenialRegime(std::string_view regime);
// The denial regime of catalogue regime ids (QueueOptions::regimes_of's vocabulary): nsg1/nsg2 -> "nsg",
// mtcr -> "mtcr", ag/cwc -> "ag", wa_du/wa_ml -> "wassenaar"; the first of those found in that order of
// strictness (nsg, mtcr, ag, wassenaar), else "other".
std::string DenialRegimeOf(const std::vector<std::string>& regime_ids);

// True when two control codes are the same or one is a sub-paragraph of the other ("2B226" and "2B226.a"),
// ignoring case and surrounding spaces. "2B22" does not cover "2B226".
bool ControlCodesOverlap(std::string_view a, std::string_view b);

struct DenialItem {
  std::string description;
  std::vector<std::string> control_codes;  // inbound: at least one
};

struct DenialParty {
  std::string role;  // consignee, end_user, intermediate_consignee, ultimate_end_user, agent, broker, other
  std::string name;
  std::string address;
  std::string country;  // ISO 3166-1 alpha-2, upper case; may be empty
};

struct Denial {
  int64_t id = 0;
  DenialDirection direction = DenialDirection::kInbound;
  DenialStatus status = DenialStatus::kActive;
  std::string notifying_state;  // alpha-2; outbound: DenialOptions::authority_state
  std::string regime;           // IsDenialRegime
  std::string reference;        // the notifying state's reference (unique per direction and state)
  std::string denied_on;        // "YYYY-MM-DD"
  std::string expires_on;       // "YYYY-MM-DD"
  std::vector<DenialItem> items;
  std::vector<DenialParty> parties;
  std::string reason;
  std::optional<int64_t> case_id;  // outbound: the refused case
  std::string created_by;
  TimePoint created_at;
  std::string updated_by;
  TimePoint updated_at;
  int64_t version = 1;  // +1 on every change
  std::optional<std::string> revoked_on;
  std::string revocation_reason;
  bool expired = false;  // computed when read: expires_on < today (UTC)

  // Active (inbound) or issued (outbound) and not expired.
  bool InForce() const;
};
// Every field, plus "expired" and "in_force".
nlohmann::json ToJson(const Denial& d);

// One party of an application matched to one party of a denial.
struct PartyMatch {
  size_t party_index = 0;  // in the application's parties
  std::string role;        // the application party's role
  std::string name;        // the application party's name
  size_t denial_party_index = 0;
  std::string denial_party_role;
  std::string denial_party_name;
  double score = 0;            // screening::CompareNames
  nlohmann::json explanation;  // the token alignment plus "country" (compared when both are known)
};
nlohmann::json ToJson(const PartyMatch& m);

// A goods line's control code that overlaps a code of one of the denial's items.
struct CodeOverlap {
  size_t goods_index = 0;
  std::string application_code;
  size_t item_index = 0;
  std::string denial_code;
};
nlohmann::json ToJson(const CodeOverlap& o);

// A denial in force that one or more parties of an application match by name.
struct DenialMatch {
  Denial denial;
  std::vector<PartyMatch> parties;  // best first
  std::vector<CodeOverlap> codes;   // empty: no common control code
  // A party match and a common control code: the transaction is essentially identical to the denied one.
  bool essentially_identical = false;
};
// {"denial_id", "notifying_state", "regime", "reference", "parties": [...], "codes": [...],
//  "essentially_identical"}
nlohmann::json ToJson(const DenialMatch& m);

// JSON names: "open", "closed".
enum class ConsultationStatus { kOpen, kClosed };
std::string_view ConsultationStatusName(ConsultationStatus s);
std::optional<ConsultationStatus> ParseConsultationStatus(std::string_view name);

// JSON names: "no_objection", "objection", "no_reply".
enum class ConsultationOutcome { kNoObjection, kObjection, kNoReply };
std::string_view ConsultationOutcomeName(ConsultationOutcome o);
std::optional<ConsultationOutcome> ParseConsultationOutcome(std::string_view name);

struct Consultation {
  int64_t id = 0;
  int64_t case_id = 0;
  int64_t denial_id = 0;
  std::string addressed_state;  // the denial's notifying state
  ConsultationStatus status = ConsultationStatus::kOpen;
  std::string deadline;  // "YYYY-MM-DD"
  std::optional<ConsultationOutcome> outcome;
  std::string note;
  TimePoint opened_at;
  std::optional<TimePoint> closed_at;
  std::string closed_by;  // actor name; empty while open
  std::optional<int64_t>
      flag_id;           // the case's "consultation_pending" flag (shared by its open consultations)
  nlohmann::json match;  // ToJson(DenialMatch) when opened
};
nlohmann::json ToJson(const Consultation& c);

struct DenialFilter {
  std::optional<DenialDirection> direction;
  // "active", "draft", "issued", "revoked", or "expired" (active or issued, past expires_on).
  std::optional<std::string> status;
  // Whether expired denials are listed when `status` is not given (default: no).
  bool include_expired = false;
};

struct ConsultationFilter {
  std::optional<ConsultationStatus> status;
  std::optional<int64_t> case_id;
};

struct DenialOptions {
  // Sets and clears the blocking "consultation_pending" flag; required for consultations. Must outlive the
  // service.
  licensing::QueueService* queues = nullptr;
  double name_threshold = screening::kDefaultThreshold;  // CompareNames score for a party match
  int consultation_days = 30;                            // calendar days from opening to the deadline
  int default_expiry_years = 3;                          // expires_on when a notification gives none
  std::string authority_state = "GB";                    // this authority's state (outbound notices)
  // The catalogue regime ids of a control code (like QueueOptions::regimes_of); null: outbound denials'
  // regime is "other".
  std::function<std::vector<std::string>(std::string_view control_code)> regimes_of;
};

// The flag a consultation sets on its case.
inline constexpr std::string_view kConsultationFlag = "consultation_pending";
// Its definition (level case, blocks finalising, removable only by the system).
nlohmann::json ConsultationFlagDefinition();

// Parses and validates an inbound notification (every field named on error):
//   {"notifying_state": "DE", "regime": "nsg", "reference": "DE-2025-017", "denied_on": "2025-06-01",
//    "expires_on"?: "2028-06-01" (default denied_on + `default_expiry_years`, after denied_on),
//    "items": [{"description", "control_codes": ["2B226"]}] (at least one, each with at least one code),
//    "parties": [{"role"?, "name", "address"?, "country"?}] (at least one with a name),
//    "reason"?}
// Countries are ISO 3166-1 alpha-2 (upper-cased); unknown fields are refused.
Result<Denial> InboundDenialFromJson(const nlohmann::json& j, int default_expiry_years = 3);

class DenialService final : public licensing::DecisionObserver, public licensing::CaseRouter {
 public:
  DenialService(store::Database& db, const Clock& clock, DenialOptions options = {});

  // ---- denials ----

  // Records an inbound notification (InboundDenialFromJson) as active. kAlreadyExists when the state's
  // reference is recorded. Audited "denial.record".
  Result<Denial> RecordInbound(const audit::Context& ctx, const licensing::Actor& actor,
                               const nlohmann::json& body);
  // Active inbound or issued outbound -> revoked, with a reason (required). kFailedPrecondition otherwise.
  // Open consultations on the denial stay open (their outcome is still recorded). Audited "denial.revoke".
  Result<Denial> Revoke(const audit::Context& ctx, const licensing::Actor& actor, int64_t id,
                        const std::string& reason);
  // A draft outbound denial -> issued (senior officers, administrators). kConflict naming both versions when
  // stale, kFailedPrecondition unless a draft. Audited "denial.issue".
  Result<Denial> IssueOutbound(const audit::Context& ctx, const licensing::Actor& actor, int64_t id,
                               int64_t expected_version);
  // Newest first.
  Result<std::vector<Denial>> List(const licensing::Actor& actor, const DenialFilter& filter);
  Result<Denial> Get(const licensing::Actor& actor, int64_t id);

  // ---- matching and consultations ----

  // Every party of `application` against every party of every inbound denial in force: a name match scores
  // at least name_threshold (screening::CompareNames) and, when both countries are known, has the same
  // country (a different country is no match). Code overlaps are every goods line's codes against the
  // denial's items' codes (ControlCodesOverlap). One DenialMatch per denial with a party match, ordered by
  // best score.
  Result<std::vector<DenialMatch>> Match(const licensing::Application& application);
  Result<std::vector<DenialMatch>> MatchInTx(store::Tx& tx, const licensing::Application& application);
  // Inside the caller's write transaction: for every essentially identical match (one per denial, none when
  // the case already has an open consultation on it) opens a consultation addressed to the notifying state,
  // deadline today + consultation_days, and makes sure the case carries the blocking "consultation_pending"
  // flag (defined on first use). Audited "consultation.open". kFailedPrecondition when options.queues is null
  // and there is something to open. Returns the consultations opened.
  Result<std::vector<Consultation>> OpenConsultationsInTx(store::Tx& tx, const audit::Context& ctx,
                                                          int64_t case_id,
                                                          const std::vector<DenialMatch>& matches);
  // CaseRouter, for LicensingOptions::router: on submission, matches the case's application against the
  // denials in force and opens the consultations (audited "case.route.denial_screen" when anything matched —
  // under "case.route" so that exporters, who must not learn of other states' denials, do not see it), then
  // routes the case through options.queues (when set).
  Status RouteInTx(store::Tx& tx, const audit::Context& ctx, int64_t case_id) override;
  // Closes an open consultation with its outcome (note up to 20000 characters) and, when no other open
  // consultation of the case shares it, removes the case's consultation flag (blocking recomputed).
  // kFailedPrecondition when already closed. Audited "consultation.outcome".
  Result<Consultation> RecordOutcome(const audit::Context& ctx, const licensing::Actor& actor,
                                     int64_t consultation_id, ConsultationOutcome outcome,
                                     const std::string& note);
  // Oldest first.
  Result<std::vector<Consultation>> ListConsultations(const licensing::Actor& actor,
                                                      const ConsultationFilter& filter);
  Result<Consultation> GetConsultation(const licensing::Actor& actor, int64_t id);

  // ---- decisions ----

  // DecisionObserver. Refused: drafts an outbound denial from the case's application (goods lines with their
  // control codes, consignee and end-user parties, reason from the refusal criteria and note) and sets
  // summary["outbound_denial"]; audited "denial.draft". Approved: when the case has consultations or its
  // application matches denials in force, sets summary["approved_over_denials"] = [denial ids] and appends
  // "denial.approved_over" per denial.
  Status OnDecisionInTx(store::Tx& tx, const audit::Context& ctx, int64_t case_id, licensing::Outcome outcome,
                        nlohmann::json& summary) override;

  const DenialOptions& options() const { return options_; }

 private:
  Result<Denial> LoadDenial(store::Tx& tx, int64_t id);
  Result<Consultation> LoadConsultation(store::Tx& tx, int64_t id);
  Result<std::vector<Consultation>> LoadConsultations(store::Tx& tx, const ConsultationFilter& filter);
  Result<licensing::Application> LoadCaseApplication(store::Tx& tx, int64_t case_id);
  Result<int64_t> InsertDenial(store::Tx& tx, const Denial& d, const std::string& by);
  std::string Today() const;

  store::Database& db_;
  const Clock& clock_;
  DenialOptions options_;
};

}  // namespace stm::policy
