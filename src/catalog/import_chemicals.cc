// Controlled chemicals: see import_chemicals.h.
#include "catalog/import_chemicals.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "catalog/import_ccl.h"
#include "catalog/import_hs.h"
#include "screening/csv.h"

namespace stm::catalog {
namespace {

namespace fs = std::filesystem;

// Letters and digits only, lower-cased: "Potassium  bifluoride" == "potassium bifluoride".
std::string NameKey(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c))) out.push_back(static_cast<char>(std::tolower(c)));
  }
  return out;
}

// "2 - Chloro N, N - Di - isopropyl ethylamine" -> "2-Chloro N, N-Di-isopropyl ethylamine".
std::string CleanName(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s.compare(i, 3, " - ") == 0) {
      out.push_back('-');
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

struct CclName {
  std::string cas;
  std::string name;
  std::string paragraph;  // the deepest entry naming it
};

// The "(C.A.S. #n) Name" pairs written in the CCL paragraphs.
std::vector<CclName> CclNames(const Catalog& catalog) {
  std::vector<CclName> out;
  for (const ControlEntry& e : catalog.entries()) {
    if (e.parent.empty() || !e.children.empty()) continue;  // leaves carry the lists
    std::string_view t = e.heading;
    size_t at = t.find("C.A.S. #");
    if (at == std::string_view::npos) continue;
    size_t close = t.find(')', at);
    if (close == std::string_view::npos) continue;
    std::string cas(t.substr(at + 8, close - at - 8));
    std::string_view rest = t.substr(close + 1);
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == ',')) rest.remove_prefix(1);
    size_t end = std::min({rest.find(';'), rest.find(". "), rest.size()});
    std::string name(rest.substr(0, end));
    while (!name.empty() && (name.back() == '.' || name.back() == ' ')) name.pop_back();
    for (std::string_view tail : {" or", " and"}) {
      if (name.ends_with(tail)) name.resize(name.size() - tail.size());
    }
    out.push_back({cas, name, e.code});
  }
  return out;
}

Result<std::vector<screening::CsvRecord>> ReadCsv(const fs::path& path) {
  STM_ASSIGN_OR_RETURN(std::string data, ReadCatalogFile(path));
  auto parsed = screening::ParseCsv(data);
  if (!parsed.ok()) return parsed.status().WithContext(path.filename().string());
  if (parsed.value().empty()) return Status::InvalidArgument(path.filename().string() + ": empty file");
  return parsed;
}

Result<std::map<std::string, size_t>> Columns(const screening::CsvRecord& header, const std::string& file,
                                              std::initializer_list<const char*> needed) {
  std::map<std::string, size_t> col;
  for (size_t i = 0; i < header.fields.size(); ++i) col[header.fields[i]] = i;
  for (const char* need : needed) {
    if (!col.count(need)) return Status::InvalidArgument(file + ": missing column \"" + need + "\"");
  }
  return col;
}

bool ValidScheduleRef(std::string_view s) {
  return s.size() == 4 && (s[0] == '1' || s[0] == '2' || s[0] == '3') && (s[1] == 'A' || s[1] == 'B') &&
         std::isdigit(static_cast<unsigned char>(s[2])) && std::isdigit(static_cast<unsigned char>(s[3]));
}

}  // namespace

Status ImportScometChemicals(const fs::path& path, Catalog& catalog) {
  const std::string file = path.filename().string();
  STM_ASSIGN_OR_RETURN(auto rows, ReadCsv(path));
  STM_ASSIGN_OR_RETURN(
      auto col, Columns(rows[0], file,
                        {"scomet_entry", "chemical_name", "cwc_schedule_ref", "cas", "itc_hs", "raw_row"}));
  size_t width = 0;
  for (const auto& [name, i] : col) width = std::max(width, i + 1);

  std::map<std::string, std::string> ccl_cas_by_name;  // name key -> CAS the CCL gives
  std::map<std::string, std::string> ccl_where;
  for (const CclName& n : CclNames(catalog)) {
    ccl_cas_by_name.emplace(NameKey(n.name), n.cas);
    ccl_where.emplace(NameKey(n.name), n.paragraph);
  }
  const bool have_hs = !catalog.hs_codes().empty();

  std::map<std::string, std::string> seen;  // CAS -> first row's entry and name
  for (size_t r = 1; r < rows.size(); ++r) {
    const auto& f = rows[r].fields;
    if (f.size() < width) {
      catalog.AddIssue(
          {file, "line " + std::to_string(rows[r].line), "row has too few columns; skipped", "chem_bad_row"});
      continue;
    }
    const std::string entry = f[col["scomet_entry"]];
    const std::string name = CleanName(f[col["chemical_name"]]);
    const std::string cas = f[col["cas"]];
    const std::string raw = f[col["raw_row"]];
    const std::string where = entry + " " + name;
    if (name == "(Reserved)") continue;
    if (cas.empty()) {
      catalog.AddIssue(
          {file, where, "row has no CAS number (raw: \"" + raw + "\"); not imported", "chem_no_cas"});
      continue;
    }
    if (!ValidCas(cas)) {
      catalog.AddIssue({file, where,
                        "CAS number \"" + cas + "\" is malformed or has a wrong check digit (raw: \"" + raw +
                            "\"); not imported",
                        "bad_cas"});
      continue;
    }
    if (auto it = ccl_cas_by_name.find(NameKey(name)); it != ccl_cas_by_name.end() && it->second != cas) {
      catalog.AddIssue({file, where,
                        "CAS number " + cas + " disagrees with the CCL, which gives " + name + " as " +
                            it->second + " (" + ccl_where[NameKey(name)] + "); row not imported",
                        "bad_cas"});
      continue;
    }
    if (auto it = seen.find(cas); it != seen.end()) {
      catalog.AddIssue(
          {file, where, "CAS number " + cas + " also given for " + it->second, "chem_duplicate_cas"});
    } else {
      seen.emplace(cas, where);
    }
    std::vector<std::string> others;
    std::string raw_digits_dashes;  // "41203 - 81 - 0" -> "41203-81-0"
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw.compare(i, 3, " - ") == 0 && i > 0 && std::isdigit(static_cast<unsigned char>(raw[i - 1]))) {
        raw_digits_dashes.push_back('-');
        i += 2;
      } else {
        raw_digits_dashes.push_back(raw[i]);
      }
    }
    for (const std::string& c : FindCasNumbers(raw_digits_dashes)) {
      if (c != cas) others.push_back(c);
    }
    if (!others.empty()) {
      std::string list;
      for (const std::string& o : others) list += (list.empty() ? "" : ", ") + o;
      catalog.AddIssue({file, where,
                        "row names further CAS numbers (" + list + ", a mixture); only " + cas + " imported",
                        "chem_multiple_cas"});
    }

    Chemical c;
    c.cas = cas;
    c.name = name;
    c.sources.push_back(file);
    c.schedules.push_back("SCOMET " + entry);
    const std::string ref = f[col["cwc_schedule_ref"]];
    if (ValidScheduleRef(ref)) {
      c.schedules.push_back("CWC Schedule " + ref);
    } else if (!ref.empty()) {
      catalog.AddIssue(
          {file, where, "unrecognised CWC schedule reference \"" + ref + "\"", "chem_bad_schedule"});
    }
    std::string hs_field = f[col["itc_hs"]];
    size_t start = 0;
    while (start < hs_field.size()) {
      size_t semi = hs_field.find(';', start);
      if (semi == std::string::npos) semi = hs_field.size();
      std::string code = NormalizeHs(hs_field.substr(start, semi - start));
      start = semi + 1;
      if (code.size() < 6) continue;
      std::string six = code.substr(0, 6);
      if (have_hs && !catalog.FindHs(six)) {
        catalog.AddIssue({file, where, "HS subheading " + six + " (from " + code + ") is not in HS 2022",
                          "chem_unknown_hs"});
        continue;
      }
      if (std::find(c.hs_codes.begin(), c.hs_codes.end(), six) == c.hs_codes.end()) c.hs_codes.push_back(six);
    }
    catalog.AddChemical(std::move(c));
  }
  return Status::Ok();
}

Status ImportChemcrowChemicals(const fs::path& path, Catalog& catalog) {
  const std::string file = path.filename().string();
  STM_ASSIGN_OR_RETURN(auto rows, ReadCsv(path));
  STM_ASSIGN_OR_RETURN(auto col, Columns(rows[0], file, {"CAS No.", "Source"}));
  const size_t width = std::max(col["CAS No."], col["Source"]) + 1;
  for (size_t r = 1; r < rows.size(); ++r) {
    const auto& f = rows[r].fields;
    const std::string where = "line " + std::to_string(rows[r].line);
    if (f.size() < width) {
      catalog.AddIssue({file, where, "row has too few columns; skipped", "chem_bad_row"});
      continue;
    }
    std::string cas = f[col["CAS No."]];
    if (cas.size() >= 2 && cas.front() == '(' && cas.back() == ')') cas = cas.substr(1, cas.size() - 2);
    if (!ValidCas(cas)) {
      catalog.AddIssue({file, where + " " + f[col["CAS No."]],
                        "CAS number is malformed or has a wrong check digit; not imported", "bad_cas"});
      continue;
    }
    std::string source;
    for (char ch : f[col["Source"]])
      source.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
    Chemical c;
    c.cas = cas;
    c.sources.push_back(file);
    if (source == "australia group") {
      c.schedules.push_back("Australia Group precursor");
    } else if (source.starts_with("opcw schedule ") && source.size() == 15 && source[14] >= '1' &&
               source[14] <= '3') {
      c.schedules.push_back(std::string("CWC Schedule ") + source[14]);
    } else {
      catalog.AddIssue(
          {file, where + " " + cas, "unrecognised source \"" + f[col["Source"]] + "\"", "chem_bad_schedule"});
    }
    catalog.AddChemical(std::move(c));
  }
  return Status::Ok();
}

void LinkChemicalsToEntries(Catalog& catalog) {
  const std::string ccl_file = catalog.list().source.empty()
                                   ? std::string(kCclFullTextFile)
                                   : std::filesystem::path(catalog.list().source).filename().string();
  // Chemicals the CCL names with their CAS numbers, with the schedules its paragraph headings state.
  for (const CclName& n : CclNames(catalog)) {
    if (!ValidCas(n.cas)) continue;
    Chemical c;
    c.cas = n.cas;
    c.name = n.name;
    c.sources.push_back(ccl_file);
    for (const ControlEntry* e = catalog.Find(n.paragraph); e;
         e = e->parent.empty() ? nullptr : catalog.Find(e->parent)) {
      const std::string& h = e->heading;
      if (h.find("Australia Group") != std::string::npos) c.schedules.push_back("Australia Group precursor");
      if (h.find("CWC") != std::string::npos || h.find("Chemical Weapons Convention") != std::string::npos) {
        for (char s : {'1', '2', '3'}) {
          if (h.find(std::string("Schedule ") + s) != std::string::npos) {
            c.schedules.push_back(std::string("CWC Schedule ") + s);
          }
        }
      }
    }
    catalog.AddChemical(std::move(c));
  }
  // Chemical -> ECCNs naming it; paragraphs naming a chemical -> its HS codes.
  std::map<std::string, std::vector<std::string>> eccns_by_cas;
  std::map<std::string, std::vector<std::string>> leaves_by_cas;
  for (const ControlEntry& e : catalog.entries()) {
    for (const std::string& cas : e.cas) {
      if (e.parent.empty()) eccns_by_cas[cas].push_back(e.code);
      bool deeper = false;
      for (const std::string& child : e.children) {
        const ControlEntry* ce = catalog.Find(child);
        if (ce && std::find(ce->cas.begin(), ce->cas.end(), cas) != ce->cas.end()) deeper = true;
      }
      if (!deeper) leaves_by_cas[cas].push_back(e.code);
    }
  }
  std::vector<Chemical> updates;
  for (const Chemical& c : catalog.chemicals()) {
    auto it = eccns_by_cas.find(c.cas);
    if (it == eccns_by_cas.end()) continue;
    Chemical u;
    u.cas = c.cas;
    u.entries = it->second;
    updates.push_back(std::move(u));
    for (const std::string& code : leaves_by_cas[c.cas]) {
      ControlEntry* e = catalog.MutableEntry(code);
      if (!e) continue;
      for (const std::string& hs : c.hs_codes) {
        if (std::find(e->hs_codes.begin(), e->hs_codes.end(), hs) == e->hs_codes.end())
          e->hs_codes.push_back(hs);
      }
    }
  }
  for (Chemical& u : updates) catalog.AddChemical(std::move(u));
}

}  // namespace stm::catalog
