// Regime denial notifications and no-undercut consultations over HTTP: thin adapters from JSON to
// policy::DenialService.
#include "api/denials_api.h"

#include <fmt/format.h>

#include "api/handlers.h"
#include "api/json_fields.h"
#include "common/text.h"
#include "policy/denials.h"

namespace stm::api {
namespace {

using Json = nlohmann::json;

Result<policy::DenialService*> Service(const Deps& d) {
  policy::DenialService* s = d.denials;
  if (s == nullptr) return Status::Unavailable("denial notifications are not configured on this server");
  return s;
}

template <typename T>
Response Items(const std::vector<T>& items) {
  Json out = Json::array();
  for (const auto& i : items) out.push_back(policy::ToJson(i));
  return Response::Json(200, {{"items", out}});
}

}  // namespace

Result<Response> ListDenials(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(auto* denials, Service(d));
  policy::DenialFilter filter;
  if (auto s = req.QueryParam("direction"); s && !s->empty()) {
    filter.direction = policy::ParseDenialDirection(*s);
    if (!filter.direction) {
      return Status::InvalidArgument(
          fmt::format("query parameter 'direction' must be inbound or outbound; got '{}'", *s));
    }
  }
  if (auto s = req.QueryParam("status"); s && !s->empty()) filter.status = *s;
  if (auto s = req.QueryParam("include_expired"); s && !s->empty()) {
    if (*s == "true" || *s == "1") {
      filter.include_expired = true;
    } else if (*s != "false" && *s != "0") {
      return Status::InvalidArgument("query parameter 'include_expired' must be true or false");
    }
  }
  STM_ASSIGN_OR_RETURN(auto items, denials->List(LicensingActor(c), filter));
  return Items(items);
}

Result<Response> RecordDenial(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(auto* denials, Service(d));
  STM_ASSIGN_OR_RETURN(Json body, req.JsonBody());
  STM_ASSIGN_OR_RETURN(auto denial, denials->RecordInbound(c.audit, LicensingActor(c), body));
  Response r = Response::Json(201, policy::ToJson(denial));
  r.headers.emplace_back("Location", fmt::format("/v1/denials/{}", denial.id));
  return r;
}

Result<Response> GetDenial(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(auto* denials, Service(d));
  STM_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
  STM_ASSIGN_OR_RETURN(auto denial, denials->Get(LicensingActor(c), id));
  return Response::Json(200, policy::ToJson(denial));
}

Result<Response> RevokeDenial(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(auto* denials, Service(d));
  STM_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
  STM_ASSIGN_OR_RETURN(Json body, req.JsonBody());
  STM_RETURN_IF_ERROR(OnlyFields(body, {"reason"}));
  STM_ASSIGN_OR_RETURN(std::string reason, RequireString(body, "reason", 20000));
  STM_ASSIGN_OR_RETURN(auto denial, denials->Revoke(c.audit, LicensingActor(c), id, reason));
  return Response::Json(200, policy::ToJson(denial));
}

Result<Response> IssueDenial(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(auto* denials, Service(d));
  STM_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
  STM_ASSIGN_OR_RETURN(Json body, req.JsonBody());
  STM_RETURN_IF_ERROR(OnlyFields(body, {"version"}));
  STM_ASSIGN_OR_RETURN(auto version, OptionalInt(body, "version"));
  if (!version) return Status::InvalidArgument("field 'version' is required: the version you last read");
  STM_ASSIGN_OR_RETURN(auto denial, denials->IssueOutbound(c.audit, LicensingActor(c), id, *version));
  return Response::Json(200, policy::ToJson(denial));
}

Result<Response> ListConsultations(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(auto* denials, Service(d));
  policy::ConsultationFilter filter;
  if (auto s = req.QueryParam("status"); s && !s->empty()) {
    filter.status = policy::ParseConsultationStatus(*s);
    if (!filter.status) {
      return Status::InvalidArgument(
          fmt::format("query parameter 'status' must be open or closed; got '{}'", *s));
    }
  }
  if (auto s = req.QueryParam("case_id"); s && !s->empty()) {
    auto id = ParseInt64(*s);
    if (!id || *id < 1) return Status::InvalidArgument("query parameter 'case_id' must be a case id");
    filter.case_id = *id;
  }
  STM_ASSIGN_OR_RETURN(auto items, denials->ListConsultations(LicensingActor(c), filter));
  return Items(items);
}

Result<Response> GetConsultation(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(auto* denials, Service(d));
  STM_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
  STM_ASSIGN_OR_RETURN(auto consultation, denials->GetConsultation(LicensingActor(c), id));
  return Response::Json(200, policy::ToJson(consultation));
}

Result<Response> RecordConsultationOutcome(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(auto* denials, Service(d));
  STM_ASSIGN_OR_RETURN(int64_t id, PathId(req, "id"));
  STM_ASSIGN_OR_RETURN(Json body, req.JsonBody());
  STM_RETURN_IF_ERROR(OnlyFields(body, {"outcome", "note"}));
  STM_ASSIGN_OR_RETURN(std::string outcome_text, RequireString(body, "outcome", 100));
  auto outcome = policy::ParseConsultationOutcome(outcome_text);
  if (!outcome) {
    return Status::InvalidArgument(
        fmt::format("field 'outcome' must be no_objection, objection or no_reply; got '{}'", outcome_text));
  }
  STM_ASSIGN_OR_RETURN(auto note, OptionalString(body, "note", 20000));
  STM_ASSIGN_OR_RETURN(auto consultation,
                       denials->RecordOutcome(c.audit, LicensingActor(c), id, *outcome, note.value_or("")));
  return Response::Json(200, policy::ToJson(consultation));
}

}  // namespace stm::api
