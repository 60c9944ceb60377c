// The one record model for every restricted-party list (UN, OFAC, US CSL, BIS DPL, UK, EU, Canada...).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace stm::screening {

enum class Schema { kUnknown, kPerson, kOrganisation, kVessel, kAircraft };
std::string_view SchemaName(Schema s);                 // "person", "organisation", "vessel", "aircraft", "unknown"
Schema ParseSchema(std::string_view text);             // lenient: "Individual", "Entity", "Person", "ORGANIZATION"...

enum class NameKind { kPrimary, kAlias, kFormer, kOriginalScript };
enum class AliasStrength { kStrong, kWeak };           // weak: OFAC "weak aka", UN "low quality"

struct Name {
  std::string full;                                    // as written in the source, UTF-8
  NameKind kind = NameKind::kPrimary;
  AliasStrength strength = AliasStrength::kStrong;
  std::string script;                                  // ISO 15924 when the source says or it is evident ("Arab", "Cyrl"); may be empty
};

// A date that may be only a year or a year and month. Ranges ("1950 to 1955") are kept as two ends.
struct PartialDate {
  int year = 0;   // 0: unknown
  int month = 0;  // 0: unknown
  int day = 0;    // 0: unknown
  int year_to = 0;  // set for ranges ("between 1950 and 1955"): year..year_to
  std::string raw;  // the source text
  std::string ToString() const;  // "1958", "1958-04", "1958-04-29", "1950/1955"
};

struct Identifier {
  std::string type;     // "passport", "national_id", "imo", "registration", "tax_id", "swift", "other"...
  std::string value;
  std::string country;  // ISO 3166 alpha-2 when known
};

struct Address {
  std::string text;     // joined address lines
  std::string country;  // ISO 3166 alpha-2 when known
};

struct Entity {
  std::string list;        // stable list key, e.g. "un", "ofac_sdn", "us_csl:Entity List", "bis_dpl", "uk", "eu", "ca_sema"
  std::string source_id;   // the list's own identifier, e.g. "QDi.001", OFAC ent_num "36"
  Schema schema = Schema::kUnknown;
  std::vector<Name> names;                 // names[0] is the primary name
  std::vector<PartialDate> birth_dates;    // dates of birth (persons) or registration (organisations)
  std::vector<std::string> birth_places;
  std::vector<std::string> nationalities;  // ISO 3166 alpha-2 when mappable, else the source text
  std::vector<std::string> countries;      // other country links (residence, address, registration)
  std::vector<Address> addresses;
  std::vector<Identifier> identifiers;
  std::vector<std::string> programmes;     // regimes / programmes, e.g. "QDi", "IRAN", "NPWMD"
  std::string listed_on;                   // YYYY-MM-DD when known
  std::string remarks;

  const std::string& primary_name() const;
};

nlohmann::json ToJson(const Entity& e);
// A stable digest of the entity's content (for list-version deltas: same id, different digest = changed).
std::string ContentDigest(const Entity& e);

// A problem found while importing: the record is kept (with what could be read) and the import goes on.
struct ImportWarning {
  std::string source_id;  // may be empty when the record has no id
  std::string message;
};

struct ImportReport {
  std::string list;
  std::string file;
  std::string format;     // "un_xml", "ofac_sdn_csv", "ofac_xml", "us_csl_csv", "bis_dpl_tsv", "uk_csv", "eu_csv", "ca_sema_xml"
  std::string version;    // publication date from the file when present, else the file's date
  int64_t records = 0;
  std::vector<ImportWarning> warnings;
};

nlohmann::json ToJson(const ImportReport& r);

}  // namespace stm::screening
