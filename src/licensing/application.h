// The exporter's licence application (pure domain: no HTTP, no store).
//
// An application is kept as a draft that may be incomplete: `ApplicationFromJson` accepts missing fields
// but refuses malformed ones (wrong JSON type, unknown enum value, non-finite number, bad digest), naming
// the field. `ValidateForSubmit` then checks completeness and the rules of the application's type and
// returns every problem at once, each with its path ("goods[1].quantity").
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace stm::licensing {

// Names in JSON: "individual", "global", "brokering", "transit", "technology_transfer".
enum class ApplicationType {
  kIndividual,          // individual export licence: one consignee, one end user
  kGlobal,              // global licence: several consignees / items
  kBrokering,           // brokering (trade control) between third countries
  kTransit,             // transit / transshipment through the country
  kTechnologyTransfer,  // intangible technology transfer (no physical goods)
};
std::string_view ApplicationTypeName(ApplicationType type);
// The type for its JSON name (exact, lower case); nullopt for anything else.
std::optional<ApplicationType> ParseApplicationType(std::string_view name);
// Every type, in declaration order.
const std::vector<ApplicationType>& AllApplicationTypes();

// The control code an exporter gives for an item that is on no control list.
inline constexpr std::string_view kNotListed = "not listed";

// One line of goods (or, for a technology transfer, one item of technology).
struct GoodsLine {
  std::string description;
  // Catalogue codes ("3A001.a.1", "ML10") or the single entry "not listed".
  std::vector<std::string> control_codes;
  std::optional<double> quantity;  // absent in a draft, or for technology
  std::string unit;                // "pcs", "kg", ...
  std::optional<double> value;     // in `currency`
  std::string currency;            // ISO 4217 alpha-3, e.g. "EUR"
  std::string hs_code;             // Harmonized System code, digits (dots and spaces tolerated)
  std::string part_number;

  // True when a control code other than "not listed" is given.
  bool Controlled() const;
  bool operator==(const GoodsLine&) const = default;
};

// JSON names: "consignee", "end_user", "intermediate_consignee", "ultimate_end_user", "agent", "broker".
enum class PartyRole { kConsignee, kEndUser, kIntermediateConsignee, kUltimateEndUser, kAgent, kBroker };
std::string_view PartyRoleName(PartyRole role);
std::optional<PartyRole> ParsePartyRole(std::string_view name);

struct Party {
  PartyRole role = PartyRole::kConsignee;
  std::string name;
  std::string address;
  std::string country;  // ISO 3166-1 alpha-2, upper case
  std::string website;  // optional; http:// or https:// when given
  bool operator==(const Party&) const = default;
};

// Catch-all declarations: has the authority informed the exporter that the items are or may be intended
// for a WMD end use, and is the exporter aware of such an end use? Each "true" needs an explanation.
struct CatchAllDeclarations {
  bool informed_wmd = false;
  std::string informed_wmd_details;
  bool aware_wmd = false;
  std::string aware_wmd_details;
  bool operator==(const CatchAllDeclarations&) const = default;
};

// JSON names: "end_user_certificate", "contract", "other".
enum class DocumentKind { kEndUserCertificate, kContract, kOther };
std::string_view DocumentKindName(DocumentKind kind);
std::optional<DocumentKind> ParseDocumentKind(std::string_view name);

// A reference to an uploaded supporting document (the bytes live elsewhere).
struct DocumentRef {
  std::string id;
  DocumentKind kind = DocumentKind::kOther;
  std::string sha256;  // 64 lower-case hex digits (upper case is accepted and lowered by the parser)
  int64_t size_bytes = 0;
  std::string media_type;
  bool operator==(const DocumentRef&) const = default;
};

struct Application {
  ApplicationType type = ApplicationType::kIndividual;
  std::vector<GoodsLine> goods;
  std::vector<Party> parties;
  std::string end_use;             // what the items will be used for
  std::string end_user_statement;  // the end user's own statement / undertaking
  CatchAllDeclarations catch_all;
  std::vector<DocumentRef> documents;
  std::string origin_country;          // transit: where the goods come from (alpha-2)
  std::string destination_country;     // transit: where they go (alpha-2)
  std::string technology_description;  // technology transfer: what is transferred and how
  bool operator==(const Application&) const = default;
};

// Size limits the parser enforces (malformed beyond these).
inline constexpr size_t kMaxGoodsLines = 500;
inline constexpr size_t kMaxParties = 100;
inline constexpr size_t kMaxDocuments = 100;
inline constexpr size_t kMaxControlCodes = 50;
inline constexpr size_t kMaxShortText = 1000;  // names, codes, units, ids, media types
inline constexpr size_t kMaxLongText = 20000;  // descriptions, addresses, end use, statements

// Parses a (possibly incomplete) draft:
//   {"type": "individual",                                   (required)
//    "goods": [{"description", "control_codes": ["3A001"] | "not listed", "quantity": 10, "unit": "pcs",
//               "value": 1200.5, "currency": "EUR", "hs_code", "part_number"}],
//    "parties": [{"role", "name", "address", "country", "website"}],
//    "end_use", "end_user_statement",
//    "catch_all": {"informed_wmd": false, "informed_wmd_details", "aware_wmd": false, "aware_wmd_details"},
//    "documents": [{"id", "kind", "sha256", "size_bytes", "media_type"}],
//    "origin_country", "destination_country", "technology_description"}
// Absent or null fields are empty. Errors are kInvalidArgument and name the field
// ("goods[1].quantity: expected a number"): wrong JSON types, unknown type/role/kind, non-finite numbers,
// a sha256 that is not 64 hex digits, a negative or fractional size, text or arrays over the limits
// above. Country and currency codes are trimmed and upper-cased here; whether they are real is a submit
// rule. Unknown keys are ignored.
Result<Application> ApplicationFromJson(const nlohmann::json& j);
// The inverse of ApplicationFromJson: ApplicationFromJson(ToJson(a)) == a. Absent optionals are omitted.
nlohmann::json ToJson(const Application& application);

struct FieldError {
  std::string path;  // "goods[1].quantity", "parties", "catch_all.aware_wmd_details"
  std::string message;
  bool operator==(const FieldError&) const = default;
};
// [{"path": ..., "message": ...}, ...]
nlohmann::json ToJson(const std::vector<FieldError>& errors);
// One kInvalidArgument status listing every error ("goods[0].unit: required; parties: ..."); OK when empty.
Status FieldErrorsToStatus(const std::vector<FieldError>& errors);

// Limits on uploaded supporting documents.
struct DocumentLimits {
  std::vector<std::string> allowed_media_types = {"application/pdf", "image/png", "image/jpeg", "text/plain"};
  int64_t max_size_bytes = 20 * 1024 * 1024;
};

// Checks an upload against the limits. The media type is compared case-insensitively and without
// parameters ("text/plain; charset=utf-8" is text/plain). Errors: kInvalidArgument for an empty or
// negative size or a media type not allowed (naming the allowed ones), kPayloadTooLarge for a size over
// `max_size_bytes` (naming the limit).
Status CheckDocument(std::string_view media_type, int64_t size_bytes, const DocumentLimits& limits = {});

// True for exactly two upper-case letters that are an assigned ISO 3166-1 alpha-2 code (Debian iso-codes
// table through screening/countries.h, loaded once).
bool IsCountryCode(std::string_view code);
// True for exactly three upper-case letters that are an ISO 4217 code (Debian iso-codes iso_4217.json,
// loaded once; when that file is missing, any three upper-case letters pass).
bool IsCurrencyCode(std::string_view code);

// Every reason the application cannot be submitted yet, in a stable order (common fields, goods, parties,
// documents, type rules); empty when it can. Rules:
//  - goods: at least one line, except for a technology transfer. Each line: a description; control codes
//    (catalogue codes, or "not listed" alone); quantity > 0 with a unit, value >= 0 with an ISO 4217
//    currency (for a technology transfer quantity and value are optional, but checked when given);
//    an HS code, when given, of 4 to 10 digits.
//  - parties: each with a name, an address and a real country code; a website, when given, http(s)://.
//  - end_use is required; end_user_statement is required for individual licences.
//  - catch-all: informed_wmd / aware_wmd true requires its details text.
//  - documents: each with an id (unique), a 64-hex sha256, and a media type and size that pass
//    CheckDocument(limits).
//  - individual: exactly one consignee and exactly one end user; when any line is controlled, at least one
//    end_user_certificate document.
//  - global: at least one consignee and at least one end user (several allowed).
//  - brokering: at least one broker and at least one end user.
//  - transit: origin_country and destination_country (real codes, different) and at least one consignee.
//  - technology_transfer: technology_description and at least one end user.
std::vector<FieldError> ValidateForSubmit(const Application& application, const DocumentLimits& limits = {});

// The seam for scanning uploaded documents. Implementations must be thread-safe.
class VirusScanner {
 public:
  virtual ~VirusScanner() = default;
  // True when the bytes are clean, false when infected; an error when the scan could not be done.
  virtual Result<bool> Clean(std::string_view bytes) = 0;
};

// Accepts everything (no scanner configured).
class NoOpVirusScanner final : public VirusScanner {
 public:
  Result<bool> Clean(std::string_view /*bytes*/) override { return true; }
};

}  // namespace stm::licensing
