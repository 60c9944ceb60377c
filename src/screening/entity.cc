#include "screening/entity.h"

#include <fmt/format.h>

#include <cctype>
#include <string>

#include "common/crypto.h"

namespace stm::screening {
namespace {

std::string LowerAlnum(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  return out;
}

std::string_view NameKindName(NameKind k) {
  switch (k) {
    case NameKind::kPrimary:
      return "primary";
    case NameKind::kAlias:
      return "alias";
    case NameKind::kFormer:
      return "former";
    case NameKind::kOriginalScript:
      return "original_script";
  }
  return "alias";
}

nlohmann::json DateJson(const PartialDate& d) {
  nlohmann::json j = nlohmann::json::object();
  if (d.year) j["year"] = d.year;
  if (d.month) j["month"] = d.month;
  if (d.day) j["day"] = d.day;
  if (d.year_to) j["year_to"] = d.year_to;
  if (!d.raw.empty()) j["raw"] = d.raw;
  return j;
}

}  // namespace

std::string_view SchemaName(Schema s) {
  switch (s) {
    case Schema::kPerson:
      return "person";
    case Schema::kOrganisation:
      return "organisation";
    case Schema::kVessel:
      return "vessel";
    case Schema::kAircraft:
      return "aircraft";
    case Schema::kUnknown:
      return "unknown";
  }
  return "unknown";
}

Schema ParseSchema(std::string_view text) {
  const std::string k = LowerAlnum(text);
  if (k == "person" || k == "individual" || k == "individuals" || k == "naturalperson" || k == "people" ||
      k == "persons") {
    return Schema::kPerson;
  }
  if (k == "organisation" || k == "organization" || k == "entity" || k == "entities" || k == "company" ||
      k == "enterprise" || k == "legalentity" || k == "legalperson" || k == "org" || k == "business") {
    return Schema::kOrganisation;
  }
  if (k == "vessel" || k == "ship" || k == "vessels" || k == "ships") return Schema::kVessel;
  if (k == "aircraft" || k == "airplane" || k == "aeroplane" || k == "plane") return Schema::kAircraft;
  return Schema::kUnknown;
}

std::string PartialDate::ToString() const {
  if (year == 0) return raw;
  if (year_to != 0 && year_to != year) return fmt::format("{:04d}/{:04d}", year, year_to);
  if (month == 0) return fmt::format("{:04d}", year);
  if (day == 0) return fmt::format("{:04d}-{:02d}", year, month);
  return fmt::format("{:04d}-{:02d}-{:02d}", year, month, day);
}

const std::string& Entity::primary_name() const {
  static const std::string kEmpty;
  return names.empty() ? kEmpty : names.front().full;
}

// Keys are sorted (nlohmann::json objects are ordered maps), so dump() is canonical. Empty fields are left
// out; names always carry kind and strength.
nlohmann::json ToJson(const Entity& e) {
  nlohmann::json j = nlohmann::json::object();
  j["list"] = e.list;
  j["source_id"] = e.source_id;
  j["schema"] = SchemaName(e.schema);
  nlohmann::json names = nlohmann::json::array();
  for (const auto& n : e.names) {
    nlohmann::json nj = {{"full", n.full},
                         {"kind", NameKindName(n.kind)},
                         {"strength", n.strength == AliasStrength::kWeak ? "weak" : "strong"}};
    if (!n.script.empty()) nj["script"] = n.script;
    names.push_back(std::move(nj));
  }
  j["names"] = std::move(names);
  if (!e.birth_dates.empty()) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& d : e.birth_dates) a.push_back(DateJson(d));
    j["birth_dates"] = std::move(a);
  }
  if (!e.birth_places.empty()) j["birth_places"] = e.birth_places;
  if (!e.nationalities.empty()) j["nationalities"] = e.nationalities;
  if (!e.countries.empty()) j["countries"] = e.countries;
  if (!e.addresses.empty()) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& ad : e.addresses) {
      nlohmann::json aj = {{"text", ad.text}};
      if (!ad.country.empty()) aj["country"] = ad.country;
      a.push_back(std::move(aj));
    }
    j["addresses"] = std::move(a);
  }
  if (!e.identifiers.empty()) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& id : e.identifiers) {
      nlohmann::json ij = {{"type", id.type}, {"value", id.value}};
      if (!id.country.empty()) ij["country"] = id.country;
      a.push_back(std::move(ij));
    }
    j["identifiers"] = std::move(a);
  }
  if (!e.programmes.empty()) j["programmes"] = e.programmes;
  if (!e.listed_on.empty()) j["listed_on"] = e.listed_on;
  if (!e.remarks.empty()) j["remarks"] = e.remarks;
  return j;
}

std::string ContentDigest(const Entity& e) {
  // Invalid UTF-8 cannot reach here from the importers (they repair it), but a hand-built entity might carry
  // it: replace rather than throw.
  return Sha256Hex(ToJson(e).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

nlohmann::json ToJson(const ImportReport& r) {
  nlohmann::json warnings = nlohmann::json::array();
  for (const auto& w : r.warnings) {
    nlohmann::json wj = {{"message", w.message}};
    if (!w.source_id.empty()) wj["source_id"] = w.source_id;
    warnings.push_back(std::move(wj));
  }
  return {{"list", r.list},
          {"file", r.file},
          {"format", r.format},
          {"version", r.version},
          {"records", r.records},
          {"warning_count", r.warnings.size()},
          {"warnings", std::move(warnings)}};
}

}  // namespace stm::screening
