// Teams, work queues, routing rules and flags on licensing cases, in the store (migration 10; issue
// "Licensing", item 3).
//
// Cases are placed in queues by the routing rules (routing.h): every enabled matching rule places the case in
// its queue, and a case no rule matches goes to the default queue. The placements (`case_queues`, one active
// row per queue) and the full explanation (`case_routing`) are replaced every time the case is routed: when
// it is created (LicensingService calls `RouteInTx`), when a flag is added or removed, and on request
// (`Route`).
//
// Flags mark a case, one of its goods lines, parties or destinations (e.g. an unresolved screening hit). A
// flag definition says whether it blocks finalising (the case's `has_blocking_flags`, which the approve guard
// reads) and which roles may remove it.
//
// Thread-safe: every state lives in the store; each operation is one transaction with its audit event.
// Routing and flags are internal to the licensing authority: exporter roles get kPermissionDenied.
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
#include "common/ids.h"
#include "common/status.h"
#include "licensing/case_state.h"
#include "licensing/licensing_service.h"
#include "licensing/routing.h"
#include "store/db.h"

namespace stm::licensing {

struct QueueOptions {
  // The regime ids of a control code (from the catalogue); null: no regimes (rules on regimes never match).
  std::function<std::vector<std::string>(std::string_view control_code)> regimes_of;
};

struct Team {
  int64_t id = 0;
  std::string name;
  std::string description;
  std::vector<int64_t> members;  // user ids, ascending
  TimePoint created_at;
};
nlohmann::json ToJson(const Team& t);  // {"id","name","description","members","created_at"}

struct Queue {
  int64_t id = 0;
  std::string name;
  int64_t team_id = 0;
  bool is_default = false;
  std::string description;
  int64_t open_cases = 0;  // active placements of cases not finalised, withdrawn or closed
  TimePoint created_at;
};
nlohmann::json ToJson(const Queue& q);  // {"id","name","team_id","is_default","description","open_cases",...}

// JSON names: "case", "good", "party", "destination".
enum class FlagLevel { kCase, kGood, kParty, kDestination };
std::string_view FlagLevelName(FlagLevel level);
std::optional<FlagLevel> ParseFlagLevel(std::string_view name);

struct FlagDefinition {
  int64_t id = 0;
  std::string code;  // a-z, 0-9, _ (e.g. "screening_hit")
  std::string name;
  FlagLevel level = FlagLevel::kCase;
  bool blocks_finalising = false;
  std::vector<std::string> removable_by;  // role names that may remove the flag (at least one)
  std::string description;
  std::string source;  // where the definition comes from / why it exists
  TimePoint created_at;
};
// Parses {"code","name","level","blocks_finalising"?,"removable_by":[role...],"description"?,"source"?};
// kInvalidArgument naming the field ("removable_by[1]: unknown role 'boss'").
Result<FlagDefinition> FlagDefinitionFromJson(const nlohmann::json& j);
nlohmann::json ToJson(const FlagDefinition& f);

struct CaseFlag {
  int64_t id = 0;
  int64_t case_id = 0;
  std::string code;
  FlagLevel level = FlagLevel::kCase;
  bool blocks_finalising = false;
  std::vector<std::string> removable_by;
  std::string subject;  // "case", "goods[1]", "parties[0]", "destination:IR"
  std::string reason;
  bool active = true;
  std::string added_by;  // actor name (ActorName)
  TimePoint added_at;
  std::optional<std::string> removed_by;
  std::optional<TimePoint> removed_at;
  std::optional<std::string> removal_reason;
};
nlohmann::json ToJson(const CaseFlag& f);

struct CasePlacement {
  int64_t queue_id = 0;
  std::string queue_name;
  std::optional<int64_t> rule_id;  // nullopt: the default queue
  std::string explanation;
  TimePoint routed_at;
};

struct CaseRouting {
  int64_t case_id = 0;
  std::vector<CasePlacement> placements;  // the active ones
  nlohmann::json decision;                // ToJson(RoutingDecision) of the last routing; null if never routed
  std::optional<TimePoint> routed_at;
};
nlohmann::json ToJson(const CaseRouting& r);  // {"case_id","placements":[...],"decision","routed_at"}

struct SeedReport {
  int teams = 0, queues = 0, rules = 0, flag_definitions = 0;  // rows inserted (0 when already there)
};

class QueueService final : public CaseRouter {
 public:
  QueueService(store::Database& db, const Clock& clock, QueueOptions options = {});

  // Used to check that an actor may see a case (LicensingService::GetCase); null: any existing case is
  // visible to non-exporters. Set once before serving; must outlive the service.
  void SetLicensing(LicensingService* licensing) { licensing_ = licensing; }

  // ---- teams and queues (administration; the API checks manage_routing) ----

  // kInvalidArgument for an empty or over-long name, kAlreadyExists for a taken one. Audited "team.create".
  Result<Team> CreateTeam(const audit::Context& ctx, const std::string& name, const std::string& description);
  Result<std::vector<Team>> ListTeams();
  // kNotFound for an unknown team or user; adding an existing member is a no-op. Audited
  // "team.member.add" / "team.member.remove" (kNotFound when not a member).
  Result<Team> AddTeamMember(const audit::Context& ctx, int64_t team_id, UserId user);
  Result<Team> RemoveTeamMember(const audit::Context& ctx, int64_t team_id, UserId user);
  // `team` by id; at most one queue is the default (kAlreadyExists naming the current default). Audited
  // "queue.create".
  Result<Queue> CreateQueue(const audit::Context& ctx, const std::string& name, int64_t team_id,
                            bool is_default, const std::string& description);
  // With counts of open cases.
  Result<std::vector<Queue>> ListQueues();
  // The ids of the cases placed in the queue now (active placements), ascending; kNotFound for no such queue.
  Result<std::vector<int64_t>> CasesInQueue(int64_t queue_id);

  // ---- routing rules ----

  // RoutingRuleFromJson, then: the queue must exist, every flag code in match.flags must be defined, the name
  // unused (kAlreadyExists). Audited "routing_rule.create". Existing cases are not re-routed.
  Result<RoutingRule> CreateRule(const audit::Context& ctx, const nlohmann::json& body);
  // Replaces the rule with `body` (the same validation) when `expected_version` is current (kConflict naming
  // both otherwise); +1 version. Audited "routing_rule.update" with the old and new rule.
  Result<RoutingRule> UpdateRule(const audit::Context& ctx, int64_t id, int64_t expected_version,
                                 const nlohmann::json& body);
  // Audited "routing_rule.enable" / "routing_rule.disable"; +1 version.
  Result<RoutingRule> SetRuleEnabled(const audit::Context& ctx, int64_t id, bool enabled);
  Result<std::vector<RoutingRule>> ListRules();  // by priority, then id
  Result<RoutingRule> GetRule(int64_t id);

  // ---- flag definitions ----

  // FlagDefinitionFromJson; kAlreadyExists for a taken code. Audited "flag_definition.create".
  Result<FlagDefinition> DefineFlag(const audit::Context& ctx, const nlohmann::json& body);
  Result<std::vector<FlagDefinition>> ListFlagDefinitions();

  // ---- cases ----

  // CaseRouter: routes `case_id` inside the caller's write transaction (see the class comment).
  Status RouteInTx(store::Tx& tx, const audit::Context& ctx, int64_t case_id) override;
  // Re-routes the case now (officers). kPermissionDenied for exporter roles, kNotFound when the actor may not
  // see the case.
  Result<CaseRouting> Route(const audit::Context& ctx, const Actor& actor, int64_t case_id);
  // The active placements and the last routing's explanation of every rule.
  Result<CaseRouting> Routing(const Actor& actor, int64_t case_id);
  // Every flag of the case, active ones first, then removed ones (newest first).
  Result<std::vector<CaseFlag>> CaseFlags(const Actor& actor, int64_t case_id);
  // Adds a flag of a defined `code`. `subject`: "case" (empty means "case"), "goods[N]", "parties[N]" or
  // "destination:CC" — it must fit the definition's level and the case's application (an existing line or
  // party, one of the case's destinations); `reason` is required.
  // kAlreadyExists when the same flag is active on the same subject. Then recomputes has_blocking_flags
  // (without changing the case version) and re-routes the case. Audited "case.flag.add".
  Result<CaseFlag> AddFlag(const audit::Context& ctx, const Actor& actor, int64_t case_id,
                           const std::string& code, const std::string& subject, const std::string& reason);
  // Removes an active flag with a reason. kPermissionDenied naming the roles that may, when the actor's role
  // is not in the definition's removable_by; kFailedPrecondition when already removed. Recomputes and
  // re-routes like AddFlag. Audited "case.flag.remove".
  Result<CaseFlag> RemoveFlag(const audit::Context& ctx, const Actor& actor, int64_t case_id, int64_t flag_id,
                              const std::string& reason);

  // ---- the system's flags, inside another service's transaction (e.g. policy/denials.h) ----

  // AddFlag by the system inside `tx` (a write transaction): the same validation, blocking recomputation,
  // re-routing and audit event ("case.flag.add", added_by "system"), without the access check.
  Result<CaseFlag> AddSystemFlagInTx(store::Tx& tx, const audit::Context& ctx, int64_t case_id,
                                     const std::string& code, const std::string& subject,
                                     const std::string& reason);
  // RemoveFlag by the system inside `tx`: the system may remove any flag, whatever its removable_by (a flag
  // with an empty removable_by is removed only this way). kNotFound for no such flag, kFailedPrecondition
  // when already removed. Audited "case.flag.remove".
  Status RemoveSystemFlagInTx(store::Tx& tx, const audit::Context& ctx, int64_t flag_id,
                              const std::string& reason);
  // Defines the flag when no definition has its code (audited "flag_definition.create"); an existing
  // definition is left as it is. Like FlagDefinitionFromJson, except that removable_by may be empty: only the
  // system removes such a flag.
  Status EnsureFlagDefinitionInTx(store::Tx& tx, const audit::Context& ctx, const nlohmann::json& definition);

  // ---- seed data ----

  // Loads data/routing.json: {"teams": [{"name","description"}], "queues": [{"name","team","is_default",
  // "description"}], "flag_definitions": [FlagDefinition JSON], "rules": [rule JSON with "queue": name
  // instead of queue_id]}. Inserted only when teams, queues, rules and flag definitions are all empty
  // (idempotent; an administrator's own set-up is never mixed with it), in one transaction, audited like the
  // single operations. kInvalidArgument naming the file and entry for bad data; kNotFound for a missing file.
  Result<SeedReport> SeedFromFile(const audit::Context& ctx, const std::string& path);

 private:
  // Kept separate so CreateRule/UpdateRule and SeedFromFile share them inside one transaction.
  Result<Team> InsertTeam(store::Tx& tx, const audit::Context& ctx, const std::string& name,
                          const std::string& description);
  Result<Queue> InsertQueue(store::Tx& tx, const audit::Context& ctx, const std::string& name,
                            int64_t team_id, bool is_default, const std::string& description);
  Result<RoutingRule> InsertRule(store::Tx& tx, const audit::Context& ctx, const nlohmann::json& body);
  Result<FlagDefinition> InsertFlagDefinition(store::Tx& tx, const audit::Context& ctx,
                                              const nlohmann::json& body);
  Result<FlagDefinition> StoreFlagDefinition(store::Tx& tx, const audit::Context& ctx, FlagDefinition f);
  // The shared bodies of AddFlag/AddSystemFlagInTx and RemoveFlag/RemoveSystemFlagInTx. `case_id` for a
  // removal: the case the flag must belong to (nullopt: any); `check_roles`: enforce removable_by.
  Result<CaseFlag> AddFlagInTx(store::Tx& tx, const audit::Context& ctx, const Actor& actor, int64_t case_id,
                               const std::string& code, const std::string& subject,
                               const std::string& reason);
  Result<CaseFlag> RemoveFlagInTx(store::Tx& tx, const audit::Context& ctx, const Actor& actor,
                                  std::optional<int64_t> case_id, int64_t flag_id, const std::string& reason,
                                  bool check_roles);
  Status CheckRuleReferences(store::Tx& tx, const RoutingRule& rule);
  Result<Team> LoadTeam(store::Tx& tx, int64_t id);
  Result<RoutingRule> LoadRule(store::Tx& tx, int64_t id);
  Result<std::vector<RoutingRule>> LoadRules(store::Tx& tx);
  Result<std::optional<FlagDefinition>> FindFlagDefinition(store::Tx& tx, const std::string& code);
  Result<std::vector<CaseFlag>> LoadCaseFlags(store::Tx& tx, int64_t case_id);
  Result<CaseRouting> LoadRouting(store::Tx& tx, int64_t case_id);
  // kPermissionDenied for exporters; kNotFound when the case does not exist or the actor may not see it.
  Status CheckCaseAccess(const Actor& actor, int64_t case_id);
  // has_blocking_flags := risk.blocking OR any active blocking flag (the case version is unchanged).
  Status RecomputeBlocking(store::Tx& tx, int64_t case_id);

  store::Database& db_;
  const Clock& clock_;
  QueueOptions options_;
  LicensingService* licensing_ = nullptr;
};

}  // namespace stm::licensing
