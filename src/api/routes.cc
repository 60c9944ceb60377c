#include "api/routes.h"

#include <fmt/format.h>

#include "api/denials_api.h"
#include "api/handlers.h"
#include "api/json_fields.h"
#include "audit/audit.h"
#include "common/text.h"

namespace stm::api {

Result<int64_t> PathId(const Request& req, const char* name) {
  std::string text = req.PathParam(name);
  auto v = ParseInt64(text);
  if (!v || *v <= 0) return Status::NotFound(fmt::format("no resource with id '{}'", text));
  return *v;
}

namespace {

using auth::Permission;
using http::Method;
using http::Request;
using http::Response;
using Json = nlohmann::json;

using Fn = Result<Response> (*)(const Deps&, Request&, const Caller&);

struct Route {
  Method method;
  const char* pattern;
  std::optional<Permission> permission;  // nullopt: public (no authentication)
  const char* summary;
  Fn fn;
};

// ---- helpers -------------------------------------------------------------------------------------------

// Exporter-side callers see only their own organisation; others' records do not exist for them.
bool Visible(const Caller& c, std::optional<OrgId> owner) {
  if (!c.who().ConfinedToOrg()) return true;
  return owner && c.who().org && *owner == *c.who().org;
}

// ---- handlers ------------------------------------------------------------------------------------------

Result<Response> Healthz(const Deps&, Request&, const Caller&) {
  return Response::Json(200, {{"status", "ok"}});
}

Result<Response> Readyz(const Deps& d, Request&, const Caller&) {
  if (d.ready && !d.ready()) return Status::Unavailable("server is not ready (starting or shutting down)");
  STM_ASSIGN_OR_RETURN(auto tx, d.db->Begin(store::TxMode::kRead));
  STM_RETURN_IF_ERROR(tx->QueryOne("SELECT 1").status().WithContext("database check"));
  return Response::Json(200, {{"status", "ready"}});
}

Result<Response> Login(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(Json body, req.JsonBody());
  STM_RETURN_IF_ERROR(OnlyFields(body, {"username", "password"}));
  STM_ASSIGN_OR_RETURN(std::string username, RequireString(body, "username", 64));
  STM_ASSIGN_OR_RETURN(std::string password, RequireString(body, "password", 1024));
  auto result = d.auth->Login(c.audit, username, password);
  if (!result.ok()) {
    if (result.status().code() == ErrorCode::kTooManyRequests) {
      Response r = http::Problem(result.status(), req.request_id);
      auto wait = d.auth->LockoutSecondsLeft(username);
      r.headers.emplace_back("Retry-After", std::to_string(wait.ok() ? std::max<int64_t>(*wait, 1) : 1));
      return r;
    }
    return result.status();
  }
  return Response::Json(200, {{"token", result->token},
                              {"token_type", "Bearer"},
                              {"expires_at", FormatTime(result->expires_at)},
                              {"user", auth::ToJson(result->user)}});
}

Result<Response> Logout(const Deps& d, Request& req, const Caller& c) {
  if (c.who().via != "token") return Status::InvalidArgument("logout applies to bearer tokens, not API keys");
  std::string_view header = req.Header("authorization").value_or("");
  STM_RETURN_IF_ERROR(d.auth->Logout(c.audit, std::string(header.substr(7))));
  return Response::NoContent();
}

Result<Response> Me(const Deps&, Request&, const Caller& c) {
  const auto& p = c.who();
  Json perms = Json::array();
  for (auto perm : auth::AllPermissions()) {
    if (perm != Permission::kAuthenticated && p.Can(perm)) perms.push_back(auth::PermissionName(perm));
  }
  Json org = p.organisation ? auth::ToJson(*p.organisation) : Json(nullptr);
  return Response::Json(200, {{"id", p.user_id.value()},
                              {"username", p.username},
                              {"role", auth::RoleName(p.role)},
                              {"organisation", org},
                              {"authenticated_via", p.via},
                              {"permissions", perms}});
}

Result<Response> CreateOrganisation(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(Json body, req.JsonBody());
  STM_RETURN_IF_ERROR(OnlyFields(body, {"name", "kind", "country"}));
  STM_ASSIGN_OR_RETURN(std::string name, RequireString(body, "name", 200));
  STM_ASSIGN_OR_RETURN(std::string kind_text, RequireString(body, "kind", 64));
  STM_ASSIGN_OR_RETURN(auto country, OptionalString(body, "country", 2));
  auto kind = auth::ParseOrgKind(kind_text);
  if (!kind) {
    return Status::InvalidArgument(
        fmt::format("field 'kind' must be one of exporter, broker, licensing_authority, referral_agency, "
                    "customs; got '{}'",
                    kind_text));
  }
  STM_ASSIGN_OR_RETURN(auto org, d.auth->CreateOrganisation(c.audit, name, *kind, country.value_or("")));
  Response r = Response::Json(201, auth::ToJson(org));
  r.headers.emplace_back("Location", fmt::format("/v1/organisations/{}", org.id.value()));
  return r;
}

Result<Response> ListOrganisations(const Deps& d, Request&, const Caller& c) {
  STM_ASSIGN_OR_RETURN(auto orgs, d.auth->ListOrganisations());
  Json items = Json::array();
  for (const auto& o : orgs) {
    if (Visible(c, o.id)) items.push_back(auth::ToJson(o));
  }
  return Response::Json(200, {{"items", items}});
}

Result<Response> GetOrganisation(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
  auto org = d.auth->GetOrganisation(OrgId(id));
  if (!org.ok() || !Visible(c, OrgId(id))) {
    if (!org.ok() && org.status().code() != ErrorCode::kNotFound) return org.status();
    return Status::NotFound(fmt::format("organisation {} not found", id));
  }
  return Response::Json(200, auth::ToJson(*org));
}

Result<Response> CreateUser(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(Json body, req.JsonBody());
  STM_RETURN_IF_ERROR(OnlyFields(body, {"username", "display_name", "role", "org_id", "password"}));
  auth::NewUser nu;
  STM_ASSIGN_OR_RETURN(nu.username, RequireString(body, "username", 64));
  STM_ASSIGN_OR_RETURN(auto display, OptionalString(body, "display_name", 200));
  nu.display_name = display.value_or("");
  STM_ASSIGN_OR_RETURN(std::string role_text, RequireString(body, "role", 64));
  auto role = auth::ParseRole(role_text);
  if (!role) {
    std::string names;
    for (const auto& n : auth::AllRoleNames()) names += (names.empty() ? "" : ", ") + n;
    return Status::InvalidArgument(fmt::format("field 'role' must be one of {}; got '{}'", names, role_text));
  }
  nu.role = *role;
  STM_ASSIGN_OR_RETURN(auto org_id, OptionalInt(body, "org_id"));
  if (org_id) nu.org = OrgId(*org_id);
  STM_ASSIGN_OR_RETURN(nu.password, RequireString(body, "password", 1024));
  const auto& p = c.who();
  if (p.ConfinedToOrg()) {
    // Exporter administrators manage their own organisation's exporter users only.
    if (!auth::IsExporterRole(nu.role)) {
      return Status::PermissionDenied(
          "exporter administrators may create only exporter_admin or exporter_user");
    }
    if (nu.org && (!p.org || *nu.org != *p.org)) {
      return Status::PermissionDenied(
          "exporter administrators may create users only in their own organisation");
    }
    nu.org = p.org;
  }
  STM_ASSIGN_OR_RETURN(auto user, d.auth->CreateUser(c.audit, nu));
  Response r = Response::Json(201, auth::ToJson(user));
  r.headers.emplace_back("Location", fmt::format("/v1/users/{}", user.id.value()));
  return r;
}

Result<Response> ListUsers(const Deps& d, Request& req, const Caller& c) {
  std::optional<OrgId> org;
  if (auto q = req.QueryParam("org_id")) {
    auto v = ParseInt64(*q);
    if (!v) return Status::InvalidArgument("query parameter 'org_id' must be an integer");
    org = OrgId(*v);
  }
  if (c.who().ConfinedToOrg()) {
    if (org && (!c.who().org || *org != *c.who().org)) return Response::Json(200, {{"items", Json::array()}});
    org = c.who().org;
  }
  STM_ASSIGN_OR_RETURN(auto users, d.auth->ListUsers(org));
  Json items = Json::array();
  for (const auto& u : users) items.push_back(auth::ToJson(u));
  return Response::Json(200, {{"items", items}});
}

Result<Response> GetUser(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
  auto user = d.auth->GetUser(UserId(id));
  if (!user.ok() || !Visible(c, user->org)) {
    if (!user.ok() && user.status().code() != ErrorCode::kNotFound) return user.status();
    return Status::NotFound(fmt::format("user {} not found", id));
  }
  return Response::Json(200, auth::ToJson(*user));
}

Result<Response> CreateApiKey(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(Json body, req.JsonBody());
  STM_RETURN_IF_ERROR(OnlyFields(body, {"name", "user_id"}));
  STM_ASSIGN_OR_RETURN(std::string name, RequireString(body, "name", 100));
  STM_ASSIGN_OR_RETURN(auto user_id, OptionalInt(body, "user_id"));
  if (!user_id) return Status::InvalidArgument("field 'user_id' is required (the account the key acts as)");
  auto key = d.auth->CreateApiKey(c.audit, UserId(*user_id), name);
  if (!key.ok() && key.status().code() == ErrorCode::kNotFound) {
    return Status::InvalidArgument(fmt::format("user {} does not exist", *user_id));
  }
  if (!key.ok()) return key.status();
  return Response::Json(
      201, {{"id", key->id.value()}, {"key", key->key}, {"prefix", key->prefix}, {"name", name}});
}

Result<Response> RevokeApiKey(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
  STM_RETURN_IF_ERROR(d.auth->RevokeApiKey(c.audit, ApiKeyId(id)));
  return Response::NoContent();
}

Result<Response> ReadAudit(const Deps& d, Request& req, const Caller&) {
  audit::QueryOptions q;
  q.target = req.QueryParam("target");
  if (auto v = req.QueryParam("after")) {
    auto after = ParseInt64(*v);
    if (!after || *after < 0)
      return Status::InvalidArgument("query parameter 'after' must be a non-negative integer");
    q.after_seq = *after;
  }
  if (auto v = req.QueryParam("limit")) {
    auto limit = ParseInt64(*v);
    if (!limit || *limit < 1 || *limit > 1000) {
      return Status::InvalidArgument("query parameter 'limit' must be an integer between 1 and 1000");
    }
    q.limit = static_cast<int>(*limit);
  }
  STM_ASSIGN_OR_RETURN(auto events, audit::Query(*d.db, q));
  Json items = Json::array();
  for (const auto& e : events) items.push_back(audit::ToJson(e));
  Json out = {{"items", items}};
  if (static_cast<int>(events.size()) == q.limit) out["next_after"] = events.back().seq;
  return Response::Json(200, out);
}

Result<Response> OpenApi(const Deps&, Request&, const Caller&);

// ---- the route table -------------------------------------------------------------------------------------

const std::vector<Route>& Routes() {
  static const std::vector<Route> kRoutes = {
      {Method::kGet, "/healthz", std::nullopt, "Liveness: the process serves requests", &Healthz},
      {Method::kGet, "/readyz", std::nullopt,
       "Readiness: the database answers and the server is not stopping", &Readyz},
      {Method::kPost, "/v1/auth/login", std::nullopt, "Exchange username and password for a bearer token",
       &Login},
      {Method::kPost, "/v1/auth/logout", Permission::kAuthenticated, "Revoke the caller's bearer token",
       &Logout},
      {Method::kGet, "/v1/me", Permission::kAuthenticated, "The caller, its organisation and permissions",
       &Me},
      {Method::kPost, "/v1/organisations", Permission::kManageOrganisations,
       "Create an organisation or agency", &CreateOrganisation},
      {Method::kGet, "/v1/organisations", Permission::kViewOrganisations,
       "List organisations visible to the caller", &ListOrganisations},
      {Method::kGet, "/v1/organisations/{id}", Permission::kViewOrganisations, "One organisation",
       &GetOrganisation},
      {Method::kPost, "/v1/users", Permission::kManageUsers, "Create a user", &CreateUser},
      {Method::kGet, "/v1/users", Permission::kViewUsers, "List users visible to the caller", &ListUsers},
      {Method::kGet, "/v1/users/{id}", Permission::kViewUsers, "One user", &GetUser},
      {Method::kPost, "/v1/api-keys", Permission::kManageApiKeys, "Issue an API key for a system account",
       &CreateApiKey},
      {Method::kPost, "/v1/api-keys/{id}/revoke", Permission::kManageApiKeys, "Revoke an API key",
       &RevokeApiKey},
      {Method::kGet, "/v1/audit", Permission::kReadAudit, "Audit events, optionally for one target",
       &ReadAudit},
      {Method::kGet, "/v1/openapi.json", std::nullopt, "This API's OpenAPI description", &OpenApi},
      {Method::kPost, "/v1/screen", Permission::kScreen,
       "Screen parties against the restricted-party lists (optionally keep them monitored)", &Screen},
      {Method::kGet, "/v1/lists", Permission::kViewLists,
       "List versions with counts, deltas and import reports", &ListLists},
      {Method::kPost, "/v1/lists/{list}/import", Permission::kImportLists,
       "Import a new version of a list from a file in the data directory", &ImportList},
      {Method::kGet, "/v1/screening/alerts", Permission::kViewAlerts, "Screening alerts on monitored parties",
       &ListAlerts},
      {Method::kPost, "/v1/screening/alerts/{id}/decision", Permission::kDecideAlerts,
       "Record an alert as true match or false positive, with a reason", &DecideAlert},
      {Method::kPost, "/v1/classify", Permission::kClassify,
       "Classify an item: ranked candidate control entries with verdicts and explanations", &ClassifyItem},
      {Method::kGet, "/v1/controls", Permission::kViewControls,
       "Search the control-list catalogue (q), or list its entries (paged)", &SearchControls},
      {Method::kGet, "/v1/controls/versions", Permission::kViewControls, "Stored control-list versions",
       &ListControlVersions},
      {Method::kGet, "/v1/controls/diff", Permission::kViewControls,
       "What changed between two stored versions of a control list", &DiffControls},
      {Method::kPost, "/v1/controls/import", Permission::kImportControls,
       "Store the default control-list versions from the data directory when not stored yet",
       &ImportControls},
      {Method::kGet, "/v1/controls/{code}", Permission::kViewControls,
       "One control entry with its notes, tree, correlations and transcribed criteria", &GetControl},
      {Method::kGet, "/v1/chemicals/{cas}", Permission::kViewControls, "A controlled chemical by CAS number",
       &GetChemical},
      {Method::kPost, "/v1/classification-requests", Permission::kRequestRuling,
       "Ask for an official classification ruling on an item", &CreateClassificationRequest},
      {Method::kGet, "/v1/classification-requests", Permission::kViewRulings,
       "Classification requests visible to the caller", &ListClassificationRequests},
      {Method::kGet, "/v1/classification-requests/{id}", Permission::kViewRulings,
       "One classification request with its ruling", &GetClassificationRequest},
      {Method::kPost, "/v1/classification-requests/{id}/ruling", Permission::kRuleClassification,
       "Give the official ruling on a classification request", &RuleClassificationRequest},
      {Method::kPost, "/v1/applications", Permission::kApply, "Create a draft licence application",
       &CreateApplication},
      {Method::kGet, "/v1/applications", Permission::kViewCases, "Licence applications visible to the caller",
       &ListApplications},
      {Method::kGet, "/v1/applications/{id}", Permission::kViewCases, "One licence application",
       &GetApplication},
      {Method::kPatch, "/v1/applications/{id}", Permission::kApply,
       "Change a draft application (JSON merge patch with the version read)", &PatchApplication},
      {Method::kPost, "/v1/applications/{id}/goods", Permission::kApply, "Add a goods line to a draft",
       &AddApplicationGoods},
      {Method::kPost, "/v1/applications/{id}/parties", Permission::kApply, "Add a party to a draft",
       &AddApplicationParty},
      {Method::kPost, "/v1/applications/{id}/documents", Permission::kApply,
       "Upload a supporting document (raw body, Content-Type, ?kind=)", &UploadApplicationDocument},
      {Method::kGet, "/v1/applications/{id}/documents/{doc}", Permission::kViewCases,
       "The bytes of an uploaded document", &GetApplicationDocument},
      {Method::kPost, "/v1/applications/{id}/submit", Permission::kApply,
       "Submit a draft: every field error at once (422), or the new case", &SubmitApplication},
      {Method::kGet, "/v1/cases", Permission::kViewCases, "Licensing cases visible to the caller (paged)",
       &ListCases},
      {Method::kGet, "/v1/cases/{id}", Permission::kViewCases,
       "One case with its application, SLA report and the caller's transitions", &GetCase},
      {Method::kGet, "/v1/cases/{id}/transitions", Permission::kViewCases,
       "The actions the caller may take on the case now, and the blocked ones with reasons",
       &GetCaseTransitions},
      {Method::kPost, "/v1/cases/{id}/actions/{action}", Permission::kActOnCases,
       "Take a case action through the state machine (with the version read)", &TakeCaseAction},
      {Method::kGet, "/v1/cases/{id}/history", Permission::kViewCases,
       "The audit events of the case and its application", &GetCaseHistory},
      {Method::kPost, "/v1/cases/{id}/referrals", Permission::kActOnCases,
       "Refer the case to advisory agencies (the refer action; one referral per agency)", &CreateReferrals},
      {Method::kGet, "/v1/cases/{id}/referrals", Permission::kViewCases,
       "The case's referrals and the consolidated advice", &ListCaseReferrals},
      {Method::kPost, "/v1/referrals/{id}/advice", Permission::kViewCases,
       "A referral officer of the agency gives its advice; the last one moves the case on",
       &GiveReferralAdvice},
      {Method::kPost, "/v1/cases/{id}/recommendation", Permission::kActOnCases,
       "Record the officer's recommendation and whether it needs countersigning", &SetCaseRecommendation},
      {Method::kPost, "/v1/cases/{id}/decision", Permission::kActOnCases,
       "Approve (issuing the licence), refuse or find no licence required", &DecideCase},
      {Method::kGet, "/v1/licences/{n1}/{n2}/{n3}/{n4}", Permission::kViewCases,
       "One licence by its number (STM/SIEL/2026/000001)", &GetLicence},
      {Method::kGet, "/v1/licences/{n1}/{n2}/{n3}/{n4}/{n5}", Permission::kViewCases,
       "One amended licence by its number (STM/SIEL/2026/000001/A1)", &GetLicence},
      {Method::kPost, "/v1/licences/{n1}/{n2}/{n3}/{n4}/actions/{action}", Permission::kActOnCases,
       "Suspend, reinstate, revoke (officers) or surrender (the exporter) a licence", &TakeLicenceAction},
      {Method::kPost, "/v1/licences/{n1}/{n2}/{n3}/{n4}/{n5}/actions/{action}", Permission::kActOnCases,
       "Suspend, reinstate, revoke or surrender an amended licence", &TakeLicenceAction},
      {Method::kGet, "/v1/countries", Permission::kAuthenticated,
       "Countries (ISO 3166) with their regime groups and sanctions regimes", &ListCountries},
      {Method::kGet, "/v1/countries/{code}", Permission::kAuthenticated,
       "One country: its groups (with sources) and the measures that apply to it", &GetCountry},
      {Method::kGet, "/v1/sanctions-regimes", Permission::kAuthenticated,
       "UN Security Council and national sanctions regimes as structured measures", &ListSanctionsRegimes},
      {Method::kPost, "/v1/determine", Permission::kClassify,
       "Licence determination: items x destination x end use -> licence, policy and reasons",
       &DetermineLicence},
      {Method::kGet, "/v1/denials", Permission::kViewQueues,
       "Regime denial notifications (?direction=inbound|outbound&status=&include_expired=)", &ListDenials},
      {Method::kPost, "/v1/denials", Permission::kFlagCases, "Record an inbound denial notification",
       &RecordDenial},
      {Method::kGet, "/v1/denials/{id}", Permission::kViewQueues, "One denial notification", &GetDenial},
      {Method::kPost, "/v1/denials/{id}/revoke", Permission::kFlagCases, "Revoke a denial ({\"reason\"})",
       &RevokeDenial},
      {Method::kPost, "/v1/denials/{id}/issue", Permission::kFlagCases,
       "Issue a draft outbound denial ({\"version\"}; senior officers)", &IssueDenial},
      {Method::kGet, "/v1/consultations", Permission::kViewQueues,
       "No-undercut consultations (?status=open|closed&case_id=)", &ListConsultations},
      {Method::kGet, "/v1/consultations/{id}", Permission::kViewQueues, "One consultation", &GetConsultation},
      {Method::kPost, "/v1/consultations/{id}/outcome", Permission::kFlagCases,
       "Record a consultation's outcome; clears its block on finalising", &RecordConsultationOutcome},
      {Method::kGet, "/v1/licences", Permission::kViewCases,
       "Licences visible to the caller (?status=, ?case_id=), newest first", &ListLicences},
      {Method::kPost, "/v1/licences/{n1}/{n2}/{n3}/{n4}/amend", Permission::kActOnCases,
       "Amend a licence: a new version (/A1) supersedes it", &AmendLicence},
      {Method::kPost, "/v1/licences/{n1}/{n2}/{n3}/{n4}/{n5}/amend", Permission::kActOnCases,
       "Amend an amended licence (/A2 supersedes /A1)", &AmendLicence},
      {Method::kPost, "/v1/licences/{n1}/{n2}/{n3}/{n4}/usage", Permission::kRecordLicenceUsage,
       "Record a shipment against a licence (exhausts it when used up)", &RecordLicenceUsage},
      {Method::kPost, "/v1/licences/{n1}/{n2}/{n3}/{n4}/{n5}/usage", Permission::kRecordLicenceUsage,
       "Record a shipment against an amended licence", &RecordLicenceUsage},
      {Method::kGet, "/v1/cases/{id}/risk", Permission::kViewCases,
       "The case's risk assessment: every party's screening, determination, denials, flags (officers)",
       &GetCaseRisk},
      {Method::kGet, "/v1/cases/{id}/letters", Permission::kViewCases,
       "Letters generated for the case (approval, refusal, query, ...)", &ListCaseLetters},
      {Method::kGet, "/v1/cases/{id}/letters/{letter_id}", Permission::kViewCases,
       "One letter (JSON, or text/plain with Accept: text/plain)", &GetCaseLetter},
      {Method::kGet, "/v1/teams", Permission::kViewQueues, "Teams of licensing staff with their members",
       &ListTeams},
      {Method::kPost, "/v1/teams", Permission::kManageRouting, "Create a team", &CreateTeam},
      {Method::kPost, "/v1/teams/{id}/members", Permission::kManageRouting,
       "Add (or, with \"remove\": true, remove) a member user of a team", &ChangeTeamMembers},
      {Method::kGet, "/v1/queues", Permission::kViewQueues, "Work queues with their counts of open cases",
       &ListQueues},
      {Method::kPost, "/v1/queues", Permission::kManageRouting, "Create a work queue (at most one default)",
       &CreateQueue},
      {Method::kGet, "/v1/routing-rules", Permission::kViewQueues, "Routing rules by priority",
       &ListRoutingRules},
      {Method::kPost, "/v1/routing-rules", Permission::kManageRouting,
       "Create a routing rule (match on case type, destination, control code, regime, flags, value)",
       &CreateRoutingRule},
      {Method::kGet, "/v1/routing-rules/{id}", Permission::kViewQueues, "One routing rule", &GetRoutingRule},
      {Method::kPatch, "/v1/routing-rules/{id}", Permission::kManageRouting,
       "Change a routing rule (JSON merge patch with the version read; enable/disable)", &PatchRoutingRule},
      {Method::kGet, "/v1/flag-definitions", Permission::kViewQueues,
       "Flag definitions: level, whether they block finalising, who may remove them", &ListFlagDefinitions},
      {Method::kPost, "/v1/flag-definitions", Permission::kManageRouting, "Define a flag",
       &CreateFlagDefinition},
      {Method::kGet, "/v1/cases/{id}/flags", Permission::kViewQueues, "The case's flags (active and removed)",
       &ListCaseFlags},
      {Method::kPost, "/v1/cases/{id}/flags", Permission::kFlagCases,
       "Flag the case, a goods line, a party or a destination (re-routes the case)", &AddCaseFlag},
      {Method::kPost, "/v1/cases/{id}/flags/{flag_id}/remove", Permission::kFlagCases,
       "Remove a flag with a reason (only the roles the flag names)", &RemoveCaseFlag},
      {Method::kGet, "/v1/cases/{id}/routing", Permission::kViewQueues,
       "The case's queues and why: every routing rule's conditions in words", &GetCaseRouting},
      {Method::kPost, "/v1/cases/{id}/route", Permission::kActOnCases,
       "Route the case again by the current routing rules", &RouteCase},
  };
  return kRoutes;
}

// Generated from the route table so the description cannot drift from the routes.
Result<Response> OpenApi(const Deps&, Request&, const Caller&) {
  Json paths = Json::object();
  for (const Route& r : Routes()) {
    std::string method(http::MethodName(r.method));
    for (auto& ch : method) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    Json op = {
        {"summary", r.summary},
        {"responses",
         {{"default",
           {{"description", "problem+json error"},
            {"content",
             {{"application/problem+json", {{"schema", {{"$ref", "#/components/schemas/Problem"}}}}}}}}}}}};
    if (r.permission) {
      op["security"] = Json::array({{{"bearer", Json::array()}}, {{"apiKey", Json::array()}}});
      op["x-permission"] = auth::PermissionName(*r.permission);
    } else {
      op["security"] = Json::array();
    }
    Json params = Json::array();
    std::string_view pattern = r.pattern;
    for (size_t open = pattern.find('{'); open != std::string_view::npos;
         open = pattern.find('{', open + 1)) {
      size_t close = pattern.find('}', open);
      params.push_back({{"name", std::string(pattern.substr(open + 1, close - open - 1))},
                        {"in", "path"},
                        {"required", true},
                        {"schema", {{"type", "string"}}}});
    }
    if (!params.empty()) op["parameters"] = params;
    paths[r.pattern][method] = op;
  }
  Json doc = {
      {"openapi", "3.1.0"},
      {"info",
       {{"title", "STM API"},
        {"version", STM_VERSION},
        {"description", "Strategic Trade Management. Prose reference: docs/API.md"}}},
      {"paths", paths},
      {"components",
       {{"securitySchemes",
         {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}},
          {"apiKey", {{"type", "apiKey"}, {"in", "header"}, {"name", "X-Api-Key"}}}}},
        {"schemas",
         {{"Problem",
           {{"type", "object"},
            {"required", {"type", "title", "status", "detail", "request_id"}},
            {"properties",
             {{"type", {{"type", "string"}}},
              {"title", {{"type", "string"}}},
              {"status", {{"type", "integer"}}},
              {"detail", {{"type", "string"}}},
              {"request_id", {{"type", "string"}}},
              {"errors",
               {{"type", "array"},
                {"description", "every field error (422 from POST /v1/applications/{id}/submit)"},
                {"items",
                 {{"type", "object"},
                  {"properties",
                   {{"path", {{"type", "string"}}}, {"message", {{"type", "string"}}}}}}}}}}}}}}}}},
  };
  return Response::Json(200, doc);
}

Result<auth::Principal> Authenticate(const Deps& d, const Request& req) {
  if (auto authz = req.Header("authorization")) {
    if (authz->size() > 7 && authz->substr(0, 7) == "Bearer ")
      return d.auth->AuthenticateToken(std::string(authz->substr(7)));
    if (authz->size() > 7 && authz->substr(0, 7) == "ApiKey ")
      return d.auth->AuthenticateApiKey(std::string(authz->substr(7)));
    return Status::Unauthenticated("Authorization header must be 'Bearer <token>' or 'ApiKey <key>'");
  }
  if (auto key = req.Header("x-api-key")) return d.auth->AuthenticateApiKey(std::string(*key));
  return Status::Unauthenticated("authentication required: send 'Authorization: Bearer <token>'");
}

}  // namespace

void RegisterRoutes(http::Router& router, const Deps& deps) {
  for (const Route& route : Routes()) {
    router.Add(route.method, route.pattern, [deps, route](Request& req) -> Response {
      Caller caller;
      caller.audit.request_id = req.request_id;
      if (route.permission) {
        auto principal = Authenticate(deps, req);
        if (!principal.ok()) return http::Problem(principal.status(), req.request_id);
        if (!principal->Can(*route.permission)) {
          return http::Problem(Status::PermissionDenied(fmt::format("role {} lacks permission {}",
                                                                    auth::RoleName(principal->role),
                                                                    auth::PermissionName(*route.permission))),
                               req.request_id);
        }
        caller.audit.actor = principal->AuditActor();
        caller.principal = std::move(principal).value();
      } else {
        caller.audit.actor = "anonymous";
      }
      auto result = route.fn(deps, req, caller);
      if (!result.ok()) return http::Problem(result.status(), req.request_id);
      return std::move(result).value();
    });
  }
}

std::vector<RouteInfo> RouteTable() {
  std::vector<RouteInfo> out;
  for (const Route& r : Routes()) out.push_back({r.method, r.pattern, r.permission, r.summary});
  return out;
}

}  // namespace stm::api
