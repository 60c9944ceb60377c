#include "catalog/catalog.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "catalog/import_ccl.h"
#include "catalog/import_chemicals.h"
#include "catalog/import_hs.h"

namespace stm::catalog {
namespace {

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string Trimmed(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

template <typename T>
void AppendUnique(std::vector<T>& to, const std::vector<T>& from) {
  for (const T& v : from) {
    if (std::find(to.begin(), to.end(), v) == to.end()) to.push_back(v);
  }
}

// An HS code "matches" a correlated code at 4 and 6 digits: the same heading or subheading, or one is the
// other's extension.
bool HsMatches(std::string_view query, std::string_view correlated) {
  if (query.size() < 4 || correlated.size() < 4) return false;
  std::string_view q = query.substr(0, std::min<size_t>(query.size(), 6));
  std::string_view c = correlated.substr(0, std::min<size_t>(correlated.size(), 6));
  return q.starts_with(c) || c.starts_with(q);
}

}  // namespace

std::string_view RegimeId(Regime r) {
  switch (r) {
    case Regime::kNsg1:
      return "nsg1";
    case Regime::kNsg2:
      return "nsg2";
    case Regime::kMtcr:
      return "mtcr";
    case Regime::kAustraliaGroup:
      return "ag";
    case Regime::kCwc:
      return "cwc";
    case Regime::kWassenaarDualUse:
      return "wa_du";
    case Regime::kWassenaarMunitions:
      return "wa_ml";
    case Regime::kNational:
      return "national";
  }
  return "national";
}

std::string_view RegimeName(Regime r) {
  switch (r) {
    case Regime::kNsg1:
      return "NSG Part 1";
    case Regime::kNsg2:
      return "NSG Part 2";
    case Regime::kMtcr:
      return "Missile Technology Control Regime";
    case Regime::kAustraliaGroup:
      return "Australia Group";
    case Regime::kCwc:
      return "Chemical Weapons Convention";
    case Regime::kWassenaarDualUse:
      return "Wassenaar Arrangement (dual-use)";
    case Regime::kWassenaarMunitions:
      return "Wassenaar Arrangement (munitions)";
    case Regime::kNational:
      return "National (unilateral)";
  }
  return "National (unilateral)";
}

std::optional<Regime> ParseRegime(std::string_view id) {
  for (Regime r : {Regime::kNsg1, Regime::kNsg2, Regime::kMtcr, Regime::kAustraliaGroup, Regime::kCwc,
                   Regime::kWassenaarDualUse, Regime::kWassenaarMunitions, Regime::kNational}) {
    if (RegimeId(r) == id) return r;
  }
  return std::nullopt;
}

std::optional<Regime> RegimeFromNumbering(std::string_view code) {
  if (code.size() < 5 || !std::isdigit(static_cast<unsigned char>(code[0])) ||
      !std::isalpha(static_cast<unsigned char>(code[1])) ||
      !std::isdigit(static_cast<unsigned char>(code[2])) ||
      !std::isdigit(static_cast<unsigned char>(code[3])) ||
      !std::isdigit(static_cast<unsigned char>(code[4]))) {
    return std::nullopt;
  }
  const char category = code[0];
  switch (code[2]) {
    case '0':
      return category == '0' ? Regime::kNsg1 : Regime::kWassenaarDualUse;
    case '1':
      return Regime::kMtcr;
    case '2':
      return Regime::kNsg2;
    case '3':
      return Regime::kAustraliaGroup;
    case '4':
      return Regime::kCwc;
    case '5':
      // The 0Y521 series is a temporary unilateral control, not a munitions entry.
      if (code[3] == '2' && code[4] == '1') return Regime::kNational;
      return Regime::kWassenaarMunitions;
    case '6':
      return Regime::kWassenaarMunitions;
    default:
      return Regime::kNational;
  }
}

bool ValidCas(std::string_view cas) {
  // digits (2-7) '-' two digits '-' one check digit.
  size_t first_dash = cas.find('-');
  if (first_dash == std::string_view::npos || first_dash < 2 || first_dash > 7) return false;
  if (cas.size() != first_dash + 5 || cas[first_dash + 3] != '-') return false;
  std::string digits;
  for (size_t i = 0; i < cas.size(); ++i) {
    if (i == first_dash || i == first_dash + 3) continue;
    if (!std::isdigit(static_cast<unsigned char>(cas[i]))) return false;
    digits.push_back(cas[i]);
  }
  int sum = 0;
  int weight = 1;
  for (size_t i = digits.size() - 1; i-- > 0;) sum += (digits[i] - '0') * weight++;
  return sum % 10 == digits.back() - '0';
}

nlohmann::json ImportIssue::ToJson() const {
  nlohmann::json j = {{"source", source}, {"where", where}, {"message", message}};
  if (!kind.empty()) j["kind"] = kind;
  return j;
}

const ControlEntry* Catalog::Find(std::string_view code) const {
  auto it = by_code_.find(Upper(Trimmed(code)));
  return it == by_code_.end() ? nullptr : &entries_[it->second];
}

ControlEntry* Catalog::MutableEntry(std::string_view code) {
  auto it = by_code_.find(Upper(Trimmed(code)));
  return it == by_code_.end() ? nullptr : &entries_[it->second];
}

const Chemical* Catalog::FindChemical(std::string_view cas) const {
  auto it = by_cas_.find(Trimmed(cas));
  return it == by_cas_.end() ? nullptr : &chemicals_[it->second];
}

const HsCode* Catalog::FindHs(std::string_view code) const {
  std::string digits = NormalizeHs(code);
  if (digits.empty()) return nullptr;
  auto it = by_hs_.find(digits);
  return it == by_hs_.end() ? nullptr : &hs_[it->second];
}

std::vector<const ControlEntry*> Catalog::EntriesForHs(std::string_view code) const {
  std::vector<const ControlEntry*> out;
  std::string digits = NormalizeHs(code);
  if (digits.size() < 4) return out;
  for (const ControlEntry& e : entries_) {
    for (const std::string& h : e.hs_codes) {
      if (HsMatches(digits, h)) {
        out.push_back(&e);
        break;
      }
    }
  }
  return out;
}

std::vector<const ControlEntry*> Catalog::EntriesForCas(std::string_view cas) const {
  std::vector<const ControlEntry*> out;
  std::string key = Trimmed(cas);
  for (const ControlEntry& e : entries_) {
    if (std::find(e.cas.begin(), e.cas.end(), key) != e.cas.end()) out.push_back(&e);
  }
  return out;
}

std::vector<const CrossReference*> Catalog::CrossReferencesOf(std::string_view code) const {
  std::vector<const CrossReference*> out;
  std::string key = Upper(Trimmed(code));
  for (const CrossReference& x : cross_refs_) {
    if (Upper(x.from) == key || Upper(x.to) == key) out.push_back(&x);
  }
  return out;
}

void Catalog::AddEntry(ControlEntry e) {
  std::string key = Upper(e.code);
  auto it = by_code_.find(key);
  if (it != by_code_.end()) {
    entries_[it->second] = std::move(e);
    return;
  }
  by_code_.emplace(std::move(key), entries_.size());
  entries_.push_back(std::move(e));
}

void Catalog::AddChemical(Chemical c) {
  auto it = by_cas_.find(c.cas);
  if (it == by_cas_.end()) {
    by_cas_.emplace(c.cas, chemicals_.size());
    chemicals_.push_back(std::move(c));
    return;
  }
  Chemical& have = chemicals_[it->second];
  if (have.name.empty()) have.name = c.name;
  AppendUnique(have.schedules, c.schedules);
  AppendUnique(have.entries, c.entries);
  AppendUnique(have.hs_codes, c.hs_codes);
  AppendUnique(have.sources, c.sources);
}

void Catalog::AddHs(HsCode h) {
  auto it = by_hs_.find(h.code);
  if (it != by_hs_.end()) {
    hs_[it->second] = std::move(h);
    return;
  }
  by_hs_.emplace(h.code, hs_.size());
  hs_.push_back(std::move(h));
}

void Catalog::AddCrossReference(CrossReference x) { cross_refs_.push_back(std::move(x)); }

Result<Catalog> LoadCatalog(const LoadOptions& options) {
  namespace fs = std::filesystem;
  const fs::path ccl_dir = options.data_dir / "controls" / "us_ccl";
  const fs::path full_text = ccl_dir / kCclFullTextFile;
  fs::path tree = ccl_dir / kCclTreeFile;
  std::error_code ec;
  const bool have_tree = fs::is_regular_file(tree, ec);
  STM_ASSIGN_OR_RETURN(Catalog catalog, ImportCcl(full_text, have_tree ? tree : fs::path()));
  if (!have_tree) {
    catalog.AddIssue({std::string(kCclTreeFile), "", "paragraph tree not found: structure not cross-checked",
                      "missing_file"});
  }

  auto optional_file = [&](const fs::path& p) {
    if (fs::is_regular_file(p, ec)) return true;
    catalog.AddIssue({p.filename().string(), "", "file not found: " + p.string(), "missing_file"});
    return false;
  };

  const fs::path hs = options.data_dir / "controls" / "hs" / kHsFile;
  if (optional_file(hs)) STM_RETURN_IF_ERROR(ImportHs(hs, catalog));

  const fs::path chem_dir = options.data_dir / "controls" / "cwc_ag_chemicals";
  if (optional_file(chem_dir / kScometFile)) {
    STM_RETURN_IF_ERROR(ImportScometChemicals(chem_dir / kScometFile, catalog));
  }
  if (optional_file(chem_dir / kChemcrowFile)) {
    STM_RETURN_IF_ERROR(ImportChemcrowChemicals(chem_dir / kChemcrowFile, catalog));
  }
  LinkChemicalsToEntries(catalog);

  if (!options.project_data.empty()) {
    const fs::path correlation = options.project_data / "hs_correlation.json";
    if (optional_file(correlation)) STM_RETURN_IF_ERROR(ImportHsCorrelation(correlation, catalog));
    const fs::path xrefs = options.project_data / "cross_references.json";
    if (optional_file(xrefs)) STM_RETURN_IF_ERROR(ImportCrossReferences(xrefs, catalog));
  }
  return catalog;
}

}  // namespace stm::catalog
