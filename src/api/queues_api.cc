// Teams, work queues, routing rules and case flags over HTTP: thin adapters from JSON to QueueService.
// Exporters never see routing or flags: the route table keeps them out by permission, and the service refuses
// them too.
#include <fmt/format.h>

#include "api/handlers.h"
#include "api/json_fields.h"
#include "common/text.h"
#include "licensing/queues.h"

namespace stm::api {
namespace {

using Json = nlohmann::json;
namespace lic = licensing;

Result<bool> OptionalBool(const Json& body, const char* field) {
  if (!body.contains(field) || body[field].is_null()) return false;
  if (!body[field].is_boolean())
    return Status::InvalidArgument(fmt::format("field '{}' must be true or false", field));
  return body[field].get<bool>();
}

Result<int64_t> RequireId(const Json& body, const char* field) {
  STM_ASSIGN_OR_RETURN(auto v, OptionalInt(body, field));
  if (!v || *v <= 0)
    return Status::InvalidArgument(fmt::format("field '{}' is required: a positive id", field));
  return *v;
}

template <typename T>
Response Items(const std::vector<T>& items) {
  Json out = Json::array();
  for (const auto& i : items) out.push_back(lic::ToJson(i));
  return Response::Json(200, {{"items", out}});
}

Response Created(const Json& body, const std::string& location) {
  Response r = Response::Json(201, body);
  r.headers.emplace_back("Location", location);
  return r;
}

}  // namespace

Result<Response> ListTeams(const Deps& d, Request&, const Caller&) {
  STM_ASSIGN_OR_RETURN(auto teams, d.queues->ListTeams());
  return Items(teams);
}

Result<Response> CreateTeam(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(Json body, req.JsonBody());
  STM_RETURN_IF_ERROR(OnlyFields(body, {"name", "description"}));
  STM_ASSIGN_OR_RETURN(std::string name, RequireString(body, "name", 200));
  STM_ASSIGN_OR_RETURN(auto description, OptionalString(body, "description", 20000));
  STM_ASSIGN_OR_RETURN(auto team, d.queues->CreateTeam(c.audit, name, description.value_or("")));
  return Created(lic::ToJson(team), fmt::format("/v1/teams/{}", team.id));
}

Result<Response> ChangeTeamMembers(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
  STM_ASSIGN_OR_RETURN(Json body, req.JsonBody());
  STM_RETURN_IF_ERROR(OnlyFields(body, {"user_id", "remove"}));
  STM_ASSIGN_OR_RETURN(int64_t user, RequireId(body, "user_id"));
  STM_ASSIGN_OR_RETURN(bool remove, OptionalBool(body, "remove"));
  auto team = remove ? d.queues->RemoveTeamMember(c.audit, id, UserId(user))
                     : d.queues->AddTeamMember(c.audit, id, UserId(user));
  if (!team.ok()) return team.status();
  return Response::Json(200, lic::ToJson(*team));
}

Result<Response> ListQueues(const Deps& d, Request&, const Caller&) {
  STM_ASSIGN_OR_RETURN(auto queues, d.queues->ListQueues());
  return Items(queues);
}

Result<Response> CreateQueue(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(Json body, req.JsonBody());
  STM_RETURN_IF_ERROR(OnlyFields(body, {"name", "team_id", "is_default", "description"}));
  STM_ASSIGN_OR_RETURN(std::string name, RequireString(body, "name", 200));
  STM_ASSIGN_OR_RETURN(int64_t team, RequireId(body, "team_id"));
  STM_ASSIGN_OR_RETURN(bool is_default, OptionalBool(body, "is_default"));
  STM_ASSIGN_OR_RETURN(auto description, OptionalString(body, "description", 20000));
  STM_ASSIGN_OR_RETURN(auto queue,
                       d.queues->CreateQueue(c.audit, name, team, is_default, description.value_or("")));
  return Created(lic::ToJson(queue), fmt::format("/v1/queues/{}", queue.id));
}

Result<Response> ListRoutingRules(const Deps& d, Request&, const Caller&) {
  STM_ASSIGN_OR_RETURN(auto rules, d.queues->ListRules());
  return Items(rules);
}

Result<Response> CreateRoutingRule(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(Json body, req.JsonBody());
  STM_ASSIGN_OR_RETURN(auto rule, d.queues->CreateRule(c.audit, body));
  return Created(lic::ToJson(rule), fmt::format("/v1/routing-rules/{}", rule.id));
}

Result<Response> GetRoutingRule(const Deps& d, Request& req, const Caller&) {
  STM_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
  STM_ASSIGN_OR_RETURN(auto rule, d.queues->GetRule(id));
  return Response::Json(200, lic::ToJson(rule));
}

// A JSON merge patch of the rule as GET shows it, with the version read: {"version": 3, "enabled": false}.
Result<Response> PatchRoutingRule(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
  STM_ASSIGN_OR_RETURN(Json patch, req.JsonBody());
  if (!patch.is_object()) return Status::InvalidArgument("body must be a JSON object (a merge patch)");
  STM_ASSIGN_OR_RETURN(auto version, OptionalInt(patch, "version"));
  if (!version) return Status::InvalidArgument("field 'version' is required: the version you last read");
  patch.erase("version");
  patch.erase("id");
  STM_ASSIGN_OR_RETURN(auto current, d.queues->GetRule(id));
  Json merged = lic::ToJson(current);
  merged.merge_patch(patch);
  STM_ASSIGN_OR_RETURN(auto rule, d.queues->UpdateRule(c.audit, id, *version, merged));
  return Response::Json(200, lic::ToJson(rule));
}

Result<Response> ListFlagDefinitions(const Deps& d, Request&, const Caller&) {
  STM_ASSIGN_OR_RETURN(auto defs, d.queues->ListFlagDefinitions());
  return Items(defs);
}

Result<Response> CreateFlagDefinition(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(Json body, req.JsonBody());
  STM_ASSIGN_OR_RETURN(auto def, d.queues->DefineFlag(c.audit, body));
  return Created(lic::ToJson(def), fmt::format("/v1/flag-definitions/{}", def.id));
}

Result<Response> ListCaseFlags(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
  STM_ASSIGN_OR_RETURN(auto flags, d.queues->CaseFlags(LicensingActor(c), id));
  return Items(flags);
}

Result<Response> AddCaseFlag(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
  STM_ASSIGN_OR_RETURN(Json body, req.JsonBody());
  STM_RETURN_IF_ERROR(OnlyFields(body, {"code", "subject", "reason"}));
  STM_ASSIGN_OR_RETURN(std::string code, RequireString(body, "code", 64));
  STM_ASSIGN_OR_RETURN(auto subject, OptionalString(body, "subject", 200));
  STM_ASSIGN_OR_RETURN(std::string reason, RequireString(body, "reason", 20000));
  STM_ASSIGN_OR_RETURN(
      auto flag, d.queues->AddFlag(c.audit, LicensingActor(c), id, code, subject.value_or("case"), reason));
  return Created(lic::ToJson(flag), fmt::format("/v1/cases/{}/flags", id));
}

Result<Response> RemoveCaseFlag(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
  STM_ASSIGN_OR_RETURN(int64_t flag_id, PathId(req, "flag_id"));
  STM_ASSIGN_OR_RETURN(Json body, req.JsonBody());
  STM_RETURN_IF_ERROR(OnlyFields(body, {"reason"}));
  STM_ASSIGN_OR_RETURN(std::string reason, RequireString(body, "reason", 20000));
  STM_ASSIGN_OR_RETURN(auto flag, d.queues->RemoveFlag(c.audit, LicensingActor(c), id, flag_id, reason));
  return Response::Json(200, lic::ToJson(flag));
}

Result<Response> GetCaseRouting(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
  STM_ASSIGN_OR_RETURN(auto routing, d.queues->Routing(LicensingActor(c), id));
  return Response::Json(200, lic::ToJson(routing));
}

Result<Response> RouteCase(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
  STM_ASSIGN_OR_RETURN(auto routing, d.queues->Route(c.audit, LicensingActor(c), id));
  return Response::Json(200, lic::ToJson(routing));
}

}  // namespace stm::api
