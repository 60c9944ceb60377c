// Licence determination (issue "Policy and risk", item 3): for the items of a transaction (their control
// codes), the destination and the end use, whether a licence is required, which one, and the policy that
// applies — prohibited, presumption of denial, case by case, normal — each with the reasons and the
// resolutions or guidelines cited. Pure: the policy data and the code -> regime function are given.
//
// Rules, in order, per item:
//  1. a measure of an active sanctions regime on the destination (UN, or a national authority the options
//     enable) bans the item: a WMD-items or sectoral ban whose regime lists include one of the item's
//     regimes, or an arms embargo and a military-list (wa_ml) item -> prohibited, citing the resolution;
//  2. a listed item -> an individual export licence; policy normal when the destination participates in the
//     regime of every one of the item's regimes, else case by case; nuclear items (nsg1) to a non-nuclear-
//     weapon state without comprehensive safeguards in force, or outside the NPT -> presumption of denial
//     (NSG Guidelines Part 1, full-scope safeguards); NSG Part 2 items there -> case by case;
//  3. an unlisted item -> no licence, unless catch-all applies (the exporter was informed or is aware of a
//     WMD end use, or the raised red flags' weights reach the checklist threshold): then a licence under the
//     catch-all, case by case, or presumption of denial for a destination under a UN WMD or arms measure.
// The transaction's policy is the most restrictive item's.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "policy/policy_data.h"

namespace stm::policy {

// Ascending severity.
enum class Policy { kNoLicenceRequired, kNormal, kCaseByCase, kPresumptionOfDenial, kProhibited };
// "no_licence_required", "normal", "case_by_case", "presumption_of_denial", "prohibited".
std::string_view PolicyName(Policy p);

struct Reason {
  std::string code;  // "un_wmd_items_ban", "regime_participant", "catch_all", ...
  std::string text;  // in words, with the values
  std::vector<std::string> citations;
};
nlohmann::json ToJson(const Reason& r);

struct DeterminationItem {
  std::string id;                          // the caller's (e.g. "goods[1]")
  std::vector<std::string> control_codes;  // catalogue codes, or "not listed" / empty for unlisted items
  std::string description;
};

struct DeterminationInput {
  std::string id;  // the caller's, echoed
  std::vector<DeterminationItem> items;
  std::string destination;  // ISO 3166-1 alpha-2
  std::string end_use;
  bool informed_wmd = false;           // the authority informed the exporter of a WMD end use
  bool aware_wmd = false;              // the exporter is aware of one
  std::vector<std::string> red_flags;  // ids of raised catch-all checklist flags
};
// {"id", "items": [{"id", "control_codes", "description"}], "destination", "end_use", "informed_wmd",
//  "aware_wmd", "red_flags": [...]}; errors name the field ("items[2].control_codes[0]").
Result<DeterminationInput> DeterminationInputFromJson(const nlohmann::json& j);

struct ItemDetermination {
  std::string id;
  std::vector<std::string> control_codes;
  std::vector<std::string> regimes;
  bool licence_required = false;
  std::string licence_type;  // "individual export licence", "individual export licence (catch-all)", ""
  Policy policy = Policy::kNoLicenceRequired;
  std::vector<Reason> reasons;
};

struct CatchAllResult {
  bool raised = false;
  double score = 0;
  double threshold = 0;
  std::vector<Reason> reasons;  // each raised flag and declaration
};

struct Determination {
  std::string id;
  std::string destination;
  std::vector<std::string> groups;   // ids of the groups the destination belongs to
  std::vector<std::string> regimes;  // ids of the sanctions regimes on the destination (applied ones)
  std::vector<Reason> destination_reasons;
  std::vector<ItemDetermination> items;
  CatchAllResult catch_all;
  bool licence_required = false;
  Policy policy = Policy::kNoLicenceRequired;  // the most restrictive item's
  std::string licence_type;
};
nlohmann::json ToJson(const Determination& d);

struct DeterminationOptions {
  // The regimes ("nsg1", "mtcr", ...) of a control code; null: none known (every code is "national").
  std::function<std::vector<std::string>(std::string_view code)> regimes_of;
  // National measures applied besides the UN's, by authority ("EU", "US"); empty: UN measures only.
  std::vector<std::string> national_authorities;
};

// kInvalidArgument for an unknown destination (not two upper-case letters) or red flag id.
Result<Determination> Determine(const PolicyData& data, const DeterminationOptions& options,
                                const DeterminationInput& input);

}  // namespace stm::policy
