#include "policy/denials.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <set>

#include "auth/roles.h"
#include "common/text.h"
#include "licensing/queues.h"
#include "licensing/sla.h"
#include "screening/countries.h"

namespace stm::policy {
namespace {

using Json = nlohmann::json;
using auth::Role;
using licensing::Actor;

constexpr size_t kMaxShort = licensing::kMaxShortText;
constexpr size_t kMaxLong = licensing::kMaxLongText;
constexpr size_t kMaxItems = 500;
constexpr size_t kMaxParties = 100;
constexpr size_t kMaxCodes = 50;

int64_t Micros(const Clock& clock) { return ToUnixMicros(clock.Now()); }

std::string DenialTarget(int64_t id) { return fmt::format("denial:{}", id); }
std::string ConsultationTarget(int64_t id) { return fmt::format("consultation:{}", id); }

Json ParseJsonText(const std::string& text) {
  Json j = Json::parse(text, nullptr, false);
  return j.is_discarded() ? Json(nullptr) : j;
}

bool HasRole(const Actor& actor, std::initializer_list<Role> roles) {
  return std::find(roles.begin(), roles.end(), actor.role) != roles.end();
}

Status Require(const Actor& actor, std::initializer_list<Role> roles, std::string_view what) {
  if (actor.is_system || HasRole(actor, roles)) return Status::Ok();
  std::string who;
  for (Role r : roles) who += (who.empty() ? "" : ", ") + std::string(auth::RoleName(r));
  return Status::PermissionDenied(
      fmt::format("role {} may not {} (only {})", auth::RoleName(actor.role), what, who));
}

Status CanView(const Actor& actor) {
  return Require(
      actor, {Role::kLicensingOfficer, Role::kSeniorLicensingOfficer, Role::kAuditor, Role::kAdministrator},
      "see denial notifications or consultations");
}

// An ISO 3166-1 alpha-2 code, upper-cased; kInvalidArgument naming `field` otherwise.
Result<std::string> CountryField(const std::string& field, const std::string& text) {
  std::string code = Upper(Trim(text));
  if (code.size() != 2 || screening::CountryName(code).empty()) {
    return Status::InvalidArgument(
        fmt::format("{}: '{}' is not an ISO 3166-1 alpha-2 country code", field, text));
  }
  return code;
}

Result<std::string> OptionalText(const Json& j, const std::string& path, const char* field, size_t max_len) {
  if (!j.contains(field) || j[field].is_null()) return std::string();
  if (!j[field].is_string())
    return Status::InvalidArgument(fmt::format("{}{}: expected a string", path, field));
  std::string v = Trim(j[field].get<std::string>());
  if (v.size() > max_len) {
    return Status::InvalidArgument(fmt::format("{}{}: at most {} characters", path, field, max_len));
  }
  return v;
}

Result<std::string> RequiredText(const Json& j, const std::string& path, const char* field, size_t max_len) {
  STM_ASSIGN_OR_RETURN(std::string v, OptionalText(j, path, field, max_len));
  if (v.empty()) return Status::InvalidArgument(fmt::format("{}{}: required", path, field));
  return v;
}

Status OnlyFields(const Json& j, const std::string& path, std::initializer_list<const char*> allowed) {
  for (const auto& [key, value] : j.items()) {
    if (std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return key == a; })) {
      std::string names;
      for (const char* a : allowed) names += (names.empty() ? "" : ", ") + std::string(a);
      return Status::InvalidArgument(fmt::format("{}{}: unknown field (expected {})", path, key, names));
    }
  }
  return Status::Ok();
}

constexpr std::array<std::string_view, 7> kPartyRoles = {
    "consignee", "end_user", "intermediate_consignee", "ultimate_end_user", "agent", "broker", "other"};

std::string AddYears(licensing::Date date, int years) {
  std::chrono::year_month_day ymd(date);
  std::chrono::year_month_day next = ymd + std::chrono::years(years);
  if (!next.ok()) next = next.year() / next.month() / std::chrono::last;  // 29 February
  return licensing::FormatDate(std::chrono::sys_days(next));
}

Json ItemsJson(const std::vector<DenialItem>& items) {
  Json out = Json::array();
  for (const auto& i : items)
    out.push_back({{"description", i.description}, {"control_codes", i.control_codes}});
  return out;
}

Json PartiesJson(const std::vector<DenialParty>& parties) {
  Json out = Json::array();
  for (const auto& p : parties) {
    out.push_back({{"role", p.role}, {"name", p.name}, {"address", p.address}, {"country", p.country}});
  }
  return out;
}

std::vector<DenialItem> ItemsFromStored(const Json& j) {
  std::vector<DenialItem> out;
  if (!j.is_array()) return out;
  for (const auto& i : j) {
    DenialItem item;
    item.description = i.value("description", "");
    if (i.contains("control_codes") && i["control_codes"].is_array()) {
      for (const auto& c : i["control_codes"]) {
        if (c.is_string()) item.control_codes.push_back(c.get<std::string>());
      }
    }
    out.push_back(std::move(item));
  }
  return out;
}

std::vector<DenialParty> PartiesFromStored(const Json& j) {
  std::vector<DenialParty> out;
  if (!j.is_array()) return out;
  for (const auto& p : j) {
    out.push_back({p.value("role", ""), p.value("name", ""), p.value("address", ""), p.value("country", "")});
  }
  return out;
}

constexpr const char* kDenialColumns =
    "id, direction, status, notifying_state, regime, reference, denied_on, expires_on, items, parties, "
    "reason, "
    "case_id, created_by, created_at, updated_by, updated_at, version, revoked_on, revocation_reason";

Denial DenialFromRow(const store::Row& row, const std::string& today) {
  Denial d;
  d.id = row.Int(0);
  d.direction = ParseDenialDirection(row.Text(1)).value_or(DenialDirection::kInbound);
  d.status = ParseDenialStatus(row.Text(2)).value_or(DenialStatus::kRevoked);
  d.notifying_state = row.Text(3);
  d.regime = row.Text(4);
  d.reference = row.Text(5);
  d.denied_on = row.Text(6);
  d.expires_on = row.Text(7);
  d.items = ItemsFromStored(ParseJsonText(row.Text(8)));
  d.parties = PartiesFromStored(ParseJsonText(row.Text(9)));
  d.reason = row.Text(10);
  d.case_id = row.OptInt(11);
  d.created_by = row.Text(12);
  d.created_at = FromUnixMicros(row.Int(13));
  d.updated_by = row.Text(14);
  d.updated_at = FromUnixMicros(row.Int(15));
  d.version = row.Int(16);
  d.revoked_on = row.OptText(17);
  d.revocation_reason = row.Text(18);
  // "YYYY-MM-DD" compares as text.
  d.expired = d.expires_on < today;
  return d;
}

constexpr const char* kConsultationColumns =
    "id, case_id, denial_id, addressed_state, status, deadline, outcome, note, opened_at, closed_at, "
    "closed_by, "
    "flag_id, match";

Consultation ConsultationFromRow(const store::Row& row) {
  Consultation c;
  c.id = row.Int(0);
  c.case_id = row.Int(1);
  c.denial_id = row.Int(2);
  c.addressed_state = row.Text(3);
  c.status = ParseConsultationStatus(row.Text(4)).value_or(ConsultationStatus::kOpen);
  c.deadline = row.Text(5);
  if (auto o = row.OptText(6)) c.outcome = ParseConsultationOutcome(*o);
  c.note = row.Text(7);
  c.opened_at = FromUnixMicros(row.Int(8));
  if (auto at = row.OptInt(9)) c.closed_at = FromUnixMicros(*at);
  c.closed_by = row.Text(10);
  c.flag_id = row.OptInt(11);
  c.match = ParseJsonText(row.Text(12));
  return c;
}

// The code's parts, upper case and trimmed, split at '.' ("2B226.a" -> {"2B226", "A"}).
std::vector<std::string> CodeParts(std::string_view code) {
  std::vector<std::string> parts;
  std::string c = Upper(Trim(code));
  size_t start = 0;
  while (start <= c.size()) {
    size_t dot = c.find('.', start);
    if (dot == std::string::npos) dot = c.size();
    parts.push_back(Trim(c.substr(start, dot - start)));
    start = dot + 1;
  }
  return parts;
}

}  // namespace

// ---- names and JSON
// ------------------------------------------------------------------------------------------

std::string_view DenialDirectionName(DenialDirection d) {
  return d == DenialDirection::kInbound ? "inbound" : "outbound";
}

std::optional<DenialDirection> ParseDenialDirection(std::string_view name) {
  if (name == "inbound") return DenialDirection::kInbound;
  if (name == "outbound") return DenialDirection::kOutbound;
  return std::nullopt;
}

std::string_view DenialStatusName(DenialStatus s) {
  switch (s) {
    case DenialStatus::kActive:
      return "active";
    case DenialStatus::kDraft:
      return "draft";
    case DenialStatus::kIssued:
      return "issued";
    case DenialStatus::kRevoked:
      return "revoked";
  }
  return "revoked";
}

std::optional<DenialStatus> ParseDenialStatus(std::string_view name) {
  for (auto s :
       {DenialStatus::kActive, DenialStatus::kDraft, DenialStatus::kIssued, DenialStatus::kRevoked}) {
    if (DenialStatusName(s) == name) return s;
  }
  return std::nullopt;
}

bool IsDenialRegime(std::string_view regime) {
  return regime == "nsg" || regime == "mtcr" || regime == "ag" || regime == "wassenaar" || regime == "other";
}

std::string DenialRegimeOf(const std::vector<std::string>& regime_ids) {
  auto has = [&](std::initializer_list<std::string_view> ids) {
    return std::any_of(regime_ids.begin(), regime_ids.end(), [&](const std::string& r) {
      std::string l = Lower(r);
      return std::find(ids.begin(), ids.end(), l) != ids.end();
    });
  };
  if (has({"nsg1", "nsg2", "nsg"})) return "nsg";
  if (has({"mtcr"})) return "mtcr";
  if (has({"ag", "cwc"})) return "ag";
  if (has({"wa_du", "wa_ml", "wassenaar"})) return "wassenaar";
  return "other";
}

bool ControlCodesOverlap(std::string_view a, std::string_view b) {
  std::vector<std::string> pa = CodeParts(a);
  std::vector<std::string> pb = CodeParts(b);
  if (pa.empty() || pb.empty() || pa[0].empty() || pb[0].empty()) return false;
  size_t n = std::min(pa.size(), pb.size());
  // One is a prefix of the other, part by part: "2B226" covers "2B226.a.1"; "2B22" does not cover "2B226".
  return std::equal(pa.begin(), pa.begin() + static_cast<std::ptrdiff_t>(n), pb.begin());
}

bool Denial::InForce() const {
  return !expired && (status == DenialStatus::kActive || status == DenialStatus::kIssued);
}

Json ToJson(const Denial& d) {
  return {{"id", d.id},
          {"direction", DenialDirectionName(d.direction)},
          {"status", DenialStatusName(d.status)},
          {"expired", d.expired},
          {"in_force", d.InForce()},
          {"notifying_state", d.notifying_state},
          {"regime", d.regime},
          {"reference", d.reference},
          {"denied_on", d.denied_on},
          {"expires_on", d.expires_on},
          {"items", ItemsJson(d.items)},
          {"parties", PartiesJson(d.parties)},
          {"reason", d.reason},
          {"case_id", d.case_id ? Json(*d.case_id) : Json(nullptr)},
          {"created_by", d.created_by},
          {"created_at", FormatTime(d.created_at)},
          {"updated_by", d.updated_by},
          {"updated_at", FormatTime(d.updated_at)},
          {"version", d.version},
          {"revoked_on", d.revoked_on ? Json(*d.revoked_on) : Json(nullptr)},
          {"revocation_reason", d.revocation_reason}};
}

Json ToJson(const PartyMatch& m) {
  return {{"party_index", m.party_index},
          {"role", m.role},
          {"name", m.name},
          {"denial_party_index", m.denial_party_index},
          {"denial_party_role", m.denial_party_role},
          {"denial_party_name", m.denial_party_name},
          {"score", m.score},
          {"explanation", m.explanation}};
}

Json ToJson(const CodeOverlap& o) {
  return {{"goods_index", o.goods_index},
          {"application_code", o.application_code},
          {"item_index", o.item_index},
          {"denial_code", o.denial_code}};
}

Json ToJson(const DenialMatch& m) {
  Json parties = Json::array();
  for (const auto& p : m.parties) parties.push_back(ToJson(p));
  Json codes = Json::array();
  for (const auto& c : m.codes) codes.push_back(ToJson(c));
  return {{"denial_id", m.denial.id},
          {"notifying_state", m.denial.notifying_state},
          {"regime", m.denial.regime},
          {"reference", m.denial.reference},
          {"parties", parties},
          {"codes", codes},
          {"essentially_identical", m.essentially_identical}};
}

std::string_view ConsultationStatusName(ConsultationStatus s) {
  return s == ConsultationStatus::kOpen ? "open" : "closed";
}

std::optional<ConsultationStatus> ParseConsultationStatus(std::string_view name) {
  if (name == "open") return ConsultationStatus::kOpen;
  if (name == "closed") return ConsultationStatus::kClosed;
  return std::nullopt;
}

std::string_view ConsultationOutcomeName(ConsultationOutcome o) {
  switch (o) {
    case ConsultationOutcome::kNoObjection:
      return "no_objection";
    case ConsultationOutcome::kObjection:
      return "objection";
    case ConsultationOutcome::kNoReply:
      return "no_reply";
  }
  return "no_reply";
}

std::optional<ConsultationOutcome> ParseConsultationOutcome(std::string_view name) {
  for (auto o :
       {ConsultationOutcome::kNoObjection, ConsultationOutcome::kObjection, ConsultationOutcome::kNoReply}) {
    if (ConsultationOutcomeName(o) == name) return o;
  }
  return std::nullopt;
}

Json ToJson(const Consultation& c) {
  return {{"id", c.id},
          {"case_id", c.case_id},
          {"denial_id", c.denial_id},
          {"addressed_state", c.addressed_state},
          {"status", ConsultationStatusName(c.status)},
          {"deadline", c.deadline},
          {"outcome", c.outcome ? Json(ConsultationOutcomeName(*c.outcome)) : Json(nullptr)},
          {"note", c.note},
          {"opened_at", FormatTime(c.opened_at)},
          {"closed_at", c.closed_at ? Json(FormatTime(*c.closed_at)) : Json(nullptr)},
          {"closed_by", c.closed_by.empty() ? Json(nullptr) : Json(c.closed_by)},
          {"flag_id", c.flag_id ? Json(*c.flag_id) : Json(nullptr)},
          {"match", c.match}};
}

Json ConsultationFlagDefinition() {
  return {
      {"code", std::string(kConsultationFlag)},
      {"name", "Consultation pending (denial notification)"},
      {"level", "case"},
      {"blocks_finalising", true},
      {"removable_by", Json::array()},
      {"description",
       "Another state has denied an essentially identical transaction; the case may not be finalised until "
       "the outcome of the consultation with that state is recorded (removed by the system then)."},
      {"source",
       "The regimes' no-undercut commitments: NSG Guidelines Part 1 para. 8 and Part 2 para. 5; MTCR "
       "Guidelines para. 5; Australia Group guidelines (no-undercut policy); Wassenaar Arrangement "
       "Initial Elements and dual-use denial notification best practices."}};
}

Result<Denial> InboundDenialFromJson(const Json& j, int default_expiry_years) {
  if (!j.is_object()) return Status::InvalidArgument("denial: expected a JSON object");
  STM_RETURN_IF_ERROR(OnlyFields(
      j, "",
      {"notifying_state", "regime", "reference", "denied_on", "expires_on", "items", "parties", "reason"}));
  Denial d;
  d.direction = DenialDirection::kInbound;
  d.status = DenialStatus::kActive;
  STM_ASSIGN_OR_RETURN(std::string state, RequiredText(j, "", "notifying_state", kMaxShort));
  STM_ASSIGN_OR_RETURN(d.notifying_state, CountryField("notifying_state", state));
  STM_ASSIGN_OR_RETURN(std::string regime, RequiredText(j, "", "regime", kMaxShort));
  d.regime = Lower(regime);
  if (!IsDenialRegime(d.regime)) {
    return Status::InvalidArgument(
        fmt::format("regime: '{}' is not one of nsg, mtcr, ag, wassenaar, other", regime));
  }
  STM_ASSIGN_OR_RETURN(d.reference, RequiredText(j, "", "reference", 200));
  STM_ASSIGN_OR_RETURN(std::string denied_on, RequiredText(j, "", "denied_on", kMaxShort));
  auto denied = licensing::ParseDate(denied_on);
  if (!denied.ok())
    return Status::InvalidArgument(fmt::format("denied_on: '{}' is not a YYYY-MM-DD date", denied_on));
  d.denied_on = licensing::FormatDate(*denied);
  STM_ASSIGN_OR_RETURN(std::string expires_on, OptionalText(j, "", "expires_on", kMaxShort));
  if (expires_on.empty()) {
    if (default_expiry_years < 1) return Status::InvalidArgument("expires_on: required");
    d.expires_on = AddYears(*denied, default_expiry_years);
  } else {
    auto expires = licensing::ParseDate(expires_on);
    if (!expires.ok()) {
      return Status::InvalidArgument(fmt::format("expires_on: '{}' is not a YYYY-MM-DD date", expires_on));
    }
    if (*expires <= *denied) return Status::InvalidArgument("expires_on: must be after denied_on");
    d.expires_on = licensing::FormatDate(*expires);
  }

  if (!j.contains("items") || !j["items"].is_array() || j["items"].empty()) {
    return Status::InvalidArgument("items: required: a non-empty array of {description, control_codes}");
  }
  if (j["items"].size() > kMaxItems)
    return Status::InvalidArgument(fmt::format("items: at most {}", kMaxItems));
  for (size_t i = 0; i < j["items"].size(); ++i) {
    const Json& item = j["items"][i];
    std::string path = fmt::format("items[{}].", i);
    if (!item.is_object()) return Status::InvalidArgument(fmt::format("items[{}]: expected an object", i));
    STM_RETURN_IF_ERROR(OnlyFields(item, path, {"description", "control_codes"}));
    DenialItem out;
    STM_ASSIGN_OR_RETURN(out.description, OptionalText(item, path, "description", kMaxLong));
    if (!item.contains("control_codes") || !item["control_codes"].is_array() ||
        item["control_codes"].empty()) {
      return Status::InvalidArgument(
          fmt::format("{}control_codes: required: a non-empty array of codes", path));
    }
    if (item["control_codes"].size() > kMaxCodes) {
      return Status::InvalidArgument(fmt::format("{}control_codes: at most {}", path, kMaxCodes));
    }
    for (size_t k = 0; k < item["control_codes"].size(); ++k) {
      const Json& code = item["control_codes"][k];
      std::string text = code.is_string() ? Trim(code.get<std::string>()) : std::string();
      if (text.empty() || text.size() > kMaxShort) {
        return Status::InvalidArgument(
            fmt::format("{}control_codes[{}]: expected a non-empty code", path, k));
      }
      out.control_codes.push_back(text);
    }
    d.items.push_back(std::move(out));
  }

  if (!j.contains("parties") || !j["parties"].is_array() || j["parties"].empty()) {
    return Status::InvalidArgument("parties: required: a non-empty array of {role, name, address, country}");
  }
  if (j["parties"].size() > kMaxParties) {
    return Status::InvalidArgument(fmt::format("parties: at most {}", kMaxParties));
  }
  for (size_t i = 0; i < j["parties"].size(); ++i) {
    const Json& party = j["parties"][i];
    std::string path = fmt::format("parties[{}].", i);
    if (!party.is_object()) return Status::InvalidArgument(fmt::format("parties[{}]: expected an object", i));
    STM_RETURN_IF_ERROR(OnlyFields(party, path, {"role", "name", "address", "country"}));
    DenialParty out;
    STM_ASSIGN_OR_RETURN(out.role, OptionalText(party, path, "role", kMaxShort));
    if (out.role.empty()) out.role = "other";
    if (std::find(kPartyRoles.begin(), kPartyRoles.end(), out.role) == kPartyRoles.end()) {
      return Status::InvalidArgument(fmt::format(
          "{}role: '{}' is not consignee, end_user, intermediate_consignee, ultimate_end_user, agent, broker "
          "or other",
          path, out.role));
    }
    STM_ASSIGN_OR_RETURN(out.name, RequiredText(party, path, "name", kMaxShort));
    STM_ASSIGN_OR_RETURN(out.address, OptionalText(party, path, "address", kMaxLong));
    STM_ASSIGN_OR_RETURN(std::string country, OptionalText(party, path, "country", kMaxShort));
    if (!country.empty()) {
      STM_ASSIGN_OR_RETURN(out.country, CountryField(path + "country", country));
    }
    d.parties.push_back(std::move(out));
  }
  STM_ASSIGN_OR_RETURN(d.reason, OptionalText(j, "", "reason", kMaxLong));
  return d;
}

// ---- service
// -------------------------------------------------------------------------------------------------

DenialService::DenialService(store::Database& db, const Clock& clock, DenialOptions options)
    : db_(db), clock_(clock), options_(std::move(options)) {}

std::string DenialService::Today() const { return licensing::FormatDate(licensing::DateOf(clock_.Now())); }

Result<Denial> DenialService::LoadDenial(store::Tx& tx, int64_t id) {
  STM_ASSIGN_OR_RETURN(auto row,
                       tx.QueryOne(fmt::format("SELECT {} FROM denials WHERE id = ?", kDenialColumns), {id}));
  if (!row) return Status::NotFound(fmt::format("denial {} not found", id));
  return DenialFromRow(*row, Today());
}

Result<int64_t> DenialService::InsertDenial(store::Tx& tx, const Denial& d, const std::string& by) {
  int64_t now = Micros(clock_);
  auto row = tx.QueryOne(
      "INSERT INTO denials (direction, status, notifying_state, regime, reference, denied_on, expires_on, "
      "items, parties, reason, case_id, created_by, created_at, updated_by, updated_at, version) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id",
      {std::string(DenialDirectionName(d.direction)), std::string(DenialStatusName(d.status)),
       d.notifying_state, d.regime, d.reference, d.denied_on, d.expires_on, ItemsJson(d.items).dump(),
       PartiesJson(d.parties).dump(), d.reason, store::Opt(d.case_id), by, now, by, now});
  if (!row.ok()) {
    if (row.status().code() == ErrorCode::kAlreadyExists) {
      return Status::AlreadyExists(
          fmt::format("reference: {}'s denial '{}' is already recorded", d.notifying_state, d.reference));
    }
    return row.status();
  }
  return (*row)->Int(0);
}

Result<Denial> DenialService::RecordInbound(const audit::Context& ctx, const Actor& actor, const Json& body) {
  STM_RETURN_IF_ERROR(Require(actor,
                              {Role::kLicensingOfficer, Role::kSeniorLicensingOfficer, Role::kAdministrator},
                              "record denial notifications"));
  STM_ASSIGN_OR_RETURN(Denial d, InboundDenialFromJson(body, options_.default_expiry_years));
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kWrite));
  STM_ASSIGN_OR_RETURN(int64_t id, InsertDenial(*tx, d, licensing::ActorName(actor)));
  STM_RETURN_IF_ERROR(audit::Append(*tx, clock_, ctx,
                                    {"denial.record",
                                     DenialTarget(id),
                                     {{"notifying_state", d.notifying_state},
                                      {"regime", d.regime},
                                      {"reference", d.reference},
                                      {"denied_on", d.denied_on},
                                      {"expires_on", d.expires_on},
                                      {"items", d.items.size()},
                                      {"parties", d.parties.size()}}}));
  STM_ASSIGN_OR_RETURN(Denial stored, LoadDenial(*tx, id));
  STM_RETURN_IF_ERROR(tx->Commit());
  return stored;
}

Result<Denial> DenialService::Revoke(const audit::Context& ctx, const Actor& actor, int64_t id,
                                     const std::string& reason_in) {
  STM_RETURN_IF_ERROR(Require(actor,
                              {Role::kLicensingOfficer, Role::kSeniorLicensingOfficer, Role::kAdministrator},
                              "revoke denial notifications"));
  std::string reason = Trim(reason_in);
  if (reason.empty()) return Status::InvalidArgument("reason: required: why the denial is revoked");
  if (reason.size() > kMaxLong) return Status::InvalidArgument("reason: too long");
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kWrite));
  STM_ASSIGN_OR_RETURN(Denial d, LoadDenial(*tx, id));
  bool revocable = (d.direction == DenialDirection::kInbound && d.status == DenialStatus::kActive) ||
                   (d.direction == DenialDirection::kOutbound && d.status == DenialStatus::kIssued);
  if (!revocable) {
    return Status::FailedPrecondition(
        fmt::format("denial {} is {} {}: only an active inbound or an issued "
                    "outbound denial can be revoked",
                    id, DenialDirectionName(d.direction), DenialStatusName(d.status)));
  }
  std::string today = Today();
  STM_RETURN_IF_ERROR(
      tx->Exec("UPDATE denials SET status = 'revoked', revoked_on = ?, revocation_reason = ?, "
               "updated_by = ?, updated_at = ?, version = version + 1 WHERE id = ?",
               {today, reason, licensing::ActorName(actor), Micros(clock_), id})
          .status());
  STM_RETURN_IF_ERROR(audit::Append(*tx, clock_, ctx,
                                    {"denial.revoke",
                                     DenialTarget(id),
                                     {{"from", DenialStatusName(d.status)},
                                      {"reason", reason},
                                      {"revoked_on", today},
                                      {"version", d.version + 1}}}));
  STM_ASSIGN_OR_RETURN(Denial stored, LoadDenial(*tx, id));
  STM_RETURN_IF_ERROR(tx->Commit());
  return stored;
}

Result<Denial> DenialService::IssueOutbound(const audit::Context& ctx, const Actor& actor, int64_t id,
                                            int64_t expected_version) {
  STM_RETURN_IF_ERROR(Require(actor, {Role::kSeniorLicensingOfficer, Role::kAdministrator},
                              "issue outbound denial notifications"));
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kWrite));
  STM_ASSIGN_OR_RETURN(Denial d, LoadDenial(*tx, id));
  if (d.direction != DenialDirection::kOutbound || d.status != DenialStatus::kDraft) {
    return Status::FailedPrecondition(
        fmt::format("denial {} is {} {}: only a draft outbound denial is issued", id,
                    DenialDirectionName(d.direction), DenialStatusName(d.status)));
  }
  if (d.version != expected_version) {
    return Status::Conflict(
        fmt::format("denial {} is at version {}, not {}: read it again", id, d.version, expected_version));
  }
  STM_RETURN_IF_ERROR(tx->Exec("UPDATE denials SET status = 'issued', updated_by = ?, updated_at = ?, "
                               "version = version + 1 WHERE id = ?",
                               {licensing::ActorName(actor), Micros(clock_), id})
                          .status());
  STM_RETURN_IF_ERROR(audit::Append(*tx, clock_, ctx,
                                    {"denial.issue",
                                     DenialTarget(id),
                                     {{"reference", d.reference},
                                      {"regime", d.regime},
                                      {"case_id", d.case_id ? Json(*d.case_id) : Json(nullptr)},
                                      {"version", d.version + 1}}}));
  STM_ASSIGN_OR_RETURN(Denial stored, LoadDenial(*tx, id));
  STM_RETURN_IF_ERROR(tx->Commit());
  return stored;
}

Result<std::vector<Denial>> DenialService::List(const Actor& actor, const DenialFilter& filter) {
  STM_RETURN_IF_ERROR(CanView(actor));
  std::string sql = fmt::format("SELECT {} FROM denials WHERE 1 = 1", kDenialColumns);
  store::Params params;
  if (filter.direction) {
    sql += " AND direction = ?";
    params.emplace_back(std::string(DenialDirectionName(*filter.direction)));
  }
  std::string today = Today();
  bool want_expired = false;
  if (filter.status) {
    if (*filter.status == "expired") {
      want_expired = true;
      sql += " AND status IN ('active', 'issued') AND expires_on < ?";
      params.emplace_back(today);
    } else if (ParseDenialStatus(*filter.status)) {
      sql += " AND status = ?";
      params.emplace_back(*filter.status);
    } else {
      return Status::InvalidArgument(
          fmt::format("status: '{}' is not active, draft, issued, revoked or expired", *filter.status));
    }
  }
  if (!want_expired && !filter.include_expired) {
    // Expired is a state of its own: listed only when asked for.
    sql += " AND NOT (status IN ('active', 'issued') AND expires_on < ?)";
    params.emplace_back(today);
  }
  sql += " ORDER BY id DESC";
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  STM_ASSIGN_OR_RETURN(auto rows, tx->Query(sql, params));
  std::vector<Denial> out;
  for (const auto& r : rows) out.push_back(DenialFromRow(r, today));
  return out;
}

Result<Denial> DenialService::Get(const Actor& actor, int64_t id) {
  STM_RETURN_IF_ERROR(CanView(actor));
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  return LoadDenial(*tx, id);
}

// ---- matching
// ------------------------------------------------------------------------------------------------

Result<std::vector<DenialMatch>> DenialService::Match(const licensing::Application& application) {
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  return MatchInTx(*tx, application);
}

Result<std::vector<DenialMatch>> DenialService::MatchInTx(store::Tx& tx,
                                                          const licensing::Application& application) {
  std::string today = Today();
  STM_ASSIGN_OR_RETURN(auto rows,
                       tx.Query(fmt::format("SELECT {} FROM denials WHERE direction = 'inbound' AND "
                                            "status = 'active' AND expires_on >= ? ORDER BY id",
                                            kDenialColumns),
                                {today}));
  std::vector<DenialMatch> out;
  for (const auto& row : rows) {
    DenialMatch m;
    m.denial = DenialFromRow(row, today);
    for (size_t i = 0; i < application.parties.size(); ++i) {
      const licensing::Party& p = application.parties[i];
      if (Trim(p.name).empty()) continue;
      for (size_t k = 0; k < m.denial.parties.size(); ++k) {
        const DenialParty& dp = m.denial.parties[k];
        // A different country, when both are known, is another entity of the same name: no match.
        if (!p.country.empty() && !dp.country.empty() && p.country != dp.country) continue;
        Json names;
        double score = screening::CompareNames(screening::Schema::kUnknown, p.name, dp.name, &names);
        if (score < options_.name_threshold) continue;
        Json country = {{"application", p.country}, {"denial", dp.country}};
        if (p.country.empty() || dp.country.empty()) {
          country["compared"] = false;
          country["note"] = "country unknown on one side: not compared (lower confidence)";
        } else {
          country["compared"] = true;
          country["same"] = true;
        }
        m.parties.push_back({i, std::string(licensing::PartyRoleName(p.role)), p.name, k, dp.role, dp.name,
                             score, Json{{"names", names}, {"country", country}}});
      }
    }
    if (m.parties.empty()) continue;
    std::stable_sort(m.parties.begin(), m.parties.end(),
                     [](const PartyMatch& a, const PartyMatch& b) { return a.score > b.score; });
    for (size_t g = 0; g < application.goods.size(); ++g) {
      for (const auto& code : application.goods[g].control_codes) {
        if (code == licensing::kNotListed) continue;
        for (size_t k = 0; k < m.denial.items.size(); ++k) {
          for (const auto& dc : m.denial.items[k].control_codes) {
            if (ControlCodesOverlap(code, dc)) m.codes.push_back({g, code, k, dc});
          }
        }
      }
    }
    m.essentially_identical = !m.codes.empty();
    out.push_back(std::move(m));
  }
  std::stable_sort(out.begin(), out.end(), [](const DenialMatch& a, const DenialMatch& b) {
    return a.parties.front().score > b.parties.front().score;
  });
  return out;
}

// ---- consultations
// -------------------------------------------------------------------------------------------

Result<Consultation> DenialService::LoadConsultation(store::Tx& tx, int64_t id) {
  STM_ASSIGN_OR_RETURN(
      auto row,
      tx.QueryOne(fmt::format("SELECT {} FROM consultations WHERE id = ?", kConsultationColumns), {id}));
  if (!row) return Status::NotFound(fmt::format("consultation {} not found", id));
  return ConsultationFromRow(*row);
}

Result<std::vector<Consultation>> DenialService::LoadConsultations(store::Tx& tx,
                                                                   const ConsultationFilter& filter) {
  std::string sql = fmt::format("SELECT {} FROM consultations WHERE 1 = 1", kConsultationColumns);
  store::Params params;
  if (filter.status) {
    sql += " AND status = ?";
    params.emplace_back(std::string(ConsultationStatusName(*filter.status)));
  }
  if (filter.case_id) {
    sql += " AND case_id = ?";
    params.emplace_back(*filter.case_id);
  }
  sql += " ORDER BY id";
  STM_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  std::vector<Consultation> out;
  for (const auto& r : rows) out.push_back(ConsultationFromRow(r));
  return out;
}

Result<std::vector<Consultation>> DenialService::OpenConsultationsInTx(
    store::Tx& tx, const audit::Context& ctx, int64_t case_id, const std::vector<DenialMatch>& matches) {
  std::vector<Consultation> opened;
  std::set<int64_t> seen;
  std::string deadline =
      licensing::FormatDate(licensing::DateOf(clock_.Now()) + std::chrono::days(options_.consultation_days));
  for (const auto& m : matches) {
    if (!m.essentially_identical || !seen.insert(m.denial.id).second) continue;
    STM_ASSIGN_OR_RETURN(auto open,
                         tx.QueryOne("SELECT id FROM consultations WHERE case_id = ? AND denial_id = ? "
                                     "AND status = 'open'",
                                     {case_id, m.denial.id}));
    if (open) continue;
    if (options_.queues == nullptr) {
      return Status::FailedPrecondition(
          "consultations need the queue service (DenialOptions::queues) to block finalising the case");
    }
    // One flag per case, shared by its open consultations (a flag is unique per case, code and subject).
    STM_RETURN_IF_ERROR(options_.queues->EnsureFlagDefinitionInTx(tx, ctx, ConsultationFlagDefinition()));
    STM_ASSIGN_OR_RETURN(
        auto flag_row,
        tx.QueryOne("SELECT cf.id FROM case_flags cf JOIN flag_definitions fd ON fd.id = cf.flag_id "
                    "WHERE cf.case_id = ? AND fd.code = ? AND cf.subject = 'case' AND cf.active = 1",
                    {case_id, std::string(kConsultationFlag)}));
    int64_t flag_id = 0;
    if (flag_row) {
      flag_id = flag_row->Int(0);
    } else {
      STM_ASSIGN_OR_RETURN(
          auto flag,
          options_.queues->AddSystemFlagInTx(
              tx, ctx, case_id, std::string(kConsultationFlag), "case",
              fmt::format("{} denied an essentially identical transaction ({} denial '{}'): consult {} "
                          "before deciding (no undercut)",
                          m.denial.notifying_state, m.denial.regime, m.denial.reference,
                          m.denial.notifying_state)));
      flag_id = flag.id;
    }
    Json match = ToJson(m);
    STM_ASSIGN_OR_RETURN(
        auto row, tx.QueryOne("INSERT INTO consultations (case_id, denial_id, addressed_state, status, "
                              "deadline, note, opened_at, flag_id, match) "
                              "VALUES (?, ?, ?, 'open', ?, '', ?, ?, ?) RETURNING id",
                              {case_id, m.denial.id, m.denial.notifying_state, deadline, Micros(clock_),
                               flag_id, match.dump()}));
    int64_t id = row->Int(0);
    STM_RETURN_IF_ERROR(audit::Append(tx, clock_, ctx,
                                      {"consultation.open",
                                       ConsultationTarget(id),
                                       {{"case_id", case_id},
                                        {"denial_id", m.denial.id},
                                        {"addressed_state", m.denial.notifying_state},
                                        {"deadline", deadline},
                                        {"flag_id", flag_id},
                                        {"match", match}}}));
    STM_ASSIGN_OR_RETURN(auto c, LoadConsultation(tx, id));
    opened.push_back(std::move(c));
  }
  return opened;
}

Result<licensing::Application> DenialService::LoadCaseApplication(store::Tx& tx, int64_t case_id) {
  STM_ASSIGN_OR_RETURN(auto row, tx.QueryOne("SELECT a.body FROM cases c JOIN applications a ON a.id = "
                                             "c.application_id WHERE c.id = ?",
                                             {case_id}));
  if (!row) return Status::NotFound(fmt::format("case {} not found", case_id));
  auto application = licensing::ApplicationFromJson(ParseJsonText(row->Text(0)));
  if (!application.ok()) {
    return Status::DataLoss(
        fmt::format("case {}: stored application is malformed: {}", case_id, application.status().message()));
  }
  return application;
}

Status DenialService::RouteInTx(store::Tx& tx, const audit::Context& ctx, int64_t case_id) {
  STM_ASSIGN_OR_RETURN(auto application, LoadCaseApplication(tx, case_id));
  STM_ASSIGN_OR_RETURN(auto matches, MatchInTx(tx, application));
  std::vector<Consultation> opened;
  if (!matches.empty()) {
    STM_ASSIGN_OR_RETURN(opened, OpenConsultationsInTx(tx, ctx, case_id, matches));
    Json listed = Json::array();
    for (const auto& m : matches) listed.push_back(ToJson(m));
    Json ids = Json::array();
    for (const auto& c : opened) ids.push_back(c.id);
    STM_RETURN_IF_ERROR(audit::Append(tx, clock_, ctx,
                                      {"case.route.denial_screen",
                                       fmt::format("case:{}", case_id),
                                       {{"matches", listed}, {"consultations", ids}}}));
  }
  // Adding the consultation flag has routed the case already.
  if (options_.queues != nullptr && opened.empty()) return options_.queues->RouteInTx(tx, ctx, case_id);
  return Status::Ok();
}

Result<Consultation> DenialService::RecordOutcome(const audit::Context& ctx, const Actor& actor,
                                                  int64_t consultation_id, ConsultationOutcome outcome,
                                                  const std::string& note_in) {
  STM_RETURN_IF_ERROR(Require(actor, {Role::kLicensingOfficer, Role::kSeniorLicensingOfficer},
                              "record the outcome of a consultation"));
  std::string note = Trim(note_in);
  if (note.size() > kMaxLong) return Status::InvalidArgument("note: too long");
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kWrite));
  STM_ASSIGN_OR_RETURN(Consultation c, LoadConsultation(*tx, consultation_id));
  if (c.status == ConsultationStatus::kClosed) {
    return Status::FailedPrecondition(
        fmt::format("consultation {} is already closed ({})", consultation_id,
                    c.outcome ? ConsultationOutcomeName(*c.outcome) : std::string_view("no outcome")));
  }
  STM_RETURN_IF_ERROR(
      tx->Exec("UPDATE consultations SET status = 'closed', outcome = ?, note = ?, closed_at = ?, "
               "closed_by = ? WHERE id = ?",
               {std::string(ConsultationOutcomeName(outcome)), note, Micros(clock_),
                licensing::ActorName(actor), consultation_id})
          .status());
  bool flag_removed = false;
  if (c.flag_id) {
    STM_ASSIGN_OR_RETURN(auto others, tx->QueryOne("SELECT COUNT(*) FROM consultations WHERE flag_id = ? AND "
                                                   "status = 'open'",
                                                   {*c.flag_id}));
    STM_ASSIGN_OR_RETURN(auto active,
                         tx->QueryOne("SELECT active FROM case_flags WHERE id = ?", {*c.flag_id}));
    if (others->Int(0) == 0 && active && active->Int(0) != 0) {
      if (options_.queues == nullptr) {
        return Status::FailedPrecondition(
            "the queue service (DenialOptions::queues) is needed to clear the flag");
      }
      STM_RETURN_IF_ERROR(options_.queues->RemoveSystemFlagInTx(
          *tx, ctx, *c.flag_id,
          fmt::format("consultation {} with {}: {}", consultation_id, c.addressed_state,
                      ConsultationOutcomeName(outcome))));
      flag_removed = true;
    }
  }
  STM_RETURN_IF_ERROR(audit::Append(*tx, clock_, ctx,
                                    {"consultation.outcome",
                                     ConsultationTarget(consultation_id),
                                     {{"case_id", c.case_id},
                                      {"denial_id", c.denial_id},
                                      {"addressed_state", c.addressed_state},
                                      {"outcome", ConsultationOutcomeName(outcome)},
                                      {"note", note},
                                      {"flag_removed", flag_removed}}}));
  STM_ASSIGN_OR_RETURN(c, LoadConsultation(*tx, consultation_id));
  STM_RETURN_IF_ERROR(tx->Commit());
  return c;
}

Result<std::vector<Consultation>> DenialService::ListConsultations(const Actor& actor,
                                                                   const ConsultationFilter& filter) {
  STM_RETURN_IF_ERROR(CanView(actor));
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  return LoadConsultations(*tx, filter);
}

Result<Consultation> DenialService::GetConsultation(const Actor& actor, int64_t id) {
  STM_RETURN_IF_ERROR(CanView(actor));
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  return LoadConsultation(*tx, id);
}

// ---- decisions
// -----------------------------------------------------------------------------------------------

Status DenialService::OnDecisionInTx(store::Tx& tx, const audit::Context& ctx, int64_t case_id,
                                     licensing::Outcome outcome, Json& summary) {
  if (outcome == licensing::Outcome::kRefused) {
    STM_ASSIGN_OR_RETURN(auto application, LoadCaseApplication(tx, case_id));
    STM_ASSIGN_OR_RETURN(auto ref, tx.QueryOne("SELECT reference FROM cases WHERE id = ?", {case_id}));
    STM_ASSIGN_OR_RETURN(auto previous,
                         tx.QueryOne("SELECT COUNT(*) FROM denials WHERE direction = 'outbound' "
                                     "AND case_id = ?",
                                     {case_id}));
    Denial d;
    d.direction = DenialDirection::kOutbound;
    d.status = DenialStatus::kDraft;
    d.notifying_state = options_.authority_state;
    // A case refused again (after an appeal or reopening) gets a new notice with its own reference.
    d.reference = ref->Text(0);
    if (previous->Int(0) > 0) d.reference += fmt::format("/{}", previous->Int(0) + 1);
    licensing::Date today = licensing::DateOf(clock_.Now());
    d.denied_on = licensing::FormatDate(today);
    d.expires_on = AddYears(today, options_.default_expiry_years);
    d.case_id = case_id;
    std::vector<std::string> regime_ids;
    for (const auto& g : application.goods) {
      DenialItem item{g.description, {}};
      for (const auto& code : g.control_codes) {
        if (code == licensing::kNotListed) continue;
        item.control_codes.push_back(code);
        if (options_.regimes_of) {
          for (auto& r : options_.regimes_of(code)) regime_ids.push_back(std::move(r));
        }
      }
      d.items.push_back(std::move(item));
    }
    d.regime = DenialRegimeOf(regime_ids);
    for (const auto& p : application.parties) {
      if (p.role != licensing::PartyRole::kConsignee && p.role != licensing::PartyRole::kEndUser &&
          p.role != licensing::PartyRole::kUltimateEndUser) {
        continue;
      }
      d.parties.push_back({std::string(licensing::PartyRoleName(p.role)), p.name, p.address, p.country});
    }
    std::string reason;
    if (summary.contains("refusal_criteria") && summary["refusal_criteria"].is_array()) {
      for (const auto& c : summary["refusal_criteria"]) {
        if (c.is_string()) reason += (reason.empty() ? "" : "; ") + c.get<std::string>();
      }
    }
    if (summary.contains("note") && summary["note"].is_string() &&
        !summary["note"].get<std::string>().empty()) {
      reason += (reason.empty() ? "" : ". ") + summary["note"].get<std::string>();
    }
    d.reason = reason;
    STM_ASSIGN_OR_RETURN(int64_t id, InsertDenial(tx, d, "system"));
    summary["outbound_denial"] = id;
    return audit::Append(tx, clock_, ctx,
                         {"denial.draft",
                          DenialTarget(id),
                          {{"case_id", case_id},
                           {"reference", d.reference},
                           {"regime", d.regime},
                           {"items", d.items.size()},
                           {"parties", d.parties.size()}}});
  }
  if (outcome != licensing::Outcome::kApproved) return Status::Ok();

  // Approved: every denial the case was consulted on, and every denial in force its application matches now.
  STM_ASSIGN_OR_RETURN(auto consultations, LoadConsultations(tx, {std::nullopt, case_id}));
  STM_ASSIGN_OR_RETURN(auto application, LoadCaseApplication(tx, case_id));
  STM_ASSIGN_OR_RETURN(auto matches, MatchInTx(tx, application));
  std::set<int64_t> ids;
  for (const auto& c : consultations) ids.insert(c.denial_id);
  for (const auto& m : matches) ids.insert(m.denial.id);
  if (ids.empty()) return Status::Ok();
  summary["approved_over_denials"] = Json(std::vector<int64_t>(ids.begin(), ids.end()));
  for (int64_t id : ids) {
    Json consulted = Json::array();
    for (const auto& c : consultations) {
      if (c.denial_id != id) continue;
      consulted.push_back(
          {{"id", c.id},
           {"status", ConsultationStatusName(c.status)},
           {"outcome", c.outcome ? Json(ConsultationOutcomeName(*c.outcome)) : Json(nullptr)}});
    }
    bool matched =
        std::any_of(matches.begin(), matches.end(), [&](const DenialMatch& m) { return m.denial.id == id; });
    STM_RETURN_IF_ERROR(audit::Append(
        tx, clock_, ctx,
        {"denial.approved_over",
         DenialTarget(id),
         {{"case_id", case_id}, {"consultations", consulted}, {"matches_application_now", matched}}}));
  }
  return Status::Ok();
}

}  // namespace stm::policy
