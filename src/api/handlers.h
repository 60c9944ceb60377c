// Handler functions defined outside routes.cc, grouped by domain. The route table in routes.cc binds
// them to paths and permissions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/routes.h"
#include "audit/audit.h"
#include "licensing/case_state.h"

namespace stm::api {

using http::Request;
using http::Response;

// The positive integer path parameter `name`; kNotFound naming the text otherwise (a malformed id names no
// resource).
Result<int64_t> PathId(const Request& req, const char* name);
// The caller as the licensing domain's actor (its role, user and organisation).
licensing::Actor LicensingActor(const Caller& c);

// Screening (screening_api.cc)
Result<Response> Screen(const Deps& d, Request& req, const Caller& c);
Result<Response> ListLists(const Deps& d, Request& req, const Caller& c);
Result<Response> ImportList(const Deps& d, Request& req, const Caller& c);
Result<Response> ListAlerts(const Deps& d, Request& req, const Caller& c);
Result<Response> DecideAlert(const Deps& d, Request& req, const Caller& c);

// Classification, the control-list catalogue and official rulings (classify_api.cc)
Result<Response> ClassifyItem(const Deps& d, Request& req, const Caller& c);
Result<Response> SearchControls(const Deps& d, Request& req, const Caller& c);
Result<Response> GetControl(const Deps& d, Request& req, const Caller& c);
Result<Response> DiffControls(const Deps& d, Request& req, const Caller& c);
Result<Response> ListControlVersions(const Deps& d, Request& req, const Caller& c);
Result<Response> ImportControls(const Deps& d, Request& req, const Caller& c);
Result<Response> GetChemical(const Deps& d, Request& req, const Caller& c);
Result<Response> CreateClassificationRequest(const Deps& d, Request& req, const Caller& c);
Result<Response> ListClassificationRequests(const Deps& d, Request& req, const Caller& c);
Result<Response> GetClassificationRequest(const Deps& d, Request& req, const Caller& c);
Result<Response> RuleClassificationRequest(const Deps& d, Request& req, const Caller& c);

// Destinations, sanctions regimes and licence determination (policy_api.cc)
Result<Response> ListCountries(const Deps& d, Request& req, const Caller& c);
Result<Response> GetCountry(const Deps& d, Request& req, const Caller& c);
Result<Response> ListSanctionsRegimes(const Deps& d, Request& req, const Caller& c);
Result<Response> DetermineLicence(const Deps& d, Request& req, const Caller& c);

// Licence applications and licensing cases (licensing_api.cc)
Result<Response> CreateApplication(const Deps& d, Request& req, const Caller& c);
Result<Response> ListApplications(const Deps& d, Request& req, const Caller& c);
Result<Response> GetApplication(const Deps& d, Request& req, const Caller& c);
Result<Response> PatchApplication(const Deps& d, Request& req, const Caller& c);
Result<Response> AddApplicationGoods(const Deps& d, Request& req, const Caller& c);
Result<Response> AddApplicationParty(const Deps& d, Request& req, const Caller& c);
Result<Response> UploadApplicationDocument(const Deps& d, Request& req, const Caller& c);
Result<Response> GetApplicationDocument(const Deps& d, Request& req, const Caller& c);
Result<Response> SubmitApplication(const Deps& d, Request& req, const Caller& c);
Result<Response> ListCases(const Deps& d, Request& req, const Caller& c);
Result<Response> GetCase(const Deps& d, Request& req, const Caller& c);
Result<Response> GetCaseTransitions(const Deps& d, Request& req, const Caller& c);
Result<Response> TakeCaseAction(const Deps& d, Request& req, const Caller& c);
Result<Response> GetCaseHistory(const Deps& d, Request& req, const Caller& c);
Result<Response> CreateReferrals(const Deps& d, Request& req, const Caller& c);
Result<Response> GiveReferralAdvice(const Deps& d, Request& req, const Caller& c);
Result<Response> ListCaseReferrals(const Deps& d, Request& req, const Caller& c);
Result<Response> SetCaseRecommendation(const Deps& d, Request& req, const Caller& c);
Result<Response> DecideCase(const Deps& d, Request& req, const Caller& c);
Result<Response> GetLicence(const Deps& d, Request& req, const Caller& c);
Result<Response> TakeLicenceAction(const Deps& d, Request& req, const Caller& c);
Result<Response> ListLicences(const Deps& d, Request& req, const Caller& c);
Result<Response> AmendLicence(const Deps& d, Request& req, const Caller& c);
Result<Response> RecordLicenceUsage(const Deps& d, Request& req, const Caller& c);
Result<Response> ListCaseLetters(const Deps& d, Request& req, const Caller& c);
Result<Response> GetCaseRisk(const Deps& d, Request& req, const Caller& c);
Result<Response> GetCaseLetter(const Deps& d, Request& req, const Caller& c);

// Teams, work queues, routing rules and case flags (queues_api.cc)
Result<Response> ListTeams(const Deps& d, Request& req, const Caller& c);
Result<Response> CreateTeam(const Deps& d, Request& req, const Caller& c);
Result<Response> ChangeTeamMembers(const Deps& d, Request& req, const Caller& c);
Result<Response> ListQueues(const Deps& d, Request& req, const Caller& c);
Result<Response> CreateQueue(const Deps& d, Request& req, const Caller& c);
Result<Response> ListRoutingRules(const Deps& d, Request& req, const Caller& c);
Result<Response> CreateRoutingRule(const Deps& d, Request& req, const Caller& c);
Result<Response> GetRoutingRule(const Deps& d, Request& req, const Caller& c);
Result<Response> PatchRoutingRule(const Deps& d, Request& req, const Caller& c);
Result<Response> ListFlagDefinitions(const Deps& d, Request& req, const Caller& c);
Result<Response> CreateFlagDefinition(const Deps& d, Request& req, const Caller& c);
Result<Response> ListCaseFlags(const Deps& d, Request& req, const Caller& c);
Result<Response> AddCaseFlag(const Deps& d, Request& req, const Caller& c);
Result<Response> RemoveCaseFlag(const Deps& d, Request& req, const Caller& c);
Result<Response> GetCaseRouting(const Deps& d, Request& req, const Caller& c);
Result<Response> RouteCase(const Deps& d, Request& req, const Caller& c);

// Stores the default US CCL versions found in `data_dir` that are not stored yet: the paragraph tree
// (2025-09-29) first, then the full text the classifier loaded (2026-07-23), so the newer one is current.
// Files that are absent are skipped quietly. Returns the versions it stored (none when all were there).
Result<std::vector<nlohmann::json>> ImportDefaultControlLists(const classify::Classifier& classifier,
                                                              catalog::CatalogStore& store,
                                                              const std::string& data_dir,
                                                              const audit::Context& ctx);

}  // namespace stm::api
