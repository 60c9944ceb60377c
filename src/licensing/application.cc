#include "licensing/application.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>
#include <unordered_set>

#include "common/text.h"
#include "screening/countries.h"

namespace stm::licensing {
namespace {

using nlohmann::json;

constexpr const char* kIso4217Path = "/usr/share/iso-codes/json/iso_4217.json";

bool IsBlank(std::string_view s) { return Trim(s).empty(); }

bool Present(const json& j, const char* key) { return j.contains(key) && !j[key].is_null(); }

std::string Join(const std::string& where, const char* key) {
  return where.empty() ? std::string(key) : where + "." + key;
}

// Reads an optional string field into `out`.
Status ReadString(const json& j, const char* key, const std::string& where, size_t max_len,
                  std::string& out) {
  if (!Present(j, key)) return Status::Ok();
  const std::string path = Join(where, key);
  if (!j[key].is_string()) return Status::InvalidArgument(path + ": expected a string");
  out = j[key].get<std::string>();
  if (out.size() > max_len)
    return Status::InvalidArgument(fmt::format("{}: longer than {} characters", path, max_len));
  return Status::Ok();
}

Status ReadNumber(const json& j, const char* key, const std::string& where, std::optional<double>& out) {
  if (!Present(j, key)) return Status::Ok();
  const std::string path = Join(where, key);
  if (!j[key].is_number()) return Status::InvalidArgument(path + ": expected a number");
  double v = j[key].get<double>();
  if (!std::isfinite(v)) return Status::InvalidArgument(path + ": not a finite number");
  out = v;
  return Status::Ok();
}

Status ReadBool(const json& j, const char* key, const std::string& where, bool& out) {
  if (!Present(j, key)) return Status::Ok();
  if (!j[key].is_boolean()) return Status::InvalidArgument(Join(where, key) + ": expected true or false");
  out = j[key].get<bool>();
  return Status::Ok();
}

// An array field: null/absent is empty; anything else must be an array of at most `max` elements.
Status CheckArray(const json& j, const char* key, size_t max, const json** out) {
  *out = nullptr;
  if (!Present(j, key)) return Status::Ok();
  if (!j[key].is_array()) return Status::InvalidArgument(std::string(key) + ": expected an array");
  if (j[key].size() > max) return Status::InvalidArgument(fmt::format("{}: more than {} entries", key, max));
  *out = &j[key];
  return Status::Ok();
}

Status ReadCountry(const json& j, const char* key, const std::string& where, std::string& out) {
  STM_RETURN_IF_ERROR(ReadString(j, key, where, kMaxShortText, out));
  out = Upper(Trim(out));
  return Status::Ok();
}

bool IsHex64(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return std::isxdigit(static_cast<unsigned char>(c)) != 0;
         });
}

Result<GoodsLine> GoodsLineFromJson(const json& g, const std::string& where) {
  if (!g.is_object()) return Status::InvalidArgument(where + ": expected an object");
  GoodsLine line;
  STM_RETURN_IF_ERROR(ReadString(g, "description", where, kMaxLongText, line.description));
  if (Present(g, "control_codes")) {
    const json& cc = g["control_codes"];
    const std::string path = where + ".control_codes";
    if (cc.is_string()) {
      line.control_codes.push_back(Trim(cc.get<std::string>()));
    } else if (cc.is_array()) {
      if (cc.size() > kMaxControlCodes)
        return Status::InvalidArgument(fmt::format("{}: more than {} entries", path, kMaxControlCodes));
      for (size_t i = 0; i < cc.size(); ++i) {
        if (!cc[i].is_string())
          return Status::InvalidArgument(fmt::format("{}[{}]: expected a string", path, i));
        std::string code = Trim(cc[i].get<std::string>());
        if (code.size() > kMaxShortText)
          return Status::InvalidArgument(
              fmt::format("{}[{}]: longer than {} characters", path, i, kMaxShortText));
        line.control_codes.push_back(std::move(code));
      }
    } else {
      return Status::InvalidArgument(path + ": expected an array of strings");
    }
  }
  STM_RETURN_IF_ERROR(ReadNumber(g, "quantity", where, line.quantity));
  STM_RETURN_IF_ERROR(ReadString(g, "unit", where, kMaxShortText, line.unit));
  STM_RETURN_IF_ERROR(ReadNumber(g, "value", where, line.value));
  STM_RETURN_IF_ERROR(ReadString(g, "currency", where, kMaxShortText, line.currency));
  line.currency = Upper(Trim(line.currency));
  STM_RETURN_IF_ERROR(ReadString(g, "hs_code", where, kMaxShortText, line.hs_code));
  STM_RETURN_IF_ERROR(ReadString(g, "part_number", where, kMaxShortText, line.part_number));
  return line;
}

Result<Party> PartyFromJson(const json& p, const std::string& where) {
  if (!p.is_object()) return Status::InvalidArgument(where + ": expected an object");
  Party party;
  if (!Present(p, "role")) return Status::InvalidArgument(where + ".role: required");
  if (!p["role"].is_string()) return Status::InvalidArgument(where + ".role: expected a string");
  auto role = ParsePartyRole(p["role"].get<std::string>());
  if (!role) {
    return Status::InvalidArgument(
        fmt::format("{}.role: unknown role '{}' (expected consignee, end_user, intermediate_consignee, "
                    "ultimate_end_user, agent or broker)",
                    where, p["role"].get<std::string>()));
  }
  party.role = *role;
  STM_RETURN_IF_ERROR(ReadString(p, "name", where, kMaxShortText, party.name));
  STM_RETURN_IF_ERROR(ReadString(p, "address", where, kMaxLongText, party.address));
  STM_RETURN_IF_ERROR(ReadCountry(p, "country", where, party.country));
  STM_RETURN_IF_ERROR(ReadString(p, "website", where, kMaxShortText, party.website));
  return party;
}

Result<DocumentRef> DocumentFromJson(const json& d, const std::string& where) {
  if (!d.is_object()) return Status::InvalidArgument(where + ": expected an object");
  DocumentRef doc;
  STM_RETURN_IF_ERROR(ReadString(d, "id", where, kMaxShortText, doc.id));
  if (Present(d, "kind")) {
    if (!d["kind"].is_string()) return Status::InvalidArgument(where + ".kind: expected a string");
    auto kind = ParseDocumentKind(d["kind"].get<std::string>());
    if (!kind) {
      return Status::InvalidArgument(
          fmt::format("{}.kind: unknown kind '{}' (expected end_user_certificate, contract or other)", where,
                      d["kind"].get<std::string>()));
    }
    doc.kind = *kind;
  }
  STM_RETURN_IF_ERROR(ReadString(d, "sha256", where, kMaxShortText, doc.sha256));
  if (!doc.sha256.empty()) {
    if (!IsHex64(doc.sha256))
      return Status::InvalidArgument(where + ".sha256: expected 64 hexadecimal digits");
    doc.sha256 = Lower(doc.sha256);
  }
  if (Present(d, "size_bytes")) {
    const json& s = d["size_bytes"];
    if (s.is_number_unsigned() || s.is_number_integer()) {
      if (s.is_number_integer() && !s.is_number_unsigned() && s.get<int64_t>() < 0)
        return Status::InvalidArgument(where + ".size_bytes: negative");
      if (s.is_number_unsigned() && s.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
        return Status::InvalidArgument(where + ".size_bytes: too large");
      doc.size_bytes = s.get<int64_t>();
    } else {
      return Status::InvalidArgument(where + ".size_bytes: expected a non-negative integer");
    }
  }
  STM_RETURN_IF_ERROR(ReadString(d, "media_type", where, kMaxShortText, doc.media_type));
  return doc;
}

// ---- ISO 4217 ----

struct CurrencyTable {
  bool loaded = false;
  std::unordered_set<std::string> codes;
};

const CurrencyTable& Currencies() {
  static const CurrencyTable table = [] {
    CurrencyTable t;
    std::ifstream in(kIso4217Path);
    if (!in) return t;
    std::stringstream buf;
    buf << in.rdbuf();
    auto j = json::parse(buf.str(), nullptr, false);
    if (j.is_discarded() || !j.contains("4217") || !j["4217"].is_array()) return t;
    for (const auto& c : j["4217"]) {
      if (c.is_object() && c.contains("alpha_3") && c["alpha_3"].is_string())
        t.codes.insert(c["alpha_3"].get<std::string>());
    }
    t.loaded = !t.codes.empty();
    return t;
  }();
  return table;
}

bool IsUpperAlpha(std::string_view s, size_t n) {
  return s.size() == n && std::all_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

std::string MediaTypeEssence(std::string_view media_type) {
  size_t semi = media_type.find(';');
  return Lower(Trim(media_type.substr(0, semi)));
}

Status CheckMediaType(std::string_view media_type, const DocumentLimits& limits) {
  std::string essence = MediaTypeEssence(media_type);
  bool allowed =
      !essence.empty() && std::any_of(limits.allowed_media_types.begin(), limits.allowed_media_types.end(),
                                      [&](const std::string& t) { return MediaTypeEssence(t) == essence; });
  if (allowed) return Status::Ok();
  std::string list;
  for (const auto& t : limits.allowed_media_types) list += (list.empty() ? "" : ", ") + t;
  return Status::InvalidArgument(
      fmt::format("media type '{}' is not allowed (allowed_media_types: {})", Trim(media_type), list));
}

Status CheckSize(int64_t size_bytes, const DocumentLimits& limits) {
  if (size_bytes <= 0) return Status::InvalidArgument("document is empty (size must be greater than 0)");
  if (size_bytes > limits.max_size_bytes) {
    return Status::PayloadTooLarge(
        fmt::format("document is {} bytes, over the max_size_bytes limit of {} bytes", size_bytes,
                    limits.max_size_bytes));
  }
  return Status::Ok();
}

// ---- submit rules ----

class Errors {
 public:
  void Add(std::string path, std::string message) {
    errors_.push_back({std::move(path), std::move(message)});
  }
  std::vector<FieldError> Take() { return std::move(errors_); }

 private:
  std::vector<FieldError> errors_;
};

void CheckCountry(Errors& errors, const std::string& path, const std::string& code) {
  if (code.empty()) {
    errors.Add(path, "required");
  } else if (!IsCountryCode(code)) {
    errors.Add(path, fmt::format("'{}' is not an ISO 3166-1 alpha-2 country code", code));
  }
}

void CheckGoodsLine(Errors& errors, const GoodsLine& line, const std::string& where, bool technology) {
  if (IsBlank(line.description)) errors.Add(where + ".description", "required");
  if (line.control_codes.empty()) {
    errors.Add(where + ".control_codes", "required: catalogue control codes or \"not listed\"");
  } else {
    bool not_listed = false;
    for (size_t i = 0; i < line.control_codes.size(); ++i) {
      if (line.control_codes[i].empty())
        errors.Add(fmt::format("{}.control_codes[{}]", where, i), "empty control code");
      if (line.control_codes[i] == kNotListed) not_listed = true;
    }
    if (not_listed && line.control_codes.size() > 1)
      errors.Add(where + ".control_codes", "\"not listed\" cannot be combined with control codes");
  }
  if (line.quantity || !technology) {
    if (!line.quantity) {
      errors.Add(where + ".quantity", "required");
    } else if (*line.quantity <= 0) {
      errors.Add(where + ".quantity", "must be greater than 0");
    }
    if (IsBlank(line.unit)) errors.Add(where + ".unit", "required with a quantity");
  }
  if (line.value || !technology) {
    if (!line.value) {
      errors.Add(where + ".value", "required");
    } else if (*line.value < 0) {
      errors.Add(where + ".value", "must not be negative");
    }
    if (line.currency.empty()) {
      errors.Add(where + ".currency", "required with a value");
    } else if (!IsCurrencyCode(line.currency)) {
      errors.Add(where + ".currency", fmt::format("'{}' is not an ISO 4217 currency code", line.currency));
    }
  }
  if (!line.hs_code.empty()) {
    std::string digits;
    bool bad = false;
    for (char c : line.hs_code) {
      if (c >= '0' && c <= '9') {
        digits += c;
      } else if (c != '.' && c != ' ') {
        bad = true;
      }
    }
    if (bad || digits.size() < 4 || digits.size() > 10)
      errors.Add(where + ".hs_code", "expected 4 to 10 digits (dots and spaces allowed)");
  }
}

void CheckParty(Errors& errors, const Party& party, const std::string& where) {
  if (IsBlank(party.name)) errors.Add(where + ".name", "required");
  if (IsBlank(party.address)) errors.Add(where + ".address", "required");
  CheckCountry(errors, where + ".country", party.country);
  if (!party.website.empty()) {
    std::string w = Lower(party.website);
    bool scheme = w.starts_with("http://") || w.starts_with("https://");
    bool host = scheme && w.size() > (w.starts_with("https://") ? 8u : 7u);
    if (!scheme || !host || w.find(' ') != std::string::npos)
      errors.Add(where + ".website", "expected an http:// or https:// address");
  }
}

size_t CountRole(const Application& a, PartyRole role) {
  return static_cast<size_t>(
      std::count_if(a.parties.begin(), a.parties.end(), [role](const Party& p) { return p.role == role; }));
}

}  // namespace

std::string_view ApplicationTypeName(ApplicationType type) {
  switch (type) {
    case ApplicationType::kIndividual:
      return "individual";
    case ApplicationType::kGlobal:
      return "global";
    case ApplicationType::kBrokering:
      return "brokering";
    case ApplicationType::kTransit:
      return "transit";
    case ApplicationType::kTechnologyTransfer:
      return "technology_transfer";
  }
  return "?";
}

const std::vector<ApplicationType>& AllApplicationTypes() {
  static const std::vector<ApplicationType> kAll = {ApplicationType::kIndividual, ApplicationType::kGlobal,
                                                    ApplicationType::kBrokering, ApplicationType::kTransit,
                                                    ApplicationType::kTechnologyTransfer};
  return kAll;
}

std::optional<ApplicationType> ParseApplicationType(std::string_view name) {
  for (ApplicationType t : AllApplicationTypes()) {
    if (ApplicationTypeName(t) == name) return t;
  }
  return std::nullopt;
}

std::string_view PartyRoleName(PartyRole role) {
  switch (role) {
    case PartyRole::kConsignee:
      return "consignee";
    case PartyRole::kEndUser:
      return "end_user";
    case PartyRole::kIntermediateConsignee:
      return "intermediate_consignee";
    case PartyRole::kUltimateEndUser:
      return "ultimate_end_user";
    case PartyRole::kAgent:
      return "agent";
    case PartyRole::kBroker:
      return "broker";
  }
  return "?";
}

std::optional<PartyRole> ParsePartyRole(std::string_view name) {
  for (PartyRole r : {PartyRole::kConsignee, PartyRole::kEndUser, PartyRole::kIntermediateConsignee,
                      PartyRole::kUltimateEndUser, PartyRole::kAgent, PartyRole::kBroker}) {
    if (PartyRoleName(r) == name) return r;
  }
  return std::nullopt;
}

std::string_view DocumentKindName(DocumentKind kind) {
  switch (kind) {
    case DocumentKind::kEndUserCertificate:
      return "end_user_certificate";
    case DocumentKind::kContract:
      return "contract";
    case DocumentKind::kOther:
      return "other";
  }
  return "?";
}

std::optional<DocumentKind> ParseDocumentKind(std::string_view name) {
  for (DocumentKind k : {DocumentKind::kEndUserCertificate, DocumentKind::kContract, DocumentKind::kOther}) {
    if (DocumentKindName(k) == name) return k;
  }
  return std::nullopt;
}

bool GoodsLine::Controlled() const {
  return std::any_of(control_codes.begin(), control_codes.end(),
                     [](const std::string& c) { return !c.empty() && c != kNotListed; });
}

Result<Application> ApplicationFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return Status::InvalidArgument("application: expected a JSON object");
  Application a;
  if (!Present(j, "type")) return Status::InvalidArgument("type: required");
  if (!j["type"].is_string()) return Status::InvalidArgument("type: expected a string");
  auto type = ParseApplicationType(j["type"].get<std::string>());
  if (!type) {
    return Status::InvalidArgument(
        fmt::format("type: unknown application type '{}' (expected individual, global, brokering, transit "
                    "or technology_transfer)",
                    j["type"].get<std::string>()));
  }
  a.type = *type;

  const json* arr = nullptr;
  STM_RETURN_IF_ERROR(CheckArray(j, "goods", kMaxGoodsLines, &arr));
  if (arr != nullptr) {
    for (size_t i = 0; i < arr->size(); ++i) {
      STM_ASSIGN_OR_RETURN(GoodsLine line, GoodsLineFromJson((*arr)[i], fmt::format("goods[{}]", i)));
      a.goods.push_back(std::move(line));
    }
  }
  STM_RETURN_IF_ERROR(CheckArray(j, "parties", kMaxParties, &arr));
  if (arr != nullptr) {
    for (size_t i = 0; i < arr->size(); ++i) {
      STM_ASSIGN_OR_RETURN(Party party, PartyFromJson((*arr)[i], fmt::format("parties[{}]", i)));
      a.parties.push_back(std::move(party));
    }
  }
  STM_RETURN_IF_ERROR(ReadString(j, "end_use", "", kMaxLongText, a.end_use));
  STM_RETURN_IF_ERROR(ReadString(j, "end_user_statement", "", kMaxLongText, a.end_user_statement));
  if (Present(j, "catch_all")) {
    const json& c = j["catch_all"];
    if (!c.is_object()) return Status::InvalidArgument("catch_all: expected an object");
    STM_RETURN_IF_ERROR(ReadBool(c, "informed_wmd", "catch_all", a.catch_all.informed_wmd));
    STM_RETURN_IF_ERROR(
        ReadString(c, "informed_wmd_details", "catch_all", kMaxLongText, a.catch_all.informed_wmd_details));
    STM_RETURN_IF_ERROR(ReadBool(c, "aware_wmd", "catch_all", a.catch_all.aware_wmd));
    STM_RETURN_IF_ERROR(
        ReadString(c, "aware_wmd_details", "catch_all", kMaxLongText, a.catch_all.aware_wmd_details));
  }
  STM_RETURN_IF_ERROR(CheckArray(j, "documents", kMaxDocuments, &arr));
  if (arr != nullptr) {
    for (size_t i = 0; i < arr->size(); ++i) {
      STM_ASSIGN_OR_RETURN(DocumentRef doc, DocumentFromJson((*arr)[i], fmt::format("documents[{}]", i)));
      a.documents.push_back(std::move(doc));
    }
  }
  STM_RETURN_IF_ERROR(ReadCountry(j, "origin_country", "", a.origin_country));
  STM_RETURN_IF_ERROR(ReadCountry(j, "destination_country", "", a.destination_country));
  STM_RETURN_IF_ERROR(ReadString(j, "technology_description", "", kMaxLongText, a.technology_description));
  return a;
}

nlohmann::json ToJson(const Application& a) {
  json j = json::object();
  j["type"] = ApplicationTypeName(a.type);
  json goods = json::array();
  for (const GoodsLine& g : a.goods) {
    json line = {{"description", g.description},
                 {"control_codes", g.control_codes},
                 {"unit", g.unit},
                 {"currency", g.currency},
                 {"hs_code", g.hs_code},
                 {"part_number", g.part_number}};
    if (g.quantity) line["quantity"] = *g.quantity;
    if (g.value) line["value"] = *g.value;
    goods.push_back(std::move(line));
  }
  j["goods"] = std::move(goods);
  json parties = json::array();
  for (const Party& p : a.parties) {
    parties.push_back({{"role", PartyRoleName(p.role)},
                       {"name", p.name},
                       {"address", p.address},
                       {"country", p.country},
                       {"website", p.website}});
  }
  j["parties"] = std::move(parties);
  j["end_use"] = a.end_use;
  j["end_user_statement"] = a.end_user_statement;
  j["catch_all"] = {{"informed_wmd", a.catch_all.informed_wmd},
                    {"informed_wmd_details", a.catch_all.informed_wmd_details},
                    {"aware_wmd", a.catch_all.aware_wmd},
                    {"aware_wmd_details", a.catch_all.aware_wmd_details}};
  json docs = json::array();
  for (const DocumentRef& d : a.documents) {
    docs.push_back({{"id", d.id},
                    {"kind", DocumentKindName(d.kind)},
                    {"sha256", d.sha256},
                    {"size_bytes", d.size_bytes},
                    {"media_type", d.media_type}});
  }
  j["documents"] = std::move(docs);
  j["origin_country"] = a.origin_country;
  j["destination_country"] = a.destination_country;
  j["technology_description"] = a.technology_description;
  return j;
}

nlohmann::json ToJson(const std::vector<FieldError>& errors) {
  json out = json::array();
  for (const FieldError& e : errors) out.push_back({{"path", e.path}, {"message", e.message}});
  return out;
}

Status FieldErrorsToStatus(const std::vector<FieldError>& errors) {
  if (errors.empty()) return Status::Ok();
  std::string m;
  for (const FieldError& e : errors) {
    if (!m.empty()) m += "; ";
    m += e.path + ": " + e.message;
  }
  return Status::InvalidArgument(std::move(m));
}

Status CheckDocument(std::string_view media_type, int64_t size_bytes, const DocumentLimits& limits) {
  STM_RETURN_IF_ERROR(CheckMediaType(media_type, limits));
  return CheckSize(size_bytes, limits);
}

bool IsCountryCode(std::string_view code) {
  return IsUpperAlpha(code, 2) && !screening::CountryName(code).empty();
}

bool IsCurrencyCode(std::string_view code) {
  if (!IsUpperAlpha(code, 3)) return false;
  const CurrencyTable& t = Currencies();
  return !t.loaded || t.codes.contains(std::string(code));
}

std::vector<FieldError> ValidateForSubmit(const Application& a, const DocumentLimits& limits) {
  Errors errors;
  const bool technology = a.type == ApplicationType::kTechnologyTransfer;

  // Common fields.
  if (IsBlank(a.end_use)) errors.Add("end_use", "required");
  if (a.type == ApplicationType::kIndividual && IsBlank(a.end_user_statement))
    errors.Add("end_user_statement", "required for an individual licence");
  if (a.catch_all.informed_wmd && IsBlank(a.catch_all.informed_wmd_details))
    errors.Add("catch_all.informed_wmd_details", "required when informed of a WMD end use");
  if (a.catch_all.aware_wmd && IsBlank(a.catch_all.aware_wmd_details))
    errors.Add("catch_all.aware_wmd_details", "required when aware of a WMD end use");

  // Goods.
  if (a.goods.empty() && !technology) errors.Add("goods", "at least one goods line is required");
  for (size_t i = 0; i < a.goods.size(); ++i) {
    CheckGoodsLine(errors, a.goods[i], fmt::format("goods[{}]", i), technology);
  }

  // Parties.
  for (size_t i = 0; i < a.parties.size(); ++i)
    CheckParty(errors, a.parties[i], fmt::format("parties[{}]", i));

  // Documents.
  std::set<std::string> ids;
  for (size_t i = 0; i < a.documents.size(); ++i) {
    const DocumentRef& d = a.documents[i];
    const std::string where = fmt::format("documents[{}]", i);
    if (IsBlank(d.id)) {
      errors.Add(where + ".id", "required");
    } else if (!ids.insert(d.id).second) {
      errors.Add(where + ".id", fmt::format("duplicate document id '{}'", d.id));
    }
    if (d.sha256.empty()) {
      errors.Add(where + ".sha256", "required");
    } else if (!IsHex64(d.sha256)) {
      errors.Add(where + ".sha256", "expected 64 hexadecimal digits");
    }
    if (d.media_type.empty()) {
      errors.Add(where + ".media_type", "required");
    } else if (Status s = CheckMediaType(d.media_type, limits); !s.ok()) {
      errors.Add(where + ".media_type", s.message());
    }
    if (Status s = CheckSize(d.size_bytes, limits); !s.ok()) errors.Add(where + ".size_bytes", s.message());
  }

  // Type rules.
  const size_t consignees = CountRole(a, PartyRole::kConsignee);
  const size_t end_users = CountRole(a, PartyRole::kEndUser);
  switch (a.type) {
    case ApplicationType::kIndividual: {
      if (consignees != 1)
        errors.Add("parties",
                   fmt::format("an individual licence needs exactly one consignee (found {})", consignees));
      if (end_users != 1)
        errors.Add("parties",
                   fmt::format("an individual licence needs exactly one end user (found {})", end_users));
      bool controlled =
          std::any_of(a.goods.begin(), a.goods.end(), [](const GoodsLine& g) { return g.Controlled(); });
      bool euc = std::any_of(a.documents.begin(), a.documents.end(), [](const DocumentRef& d) {
        return d.kind == DocumentKind::kEndUserCertificate;
      });
      if (controlled && !euc)
        errors.Add("documents",
                   "an end-user certificate is required for an individual licence of controlled goods");
      break;
    }
    case ApplicationType::kGlobal:
      if (consignees == 0) errors.Add("parties", "a global licence needs at least one consignee");
      if (end_users == 0) errors.Add("parties", "a global licence needs at least one end user");
      break;
    case ApplicationType::kBrokering:
      if (CountRole(a, PartyRole::kBroker) == 0)
        errors.Add("parties", "a brokering licence needs a broker party");
      if (end_users == 0) errors.Add("parties", "a brokering licence needs at least one end user");
      break;
    case ApplicationType::kTransit:
      CheckCountry(errors, "origin_country", a.origin_country);
      CheckCountry(errors, "destination_country", a.destination_country);
      if (!a.origin_country.empty() && a.origin_country == a.destination_country)
        errors.Add("destination_country", "must differ from origin_country");
      if (consignees == 0) errors.Add("parties", "a transit licence needs at least one consignee");
      break;
    case ApplicationType::kTechnologyTransfer:
      if (IsBlank(a.technology_description))
        errors.Add("technology_description", "required: what technology is transferred and how");
      if (end_users == 0)
        errors.Add("parties", "a technology transfer needs at least one end user (recipient)");
      break;
  }
  return errors.Take();
}

}  // namespace stm::licensing
