// Licence applications and licensing cases over HTTP: thin adapters from JSON to LicensingService.
// Who may take which case action is decided by the case state machine, not here.
#include <fmt/format.h>

#include "api/handlers.h"
#include "api/json_fields.h"
#include "common/text.h"
#include "licensing/licensing_service.h"

namespace stm::api {
namespace {

using Json = nlohmann::json;
namespace lic = licensing;

Result<int64_t> IdParam(const Request& req, const char* name) {
  std::string text = req.PathParam(name);
  auto v = ParseInt64(text);
  if (!v || *v <= 0) return Status::NotFound(fmt::format("no resource with id '{}'", text));
  return *v;
}

lic::Actor ActorOf(const Caller& c) {
  const auto& p = c.who();
  return lic::Actor::User(p.role, p.user_id, p.org.value_or(OrgId()));
}

// The "version" member a change must carry (the version the client read).
Result<int64_t> RequireVersion(const Json& body) {
  STM_ASSIGN_OR_RETURN(auto version, OptionalInt(body, "version"));
  if (!version) return Status::InvalidArgument("field 'version' is required: the version you last read");
  return *version;
}

// A JSON object body without its "version" member, and that version when given.
Result<std::pair<Json, std::optional<int64_t>>> BodyAndVersion(const Request& req) {
  STM_ASSIGN_OR_RETURN(Json body, req.JsonBody());
  STM_ASSIGN_OR_RETURN(auto version, OptionalInt(body, "version"));
  body.erase("version");
  return std::make_pair(std::move(body), version);
}

std::optional<int64_t> QueryInt(const Request& req, const char* name) {
  auto text = req.QueryParam(name);
  if (!text || text->empty()) return std::nullopt;
  return ParseInt64(*text);
}

Json CaseItem(const lic::CaseListItem& item) {
  Json out = lic::ToJson(item.case_record);
  out["sla"] = lic::ToJson(item.sla);
  return out;
}

}  // namespace

Result<Response> CreateApplication(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(Json body, req.JsonBody());
  STM_ASSIGN_OR_RETURN(auto app, d.licensing->CreateApplication(c.audit, ActorOf(c), body));
  Response r = Response::Json(201, lic::ToJson(app));
  r.headers.emplace_back("Location", fmt::format("/v1/applications/{}", app.id));
  return r;
}

Result<Response> ListApplications(const Deps& d, Request& req, const Caller& c) {
  std::optional<lic::ApplicationStatus> status;
  if (auto s = req.QueryParam("status"); s && !s->empty()) {
    status = lic::ParseApplicationStatus(*s);
    if (!status)
      return Status::InvalidArgument("query parameter 'status' must be draft, submitted or withdrawn");
  }
  STM_ASSIGN_OR_RETURN(auto apps, d.licensing->ListApplications(ActorOf(c), status));
  Json items = Json::array();
  for (const auto& a : apps) items.push_back(lic::ToJson(a));
  return Response::Json(200, {{"items", items}});
}

Result<Response> GetApplication(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, IdParam(req, "id"));
  STM_ASSIGN_OR_RETURN(auto app, d.licensing->GetApplication(ActorOf(c), id));
  return Response::Json(200, lic::ToJson(app));
}

Result<Response> PatchApplication(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, IdParam(req, "id"));
  STM_ASSIGN_OR_RETURN(Json body, req.JsonBody());
  STM_ASSIGN_OR_RETURN(int64_t version, RequireVersion(body));
  body.erase("version");
  STM_ASSIGN_OR_RETURN(auto app, d.licensing->PatchApplication(c.audit, ActorOf(c), id, version, body));
  return Response::Json(200, lic::ToJson(app));
}

Result<Response> AddApplicationGoods(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, IdParam(req, "id"));
  STM_ASSIGN_OR_RETURN(auto bv, BodyAndVersion(req));
  STM_ASSIGN_OR_RETURN(auto app, d.licensing->AddGoods(c.audit, ActorOf(c), id, bv.first, bv.second));
  return Response::Json(201, lic::ToJson(app));
}

Result<Response> AddApplicationParty(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, IdParam(req, "id"));
  STM_ASSIGN_OR_RETURN(auto bv, BodyAndVersion(req));
  STM_ASSIGN_OR_RETURN(auto app, d.licensing->AddParty(c.audit, ActorOf(c), id, bv.first, bv.second));
  return Response::Json(201, lic::ToJson(app));
}

// The raw bytes are the body; Content-Type is the document's media type; ?kind= says what it is.
Result<Response> UploadApplicationDocument(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, IdParam(req, "id"));
  auto kind_text = req.QueryParam("kind");
  if (!kind_text || kind_text->empty()) {
    return Status::InvalidArgument(
        "query parameter 'kind' is required: end_user_certificate, contract or other");
  }
  auto kind = lic::ParseDocumentKind(*kind_text);
  if (!kind) {
    return Status::InvalidArgument(fmt::format(
        "query parameter 'kind' must be end_user_certificate, contract or other; got '{}'", *kind_text));
  }
  auto media_type = req.Header("content-type");
  if (!media_type || media_type->empty()) {
    return Status::InvalidArgument("the Content-Type header must give the document's media type");
  }
  STM_ASSIGN_OR_RETURN(auto doc,
                       d.licensing->AddDocument(c.audit, ActorOf(c), id, *kind, *media_type, req.body));
  Response r = Response::Json(201, lic::ToJson(doc));
  r.headers.emplace_back("Location", fmt::format("/v1/applications/{}/documents/{}", id, doc.id));
  return r;
}

Result<Response> GetApplicationDocument(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, IdParam(req, "id"));
  STM_ASSIGN_OR_RETURN(int64_t doc_id, IdParam(req, "doc"));
  STM_ASSIGN_OR_RETURN(auto doc, d.licensing->GetDocument(ActorOf(c), id, doc_id));
  Response r;
  r.status = 200;
  r.content_type = doc.first.media_type;
  r.body = std::move(doc.second);
  r.headers.emplace_back("Digest", "sha-256=" + doc.first.sha256);
  return r;
}

Result<Response> SubmitApplication(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, IdParam(req, "id"));
  STM_ASSIGN_OR_RETURN(Json body, req.JsonBody());
  STM_RETURN_IF_ERROR(OnlyFields(body, {"version"}));
  STM_ASSIGN_OR_RETURN(int64_t version, RequireVersion(body));
  lic::SubmitOutcome out = d.licensing->Submit(c.audit, ActorOf(c), id, version);
  if (!out.errors.empty()) {
    return http::Problem(out.status, req.request_id, {{"errors", lic::ToJson(out.errors)}}, 422);
  }
  if (!out.status.ok()) return out.status;
  Response r = Response::Json(
      201, {{"application", lic::ToJson(*out.application)}, {"case", lic::ToJson(*out.case_record)}});
  r.headers.emplace_back("Location", fmt::format("/v1/cases/{}", out.case_record->id));
  return r;
}

Result<Response> ListCases(const Deps& d, Request& req, const Caller& c) {
  lic::CaseFilter filter;
  if (auto s = req.QueryParam("status"); s && !s->empty()) {
    filter.state = lic::ParseCaseState(*s);
    if (!filter.state)
      return Status::InvalidArgument(fmt::format("query parameter 'status': unknown state '{}'", *s));
  }
  if (auto o = req.QueryParam("overdue"); o && !o->empty()) {
    if (*o == "true" || *o == "1") {
      filter.overdue_only = true;
    } else if (*o != "false" && *o != "0") {
      return Status::InvalidArgument("query parameter 'overdue' must be true or false");
    }
  }
  if (req.QueryParam("limit")) {
    auto limit = QueryInt(req, "limit");
    if (!limit || *limit < 1 || *limit > 500)
      return Status::InvalidArgument("query parameter 'limit' must be 1..500");
    filter.limit = static_cast<int>(*limit);
  }
  if (req.QueryParam("offset")) {
    auto offset = QueryInt(req, "offset");
    if (!offset || *offset < 0 || *offset > 1'000'000'000) {
      return Status::InvalidArgument("query parameter 'offset' must be a non-negative integer");
    }
    filter.offset = static_cast<int>(*offset);
  }
  STM_ASSIGN_OR_RETURN(auto page, d.licensing->ListCases(ActorOf(c), filter));
  Json items = Json::array();
  for (const auto& item : page.items) items.push_back(CaseItem(item));
  Json out = {{"items", items}, {"total", page.total}};
  if (filter.offset + static_cast<int64_t>(page.items.size()) < page.total) {
    out["next_offset"] = filter.offset + static_cast<int64_t>(page.items.size());
  }
  return Response::Json(200, out);
}

Result<Response> GetCase(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, IdParam(req, "id"));
  STM_ASSIGN_OR_RETURN(auto detail, d.licensing->GetCase(ActorOf(c), id));
  return Response::Json(200, lic::ToJson(detail));
}

Result<Response> GetCaseTransitions(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, IdParam(req, "id"));
  STM_ASSIGN_OR_RETURN(auto detail, d.licensing->GetCase(ActorOf(c), id));
  Json items = Json::array();
  for (const auto& t : detail.transitions) items.push_back(lic::ToJson(t));
  return Response::Json(200, {{"case_id", id},
                              {"state", lic::CaseStateName(detail.case_record.view.state)},
                              {"version", detail.case_record.view.version},
                              {"items", items}});
}

Result<Response> TakeCaseAction(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, IdParam(req, "id"));
  std::string action_text = req.PathParam("action");
  auto action = lic::ParseCaseAction(action_text);
  if (!action) {
    std::string known;
    for (auto a : lic::AllCaseActions())
      known += (known.empty() ? "" : ", ") + std::string(lic::CaseActionName(a));
    return Status::NotFound(fmt::format("unknown case action '{}' (known: {})", action_text, known));
  }
  STM_ASSIGN_OR_RETURN(Json body, req.JsonBody());
  STM_RETURN_IF_ERROR(OnlyFields(body, {"version", "note"}));
  STM_ASSIGN_OR_RETURN(int64_t version, RequireVersion(body));
  STM_ASSIGN_OR_RETURN(auto note, OptionalString(body, "note", lic::kMaxLongText));
  STM_ASSIGN_OR_RETURN(auto detail,
                       d.licensing->Act(c.audit, ActorOf(c), id, *action, version, note.value_or("")));
  return Response::Json(200, lic::ToJson(detail));
}

Result<Response> GetCaseHistory(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, IdParam(req, "id"));
  STM_ASSIGN_OR_RETURN(auto events, d.licensing->History(ActorOf(c), id));
  Json items = Json::array();
  for (const auto& e : events) items.push_back(audit::ToJson(e));
  return Response::Json(200, {{"case_id", id}, {"items", items}});
}

// ---- referrals, recommendation, decision, licences -------------------------------------------------------

namespace {

Result<std::vector<std::string>> OptionalStringList(const Json& body, const char* field) {
  std::vector<std::string> out;
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return out;
  if (!it->is_array())
    return Status::InvalidArgument(fmt::format("field '{}' must be an array of strings", field));
  for (const auto& v : *it) {
    if (!v.is_string() || v.get<std::string>().empty() || v.get<std::string>().size() > lic::kMaxShortText) {
      return Status::InvalidArgument(fmt::format("field '{}' must be an array of non-empty strings", field));
    }
    out.push_back(v.get<std::string>());
  }
  return out;
}

Json ReferralsJson(const std::vector<lic::StoredReferral>& referrals) {
  Json items = Json::array();
  for (const auto& r : referrals) items.push_back(lic::ToJson(r));
  return items;
}

}  // namespace

Result<Response> CreateReferrals(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, IdParam(req, "id"));
  STM_ASSIGN_OR_RETURN(Json body, req.JsonBody());
  STM_RETURN_IF_ERROR(OnlyFields(body, {"agencies", "deadline", "note", "version"}));
  lic::ReferralRequest request;
  STM_ASSIGN_OR_RETURN(request.expected_version, RequireVersion(body));
  STM_ASSIGN_OR_RETURN(request.deadline, RequireString(body, "deadline", 10));
  STM_ASSIGN_OR_RETURN(auto note, OptionalString(body, "note", lic::kMaxLongText));
  request.note = note.value_or("");
  auto agencies = body.find("agencies");
  if (agencies == body.end() || !agencies->is_array()) {
    return Status::InvalidArgument("field 'agencies' must be an array of agency organisation ids");
  }
  for (const auto& a : *agencies) {
    if (!a.is_number_integer() || a.get<int64_t>() <= 0) {
      return Status::InvalidArgument("field 'agencies' must be an array of agency organisation ids");
    }
    request.agencies.push_back(OrgId(a.get<int64_t>()));
  }
  STM_ASSIGN_OR_RETURN(auto referrals, d.licensing->Refer(c.audit, ActorOf(c), id, request));
  return Response::Json(201, {{"case_id", id}, {"items", ReferralsJson(referrals)}});
}

Result<Response> GiveReferralAdvice(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, IdParam(req, "id"));
  STM_ASSIGN_OR_RETURN(Json body, req.JsonBody());
  STM_RETURN_IF_ERROR(OnlyFields(body, {"advice", "summary"}));
  STM_ASSIGN_OR_RETURN(auto summary, OptionalString(body, "summary", lic::kMaxLongText));
  STM_ASSIGN_OR_RETURN(auto referral,
                       d.licensing->GiveAdvice(c.audit, ActorOf(c), id, body.value("advice", Json(nullptr)),
                                               summary.value_or("")));
  return Response::Json(200, lic::ToJson(referral));
}

Result<Response> ListCaseReferrals(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, IdParam(req, "id"));
  STM_ASSIGN_OR_RETURN(auto referrals, d.licensing->Referrals(ActorOf(c), id));
  auto consolidated = lic::ConsolidateAdvice(referrals);
  int64_t open = 0;
  for (const auto& r : referrals) open += r.status == "open";
  return Response::Json(200, {{"case_id", id},
                              {"items", ReferralsJson(referrals)},
                              {"open", open},
                              {"recommendation", consolidated ? Json(*consolidated) : Json(nullptr)}});
}

Result<Response> SetCaseRecommendation(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, IdParam(req, "id"));
  STM_ASSIGN_OR_RETURN(Json body, req.JsonBody());
  STM_RETURN_IF_ERROR(OnlyFields(body, {"recommendation", "needs_countersign", "version"}));
  STM_ASSIGN_OR_RETURN(int64_t version, RequireVersion(body));
  STM_ASSIGN_OR_RETURN(std::string text, RequireString(body, "recommendation", 32));
  lic::Outcome recommendation;
  if (text == "approve") {
    recommendation = lic::Outcome::kApproved;
  } else if (text == "refuse") {
    recommendation = lic::Outcome::kRefused;
  } else {
    return Status::InvalidArgument("field 'recommendation' must be approve or refuse");
  }
  bool needs_countersign = false;
  if (auto n = body.find("needs_countersign"); n != body.end() && !n->is_null()) {
    if (!n->is_boolean()) return Status::InvalidArgument("field 'needs_countersign' must be true or false");
    needs_countersign = n->get<bool>();
  }
  STM_ASSIGN_OR_RETURN(auto detail, d.licensing->SetRecommendation(c.audit, ActorOf(c), id, recommendation,
                                                                   needs_countersign, version));
  return Response::Json(200, lic::ToJson(detail));
}

Result<Response> DecideCase(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, IdParam(req, "id"));
  STM_ASSIGN_OR_RETURN(Json body, req.JsonBody());
  STM_RETURN_IF_ERROR(OnlyFields(
      body, {"decision", "version", "conditions", "validity_months", "refusal_criteria", "reason"}));
  lic::DecisionRequest request;
  STM_ASSIGN_OR_RETURN(request.expected_version, RequireVersion(body));
  STM_ASSIGN_OR_RETURN(std::string decision, RequireString(body, "decision", 32));
  if (decision == "approve") {
    request.decision = lic::Outcome::kApproved;
  } else if (decision == "refuse") {
    request.decision = lic::Outcome::kRefused;
  } else if (decision == "no_licence_required") {
    request.decision = lic::Outcome::kNoLicenceRequired;
  } else {
    return Status::InvalidArgument("field 'decision' must be approve, refuse or no_licence_required");
  }
  STM_ASSIGN_OR_RETURN(auto conditions, OptionalString(body, "conditions", lic::kMaxLongText));
  request.conditions = conditions.value_or("");
  STM_ASSIGN_OR_RETURN(auto reason, OptionalString(body, "reason", lic::kMaxLongText));
  request.reason = reason.value_or("");
  STM_ASSIGN_OR_RETURN(auto months, OptionalInt(body, "validity_months"));
  if (months) {
    if (*months < 1 || *months > 120)
      return Status::InvalidArgument("field 'validity_months' must be 1..120");
    request.validity_months = static_cast<int>(*months);
  }
  STM_ASSIGN_OR_RETURN(request.refusal_criteria, OptionalStringList(body, "refusal_criteria"));
  STM_ASSIGN_OR_RETURN(auto out, d.licensing->Decide(c.audit, ActorOf(c), id, request));
  Json result = lic::ToJson(out.detail);
  result["licence"] = out.licence ? lic::ToJson(*out.licence) : Json(nullptr);
  return Response::Json(200, result);
}

// The number is the path after /v1/licences/: one segment, or the default pattern's four
// ("STM/SIEL/2026/000001") or five with an amendment ("/A2"); the server decodes "%2F" before routing.
static Result<std::string> LicenceNumberParam(const Request& req) {
  std::string number = req.PathParam("number");
  if (number.empty()) {
    for (const char* name : {"n1", "n2", "n3", "n4", "n5"}) {
      std::string part = req.PathParam(name);
      if (part.empty()) break;
      number += (number.empty() ? "" : "/") + part;
    }
  }
  if (number.empty() || number.size() > lic::kMaxShortText)
    return Status::NotFound("no licence with that number");
  return number;
}

Result<Response> GetLicence(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(std::string number, LicenceNumberParam(req));
  STM_ASSIGN_OR_RETURN(auto licence, d.licensing->GetLicence(ActorOf(c), number));
  return Response::Json(200, lic::ToJson(licence));
}

Result<Response> TakeLicenceAction(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(std::string number, LicenceNumberParam(req));
  std::string action_text = req.PathParam("action");
  auto action = lic::ParseLicenceAction(action_text);
  if (!action) {
    return Status::NotFound(fmt::format(
        "unknown licence action '{}' (known: suspend, reinstate, revoke, surrender)", action_text));
  }
  Json body = Json::object();
  if (!req.body.empty()) {
    STM_ASSIGN_OR_RETURN(body, req.JsonBody());
  }
  STM_RETURN_IF_ERROR(OnlyFields(body, {"version", "reason"}));
  STM_ASSIGN_OR_RETURN(auto version, OptionalInt(body, "version"));
  STM_ASSIGN_OR_RETURN(auto reason, OptionalString(body, "reason", lic::kMaxLongText));
  STM_ASSIGN_OR_RETURN(auto licence, d.licensing->ActOnLicence(c.audit, ActorOf(c), number, *action, version,
                                                               reason.value_or("")));
  return Response::Json(200, lic::ToJson(licence));
}

}  // namespace stm::api
