#include "screening/entity_json.h"

#include "screening/import_internal.h"

namespace stm::screening {
namespace {

NameKind ParseNameKind(const std::string& s) {
  if (s == "primary") return NameKind::kPrimary;
  if (s == "former") return NameKind::kFormer;
  if (s == "original_script") return NameKind::kOriginalScript;
  return NameKind::kAlias;
}

std::vector<std::string> Strings(const nlohmann::json& j, const char* key) {
  std::vector<std::string> out;
  if (auto it = j.find(key); it != j.end() && it->is_array()) {
    for (const auto& v : *it) {
      if (v.is_string()) out.push_back(v.get<std::string>());
    }
  }
  return out;
}

}  // namespace

Result<Entity> EntityFromJson(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("list") || !j.contains("source_id") || !j.contains("names")) {
    return Status::DataLoss("stored entity lacks list, source_id or names");
  }
  Entity e;
  e.list = j.value("list", "");
  e.source_id = j.value("source_id", "");
  e.schema = ParseSchema(j.value("schema", ""));
  for (const auto& n : j["names"]) {
    Name name;
    name.full = n.value("full", "");
    name.kind = ParseNameKind(n.value("kind", "alias"));
    name.strength = n.value("strength", "strong") == "weak" ? AliasStrength::kWeak : AliasStrength::kStrong;
    name.script = n.value("script", "");
    e.names.push_back(std::move(name));
  }
  if (auto it = j.find("birth_dates"); it != j.end() && it->is_array()) {
    for (const auto& d : *it) {
      PartialDate pd;
      pd.year = d.value("year", 0);
      pd.month = d.value("month", 0);
      pd.day = d.value("day", 0);
      pd.year_to = d.value("year_to", 0);
      pd.raw = d.value("raw", "");
      e.birth_dates.push_back(std::move(pd));
    }
  }
  e.birth_places = Strings(j, "birth_places");
  e.nationalities = Strings(j, "nationalities");
  e.countries = Strings(j, "countries");
  if (auto it = j.find("addresses"); it != j.end() && it->is_array()) {
    for (const auto& a : *it) e.addresses.push_back({a.value("text", ""), a.value("country", "")});
  }
  if (auto it = j.find("identifiers"); it != j.end() && it->is_array()) {
    for (const auto& i : *it) e.identifiers.push_back({i.value("type", ""), i.value("value", ""), i.value("country", "")});
  }
  e.programmes = Strings(j, "programmes");
  e.listed_on = j.value("listed_on", "");
  e.remarks = j.value("remarks", "");
  return e;
}

std::optional<PartialDate> ParsePartialDate(std::string_view text) {
  return internal::ParseDate(text, internal::SlashOrder::kDayFirst);
}

}  // namespace stm::screening
