// UK (FCDO list normalised into relational CSVs; the legacy OFSI consolidated CSV), EU (financial
// sanctions names CSV) and Canada (SEMA consolidated XML).
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <memory>
#include <pugixml.hpp>
#include <unordered_map>

#include "screening/countries.h"
#include "screening/csv.h"
#include "screening/import_internal.h"

namespace stm::screening::internal {
namespace {

struct Table {
  std::vector<CsvRecord> rows;  // without the header
  std::unique_ptr<Columns> col;
};

Result<Table> ReadTable(const std::string& file, std::string_view bytes,
                        std::initializer_list<const char*> required) {
  std::string text = RepairUtf8(bytes);
  auto parsed = ParseCsv(text);
  if (!parsed.ok()) return parsed.status().WithContext(file);
  if (parsed->empty()) return Status::InvalidArgument(fmt::format("{}: empty file", file));
  Table t;
  t.col = std::make_unique<Columns>(parsed->front().fields);
  if (std::string missing = t.col->Missing(required); !missing.empty()) {
    return Status::InvalidArgument(fmt::format("{}: missing column(s) {}", file, missing));
  }
  t.rows.assign(std::make_move_iterator(parsed->begin() + 1), std::make_move_iterator(parsed->end()));
  return t;
}

std::vector<ImportedList> One(ImportedList l) {
  l.report.records = static_cast<int64_t>(l.entities.size());
  std::vector<ImportedList> v;
  v.push_back(std::move(l));
  return v;
}

std::string JoinNonEmpty(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const auto& p : parts) {
    if (p.empty()) continue;
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

// "29/06/2012" -> "2012-06-29"; empty when unreadable or implausible.
std::string UkDay(const std::string& text) {
  auto d = ParseDate(text, SlashOrder::kDayFirst);
  if (!d || !PlausibleYear(d->year)) return {};
  return IsoDay(*d);
}

// ---- EU helpers ----

// Legal-form fragments that a naive ", " split cuts off a company name.
bool IsLegalFormFragment(const std::string& s) {
  static const char* kForms[] = {
      "ltd",  "ltd.",      "limited", "inc",       "inc.",    "llc",  "l.l.c.",   "a. s.", "a. s",
      "a.s.", "d. d.",     "d.d.",    "d.o.o.",    "s.a.",    "sa",   "s.a.r.l.", "sarl",  "gmbh",
      "ag",   "jsc",       "pjsc",    "ojsc",      "cjsc",    "co.",  "co",       "corp.", "corp",
      "plc",  "llp",       "fze",     "fzco",      "fzc",     "b.v.", "bv",       "n.v.",  "nv",
      "kft.", "kft",       "s.r.o.",  "spa",       "s.p.a.",  "ltda", "s.l.",     "sl",    "s.a.s.",
      "sas",  "pte. ltd.", "pte ltd", "co., ltd.", "co. ltd."};
  std::string l = Lower(s);
  for (const char* f : kForms) {
    if (l == f) return true;
  }
  return false;
}

std::vector<std::string> SplitEuAliases(const std::string& text) {
  std::vector<std::string> out;
  for (auto& part : SplitClean(text, ", ")) {
    if (!out.empty() && IsLegalFormFragment(part)) {
      out.back() += ", " + part;
    } else {
      out.push_back(std::move(part));
    }
  }
  return out;
}

// "RUSSIAN FEDERATION, MOLDOVA, REPUBLIC OF" -> {"RU", "MD"}: country names contain commas, so try the
// longest run of parts that names a country.
std::vector<std::string> SplitEuCountries(const std::string& text) {
  std::vector<std::string> parts = SplitClean(text, ", ");
  std::vector<std::string> out;
  size_t i = 0;
  while (i < parts.size()) {
    size_t taken = 0;
    std::string code;
    for (size_t n = std::min<size_t>(3, parts.size() - i); n >= 1; --n) {
      std::string joined = parts[i];
      for (size_t k = 1; k < n; ++k) joined += ", " + parts[i + k];
      if (auto c = CountryCode(joined)) {
        code = *c;
        taken = n;
        break;
      }
    }
    if (taken == 0) {
      code = parts[i];
      taken = 1;
    }
    AddUnique(out, code);
    i += taken;
  }
  return out;
}

std::string XText(const pugi::xml_node& n) { return Clean(RepairUtf8(n.text().get())); }

// "Russia / Russie" -> "Russia" (English part of the bilingual label).
std::string English(const std::string& s) {
  size_t slash = s.find(" / ");
  return Clean(slash == std::string::npos ? s : s.substr(0, slash));
}

}  // namespace

// ---- UK FCDO, normalised relational set ----

Result<std::vector<ImportedList>> ParseUkFcdo(const ParseInput& in) {
  if (!in.sibling) {
    return Status::InvalidArgument(fmt::format(
        "{}: the normalised UK set needs subject_names.csv and the other subject_*.csv beside it; import it "
        "from a file or folder",
        in.file));
  }
  STM_ASSIGN_OR_RETURN(Table subjects, ReadTable(in.file, in.bytes, {"unique_id", "subject_type"}));
  auto names_bytes = in.sibling("subject_names.csv");
  if (!names_bytes)
    return Status::InvalidArgument(fmt::format("{}: subject_names.csv is missing beside it", in.file));
  STM_ASSIGN_OR_RETURN(Table names, ReadTable("subject_names.csv", *names_bytes, {"unique_id", "full_name"}));

  ImportedList list;
  list.report.list = "uk";
  list.report.file = in.file;
  list.report.format = "uk_csv";
  ImportReport& report = list.report;

  std::unordered_map<std::string, size_t> index;
  std::string max_updated;
  const Columns& sc = *subjects.col;
  for (const auto& r : subjects.rows) {
    Entity e;
    e.list = "uk";
    e.source_id = sc.Get(r, "unique_id");
    if (e.source_id.empty()) {
      Warn(report, "", fmt::format("subjects.csv line {}: no unique_id; row skipped", r.line));
      continue;
    }
    if (index.count(e.source_id)) {
      Warn(report, e.source_id,
           fmt::format("subjects.csv line {}: duplicate unique_id; row skipped", r.line));
      continue;
    }
    std::string type = Lower(sc.Get(r, "subject_type"));
    e.schema = type == "ship" ? Schema::kVessel : ParseSchema(type);
    if (e.schema == Schema::kUnknown) {
      Warn(report, e.source_id, fmt::format("unknown subject_type '{}'", sc.Get(r, "subject_type")));
    }
    // The regime is the letter prefix of the id ("RUS0001" -> "RUS").
    std::string regime;
    for (char c : e.source_id) {
      if (!std::isalpha(static_cast<unsigned char>(c))) break;
      regime.push_back(c);
    }
    AddUnique(e.programmes, regime);
    if (std::string un = sc.Get(r, "un_reference_number"); !un.empty())
      AddIdentifier(e, "un_reference", un, "");
    std::string designated = sc.Get(r, "date_designated");
    e.listed_on = UkDay(designated);
    if (!designated.empty() && e.listed_on.empty()) {
      Warn(report, e.source_id, fmt::format("unreadable date_designated '{}'", designated));
    }
    max_updated = std::max(max_updated, UkDay(sc.Get(r, "last_updated")));
    index.emplace(e.source_id, list.entities.size());
    list.entities.push_back(std::move(e));
  }

  auto entity_for = [&](const std::string& id, const char* file, int line) -> Entity* {
    auto it = index.find(id);
    if (it == index.end()) {
      Warn(report, id, fmt::format("{} line {}: unique_id '{}' is not in subjects.csv", file, line, id));
      return nullptr;
    }
    return &list.entities[it->second];
  };

  // Names: primary rows first so that names[0] is the primary name.
  const Columns& nc = *names.col;
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& r : names.rows) {
      std::string type = Lower(nc.Get(r, "name_type"));
      if ((type == "primary") != (pass == 0)) continue;
      Entity* e = entity_for(nc.Get(r, "unique_id"), "subject_names.csv", r.line);
      if (!e) continue;
      std::string full = nc.Get(r, "full_name");
      if (full.empty()) {
        full = JoinNonEmpty({nc.Get(r, "name_1"), nc.Get(r, "name_2"), nc.Get(r, "name_3"),
                             nc.Get(r, "name_4"), nc.Get(r, "name_5"), nc.Get(r, "name_6")},
                            " ");
      }
      std::string strength = Lower(nc.Get(r, "alias_strength"));
      AddName(*e, full, type == "primary" ? NameKind::kPrimary : NameKind::kAlias,
              strength.find("low") != std::string::npos ? AliasStrength::kWeak : AliasStrength::kStrong);
    }
  }
  for (const auto& e : list.entities) {
    if (e.names.empty()) Warn(report, e.source_id, "no name in subject_names.csv");
  }

  if (auto bytes = in.sibling("subject_dobs.csv")) {
    STM_ASSIGN_OR_RETURN(Table dobs, ReadTable("subject_dobs.csv", *bytes, {"unique_id", "year"}));
    const Columns& dc = *dobs.col;
    for (const auto& r : dobs.rows) {
      Entity* e = entity_for(dc.Get(r, "unique_id"), "subject_dobs.csv", r.line);
      if (!e) continue;
      std::string y = dc.Get(r, "year"), m = dc.Get(r, "month"), d = dc.Get(r, "day");
      std::string precision = Lower(dc.Get(r, "precision"));
      std::string text = y;
      if (!m.empty() && precision != "year_only") text += "-" + m;
      if (!d.empty() && precision == "exact") text += "-" + d;
      auto pd = ParseDate(text);
      if (!pd || !PlausibleYear(pd->year)) {
        Warn(report, e->source_id,
             fmt::format("subject_dobs.csv line {}: unreadable date of birth '{}'", r.line, text));
        PartialDate raw;
        raw.raw = text;
        AddDate(*e, std::move(raw));
        continue;
      }
      AddDate(*e, std::move(*pd));
    }
  } else {
    Warn(report, "", "subject_dobs.csv is missing: no dates of birth");
  }

  if (auto bytes = in.sibling("subject_identifiers.csv")) {
    STM_ASSIGN_OR_RETURN(Table ids, ReadTable("subject_identifiers.csv", *bytes, {"unique_id", "raw_value"}));
    const Columns& ic = *ids.col;
    for (const auto& r : ids.rows) {
      Entity* e = entity_for(ic.Get(r, "unique_id"), "subject_identifiers.csv", r.line);
      if (!e) continue;
      std::string t = Lower(ic.Get(r, "identifier_type"));
      std::string type = t == "passport"                        ? "passport"
                         : t == "national"                      ? "national_id"
                         : t == "imo"                           ? "imo"
                         : t == "business_registration_numbers" ? "registration"
                                                                : IdentifierType(t).value_or("other");
      AddIdentifier(*e, type, ic.Get(r, "raw_value"), "");
    }
  } else {
    Warn(report, "", "subject_identifiers.csv is missing: no identifiers");
  }

  if (auto bytes = in.sibling("subject_countries.csv")) {
    STM_ASSIGN_OR_RETURN(Table countries, ReadTable("subject_countries.csv", *bytes,
                                                    {"unique_id", "raw_value", "country_type"}));
    const Columns& cc = *countries.col;
    for (const auto& r : countries.rows) {
      Entity* e = entity_for(cc.Get(r, "unique_id"), "subject_countries.csv", r.line);
      if (!e) continue;
      std::string raw = cc.Get(r, "raw_value");
      std::string iso = cc.Get(r, "iso");
      std::string code = !iso.empty() ? iso : CountryCodeOrText(raw);
      std::string type = Lower(cc.Get(r, "country_type"));
      if (type == "birth") {
        AddUnique(e->birth_places, raw);
      } else if (type == "nationality") {
        AddUnique(e->nationalities, code);
      } else {
        AddUnique(e->countries, code);
      }
    }
  } else {
    Warn(report, "", "subject_countries.csv is missing: no countries");
  }

  if (list.entities.empty()) return Status::InvalidArgument(fmt::format("{}: no subjects", in.file));
  list.report.version = DateFromPath(in.file);
  if (list.report.version.empty()) list.report.version = max_updated;
  return One(std::move(list));
}

// ---- UK OFSI consolidated list (legacy ConList.csv) ----

Result<std::vector<ImportedList>> ParseUkOfsi(const ParseInput& in) {
  std::string text = RepairUtf8(in.bytes);
  auto parsed = ParseCsv(text);
  if (!parsed.ok()) return parsed.status().WithContext(in.file);
  auto rows = std::move(parsed).value();
  ImportedList list;
  list.report.list = "uk_ofsi";
  list.report.file = in.file;
  list.report.format = "uk_ofsi_csv";
  ImportReport& report = list.report;

  // The official file starts with "Last Updated,dd/mm/yyyy": the publication date.
  size_t h = 0;
  if (!rows.empty() && rows[0].fields.size() >= 2 && EqualsI(Clean(rows[0].fields[0]), "Last Updated")) {
    list.report.version = UkDay(Clean(rows[0].fields[1]));
    h = 1;
  }
  if (rows.size() <= h) return Status::InvalidArgument(fmt::format("{}: no header", in.file));
  std::vector<std::string> header = rows[h].fields;
  // Some copies carry one extra, empty, leading header cell while the rows do not: realign.
  if (!header.empty() && Clean(header[0]).empty() && rows.size() > h + 1 &&
      rows[h + 1].fields.size() + 1 == header.size()) {
    header.erase(header.begin());
    Warn(report, "", "the header has an extra empty first column; columns realigned");
  }
  Columns col(header);
  if (std::string missing = col.Missing({"name 6", "group id"}); !missing.empty()) {
    return Status::InvalidArgument(fmt::format("{}: missing column(s) {}", in.file, missing));
  }

  std::map<std::string, size_t> groups;
  std::string max_updated;
  for (size_t i = h + 1; i < rows.size(); ++i) {
    const CsvRecord& r = rows[i];
    if (r.fields.size() != header.size()) {
      Warn(report, col.Get(r, "group id"),
           fmt::format("line {}: {} fields, header has {}", r.line, r.fields.size(), header.size()));
    }
    std::string id = col.Get(r, "group id");
    if (id.empty()) {
      id = fmt::format("line-{}", r.line);
      Warn(report, id, fmt::format("line {}: no Group ID", r.line));
    }
    auto [it, inserted] = groups.emplace(id, list.entities.size());
    if (inserted) {
      Entity e;
      e.list = "uk_ofsi";
      e.source_id = id;
      std::string type = col.Get(r, "group type");
      e.schema = ParseSchema(type);
      list.entities.push_back(std::move(e));
    }
    Entity& e = list.entities[it->second];
    std::string name = JoinNonEmpty({col.Get(r, "name 1"), col.Get(r, "name 2"), col.Get(r, "name 3"),
                                     col.Get(r, "name 4"), col.Get(r, "name 5"), col.Get(r, "name 6")},
                                    " ");
    std::string alias_type = Lower(col.Get(r, "alias type"));
    if (!name.empty()) {
      if (alias_type == "prime alias" && !e.names.empty() && e.names[0].full != name) {
        // The prime alias row came after an AKA row: it becomes the primary name.
        e.names.insert(e.names.begin(),
                       Name{name, NameKind::kPrimary, AliasStrength::kStrong, DetectScript(name)});
        e.names[1].kind = NameKind::kAlias;
        e.names.erase(
            std::remove_if(e.names.begin() + 1, e.names.end(), [&](const Name& n) { return n.full == name; }),
            e.names.end());
      } else {
        AddName(e, name, alias_type == "prime alias" ? NameKind::kPrimary : NameKind::kAlias,
                alias_type.find("low") != std::string::npos ? AliasStrength::kWeak : AliasStrength::kStrong);
      }
    } else {
      Warn(report, e.source_id, fmt::format("line {}: no name", r.line));
    }
    if (std::string dob = col.Get(r, "dob"); !dob.empty()) {
      auto d = ParseDate(dob, SlashOrder::kDayFirst);
      if (d && PlausibleYear(d->year)) {
        AddDate(e, std::move(*d));
      } else {
        Warn(report, e.source_id, fmt::format("line {}: unreadable DOB '{}'", r.line, dob));
      }
    }
    AddUnique(e.birth_places,
              JoinNonEmpty({col.Get(r, "town of birth"), col.Get(r, "country of birth")}, ", "));
    // "1) Saudi Arabia 2) Qatar"
    std::string nat = col.Get(r, "nationality");
    if (!nat.empty()) {
      std::string cleaned;
      for (size_t k = 0; k < nat.size(); ++k) {
        if (std::isdigit(static_cast<unsigned char>(nat[k])) && k + 1 < nat.size() && nat[k + 1] == ')') {
          if (!cleaned.empty() && cleaned.back() == '(') cleaned.pop_back();
          cleaned += ';';
          ++k;
        } else {
          cleaned += nat[k];
        }
      }
      for (const auto& n : SplitClean(cleaned, ";")) AddUnique(e.nationalities, CountryCodeOrText(n));
    }
    for (const auto& [column, type] :
         {std::pair{"passport details", "passport"}, std::pair{"ni number", "national_id"}}) {
      std::string v = col.Get(r, column);
      if (v.empty()) continue;
      // The first token that holds a digit is the number ("Passport No: 592667 (Qatari ...)").
      for (auto tok : SplitClean(v, " ")) {
        while (!tok.empty() &&
               (tok.back() == '.' || tok.back() == ',' || tok.back() == ';' || tok.back() == ')')) {
          tok.pop_back();
        }
        if (std::any_of(tok.begin(), tok.end(), [](char c) { return c >= '0' && c <= '9'; })) {
          AddIdentifier(e, type, tok, "");
          break;
        }
      }
    }
    std::string country = col.Get(r, "country");
    std::string address = JoinNonEmpty(
        {col.Get(r, "address 1"), col.Get(r, "address 2"), col.Get(r, "address 3"), col.Get(r, "address 4"),
         col.Get(r, "address 5"), col.Get(r, "address 6"), col.Get(r, "post/zip code"), country},
        ", ");
    if (!address.empty())
      AddAddress(e, address, country.empty() ? std::string() : CountryCodeOrText(country));
    AddUnique(e.programmes, col.Get(r, "regime"));
    if (e.listed_on.empty()) e.listed_on = UkDay(col.Get(r, "listed on"));
    max_updated = std::max(max_updated, UkDay(col.Get(r, "last updated")));
    if (e.remarks.empty()) e.remarks = col.Get(r, "other information");
  }
  for (const auto& e : list.entities) {
    if (e.names.empty()) Warn(report, e.source_id, "group without any name");
  }
  if (list.entities.empty()) return Status::InvalidArgument(fmt::format("{}: no records", in.file));
  if (list.report.version.empty()) list.report.version = DateFromPath(in.file);
  if (list.report.version.empty()) list.report.version = max_updated;
  return One(std::move(list));
}

// ---- EU ----

Result<std::vector<ImportedList>> ParseEu(const ParseInput& in) {
  STM_ASSIGN_OR_RETURN(Table t, ReadTable(in.file, in.bytes, {"name", "alias", "designation"}));
  ImportedList list;
  list.report.list = "eu";
  list.report.file = in.file;
  list.report.format = "eu_csv";
  list.report.version = DateFromPath(in.file);
  ImportReport& report = list.report;
  const Columns& c = *t.col;
  std::unordered_map<std::string, int> uses;
  for (const auto& r : t.rows) {
    std::string name = c.Get(r, "name");
    std::vector<std::string> aliases = SplitEuAliases(c.Get(r, "alias"));
    if (name.empty() && !aliases.empty()) {
      name = aliases.front();
      Warn(report, name, fmt::format("line {}: no Name; the first alias is used", r.line));
    }
    if (name.empty()) {
      Warn(report, fmt::format("line-{}", r.line), fmt::format("line {}: no name; row skipped", r.line));
      continue;
    }
    Entity e;
    e.list = "eu";
    // The flattened file carries no EU reference: the name is the id (made unique in file order).
    int n = ++uses[name];
    e.source_id = n == 1 ? name : fmt::format("{}#{}", name, n);
    e.schema = ParseSchema(c.Get(r, "designation"));
    if (e.schema == Schema::kUnknown) {
      Warn(report, e.source_id,
           fmt::format("line {}: unknown Designation '{}'", r.line, c.Get(r, "designation")));
    }
    AddName(e, name, NameKind::kPrimary);
    for (auto& a : aliases) AddName(e, a, NameKind::kAlias);
    for (auto& code : SplitEuCountries(c.Get(r, "nationality"))) {
      if (e.schema == Schema::kPerson) {
        AddUnique(e.nationalities, code);
      } else {
        AddUnique(e.countries, code);
      }
    }
    if (std::string st = c.Get(r, "sanction type"); !st.empty()) e.remarks = "Sanction type: " + st + ".";
    list.entities.push_back(std::move(e));
  }
  if (list.entities.empty()) return Status::InvalidArgument(fmt::format("{}: no records", in.file));
  return One(std::move(list));
}

// ---- Canada SEMA ----

Result<std::vector<ImportedList>> ParseCaSema(const ParseInput& in) {
  pugi::xml_document doc;
  auto res = doc.load_buffer(in.bytes.data(), in.bytes.size(), pugi::parse_default);
  if (!res) {
    return Status::InvalidArgument(
        fmt::format("{}: malformed or truncated XML at byte {}: {}", in.file, res.offset, res.description()));
  }
  auto root = doc.child("data-set");
  if (!root) return Status::InvalidArgument(fmt::format("{}: no data-set element", in.file));
  ImportedList list;
  list.report.list = "ca_sema";
  list.report.file = in.file;
  list.report.format = "ca_sema_xml";
  ImportReport& report = list.report;
  std::string max_listed;
  std::unordered_map<std::string, int> uses;
  for (auto rec : root.children("record")) {
    Entity e;
    e.list = "ca_sema";
    std::string regime = English(XText(rec.child("Country")));
    std::string schedule = XText(rec.child("Schedule"));
    std::string item = XText(rec.child("Item"));
    std::string id = fmt::format("{}/{}/{}", regime, schedule, item);
    int n = ++uses[id];
    e.source_id = n == 1 ? id : fmt::format("{}#{}", id, n);
    if (item.empty()) Warn(report, e.source_id, "record without Item number");
    AddUnique(e.programmes, regime);

    std::string last = XText(rec.child("LastName")), given = XText(rec.child("GivenName"));
    std::string entity_or_ship = XText(rec.child("EntityOrShip"));
    std::string imo = XText(rec.child("ShipIMONumber"));
    if (!last.empty() || !given.empty()) {
      e.schema = Schema::kPerson;
      AddName(e, JoinNonEmpty({given, last}, " "), NameKind::kPrimary);
    } else if (!entity_or_ship.empty()) {
      e.schema = imo.empty() ? Schema::kOrganisation : Schema::kVessel;
      AddName(e, entity_or_ship, NameKind::kPrimary);
    } else {
      Warn(report, e.source_id, "record without a name");
    }
    if (!imo.empty()) AddIdentifier(e, "imo", imo, "");
    for (const auto& a : SplitClean(XText(rec.child("Aliases")), ";")) AddName(e, a, NameKind::kAlias);

    std::string dob = XText(rec.child("DateOfBirthOrShipBuildDate"));
    if (!dob.empty()) {
      // "1963 or 1964", "1965-07-15 OR 1969-09-28"
      std::string lower = Lower(dob);
      std::vector<std::string> alternatives;
      size_t start = 0;
      while (true) {
        size_t p = lower.find(" or ", start);
        alternatives.push_back(
            Clean(dob.substr(start, p == std::string::npos ? std::string::npos : p - start)));
        if (p == std::string::npos) break;
        start = p + 4;
      }
      for (const auto& alt : alternatives) {
        auto d = ParseDate(alt);
        if (d && PlausibleYear(d->year)) {
          AddDate(e, std::move(*d));
        } else {
          Warn(report, e.source_id, fmt::format("unreadable DateOfBirthOrShipBuildDate '{}'", alt));
          PartialDate raw;
          raw.raw = alt;
          AddDate(e, std::move(raw));
        }
      }
    }
    std::string listed = XText(rec.child("DateOfListing"));
    if (!listed.empty()) {
      auto d = ParseDate(listed);
      if (d && PlausibleYear(d->year) && !IsoDay(*d).empty()) {
        e.listed_on = IsoDay(*d);
        max_listed = std::max(max_listed, e.listed_on);
      } else {
        Warn(report, e.source_id, fmt::format("unreadable DateOfListing '{}'", listed));
      }
    }
    if (std::string title = XText(rec.child("TitleOrShip")); !title.empty()) e.remarks = title;
    list.entities.push_back(std::move(e));
  }
  if (list.entities.empty()) return Status::InvalidArgument(fmt::format("{}: no record elements", in.file));
  list.report.version = DateFromPath(in.file);
  if (list.report.version.empty()) list.report.version = max_listed;
  return One(std::move(list));
}

}  // namespace stm::screening::internal
