// US Consolidated Screening List CSV (trade.gov) and the BIS Denied Persons List (tab-separated).
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <unordered_map>

#include "screening/countries.h"
#include "screening/csv.h"
#include "screening/import_internal.h"

namespace stm::screening::internal {
namespace {

// "Entity List (EL) - Bureau of Industry and Security" -> "Entity List";
// "Military End User (MEU) List - Bureau..." -> "Military End User List".
std::string ShortSource(std::string_view source) {
  std::string_view s = source.substr(0, source.find(" - "));
  std::string out;
  int depth = 0;
  for (char c : s) {
    if (c == '(') {
      ++depth;
    } else if (c == ')') {
      if (depth > 0) --depth;
    } else if (depth == 0) {
      out.push_back(c);
    }
  }
  return Clean(out);
}

// "Street, City, 12345, CN" -> {text, "CN"}; a lone "MM" is a country only.
void AddCslAddress(Entity& e, const std::string& a) {
  std::string text = a;
  std::string country;
  size_t comma = a.rfind(", ");
  std::string last = comma == std::string::npos ? a : a.substr(comma + 2);
  if (last.size() == 2 && std::isupper(static_cast<unsigned char>(last[0])) &&
      std::isupper(static_cast<unsigned char>(last[1]))) {
    country = CountryCodeOrText(last);
  } else if (auto c = CountryCode(last)) {
    country = *c;
  }
  if (comma == std::string::npos && !country.empty()) {
    AddUnique(e.countries, country);
    return;
  }
  AddAddress(e, text, country);
}

// The `ids` column: "CC, value, type" or "value, type", separated by "; ".
void AddCslIds(Entity& e, const std::string& ids) {
  for (const auto& item : SplitClean(ids, "; ")) {
    std::vector<std::string> parts = SplitClean(item, ", ");
    if (parts.size() < 2) continue;
    std::string country;
    size_t v = 0;
    if (parts.size() >= 3 && parts[0].size() == 2 && std::isupper(static_cast<unsigned char>(parts[0][0])) &&
        std::isupper(static_cast<unsigned char>(parts[0][1]))) {
      country = parts[0];
      v = 1;
    }
    std::string value = parts[v];
    std::string type_text;
    for (size_t i = v + 1; i < parts.size(); ++i) type_text += (type_text.empty() ? "" : ", ") + parts[i];
    if (EqualsI(type_text, "Organization Established Date")) {
      if (auto d = ParseDate(value)) AddDate(e, std::move(*d));
      continue;
    }
    auto type = IdentifierType(type_text);
    if (!type) continue;
    if (*type == "imo" && StartsWithI(value, "IMO ")) value = value.substr(4);
    if (!PlausibleIdentifier(*type, value)) continue;
    AddIdentifier(e, *type, value, country.empty() ? std::string() : CountryCodeOrText(country));
  }
}

std::vector<ImportedList> Finish(std::vector<ImportedList> lists) {
  for (auto& l : lists) l.report.records = static_cast<int64_t>(l.entities.size());
  return lists;
}

}  // namespace

Result<std::vector<ImportedList>> ParseUsCsl(const ParseInput& in) {
  std::string text = RepairUtf8(in.bytes);
  auto parsed = ParseCsv(text);
  if (!parsed.ok()) return parsed.status().WithContext(in.file);
  auto& rows = *parsed;
  if (rows.empty()) return Status::InvalidArgument(fmt::format("{}: empty file", in.file));
  Columns col(rows[0].fields);
  if (std::string missing = col.Missing({"source", "name"}); !missing.empty()) {
    return Status::InvalidArgument(fmt::format("{}: missing column(s) {}", in.file, missing));
  }
  const size_t width = rows[0].fields.size();

  std::vector<ImportedList> lists;
  std::map<std::string, size_t> by_key;
  std::string max_start;
  for (size_t i = 1; i < rows.size(); ++i) {
    const CsvRecord& r = rows[i];
    std::string source = col.Get(r, "source");
    std::string short_source = ShortSource(source);
    std::string key = "us_csl:" + (short_source.empty() ? std::string("unknown") : short_source);
    auto [it, inserted] = by_key.emplace(key, lists.size());
    if (inserted) {
      ImportedList l;
      l.report.list = key;
      l.report.file = in.file;
      l.report.format = "us_csl_csv";
      lists.push_back(std::move(l));
    }
    ImportedList& list = lists[it->second];
    ImportReport& report = list.report;

    Entity e;
    e.list = key;
    e.source_id = col.Get(r, "_id");
    if (e.source_id.empty()) e.source_id = col.Get(r, "entity_number");
    if (e.source_id.empty()) {
      e.source_id = fmt::format("line-{}", r.line);
      Warn(report, e.source_id, fmt::format("line {}: no _id", r.line));
    }
    if (source.empty()) Warn(report, e.source_id, fmt::format("line {}: no source", r.line));
    if (r.fields.size() != width) {
      Warn(report, e.source_id,
           fmt::format("line {}: {} fields, header has {}", r.line, r.fields.size(), width));
    }
    e.schema = ParseSchema(col.Get(r, "type"));
    // Treasury lists write persons "LAST, First".
    const bool reorder = e.schema == Schema::kPerson;
    std::string name = col.Get(r, "name");
    if (name.empty()) {
      Warn(report, e.source_id, fmt::format("line {}: no name; record skipped", r.line));
      continue;
    }
    AddName(e, reorder ? LastFirstToNatural(name) : name, NameKind::kPrimary);
    for (auto a : SplitClean(col.Get(r, "alt_names"), ";")) {
      if (StartsWithI(a, "and ")) a = a.substr(4);
      AddName(e, reorder ? LastFirstToNatural(a) : a, NameKind::kAlias);
    }
    for (const auto& p : SplitClean(col.Get(r, "programs"), ";")) AddUnique(e.programmes, p);
    for (const auto& a : SplitClean(col.Get(r, "addresses"), ";")) AddCslAddress(e, a);
    for (const auto& d : SplitClean(col.Get(r, "dates_of_birth"), ";")) {
      if (auto pd = ParseDate(d)) {
        if (!PlausibleYear(pd->year))
          Warn(report, e.source_id, fmt::format("implausible date of birth '{}'", d));
        AddDate(e, std::move(*pd));
      } else {
        Warn(report, e.source_id, fmt::format("unreadable date of birth '{}'", d));
        PartialDate raw;
        raw.raw = d;
        AddDate(e, std::move(raw));
      }
    }
    for (const auto& p : SplitClean(col.Get(r, "places_of_birth"), ";")) AddUnique(e.birth_places, p);
    for (const auto& c : SplitClean(col.Get(r, "nationalities"), ";"))
      AddUnique(e.nationalities, CountryCodeOrText(c));
    for (const auto& c : SplitClean(col.Get(r, "citizenships"), ";"))
      AddUnique(e.nationalities, CountryCodeOrText(c));
    AddCslIds(e, col.Get(r, "ids"));
    if (std::string cs = col.Get(r, "call_sign"); !cs.empty()) AddIdentifier(e, "call_sign", cs, "");
    if (std::string flag = col.Get(r, "vessel_flag"); !flag.empty())
      AddUnique(e.countries, CountryCodeOrText(flag));
    std::string start = col.Get(r, "start_date");
    if (!start.empty()) {
      auto d = ParseDate(start);
      if (d && !IsoDay(*d).empty() && PlausibleYear(d->year)) {
        e.listed_on = IsoDay(*d);
        max_start = std::max(max_start, e.listed_on);
      } else {
        Warn(report, e.source_id, fmt::format("implausible start_date '{}'", start));
      }
    }
    // Remarks, plus the licence terms of the BIS lists (what an officer needs when a party matches).
    std::string remarks = col.Get(r, "remarks");
    for (const auto& [label, column] : {std::pair{"License requirement", "license_requirement"},
                                        std::pair{"License policy", "license_policy"}}) {
      std::string v = col.Get(r, column);
      if (v.empty()) continue;
      if (!remarks.empty()) remarks += " ";
      remarks += fmt::format("{}: {}", label, v);
      if (remarks.back() != '.') remarks += ".";
    }
    e.remarks = remarks;
    list.entities.push_back(std::move(e));
  }
  if (lists.empty()) return Status::InvalidArgument(fmt::format("{}: no records", in.file));
  std::string version = DateFromPath(in.file);
  if (version.empty()) version = max_start;
  for (auto& l : lists) l.report.version = version;
  return Finish(std::move(lists));
}

Result<std::vector<ImportedList>> ParseBisDpl(const ParseInput& in) {
  std::string text = RepairUtf8(in.bytes);
  auto parsed = ParseCsv(text, '\t');
  if (!parsed.ok()) return parsed.status().WithContext(in.file);
  auto& rows = *parsed;
  if (rows.empty()) return Status::InvalidArgument(fmt::format("{}: empty file", in.file));
  Columns col(rows[0].fields);
  if (std::string missing = col.Missing({"name", "effective_date"}); !missing.empty()) {
    return Status::InvalidArgument(fmt::format("{}: missing column(s) {}", in.file, missing));
  }

  ImportedList list;
  list.report.list = "bis_dpl";
  list.report.file = in.file;
  list.report.format = "bis_dpl_tsv";
  ImportReport& report = list.report;

  // One row per address: rows with the same name and effective date are one denial order.
  std::map<std::pair<std::string, std::string>, size_t> orders;
  std::unordered_map<std::string, int> name_uses;
  std::string max_update;
  const size_t width = rows[0].fields.size();
  for (size_t i = 1; i < rows.size(); ++i) {
    const CsvRecord& r = rows[i];
    std::string name = col.Get(r, "name");
    std::string upper = name;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (name.empty()) {
      Warn(report, fmt::format("line-{}", r.line), fmt::format("line {}: no name; row skipped", r.line));
      continue;
    }
    if (r.fields.size() != width) {
      Warn(report, upper, fmt::format("line {}: {} fields, header has {}", r.line, r.fields.size(), width));
    }
    // Dates: MM/DD/YYYY, Last_Update YYYY-MM-DD. Implausible ones (the official file has "3017-08-22")
    // are reported; the record is kept.
    auto check = [&](const char* column) -> std::optional<PartialDate> {
      std::string v = col.Get(r, column);
      if (v.empty()) return std::nullopt;
      auto d = ParseDate(v, SlashOrder::kMonthFirst);
      if (!d || IsoDay(*d).empty()) {
        Warn(report, upper, fmt::format("line {}: unreadable {} '{}'", r.line, column, v));
        return std::nullopt;
      }
      if (!PlausibleYear(d->year)) {
        Warn(report, upper,
             fmt::format("line {}: implausible {} '{}' (year {})", r.line, column, v, d->year));
        return std::nullopt;
      }
      return d;
    };
    auto effective = check("effective_date");
    auto expiration = check("expiration_date");
    if (auto upd = check("last_update")) max_update = std::max(max_update, IsoDay(*upd));

    std::string effective_day = effective ? IsoDay(*effective) : col.Get(r, "effective_date");
    auto key = std::make_pair(upper, effective_day);
    auto it = orders.find(key);
    if (it == orders.end() && effective_day.empty()) {
      // A row without an effective date belongs to the order of the same name, if there is one.
      it = std::find_if(orders.begin(), orders.end(), [&](const auto& o) { return o.first.first == upper; });
    }
    Entity* e;
    if (it == orders.end()) {
      Entity fresh;
      fresh.list = "bis_dpl";
      int uses = ++name_uses[upper];
      fresh.source_id = uses == 1 ? upper : fmt::format("{} ({})", upper, effective_day);
      fresh.schema = Schema::kUnknown;  // the DPL does not say person or company
      AddName(fresh, name, NameKind::kPrimary);
      if (effective) fresh.listed_on = IsoDay(*effective);
      std::string remarks;
      if (expiration) remarks = fmt::format("Expires {}.", IsoDay(*expiration));
      if (std::string so = col.Get(r, "standard_order"); !so.empty()) {
        remarks += fmt::format("{}Standard order: {}.", remarks.empty() ? "" : " ", so);
      }
      if (std::string fr = col.Get(r, "fr_citation"); !fr.empty()) {
        remarks += fmt::format("{}FR: {}", remarks.empty() ? "" : " ", fr);
      }
      fresh.remarks = remarks;
      orders.emplace(key, list.entities.size());
      list.entities.push_back(std::move(fresh));
      e = &list.entities.back();
    } else {
      e = &list.entities[it->second];
    }
    std::string country_text = col.Get(r, "country");
    std::string address;
    for (const char* c : {"street_address", "city", "state", "postal_code", "country"}) {
      std::string v = col.Get(r, c);
      if (v.empty()) continue;
      if (!address.empty()) address += ", ";
      address += v;
    }
    AddAddress(*e, address, country_text.empty() ? std::string() : CountryCodeOrText(country_text));
  }
  if (list.entities.empty()) return Status::InvalidArgument(fmt::format("{}: no records", in.file));
  list.report.version = DateFromPath(in.file);
  if (list.report.version.empty()) list.report.version = max_update;
  list.report.records = static_cast<int64_t>(list.entities.size());
  std::vector<ImportedList> out;
  out.push_back(std::move(list));
  return out;
}

}  // namespace stm::screening::internal
