// The licensing case state machine (issue "Licensing", item 2): one table of states and transitions, each
// with its guard (who may take it, under which conditions) and its effects. Nothing changes a case's state
// outside this table: the service that stores cases asks `Apply` for the outcome of an action and, in one
// transaction, writes the new state and version and carries out the effects (clock, letters, licence,
// notifications) with the audit event.
//
// Pure domain: no store, no HTTP, no clock. The caller loads a `CaseView` (the facts the guards need) and
// an `Actor` (the authenticated principal), and persists what `Apply` returns.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/roles.h"
#include "common/ids.h"
#include "common/status.h"

namespace stm::licensing {

enum class CaseState {
  kDraft,             // the exporter is preparing the application
  kSubmitted,         // submitted, waiting for an officer to pick it up; the statutory clock runs
  kInitialChecks,     // an officer checks completeness and screening
  kUnderReview,       // the assigned officer assesses the case
  kAwaitingExporter,  // a query is with the exporter; the statutory clock is paused
  kReferred,          // referred to advisory agencies; waiting for their advice
  kUnderFinalReview,  // all advice in; the decision is being prepared
  kCountersigning,    // the recommendation awaits two countersignatures by senior officers
  kFinalised,         // decided: approved, refused or no licence required (see `Outcome`)
  kWithdrawn,         // withdrawn by the exporter
  kAppeal,            // the exporter appeals a refusal
  kClosed,            // archived; only an administrator can reopen it
};
// "draft", "submitted", "initial_checks", "under_review", "awaiting_exporter", "referred",
// "under_final_review", "countersigning", "finalised", "withdrawn", "appeal", "closed".
std::string_view CaseStateName(CaseState s);
std::optional<CaseState> ParseCaseState(std::string_view name);
const std::vector<CaseState>& AllCaseStates();
// Finalised, withdrawn and closed: no casework happens there; they are left only through the table's
// explicit appeal, close and reopen rows.
bool IsTerminal(CaseState s);

// The decision recorded when a case is finalised.
enum class Outcome { kApproved, kRefused, kNoLicenceRequired };
std::string_view OutcomeName(Outcome o);  // "approved", "refused", "no_licence_required"
std::optional<Outcome> ParseOutcome(std::string_view name);

enum class CaseAction {
  kSubmit,              // exporter: draft -> submitted
  kStartChecks,         // officer picks the case up (and is assigned): submitted -> initial_checks
  kChecksPassed,        // initial checks done: initial_checks -> under_review
  kQueryExporter,       // officer asks the exporter a question; the clock pauses
  kExporterAnswered,    // the exporter answers the query; the clock resumes
  kRefer,               // officer refers the case to the agencies whose referrals are open
  kAllAdviceReceived,   // system or officer: every referral has advice -> under_final_review
  kSendToFinalReview,   // officer, without referrals: under_review -> under_final_review
  kRequestCountersign,  // officer sends the recommendation for countersigning
  kCountersignFirst,    // first senior countersignature
  kCountersignSecond,   // second senior countersignature, by a different senior officer
  kDeclineCountersign,  // a senior officer sends the recommendation back to final review
  kApprove,             // finalise as approved (issues the licence)
  kRefuse,              // finalise as refused (opens the appeal window)
  kNoLicenceRequired,   // finalise as "no licence required"
  kWithdraw,            // exporter withdraws the application
  kAppeal,              // exporter appeals a refusal within the appeal window
  kAppealUpheld,        // senior officer upholds the appeal: the case is decided again
  kAppealDismissed,     // senior officer dismisses the appeal: the case closes
  kClose,               // administrator or system archives a finished case
  kReopen,              // administrator reopens a closed case for review
};
// The snake_case of the enumerator: "submit", "start_checks", ..., "no_licence_required", "reopen".
std::string_view CaseActionName(CaseAction a);
std::optional<CaseAction> ParseCaseAction(std::string_view name);
const std::vector<CaseAction>& AllCaseActions();

// What the caller must carry out, in the same transaction as the state change, when a transition is
// taken. Effects that change case facts say which `CaseView` field they change.
enum class Effect {
  kStartSlaClock,   // start (or restart) the statutory clock
  kPauseSlaClock,   // pause it (entering awaiting_exporter)
  kResumeSlaClock,  // resume it (leaving awaiting_exporter)
  kStopSlaClock,    // stop it (finalised or withdrawn)
  kAssignOfficer,   // assigned_officer := the acting user
  kIssueLicence,    // issue the licence
  kGenerateApprovalLetter,
  kGenerateRefusalLetter,    // with the reasons and the appeal rights
  kGenerateNoLicenceLetter,  // "no licence required" letter
  kGenerateQueryLetter,      // the query to the exporter
  kGenerateAppealDecisionLetter,
  kOpenAppealWindow,   // appeal_window_open := true until the statutory appeal period ends
  kRecordOutcome,      // outcome := the transition's outcome
  kClearOutcome,       // outcome := nullopt, appeal_window_open := false (decided again)
  kRecordCountersign,  // countersigns_done += 1; the first sets first_countersigner
  kClearCountersigns,  // countersigns_done := 0, first_countersigner := none
  kCancelReferrals,    // cancel the open referrals; referrals_awaiting_advice := 0
  kNotifyExporter,
  kNotifyOfficer,           // the assigned officer
  kNotifyReferralAgencies,  // the agencies with open referrals
  kNotifyCountersigners,    // the senior licensing officers
};
// The snake_case of the enumerator without "k": "start_sla_clock", ..., "notify_countersigners".
std::string_view EffectName(Effect e);
std::optional<Effect> ParseEffect(std::string_view name);
const std::vector<Effect>& AllEffects();

// Who acts: an authenticated user with a role, or the system itself (timers, the referral flow).
struct Actor {
  // A user; an exporter-role user acts for the case only when `org_id` is the case's exporter.
  static Actor User(auth::Role role, UserId user_id, OrgId org_id) { return {false, role, user_id, org_id}; }
  static Actor System() { return {true, auth::Role::kAuditor, UserId(), OrgId()}; }

  bool is_system = false;
  auth::Role role = auth::Role::kAuditor;  // ignored for the system; the default may take no action
  UserId user_id;
  OrgId org_id;
};
// "system", or "<role> (user <id>)".
std::string ActorName(const Actor& actor);

// The facts about one case that the guards read. The store maintains them (see `Effect` for the ones the
// table changes; the rest come from other flows: screening flags, referrals and advice, the appeal timer).
struct CaseView {
  CaseState state = CaseState::kDraft;
  int64_t version = 0;      // optimistic concurrency: +1 on every transition
  OrgId exporter_org;       // the exporter organisation that owns the case
  UserId assigned_officer;  // invalid (0) until an officer starts the checks
  // Fields of the application still missing before it can be submitted (e.g. "end_user").
  std::vector<std::string> missing_for_submission;
  bool has_blocking_flags = false;        // e.g. an unresolved screening hit: the case cannot be finalised
  int referrals_awaiting_advice = 0;      // open referrals whose agency has not given advice yet
  bool needs_countersign = false;         // the decision must be countersigned twice before approve/refuse
  std::optional<Outcome> recommendation;  // the officer's recommended decision (for countersigning)
  int countersigns_done = 0;
  UserId first_countersigner;       // invalid until the first countersignature
  std::optional<Outcome> outcome;   // set once finalised
  bool appeal_window_open = false;  // the statutory appeal period after a refusal is running

  bool operator==(const CaseView&) const = default;
};

// The guard of a transition: who may take it and under which condition.
struct Guard {
  std::vector<auth::Role> roles;       // user roles that may take it
  bool system = false;                 // whether the system actor may take it
  bool assigned_officer_only = false;  // a licensing_officer must be the case's assigned officer (senior
                                       // licensing officers may act on any case)
  // The condition in words ("no referral awaits advice"); empty when there is none.
  std::string_view condition;
  // Ok when the condition holds; otherwise the status to answer (kFailedPrecondition for the case's facts,
  // kPermissionDenied for who-rules such as the four-eyes principle) with a message naming the reason.
  // nullptr: no condition.
  Status (*check)(const CaseView& view, const Actor& actor) = nullptr;
};

struct Transition {
  CaseState from;
  CaseAction action;
  CaseState to;
  Guard guard;
  std::vector<Effect> effects;
  std::optional<Outcome> outcome;  // set on the rows that finalise the case
  std::string description;
};

// The one table. At most one row per (from, action); every non-terminal state has an exit.
const std::vector<Transition>& TransitionTable();
// The row for (from, action), or nullptr.
const Transition* FindTransition(CaseState from, CaseAction action);

// kConflict naming both versions when `expected_version` is not `current_version` (a stale write).
Status CheckVersion(int64_t expected_version, int64_t current_version);

struct TransitionOutcome {
  CaseState from;
  CaseAction action;
  CaseState to;
  std::vector<Effect> effects;     // in the order of the table
  std::optional<Outcome> outcome;  // set when the case is finalised
  std::string description;
  int64_t new_version = 0;  // view.version + 1
};

// The outcome of `actor` taking `action` on the case, checked in this order:
//  - kNotFound when an exporter-role actor does not belong to the case's exporter organisation (others'
//    records are not revealed);
//  - kConflict when `expected_version` is not `view.version`, naming both;
//  - kPermissionDenied naming the role and action when no row lets the actor's role take the action at
//    all;
//  - kFailedPrecondition naming the state and action when the state has no row for the action;
//  - kPermissionDenied when the row's roles exclude the actor, or a licensing officer is not the case's
//    assigned officer;
//  - the guard's status (kFailedPrecondition or kPermissionDenied) naming the reason, e.g. "2 referrals
//    still await advice".
// Pure: the view is not changed; the caller persists `to`, `new_version` and carries out the effects.
Result<TransitionOutcome> Apply(const CaseView& view, const Actor& actor, CaseAction action,
                                int64_t expected_version);

struct AvailableAction {
  CaseAction action;
  CaseState to;
  std::string description;
  bool allowed = false;                     // `Apply` with the current version succeeds
  ErrorCode blocked_code = ErrorCode::kOk;  // when not allowed: the code `Apply` answers
  std::string blocked_reason;               // when not allowed: the message `Apply` answers
};

// What the actor may do next (GET /v1/cases/{id}/transitions): the rows from the case's current state
// whose roles include the actor, in table order. Rows the actor may take now are `allowed`; rows whose
// assignment rule or condition fails are listed with `allowed == false`, the code and the reason. Empty for
// an exporter of another organisation. Agrees with `Apply(view, actor, action, view.version)`: an action
// is listed as allowed exactly when that succeeds, and a blocked one fails with the listed code and message.
std::vector<AvailableAction> AvailableActions(const CaseView& view, const Actor& actor);

}  // namespace stm::licensing
