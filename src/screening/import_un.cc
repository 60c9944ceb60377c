// UN Security Council Consolidated List XML (sc-sanctions.xsd) -> list "un".
#include <fmt/format.h>

#include <pugixml.hpp>

#include "screening/countries.h"
#include "screening/import_internal.h"

namespace stm::screening::internal {
namespace {

std::string Text(const pugi::xml_node& n) { return Clean(RepairUtf8(n.text().get())); }
std::string Child(const pugi::xml_node& n, const char* name) { return Text(n.child(name)); }

std::string JoinNonEmpty(std::initializer_list<std::string> parts, std::string_view sep) {
  std::string out;
  for (const auto& p : parts) {
    if (p.empty()) continue;
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

void ParseDob(const pugi::xml_node& dob, Entity& e, ImportReport& report) {
  const std::string type = Lower(Child(dob, "TYPE_OF_DATE"));
  const std::string date = Child(dob, "DATE");
  const std::string year = Child(dob, "YEAR");
  const std::string from = Child(dob, "FROM_YEAR");
  const std::string to = Child(dob, "TO_YEAR");
  const std::string note = Child(dob, "NOTE");
  std::optional<PartialDate> d;
  std::string raw;
  if (!from.empty() || !to.empty()) {
    raw = fmt::format("{} to {}", from, to);
    d = ParseDate(raw);
  } else if (!date.empty()) {
    raw = date;
    d = ParseDate(date);
  } else if (!year.empty()) {
    raw = year;
    d = ParseDate(year);
  } else if (!note.empty()) {
    // Only a note ("April 1963", "Between Aug. and Sep. 1977"): use it if it reads as a date.
    raw = note;
    d = ParseDate(note);
    if (!d) return;  // free text such as "30-35 years old" is not a date of birth
  } else {
    return;  // empty element
  }
  if (type == "approximately") raw = "approximately " + raw;
  if (!note.empty() && note != raw) raw += " (" + note + ")";
  if (!d) {
    Warn(report, e.source_id, fmt::format("unreadable date of birth '{}'", raw));
    PartialDate unread;
    unread.raw = raw;
    AddDate(e, std::move(unread));
    return;
  }
  // A month-precision note refines a year-only value ("YEAR 1963" + "April 1963").
  if (d->month == 0 && !note.empty()) {
    if (auto n = ParseDate(note); n && n->year == d->year && n->year_to == 0 && n->month != 0) {
      d->month = n->month;
      d->day = n->day;
    }
  }
  if (!PlausibleYear(d->year)) {
    Warn(report, e.source_id, fmt::format("implausible date of birth '{}'", raw));
  }
  d->raw = raw;
  AddDate(e, std::move(*d));
}

void ParseRecord(const pugi::xml_node& rec, bool individual, ImportReport& report, std::vector<Entity>& out) {
  Entity e;
  e.list = "un";
  e.schema = individual ? Schema::kPerson : Schema::kOrganisation;
  e.source_id = Child(rec, "REFERENCE_NUMBER");
  if (e.source_id.empty()) {
    std::string dataid = Child(rec, "DATAID");
    e.source_id = dataid.empty() ? fmt::format("record-{}", out.size() + 1) : "DATAID:" + dataid;
    Warn(report, e.source_id, "no REFERENCE_NUMBER; identified by " + e.source_id);
  }

  std::string primary = JoinNonEmpty({Child(rec, "FIRST_NAME"), Child(rec, "SECOND_NAME"),
                                      Child(rec, "THIRD_NAME"), Child(rec, "FOURTH_NAME")},
                                     " ");
  if (primary.empty()) {
    Warn(report, e.source_id, "no name (FIRST_NAME..FOURTH_NAME empty)");
  }
  AddName(e, primary, NameKind::kPrimary);

  const char* alias_tag = individual ? "INDIVIDUAL_ALIAS" : "ENTITY_ALIAS";
  for (auto a : rec.children(alias_tag)) {
    std::string name = Child(a, "ALIAS_NAME");
    if (name.empty()) continue;
    std::string quality = Lower(Child(a, "QUALITY"));
    NameKind kind = NameKind::kAlias;
    AliasStrength strength = AliasStrength::kStrong;
    if (quality == "low") strength = AliasStrength::kWeak;
    if (quality == "f.k.a." || quality == "fka") kind = NameKind::kFormer;
    if (e.names.empty()) {
      // No primary name: the first alias stands in for it (AddName makes it primary).
      Warn(report, e.source_id, "primary name missing; first alias used as primary name");
    }
    AddName(e, name, kind, strength);
    // Some aliases carry the date and place of birth used under that name: they are the person's too.
    if (std::string dob = Child(a, "DATE_OF_BIRTH"); !dob.empty()) {
      if (auto d = ParseDate(dob); d && PlausibleYear(d->year)) {
        AddDate(e, std::move(*d));
      } else {
        Warn(report, e.source_id, fmt::format("unreadable alias date of birth '{}'", dob));
      }
    }
    std::string place = JoinNonEmpty({Child(a, "CITY_OF_BIRTH"), Child(a, "COUNTRY_OF_BIRTH")}, ", ");
    AddUnique(e.birth_places, place);
  }
  std::string original = Child(rec, "NAME_ORIGINAL_SCRIPT");
  if (!original.empty()) AddName(e, original, NameKind::kOriginalScript);

  if (individual) {
    for (auto dob : rec.children("INDIVIDUAL_DATE_OF_BIRTH")) ParseDob(dob, e, report);
    for (auto pob : rec.children("INDIVIDUAL_PLACE_OF_BIRTH")) {
      std::string place = JoinNonEmpty(
          {Child(pob, "STREET"), Child(pob, "CITY"), Child(pob, "STATE_PROVINCE"), Child(pob, "COUNTRY")},
          ", ");
      AddUnique(e.birth_places, place);
    }
    for (auto v : rec.child("NATIONALITY").children("VALUE")) {
      std::string n = Text(v);
      if (!n.empty()) AddUnique(e.nationalities, CountryCodeOrText(n));
    }
    for (auto doc : rec.children("INDIVIDUAL_DOCUMENT")) {
      std::string number = Child(doc, "NUMBER");
      if (number.empty()) continue;
      std::string type_text = Child(doc, "TYPE_OF_DOCUMENT");
      if (type_text.empty()) type_text = Child(doc, "TYPE_OF_DOCUMENT2");
      std::string type = IdentifierType(type_text).value_or("other");
      std::string country = Child(doc, "ISSUING_COUNTRY");
      if (country.empty()) country = Child(doc, "COUNTRY_OF_ISSUE");
      AddIdentifier(e, type, number, country.empty() ? std::string() : CountryCodeOrText(country));
    }
  }
  const char* address_tag = individual ? "INDIVIDUAL_ADDRESS" : "ENTITY_ADDRESS";
  for (auto a : rec.children(address_tag)) {
    std::string country_text = Child(a, "COUNTRY");
    std::string text = JoinNonEmpty({Child(a, "STREET"), Child(a, "CITY"), Child(a, "STATE_PROVINCE"),
                                     Child(a, "ZIP_CODE"), country_text},
                                    ", ");
    AddAddress(e, text, country_text.empty() ? std::string() : CountryCodeOrText(country_text));
  }

  AddUnique(e.programmes, Child(rec, "UN_LIST_TYPE"));
  std::string listed = Child(rec, "LISTED_ON");
  if (!listed.empty()) {
    auto d = ParseDate(listed);
    if (d && !IsoDay(*d).empty() && PlausibleYear(d->year)) {
      e.listed_on = IsoDay(*d);
    } else {
      Warn(report, e.source_id, fmt::format("unreadable LISTED_ON '{}'", listed));
    }
  }
  e.remarks = Child(rec, "COMMENTS1");
  out.push_back(std::move(e));
}

}  // namespace

Result<std::vector<ImportedList>> ParseUnXml(const ParseInput& in) {
  pugi::xml_document doc;
  pugi::xml_parse_result res = doc.load_buffer(in.bytes.data(), in.bytes.size(), pugi::parse_default);
  if (!res) {
    return Status::InvalidArgument(
        fmt::format("{}: malformed or truncated XML at byte {}: {}", in.file, res.offset, res.description()));
  }
  pugi::xml_node root = doc.child("CONSOLIDATED_LIST");
  if (!root) return Status::InvalidArgument(fmt::format("{}: no CONSOLIDATED_LIST element", in.file));

  ImportedList list;
  list.report.list = "un";
  list.report.file = in.file;
  list.report.format = "un_xml";
  std::string generated = root.attribute("dateGenerated").as_string();
  if (auto d = ParseDate(generated); d && !IsoDay(*d).empty()) {
    list.report.version = IsoDay(*d);
  } else {
    if (!generated.empty()) Warn(list.report, "", fmt::format("unreadable dateGenerated '{}'", generated));
    list.report.version = DateFromPath(in.file);
  }
  for (auto rec : root.child("INDIVIDUALS").children("INDIVIDUAL")) {
    ParseRecord(rec, /*individual=*/true, list.report, list.entities);
  }
  for (auto rec : root.child("ENTITIES").children("ENTITY")) {
    ParseRecord(rec, /*individual=*/false, list.report, list.entities);
  }
  if (list.entities.empty()) {
    return Status::InvalidArgument(
        fmt::format("{}: the UN list holds no INDIVIDUAL or ENTITY records", in.file));
  }
  list.report.records = static_cast<int64_t>(list.entities.size());
  std::vector<ImportedList> out;
  out.push_back(std::move(list));
  return out;
}

}  // namespace stm::screening::internal
