// OFAC remarks: "DOB 01 Apr 1956; POB Adana, Turkey; nationality Turkey; Gender Male; Passport U24492445
// (Turkey) expires 31 May 2031; National ID No. 17107188340 (Turkey); a.k.a. 'X'; Linked To: Y."
#include <fmt/format.h>

#include <algorithm>

#include "screening/countries.h"
#include "screening/import_internal.h"

namespace stm::screening::internal {
namespace {

std::string_view After(std::string_view s, size_t n) { return Trim(s.substr(std::min(n, s.size()))); }

std::string Unquote(std::string_view s) {
  s = Trim(s);
  if (s.size() >= 2 && (s.front() == '\'' || s.front() == '"') && s.back() == s.front()) {
    s = s.substr(1, s.size() - 2);
  } else if (!s.empty() && (s.front() == '\'' || s.front() == '"')) {
    s.remove_prefix(1);
  }
  return Clean(s);
}

void AddIdFromText(Entity& e, const std::string& type, std::string_view rest) {
  rest = Trim(rest);
  while (!rest.empty() && (rest.front() == '.' || rest.front() == ':' || rest.front() == '#')) {
    rest = Trim(rest.substr(1));
  }
  for (std::string_view lead : {"No.", "No", "#", ":", "Number"}) {
    if (StartsWithI(rest, lead) &&
        (rest.size() == lead.size() || !std::isalnum(static_cast<unsigned char>(rest[lead.size()])) ||
         lead == "#" || lead == ":")) {
      rest = Trim(rest.substr(lead.size()));
    }
  }
  if (type == "imo" && StartsWithI(rest, "IMO ")) rest = Trim(rest.substr(4));
  std::string_view value = rest;
  std::string country;
  size_t paren = rest.find(" (");
  if (paren != std::string_view::npos) {
    value = rest.substr(0, paren);
    size_t close = rest.find(')', paren);
    if (close != std::string_view::npos) {
      // "(Turkey)" is a country; "(Jalisco)", "(Medellin)" are not and are dropped.
      country = CountryCode(rest.substr(paren + 2, close - paren - 2)).value_or("");
    }
  }
  for (std::string_view stop : {" issued", " expires", " Expires", " valid"}) {
    size_t p = value.find(stop);
    if (p != std::string_view::npos) value = value.substr(0, p);
  }
  value = Trim(value);
  if (!PlausibleIdentifier(type, value)) return;  // prose that merely starts like a label
  AddIdentifier(e, type, std::string(value), country);
}

}  // namespace

void ParseOfacRemarks(Entity& e, std::string_view remarks, ImportReport& report) {
  if (remarks.empty()) return;
  size_t start = 0;
  while (start < remarks.size()) {
    size_t semi = remarks.find(';', start);
    std::string item =
        Clean(remarks.substr(start, semi == std::string_view::npos ? std::string_view::npos : semi - start));
    start = semi == std::string_view::npos ? remarks.size() : semi + 1;
    while (!item.empty() && item.back() == '.') item.pop_back();
    std::string_view it = item;
    if (StartsWithI(it, "alt. ")) it = After(it, 5);
    if (it.empty()) continue;

    if (StartsWithI(it, "DOB ")) {
      std::string_view text = After(it, 4);
      if (auto d = ParseDate(text)) {
        if (!PlausibleYear(d->year))
          Warn(report, e.source_id, fmt::format("implausible date of birth '{}'", text));
        AddDate(e, std::move(*d));
      } else {
        Warn(report, e.source_id, fmt::format("unreadable date of birth '{}'", text));
        PartialDate raw;
        raw.raw = std::string(text);
        AddDate(e, std::move(raw));
      }
    } else if (StartsWithI(it, "Organization Established Date ")) {
      if (auto d = ParseDate(After(it, 30))) AddDate(e, std::move(*d));
    } else if (StartsWithI(it, "POB ")) {
      AddUnique(e.birth_places, std::string(After(it, 4)));
    } else if (StartsWithI(it, "Nationality of Registration ")) {
      AddUnique(e.countries, CountryCodeOrText(After(it, 28)));
    } else if (StartsWithI(it, "nationality ")) {
      AddUnique(e.nationalities, CountryCodeOrText(After(it, 12)));
    } else if (StartsWithI(it, "citizen ")) {
      AddUnique(e.nationalities, CountryCodeOrText(After(it, 8)));
    } else if (StartsWithI(it, "Vessel Flag ")) {
      AddUnique(e.countries, CountryCodeOrText(After(it, 12)));
    } else if (StartsWithI(it, "a.k.a. ") || StartsWithI(it, "n.k.a. ")) {
      std::string n = Unquote(After(it, 7));
      AddName(e, e.schema == Schema::kPerson ? LastFirstToNatural(n) : n, NameKind::kAlias);
    } else if (StartsWithI(it, "f.k.a. ")) {
      std::string n = Unquote(After(it, 7));
      AddName(e, e.schema == Schema::kPerson ? LastFirstToNatural(n) : n, NameKind::kFormer);
    } else if (auto id = IdentifierPrefix(it)) {
      AddIdFromText(e, id->second, it.substr(id->first));
    }
  }
}

}  // namespace stm::screening::internal
