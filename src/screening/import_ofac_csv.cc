// OFAC legacy CSV: sdn.csv (no header: ent_num, SDN_Name, SDN_Type, Program, Title, Call_Sign, Vess_type,
// Tonnage, GRT, Vess_flag, Vess_owner, Remarks) with alt.csv (ent_num, alt_num, alt_type, alt_name,
// alt_remarks), add.csv (ent_num, add_num, address, city/state/postal, country, add_remarks) and
// sdn_comments.csv (ent_num, remarks overflow); the consolidated non-SDN set has the same layout as
// cons_prim.csv / cons_alt.csv / cons_add.csv / cons_comments.csv. "-0-" is NULL.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <unordered_map>

#include "screening/countries.h"
#include "screening/csv.h"
#include "screening/import_internal.h"

namespace stm::screening::internal {
namespace {

std::string Field(const CsvRecord& r, size_t i) {
  if (i >= r.fields.size()) return {};
  std::string v = Clean(r.fields[i]);
  if (v == "-0-") return {};
  return v;
}

Result<std::vector<CsvRecord>> ReadCsv(const std::string& file, std::string_view bytes) {
  std::string text = RepairUtf8(bytes);
  auto rows = ParseCsv(text);
  if (!rows.ok()) return rows.status().WithContext(file);
  return rows;
}

}  // namespace

Result<std::vector<ImportedList>> ParseOfacCsv(const ParseInput& in, bool consolidated) {
  const std::string list_key = consolidated ? "ofac_cons" : "ofac_sdn";
  const std::string prefix = consolidated ? "cons_" : "";
  STM_ASSIGN_OR_RETURN(auto rows, ReadCsv(in.file, in.bytes));
  if (rows.empty()) return Status::InvalidArgument(fmt::format("{}: empty file", in.file));

  ImportedList list;
  list.report.list = list_key;
  list.report.file = in.file;
  list.report.format = consolidated ? "ofac_cons_csv" : "ofac_sdn_csv";
  list.report.version = DateFromPath(in.file);
  ImportReport& report = list.report;

  // Remarks overflow first: it completes the remarks column before that is parsed.
  std::unordered_map<std::string, std::string> overflow;
  if (in.sibling) {
    if (auto bytes = in.sibling(consolidated ? "cons_comments.csv" : "sdn_comments.csv")) {
      auto c = ReadCsv(in.file, *bytes);
      if (!c.ok()) return c.status();
      for (const auto& r : *c) {
        std::string id = Field(r, 0);
        if (id.empty() || r.fields.size() < 2) continue;
        overflow[id] += r.fields[1];  // continues the text exactly, no separator
      }
    }
  }

  std::unordered_map<std::string, size_t> index;
  list.entities.reserve(rows.size());
  for (const auto& r : rows) {
    Entity e;
    e.list = list_key;
    e.source_id = Field(r, 0);
    if (e.source_id.empty()) {
      e.source_id = fmt::format("line-{}", r.line);
      Warn(report, e.source_id, fmt::format("line {}: no ent_num", r.line));
    } else if (!std::all_of(e.source_id.begin(), e.source_id.end(),
                            [](char c) { return c >= '0' && c <= '9'; })) {
      Warn(report, e.source_id, fmt::format("line {}: ent_num '{}' is not a number", r.line, e.source_id));
    }
    if (r.fields.size() != 12) {
      Warn(report, e.source_id, fmt::format("line {}: {} fields, expected 12", r.line, r.fields.size()));
    }
    const std::string type = Lower(Field(r, 2));
    e.schema = type == "individual" ? Schema::kPerson
               : type == "vessel"   ? Schema::kVessel
               : type == "aircraft" ? Schema::kAircraft
                                    : Schema::kOrganisation;
    std::string name = Field(r, 1);
    if (name.empty()) {
      Warn(report, e.source_id, fmt::format("line {}: no name; record skipped", r.line));
      continue;
    }
    AddName(e, e.schema == Schema::kPerson ? LastFirstToNatural(name) : name, NameKind::kPrimary);
    for (auto& p : SplitClean(Field(r, 3), "] [")) {
      std::string prog = p;
      prog.erase(std::remove(prog.begin(), prog.end(), '['), prog.end());
      prog.erase(std::remove(prog.begin(), prog.end(), ']'), prog.end());
      AddUnique(e.programmes, prog);
    }
    if (std::string cs = Field(r, 5); !cs.empty()) AddIdentifier(e, "call_sign", cs, "");
    if (std::string flag = Field(r, 9); !flag.empty()) AddUnique(e.countries, CountryCodeOrText(flag));
    // Remarks, completed by the overflow file; more than 12 fields: the rest belongs to the remarks.
    std::string remarks = r.fields.size() > 11 ? r.fields[11] : std::string();
    for (size_t i = 12; i < r.fields.size(); ++i) remarks += "," + r.fields[i];
    remarks = Clean(remarks);
    if (remarks == "-0-") remarks.clear();
    if (auto it = overflow.find(e.source_id); it != overflow.end()) remarks = Clean(remarks + it->second);
    e.remarks = remarks;
    ParseOfacRemarks(e, remarks, report);
    if (index.count(e.source_id)) {
      Warn(report, e.source_id, fmt::format("line {}: duplicate ent_num", r.line));
    } else {
      index.emplace(e.source_id, list.entities.size());
    }
    list.entities.push_back(std::move(e));
  }

  auto entity_for = [&](const std::string& id, std::string_view what, int line) -> Entity* {
    auto it = index.find(id);
    if (it == index.end()) {
      Warn(report, id, fmt::format("{} line {}: ent_num {} is not in the primary file", what, line, id));
      return nullptr;
    }
    return &list.entities[it->second];
  };

  if (in.sibling) {
    const std::string alt_name = prefix + "alt.csv";
    if (auto bytes = in.sibling(alt_name)) {
      STM_ASSIGN_OR_RETURN(auto alt, ReadCsv(alt_name, *bytes));
      for (const auto& r : alt) {
        Entity* e = entity_for(Field(r, 0), alt_name, r.line);
        if (!e) continue;
        std::string name = Field(r, 3);
        if (name.empty()) continue;
        std::string t = Lower(Field(r, 2));
        NameKind kind = t == "fka" ? NameKind::kFormer : NameKind::kAlias;
        AliasStrength strength =
            ContainsI(Field(r, 4), "weak") ? AliasStrength::kWeak : AliasStrength::kStrong;
        AddName(*e, e->schema == Schema::kPerson ? LastFirstToNatural(name) : name, kind, strength);
      }
    }
    const std::string add_name = prefix + "add.csv";
    if (auto bytes = in.sibling(add_name)) {
      STM_ASSIGN_OR_RETURN(auto add, ReadCsv(add_name, *bytes));
      for (const auto& r : add) {
        Entity* e = entity_for(Field(r, 0), add_name, r.line);
        if (!e) continue;
        std::string country_text = Field(r, 4);
        std::string text;
        for (size_t i : {2u, 3u, 4u}) {
          std::string f = Field(r, i);
          if (f.empty()) continue;
          if (!text.empty()) text += ", ";
          text += f;
        }
        AddAddress(*e, text, country_text.empty() ? std::string() : CountryCodeOrText(country_text));
      }
    }
  }
  if (list.entities.empty()) return Status::InvalidArgument(fmt::format("{}: no records", in.file));
  list.report.records = static_cast<int64_t>(list.entities.size());
  std::vector<ImportedList> out;
  out.push_back(std::move(list));
  return out;
}

}  // namespace stm::screening::internal
