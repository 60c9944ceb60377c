// Destinations, sanctions regimes and licence determination over HTTP: thin adapters to src/policy.
#include <fmt/format.h>

#include "api/handlers.h"
#include "policy/determination.h"
#include "screening/countries.h"

namespace stm::api {
namespace {

using Json = nlohmann::json;

Json CountryJson(const policy::PolicyData& data, const std::string& code, const std::string& name,
                 bool detail) {
  Json groups = Json::array();
  for (const auto* g : data.GroupsOf(code))
    groups.push_back(detail ? policy::ToJson(*g, false) : Json(g->id));
  Json regimes = Json::array();
  for (const auto* r : data.RegimesFor(code)) {
    if (detail) {
      regimes.push_back(r->raw);
    } else {
      regimes.push_back(r->id);
    }
  }
  return {{"code", code}, {"name", name}, {"groups", groups}, {"sanctions_regimes", regimes}};
}

}  // namespace

Result<Response> ListCountries(const Deps& d, Request& req, const Caller&) {
  (void)req;
  Json items = Json::array();
  for (const auto& [code, name] : screening::AllCountries())
    items.push_back(CountryJson(*d.policy, code, name, false));
  return Response::Json(200, {{"items", items}});
}

Result<Response> GetCountry(const Deps& d, Request& req, const Caller&) {
  std::string code = req.PathParam("code");
  for (auto& c : code) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string name = code.size() == 2 ? screening::CountryName(code) : std::string();
  if (name.empty())
    return Status::NotFound(fmt::format("no country with ISO 3166-1 alpha-2 code '{}'", code));
  return Response::Json(200, CountryJson(*d.policy, code, name, true));
}

Result<Response> ListSanctionsRegimes(const Deps& d, Request& req, const Caller&) {
  (void)req;
  Json items = Json::array();
  for (const auto& r : d.policy->regimes()) items.push_back(r.raw);
  return Response::Json(200, {{"items", items}});
}

Result<Response> DetermineLicence(const Deps& d, Request& req, const Caller&) {
  STM_ASSIGN_OR_RETURN(Json body, req.JsonBody());
  STM_ASSIGN_OR_RETURN(auto input, policy::DeterminationInputFromJson(body));
  if (screening::CountryName(input.destination).empty()) {
    return Status::InvalidArgument(
        fmt::format("destination: '{}' is not an ISO 3166-1 alpha-2 code", input.destination));
  }
  policy::DeterminationOptions options;
  options.regimes_of = d.regimes_of;
  options.national_authorities = d.national_authorities;
  STM_ASSIGN_OR_RETURN(auto determination, policy::Determine(*d.policy, options, input));
  return Response::Json(200, policy::ToJson(determination));
}

}  // namespace stm::api
