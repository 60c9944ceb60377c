#include "policy/determination.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <set>

#include "catalog/catalog.h"

namespace stm::policy {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kNotListed = "not listed";
constexpr std::string_view kIndividual = "individual export licence";
constexpr std::string_view kIndividualCatchAll = "individual export licence (catch-all)";

// The participants' group of each control-list regime.
std::string_view GroupOfRegime(std::string_view regime) {
  if (regime == "nsg1" || regime == "nsg2") return "nsg";
  if (regime == "mtcr") return "mtcr";
  if (regime == "ag") return "australia_group";
  if (regime == "cwc") return "cwc_states_parties";
  if (regime == "wa_du" || regime == "wa_ml") return "wassenaar";
  return "";
}

std::string RegimeTitle(std::string_view regime) {
  if (auto r = catalog::ParseRegime(regime)) return std::string(catalog::RegimeName(*r));
  return std::string(regime);
}

std::string GroupTitle(const PolicyData& data, std::string_view id) {
  const CountryGroup* g = data.Group(id);
  return g != nullptr ? g->name : std::string(id);
}

std::string GroupCitation(const PolicyData& data, std::string_view id) {
  const CountryGroup* g = data.Group(id);
  if (g == nullptr) return std::string(id);
  return fmt::format("{} (as of {}; {})", g->name, g->as_of,
                     g->source.url.empty() ? g->source.title : g->source.url);
}

std::string Join(const std::vector<std::string>& v, std::string_view sep = ", ") {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

bool Exports(const Measure& m) {
  return m.direction.empty() || m.direction == "export_to" || m.direction == "both";
}

std::vector<std::string> Citations(const SanctionsRegime& regime, const Measure& m) {
  std::vector<std::string> out;
  for (const auto& r : m.resolutions) {
    out.push_back(regime.authority == "UN" ? fmt::format("UN Security Council {}", Cite(r)) : Cite(r));
  }
  for (const auto& d : m.documents) out.push_back(d);
  if (out.empty()) out.push_back(regime.committee.empty() ? regime.name : regime.committee);
  return out;
}

Result<std::vector<std::string>> StringList(const Json& j, const std::string& path) {
  std::vector<std::string> out;
  if (j.is_null()) return out;
  if (!j.is_array()) return Status::InvalidArgument(fmt::format("{}: expected an array of strings", path));
  for (size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_string()) return Status::InvalidArgument(fmt::format("{}[{}]: expected a string", path, i));
    out.push_back(j[i].get<std::string>());
  }
  return out;
}

}  // namespace

std::string_view PolicyName(Policy p) {
  switch (p) {
    case Policy::kNoLicenceRequired:
      return "no_licence_required";
    case Policy::kNormal:
      return "normal";
    case Policy::kCaseByCase:
      return "case_by_case";
    case Policy::kPresumptionOfDenial:
      return "presumption_of_denial";
    case Policy::kProhibited:
      return "prohibited";
  }
  return "unknown";
}

Json ToJson(const Reason& r) { return {{"code", r.code}, {"text", r.text}, {"citations", r.citations}}; }

Result<DeterminationInput> DeterminationInputFromJson(const Json& j) {
  if (!j.is_object()) return Status::InvalidArgument("expected a JSON object");
  static const std::set<std::string> kKnown = {"id",           "items",     "destination", "end_use",
                                               "informed_wmd", "aware_wmd", "red_flags"};
  for (const auto& [key, value] : j.items()) {
    if (kKnown.count(key) == 0) return Status::InvalidArgument(fmt::format("{}: unknown field", key));
  }
  DeterminationInput in;
  if (auto id = j.find("id"); id != j.end()) {
    if (id->is_string()) {
      in.id = id->get<std::string>();
    } else if (id->is_number_integer()) {
      in.id = std::to_string(id->get<int64_t>());
    } else if (!id->is_null()) {
      return Status::InvalidArgument("id: expected a string");
    }
  }
  auto dest = j.find("destination");
  if (dest == j.end() || !dest->is_string()) {
    return Status::InvalidArgument("destination: required, an ISO 3166-1 alpha-2 code");
  }
  in.destination = dest->get<std::string>();
  for (auto& c : in.destination) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (auto e = j.find("end_use"); e != j.end() && !e->is_null()) {
    if (!e->is_string()) return Status::InvalidArgument("end_use: expected a string");
    in.end_use = e->get<std::string>();
  }
  for (auto [key, field] :
       {std::pair{"informed_wmd", &in.informed_wmd}, std::pair{"aware_wmd", &in.aware_wmd}}) {
    if (auto b = j.find(key); b != j.end() && !b->is_null()) {
      if (!b->is_boolean()) return Status::InvalidArgument(fmt::format("{}: expected true or false", key));
      *field = b->get<bool>();
    }
  }
  STM_ASSIGN_OR_RETURN(in.red_flags, StringList(j.value("red_flags", Json()), "red_flags"));
  auto items = j.find("items");
  if (items == j.end() || !items->is_array() || items->empty()) {
    return Status::InvalidArgument("items: required, a non-empty array of {\"id\", \"control_codes\"}");
  }
  if (items->size() > 500) return Status::InvalidArgument("items: at most 500");
  for (size_t i = 0; i < items->size(); ++i) {
    const Json& it = (*items)[i];
    const std::string path = fmt::format("items[{}]", i);
    if (!it.is_object()) return Status::InvalidArgument(fmt::format("{}: expected an object", path));
    DeterminationItem item;
    if (auto id = it.find("id"); id != it.end() && id->is_string()) {
      item.id = id->get<std::string>();
    } else {
      item.id = fmt::format("items[{}]", i);
    }
    auto codes = it.find("control_codes");
    if (codes != it.end() && codes->is_string()) {
      item.control_codes = {codes->get<std::string>()};
    } else if (codes != it.end()) {
      STM_ASSIGN_OR_RETURN(item.control_codes, StringList(*codes, path + ".control_codes"));
    }
    if (auto d = it.find("description"); d != it.end() && d->is_string())
      item.description = d->get<std::string>();
    in.items.push_back(std::move(item));
  }
  return in;
}

Json ToJson(const Determination& d) {
  auto reasons = [](const std::vector<Reason>& v) {
    Json out = Json::array();
    for (const auto& r : v) out.push_back(ToJson(r));
    return out;
  };
  Json items = Json::array();
  for (const auto& i : d.items) {
    items.push_back({{"id", i.id},
                     {"control_codes", i.control_codes},
                     {"regimes", i.regimes},
                     {"licence_required", i.licence_required},
                     {"licence_type", i.licence_type},
                     {"policy", PolicyName(i.policy)},
                     {"reasons", reasons(i.reasons)}});
  }
  return {{"id", d.id},
          {"destination", d.destination},
          {"groups", d.groups},
          {"sanctions_regimes", d.regimes},
          {"destination_reasons", reasons(d.destination_reasons)},
          {"licence_required", d.licence_required},
          {"licence_type", d.licence_type},
          {"policy", PolicyName(d.policy)},
          {"items", items},
          {"catch_all",
           {{"raised", d.catch_all.raised},
            {"score", d.catch_all.score},
            {"threshold", d.catch_all.threshold},
            {"reasons", reasons(d.catch_all.reasons)}}}};
}

Result<Determination> Determine(const PolicyData& data, const DeterminationOptions& options,
                                const DeterminationInput& input) {
  const std::string& dest = input.destination;
  if (dest.size() != 2 || !std::isupper(static_cast<unsigned char>(dest[0])) ||
      !std::isupper(static_cast<unsigned char>(dest[1]))) {
    return Status::InvalidArgument(fmt::format("destination: '{}' is not an ISO 3166-1 alpha-2 code", dest));
  }
  if (input.items.empty()) return Status::InvalidArgument("items: at least one");
  Determination d;
  d.id = input.id;
  d.destination = dest;
  for (const CountryGroup* g : data.GroupsOf(dest)) d.groups.push_back(g->id);

  // The sanctions regimes that apply: the UN's and the enabled national authorities'.
  std::vector<const SanctionsRegime*> regimes;
  for (const SanctionsRegime* r : data.RegimesFor(dest)) {
    bool applies = r->authority == "UN" ||
                   std::find(options.national_authorities.begin(), options.national_authorities.end(),
                             r->authority) != options.national_authorities.end();
    if (!applies) continue;
    regimes.push_back(r);
    d.regimes.push_back(r->id);
    std::vector<std::string> types;
    for (const auto& m : r->measures) types.push_back(m.type);
    d.destination_reasons.push_back({"sanctions_regime",
                                     fmt::format("{} is under the {} sanctions regime '{}' ({})", dest,
                                                 r->authority, r->name, Join(types)),
                                     {r->committee.empty() ? r->name : r->committee}});
  }
  bool un_wmd_or_arms = false;
  for (const SanctionsRegime* r : regimes) {
    for (const auto& m : r->measures) {
      if (Exports(m) && (m.type == "wmd_items_ban" || m.type == "arms_embargo")) un_wmd_or_arms = true;
    }
  }

  // Catch-all: declarations and red flags.
  d.catch_all.threshold = data.catch_all().threshold;
  for (const auto& id : input.red_flags) {
    const CatchAllFlag* f = data.catch_all().Find(id);
    if (f == nullptr) return Status::InvalidArgument(fmt::format("red_flags: unknown flag '{}'", id));
    d.catch_all.score += f->weight;
    std::vector<std::string> cites;
    for (const auto& s : f->sources) cites.push_back(s.title);
    d.catch_all.reasons.push_back(
        {"red_flag:" + f->id, fmt::format("{} (weight {:g})", f->question, f->weight), cites});
  }
  if (input.informed_wmd) {
    d.catch_all.reasons.push_back(
        {"informed_wmd", "the authority informed the exporter of a possible WMD end use", {}});
  }
  if (input.aware_wmd) {
    d.catch_all.reasons.push_back({"aware_wmd", "the exporter is aware of a possible WMD end use", {}});
  }
  d.catch_all.raised = input.informed_wmd || input.aware_wmd ||
                       (d.catch_all.score > 0 && d.catch_all.score >= d.catch_all.threshold);
  if (!input.red_flags.empty() && !d.catch_all.raised) {
    d.catch_all.reasons.push_back({"below_threshold",
                                   fmt::format("red flags weigh {:g}, below the catch-all threshold {:g}",
                                               d.catch_all.score, d.catch_all.threshold),
                                   {}});
  }

  const bool nws = data.InGroup("npt_nuclear_weapon_states", dest);
  const bool npt = data.InGroup("npt_parties", dest);
  const bool csa = data.InGroup("csa_in_force", dest);

  for (const auto& in : input.items) {
    ItemDetermination item;
    item.id = in.id;
    item.control_codes = in.control_codes;
    std::set<std::string> regime_set;
    bool listed = false;
    for (const auto& code : in.control_codes) {
      if (code.empty() || code == kNotListed) continue;
      listed = true;
      std::vector<std::string> rs =
          options.regimes_of ? options.regimes_of(code) : std::vector<std::string>{};
      if (rs.empty()) rs.push_back("national");
      regime_set.insert(rs.begin(), rs.end());
    }
    item.regimes.assign(regime_set.begin(), regime_set.end());
    auto raise = [&item](Policy p) { item.policy = std::max(item.policy, p); };

    // 1. Sanctions measures that ban the item.
    for (const SanctionsRegime* r : regimes) {
      for (const auto& m : r->measures) {
        if (!Exports(m)) continue;
        std::vector<std::string> hit;
        if (m.type == "wmd_items_ban" || m.type == "sectoral_ban") {
          for (const auto& rl : m.regime_lists) {
            if (regime_set.count(rl) > 0) hit.push_back(RegimeTitle(rl));
          }
        } else if (m.type == "arms_embargo" && regime_set.count("wa_ml") > 0) {
          hit.push_back(RegimeTitle("wa_ml"));
        }
        if (hit.empty()) continue;
        item.licence_required = true;
        item.licence_type = std::string(kIndividual);
        raise(Policy::kProhibited);
        item.reasons.push_back(
            {m.type == "arms_embargo" ? "arms_embargo" : "sanctions_item_ban",
             fmt::format("the supply of {} items to {} is prohibited by the {} regime '{}' ({}{})", Join(hit),
                         dest, r->authority, r->name, m.type, m.scope.empty() ? "" : ": " + m.scope),
             Citations(*r, m)});
      }
    }

    if (listed) {
      // 2. A listed item needs a licence; the policy follows the destination's regime participation.
      item.licence_required = true;
      item.licence_type = std::string(kIndividual);
      item.reasons.push_back({"listed",
                              fmt::format("{} {} on the control list ({})", Join(in.control_codes),
                                          in.control_codes.size() == 1 ? "is" : "are", Join(item.regimes)),
                              {}});
      bool all_participant = true;
      for (const auto& regime : item.regimes) {
        std::string_view group = GroupOfRegime(regime);
        if (group.empty()) {
          item.reasons.push_back(
              {"national_control", fmt::format("{} is a national control", RegimeTitle(regime)), {}});
          continue;
        }
        if (data.InGroup(group, dest)) {
          item.reasons.push_back(
              {"regime_participant",
               fmt::format("{} participates in {} ({})", dest, GroupTitle(data, group), RegimeTitle(regime)),
               {GroupCitation(data, group)}});
        } else {
          all_participant = false;
          item.reasons.push_back({"not_regime_participant",
                                  fmt::format("{} does not participate in {} ({}): case by case", dest,
                                              GroupTitle(data, group), RegimeTitle(regime)),
                                  {GroupCitation(data, group)}});
        }
      }
      raise(all_participant ? Policy::kNormal : Policy::kCaseByCase);
      if ((regime_set.count("nsg1") > 0 || regime_set.count("nsg2") > 0) && !nws && (!npt || !csa)) {
        const bool part1 = regime_set.count("nsg1") > 0;
        std::string why = !npt ? fmt::format("{} is not a party to the NPT", dest)
                               : fmt::format("{} has no comprehensive safeguards agreement in force", dest);
        if (part1) {
          raise(Policy::kPresumptionOfDenial);
          item.reasons.push_back({"no_full_scope_safeguards",
                                  why + ": NSG Part 1 items are supplied only under full-scope safeguards",
                                  {"NSG Guidelines Part 1 (INFCIRC/254/Part 1), paragraph 4",
                                   GroupCitation(data, npt ? "csa_in_force" : "npt_parties")}});
        } else {
          raise(Policy::kCaseByCase);
          item.reasons.push_back({"no_full_scope_safeguards",
                                  why + ": NSG Part 2 items need particular scrutiny of the end use",
                                  {"NSG Guidelines Part 2 (INFCIRC/254/Part 2), paragraph 4",
                                   GroupCitation(data, npt ? "csa_in_force" : "npt_parties")}});
        }
      }
      if (regime_set.count("cwc") > 0 && !data.InGroup("cwc_states_parties", dest)) {
        raise(Policy::kPresumptionOfDenial);
        item.reasons.push_back({"cwc_non_state_party",
                                fmt::format("{} is not a state party to the CWC: scheduled chemicals are not "
                                            "transferred to non-states parties",
                                            dest),
                                {"CWC Verification Annex, Part VII, paragraph 31 and Part VIII, paragraph 26",
                                 GroupCitation(data, "cwc_states_parties")}});
      }
    } else if (d.catch_all.raised) {
      // 3. Unlisted, but catch-all applies.
      item.licence_required = true;
      if (item.licence_type.empty()) item.licence_type = std::string(kIndividualCatchAll);
      raise(un_wmd_or_arms ? Policy::kPresumptionOfDenial : Policy::kCaseByCase);
      item.reasons.push_back(
          {"catch_all",
           un_wmd_or_arms
               ? fmt::format("not listed, but catch-all applies and {} is under a UN WMD or arms measure",
                             dest)
               : std::string("not listed, but catch-all applies (see catch_all)"),
           {"Catch-all controls, e.g. Regulation (EU) 2021/821 Article 4; Wassenaar statement of "
            "understanding on "
            "non-listed dual-use items"}});
    } else if (item.policy == Policy::kNoLicenceRequired) {
      item.reasons.push_back({"not_listed", "not listed and no catch-all concern: no licence required", {}});
    }
    d.licence_required = d.licence_required || item.licence_required;
    if (item.policy >= d.policy) {
      d.policy = item.policy;
      if (!item.licence_type.empty()) d.licence_type = item.licence_type;
    }
    d.items.push_back(std::move(item));
  }
  if (d.licence_required && d.licence_type.empty()) d.licence_type = std::string(kIndividual);
  return d;
}

}  // namespace stm::policy
