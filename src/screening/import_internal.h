// Shared pieces of the list importers (not a public API: include only from src/screening/import_*.cc and
// importers.cc).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "screening/csv.h"
#include "screening/entity.h"
#include "screening/importers.h"

namespace stm::screening::internal {

// ---- Text ----

std::string_view Trim(std::string_view s);
// Trims and collapses runs of white space (including line breaks and no-break spaces) to one space.
std::string Clean(std::string_view s);
std::string Lower(std::string_view s);
bool StartsWithI(std::string_view s, std::string_view prefix);
bool EqualsI(std::string_view a, std::string_view b);
bool ContainsI(std::string_view s, std::string_view needle);
// Splits on `sep`, cleaning each part and dropping empty ones.
std::vector<std::string> SplitClean(std::string_view s, std::string_view sep);

// CSV column access by (cleaned, lower-cased) header name.
class Columns {
 public:
  explicit Columns(const std::vector<std::string>& header) {
    for (size_t i = 0; i < header.size(); ++i) index_[Lower(Clean(header[i]))] = i;
  }
  bool Has(const std::string& name) const { return index_.count(name) != 0; }
  std::string Get(const CsvRecord& r, const std::string& name) const {
    auto it = index_.find(name);
    if (it == index_.end() || it->second >= r.fields.size()) return {};
    return Clean(r.fields[it->second]);
  }
  // The names in `names` that the header lacks, comma-separated ("" when none).
  std::string Missing(std::initializer_list<const char*> names) const {
    std::string out;
    for (const char* n : names) {
      if (!Has(n)) out += (out.empty() ? "" : ", ") + std::string(n);
    }
    return out;
  }

 private:
  std::unordered_map<std::string, size_t> index_;
};
// Valid UTF-8 is returned as is; bytes that are not part of a valid sequence are read as Windows-1252
// (the OFAC and OFSI legacy files) and re-encoded. Sets *repaired when anything changed.
std::string RepairUtf8(std::string_view s, bool* repaired = nullptr);
// ISO 15924 code of the dominant non-Latin script of the text ("Arab", "Cyrl", "Hani", "Hang", "Grek",
// "Hebr", "Thai", "Geor", "Armn", "Deva", "Ethi"); empty for Latin or no letters.
std::string DetectScript(std::string_view utf8);
// "LAST, First" -> "First LAST" (only the first comma splits; no comma: unchanged).
std::string LastFirstToNatural(std::string_view name);

// ---- Dates ----

enum class SlashOrder { kMonthFirst, kDayFirst };  // 01/02/2003: US lists vs UK/EU lists
// Parses one date as the lists write it: "1958-04-29", "1958-04", "1958", "29 Apr 1958", "Apr 1958",
// "April 29, 1958", "29/04/1958" (per `order`), "00/00/1958", "circa 1958", "approximately 1958",
// "1958 to 1960", "between 1958 and 1960", "1958-1960". Fields outside calendar ranges -> nullopt.
// `raw` is set to the input.
std::optional<PartialDate> ParseDate(std::string_view text, SlashOrder order = SlashOrder::kMonthFirst);
// A year a list date can sensibly have (1800..2100).
bool PlausibleYear(int year);
// "YYYY-MM-DD" of a full date, else empty.
std::string IsoDay(const PartialDate& d);

// ---- Identifiers ----

// Maps a list's label for an identifier ("Passport", "National ID No.", "Tax ID No.", "Registration
// Number", "Vessel Registration Identification", "SWIFT/BIC", "Cedula No."...) to the model's type
// ("passport", "national_id", "tax_id", "registration", "imo", "swift", "mmsi", "lei", "isin", "duns",
// "aircraft_msn", "aircraft_tail", "other"...). nullopt for labels that are not identifiers (websites,
// e-mail, directive texts, dates).
std::optional<std::string> IdentifierType(std::string_view label);
// Whether `value` can be an identifier of `type`: it holds a digit, or it is a SWIFT/BIC code (8 or 11
// letters and digits). Filters prose that merely starts like a label.
bool PlausibleIdentifier(std::string_view type, std::string_view value);
// Longest identifier label that `text` starts with (case-insensitive), for free-text remarks:
// {label length, type}. nullopt when none.
std::optional<std::pair<size_t, std::string>> IdentifierPrefix(std::string_view text);

// ---- Entity building ----

// Adds a name unless one with the same text already exists; the first name added becomes primary.
void AddName(Entity& e, std::string full, NameKind kind, AliasStrength strength = AliasStrength::kStrong,
             std::string script = {});
void AddUnique(std::vector<std::string>& v, std::string value);
void AddIdentifier(Entity& e, std::string type, std::string value, std::string country);
void AddAddress(Entity& e, std::string text, std::string country);
void AddDate(Entity& e, PartialDate d);

// Caps the warnings of one report (a garbage file must not produce millions).
constexpr size_t kMaxWarnings = 2000;
void Warn(ImportReport& r, std::string_view source_id, std::string message);

// A "YYYY-MM-DD" or "YYYY-MM" found in the file name or its parent folder's name; empty if none.
std::string DateFromPath(std::string_view path);

// OFAC free-text remarks ("DOB 01 Apr 1956; POB Adana, Turkey; nationality Turkey; Passport U24492445
// (Turkey); a.k.a. 'X'; ...") -> dates, places, nationalities, identifiers and aliases of `e`. Also used for
// the CSL's remarks. Unreadable dates become warnings.
void ParseOfacRemarks(Entity& e, std::string_view remarks, ImportReport& report);

// ---- Format detection and the parsers ----

enum class Format {
  kUnknown,
  kUnXml,
  kOfacSdnCsv,       // sdn.csv (+ alt.csv, add.csv, sdn_comments.csv)
  kOfacConsCsv,      // cons_prim.csv (+ cons_alt.csv, cons_add.csv, cons_comments.csv)
  kOfacCompanion,    // one of the companions above, alone
  kOfacXml,          // sdnList schema
  kOfacEnhancedXml,  // sanctionsData schema
  kZip,              // an archive holding one of the XML formats
  kGzip,             // a compressed file holding any of the formats
  kUsCslCsv,
  kBisDplTsv,
  kUkFcdoSubjects,   // subjects.csv of the normalised FCDO set (+ subject_*.csv)
  kUkFcdoCompanion,  // subject_names.csv etc. alone
  kUkOfsiCsv,
  kEuCsv,
  kCaSemaXml,
};
std::string_view FormatName(Format f);

Format DetectFormat(std::string_view file_name, std::string_view bytes);

// Reads a file next to the one being imported (nullopt when absent or unreadable).
using SiblingReader = std::function<std::optional<std::string>(const std::string& name)>;

struct ParseInput {
  std::string file;  // path or name, for messages and ImportReport::file
  std::string_view bytes;
  SiblingReader sibling;  // may be empty (in-memory imports)
};

Result<std::vector<ImportedList>> ParseUnXml(const ParseInput& in);
Result<std::vector<ImportedList>> ParseOfacCsv(const ParseInput& in, bool consolidated);
Result<std::vector<ImportedList>> ParseOfacXml(const ParseInput& in);
Result<std::vector<ImportedList>> ParseOfacEnhancedXml(const ParseInput& in);
Result<std::vector<ImportedList>> ParseUsCsl(const ParseInput& in);
Result<std::vector<ImportedList>> ParseBisDpl(const ParseInput& in);
Result<std::vector<ImportedList>> ParseUkFcdo(const ParseInput& in);
Result<std::vector<ImportedList>> ParseUkOfsi(const ParseInput& in);
Result<std::vector<ImportedList>> ParseEu(const ParseInput& in);
Result<std::vector<ImportedList>> ParseCaSema(const ParseInput& in);

// Decompression helpers (zlib / libzip), bounded to `limit` output bytes.
Result<std::string> Gunzip(std::string_view bytes, size_t limit);
// The first member whose name ends with `suffix` (case-insensitive); its name goes to *member.
Result<std::string> UnzipMember(std::string_view bytes, std::string_view suffix, size_t limit,
                                std::string* member);

}  // namespace stm::screening::internal
