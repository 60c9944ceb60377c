#include "licensing/case_state.h"

#include <algorithm>
#include <array>
#include <utility>

namespace stm::licensing {
namespace {

using auth::Role;
using S = CaseState;
using A = CaseAction;
using E = Effect;

constexpr std::array<std::pair<CaseState, std::string_view>, 12> kStateNames = {{
    {S::kDraft, "draft"},
    {S::kSubmitted, "submitted"},
    {S::kInitialChecks, "initial_checks"},
    {S::kUnderReview, "under_review"},
    {S::kAwaitingExporter, "awaiting_exporter"},
    {S::kReferred, "referred"},
    {S::kUnderFinalReview, "under_final_review"},
    {S::kCountersigning, "countersigning"},
    {S::kFinalised, "finalised"},
    {S::kWithdrawn, "withdrawn"},
    {S::kAppeal, "appeal"},
    {S::kClosed, "closed"},
}};

constexpr std::array<std::pair<Outcome, std::string_view>, 3> kOutcomeNames = {{
    {Outcome::kApproved, "approved"},
    {Outcome::kRefused, "refused"},
    {Outcome::kNoLicenceRequired, "no_licence_required"},
}};

constexpr std::array<std::pair<CaseAction, std::string_view>, 21> kActionNames = {{
    {A::kSubmit, "submit"},
    {A::kStartChecks, "start_checks"},
    {A::kChecksPassed, "checks_passed"},
    {A::kQueryExporter, "query_exporter"},
    {A::kExporterAnswered, "exporter_answered"},
    {A::kRefer, "refer"},
    {A::kAllAdviceReceived, "all_advice_received"},
    {A::kSendToFinalReview, "send_to_final_review"},
    {A::kRequestCountersign, "request_countersign"},
    {A::kCountersignFirst, "countersign_first"},
    {A::kCountersignSecond, "countersign_second"},
    {A::kDeclineCountersign, "decline_countersign"},
    {A::kApprove, "approve"},
    {A::kRefuse, "refuse"},
    {A::kNoLicenceRequired, "no_licence_required"},
    {A::kWithdraw, "withdraw"},
    {A::kAppeal, "appeal"},
    {A::kAppealUpheld, "appeal_upheld"},
    {A::kAppealDismissed, "appeal_dismissed"},
    {A::kClose, "close"},
    {A::kReopen, "reopen"},
}};

constexpr std::array<std::pair<Effect, std::string_view>, 21> kEffectNames = {{
    {E::kStartSlaClock, "start_sla_clock"},
    {E::kPauseSlaClock, "pause_sla_clock"},
    {E::kResumeSlaClock, "resume_sla_clock"},
    {E::kStopSlaClock, "stop_sla_clock"},
    {E::kAssignOfficer, "assign_officer"},
    {E::kIssueLicence, "issue_licence"},
    {E::kGenerateApprovalLetter, "generate_approval_letter"},
    {E::kGenerateRefusalLetter, "generate_refusal_letter"},
    {E::kGenerateNoLicenceLetter, "generate_no_licence_letter"},
    {E::kGenerateQueryLetter, "generate_query_letter"},
    {E::kGenerateAppealDecisionLetter, "generate_appeal_decision_letter"},
    {E::kOpenAppealWindow, "open_appeal_window"},
    {E::kRecordOutcome, "record_outcome"},
    {E::kClearOutcome, "clear_outcome"},
    {E::kRecordCountersign, "record_countersign"},
    {E::kClearCountersigns, "clear_countersigns"},
    {E::kCancelReferrals, "cancel_referrals"},
    {E::kNotifyExporter, "notify_exporter"},
    {E::kNotifyOfficer, "notify_officer"},
    {E::kNotifyReferralAgencies, "notify_referral_agencies"},
    {E::kNotifyCountersigners, "notify_countersigners"},
}};

template <typename T, size_t N>
std::string_view NameOf(const std::array<std::pair<T, std::string_view>, N>& names, T value) {
  for (const auto& [v, name] : names) {
    if (v == value) return name;
  }
  return "unknown";
}

template <typename T, size_t N>
std::optional<T> Parse(const std::array<std::pair<T, std::string_view>, N>& names, std::string_view name) {
  for (const auto& [v, n] : names) {
    if (n == name) return v;
  }
  return std::nullopt;
}

template <typename T, size_t N>
std::vector<T> AllOf(const std::array<std::pair<T, std::string_view>, N>& names) {
  std::vector<T> out;
  out.reserve(N);
  for (const auto& [v, n] : names) out.push_back(v);
  return out;
}

// ---- Guard conditions. Each returns Ok or the status to answer, naming the reason. ----

std::string Plural(int n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

Status NoBlockingFlags(const CaseView& v) {
  if (v.has_blocking_flags) return Status::FailedPrecondition("the case has unresolved blocking flags");
  return Status::Ok();
}

Status ApplicationComplete(const CaseView& v, const Actor&) {
  if (v.missing_for_submission.empty()) return Status::Ok();
  std::string missing;
  for (const auto& field : v.missing_for_submission) {
    if (!missing.empty()) missing += ", ";
    missing += field;
  }
  return Status::FailedPrecondition("the application is incomplete: missing " + missing);
}

Status HasReferralsAwaitingAdvice(const CaseView& v, const Actor&) {
  if (v.referrals_awaiting_advice > 0) return Status::Ok();
  return Status::FailedPrecondition("no referral awaits advice: open referrals to the agencies first");
}

Status AllAdviceIn(const CaseView& v, const Actor&) {
  if (v.referrals_awaiting_advice <= 0) return Status::Ok();
  return Status::FailedPrecondition(
      Plural(v.referrals_awaiting_advice, "referral still awaits", "referrals still await") + " advice");
}

Status NoOpenReferrals(const CaseView& v, const Actor&) {
  if (v.referrals_awaiting_advice <= 0) return Status::Ok();
  return Status::FailedPrecondition(
      Plural(v.referrals_awaiting_advice, "referral awaits", "referrals await") +
      " advice: refer the case instead");
}

Status ReadyToDecide(const CaseView& v, const Actor&) {
  STM_RETURN_IF_ERROR(NoBlockingFlags(v));
  if (v.needs_countersign) {
    return Status::FailedPrecondition("the decision needs two countersignatures: request_countersign first");
  }
  return Status::Ok();
}

Status NoBlockingFlagsCheck(const CaseView& v, const Actor&) { return NoBlockingFlags(v); }

Status ReadyForCountersign(const CaseView& v, const Actor&) {
  if (!v.needs_countersign) {
    return Status::FailedPrecondition("the case does not need countersigning: decide it directly");
  }
  if (v.recommendation != Outcome::kApproved && v.recommendation != Outcome::kRefused) {
    return Status::FailedPrecondition("no recommendation to approve or refuse is recorded");
  }
  return NoBlockingFlags(v);
}

Status NotAssignedOfficer(const CaseView& v, const Actor& a) {
  if (v.assigned_officer.valid() && a.user_id == v.assigned_officer) {
    return Status::PermissionDenied("the assigned officer cannot countersign their own case");
  }
  return Status::Ok();
}

Status FirstCountersign(const CaseView& v, const Actor& a) {
  if (v.countersigns_done != 0) {
    return Status::FailedPrecondition("the case already has its first countersignature");
  }
  return NotAssignedOfficer(v, a);
}

Status SecondCountersign(const CaseView& v, const Actor& a) {
  if (v.countersigns_done < 1) {
    return Status::FailedPrecondition("the first countersignature is still missing");
  }
  if (v.countersigns_done > 1)
    return Status::FailedPrecondition("the case already has both countersignatures");
  if (v.first_countersigner.valid() && a.user_id == v.first_countersigner) {
    return Status::PermissionDenied(
        "the second countersignature must be by a different senior officer than the first (user " +
        v.first_countersigner.ToString() + ")");
  }
  return NotAssignedOfficer(v, a);
}

Status Countersigned(const CaseView& v, Outcome decision) {
  if (v.countersigns_done < 2) {
    return Status::FailedPrecondition("the case has " + std::to_string(v.countersigns_done) +
                                      " of 2 countersignatures");
  }
  if (v.recommendation != decision) {
    return Status::FailedPrecondition(
        "the countersigned recommendation is " +
        std::string(v.recommendation ? OutcomeName(*v.recommendation) : "missing") + ", not " +
        std::string(OutcomeName(decision)));
  }
  return NoBlockingFlags(v);
}

Status CountersignedApproval(const CaseView& v, const Actor&) { return Countersigned(v, Outcome::kApproved); }
Status CountersignedRefusal(const CaseView& v, const Actor&) { return Countersigned(v, Outcome::kRefused); }

Status AppealAllowed(const CaseView& v, const Actor&) {
  if (v.outcome != Outcome::kRefused) {
    return Status::FailedPrecondition("only a refusal can be appealed (the outcome is " +
                                      std::string(v.outcome ? OutcomeName(*v.outcome) : "missing") + ")");
  }
  if (!v.appeal_window_open) return Status::FailedPrecondition("the appeal window has closed");
  return Status::Ok();
}

Status AppealWindowClosed(const CaseView& v, const Actor&) {
  if (v.appeal_window_open) return Status::FailedPrecondition("the appeal window is still open");
  return Status::Ok();
}

// ---- Guards ----

const std::vector<Role> kExporters = {Role::kExporterAdmin, Role::kExporterUser};
const std::vector<Role> kOfficers = {Role::kLicensingOfficer, Role::kSeniorLicensingOfficer};
const std::vector<Role> kSeniors = {Role::kSeniorLicensingOfficer};
const std::vector<Role> kAdministrators = {Role::kAdministrator};

Guard Exporter(std::string_view condition = {}, Status (*check)(const CaseView&, const Actor&) = nullptr) {
  return Guard{kExporters, false, false, condition, check};
}
// Any licensing officer (not yet assigned: picking the case up).
Guard AnyOfficer() { return Guard{kOfficers, false, false, {}, nullptr}; }
// The assigned licensing officer, or any senior licensing officer.
Guard CaseOfficer(std::string_view condition = {}, Status (*check)(const CaseView&, const Actor&) = nullptr,
                  bool system = false) {
  return Guard{kOfficers, system, true, condition, check};
}
Guard Senior(std::string_view condition = {}, Status (*check)(const CaseView&, const Actor&) = nullptr) {
  return Guard{kSeniors, false, false, condition, check};
}
Guard AdministratorOrSystem(std::string_view condition = {},
                            Status (*check)(const CaseView&, const Actor&) = nullptr) {
  return Guard{kAdministrators, true, false, condition, check};
}

constexpr std::string_view kReadyToDecide = "no blocking flags and no countersigning needed";
constexpr std::string_view kNoFlags = "no blocking flags";

Transition Row(CaseState from, CaseAction action, CaseState to, Guard guard, std::vector<Effect> effects,
               std::string description) {
  return Transition{
      from, action, to, std::move(guard), std::move(effects), std::nullopt, std::move(description)};
}

// A row that finalises the case with `outcome`.
Transition Decision(CaseState from, CaseAction action, Outcome outcome, Guard guard,
                    std::vector<Effect> effects, std::string description) {
  return Transition{
      from, action, S::kFinalised, std::move(guard), std::move(effects), outcome, std::move(description)};
}

std::vector<Transition> BuildTable() {
  const std::vector<Effect> approve = {E::kRecordOutcome, E::kIssueLicence, E::kGenerateApprovalLetter,
                                       E::kStopSlaClock, E::kNotifyExporter};
  const std::vector<Effect> refuse = {E::kRecordOutcome, E::kGenerateRefusalLetter, E::kOpenAppealWindow,
                                      E::kStopSlaClock, E::kNotifyExporter};
  const std::vector<Effect> query = {E::kPauseSlaClock, E::kGenerateQueryLetter, E::kNotifyExporter};
  const std::vector<Effect> withdraw = {E::kStopSlaClock, E::kNotifyOfficer};
  const std::string withdrawn = "The exporter withdraws the application.";
  return {
      // Application.
      Row(S::kDraft, A::kSubmit, S::kSubmitted, Exporter("the application is complete", ApplicationComplete),
          {E::kStartSlaClock, E::kNotifyExporter},
          "The exporter submits the application; the statutory clock starts."),
      Row(S::kDraft, A::kWithdraw, S::kWithdrawn, Exporter(), {}, "The exporter abandons the draft."),
      Row(S::kSubmitted, A::kStartChecks, S::kInitialChecks, AnyOfficer(), {E::kAssignOfficer},
          "A licensing officer picks the case up and is assigned to it."),
      Row(S::kSubmitted, A::kWithdraw, S::kWithdrawn, Exporter(), {E::kStopSlaClock}, withdrawn),

      // Initial checks and review.
      Row(S::kInitialChecks, A::kChecksPassed, S::kUnderReview, CaseOfficer(), {},
          "The initial checks are done; the case goes to review."),
      Row(S::kInitialChecks, A::kWithdraw, S::kWithdrawn, Exporter(), withdraw, withdrawn),
      Row(S::kUnderReview, A::kQueryExporter, S::kAwaitingExporter, CaseOfficer(), query,
          "The officer sends a query to the exporter; the statutory clock pauses."),
      Row(S::kUnderReview, A::kRefer, S::kReferred,
          CaseOfficer("at least one referral awaits advice", HasReferralsAwaitingAdvice),
          {E::kNotifyReferralAgencies}, "The officer refers the case to the advisory agencies."),
      Row(S::kUnderReview, A::kSendToFinalReview, S::kUnderFinalReview,
          CaseOfficer("no referral awaits advice", NoOpenReferrals), {},
          "The review is complete without referrals; the case goes to final review."),
      Row(S::kUnderReview, A::kWithdraw, S::kWithdrawn, Exporter(), withdraw, withdrawn),

      // Query to the exporter.
      Row(S::kAwaitingExporter, A::kExporterAnswered, S::kUnderReview, Exporter(),
          {E::kResumeSlaClock, E::kNotifyOfficer},
          "The exporter answers the query; the statutory clock resumes and the case returns to review."),
      Row(S::kAwaitingExporter, A::kWithdraw, S::kWithdrawn, Exporter(), withdraw,
          "The exporter withdraws the application instead of answering; the statutory clock stops."),

      // Referral.
      Row(S::kReferred, A::kAllAdviceReceived, S::kUnderFinalReview,
          CaseOfficer("every referral has advice", AllAdviceIn, /*system=*/true), {E::kNotifyOfficer},
          "All advice is in; the case goes to final review."),
      Row(S::kReferred, A::kWithdraw, S::kWithdrawn, Exporter(),
          {E::kStopSlaClock, E::kCancelReferrals, E::kNotifyReferralAgencies, E::kNotifyOfficer},
          "The exporter withdraws the application; the open referrals are cancelled."),

      // Final review and decision.
      Row(S::kUnderFinalReview, A::kQueryExporter, S::kAwaitingExporter, CaseOfficer(), query,
          "The officer sends a query to the exporter; the statutory clock pauses and the answer is "
          "reviewed."),
      Decision(S::kUnderFinalReview, A::kApprove, Outcome::kApproved,
               CaseOfficer(kReadyToDecide, ReadyToDecide), approve,
               "The officer approves the application; the licence is issued."),
      Decision(S::kUnderFinalReview, A::kRefuse, Outcome::kRefused,
               CaseOfficer(kReadyToDecide, ReadyToDecide), refuse,
               "The officer refuses the application; the appeal window opens."),
      Decision(S::kUnderFinalReview, A::kNoLicenceRequired, Outcome::kNoLicenceRequired,
               CaseOfficer(kNoFlags, NoBlockingFlagsCheck),
               {E::kRecordOutcome, E::kGenerateNoLicenceLetter, E::kStopSlaClock, E::kNotifyExporter},
               "The officer finds that no licence is required."),
      Row(S::kUnderFinalReview, A::kRequestCountersign, S::kCountersigning,
          CaseOfficer(
              "countersigning is needed, a recommendation is recorded and there are no blocking flags",
              ReadyForCountersign),
          {E::kNotifyCountersigners},
          "The officer sends the recommendation to senior officers for countersigning."),
      Row(S::kUnderFinalReview, A::kWithdraw, S::kWithdrawn, Exporter(), withdraw, withdrawn),

      // Countersigning (four eyes: two different senior officers, neither the assigned officer).
      Row(S::kCountersigning, A::kCountersignFirst, S::kCountersigning,
          Senior("no countersignature yet, and the actor is not the assigned officer", FirstCountersign),
          {E::kRecordCountersign}, "A senior officer gives the first countersignature."),
      Row(S::kCountersigning, A::kCountersignSecond, S::kCountersigning,
          Senior("one countersignature, by another senior officer, and the actor is not the assigned officer",
                 SecondCountersign),
          {E::kRecordCountersign, E::kNotifyOfficer},
          "A different senior officer gives the second countersignature."),
      Row(S::kCountersigning, A::kDeclineCountersign, S::kUnderFinalReview, Senior(),
          {E::kClearCountersigns, E::kNotifyOfficer},
          "A senior officer declines to countersign; the case returns to final review."),
      Decision(S::kCountersigning, A::kApprove, Outcome::kApproved,
               CaseOfficer("two countersignatures on a recommendation to approve, and no blocking flags",
                           CountersignedApproval),
               approve, "The countersigned approval is finalised; the licence is issued."),
      Decision(S::kCountersigning, A::kRefuse, Outcome::kRefused,
               CaseOfficer("two countersignatures on a recommendation to refuse, and no blocking flags",
                           CountersignedRefusal),
               refuse, "The countersigned refusal is finalised; the appeal window opens."),
      Row(S::kCountersigning, A::kWithdraw, S::kWithdrawn, Exporter(),
          {E::kStopSlaClock, E::kClearCountersigns, E::kNotifyOfficer}, withdrawn),

      // After the decision.
      Row(S::kFinalised, A::kAppeal, S::kAppeal,
          Exporter("the case was refused and the appeal window is open", AppealAllowed), {E::kNotifyOfficer},
          "The exporter appeals the refusal."),
      Row(S::kFinalised, A::kClose, S::kClosed,
          AdministratorOrSystem("the appeal window is not open", AppealWindowClosed), {},
          "The finalised case is archived."),
      Row(S::kAppeal, A::kAppealUpheld, S::kUnderFinalReview, Senior(),
          {E::kClearOutcome, E::kClearCountersigns, E::kStartSlaClock, E::kGenerateAppealDecisionLetter,
           E::kNotifyExporter, E::kNotifyOfficer},
          "The appeal is upheld; the case is decided again."),
      Row(S::kAppeal, A::kAppealDismissed, S::kClosed, Senior(),
          {E::kGenerateAppealDecisionLetter, E::kNotifyExporter},
          "The appeal is dismissed; the refusal stands and the case closes."),
      Row(S::kWithdrawn, A::kClose, S::kClosed, AdministratorOrSystem(), {},
          "The withdrawn case is archived."),
      Row(S::kClosed, A::kReopen, S::kUnderReview, Guard{kAdministrators, false, false, {}, nullptr},
          {E::kClearOutcome, E::kClearCountersigns, E::kStartSlaClock, E::kNotifyExporter, E::kNotifyOfficer},
          "An administrator reopens the closed case for review."),
  };
}

bool RoleListed(const Guard& guard, const Actor& actor) {
  if (actor.is_system) return guard.system;
  return std::find(guard.roles.begin(), guard.roles.end(), actor.role) != guard.roles.end();
}

// An exporter-role user of another organisation must not learn that the case exists.
bool Visible(const CaseView& view, const Actor& actor) {
  if (actor.is_system || !auth::IsExporterRole(actor.role)) return true;
  return actor.org_id.valid() && actor.org_id == view.exporter_org;
}

std::string Subject(const Actor& actor) {
  return actor.is_system ? std::string("the system") : "role " + std::string(auth::RoleName(actor.role));
}

// The row-level checks after the role is listed: the assignment rule, then the condition.
Status CheckAssignmentAndCondition(const Transition& t, const CaseView& view, const Actor& actor) {
  if (t.guard.assigned_officer_only && !actor.is_system && actor.role == Role::kLicensingOfficer &&
      !(view.assigned_officer.valid() && actor.user_id == view.assigned_officer)) {
    return Status::PermissionDenied("cannot " + std::string(CaseActionName(t.action)) + ": " +
                                    ActorName(actor) + " is not the officer assigned to this case");
  }
  if (t.guard.check != nullptr) {
    Status s = t.guard.check(view, actor);
    if (!s.ok()) {
      return Status(s.code(), "cannot " + std::string(CaseActionName(t.action)) + " a case in state " +
                                  std::string(CaseStateName(t.from)) + ": " + s.message());
    }
  }
  return Status::Ok();
}

}  // namespace

std::string_view CaseStateName(CaseState s) { return NameOf(kStateNames, s); }
std::optional<CaseState> ParseCaseState(std::string_view name) { return Parse(kStateNames, name); }
const std::vector<CaseState>& AllCaseStates() {
  static const std::vector<CaseState> kAll = AllOf(kStateNames);
  return kAll;
}
bool IsTerminal(CaseState s) { return s == S::kFinalised || s == S::kWithdrawn || s == S::kClosed; }

std::string_view OutcomeName(Outcome o) { return NameOf(kOutcomeNames, o); }
std::optional<Outcome> ParseOutcome(std::string_view name) { return Parse(kOutcomeNames, name); }

std::string_view CaseActionName(CaseAction a) { return NameOf(kActionNames, a); }
std::optional<CaseAction> ParseCaseAction(std::string_view name) { return Parse(kActionNames, name); }
const std::vector<CaseAction>& AllCaseActions() {
  static const std::vector<CaseAction> kAll = AllOf(kActionNames);
  return kAll;
}

std::string_view EffectName(Effect e) { return NameOf(kEffectNames, e); }
std::optional<Effect> ParseEffect(std::string_view name) { return Parse(kEffectNames, name); }
const std::vector<Effect>& AllEffects() {
  static const std::vector<Effect> kAll = AllOf(kEffectNames);
  return kAll;
}

std::string ActorName(const Actor& actor) {
  if (actor.is_system) return "system";
  return std::string(auth::RoleName(actor.role)) + " (user " + actor.user_id.ToString() + ")";
}

const std::vector<Transition>& TransitionTable() {
  static const std::vector<Transition> kTable = BuildTable();
  return kTable;
}

const Transition* FindTransition(CaseState from, CaseAction action) {
  for (const auto& t : TransitionTable()) {
    if (t.from == from && t.action == action) return &t;
  }
  return nullptr;
}

Status CheckVersion(int64_t expected_version, int64_t current_version) {
  if (expected_version == current_version) return Status::Ok();
  return Status::Conflict("the case is at version " + std::to_string(current_version) +
                          " but the request expected version " + std::to_string(expected_version) +
                          ": reload the case and try again");
}

Result<TransitionOutcome> Apply(const CaseView& view, const Actor& actor, CaseAction action,
                                int64_t expected_version) {
  if (!Visible(view, actor)) return Status::NotFound("case not found");
  STM_RETURN_IF_ERROR(CheckVersion(expected_version, view.version));
  const auto& table = TransitionTable();
  const bool role_ever_allowed = std::any_of(table.begin(), table.end(), [&](const Transition& t) {
    return t.action == action && RoleListed(t.guard, actor);
  });
  if (!role_ever_allowed) {
    return Status::PermissionDenied(Subject(actor) + " may not " + std::string(CaseActionName(action)) +
                                    " a case");
  }
  const Transition* t = FindTransition(view.state, action);
  if (t == nullptr) {
    return Status::FailedPrecondition("cannot " + std::string(CaseActionName(action)) + " a case in state " +
                                      std::string(CaseStateName(view.state)));
  }
  if (!RoleListed(t->guard, actor)) {
    return Status::PermissionDenied(Subject(actor) + " may not " + std::string(CaseActionName(action)) +
                                    " a case in state " + std::string(CaseStateName(view.state)));
  }
  STM_RETURN_IF_ERROR(CheckAssignmentAndCondition(*t, view, actor));
  return TransitionOutcome{t->from,    t->action,      t->to,           t->effects,
                           t->outcome, t->description, view.version + 1};
}

std::vector<AvailableAction> AvailableActions(const CaseView& view, const Actor& actor) {
  std::vector<AvailableAction> out;
  if (!Visible(view, actor)) return out;
  for (const auto& t : TransitionTable()) {
    if (t.from != view.state || !RoleListed(t.guard, actor)) continue;
    Status s = CheckAssignmentAndCondition(t, view, actor);
    out.push_back(AvailableAction{t.action, t.to, t.description, s.ok(), s.code(), s.message()});
  }
  return out;
}

}  // namespace stm::licensing
