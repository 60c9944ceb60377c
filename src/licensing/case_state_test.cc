#include "licensing/case_state.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <ostream>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace stm {
// Readable values in failure messages (internal linkage: other tests in the binary may define their own).
template <typename Tag>
static void PrintTo(const Id<Tag>& id, std::ostream* os) {
  *os << "id " << id.value();
}
namespace licensing {
static void PrintTo(CaseState s, std::ostream* os) { *os << CaseStateName(s); }
static void PrintTo(CaseAction a, std::ostream* os) { *os << CaseActionName(a); }
static void PrintTo(Effect e, std::ostream* os) { *os << EffectName(e); }
static void PrintTo(Outcome o, std::ostream* os) { *os << OutcomeName(o); }

namespace {

using auth::Role;
using ::testing::HasSubstr;
using S = CaseState;
using A = CaseAction;
using E = Effect;

const OrgId kExporterOrg(10);
const OrgId kOtherExporterOrg(20);
const OrgId kAuthority(1);

const Actor kExporter = Actor::User(Role::kExporterUser, UserId(1), kExporterOrg);
const Actor kExporterAdmin = Actor::User(Role::kExporterAdmin, UserId(2), kExporterOrg);
const Actor kOtherExporter = Actor::User(Role::kExporterAdmin, UserId(3), kOtherExporterOrg);
const Actor kOfficer = Actor::User(Role::kLicensingOfficer, UserId(4), kAuthority);
const Actor kOtherOfficer = Actor::User(Role::kLicensingOfficer, UserId(5), kAuthority);
const Actor kSeniorA = Actor::User(Role::kSeniorLicensingOfficer, UserId(6), kAuthority);
const Actor kSeniorB = Actor::User(Role::kSeniorLicensingOfficer, UserId(7), kAuthority);
const Actor kSeniorC = Actor::User(Role::kSeniorLicensingOfficer, UserId(8), kAuthority);
const Actor kReferralOfficer = Actor::User(Role::kReferralOfficer, UserId(9), OrgId(30));
const Actor kAdministrator = Actor::User(Role::kAdministrator, UserId(10), kAuthority);
const Actor kAuditor = Actor::User(Role::kAuditor, UserId(11), kAuthority);
const Actor kCustoms = Actor::User(Role::kCustomsOfficer, UserId(12), OrgId(40));
const Actor kSystem = Actor::System();

CaseView NewCase() {
  CaseView v;
  v.exporter_org = kExporterOrg;
  v.version = 1;
  return v;
}

CaseView InState(CaseState state) {
  CaseView v = NewCase();
  v.state = state;
  if (state != S::kDraft && state != S::kSubmitted) v.assigned_officer = kOfficer.user_id;
  return v;
}

// What the store does with an outcome: the new state and version, and the effects on the case's facts.
void Commit(CaseView& view, const TransitionOutcome& outcome, const Actor& actor) {
  view.state = outcome.to;
  view.version = outcome.new_version;
  for (Effect e : outcome.effects) {
    switch (e) {
      case E::kAssignOfficer:
        view.assigned_officer = actor.user_id;
        break;
      case E::kRecordCountersign:
        if (view.countersigns_done == 0) view.first_countersigner = actor.user_id;
        ++view.countersigns_done;
        break;
      case E::kClearCountersigns:
        view.countersigns_done = 0;
        view.first_countersigner = UserId();
        break;
      case E::kOpenAppealWindow:
        view.appeal_window_open = true;
        break;
      case E::kRecordOutcome:
        view.outcome = outcome.outcome;
        break;
      case E::kClearOutcome:
        view.outcome.reset();
        view.appeal_window_open = false;
        break;
      case E::kCancelReferrals:
        view.referrals_awaiting_advice = 0;
        break;
      default:
        break;
    }
  }
}

// Applies `action` at the current version, expects success and commits it.
TransitionOutcome Step(CaseView& view, const Actor& actor, CaseAction action) {
  auto r = Apply(view, actor, action, view.version);
  EXPECT_TRUE(r.ok()) << CaseActionName(action) << " by " << ActorName(actor) << " in "
                      << CaseStateName(view.state) << ": " << r.status().ToString();
  if (!r.ok()) return TransitionOutcome{view.state, action, view.state, {}, std::nullopt, "", view.version};
  Commit(view, *r, actor);
  return *r;
}

bool Has(const std::vector<Effect>& effects, Effect e) {
  return std::find(effects.begin(), effects.end(), e) != effects.end();
}

// Expects `Apply` at the current version to fail with `code` and a message containing `reason`, and the
// listing to agree when the action is listed.
void ExpectRefused(const CaseView& view, const Actor& actor, CaseAction action, ErrorCode code,
                   std::string_view reason) {
  auto r = Apply(view, actor, action, view.version);
  ASSERT_FALSE(r.ok()) << CaseActionName(action) << " by " << ActorName(actor) << " unexpectedly succeeded";
  EXPECT_EQ(r.status().code(), code) << r.status().ToString();
  EXPECT_THAT(r.status().message(), HasSubstr(std::string(reason)));
  for (const auto& a : AvailableActions(view, actor)) {
    if (a.action != action) continue;
    EXPECT_FALSE(a.allowed);
    EXPECT_EQ(a.blocked_code, code);
    EXPECT_EQ(a.blocked_reason, r.status().message());
  }
}

// ---------------------------------------------------------------------------------------------------------
// Names

TEST(CaseStateNamesTest, EveryNameRoundTripsAndIsUnique) {
  std::set<std::string_view> names;
  for (CaseState s : AllCaseStates()) {
    EXPECT_EQ(ParseCaseState(CaseStateName(s)), s);
    EXPECT_TRUE(names.insert(CaseStateName(s)).second) << CaseStateName(s);
  }
  EXPECT_EQ(AllCaseStates().size(), 12u);
  names.clear();
  for (CaseAction a : AllCaseActions()) {
    EXPECT_EQ(ParseCaseAction(CaseActionName(a)), a);
    EXPECT_TRUE(names.insert(CaseActionName(a)).second) << CaseActionName(a);
  }
  names.clear();
  for (Effect e : AllEffects()) {
    EXPECT_EQ(ParseEffect(EffectName(e)), e);
    EXPECT_TRUE(names.insert(EffectName(e)).second) << EffectName(e);
  }
  for (Outcome o : {Outcome::kApproved, Outcome::kRefused, Outcome::kNoLicenceRequired}) {
    EXPECT_EQ(ParseOutcome(OutcomeName(o)), o);
  }
  EXPECT_EQ(CaseStateName(S::kAwaitingExporter), "awaiting_exporter");
  EXPECT_EQ(CaseActionName(A::kAllAdviceReceived), "all_advice_received");
  EXPECT_EQ(EffectName(E::kPauseSlaClock), "pause_sla_clock");
  EXPECT_EQ(OutcomeName(Outcome::kNoLicenceRequired), "no_licence_required");
  EXPECT_EQ(ParseCaseState("Draft"), std::nullopt);
  EXPECT_EQ(ParseCaseAction(""), std::nullopt);
  EXPECT_EQ(ParseEffect("issue"), std::nullopt);
  EXPECT_EQ(ParseOutcome("granted"), std::nullopt);
  EXPECT_EQ(ActorName(kSystem), "system");
  EXPECT_EQ(ActorName(kOfficer), "licensing_officer (user 4)");
}

// ---------------------------------------------------------------------------------------------------------
// The table

TEST(CaseStateTableTest, NoDuplicateFromActionPairs) {
  std::set<std::pair<CaseState, CaseAction>> seen;
  for (const auto& t : TransitionTable()) {
    EXPECT_TRUE(seen.insert({t.from, t.action}).second)
        << "duplicate row " << CaseStateName(t.from) << " --" << CaseActionName(t.action) << "-->";
    EXPECT_EQ(FindTransition(t.from, t.action), &t);
  }
  EXPECT_EQ(FindTransition(S::kDraft, A::kApprove), nullptr);
}

TEST(CaseStateTableTest, EveryRowIsWellFormed) {
  std::set<CaseAction> actions_used;
  for (const auto& t : TransitionTable()) {
    SCOPED_TRACE(std::string(CaseStateName(t.from)) + " --" + std::string(CaseActionName(t.action)) + "-->");
    actions_used.insert(t.action);
    EXPECT_TRUE(!t.guard.roles.empty() || t.guard.system) << "nobody may take it";
    EXPECT_EQ(t.guard.condition.empty(), t.guard.check == nullptr) << "a condition needs its words";
    EXPECT_FALSE(t.description.empty());
    std::set<Effect> distinct(t.effects.begin(), t.effects.end());
    EXPECT_EQ(distinct.size(), t.effects.size()) << "repeated effect";
    // Finalising rows record their outcome and stop the clock; no other row sets an outcome.
    EXPECT_EQ(t.to == S::kFinalised, t.outcome.has_value());
    EXPECT_EQ(t.to == S::kFinalised, Has(t.effects, E::kRecordOutcome));
    if (t.outcome == Outcome::kApproved) {
      EXPECT_TRUE(Has(t.effects, E::kIssueLicence));
    }
    if (t.outcome == Outcome::kRefused) {
      EXPECT_TRUE(Has(t.effects, E::kOpenAppealWindow));
    }
    if (Has(t.effects, E::kIssueLicence)) {
      EXPECT_EQ(t.outcome, Outcome::kApproved);
    }
    // Exporter roles act only through exporter rows; officers' rows never name exporter roles.
    for (Role r : t.guard.roles) {
      if (auth::IsExporterRole(r)) {
        EXPECT_FALSE(t.guard.assigned_officer_only);
      }
    }
  }
  EXPECT_EQ(actions_used.size(), AllCaseActions().size()) << "an action no row uses";
}

TEST(CaseStateTableTest, EveryNonTerminalStateHasAnExitAndTerminalOnesOnlyExplicitOnes) {
  for (CaseState s : AllCaseStates()) {
    int exits = 0;
    for (const auto& t : TransitionTable()) {
      if (t.from != s || t.to == s) continue;
      ++exits;
      if (IsTerminal(s)) {
        EXPECT_TRUE(t.action == A::kAppeal || t.action == A::kClose || t.action == A::kReopen)
            << CaseStateName(s) << " is left by " << CaseActionName(t.action);
      }
    }
    if (!IsTerminal(s)) {
      EXPECT_GT(exits, 0) << CaseStateName(s) << " has no exit";
    }
  }
  EXPECT_TRUE(IsTerminal(S::kFinalised));
  EXPECT_TRUE(IsTerminal(S::kWithdrawn));
  EXPECT_TRUE(IsTerminal(S::kClosed));
  EXPECT_FALSE(IsTerminal(S::kAppeal));
}

TEST(CaseStateTableTest, EveryStateIsReachableFromDraftAndCanReachClosed) {
  auto reachable_from = [](CaseState start, bool forward) {
    std::set<CaseState> seen = {start};
    std::vector<CaseState> todo = {start};
    while (!todo.empty()) {
      CaseState s = todo.back();
      todo.pop_back();
      for (const auto& t : TransitionTable()) {
        CaseState from = forward ? t.from : t.to;
        CaseState to = forward ? t.to : t.from;
        if (from == s && seen.insert(to).second) todo.push_back(to);
      }
    }
    return seen;
  };
  EXPECT_EQ(reachable_from(S::kDraft, true).size(), AllCaseStates().size());
  EXPECT_EQ(reachable_from(S::kClosed, false).size(), AllCaseStates().size());
}

// The statutory clock: stopped before submission and after the decision, paused exactly while a query is
// with the exporter. Every row's clock effects take the clock of its source state to that of its target.
TEST(CaseStateTableTest, SlaClockEffectsMatchTheStates) {
  enum class Clock { kStopped, kRunning, kPaused };
  auto clock_in = [](CaseState s) {
    switch (s) {
      case S::kDraft:
      case S::kFinalised:
      case S::kWithdrawn:
      case S::kAppeal:
      case S::kClosed:
        return Clock::kStopped;
      case S::kAwaitingExporter:
        return Clock::kPaused;
      default:
        return Clock::kRunning;
    }
  };
  for (const auto& t : TransitionTable()) {
    SCOPED_TRACE(std::string(CaseStateName(t.from)) + " --" + std::string(CaseActionName(t.action)) + "-->");
    Clock c = clock_in(t.from);
    for (Effect e : t.effects) {
      if (e == E::kStartSlaClock) {
        EXPECT_EQ(c, Clock::kStopped);
        c = Clock::kRunning;
      } else if (e == E::kPauseSlaClock) {
        EXPECT_EQ(c, Clock::kRunning);
        c = Clock::kPaused;
      } else if (e == E::kResumeSlaClock) {
        EXPECT_EQ(c, Clock::kPaused);
        c = Clock::kRunning;
      } else if (e == E::kStopSlaClock) {
        EXPECT_NE(c, Clock::kStopped);
        c = Clock::kStopped;
      }
    }
    EXPECT_EQ(c, clock_in(t.to));
    if (t.to == S::kAwaitingExporter && t.from != S::kAwaitingExporter) {
      EXPECT_TRUE(Has(t.effects, E::kPauseSlaClock));
    }
    if (t.from == S::kAwaitingExporter && !IsTerminal(t.to)) {
      EXPECT_TRUE(Has(t.effects, E::kResumeSlaClock));
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Flows

TEST(CaseStateFlowTest, HappyPathThroughReferralAndCountersigningToApproval) {
  CaseView v = NewCase();
  v.needs_countersign = true;
  auto o = Step(v, kExporter, A::kSubmit);
  EXPECT_EQ(v.state, S::kSubmitted);
  EXPECT_EQ(v.version, 2);
  EXPECT_TRUE(Has(o.effects, E::kStartSlaClock));

  o = Step(v, kOfficer, A::kStartChecks);
  EXPECT_EQ(v.state, S::kInitialChecks);
  EXPECT_EQ(o.effects, std::vector<Effect>{E::kAssignOfficer});
  EXPECT_EQ(v.assigned_officer, kOfficer.user_id);

  Step(v, kOfficer, A::kChecksPassed);
  EXPECT_EQ(v.state, S::kUnderReview);

  v.referrals_awaiting_advice = 2;  // the officer opened two referrals (the referral flow)
  o = Step(v, kOfficer, A::kRefer);
  EXPECT_EQ(v.state, S::kReferred);
  EXPECT_TRUE(Has(o.effects, E::kNotifyReferralAgencies));

  v.referrals_awaiting_advice = 0;  // both agencies advised
  Step(v, kSystem, A::kAllAdviceReceived);
  EXPECT_EQ(v.state, S::kUnderFinalReview);

  v.recommendation = Outcome::kApproved;
  o = Step(v, kOfficer, A::kRequestCountersign);
  EXPECT_EQ(v.state, S::kCountersigning);
  EXPECT_TRUE(Has(o.effects, E::kNotifyCountersigners));

  Step(v, kSeniorA, A::kCountersignFirst);
  EXPECT_EQ(v.state, S::kCountersigning);
  EXPECT_EQ(v.countersigns_done, 1);
  EXPECT_EQ(v.first_countersigner, kSeniorA.user_id);
  Step(v, kSeniorB, A::kCountersignSecond);
  EXPECT_EQ(v.countersigns_done, 2);

  o = Step(v, kOfficer, A::kApprove);
  EXPECT_EQ(v.state, S::kFinalised);
  EXPECT_EQ(o.outcome, Outcome::kApproved);
  EXPECT_EQ(v.outcome, Outcome::kApproved);
  EXPECT_TRUE(Has(o.effects, E::kIssueLicence));
  EXPECT_TRUE(Has(o.effects, E::kGenerateApprovalLetter));
  EXPECT_TRUE(Has(o.effects, E::kStopSlaClock));
  EXPECT_EQ(v.version, 10);

  // Approved cases cannot be appealed; the system archives them.
  ExpectRefused(v, kExporter, A::kAppeal, ErrorCode::kFailedPrecondition, "only a refusal can be appealed");
  Step(v, kSystem, A::kClose);
  EXPECT_EQ(v.state, S::kClosed);
}

TEST(CaseStateFlowTest, DirectDecisionsWithoutCountersigning) {
  for (auto [action, outcome] :
       {std::pair{A::kApprove, Outcome::kApproved}, std::pair{A::kRefuse, Outcome::kRefused},
        std::pair{A::kNoLicenceRequired, Outcome::kNoLicenceRequired}}) {
    CaseView v = InState(S::kUnderReview);
    Step(v, kOfficer, A::kSendToFinalReview);
    auto o = Step(v, kSeniorC, action);  // a senior officer may work any case
    EXPECT_EQ(v.state, S::kFinalised);
    EXPECT_EQ(o.outcome, outcome);
  }
}

TEST(CaseStateFlowTest, QueryPausesAndResumesTheClockThenRefusalAndAppeal) {
  CaseView v = InState(S::kUnderReview);
  auto o = Step(v, kOfficer, A::kQueryExporter);
  EXPECT_EQ(v.state, S::kAwaitingExporter);
  EXPECT_EQ(o.effects, (std::vector<Effect>{E::kPauseSlaClock, E::kGenerateQueryLetter, E::kNotifyExporter}));
  // Only the exporter answers.
  ExpectRefused(v, kOfficer, A::kExporterAnswered, ErrorCode::kPermissionDenied,
                "role licensing_officer may not exporter_answered");
  o = Step(v, kExporterAdmin, A::kExporterAnswered);
  EXPECT_EQ(v.state, S::kUnderReview);
  EXPECT_TRUE(Has(o.effects, E::kResumeSlaClock));
  EXPECT_FALSE(Has(o.effects, E::kPauseSlaClock));

  Step(v, kOfficer, A::kSendToFinalReview);
  // A query from final review returns the case to review when answered.
  Step(v, kOfficer, A::kQueryExporter);
  EXPECT_EQ(v.state, S::kAwaitingExporter);
  Step(v, kExporter, A::kExporterAnswered);
  EXPECT_EQ(v.state, S::kUnderReview);
  Step(v, kOfficer, A::kSendToFinalReview);

  o = Step(v, kOfficer, A::kRefuse);
  EXPECT_EQ(v.state, S::kFinalised);
  EXPECT_EQ(v.outcome, Outcome::kRefused);
  EXPECT_TRUE(Has(o.effects, E::kGenerateRefusalLetter));
  EXPECT_TRUE(Has(o.effects, E::kOpenAppealWindow));
  EXPECT_FALSE(Has(o.effects, E::kIssueLicence));
  ExpectRefused(v, kSystem, A::kClose, ErrorCode::kFailedPrecondition, "the appeal window is still open");

  Step(v, kExporter, A::kAppeal);
  EXPECT_EQ(v.state, S::kAppeal);
  ExpectRefused(v, kOfficer, A::kAppealUpheld, ErrorCode::kPermissionDenied,
                "role licensing_officer may not appeal_upheld");

  // Upheld: decided again; a second refusal can be appealed again and then dismissed.
  CaseView upheld = v;
  o = Step(upheld, kSeniorA, A::kAppealUpheld);
  EXPECT_EQ(upheld.state, S::kUnderFinalReview);
  EXPECT_EQ(upheld.outcome, std::nullopt);
  EXPECT_TRUE(Has(o.effects, E::kStartSlaClock));
  Step(upheld, kOfficer, A::kApprove);
  EXPECT_EQ(upheld.outcome, Outcome::kApproved);

  o = Step(v, kSeniorB, A::kAppealDismissed);
  EXPECT_EQ(v.state, S::kClosed);
  EXPECT_TRUE(Has(o.effects, E::kGenerateAppealDecisionLetter));
}

TEST(CaseStateFlowTest, WithdrawFromEveryStateBeforeTheDecision) {
  for (CaseState s : {S::kDraft, S::kSubmitted, S::kInitialChecks, S::kUnderReview, S::kAwaitingExporter,
                      S::kReferred, S::kUnderFinalReview, S::kCountersigning}) {
    CaseView v = InState(s);
    v.referrals_awaiting_advice = s == S::kReferred ? 2 : 0;
    auto o = Step(v, kExporter, A::kWithdraw);
    EXPECT_EQ(v.state, S::kWithdrawn) << CaseStateName(s);
    EXPECT_EQ(Has(o.effects, E::kStopSlaClock), s != S::kDraft) << CaseStateName(s);
    EXPECT_EQ(Has(o.effects, E::kCancelReferrals), s == S::kReferred) << CaseStateName(s);
  }
  for (CaseState s : {S::kFinalised, S::kAppeal, S::kWithdrawn, S::kClosed}) {
    ExpectRefused(InState(s), kExporter, A::kWithdraw, ErrorCode::kFailedPrecondition,
                  "cannot withdraw a case in state " + std::string(CaseStateName(s)));
  }
}

TEST(CaseStateFlowTest, AdministratorClosesAndReopens) {
  CaseView v = InState(S::kWithdrawn);
  ExpectRefused(v, kExporter, A::kClose, ErrorCode::kPermissionDenied, "role exporter_user may not close");
  Step(v, kAdministrator, A::kClose);
  EXPECT_EQ(v.state, S::kClosed);
  ExpectRefused(v, kSystem, A::kReopen, ErrorCode::kPermissionDenied, "the system may not reopen");
  ExpectRefused(v, kSeniorA, A::kReopen, ErrorCode::kPermissionDenied,
                "role senior_licensing_officer may not reopen");
  auto o = Step(v, kAdministrator, A::kReopen);
  EXPECT_EQ(v.state, S::kUnderReview);
  EXPECT_TRUE(Has(o.effects, E::kStartSlaClock));
}

// ---------------------------------------------------------------------------------------------------------
// Guards

TEST(CaseStateGuardTest, IncompleteApplicationCannotBeSubmitted) {
  CaseView v = NewCase();
  v.missing_for_submission = {"end_user", "goods"};
  ExpectRefused(
      v, kExporter, A::kSubmit, ErrorCode::kFailedPrecondition,
      "cannot submit a case in state draft: the application is incomplete: missing end_user, goods");
}

TEST(CaseStateGuardTest, ReferralConditions) {
  CaseView v = InState(S::kUnderReview);
  ExpectRefused(v, kOfficer, A::kRefer, ErrorCode::kFailedPrecondition, "no referral awaits advice");
  v.referrals_awaiting_advice = 1;
  ExpectRefused(v, kOfficer, A::kSendToFinalReview, ErrorCode::kFailedPrecondition,
                "1 referral awaits advice: refer the case instead");
  Step(v, kOfficer, A::kRefer);
  v.referrals_awaiting_advice = 2;
  ExpectRefused(v, kSystem, A::kAllAdviceReceived, ErrorCode::kFailedPrecondition,
                "2 referrals still await advice");
  ExpectRefused(v, kOfficer, A::kAllAdviceReceived, ErrorCode::kFailedPrecondition,
                "2 referrals still await advice");
  v.referrals_awaiting_advice = 1;
  ExpectRefused(v, kSystem, A::kAllAdviceReceived, ErrorCode::kFailedPrecondition,
                "1 referral still awaits advice");
  // Referral officers give advice in their own flow; they do not move the case.
  v.referrals_awaiting_advice = 0;
  ExpectRefused(v, kReferralOfficer, A::kAllAdviceReceived, ErrorCode::kPermissionDenied,
                "role referral_officer may not all_advice_received");
  Step(v, kOfficer, A::kAllAdviceReceived);
  EXPECT_EQ(v.state, S::kUnderFinalReview);
}

TEST(CaseStateGuardTest, FinalisingWithBlockingFlagsIsRefused) {
  CaseView v = InState(S::kUnderFinalReview);
  v.has_blocking_flags = true;
  for (CaseAction a : {A::kApprove, A::kRefuse, A::kNoLicenceRequired}) {
    ExpectRefused(v, kOfficer, a, ErrorCode::kFailedPrecondition, "the case has unresolved blocking flags");
  }
  v.needs_countersign = true;
  v.recommendation = Outcome::kApproved;
  ExpectRefused(v, kOfficer, A::kRequestCountersign, ErrorCode::kFailedPrecondition,
                "the case has unresolved blocking flags");
  // A flag raised during countersigning blocks the final step too.
  CaseView c = InState(S::kCountersigning);
  c.needs_countersign = true;
  c.recommendation = Outcome::kApproved;
  c.countersigns_done = 2;
  c.has_blocking_flags = true;
  ExpectRefused(c, kOfficer, A::kApprove, ErrorCode::kFailedPrecondition, "blocking flags");
  c.has_blocking_flags = false;
  Step(c, kOfficer, A::kApprove);
}

TEST(CaseStateGuardTest, CountersignedCasesMustGoThroughCountersigning) {
  CaseView v = InState(S::kUnderFinalReview);
  v.needs_countersign = true;
  ExpectRefused(v, kOfficer, A::kApprove, ErrorCode::kFailedPrecondition,
                "the decision needs two countersignatures: request_countersign first");
  ExpectRefused(v, kSeniorA, A::kRefuse, ErrorCode::kFailedPrecondition, "request_countersign first");
  ExpectRefused(v, kOfficer, A::kRequestCountersign, ErrorCode::kFailedPrecondition,
                "no recommendation to approve or refuse is recorded");
  v.recommendation = Outcome::kNoLicenceRequired;
  ExpectRefused(v, kOfficer, A::kRequestCountersign, ErrorCode::kFailedPrecondition,
                "no recommendation to approve or refuse");

  CaseView plain = InState(S::kUnderFinalReview);
  plain.recommendation = Outcome::kApproved;
  ExpectRefused(plain, kOfficer, A::kRequestCountersign, ErrorCode::kFailedPrecondition,
                "the case does not need countersigning");
}

TEST(CaseStateGuardTest, CountersigningIsFourEyes) {
  CaseView v = InState(S::kCountersigning);
  v.needs_countersign = true;
  v.recommendation = Outcome::kRefused;
  ExpectRefused(v, kOfficer, A::kCountersignFirst, ErrorCode::kPermissionDenied,
                "role licensing_officer may not countersign_first");
  ExpectRefused(v, kSeniorA, A::kCountersignSecond, ErrorCode::kFailedPrecondition,
                "the first countersignature is still missing");
  ExpectRefused(v, kOfficer, A::kRefuse, ErrorCode::kFailedPrecondition,
                "the case has 0 of 2 countersignatures");

  // A senior officer assigned to the case cannot countersign it.
  CaseView own = v;
  own.assigned_officer = kSeniorC.user_id;
  ExpectRefused(own, kSeniorC, A::kCountersignFirst, ErrorCode::kPermissionDenied,
                "the assigned officer cannot countersign their own case");

  Step(v, kSeniorA, A::kCountersignFirst);
  ExpectRefused(v, kSeniorB, A::kCountersignFirst, ErrorCode::kFailedPrecondition,
                "the case already has its first countersignature");
  ExpectRefused(v, kSeniorA, A::kCountersignSecond, ErrorCode::kPermissionDenied,
                "must be by a different senior officer than the first (user 6)");
  ExpectRefused(v, kOfficer, A::kRefuse, ErrorCode::kFailedPrecondition,
                "the case has 1 of 2 countersignatures");
  Step(v, kSeniorB, A::kCountersignSecond);
  ExpectRefused(v, kSeniorC, A::kCountersignSecond, ErrorCode::kFailedPrecondition,
                "the case already has both countersignatures");
  // The countersigned recommendation decides which outcome may be finalised.
  ExpectRefused(v, kOfficer, A::kApprove, ErrorCode::kFailedPrecondition,
                "the countersigned recommendation is refused, not approved");
  CaseView declined = v;
  auto o = Step(declined, kSeniorC, A::kDeclineCountersign);
  EXPECT_EQ(declined.state, S::kUnderFinalReview);
  EXPECT_EQ(declined.countersigns_done, 0);
  EXPECT_TRUE(Has(o.effects, E::kClearCountersigns));
  Step(v, kOfficer, A::kRefuse);
  EXPECT_EQ(v.outcome, Outcome::kRefused);
}

TEST(CaseStateGuardTest, OnlyTheAssignedOfficerOrASeniorWorksTheCase) {
  CaseView v = InState(S::kUnderReview);
  ExpectRefused(v, kOtherOfficer, A::kQueryExporter, ErrorCode::kPermissionDenied,
                "licensing_officer (user 5) is not the officer assigned to this case");
  CaseView unassigned = v;
  unassigned.assigned_officer = UserId();
  ExpectRefused(unassigned, kOfficer, A::kQueryExporter, ErrorCode::kPermissionDenied,
                "is not the officer assigned");
  Step(v, kSeniorC, A::kQueryExporter);
  // Any officer may pick up a submitted case.
  CaseView submitted = InState(S::kSubmitted);
  Step(submitted, kOtherOfficer, A::kStartChecks);
  EXPECT_EQ(submitted.assigned_officer, kOtherOfficer.user_id);
}

TEST(CaseStateGuardTest, AppealConditions) {
  CaseView v = InState(S::kFinalised);
  v.outcome = Outcome::kNoLicenceRequired;
  ExpectRefused(v, kExporter, A::kAppeal, ErrorCode::kFailedPrecondition,
                "only a refusal can be appealed (the outcome is no_licence_required)");
  v.outcome = Outcome::kRefused;
  ExpectRefused(v, kExporter, A::kAppeal, ErrorCode::kFailedPrecondition, "the appeal window has closed");
  v.appeal_window_open = true;
  ExpectRefused(v, kOfficer, A::kAppeal, ErrorCode::kPermissionDenied,
                "role licensing_officer may not appeal");
  ExpectRefused(v, kAdministrator, A::kClose, ErrorCode::kFailedPrecondition,
                "the appeal window is still open");
  Step(v, kExporterAdmin, A::kAppeal);
}

TEST(CaseStateGuardTest, WrongRoleIsPermissionDeniedNamingRoleAndAction) {
  ExpectRefused(InState(S::kUnderFinalReview), kExporter, A::kApprove, ErrorCode::kPermissionDenied,
                "role exporter_user may not approve");
  ExpectRefused(NewCase(), kOfficer, A::kSubmit, ErrorCode::kPermissionDenied,
                "role licensing_officer may not submit");
  ExpectRefused(NewCase(), kSystem, A::kSubmit, ErrorCode::kPermissionDenied, "the system may not submit");
  ExpectRefused(InState(S::kUnderReview), kAuditor, A::kRefer, ErrorCode::kPermissionDenied,
                "role auditor may not refer");
  ExpectRefused(InState(S::kUnderReview), kCustoms, A::kWithdraw, ErrorCode::kPermissionDenied,
                "role customs_officer may not withdraw");
  ExpectRefused(InState(S::kUnderFinalReview), kAdministrator, A::kApprove, ErrorCode::kPermissionDenied,
                "role administrator may not approve");
  // A default actor holds no case powers.
  ExpectRefused(NewCase(), Actor{}, A::kSubmit, ErrorCode::kPermissionDenied, "role auditor may not submit");
}

TEST(CaseStateGuardTest, ActionWithoutARowFromTheStateIsFailedPrecondition) {
  ExpectRefused(NewCase(), kOfficer, A::kApprove, ErrorCode::kFailedPrecondition,
                "cannot approve a case in state draft");
  ExpectRefused(InState(S::kSubmitted), kExporter, A::kSubmit, ErrorCode::kFailedPrecondition,
                "cannot submit a case in state submitted");
  ExpectRefused(InState(S::kClosed), kAdministrator, A::kClose, ErrorCode::kFailedPrecondition,
                "cannot close a case in state closed");
}

TEST(CaseStateGuardTest, ExporterOfAnotherOrganisationCannotActOrSeeTheCase) {
  for (CaseState s : AllCaseStates()) {
    CaseView v = InState(s);
    v.outcome = Outcome::kRefused;
    v.appeal_window_open = true;
    EXPECT_TRUE(AvailableActions(v, kOtherExporter).empty()) << CaseStateName(s);
    if (s == S::kDraft || s == S::kAwaitingExporter) {
      EXPECT_FALSE(AvailableActions(v, kExporter).empty()) << "the case's own exporter may act";
    }
    for (CaseAction a : AllCaseActions()) {
      auto r = Apply(v, kOtherExporter, a, v.version);
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.status().code(), ErrorCode::kNotFound);
      EXPECT_EQ(r.status().message(), "case not found");
    }
  }
  // Even with a stale version: the version of another organisation's case is not revealed.
  auto r = Apply(NewCase(), kOtherExporter, A::kSubmit, 99);
  EXPECT_EQ(r.status().code(), ErrorCode::kNotFound);
  // An exporter-role user without an organisation is nobody's exporter.
  auto orphan = Actor::User(Role::kExporterUser, UserId(50), OrgId());
  CaseView no_owner = NewCase();
  no_owner.exporter_org = OrgId();
  EXPECT_EQ(Apply(no_owner, orphan, A::kSubmit, 1).status().code(), ErrorCode::kNotFound);
}

TEST(CaseStateGuardTest, StaleVersionIsConflictNamingBothVersions) {
  CaseView v = InState(S::kUnderReview);
  v.version = 7;
  auto r = Apply(v, kOfficer, A::kQueryExporter, 6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kConflict);
  EXPECT_THAT(r.status().message(), HasSubstr("version 7"));
  EXPECT_THAT(r.status().message(), HasSubstr("expected version 6"));
  // The version is checked before anything else about the action.
  EXPECT_EQ(Apply(v, kExporter, A::kApprove, 8).status().code(), ErrorCode::kConflict);
  EXPECT_TRUE(CheckVersion(3, 3).ok());
  EXPECT_EQ(CheckVersion(2, 3).code(), ErrorCode::kConflict);
  // Two officers read version 7; the first write wins, the second is stale.
  auto first = Apply(v, kOfficer, A::kQueryExporter, 7);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->new_version, 8);
  CaseView after = v;
  Commit(after, *first, kOfficer);
  EXPECT_EQ(Apply(after, kSeniorA, A::kSendToFinalReview, 7).status().code(), ErrorCode::kConflict);
}

// ---------------------------------------------------------------------------------------------------------
// Available actions

std::vector<std::string> Names(const std::vector<AvailableAction>& actions, bool allowed) {
  std::vector<std::string> out;
  for (const auto& a : actions) {
    if (a.allowed == allowed) out.emplace_back(CaseActionName(a.action));
  }
  return out;
}

TEST(CaseStateAvailableActionsTest, ListsWhatTheCallerMayDoAndWhyOthersAreBlocked) {
  CaseView draft = NewCase();
  EXPECT_EQ(Names(AvailableActions(draft, kExporter), true),
            (std::vector<std::string>{"submit", "withdraw"}));
  EXPECT_TRUE(AvailableActions(draft, kOfficer).empty());

  CaseView v = InState(S::kUnderFinalReview);
  v.needs_countersign = true;
  v.has_blocking_flags = true;
  auto actions = AvailableActions(v, kOfficer);
  EXPECT_EQ(Names(actions, true), (std::vector<std::string>{"query_exporter"}));
  EXPECT_EQ(Names(actions, false),
            (std::vector<std::string>{"approve", "refuse", "no_licence_required", "request_countersign"}));
  for (const auto& a : actions) {
    if (a.action == A::kApprove) {
      EXPECT_EQ(a.blocked_code, ErrorCode::kFailedPrecondition);
      EXPECT_THAT(a.blocked_reason, HasSubstr("blocking flags"));
      EXPECT_EQ(a.to, S::kFinalised);
      EXPECT_FALSE(a.description.empty());
    }
  }
  EXPECT_EQ(Names(AvailableActions(v, kExporter), true), (std::vector<std::string>{"withdraw"}));
  // An unassigned licensing officer sees the officer actions, blocked by the assignment rule.
  for (const auto& a : AvailableActions(v, kOtherOfficer)) {
    EXPECT_FALSE(a.allowed);
    EXPECT_EQ(a.blocked_code, ErrorCode::kPermissionDenied);
  }
  EXPECT_TRUE(AvailableActions(v, kReferralOfficer).empty());
  EXPECT_TRUE(AvailableActions(v, kAuditor).empty());

  CaseView referred = InState(S::kReferred);
  EXPECT_EQ(Names(AvailableActions(referred, kSystem), true),
            (std::vector<std::string>{"all_advice_received"}));
}

// ---------------------------------------------------------------------------------------------------------
// Property test: random action sequences by random actors.

// 1000 sequences of 30 actions (30,000 actions, each also checking the listing against all 21 actions)
// keep the sanitised debug build at a few seconds; STM_CASE_STATE_SEQUENCES runs more.
constexpr int kDefaultSequences = 1000;
constexpr int kStepsPerSequence = 30;

int Sequences() {
  if (const char* env = std::getenv("STM_CASE_STATE_SEQUENCES")) return std::max(1, std::atoi(env));
  return kDefaultSequences;
}

uint32_t BaseSeed() {
  if (const char* env = std::getenv("STM_CASE_STATE_SEED"))
    return static_cast<uint32_t>(std::strtoul(env, nullptr, 10));
  return 20240917u;
}

const std::vector<Actor>& ActorPool() {
  static const std::vector<Actor> kPool = {
      kExporter, kExporterAdmin,   kOtherExporter, kOfficer, kOtherOfficer, kSeniorA, kSeniorB,
      kSeniorC,  kReferralOfficer, kAdministrator, kAuditor, kCustoms,      kSystem};
  return kPool;
}

bool RowAllows(const Transition& t, const Actor& actor) {
  if (actor.is_system) return t.guard.system;
  return std::find(t.guard.roles.begin(), t.guard.roles.end(), actor.role) != t.guard.roles.end();
}

template <typename T>
const T& Pick(std::mt19937& rng, const std::vector<T>& items) {
  return items[std::uniform_int_distribution<size_t>(0, items.size() - 1)(rng)];
}

bool Chance(std::mt19937& rng, double p) { return std::bernoulli_distribution(p)(rng); }

// A row from `state`, chosen with weights that make exits which undo progress (withdrawing, declining to
// countersign) rarer, so that long paths such as countersigned decisions are reached; nullptr when none.
const Transition* PickRow(std::mt19937& rng, CaseState state) {
  std::vector<const Transition*> rows;
  std::vector<double> weights;
  for (const auto& t : TransitionTable()) {
    if (t.from != state) continue;
    rows.push_back(&t);
    weights.push_back(t.action == A::kWithdraw || t.action == A::kDeclineCountersign ? 0.2 : 1.0);
  }
  if (rows.empty()) return nullptr;
  return rows[std::discrete_distribution<size_t>(weights.begin(), weights.end())(rng)];
}

std::optional<Outcome> RandomOutcome(std::mt19937& rng) {
  switch (std::uniform_int_distribution<int>(0, 3)(rng)) {
    case 0:
      return Outcome::kApproved;
    case 1:
      return Outcome::kRefused;
    case 2:
      return Outcome::kNoLicenceRequired;
    default:
      return std::nullopt;
  }
}

UserId RandomOfficerId(std::mt19937& rng) {
  static const std::vector<UserId> kIds = {UserId(),         kOfficer.user_id, kOtherOfficer.user_id,
                                           kSeniorA.user_id, kSeniorB.user_id, kSeniorC.user_id};
  return Pick(rng, kIds);
}

// The world outside the state machine changes the facts between actions: screening flags, referrals and
// advice, the officer's recommendation, the appeal period running out.
void PerturbFacts(std::mt19937& rng, CaseView& v) {
  if (Chance(rng, v.has_blocking_flags ? 0.2 : 0.03)) v.has_blocking_flags = !v.has_blocking_flags;
  if (Chance(rng, 0.15)) v.referrals_awaiting_advice = std::uniform_int_distribution<int>(0, 3)(rng);
  if (Chance(rng, 0.05)) v.needs_countersign = !v.needs_countersign;
  if (Chance(rng, 0.05)) v.recommendation = RandomOutcome(rng);
  if (Chance(rng, 0.05)) v.appeal_window_open = false;
  if (Chance(rng, 0.10)) {
    v.missing_for_submission.clear();
    if (Chance(rng, 0.3)) v.missing_for_submission.push_back("end_user");
  }
}

CaseView RandomStart(std::mt19937& rng) {
  CaseView v = NewCase();
  v.version = std::uniform_int_distribution<int64_t>(1, 50)(rng);
  if (Chance(rng, 0.5)) {
    v.state = Pick(rng, AllCaseStates());
    v.assigned_officer = RandomOfficerId(rng);
    v.countersigns_done = std::uniform_int_distribution<int>(0, 2)(rng);
    if (v.countersigns_done > 0) v.first_countersigner = RandomOfficerId(rng);
    v.outcome = RandomOutcome(rng);
    v.appeal_window_open = Chance(rng, 0.5);
  }
  v.recommendation = RandomOutcome(rng);
  if (v.state == S::kCountersigning && Chance(rng, 0.7)) {
    v.recommendation = Chance(rng, 0.5) ? Outcome::kApproved : Outcome::kRefused;
  }
  v.has_blocking_flags = Chance(rng, 0.2);
  v.needs_countersign = Chance(rng, 0.4);
  v.referrals_awaiting_advice = std::uniform_int_distribution<int>(0, 2)(rng);
  return v;
}

std::string Describe(const CaseView& v) {
  return std::string(CaseStateName(v.state)) + " v" + std::to_string(v.version) +
         (v.has_blocking_flags ? " flags" : "") +
         " referrals=" + std::to_string(v.referrals_awaiting_advice) +
         (v.needs_countersign ? " needs_countersign" : "") +
         " countersigns=" + std::to_string(v.countersigns_done) +
         " assigned=" + v.assigned_officer.ToString();
}

// Every listed action agrees with Apply at the current version, and no unlisted action succeeds.
void CheckListingAgreesWithApply(const CaseView& v, const Actor& actor) {
  const auto listed = AvailableActions(v, actor);
  for (CaseAction a : AllCaseActions()) {
    auto r = Apply(v, actor, a, v.version);
    auto it =
        std::find_if(listed.begin(), listed.end(), [&](const AvailableAction& x) { return x.action == a; });
    if (it == listed.end()) {
      EXPECT_FALSE(r.ok()) << CaseActionName(a) << " succeeds but is not listed";
      continue;
    }
    if (it->allowed) {
      ASSERT_TRUE(r.ok()) << CaseActionName(a)
                          << " is listed as allowed but fails: " << r.status().ToString();
      EXPECT_EQ(r->to, it->to);
      EXPECT_EQ(r->description, it->description);
    } else {
      ASSERT_FALSE(r.ok()) << CaseActionName(a) << " is listed as blocked but succeeds";
      EXPECT_EQ(r.status().code(), it->blocked_code);
      EXPECT_EQ(r.status().message(), it->blocked_reason);
    }
  }
}

// The steps of one sequence, printed only when it fails.
struct StepLog {
  const Actor* actor;
  CaseAction action;
  int64_t expected_version;
  ErrorCode code;
  CaseState to;
};

class SequenceLog {
 public:
  SequenceLog(uint32_t seed, const CaseView& start) : seed_(seed), start_(Describe(start)) {}
  ~SequenceLog() {
    if (!::testing::Test::HasFailure()) return;
    std::string text = "seed " + std::to_string(seed_) + ", start " + start_;
    for (const auto& s : steps_) {
      text +=
          "\n  " + ActorName(*s.actor) + " " + std::string(CaseActionName(s.action)) + "@" +
          std::to_string(s.expected_version) + " -> " +
          (s.code == ErrorCode::kOk ? std::string(CaseStateName(s.to)) : std::string(ErrorCodeName(s.code)));
    }
    ADD_FAILURE() << text;
  }
  void Add(const StepLog& step) { steps_.push_back(step); }

 private:
  uint32_t seed_;
  std::string start_;
  std::vector<StepLog> steps_;
};

void RunSequence(uint32_t seed, std::map<std::pair<CaseState, CaseAction>, int>& covered, int64_t& steps) {
  std::mt19937 rng(seed);
  CaseView v = RandomStart(rng);
  SequenceLog log(seed, v);
  for (int i = 0; i < kStepsPerSequence; ++i) {
    PerturbFacts(rng, v);
    // Mostly take a row from the current state, by an actor whose role the row names (its condition may
    // still fail), so that sequences go deep; otherwise anyone tries anything.
    const Actor* chosen = &Pick(rng, ActorPool());
    CaseAction action = Pick(rng, AllCaseActions());
    if (Chance(rng, 0.75)) {
      if (const Transition* row = PickRow(rng, v.state)) {
        std::vector<const Actor*> actors;
        for (const Actor& a : ActorPool()) {
          if (RowAllows(*row, a) &&
              (a.is_system || !auth::IsExporterRole(a.role) || a.org_id == v.exporter_org)) {
            actors.push_back(&a);
          }
        }
        chosen = Pick(rng, actors);
        action = row->action;
      }
    }
    const Actor& actor = *chosen;
    const auto listed = AvailableActions(v, actor);
    int64_t expected = v.version;
    if (Chance(rng, 0.08)) expected += Chance(rng, 0.5) ? 1 : -1;

    CheckListingAgreesWithApply(v, actor);
    if (::testing::Test::HasFatalFailure()) return;

    const CaseView before = v;
    auto r = Apply(v, actor, action, expected);
    ++steps;
    log.Add({&actor, action, expected, r.status().code(), r.ok() ? r->to : v.state});
    const bool visible =
        actor.is_system || !auth::IsExporterRole(actor.role) || actor.org_id == v.exporter_org;
    if (!visible) {
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.status().code(), ErrorCode::kNotFound);
      EXPECT_TRUE(listed.empty());
      continue;
    }
    if (expected != v.version) {
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.status().code(), ErrorCode::kConflict);
      continue;
    }
    if (!r.ok()) {
      const ErrorCode code = r.status().code();
      EXPECT_TRUE(code == ErrorCode::kPermissionDenied || code == ErrorCode::kFailedPrecondition)
          << r.status().ToString();
      EXPECT_FALSE(r.status().message().empty());
      EXPECT_EQ(v, before);  // a failed action changes nothing
      continue;
    }
    // A successful change is exactly a row of the table, taken by a role the row names.
    const Transition* row = FindTransition(before.state, action);
    ASSERT_NE(row, nullptr) << "a change that is not in the table";
    EXPECT_EQ(r->from, before.state);
    EXPECT_EQ(r->action, action);
    EXPECT_EQ(r->to, row->to);
    EXPECT_EQ(r->effects, row->effects);
    EXPECT_EQ(r->outcome, row->outcome);
    EXPECT_EQ(r->description, row->description);
    EXPECT_EQ(r->new_version, before.version + 1);
    EXPECT_TRUE(RowAllows(*row, actor)) << ActorName(actor) << " took a row that does not name it";
    if (IsTerminal(before.state) && row->to != before.state) {
      EXPECT_TRUE(action == A::kAppeal || action == A::kClose || action == A::kReopen)
          << "terminal state " << CaseStateName(before.state) << " left by " << CaseActionName(action);
    }
    if (row->to == S::kFinalised) {
      EXPECT_FALSE(before.has_blocking_flags) << "finalised with blocking flags";
    }
    if (before.state == S::kUnderFinalReview && (action == A::kApprove || action == A::kRefuse)) {
      EXPECT_FALSE(before.needs_countersign) << "decided without the countersignatures it needs";
    }
    if (before.state == S::kCountersigning && row->to == S::kFinalised) {
      EXPECT_GE(before.countersigns_done, 2);
    }
    if (action == A::kCountersignSecond) {
      EXPECT_NE(actor.user_id, before.first_countersigner);
    }
    ++covered[{before.state, action}];
    Commit(v, *r, actor);
    if (::testing::Test::HasFailure()) return;
  }
}

TEST(CaseStatePropertyTest, RandomSequencesFollowTheTable) {
  const uint32_t base = BaseSeed();
  std::map<std::pair<CaseState, CaseAction>, int> covered;
  int64_t steps = 0;
  const int sequences = Sequences();
  for (int i = 0; i < sequences; ++i) {
    const uint32_t seed = base + static_cast<uint32_t>(i);
    RunSequence(seed, covered, steps);
    if (HasFailure()) {
      ADD_FAILURE() << "failing sequence seed " << seed << " (base seed " << base
                    << "; rerun with STM_CASE_STATE_SEED=" << seed << ")";
      return;
    }
  }
  // The generator reaches every row, so the checks above cover the whole table.
  int rarest = sequences * kStepsPerSequence;
  for (const auto& t : TransitionTable()) {
    rarest = std::min(rarest, covered[{t.from, t.action}]);
    EXPECT_GT((covered[{t.from, t.action}]), 0)
        << "row never taken: " << CaseStateName(t.from) << " --" << CaseActionName(t.action) << "-->";
  }
  std::printf("[ property ] %d sequences, %lld actions, base seed %u, every row taken at least %d times\n",
              sequences, static_cast<long long>(steps), base, rarest);
}

}  // namespace
}  // namespace licensing
}  // namespace stm
