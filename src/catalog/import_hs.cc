// HS 2022 nomenclature and the project's correlation files: see import_hs.h.
#include "catalog/import_hs.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "catalog/import_ccl.h"
#include "screening/csv.h"

namespace stm::catalog {
namespace {

namespace fs = std::filesystem;

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Result<nlohmann::json> ReadJsonRecords(const fs::path& path) {
  STM_ASSIGN_OR_RETURN(std::string data, ReadCatalogFile(path));
  nlohmann::json j = nlohmann::json::parse(data, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::InvalidArgument(path.filename().string() + ": not valid JSON");
  if (!j.is_object() || !j.contains("records") || !j["records"].is_array()) {
    return Status::InvalidArgument(path.filename().string() +
                                   ": expected an object with a \"records\" array");
  }
  return j;
}

std::string Str(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string NormalizeHs(std::string_view code) {
  std::string out;
  for (char c : code) {
    if (c >= '0' && c <= '9') {
      out.push_back(c);
    } else if (c != '.' && c != ' ') {
      return {};
    }
  }
  return out;
}

Status ImportHs(const fs::path& path, Catalog& catalog) {
  STM_ASSIGN_OR_RETURN(std::string data, ReadCatalogFile(path));
  const std::string file = path.filename().string();
  auto parsed = screening::ParseCsv(data);
  if (!parsed.ok()) return parsed.status().WithContext(file);
  const auto& rows = parsed.value();
  if (rows.empty()) return Status::InvalidArgument(file + ": empty file");
  std::map<std::string, size_t> col;
  for (size_t i = 0; i < rows[0].fields.size(); ++i) col[rows[0].fields[i]] = i;
  for (const char* need : {"hscode", "description", "parent", "level"}) {
    if (!col.count(need)) return Status::InvalidArgument(file + ": missing column \"" + need + "\"");
  }
  const size_t width = std::max({col["hscode"], col["description"], col["parent"], col["level"]}) + 1;
  for (size_t r = 1; r < rows.size(); ++r) {
    const auto& f = rows[r].fields;
    const std::string where = "line " + std::to_string(rows[r].line);
    if (f.size() < width) {
      catalog.AddIssue({file, where, "row has too few columns; skipped", "hs_bad_row"});
      continue;
    }
    HsCode h;
    h.code = f[col["hscode"]];
    h.description = f[col["description"]];
    h.parent = f[col["parent"]] == "TOTAL" ? std::string() : f[col["parent"]];
    h.level = std::atoi(f[col["level"]].c_str());
    if (!AllDigits(h.code) || static_cast<int>(h.code.size()) != h.level ||
        (h.level != 2 && h.level != 4 && h.level != 6)) {
      catalog.AddIssue({file, where,
                        "malformed HS code \"" + h.code + "\" (level " + f[col["level"]] + "); skipped",
                        "hs_bad_row"});
      continue;
    }
    catalog.AddHs(std::move(h));
  }
  if (catalog.hs_codes().empty()) return Status::InvalidArgument(file + ": no HS codes");
  return Status::Ok();
}

Status ImportHsCorrelation(const fs::path& path, Catalog& catalog) {
  STM_ASSIGN_OR_RETURN(nlohmann::json j, ReadJsonRecords(path));
  const std::string file = path.filename().string();
  const bool have_hs = !catalog.hs_codes().empty();
  int index = 0;
  for (const auto& rec : j["records"]) {
    ++index;
    const std::string entry = Str(rec, "entry");
    const std::string hs = NormalizeHs(Str(rec, "hs"));
    const std::string where = entry.empty() ? "record " + std::to_string(index) : entry;
    if (entry.empty() || hs.empty() || Str(rec, "provenance").empty()) {
      catalog.AddIssue(
          {file, where, "record needs entry, hs and provenance; skipped", "correlation_bad_record"});
      continue;
    }
    if (have_hs && !catalog.FindHs(hs)) {
      catalog.AddIssue({file, where, "HS code " + hs + " is not in the HS 2022 nomenclature; skipped",
                        "correlation_unknown_hs"});
      continue;
    }
    ControlEntry* e = catalog.MutableEntry(entry);
    if (!e) {
      catalog.AddIssue({file, where, "entry is not in the catalogue; skipped", "correlation_unknown_entry"});
      continue;
    }
    if (std::find(e->hs_codes.begin(), e->hs_codes.end(), hs) == e->hs_codes.end()) e->hs_codes.push_back(hs);
  }
  return Status::Ok();
}

Status ImportCrossReferences(const fs::path& path, Catalog& catalog) {
  STM_ASSIGN_OR_RETURN(nlohmann::json j, ReadJsonRecords(path));
  const std::string file = path.filename().string();
  int index = 0;
  for (const auto& rec : j["records"]) {
    ++index;
    CrossReference x{Str(rec, "from"), Str(rec, "to"), Str(rec, "relation"), Str(rec, "provenance")};
    const std::string where = x.from.empty() ? "record " + std::to_string(index) : x.from;
    if (x.from.empty() || x.to.empty() || x.provenance.empty() ||
        (x.relation != "equivalent" && x.relation != "broader" && x.relation != "narrower" &&
         x.relation != "see_also")) {
      catalog.AddIssue({file, where, "record needs from, to, a known relation and provenance; skipped",
                        "xref_bad_record"});
      continue;
    }
    if (!catalog.Find(x.from)) {
      catalog.AddIssue({file, where, "entry is not in the catalogue; skipped", "xref_unknown_entry"});
      continue;
    }
    catalog.AddCrossReference(std::move(x));
  }
  return Status::Ok();
}

}  // namespace stm::catalog
