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

licensing::Actor LicensingActor(const Caller& c) {
  const auto& p = c.who();
  return licensing::Actor::User(p.role, p.user_id, p.org.value_or(OrgId()));
}

Result<Response> CreateApplication(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(Json body, req.JsonBody());
  STM_ASSIGN_OR_RETURN(auto app, d.licensing->CreateApplication(c.audit, LicensingActor(c), body));
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
  STM_ASSIGN_OR_RETURN(auto apps, d.licensing->ListApplications(LicensingActor(c), status));
  Json items = Json::array();
  for (const auto& a : apps) items.push_back(lic::ToJson(a));
  return Response::Json(200, {{"items", items}});
}

Result<Response> GetApplication(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
  STM_ASSIGN_OR_RETURN(auto app, d.licensing->GetApplication(LicensingActor(c), id));
  return Response::Json(200, lic::ToJson(app));
}

Result<Response> PatchApplication(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
  STM_ASSIGN_OR_RETURN(Json body, req.JsonBody());
  STM_ASSIGN_OR_RETURN(int64_t version, RequireVersion(body));
  body.erase("version");
  STM_ASSIGN_OR_RETURN(auto app,
                       d.licensing->PatchApplication(c.audit, LicensingActor(c), id, version, body));
  return Response::Json(200, lic::ToJson(app));
}

Result<Response> AddApplicationGoods(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
  STM_ASSIGN_OR_RETURN(auto bv, BodyAndVersion(req));
  STM_ASSIGN_OR_RETURN(auto app, d.licensing->AddGoods(c.audit, LicensingActor(c), id, bv.first, bv.second));
  return Response::Json(201, lic::ToJson(app));
}

Result<Response> AddApplicationParty(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
  STM_ASSIGN_OR_RETURN(auto bv, BodyAndVersion(req));
  STM_ASSIGN_OR_RETURN(auto app, d.licensing->AddParty(c.audit, LicensingActor(c), id, bv.first, bv.second));
  return Response::Json(201, lic::ToJson(app));
}

// The raw bytes are the body; Content-Type is the document's media type; ?kind= says what it is.
Result<Response> UploadApplicationDocument(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
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
  STM_ASSIGN_OR_RETURN(
      auto doc, d.licensing->AddDocument(c.audit, LicensingActor(c), id, *kind, *media_type, req.body));
  Response r = Response::Json(201, lic::ToJson(doc));
  r.headers.emplace_back("Location", fmt::format("/v1/applications/{}/documents/{}", id, doc.id));
  return r;
}

Result<Response> GetApplicationDocument(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
  STM_ASSIGN_OR_RETURN(int64_t doc_id, PathId(req, "doc"));
  STM_ASSIGN_OR_RETURN(auto doc, d.licensing->GetDocument(LicensingActor(c), id, doc_id));
  Response r;
  r.status = 200;
  r.content_type = doc.first.media_type;
  r.body = std::move(doc.second);
  r.headers.emplace_back("Digest", "sha-256=" + doc.first.sha256);
  return r;
}

Result<Response> SubmitApplication(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
  STM_ASSIGN_OR_RETURN(Json body, req.JsonBody());
  STM_RETURN_IF_ERROR(OnlyFields(body, {"version"}));
  STM_ASSIGN_OR_RETURN(int64_t version, RequireVersion(body));
  lic::SubmitOutcome out = d.licensing->Submit(c.audit, LicensingActor(c), id, version);
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
  for (auto [name, flag] :
       {std::pair{"overdue", &filter.overdue_only}, std::pair{"due_soon", &filter.due_soon_only}}) {
    if (auto o = req.QueryParam(name); o && !o->empty()) {
      if (*o == "true" || *o == "1") {
        *flag = true;
      } else if (*o != "false" && *o != "0") {
        return Status::InvalidArgument(fmt::format("query parameter '{}' must be true or false", name));
      }
    }
  }
  if (filter.overdue_only && filter.due_soon_only) {
    return Status::InvalidArgument("query parameters 'overdue' and 'due_soon' exclude each other");
  }
  if (req.QueryParam("queue")) {
    auto queue = QueryInt(req, "queue");
    if (!queue || *queue < 1) return Status::InvalidArgument("query parameter 'queue' must be a queue id");
    filter.queue = *queue;
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
  STM_ASSIGN_OR_RETURN(auto page, d.licensing->ListCases(LicensingActor(c), filter));
  Json items = Json::array();
  for (const auto& item : page.items) items.push_back(CaseItem(item));
  Json out = {{"items", items}, {"total", page.total}};
  if (filter.offset + static_cast<int64_t>(page.items.size()) < page.total) {
    out["next_offset"] = filter.offset + static_cast<int64_t>(page.items.size());
  }
  return Response::Json(200, out);
}

Result<Response> GetCase(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
  STM_ASSIGN_OR_RETURN(auto detail, d.licensing->GetCase(LicensingActor(c), id));
  return Response::Json(200, lic::ToJson(detail));
}

Result<Response> GetCaseTransitions(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
  STM_ASSIGN_OR_RETURN(auto detail, d.licensing->GetCase(LicensingActor(c), id));
  Json items = Json::array();
  for (const auto& t : detail.transitions) items.push_back(lic::ToJson(t));
  return Response::Json(200, {{"case_id", id},
                              {"state", lic::CaseStateName(detail.case_record.view.state)},
                              {"version", detail.case_record.view.version},
                              {"items", items}});
}

Result<Response> TakeCaseAction(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
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
                       d.licensing->Act(c.audit, LicensingActor(c), id, *action, version, note.value_or("")));
  return Response::Json(200, lic::ToJson(detail));
}

Result<Response> GetCaseHistory(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
  STM_ASSIGN_OR_RETURN(auto events, d.licensing->History(LicensingActor(c), id));
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
  STM_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
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
  STM_ASSIGN_OR_RETURN(auto referrals, d.licensing->Refer(c.audit, LicensingActor(c), id, request));
  return Response::Json(201, {{"case_id", id}, {"items", ReferralsJson(referrals)}});
}

Result<Response> GiveReferralAdvice(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
  STM_ASSIGN_OR_RETURN(Json body, req.JsonBody());
  STM_RETURN_IF_ERROR(OnlyFields(body, {"advice", "summary"}));
  STM_ASSIGN_OR_RETURN(auto summary, OptionalString(body, "summary", lic::kMaxLongText));
  STM_ASSIGN_OR_RETURN(auto referral,
                       d.licensing->GiveAdvice(c.audit, LicensingActor(c), id,
                                               body.value("advice", Json(nullptr)), summary.value_or("")));
  return Response::Json(200, lic::ToJson(referral));
}

Result<Response> ListCaseReferrals(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
  STM_ASSIGN_OR_RETURN(auto referrals, d.licensing->Referrals(LicensingActor(c), id));
  auto consolidated = lic::ConsolidateAdvice(referrals);
  int64_t open = 0;
  for (const auto& r : referrals) open += r.status == "open";
  return Response::Json(200, {{"case_id", id},
                              {"items", ReferralsJson(referrals)},
                              {"open", open},
                              {"recommendation", consolidated ? Json(*consolidated) : Json(nullptr)}});
}

Result<Response> SetCaseRecommendation(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
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
  STM_ASSIGN_OR_RETURN(auto detail,
                       d.licensing->SetRecommendation(c.audit, LicensingActor(c), id, recommendation,
                                                      needs_countersign, version));
  return Response::Json(200, lic::ToJson(detail));
}

Result<Response> DecideCase(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
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
  STM_ASSIGN_OR_RETURN(auto out, d.licensing->Decide(c.audit, LicensingActor(c), id, request));
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
  STM_ASSIGN_OR_RETURN(auto licence, d.licensing->GetLicence(LicensingActor(c), number));
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
  STM_ASSIGN_OR_RETURN(auto licence, d.licensing->ActOnLicence(c.audit, LicensingActor(c), number, *action,
                                                               version, reason.value_or("")));
  return Response::Json(200, lic::ToJson(licence));
}

namespace {

// A JSON number member; absent: nullopt.
Result<std::optional<double>> OptionalNumber(const Json& body, const char* field) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::optional<double>();
  if (!it->is_number()) return Status::InvalidArgument(fmt::format("field '{}' must be a number", field));
  return std::optional<double>(it->get<double>());
}

// The "lines" array of an amendment or a usage record: objects with an integer "line".
Result<std::vector<Json>> LineObjects(const Json& body, bool required) {
  auto it = body.find("lines");
  if (it == body.end() || it->is_null()) {
    if (required)
      return Status::InvalidArgument("field 'lines' is required: [{\"line\": 1, \"quantity\": ...}]");
    return std::vector<Json>{};
  }
  if (!it->is_array()) return Status::InvalidArgument("field 'lines' must be an array");
  if (it->size() > lic::kMaxGoodsLines) {
    return Status::InvalidArgument(fmt::format("field 'lines': at most {} lines", lic::kMaxGoodsLines));
  }
  std::vector<Json> out;
  for (size_t i = 0; i < it->size(); ++i) {
    const Json& l = (*it)[i];
    if (!l.is_object()) return Status::InvalidArgument(fmt::format("lines[{}] must be an object", i));
    auto line = l.find("line");
    if (line == l.end() || !line->is_number_integer() || line->get<int64_t>() < 1 ||
        line->get<int64_t>() > static_cast<int64_t>(lic::kMaxGoodsLines)) {
      return Status::InvalidArgument(fmt::format("lines[{}].line must be a line number (1-based)", i));
    }
    out.push_back(l);
  }
  return out;
}

}  // namespace

Result<Response> ListLicences(const Deps& d, Request& req, const Caller& c) {
  std::optional<lic::LicenceStatus> status;
  if (auto s = req.QueryParam("status"); s && !s->empty()) {
    status = lic::ParseLicenceStatus(*s);
    if (!status) {
      return Status::InvalidArgument(
          "query parameter 'status' must be active, suspended, revoked, surrendered, expired, exhausted or "
          "superseded");
    }
  }
  std::optional<int64_t> case_id;
  if (req.QueryParam("case_id")) {
    case_id = QueryInt(req, "case_id");
    if (!case_id || *case_id < 1)
      return Status::InvalidArgument("query parameter 'case_id' must be a case id");
  }
  STM_ASSIGN_OR_RETURN(auto licences, d.licensing->ListLicences(LicensingActor(c), status, case_id));
  Json items = Json::array();
  for (const auto& l : licences) items.push_back(lic::ToJson(l));
  return Response::Json(200, {{"items", items}});
}

Result<Response> AmendLicence(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(std::string number, LicenceNumberParam(req));
  STM_ASSIGN_OR_RETURN(Json body, req.JsonBody());
  STM_RETURN_IF_ERROR(OnlyFields(body, {"version", "reason", "conditions", "valid_until", "lines"}));
  lic::AmendmentRequest request;
  STM_ASSIGN_OR_RETURN(request.expected_version, RequireVersion(body));
  STM_ASSIGN_OR_RETURN(request.reason, RequireString(body, "reason", lic::kMaxLongText));
  STM_ASSIGN_OR_RETURN(request.conditions, OptionalString(body, "conditions", lic::kMaxLongText));
  STM_ASSIGN_OR_RETURN(request.valid_until, OptionalString(body, "valid_until", 10));
  STM_ASSIGN_OR_RETURN(auto lines, LineObjects(body, false));
  for (size_t i = 0; i < lines.size(); ++i) {
    STM_RETURN_IF_ERROR(
        OnlyFields(lines[i], {"line", "quantity", "value"}).WithContext(fmt::format("lines[{}]", i)));
    lic::AmendmentRequest::LineChange change;
    change.line = lines[i]["line"].get<int>();
    STM_ASSIGN_OR_RETURN(change.quantity, OptionalNumber(lines[i], "quantity"));
    STM_ASSIGN_OR_RETURN(change.value, OptionalNumber(lines[i], "value"));
    request.lines.push_back(change);
  }
  if (!request.conditions && !request.valid_until && request.lines.empty()) {
    return Status::InvalidArgument(
        "an amendment changes at least one of 'conditions', 'valid_until', 'lines'");
  }
  STM_ASSIGN_OR_RETURN(auto licence, d.licensing->Amend(c.audit, LicensingActor(c), number, request));
  Response r = Response::Json(201, lic::ToJson(licence));
  r.headers.emplace_back("Location", fmt::format("/v1/licences/{}", licence.number));
  return r;
}

Result<Response> RecordLicenceUsage(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(std::string number, LicenceNumberParam(req));
  STM_ASSIGN_OR_RETURN(Json body, req.JsonBody());
  STM_RETURN_IF_ERROR(OnlyFields(body, {"reference", "lines"}));
  lic::UsageRequest request;
  STM_ASSIGN_OR_RETURN(request.reference, RequireString(body, "reference", 100));
  STM_ASSIGN_OR_RETURN(auto lines, LineObjects(body, true));
  for (size_t i = 0; i < lines.size(); ++i) {
    STM_RETURN_IF_ERROR(
        OnlyFields(lines[i], {"line", "quantity", "value"}).WithContext(fmt::format("lines[{}]", i)));
    lic::UsageRequest::Line line;
    line.line = lines[i]["line"].get<int>();
    STM_ASSIGN_OR_RETURN(auto quantity, OptionalNumber(lines[i], "quantity"));
    if (!quantity) return Status::InvalidArgument(fmt::format("lines[{}].quantity is required", i));
    line.quantity = *quantity;
    STM_ASSIGN_OR_RETURN(auto value, OptionalNumber(lines[i], "value"));
    line.value = value.value_or(0);
    request.lines.push_back(line);
  }
  // Customs officers record shipments against any licence; the licence's own visibility does not apply.
  STM_ASSIGN_OR_RETURN(auto licence, d.licensing->RecordUsage(c.audit, LicensingActor(c), number, request));
  return Response::Json(200, lic::ToJson(licence));
}

Result<Response> ListCaseLetters(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
  STM_ASSIGN_OR_RETURN(auto letters, d.licensing->Letters(LicensingActor(c), id));
  Json items = Json::array();
  for (const auto& l : letters) items.push_back(lic::ToJson(l));
  return Response::Json(200, {{"items", items}});
}

Result<Response> GetCaseLetter(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
  STM_ASSIGN_OR_RETURN(int64_t letter_id, PathId(req, "letter_id"));
  STM_ASSIGN_OR_RETURN(auto letter, d.licensing->GetLetter(LicensingActor(c), id, letter_id));
  if (auto accept = req.Header("accept"); accept && accept->find("text/plain") != std::string_view::npos) {
    Response r;
    r.status = 200;
    r.body = letter.subject + "\n\n" + letter.body;
    r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
    return r;
  }
  return Response::Json(200, lic::ToJson(letter));
}

Result<Response> GetCaseRisk(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
  STM_ASSIGN_OR_RETURN(auto risk, d.licensing->Risk(LicensingActor(c), id));
  return Response::Json(200, risk);
}

}  // namespace stm::api
