// HTTP adapters for screening: JSON <-> ScreeningService.
#include <fmt/format.h>

#include <filesystem>

#include "api/handlers.h"
#include "api/json_fields.h"
#include "common/text.h"
#include "licensing/licensing_service.h"
#include "screening/entity_json.h"
#include "screening/importers.h"

namespace stm::api {
namespace {

using Json = nlohmann::json;
constexpr size_t kMaxPartiesPerRequest = 1000;

Result<screening::Query> ParseParty(const Json& p, size_t index) {
  auto ctx = [index](const Status& s) { return s.WithContext(fmt::format("parties[{}]", index)); };
  if (!p.is_object()) return Status::InvalidArgument(fmt::format("parties[{}] must be an object", index));
  if (Status s = OnlyFields(p, {"name", "schema", "country", "birth_date", "identifiers", "reference"});
      !s.ok()) {
    return ctx(s);
  }
  screening::Query q;
  auto name = RequireString(p, "name", 1000);
  if (!name.ok()) return ctx(name.status());
  q.name = *name;
  if (q.name.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Status::InvalidArgument(fmt::format("parties[{}].name is blank", index));
  }
  auto schema = OptionalString(p, "schema", 32);
  if (!schema.ok()) return ctx(schema.status());
  if (*schema) {
    q.schema = screening::ParseSchema(**schema);
    if (q.schema == screening::Schema::kUnknown) {
      return Status::InvalidArgument(fmt::format(
          "parties[{}].schema must be person, organisation, vessel or aircraft; got '{}'", index, **schema));
    }
  }
  auto country = OptionalString(p, "country", 64);
  if (!country.ok()) return ctx(country.status());
  q.country = country->value_or("");
  auto birth = OptionalString(p, "birth_date", 32);
  if (!birth.ok()) return ctx(birth.status());
  if (*birth && !(*birth)->empty()) {
    auto date = screening::ParsePartialDate(**birth);
    if (!date || date->year == 0) {
      return Status::InvalidArgument(fmt::format(
          "parties[{}].birth_date must be YYYY, YYYY-MM or YYYY-MM-DD; got '{}'", index, **birth));
    }
    q.birth_date = date;
  }
  if (auto it = p.find("identifiers"); it != p.end() && !it->is_null()) {
    if (!it->is_array())
      return Status::InvalidArgument(fmt::format("parties[{}].identifiers must be an array", index));
    // Each identifier is a string (any type) or {"type","value","country"}.
    for (const auto& v : *it) {
      if (v.is_string()) {
        q.identifiers.push_back({"other", v.get<std::string>(), ""});
      } else if (v.is_object() && v.contains("value") && v["value"].is_string()) {
        q.identifiers.push_back(
            {v.value("type", "other"), v["value"].get<std::string>(), v.value("country", "")});
      } else {
        return Status::InvalidArgument(fmt::format(
            "parties[{}].identifiers must hold strings or {{\"type\",\"value\"}} objects", index));
      }
    }
  }
  return q;
}

Json MatchJson(const screening::Match& m) {
  return {{"list", m.entity->list},
          {"entity_id", m.entity->source_id},
          {"name", m.entity->primary_name()},
          {"matched_name", m.matched_name},
          {"schema", screening::SchemaName(m.entity->schema)},
          {"score", m.score},
          {"explanation", m.explanation}};
}

}  // namespace

Result<Response> Screen(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(Json body, req.JsonBody());
  STM_RETURN_IF_ERROR(OnlyFields(body, {"parties", "threshold", "limit", "lists", "monitor"}));
  auto parties = body.find("parties");
  if (parties == body.end() || !parties->is_array() || parties->empty()) {
    return Status::InvalidArgument("field 'parties' must be a non-empty array of parties");
  }
  if (parties->size() > kMaxPartiesPerRequest) {
    return Status::InvalidArgument(fmt::format("at most {} parties per request", kMaxPartiesPerRequest));
  }
  screening::ScreenOptions options;
  if (auto t = body.find("threshold"); t != body.end() && !t->is_null()) {
    if (!t->is_number() || t->get<double>() < 0 || t->get<double>() > 1) {
      return Status::InvalidArgument("field 'threshold' must be a number between 0 and 1");
    }
    options.threshold = t->get<double>();
  }
  STM_ASSIGN_OR_RETURN(auto limit, OptionalInt(body, "limit"));
  if (limit) {
    if (*limit < 1 || *limit > 100) return Status::InvalidArgument("field 'limit' must be between 1 and 100");
    options.limit = static_cast<size_t>(*limit);
  }
  if (auto l = body.find("lists"); l != body.end() && !l->is_null()) {
    if (!l->is_array()) return Status::InvalidArgument("field 'lists' must be an array of list keys");
    for (const auto& v : *l) {
      if (!v.is_string()) return Status::InvalidArgument("field 'lists' must hold strings");
      options.lists.push_back(v.get<std::string>());
    }
  }
  bool monitor = false;
  if (auto m = body.find("monitor"); m != body.end() && !m->is_null()) {
    if (!m->is_boolean()) return Status::InvalidArgument("field 'monitor' must be true or false");
    monitor = m->get<bool>();
  }
  std::vector<screening::Query> queries;
  std::vector<std::string> references;
  for (size_t i = 0; i < parties->size(); ++i) {
    STM_ASSIGN_OR_RETURN(auto q, ParseParty((*parties)[i], i));
    queries.push_back(std::move(q));
    references.push_back((*parties)[i].value("reference", std::to_string(i)));
  }
  auto index = d.screening->index();  // one consistent index for the whole request
  Json results = Json::array();
  for (size_t i = 0; i < queries.size(); ++i) {
    Json matches = Json::array();
    for (const auto& m : index->Screen(queries[i], options)) matches.push_back(MatchJson(m));
    Json r = {{"reference", references[i]}, {"name", queries[i].name}, {"matches", matches}};
    if (monitor) {
      screening::Party party;
      party.org = c.who().org;
      party.reference = references[i];
      party.query = queries[i];
      STM_ASSIGN_OR_RETURN(auto monitored, d.screening->Monitor(c.audit, std::move(party)));
      r["party_id"] = monitored.first.id;
      Json alerts = Json::array();
      for (const auto& a : monitored.second) alerts.push_back(a.id);
      r["alert_ids"] = alerts;
    }
    results.push_back(std::move(r));
  }
  return Response::Json(200, {{"threshold", options.threshold},
                              {"entities_indexed", index->entities().size()},
                              {"results", results}});
}

Result<Response> ListLists(const Deps& d, Request& req, const Caller&) {
  std::optional<std::string> list = req.QueryParam("list");
  STM_ASSIGN_OR_RETURN(auto versions, d.screening->Versions(list));
  Json current = Json::array(), history = Json::array();
  for (const auto& v : versions) {
    (v.current ? current : history).push_back(screening::ToJson(v));
  }
  return Response::Json(200, {{"current", current}, {"history", history}});
}

Result<Response> ImportList(const Deps& d, Request& req, const Caller& c) {
  std::string list = req.PathParam("list");
  STM_ASSIGN_OR_RETURN(Json body, req.JsonBody());
  STM_RETURN_IF_ERROR(OnlyFields(body, {"file"}));
  STM_ASSIGN_OR_RETURN(std::string file, RequireString(body, "file", 1024));
  // Files are read only from inside the configured data directory.
  if (d.data_dir.empty()) return Status::FailedPrecondition("no data directory is configured on the server");
  std::filesystem::path base = std::filesystem::weakly_canonical(d.data_dir);
  std::filesystem::path path = std::filesystem::weakly_canonical(base / file);
  auto rel = path.lexically_relative(base);
  if (rel.empty() || *rel.begin() == "..") {
    return Status::InvalidArgument("field 'file' must name a file inside the server's data directory");
  }
  STM_ASSIGN_OR_RETURN(auto imported, screening::ImportFile(path.string()));
  std::vector<screening::ImportedList> selected;
  for (auto& l : imported) {
    if (l.report.list == list || l.report.list.rfind(list + ":", 0) == 0) selected.push_back(std::move(l));
  }
  if (selected.empty()) {
    return Status::InvalidArgument(fmt::format("file '{}' holds no entries for list '{}'", file, list));
  }
  STM_ASSIGN_OR_RETURN(auto outcomes, d.screening->Import(c.audit, std::move(selected), file));
  Json out = Json::array();
  for (const auto& o : outcomes) {
    Json v = screening::ToJson(o.version);
    v["alerts_raised"] = o.alerts_raised;
    out.push_back(std::move(v));
  }
  // Open licensing cases are assessed again against the new lists.
  Json response = {{"imported", out}};
  if (d.licensing != nullptr) {
    STM_ASSIGN_OR_RETURN(int reassessed, d.licensing->ReassessOpenCases(c.audit));
    response["cases_reassessed"] = reassessed;
  }
  return Response::Json(201, response);
}

Result<Response> ListAlerts(const Deps& d, Request& req, const Caller& c) {
  std::optional<screening::AlertStatus> status;
  if (auto s = req.QueryParam("status")) {
    status = screening::ParseAlertStatus(*s);
    if (!status)
      return Status::InvalidArgument("query parameter 'status' must be open, true_match or false_positive");
  }
  std::optional<OrgId> org;
  if (c.who().ConfinedToOrg()) {
    if (!c.who().org) return Response::Json(200, {{"items", Json::array()}});
    org = c.who().org;
  }
  STM_ASSIGN_OR_RETURN(auto alerts, d.screening->Alerts(status, org));
  Json items = Json::array();
  for (const auto& a : alerts) items.push_back(screening::ToJson(a));
  return Response::Json(200, {{"items", items}});
}

Result<Response> DecideAlert(const Deps& d, Request& req, const Caller& c) {
  auto id = ParseInt64(req.PathParam("id"));
  if (!id || *id <= 0) return Status::NotFound(fmt::format("alert '{}' not found", req.PathParam("id")));
  STM_ASSIGN_OR_RETURN(Json body, req.JsonBody());
  STM_RETURN_IF_ERROR(OnlyFields(body, {"decision", "reason"}));
  STM_ASSIGN_OR_RETURN(std::string decision, RequireString(body, "decision", 32));
  STM_ASSIGN_OR_RETURN(std::string reason, RequireString(body, "reason", 2000));
  auto status = screening::ParseAlertStatus(decision);
  if (!status || *status == screening::AlertStatus::kOpen) {
    return Status::InvalidArgument("field 'decision' must be true_match or false_positive");
  }
  STM_ASSIGN_OR_RETURN(auto alert, d.screening->Decide(c.audit, *id, *status, reason));
  return Response::Json(200, screening::ToJson(alert));
}

}  // namespace stm::api
