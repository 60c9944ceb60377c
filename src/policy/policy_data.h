// The policy reference data STM authors itself (data/policy/, see its README): country groups (regime
// participants, treaty parties, safeguards), UN Security Council and national sanctions regimes as structured
// measures, and the catch-all red-flag checklist. Every fact carries its source and as-of date.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace stm::policy {

struct Source {
  std::string title;
  std::string url;
  std::string retrieved;
};
nlohmann::json ToJson(const Source& s);

struct CountryGroup {
  std::string id;    // "nsg", "mtcr", "australia_group", "wassenaar", "npt_parties", "csa_in_force", ...
  std::string name;  // "Nuclear Suppliers Group"
  std::string kind;  // "regime_participants", "treaty_parties", "safeguards", "union"
  std::string as_of;
  Source source;
  std::set<std::string> members;  // ISO 3166-1 alpha-2
  std::vector<std::string> notes;
};
nlohmann::json ToJson(const CountryGroup& g, bool with_members);

struct ResolutionRef {
  std::string number;  // "1718"
  int year = 0;
  std::string paragraphs;  // "8(a)(i)-(ii)"
};
// "resolution 1718 (2006), paragraphs 8(a)(i)-(ii)"
std::string Cite(const ResolutionRef& r);

struct Measure {
  std::string type;       // arms_embargo, wmd_items_ban, luxury_goods_ban, asset_freeze, travel_ban, ...
  std::string scope;      // in words
  std::string direction;  // export_to, import_from, both
  std::vector<std::string> regime_lists;  // items in scope: nsg1, nsg2, mtcr, ag, cwc, wa_du, wa_ml
  std::vector<std::string> documents;     // "S/2006/814", "INFCIRC/254/Rev.x/Part 1"
  std::string item_words;
  std::vector<ResolutionRef> resolutions;
  std::string since;
  std::string exemptions;
};

struct SanctionsRegime {
  std::string id;         // "1718_dprk"
  std::string name;       // "Democratic People's Republic of Korea"
  std::string authority;  // "UN", or the national authority ("EU", "US")
  std::string committee;
  std::vector<std::string> countries;  // scope countries (alpha-2); empty for party-based regimes
  bool non_state = false;              // measures on listed parties, not on a country
  // How the UN consolidated list names the regime: UN_LIST_TYPE and the reference-number prefixes
  // ("DPRK", ["KPi", "KPe"]), so screening hits can be tied to their regime.
  struct ListName {
    std::string list_type;
    std::vector<std::string> reference_prefixes;
  };
  std::vector<ListName> list_names;
  std::string status;  // "active", "terminated"
  std::string terminated_on;
  std::vector<Measure> measures;
  Source source;
  nlohmann::json raw;  // the record as authored (served by the API)
  bool Active() const { return status != "terminated"; }
};

struct CatchAllFlag {
  std::string id;
  std::string question;
  std::string category;  // end_user, end_use, shipping, payment, item_fit, behaviour, wmd_link
  double weight = 0;
  std::string severity;  // low, medium, high
  std::string guidance;
  std::vector<Source> sources;
};
nlohmann::json ToJson(const CatchAllFlag& f);

struct CatchAllChecklist {
  double threshold = 0;  // the sum of the raised flags' weights at or above which catch-all applies
  std::vector<CatchAllFlag> flags;
  const CatchAllFlag* Find(std::string_view id) const;
};

// The loaded data. Immutable after loading; thread-safe.
class PolicyData {
 public:
  // Reads groups.json, un_sanctions.json and catch_all.json from `dir`. Errors name the file and the
  // record ("groups.json: groups[3].members[7]: 'XX' is not an ISO 3166-1 alpha-2 code"). `is_country`
  // validates codes (null: any two upper-case letters).
  static Result<PolicyData> LoadDirectory(const std::string& dir,
                                          bool (*is_country)(std::string_view alpha2) = nullptr);
  static Result<PolicyData> FromJson(const nlohmann::json& groups, const nlohmann::json& sanctions,
                                     const nlohmann::json& catch_all,
                                     bool (*is_country)(std::string_view alpha2) = nullptr);

  const std::vector<CountryGroup>& groups() const { return groups_; }
  const CountryGroup* Group(std::string_view id) const;
  // The groups a country belongs to, in file order.
  std::vector<const CountryGroup*> GroupsOf(std::string_view alpha2) const;
  bool InGroup(std::string_view group_id, std::string_view alpha2) const;

  // UN regimes then national measures, in file order.
  const std::vector<SanctionsRegime>& regimes() const { return regimes_; }
  const SanctionsRegime* Regime(std::string_view id) const;
  // The active regimes whose scope countries include the country.
  std::vector<const SanctionsRegime*> RegimesFor(std::string_view alpha2) const;
  const CatchAllChecklist& catch_all() const { return catch_all_; }

 private:
  std::vector<CountryGroup> groups_;
  std::vector<SanctionsRegime> regimes_;
  CatchAllChecklist catch_all_;
};

}  // namespace stm::policy
