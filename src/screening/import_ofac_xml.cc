// OFAC XML: the sdnList schema (sdn.xml, consolidated.xml) and the Sanctions List Service ENHANCED_XML
// (sanctionsData; SDN_ENHANCED.XML, CONS_ENHANCED.XML, usually zipped).
#include <fmt/format.h>

#include <map>
#include <pugixml.hpp>

#include "screening/countries.h"
#include "screening/import_internal.h"

namespace stm::screening::internal {
namespace {

std::string Text(const pugi::xml_node& n) { return Clean(RepairUtf8(n.text().get())); }
std::string Child(const pugi::xml_node& n, const char* name) { return Text(n.child(name)); }

Status XmlError(const std::string& file, const pugi::xml_parse_result& res) {
  return Status::InvalidArgument(
      fmt::format("{}: malformed or truncated XML at byte {}: {}", file, res.offset, res.description()));
}

std::string ListKeyFromName(const std::string& file) {
  std::string base =
      Lower(file.substr(file.find_last_of('/') == std::string::npos ? 0 : file.find_last_of('/') + 1));
  return base.find("cons") != std::string::npos ? "ofac_cons" : "ofac_sdn";
}

Schema SchemaOf(std::string_view type) {
  Schema s = ParseSchema(type);
  return s == Schema::kUnknown ? Schema::kOrganisation : s;
}

// A date from an ENHANCED valueDate range: one day, a whole month, a whole year, or a span of years.
std::optional<PartialDate> DateFromRange(const std::string& from, const std::string& to) {
  auto a = ParseDate(from);
  auto b = ParseDate(to.empty() ? from : to);
  if (!a || !b || a->day == 0 || b->day == 0) return std::nullopt;
  PartialDate d;
  d.year = a->year;
  if (a->year != b->year) {
    d.year_to = b->year;
  } else if (a->month == 1 && a->day == 1 && b->month == 12 && b->day == 31) {
    // the whole year
  } else if (a->month == b->month && a->day == 1 && b->day >= 28) {
    d.month = a->month;
  } else if (a->month == b->month && a->day == b->day) {
    d.month = a->month;
    d.day = a->day;
  } else if (a->month == b->month) {
    d.month = a->month;  // part of one month
  }
  return d;
}

// ---- sdnList ----

void SdnEntry(const pugi::xml_node& n, const std::string& list_key, ImportReport& report,
              std::vector<Entity>& out) {
  Entity e;
  e.list = list_key;
  e.source_id = Child(n, "uid");
  if (e.source_id.empty()) {
    e.source_id = fmt::format("entry-{}", out.size() + 1);
    Warn(report, e.source_id, "sdnEntry without uid");
  }
  e.schema = SchemaOf(Child(n, "sdnType"));
  auto full = [&](const pugi::xml_node& x) {
    std::string first = Child(x, "firstName"), last = Child(x, "lastName");
    if (first.empty()) return last;
    if (last.empty()) return first;
    return first + " " + last;
  };
  std::string primary = full(n);
  if (primary.empty()) Warn(report, e.source_id, "sdnEntry without a name");
  AddName(e, primary, NameKind::kPrimary);
  for (auto a : n.child("akaList").children("aka")) {
    std::string type = Lower(Child(a, "type"));
    NameKind kind = type == "f.k.a." ? NameKind::kFormer : NameKind::kAlias;
    AliasStrength strength =
        Lower(Child(a, "category")) == "weak" ? AliasStrength::kWeak : AliasStrength::kStrong;
    AddName(e, full(a), kind, strength);
  }
  for (auto p : n.child("programList").children("program")) AddUnique(e.programmes, Text(p));
  for (auto id : n.child("idList").children("id")) {
    std::string type_text = Child(id, "idType");
    std::string number = Child(id, "idNumber");
    if (EqualsI(type_text, "Organization Established Date")) {
      if (auto d = ParseDate(number)) AddDate(e, std::move(*d));
      continue;
    }
    auto type = IdentifierType(type_text);
    if (!type || number.empty()) continue;
    if (*type == "imo" && StartsWithI(number, "IMO ")) number = number.substr(4);
    std::string country = Child(id, "idCountry");
    AddIdentifier(e, *type, number, country.empty() ? std::string() : CountryCodeOrText(country));
  }
  for (auto a : n.child("addressList").children("address")) {
    std::string country = Child(a, "country");
    std::string text;
    for (const char* part :
         {"address1", "address2", "address3", "city", "stateOrProvince", "postalCode", "country"}) {
      std::string v = Child(a, part);
      if (v.empty()) continue;
      if (!text.empty()) text += ", ";
      text += v;
    }
    AddAddress(e, text, country.empty() ? std::string() : CountryCodeOrText(country));
  }
  for (auto x : n.child("nationalityList").children("nationality")) {
    AddUnique(e.nationalities, CountryCodeOrText(Child(x, "country")));
  }
  for (auto x : n.child("citizenshipList").children("citizenship")) {
    AddUnique(e.nationalities, CountryCodeOrText(Child(x, "country")));
  }
  for (auto x : n.child("dateOfBirthList").children("dateOfBirthItem")) {
    std::string text = Child(x, "dateOfBirth");
    if (text.empty()) continue;
    if (auto d = ParseDate(text)) {
      AddDate(e, std::move(*d));
    } else {
      Warn(report, e.source_id, fmt::format("unreadable date of birth '{}'", text));
      PartialDate raw;
      raw.raw = text;
      AddDate(e, std::move(raw));
    }
  }
  for (auto x : n.child("placeOfBirthList").children("placeOfBirthItem")) {
    AddUnique(e.birth_places, Child(x, "placeOfBirth"));
  }
  if (auto v = n.child("vesselInfo")) {
    if (std::string cs = Child(v, "callSign"); !cs.empty()) AddIdentifier(e, "call_sign", cs, "");
    if (std::string flag = Child(v, "vesselFlag"); !flag.empty())
      AddUnique(e.countries, CountryCodeOrText(flag));
  }
  e.remarks = Child(n, "remarks");
  out.push_back(std::move(e));
}

// ---- ENHANCED ----

std::string ScriptCode(const std::string& script, const std::string& text) {
  std::string s = Lower(script);
  if (s.empty() || s == "latin") return {};
  if (s == "cyrillic") return "Cyrl";
  if (s == "arabic") return "Arab";
  if (s == "chinese simplified") return "Hans";
  if (s == "chinese traditional") return "Hant";
  if (s == "korean") return "Kore";
  if (s == "hebrew") return "Hebr";
  if (s == "greek") return "Grek";
  return DetectScript(text);
}

struct EnhancedContext {
  std::map<std::string, std::string> country_iso;  // COUNTRY reference refId -> alpha-2
  std::string list_key;
};

std::string CountryFromRef(const EnhancedContext& ctx, const pugi::xml_node& n, const std::string& text) {
  std::string ref = n.attribute("refId").as_string();
  if (ref.empty()) ref = Text(n.child("valueRefId"));
  if (auto it = ctx.country_iso.find(ref); !ref.empty() && it != ctx.country_iso.end()) return it->second;
  return text.empty() ? std::string() : CountryCodeOrText(text);
}

void EnhancedEntity(const pugi::xml_node& n, const EnhancedContext& ctx, ImportReport& report,
                    std::vector<Entity>& out) {
  Entity e;
  e.list = ctx.list_key;
  e.source_id = n.attribute("id").as_string();
  if (e.source_id.empty()) {
    e.source_id = fmt::format("entity-{}", out.size() + 1);
    Warn(report, e.source_id, "entity without id");
  }
  e.schema = SchemaOf(Child(n.child("generalInfo"), "entityType"));
  e.remarks = Child(n.child("generalInfo"), "remarks");

  // Names: the primary name first, its other-script translations as original-script names.
  auto add_names = [&](bool primary_pass) {
    for (auto name : n.child("names").children("name")) {
      bool is_primary = Lower(Child(name, "isPrimary")) == "true";
      if (is_primary != primary_pass) continue;
      std::string alias_type = Lower(Child(name, "aliasType"));
      AliasStrength strength =
          Lower(Child(name, "isLowQuality")) == "true" ? AliasStrength::kWeak : AliasStrength::kStrong;
      for (auto tr : name.child("translations").children("translation")) {
        std::string first = Child(tr, "formattedFirstName"), last = Child(tr, "formattedLastName");
        std::string full = Child(tr, "formattedFullName");
        std::string text =
            (!first.empty() && !last.empty()) ? first + " " + last : (full.empty() ? last : full);
        if (text.empty()) continue;
        std::string script = ScriptCode(Child(tr, "script"), text);
        NameKind kind = is_primary ? NameKind::kPrimary : NameKind::kAlias;
        if (alias_type == "f.k.a.") kind = NameKind::kFormer;
        if (is_primary && !script.empty()) kind = NameKind::kOriginalScript;
        if (is_primary && e.names.empty() && !script.empty()) {
          // A primary name only in a non-Latin script: it is still the primary name.
          kind = NameKind::kPrimary;
        }
        AddName(e, text, kind, strength, script);
      }
    }
  };
  add_names(true);
  if (e.names.empty()) Warn(report, e.source_id, "no primary name");
  add_names(false);

  for (auto p : n.child("sanctionsPrograms").children("sanctionsProgram")) AddUnique(e.programmes, Text(p));
  for (auto l : n.child("sanctionsLists").children("sanctionsList")) {
    std::string published = l.attribute("datePublished").as_string();
    if (auto d = ParseDate(published); d && !IsoDay(*d).empty()) {
      std::string day = IsoDay(*d);
      if (e.listed_on.empty() || day < e.listed_on) e.listed_on = day;
    }
  }
  for (auto a : n.child("addresses").children("address")) {
    std::string country_text = Child(a, "country");
    std::string country = CountryFromRef(ctx, a.child("country"), country_text);
    pugi::xml_node tr;
    for (auto t : a.child("translations").children("translation")) {
      if (!tr || Lower(Child(t, "isPrimary")) == "true") tr = t;
      if (Lower(Child(t, "isPrimary")) == "true") break;
    }
    std::map<std::string, std::string> parts;
    for (auto p : tr.child("addressParts").children("addressPart"))
      parts[Child(p, "type")] = Child(p, "value");
    std::string text;
    for (const char* k :
         {"ADDRESS1", "ADDRESS2", "ADDRESS3", "CITY", "STATE/PROVINCE", "POSTAL CODE", "REGION"}) {
      auto it = parts.find(k);
      if (it == parts.end() || it->second.empty()) continue;
      if (!text.empty()) text += ", ";
      text += it->second;
    }
    if (!country_text.empty()) text += (text.empty() ? "" : ", ") + country_text;
    AddAddress(e, text, country);
  }
  for (auto f : n.child("features").children("feature")) {
    std::string type = Child(f, "type");
    std::string value = Child(f, "value");
    std::string lt = Lower(type);
    if (lt == "birthdate" || lt == "organization established date") {
      auto vd = f.child("valueDate");
      std::optional<PartialDate> d;
      if (vd) d = DateFromRange(Child(vd, "fromDateBegin"), Child(vd, "toDateEnd"));
      if (!d) d = ParseDate(value);
      if (d) {
        d->raw = value;
        AddDate(e, std::move(*d));
      } else if (!value.empty()) {
        Warn(report, e.source_id, fmt::format("unreadable {} '{}'", type, value));
        PartialDate raw;
        raw.raw = value;
        AddDate(e, std::move(raw));
      }
    } else if (lt == "place of birth") {
      AddUnique(e.birth_places, value);
    } else if (lt == "nationality country" || lt == "citizenship country") {
      AddUnique(e.nationalities, CountryFromRef(ctx, f, value));
    } else if (lt == "nationality of registration" || lt == "vessel flag") {
      AddUnique(e.countries, CountryFromRef(ctx, f, value));
    } else if (auto id = IdentifierType(type)) {
      std::string v = value;
      if (*id == "imo" && StartsWithI(v, "IMO ")) v = v.substr(4);
      AddIdentifier(e, *id, v, "");
    }
  }
  for (auto d : n.child("identityDocuments").children("identityDocument")) {
    std::string number = Child(d, "documentNumber");
    if (number.empty()) continue;
    std::string type = IdentifierType(Child(d, "type")).value_or("other");
    std::string country_text = Child(d, "issuingCountry");
    AddIdentifier(e, type, number, CountryFromRef(ctx, d.child("issuingCountry"), country_text));
  }
  out.push_back(std::move(e));
}

ImportedList NewList(const std::string& key, const ParseInput& in, const char* format) {
  ImportedList l;
  l.report.list = key;
  l.report.file = in.file;
  l.report.format = format;
  return l;
}

std::vector<ImportedList> One(ImportedList l) {
  l.report.records = static_cast<int64_t>(l.entities.size());
  std::vector<ImportedList> v;
  v.push_back(std::move(l));
  return v;
}

}  // namespace

Result<std::vector<ImportedList>> ParseOfacXml(const ParseInput& in) {
  pugi::xml_document doc;
  auto res = doc.load_buffer(in.bytes.data(), in.bytes.size(), pugi::parse_default);
  if (!res) return XmlError(in.file, res);
  auto root = doc.child("sdnList");
  if (!root) return Status::InvalidArgument(fmt::format("{}: no sdnList element", in.file));
  ImportedList list = NewList(ListKeyFromName(in.file), in, "ofac_xml");
  std::string published = Child(root.child("publshInformation"), "Publish_Date");
  if (auto d = ParseDate(published); d && !IsoDay(*d).empty()) {
    list.report.version = IsoDay(*d);
  } else {
    list.report.version = DateFromPath(in.file);
  }
  for (auto n : root.children("sdnEntry")) SdnEntry(n, list.report.list, list.report, list.entities);
  std::string count = Child(root.child("publshInformation"), "Record_Count");
  if (!count.empty() && count != std::to_string(list.entities.size())) {
    Warn(list.report, "",
         fmt::format("Record_Count says {}, the file holds {}", count, list.entities.size()));
  }
  if (list.entities.empty()) return Status::InvalidArgument(fmt::format("{}: no sdnEntry records", in.file));
  return One(std::move(list));
}

Result<std::vector<ImportedList>> ParseOfacEnhancedXml(const ParseInput& in) {
  pugi::xml_document doc;
  auto res = doc.load_buffer(in.bytes.data(), in.bytes.size(), pugi::parse_default);
  if (!res) return XmlError(in.file, res);
  auto root = doc.child("sanctionsData");
  if (!root) return Status::InvalidArgument(fmt::format("{}: no sanctionsData element", in.file));

  EnhancedContext ctx;
  for (auto rv : root.child("referenceValues").children("referenceValue")) {
    if (Child(rv, "type") != "COUNTRY") continue;
    std::string iso = Child(rv, "isoCode");
    if (!iso.empty()) ctx.country_iso[rv.attribute("refId").as_string()] = iso;
  }
  // Which list: the publication's filter names it; else the file name decides.
  ctx.list_key = ListKeyFromName(in.file);
  bool sdn = false, cons = false;
  for (auto l :
       root.child("publicationInfo").child("filters").child("sanctionsLists").children("sanctionsList")) {
    std::string name = Lower(Text(l));
    if (name.find("consolidated") != std::string::npos) cons = true;
    if (name.find("sdn") != std::string::npos) sdn = true;
  }
  if (cons != sdn) ctx.list_key = cons ? "ofac_cons" : "ofac_sdn";

  ImportedList list = NewList(ctx.list_key, in, "ofac_enhanced_xml");
  std::string as_of = Child(root.child("publicationInfo"), "dataAsOf");
  if (auto d = ParseDate(as_of); d && !IsoDay(*d).empty()) {
    list.report.version = IsoDay(*d);
  } else {
    list.report.version = DateFromPath(in.file);
  }
  for (auto n : root.child("entities").children("entity")) EnhancedEntity(n, ctx, list.report, list.entities);
  if (list.entities.empty()) return Status::InvalidArgument(fmt::format("{}: no entity records", in.file));
  return One(std::move(list));
}

}  // namespace stm::screening::internal
