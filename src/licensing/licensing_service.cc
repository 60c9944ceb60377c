#include "licensing/licensing_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>

#include "common/crypto.h"

namespace stm::licensing {
namespace {

using Json = nlohmann::json;

constexpr char kApplicationColumns[] =
    "a.id, a.org_id, a.created_by, a.status, a.version, a.body, a.created_at, a.updated_at, a.submitted_at, "
    "(SELECT c.id FROM cases c WHERE c.application_id = a.id)";

constexpr char kCaseSelect[] =
    "SELECT c.id, c.reference, c.application_id, a.type, c.org_id, c.state, c.outcome, c.version, "
    "c.assigned_officer, c.recommendation, c.needs_countersign, c.countersigns_done, c.first_countersigner, "
    "c.appeal_window_open, c.has_blocking_flags, c.referrals_awaiting_advice, c.sla_started_at, "
    "c.sla_stopped_at, c.sla_pauses, c.risk, c.submitted_at, c.updated_at, c.appeal_deadline "
    "FROM cases c JOIN applications a ON a.id = c.application_id";

std::string ApplicationTarget(int64_t id) { return fmt::format("application:{}", id); }
std::string CaseTarget(int64_t id) { return fmt::format("case:{}", id); }

Json TimeOrNull(const std::optional<TimePoint>& t) { return t ? Json(FormatTime(*t)) : Json(nullptr); }
Json IdOrNull(int64_t v) { return v > 0 ? Json(v) : Json(nullptr); }
store::Value IdOrNullValue(int64_t v) { return v > 0 ? store::Value(v) : store::Null(); }
std::optional<TimePoint> OptTime(const store::Row& row, size_t i) {
  if (row.IsNull(i)) return std::nullopt;
  return FromUnixMicros(row.Int(i));
}
store::Value OptTimeValue(const std::optional<TimePoint>& t) {
  return t ? store::Value(ToUnixMicros(*t)) : store::Null();
}
store::Value OutcomeValue(const std::optional<Outcome>& o) {
  return o ? store::Value(std::string(OutcomeName(*o))) : store::Null();
}

Json PausesToJson(const std::vector<PauseInterval>& pauses) {
  Json out = Json::array();
  for (const auto& p : pauses) {
    out.push_back(
        {{"start", ToUnixMicros(p.start)}, {"end", p.end ? Json(ToUnixMicros(*p.end)) : Json(nullptr)}});
  }
  return out;
}

std::vector<PauseInterval> PausesFromJson(const std::string& text) {
  std::vector<PauseInterval> out;
  Json j = Json::parse(text, nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& p : j) {
    if (!p.is_object() || !p.contains("start") || !p["start"].is_number_integer()) continue;
    PauseInterval pause{FromUnixMicros(p["start"].get<int64_t>()), std::nullopt};
    if (p.contains("end") && p["end"].is_number_integer())
      pause.end = FromUnixMicros(p["end"].get<int64_t>());
    out.push_back(pause);
  }
  return out;
}

// "application/pdf" from " Application/PDF; charset=x ".
std::string NormaliseMediaType(std::string_view media_type) {
  std::string out(media_type.substr(0, media_type.find(';')));
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  size_t b = out.find_first_not_of(" \t");
  size_t e = out.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : out.substr(b, e - b + 1);
}

Status ApplicationVersion(int64_t id, int64_t expected, int64_t current) {
  if (expected == current) return Status::Ok();
  return Status::Conflict(fmt::format(
      "application {} is at version {} but the request expected version {}: reload it and try again", id,
      current, expected));
}

bool SeesEveryCase(const Actor& actor) {
  if (actor.is_system) return true;
  switch (actor.role) {
    case auth::Role::kAdministrator:
    case auth::Role::kLicensingOfficer:
    case auth::Role::kSeniorLicensingOfficer:
    case auth::Role::kAuditor:
      return true;
    default:
      return false;
  }
}

StoredCase CaseFromRow(const store::Row& row) {
  StoredCase c;
  c.id = row.Int(0);
  c.reference = row.Text(1);
  c.application_id = row.Int(2);
  c.type = ParseApplicationType(row.Text(3)).value_or(ApplicationType::kIndividual);
  c.view.exporter_org = OrgId(row.Int(4));
  c.view.state = ParseCaseState(row.Text(5)).value_or(CaseState::kSubmitted);
  if (auto o = row.OptText(6)) c.view.outcome = ParseOutcome(*o);
  c.view.version = row.Int(7);
  c.view.assigned_officer = UserId(row.Int(8));
  if (auto r = row.OptText(9)) c.view.recommendation = ParseOutcome(*r);
  c.view.needs_countersign = row.Int(10) != 0;
  c.view.countersigns_done = static_cast<int>(row.Int(11));
  c.view.first_countersigner = UserId(row.Int(12));
  c.view.appeal_window_open = row.Int(13) != 0;
  c.view.has_blocking_flags = row.Int(14) != 0;
  c.view.referrals_awaiting_advice = static_cast<int>(row.Int(15));
  c.sla_started_at = FromUnixMicros(row.Int(16));
  c.sla_stopped_at = OptTime(row, 17);
  c.pauses = PausesFromJson(row.Text(18));
  c.risk = Json::parse(row.Text(19), nullptr, false);
  if (c.risk.is_discarded()) c.risk = nullptr;
  c.submitted_at = FromUnixMicros(row.Int(20));
  c.updated_at = FromUnixMicros(row.Int(21));
  c.appeal_deadline = OptTime(row, 22);
  return c;
}

Result<std::vector<audit::StoredEvent>> AllEvents(store::Database& db, const std::string& target) {
  std::vector<audit::StoredEvent> out;
  int64_t after = 0;
  while (true) {
    STM_ASSIGN_OR_RETURN(auto page, audit::Query(db, {.target = target, .after_seq = after, .limit = 1000}));
    out.insert(out.end(), page.begin(), page.end());
    if (page.size() < 1000) break;
    after = page.back().seq;
  }
  return out;
}

}  // namespace

// ---- names and JSON --------------------------------------------------------------------------------------

Json ToJson(const RiskAssessment& risk) {
  return {{"flags", risk.flags},
          {"blocking", risk.blocking},
          {"assessor", risk.assessor},
          {"level", risk.level},
          {"details", risk.details}};
}

std::string_view ApplicationStatusName(ApplicationStatus s) {
  switch (s) {
    case ApplicationStatus::kDraft:
      return "draft";
    case ApplicationStatus::kSubmitted:
      return "submitted";
    case ApplicationStatus::kWithdrawn:
      return "withdrawn";
  }
  return "unknown";
}

std::optional<ApplicationStatus> ParseApplicationStatus(std::string_view s) {
  if (s == "draft") return ApplicationStatus::kDraft;
  if (s == "submitted") return ApplicationStatus::kSubmitted;
  if (s == "withdrawn") return ApplicationStatus::kWithdrawn;
  return std::nullopt;
}

Json ToJson(const StoredApplication& a) {
  return {{"id", a.id},
          {"org_id", a.org.value()},
          {"created_by", IdOrNull(a.created_by.value())},
          {"type", ApplicationTypeName(a.body.type)},
          {"status", ApplicationStatusName(a.status)},
          {"version", a.version},
          {"created_at", FormatTime(a.created_at)},
          {"updated_at", FormatTime(a.updated_at)},
          {"submitted_at", TimeOrNull(a.submitted_at)},
          {"case_id", a.case_id ? Json(*a.case_id) : Json(nullptr)},
          {"application", ToJson(a.body)}};
}

Json ToJson(const StoredDocument& d) {
  return {{"id", d.id},
          {"application_id", d.application_id},
          {"kind", DocumentKindName(d.kind)},
          {"media_type", d.media_type},
          {"size_bytes", d.size_bytes},
          {"sha256", d.sha256},
          {"uploaded_by", IdOrNull(d.uploaded_by.value())},
          {"uploaded_at", FormatTime(d.uploaded_at)}};
}

Json ToJson(const StoredCase& c) {
  Json pauses = Json::array();
  for (const auto& p : c.pauses) {
    pauses.push_back({{"start", FormatTime(p.start)}, {"end", TimeOrNull(p.end)}});
  }
  const CaseView& v = c.view;
  return {{"id", c.id},
          {"reference", c.reference},
          {"application_id", c.application_id},
          {"type", ApplicationTypeName(c.type)},
          {"org_id", v.exporter_org.value()},
          {"state", CaseStateName(v.state)},
          {"outcome", v.outcome ? Json(OutcomeName(*v.outcome)) : Json(nullptr)},
          {"version", v.version},
          {"assigned_officer", IdOrNull(v.assigned_officer.value())},
          {"recommendation", v.recommendation ? Json(OutcomeName(*v.recommendation)) : Json(nullptr)},
          {"needs_countersign", v.needs_countersign},
          {"countersigns_done", v.countersigns_done},
          {"first_countersigner", IdOrNull(v.first_countersigner.value())},
          {"appeal_window_open", v.appeal_window_open},
          {"has_blocking_flags", v.has_blocking_flags},
          {"referrals_awaiting_advice", v.referrals_awaiting_advice},
          {"submitted_at", FormatTime(c.submitted_at)},
          {"sla_started_at", FormatTime(c.sla_started_at)},
          {"sla_stopped_at", TimeOrNull(c.sla_stopped_at)},
          {"sla_pauses", pauses},
          {"updated_at", FormatTime(c.updated_at)},
          {"appeal_deadline", TimeOrNull(c.appeal_deadline)},
          {"risk", c.risk}};
}

Json ToJson(const AvailableAction& a) {
  Json out = {{"action", CaseActionName(a.action)},
              {"to", CaseStateName(a.to)},
              {"description", a.description},
              {"allowed", a.allowed}};
  if (!a.allowed) {
    out["blocked_code"] = ErrorCodeName(a.blocked_code);
    out["blocked_reason"] = a.blocked_reason;
  }
  return out;
}

Json ToJson(const CaseDetail& d) {
  Json out = ToJson(d.case_record);
  out["sla"] = ToJson(d.sla);
  out["application"] = ToJson(d.application);
  Json transitions = Json::array();
  for (const auto& t : d.transitions) transitions.push_back(ToJson(t));
  out["transitions"] = transitions;
  return out;
}

bool CanSeeCase(const Actor& actor, OrgId exporter_org) {
  if (SeesEveryCase(actor)) return true;
  if (auth::IsExporterRole(actor.role)) return actor.org_id.valid() && actor.org_id == exporter_org;
  return false;  // referral and customs officers: no case yet
}

// ---- service ---------------------------------------------------------------------------------------------

LicensingService::LicensingService(store::Database& db, const Clock& clock, LicensingOptions options)
    : db_(db), clock_(clock), options_(std::move(options)) {
  if (options_.scanner == nullptr) options_.scanner = &default_scanner_;
  if (options_.risk == nullptr) options_.risk = &default_risk_;
  auto format = LicenceNumberFormat::Create(options_.licence_number_pattern, options_.authority_code);
  if (format.ok()) licence_numbers_.emplace(std::move(format).value());
}

Result<LicensingOptions> OptionsFromSettings(const LicensingSettings& settings) {
  STM_ASSIGN_OR_RETURN(SlaClock sla, settings.MakeSlaClock());
  STM_RETURN_IF_ERROR(
      LicenceNumberFormat::Create(settings.licence_number_pattern, settings.authority_code).status());
  LicensingOptions o;
  o.sla_clock = std::move(sla);
  o.authority_name = settings.authority_name;
  o.authority_code = settings.authority_code;
  o.licence_number_pattern = settings.licence_number_pattern;
  o.appeal_days = settings.appeal_days;
  return o;
}

Result<StoredApplication> LicensingService::LoadApplication(store::Tx& tx, int64_t id) {
  STM_ASSIGN_OR_RETURN(
      auto row,
      tx.QueryOne(fmt::format("SELECT {} FROM applications a WHERE a.id = ?", kApplicationColumns), {id}));
  if (!row) return Status::NotFound(fmt::format("application {} not found", id));
  StoredApplication a;
  a.id = row->Int(0);
  a.org = OrgId(row->Int(1));
  a.created_by = UserId(row->Int(2));
  a.status = ParseApplicationStatus(row->Text(3)).value_or(ApplicationStatus::kDraft);
  a.version = row->Int(4);
  Json body = Json::parse(row->Text(5), nullptr, false);
  auto parsed = ApplicationFromJson(body);
  if (!parsed.ok()) {
    return Status::DataLoss(
        fmt::format("application {}: stored body unreadable: {}", id, parsed.status().message()));
  }
  a.body = std::move(parsed).value();
  a.created_at = FromUnixMicros(row->Int(6));
  a.updated_at = FromUnixMicros(row->Int(7));
  a.submitted_at = OptTime(*row, 8);
  a.case_id = row->OptInt(9);
  return a;
}

Result<StoredApplication> LicensingService::LoadVisibleApplication(store::Tx& tx, const Actor& actor,
                                                                   int64_t id) {
  auto a = LoadApplication(tx, id);
  if (!a.ok()) return a.status();
  bool visible = auth::IsExporterRole(actor.role) && !actor.is_system
                     ? actor.org_id.valid() && actor.org_id == a->org
                     : CanSeeCase(actor, a->org) && a->status != ApplicationStatus::kDraft;
  if (!visible) return Status::NotFound(fmt::format("application {} not found", id));
  return a;
}

Result<StoredApplication> LicensingService::LoadEditableDraft(store::Tx& tx, const Actor& actor, int64_t id,
                                                              std::optional<int64_t> expected_version) {
  STM_ASSIGN_OR_RETURN(auto a, LoadVisibleApplication(tx, actor, id));
  if (actor.is_system || !auth::IsExporterRole(actor.role)) {
    return Status::PermissionDenied(fmt::format("only the exporter may change application {}", id));
  }
  if (expected_version) STM_RETURN_IF_ERROR(ApplicationVersion(id, *expected_version, a.version));
  if (a.status != ApplicationStatus::kDraft) {
    return Status::FailedPrecondition(fmt::format("application {} is {}: only a draft can be changed", id,
                                                  ApplicationStatusName(a.status)));
  }
  return a;
}

Status LicensingService::SaveBody(store::Tx& tx, const StoredApplication& app, const Application& body) {
  STM_ASSIGN_OR_RETURN(
      int64_t changed,
      tx.Exec("UPDATE applications SET body = ?, type = ?, version = version + 1, updated_at = ? "
              "WHERE id = ? AND version = ?",
              {ToJson(body).dump(), std::string(ApplicationTypeName(body.type)), ToUnixMicros(clock_.Now()),
               app.id, app.version}));
  if (changed != 1) return ApplicationVersion(app.id, app.version, app.version + 1);
  return Status::Ok();
}

Result<StoredApplication> LicensingService::CreateApplication(const audit::Context& ctx, const Actor& actor,
                                                              const Json& body) {
  if (actor.is_system || !auth::IsExporterRole(actor.role)) {
    return Status::PermissionDenied("only an exporter may create an application");
  }
  if (!actor.org_id.valid()) return Status::FailedPrecondition("the user belongs to no organisation");
  if (!body.is_object()) return Status::InvalidArgument("the application must be a JSON object");
  if (auto d = body.find("documents"); d != body.end() && !d->is_null() && !(d->is_array() && d->empty())) {
    return Status::InvalidArgument("documents: documents are added by upload only");
  }
  STM_ASSIGN_OR_RETURN(Application application, ApplicationFromJson(body));
  TimePoint now = clock_.Now();
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kWrite));
  STM_ASSIGN_OR_RETURN(
      auto row,
      tx->QueryOne("INSERT INTO applications (org_id, created_by, type, status, version, body, created_at, "
                   "updated_at) VALUES (?, ?, ?, 'draft', 1, ?, ?, ?) RETURNING id",
                   {actor.org_id.value(), IdOrNullValue(actor.user_id.value()),
                    std::string(ApplicationTypeName(application.type)), ToJson(application).dump(),
                    ToUnixMicros(now), ToUnixMicros(now)}));
  if (!row) return Status::Internal("inserting an application returned no id");
  int64_t id = row->Int(0);
  STM_RETURN_IF_ERROR(audit::Append(*tx, clock_, ctx,
                                    {"application.create",
                                     ApplicationTarget(id),
                                     {{"org_id", actor.org_id.value()},
                                      {"type", ApplicationTypeName(application.type)},
                                      {"goods", application.goods.size()},
                                      {"parties", application.parties.size()}}}));
  STM_ASSIGN_OR_RETURN(auto created, LoadApplication(*tx, id));
  STM_RETURN_IF_ERROR(tx->Commit());
  return created;
}

Result<StoredApplication> LicensingService::GetApplication(const Actor& actor, int64_t id) {
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  return LoadVisibleApplication(*tx, actor, id);
}

Result<std::vector<StoredApplication>> LicensingService::ListApplications(
    const Actor& actor, std::optional<ApplicationStatus> status) {
  std::string sql = "SELECT id FROM applications WHERE 1 = 1";
  store::Params params;
  if (!actor.is_system && auth::IsExporterRole(actor.role)) {
    if (!actor.org_id.valid()) return std::vector<StoredApplication>{};
    sql += " AND org_id = ?";
    params.emplace_back(actor.org_id.value());
  } else if (SeesEveryCase(actor)) {
    sql += " AND status <> 'draft'";
  } else {
    return std::vector<StoredApplication>{};
  }
  if (status) {
    sql += " AND status = ?";
    params.emplace_back(std::string(ApplicationStatusName(*status)));
  }
  sql += " ORDER BY id DESC";
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  STM_ASSIGN_OR_RETURN(auto rows, tx->Query(sql, params));
  std::vector<StoredApplication> out;
  for (const auto& row : rows) {
    STM_ASSIGN_OR_RETURN(auto a, LoadApplication(*tx, row.Int(0)));
    out.push_back(std::move(a));
  }
  return out;
}

Result<StoredApplication> LicensingService::PatchApplication(const audit::Context& ctx, const Actor& actor,
                                                             int64_t id, int64_t expected_version,
                                                             const Json& patch) {
  if (!patch.is_object()) return Status::InvalidArgument("the patch must be a JSON object");
  if (patch.contains("documents"))
    return Status::InvalidArgument("documents: documents are added by upload only");
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kWrite));
  STM_ASSIGN_OR_RETURN(auto app, LoadEditableDraft(*tx, actor, id, expected_version));
  Json merged = ToJson(app.body);
  merged.merge_patch(patch);
  STM_ASSIGN_OR_RETURN(Application body, ApplicationFromJson(merged));
  STM_RETURN_IF_ERROR(SaveBody(*tx, app, body));
  Json fields = Json::array();
  for (const auto& [key, value] : patch.items()) fields.push_back(key);
  STM_RETURN_IF_ERROR(audit::Append(
      *tx, clock_, ctx,
      {"application.update", ApplicationTarget(id), {{"fields", fields}, {"version", app.version + 1}}}));
  STM_ASSIGN_OR_RETURN(auto updated, LoadApplication(*tx, id));
  STM_RETURN_IF_ERROR(tx->Commit());
  return updated;
}

Result<StoredApplication> LicensingService::Append(const audit::Context& ctx, const Actor& actor, int64_t id,
                                                   const char* field, const Json& item,
                                                   std::optional<int64_t> expected_version,
                                                   const char* audit_action) {
  if (!item.is_object()) return Status::InvalidArgument(fmt::format("{}: expected a JSON object", field));
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kWrite));
  STM_ASSIGN_OR_RETURN(auto app, LoadEditableDraft(*tx, actor, id, expected_version));
  Json merged = ToJson(app.body);
  if (!merged.contains(field) || !merged[field].is_array()) merged[field] = Json::array();
  size_t index = merged[field].size();
  merged[field].push_back(item);
  STM_ASSIGN_OR_RETURN(Application body, ApplicationFromJson(merged));
  STM_RETURN_IF_ERROR(SaveBody(*tx, app, body));
  Json summary = {{"index", index}, {"version", app.version + 1}};
  if (auto d = item.find("description"); d != item.end() && d->is_string()) {
    summary["description"] = d->get<std::string>().substr(0, 200);
  }
  if (auto n = item.find("name"); n != item.end() && n->is_string()) {
    summary["name"] = n->get<std::string>().substr(0, 200);
  }
  if (auto r = item.find("role"); r != item.end() && r->is_string()) summary["role"] = *r;
  STM_RETURN_IF_ERROR(audit::Append(*tx, clock_, ctx, {audit_action, ApplicationTarget(id), summary}));
  STM_ASSIGN_OR_RETURN(auto updated, LoadApplication(*tx, id));
  STM_RETURN_IF_ERROR(tx->Commit());
  return updated;
}

Result<StoredApplication> LicensingService::AddGoods(const audit::Context& ctx, const Actor& actor,
                                                     int64_t id, const Json& line,
                                                     std::optional<int64_t> expected_version) {
  return Append(ctx, actor, id, "goods", line, expected_version, "application.goods.add");
}

Result<StoredApplication> LicensingService::AddParty(const audit::Context& ctx, const Actor& actor,
                                                     int64_t id, const Json& party,
                                                     std::optional<int64_t> expected_version) {
  return Append(ctx, actor, id, "parties", party, expected_version, "application.party.add");
}

Result<StoredDocument> LicensingService::AddDocument(const audit::Context& ctx, const Actor& actor,
                                                     int64_t id, DocumentKind kind,
                                                     std::string_view media_type, std::string_view bytes) {
  {
    // Visibility and state before complaints about the upload itself.
    STM_ASSIGN_OR_RETURN(auto rtx, db_.Begin(store::TxMode::kRead));
    STM_RETURN_IF_ERROR(LoadEditableDraft(*rtx, actor, id, std::nullopt).status());
  }
  STM_RETURN_IF_ERROR(
      CheckDocument(media_type, static_cast<int64_t>(bytes.size()), options_.document_limits));
  auto clean = options_.scanner->Clean(bytes);
  if (!clean.ok()) {
    return Status::Unavailable("the virus scanner could not scan the document: " + clean.status().message());
  }
  if (!*clean)
    return Status::InvalidArgument("the document was rejected: the virus scanner found it infected");
  StoredDocument doc;
  doc.application_id = id;
  doc.kind = kind;
  doc.media_type = NormaliseMediaType(media_type);
  doc.size_bytes = static_cast<int64_t>(bytes.size());
  doc.sha256 = Sha256Hex(bytes);
  doc.uploaded_by = actor.user_id;
  doc.uploaded_at = clock_.Now();
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kWrite));
  STM_ASSIGN_OR_RETURN(auto app, LoadEditableDraft(*tx, actor, id, std::nullopt));
  if (app.body.documents.size() >= kMaxDocuments) {
    return Status::FailedPrecondition(
        fmt::format("application {} already has {} documents (the most allowed)", id, kMaxDocuments));
  }
  STM_ASSIGN_OR_RETURN(
      auto row,
      tx->QueryOne(
          "INSERT INTO application_documents (application_id, kind, media_type, size, sha256, "
          "content, uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
          {id, std::string(DocumentKindName(kind)), doc.media_type, doc.size_bytes, doc.sha256,
           std::string(bytes), IdOrNullValue(actor.user_id.value()), ToUnixMicros(doc.uploaded_at)}));
  if (!row) return Status::Internal("inserting a document returned no id");
  doc.id = row->Int(0);
  Application body = app.body;
  body.documents.push_back(
      DocumentRef{std::to_string(doc.id), kind, doc.sha256, doc.size_bytes, doc.media_type});
  STM_RETURN_IF_ERROR(SaveBody(*tx, app, body));
  STM_RETURN_IF_ERROR(audit::Append(*tx, clock_, ctx,
                                    {"application.document.add",
                                     ApplicationTarget(id),
                                     {{"document_id", doc.id},
                                      {"kind", DocumentKindName(kind)},
                                      {"media_type", doc.media_type},
                                      {"size_bytes", doc.size_bytes},
                                      {"sha256", doc.sha256},
                                      {"version", app.version + 1}}}));
  STM_RETURN_IF_ERROR(tx->Commit());
  return doc;
}

Result<std::pair<StoredDocument, std::string>> LicensingService::GetDocument(const Actor& actor,
                                                                             int64_t application_id,
                                                                             int64_t document_id) {
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  STM_RETURN_IF_ERROR(LoadVisibleApplication(*tx, actor, application_id).status());
  STM_ASSIGN_OR_RETURN(auto row, tx->QueryOne("SELECT id, application_id, kind, media_type, size, sha256, "
                                              "uploaded_by, uploaded_at, content FROM application_documents "
                                              "WHERE id = ? AND application_id = ?",
                                              {document_id, application_id}));
  if (!row) return Status::NotFound(fmt::format("document {} not found", document_id));
  StoredDocument d;
  d.id = row->Int(0);
  d.application_id = row->Int(1);
  d.kind = ParseDocumentKind(row->Text(2)).value_or(DocumentKind::kOther);
  d.media_type = row->Text(3);
  d.size_bytes = row->Int(4);
  d.sha256 = row->Text(5);
  d.uploaded_by = UserId(row->Int(6));
  d.uploaded_at = FromUnixMicros(row->Int(7));
  return std::make_pair(d, row->Text(8));
}

SubmitOutcome LicensingService::Submit(const audit::Context& ctx, const Actor& actor, int64_t id,
                                       int64_t expected_version) {
  SubmitOutcome out;
  auto fail = [&out](Status s) {
    out.status = std::move(s);
    return out;
  };
  auto tx_or = db_.Begin(store::TxMode::kWrite);
  if (!tx_or.ok()) return fail(tx_or.status());
  auto& tx = *tx_or;
  auto app_or = LoadVisibleApplication(*tx, actor, id);
  if (!app_or.ok()) return fail(app_or.status());
  StoredApplication app = std::move(app_or).value();
  if (Status s = ApplicationVersion(id, expected_version, app.version); !s.ok()) return fail(s);
  if (app.status != ApplicationStatus::kDraft) {
    return fail(Status::FailedPrecondition(
        fmt::format("application {} is already {}", id, ApplicationStatusName(app.status))));
  }
  out.errors = ValidateForSubmit(app.body, options_.document_limits);
  if (!out.errors.empty()) {
    return fail(Status::InvalidArgument(
        fmt::format("the application cannot be submitted: {} field error{}: {}", out.errors.size(),
                    out.errors.size() == 1 ? "" : "s", FieldErrorsToStatus(out.errors).message())));
  }
  // The submission goes through the one transition table: draft --submit--> submitted.
  CaseView draft;
  draft.state = CaseState::kDraft;
  draft.version = app.version;
  draft.exporter_org = app.org;
  auto transition = Apply(draft, actor, CaseAction::kSubmit, expected_version);
  if (!transition.ok()) return fail(transition.status());
  auto risk = options_.risk->Assess(app.body, app.org);
  if (!risk.ok()) return fail(risk.status().WithContext("risk assessment"));

  TimePoint now = clock_.Now();
  int64_t now_us = ToUnixMicros(now);
  auto run = [&]() -> Status {
    STM_ASSIGN_OR_RETURN(
        int64_t changed,
        tx->Exec("UPDATE applications SET status = 'submitted', version = version + 1, submitted_at = ?, "
                 "updated_at = ? WHERE id = ? AND version = ?",
                 {now_us, now_us, id, app.version}));
    if (changed != 1) return ApplicationVersion(id, app.version, app.version + 1);
    STM_ASSIGN_OR_RETURN(auto next, tx->QueryOne("SELECT COALESCE(MAX(id), 0) + 1 FROM cases"));
    int64_t case_id = next ? next->Int(0) : 1;
    int year = static_cast<int>(std::chrono::year_month_day(DateOf(now)).year());
    std::string reference = fmt::format("CASE-{}-{:06d}", year, case_id);
    // The submit row's kStartSlaClock: the statutory clock starts now.
    TimePoint sla_start = now;
    STM_RETURN_IF_ERROR(
        tx->Exec(
              "INSERT INTO cases (id, application_id, org_id, reference, state, version, has_blocking_flags, "
              "sla_started_at, sla_pauses, risk, submitted_at, updated_at) "
              "VALUES (?, ?, ?, ?, ?, 1, ?, ?, '[]', ?, ?, ?)",
              {case_id, id, app.org.value(), reference, std::string(CaseStateName(transition->to)),
               int64_t{risk->blocking ? 1 : 0}, ToUnixMicros(sla_start), ToJson(*risk).dump(), now_us,
               now_us})
            .status());
    Json pending = Json::array();
    for (Effect e : transition->effects) {
      if (e != Effect::kStartSlaClock) pending.push_back(EffectName(e));
    }
    STM_RETURN_IF_ERROR(audit::Append(*tx, clock_, ctx,
                                      {"application.submit",
                                       ApplicationTarget(id),
                                       {{"case_id", case_id},
                                        {"reference", reference},
                                        {"from", "draft"},
                                        {"to", "submitted"},
                                        {"version", app.version + 1}}}));
    STM_RETURN_IF_ERROR(audit::Append(*tx, clock_, ctx,
                                      {"case.create",
                                       CaseTarget(case_id),
                                       {{"application_id", id},
                                        {"reference", reference},
                                        {"org_id", app.org.value()},
                                        {"type", ApplicationTypeName(app.body.type)},
                                        {"from", CaseStateName(transition->from)},
                                        {"to", CaseStateName(transition->to)},
                                        {"version", 1},
                                        {"risk", ToJson(*risk)},
                                        {"pending_effects", pending}}}));
    STM_RETURN_IF_ERROR(options_.risk->ApplyInTx(*tx, ctx, case_id, app.body, *risk));
    if (options_.router != nullptr) STM_RETURN_IF_ERROR(options_.router->RouteInTx(*tx, ctx, case_id));
    STM_ASSIGN_OR_RETURN(out.application, LoadApplication(*tx, id));
    STM_ASSIGN_OR_RETURN(out.case_record, LoadCase(*tx, case_id));
    return tx->Commit();
  };
  Status s = run();
  if (!s.ok()) {
    out.application.reset();
    out.case_record.reset();
    return fail(s);
  }
  return out;
}

// ---- cases -----------------------------------------------------------------------------------------------

Result<StoredCase> LicensingService::LoadCase(store::Tx& tx, int64_t id) {
  STM_ASSIGN_OR_RETURN(auto row, tx.QueryOne(fmt::format("{} WHERE c.id = ?", kCaseSelect), {id}));
  if (!row) return Status::NotFound(fmt::format("case {} not found", id));
  return CaseFromRow(*row);
}

Result<StoredCase> LicensingService::LoadVisibleCase(store::Tx& tx, const Actor& actor, int64_t id) {
  STM_ASSIGN_OR_RETURN(auto c, LoadCase(tx, id));
  if (CanSeeCase(actor, c.view.exporter_org)) return c;
  // Referral officers: the cases referred to their agency.
  if (!actor.is_system && actor.role == auth::Role::kReferralOfficer && actor.org_id.valid()) {
    STM_ASSIGN_OR_RETURN(bool referred, ReferredTo(tx, id, actor.org_id));
    if (referred) return c;
  }
  return Status::NotFound(fmt::format("case {} not found", id));
}

Result<SlaReport> LicensingService::Sla(const StoredCase& c) const {
  TimePoint now = c.sla_stopped_at.value_or(clock_.Now());
  return options_.sla_clock.Compute(c.type, c.sla_started_at, c.pauses, now);
}

Result<CaseDetail> LicensingService::Detail(store::Tx& tx, const Actor& actor, const StoredCase& c) {
  CaseDetail d;
  d.case_record = c;
  STM_ASSIGN_OR_RETURN(d.application, LoadApplication(tx, c.application_id));
  STM_ASSIGN_OR_RETURN(d.sla, Sla(c));
  d.transitions = AvailableActions(c.view, actor);
  return d;
}

Result<CasePage> LicensingService::ListCases(const Actor& actor, const CaseFilter& filter) {
  if (filter.limit < 1 || filter.limit > 500) return Status::InvalidArgument("limit must be 1..500");
  if (filter.offset < 0) return Status::InvalidArgument("offset must not be negative");
  CasePage page;
  std::string where = " WHERE 1 = 1";
  store::Params params;
  if (!SeesEveryCase(actor)) {
    if (!actor.is_system && actor.role == auth::Role::kReferralOfficer && actor.org_id.valid()) {
      where += " AND c.id IN (SELECT r.case_id FROM referrals r WHERE r.org_id = ?)";
    } else if (actor.is_system || !auth::IsExporterRole(actor.role) || !actor.org_id.valid()) {
      return page;
    } else {
      where += " AND c.org_id = ?";
    }
    params.emplace_back(actor.org_id.value());
  }
  if (filter.state) {
    where += " AND c.state = ?";
    params.emplace_back(std::string(CaseStateName(*filter.state)));
  }
  if (filter.queue) {
    where += " AND c.id IN (SELECT q.case_id FROM case_queues q WHERE q.queue_id = ? AND q.active = 1)";
    params.emplace_back(*filter.queue);
  }
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  if (!filter.overdue_only && !filter.due_soon_only) {
    STM_ASSIGN_OR_RETURN(auto count, tx->QueryOne("SELECT COUNT(*) FROM cases c" + where, params));
    page.total = count ? count->Int(0) : 0;
    store::Params paged = params;
    paged.emplace_back(int64_t{filter.limit});
    paged.emplace_back(int64_t{filter.offset});
    STM_ASSIGN_OR_RETURN(
        auto rows,
        tx->Query(std::string(kCaseSelect) + where + " ORDER BY c.id DESC LIMIT ? OFFSET ?", paged));
    for (const auto& row : rows) {
      StoredCase c = CaseFromRow(row);
      STM_ASSIGN_OR_RETURN(SlaReport sla, Sla(c));
      page.items.push_back({std::move(c), sla});
    }
    return page;
  }
  // Overdue / due soon: open cases (clock running or paused) by their SLA state now.
  where += " AND c.sla_stopped_at IS NULL";
  STM_ASSIGN_OR_RETURN(auto rows,
                       tx->Query(std::string(kCaseSelect) + where + " ORDER BY c.id DESC", params));
  std::vector<CaseListItem> overdue;
  for (const auto& row : rows) {
    StoredCase c = CaseFromRow(row);
    if (IsTerminal(c.view.state)) continue;
    STM_ASSIGN_OR_RETURN(SlaReport sla, Sla(c));
    bool wanted = (filter.overdue_only && sla.state == SlaState::kOverdue) ||
                  (filter.due_soon_only && sla.state == SlaState::kDueSoon);
    if (wanted) overdue.push_back({std::move(c), sla});
  }
  page.total = static_cast<int64_t>(overdue.size());
  for (size_t i = static_cast<size_t>(filter.offset);
       i < overdue.size() && page.items.size() < static_cast<size_t>(filter.limit); ++i) {
    page.items.push_back(std::move(overdue[i]));
  }
  return page;
}

Result<CaseDetail> LicensingService::GetCase(const Actor& actor, int64_t id) {
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  STM_ASSIGN_OR_RETURN(auto c, LoadVisibleCase(*tx, actor, id));
  return Detail(*tx, actor, c);
}

Result<std::vector<AvailableAction>> LicensingService::Transitions(const Actor& actor, int64_t id) {
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  STM_ASSIGN_OR_RETURN(auto c, LoadVisibleCase(*tx, actor, id));
  return AvailableActions(c.view, actor);
}

Result<CaseDetail> LicensingService::Act(const audit::Context& ctx, const Actor& actor, int64_t id,
                                         CaseAction action, int64_t expected_version,
                                         const std::string& note) {
  if (note.size() > kMaxLongText) {
    return Status::InvalidArgument(fmt::format("note: longer than {} characters", kMaxLongText));
  }
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kWrite));
  STM_ASSIGN_OR_RETURN(StoredCase c, LoadVisibleCase(*tx, actor, id));
  if (action == CaseAction::kApprove) {
    // An approval always issues its licence (defaults: 24 months, no conditions).
    DecisionRequest request;
    request.expected_version = expected_version;
    request.reason = note;
    STM_RETURN_IF_ERROR(TakeTransition(*tx, ctx, actor, c, action, expected_version, note,
                                       {Effect::kIssueLicence}, [&](store::Tx& t, Json& summary) -> Status {
                                         STM_ASSIGN_OR_RETURN(auto licence,
                                                              IssueLicence(t, actor, c, request));
                                         summary["licence"] = licence.number;
                                         return Status::Ok();
                                       }));
  } else {
    STM_RETURN_IF_ERROR(TakeTransition(*tx, ctx, actor, c, action, expected_version, note));
  }
  STM_ASSIGN_OR_RETURN(StoredCase saved, LoadCase(*tx, id));
  STM_ASSIGN_OR_RETURN(CaseDetail detail, Detail(*tx, actor, saved));
  STM_RETURN_IF_ERROR(tx->Commit());
  return detail;
}

Status LicensingService::TakeTransition(store::Tx& tx_ref, const audit::Context& ctx, const Actor& actor,
                                        const StoredCase& c, CaseAction action, int64_t expected_version,
                                        const std::string& note, const std::vector<Effect>& handled,
                                        const TransitionHook& hook) {
  store::Tx* tx = &tx_ref;
  const int64_t id = c.id;
  STM_ASSIGN_OR_RETURN(TransitionOutcome t, Apply(c.view, actor, action, expected_version));

  // Carry out the effects that change the case's own facts; the rest wait for their services.
  TimePoint now = clock_.Now();
  StoredCase next = c;
  CaseView& v = next.view;
  v.state = t.to;
  v.version = t.new_version;
  Json pending = Json::array();
  auto close_open_pause = [&] {
    for (auto& p : next.pauses) {
      if (!p.end) p.end = now;
    }
  };
  for (Effect e : t.effects) {
    switch (e) {
      case Effect::kStartSlaClock:
        next.sla_started_at = now;
        next.sla_stopped_at.reset();
        next.pauses.clear();
        break;
      case Effect::kPauseSlaClock: {
        bool open = std::any_of(next.pauses.begin(), next.pauses.end(), [](const auto& p) { return !p.end; });
        if (!open) next.pauses.push_back({now, std::nullopt});
        break;
      }
      case Effect::kResumeSlaClock:
        close_open_pause();
        break;
      case Effect::kStopSlaClock:
        close_open_pause();
        next.sla_stopped_at = now;
        break;
      case Effect::kAssignOfficer:
        v.assigned_officer = actor.user_id;
        break;
      case Effect::kRecordOutcome:
        v.outcome = t.outcome;
        break;
      case Effect::kClearOutcome:
        v.outcome.reset();
        v.appeal_window_open = false;
        next.appeal_deadline.reset();
        break;
      case Effect::kOpenAppealWindow:
        v.appeal_window_open = true;
        next.appeal_deadline = now + std::chrono::days(options_.appeal_days);
        break;
      case Effect::kRecordCountersign:
        if (v.countersigns_done == 0) v.first_countersigner = actor.user_id;
        ++v.countersigns_done;
        break;
      case Effect::kClearCountersigns:
        v.countersigns_done = 0;
        v.first_countersigner = UserId();
        break;
      case Effect::kCancelReferrals:
        v.referrals_awaiting_advice = 0;
        break;
      case Effect::kGenerateApprovalLetter:
      case Effect::kGenerateRefusalLetter:
      case Effect::kGenerateNoLicenceLetter:
      case Effect::kGenerateQueryLetter:
      case Effect::kGenerateAppealDecisionLetter:
        if (options_.letters == nullptr) pending.push_back(EffectName(e));  // else written below
        break;
      default:
        if (std::find(handled.begin(), handled.end(), e) != handled.end()) break;  // the hook's
        pending.push_back(EffectName(e));  // notifications: a later service
        break;
    }
  }
  int64_t now_us = ToUnixMicros(now);
  STM_ASSIGN_OR_RETURN(
      int64_t changed,
      tx->Exec(
          "UPDATE cases SET state = ?, version = ?, outcome = ?, assigned_officer = ?, recommendation = ?, "
          "countersigns_done = ?, first_countersigner = ?, appeal_window_open = ?, "
          "referrals_awaiting_advice = ?, sla_started_at = ?, sla_stopped_at = ?, sla_pauses = ?, "
          "appeal_deadline = ?, updated_at = ? WHERE id = ? AND version = ?",
          {std::string(CaseStateName(v.state)), v.version, OutcomeValue(v.outcome),
           IdOrNullValue(v.assigned_officer.value()), OutcomeValue(v.recommendation),
           int64_t{v.countersigns_done}, IdOrNullValue(v.first_countersigner.value()),
           int64_t{v.appeal_window_open ? 1 : 0}, int64_t{v.referrals_awaiting_advice},
           ToUnixMicros(next.sla_started_at), OptTimeValue(next.sla_stopped_at),
           PausesToJson(next.pauses).dump(), OptTimeValue(next.appeal_deadline), now_us, id,
           c.view.version}));
  if (changed != 1) return CheckVersion(c.view.version, c.view.version + 1);
  if (v.state == CaseState::kWithdrawn) {
    STM_RETURN_IF_ERROR(tx->Exec("UPDATE applications SET status = 'withdrawn', version = version + 1, "
                                 "updated_at = ? WHERE id = ?",
                                 {now_us, c.application_id})
                            .status());
  }
  Json summary = {{"from", CaseStateName(t.from)},
                  {"to", CaseStateName(t.to)},
                  {"version", t.new_version},
                  {"actor", ActorName(actor)}};
  if (!note.empty()) summary["note"] = note;
  if (t.outcome) summary["outcome"] = OutcomeName(*t.outcome);
  Json effects = Json::array();
  for (Effect e : t.effects) effects.push_back(EffectName(e));
  summary["effects"] = effects;
  summary["pending_effects"] = pending;
  if (hook) STM_RETURN_IF_ERROR(hook(*tx, summary));
  if (t.outcome && options_.decisions != nullptr) {
    STM_RETURN_IF_ERROR(options_.decisions->OnDecisionInTx(*tx, ctx, id, *t.outcome, summary));
  }
  if (next.appeal_deadline) summary["appeal_deadline"] = FormatTime(*next.appeal_deadline);
  if (options_.letters != nullptr) {
    Json letters = Json::array();
    for (Effect e : t.effects) {
      std::optional<LetterKind> kind;
      switch (e) {
        case Effect::kGenerateApprovalLetter:
          kind = LetterKind::kApproval;
          break;
        case Effect::kGenerateRefusalLetter:
          kind = LetterKind::kRefusal;
          break;
        case Effect::kGenerateNoLicenceLetter:
          kind = LetterKind::kNoLicenceRequired;
          break;
        case Effect::kGenerateQueryLetter:
          kind = LetterKind::kQuery;
          break;
        case Effect::kGenerateAppealDecisionLetter:
          kind = LetterKind::kAppealDecision;
          break;
        default:
          break;
      }
      if (!kind) continue;
      STM_ASSIGN_OR_RETURN(int64_t letter_id, WriteLetter(*tx, next, *kind, action, summary));
      letters.push_back({{"id", letter_id}, {"kind", LetterKindName(*kind)}});
    }
    if (!letters.empty()) summary["letters"] = letters;
  }
  return audit::Append(*tx, clock_, ctx,
                       {fmt::format("case.{}", CaseActionName(action)), CaseTarget(id), summary});
}

Result<std::vector<audit::StoredEvent>> LicensingService::History(const Actor& actor, int64_t id) {
  int64_t application_id = 0;
  {
    STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
    STM_ASSIGN_OR_RETURN(auto c, LoadVisibleCase(*tx, actor, id));
    application_id = c.application_id;
  }
  STM_ASSIGN_OR_RETURN(auto events, AllEvents(db_, CaseTarget(id)));
  STM_ASSIGN_OR_RETURN(auto app_events, AllEvents(db_, ApplicationTarget(application_id)));
  events.insert(events.end(), app_events.begin(), app_events.end());
  std::sort(events.begin(), events.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
  if (!actor.is_system && auth::IsExporterRole(actor.role)) {
    // Routing and flags are the authority's internal work on the case (see queues.h): not the exporter's.
    std::erase_if(events, [](const audit::StoredEvent& e) {
      return e.action.rfind("case.route", 0) == 0 || e.action.rfind("case.flag.", 0) == 0;
    });
    // Other states' denials are confidential between governments: the decision events name them for
    // officers only. (The stored event is unchanged; this is the exporter's copy.)
    for (auto& e : events) {
      if (e.summary.find("denial") == std::string::npos) continue;
      Json summary = Json::parse(e.summary, nullptr, false);
      if (!summary.is_object()) continue;
      summary.erase("approved_over_denials");
      summary.erase("outbound_denial");
      e.summary = summary.dump();
    }
  }
  return events;
}

// ---- referrals -------------------------------------------------------------------------------------------

namespace {

constexpr char kReferralColumns[] =
    "id, case_id, org_id, status, deadline, note, created_by, created_at, advice, summary, answered_by, "
    "answered_at";

std::string ReferralTarget(int64_t id) { return fmt::format("referral:{}", id); }
std::string LicenceTarget(const std::string& number) { return fmt::format("licence:{}", number); }

StoredReferral ReferralFromRow(const store::Row& row) {
  StoredReferral r;
  r.id = row.Int(0);
  r.case_id = row.Int(1);
  r.agency = OrgId(row.Int(2));
  r.status = row.Text(3);
  r.deadline = row.Text(4);
  r.note = row.Text(5);
  r.created_by = UserId(row.OptInt(6).value_or(0));
  r.created_at = FromUnixMicros(row.Int(7));
  if (auto a = row.OptText(8)) {
    r.advice = Json::parse(*a, nullptr, false);
    if (r.advice.is_discarded()) r.advice = nullptr;
  }
  r.summary = row.OptText(9).value_or("");
  r.answered_by = UserId(row.OptInt(10).value_or(0));
  r.answered_at = OptTime(row, 11);
  return r;
}

constexpr char kLicenceColumns[] =
    "id, number, case_id, org_id, type, status, version, valid_from, valid_until, conditions, lines, "
    "supersedes, issued_at, updated_at, superseded_by, amendment";

constexpr std::array<std::pair<LicenceStatus, std::string_view>, 7> kLicenceStatusNames = {{
    {LicenceStatus::kActive, "active"},
    {LicenceStatus::kSuspended, "suspended"},
    {LicenceStatus::kRevoked, "revoked"},
    {LicenceStatus::kSurrendered, "surrendered"},
    {LicenceStatus::kExpired, "expired"},
    {LicenceStatus::kExhausted, "exhausted"},
    {LicenceStatus::kSuperseded, "superseded"},
}};

StoredLicence LicenceFromRow(const store::Row& row) {
  StoredLicence l;
  l.id = row.Int(0);
  l.number = row.Text(1);
  l.case_id = row.Int(2);
  l.org = OrgId(row.Int(3));
  l.type = ParseApplicationType(row.Text(4)).value_or(ApplicationType::kIndividual);
  l.status = ParseLicenceStatus(row.Text(5)).value_or(LicenceStatus::kActive);
  l.version = row.Int(6);
  l.valid_from = FromUnixMicros(row.Int(7));
  l.valid_until = FromUnixMicros(row.Int(8));
  l.conditions = row.Text(9);
  l.lines = Json::parse(row.Text(10), nullptr, false);
  if (l.lines.is_discarded()) l.lines = Json::array();
  l.supersedes = row.OptText(11).value_or("");
  l.issued_at = FromUnixMicros(row.Int(12));
  l.updated_at = FromUnixMicros(row.Int(13));
  l.superseded_by = row.OptText(14).value_or("");
  l.amendment = static_cast<int>(row.Int(15));
  return l;
}

bool IsOfficer(const Actor& actor) {
  return !actor.is_system &&
         (actor.role == auth::Role::kLicensingOfficer || actor.role == auth::Role::kSeniorLicensingOfficer);
}

}  // namespace

Json ToJson(const StoredReferral& r) {
  return {{"id", r.id},
          {"case_id", r.case_id},
          {"agency", r.agency.value()},
          {"status", r.status},
          {"deadline", r.deadline},
          {"note", r.note},
          {"created_by", IdOrNull(r.created_by.value())},
          {"created_at", FormatTime(r.created_at)},
          {"advice", r.advice},
          {"summary", r.summary},
          {"answered_by", IdOrNull(r.answered_by.value())},
          {"answered_at", TimeOrNull(r.answered_at)}};
}

Result<Json> ParseAdvice(const Json& advice) {
  if (!advice.is_array() || advice.empty() || advice.size() > 500) {
    return Status::InvalidArgument("advice: an array of 1..500 items is required");
  }
  Json out = Json::array();
  for (size_t i = 0; i < advice.size(); ++i) {
    const Json& item = advice[i];
    std::string at = fmt::format("advice[{}]", i);
    if (!item.is_object()) return Status::InvalidArgument(at + ": must be an object");
    std::string subject = item.value("subject", "");
    if (subject != "good" && subject != "party" && subject != "destination") {
      return Status::InvalidArgument(at + ".subject: must be good, party or destination");
    }
    Json ref = item.value("ref", Json(nullptr));
    if (!ref.is_null() && !ref.is_string() && !ref.is_number_integer()) {
      return Status::InvalidArgument(at + ".ref: must be a string or an integer");
    }
    std::string kind =
        item.contains("advice") && item["advice"].is_string() ? item["advice"].get<std::string>() : "";
    Json norm = {{"subject", subject}, {"ref", ref}, {"advice", kind}};
    if (kind == "approve" || kind == "no_objection") {
      // nothing more
    } else if (kind == "approve_with_provisos") {
      std::string provisos = item.contains("provisos") && item["provisos"].is_string()
                                 ? item["provisos"].get<std::string>()
                                 : "";
      if (provisos.empty() || provisos.size() > kMaxLongText) {
        return Status::InvalidArgument(at + ".provisos: the provisos text is required");
      }
      norm["provisos"] = provisos;
    } else if (kind == "refuse") {
      const Json criteria = item.value("criteria", Json(nullptr));
      if (!criteria.is_array() || criteria.empty()) {
        return Status::InvalidArgument(at + ".criteria: a refusal names at least one criterion");
      }
      for (const auto& c : criteria) {
        if (!c.is_string() || c.get<std::string>().empty() || c.get<std::string>().size() > kMaxShortText) {
          return Status::InvalidArgument(at + ".criteria: each criterion is a non-empty string");
        }
      }
      norm["criteria"] = criteria;
    } else {
      return Status::InvalidArgument(
          at + ".advice: must be approve, approve_with_provisos, refuse or no_objection");
    }
    out.push_back(std::move(norm));
  }
  return out;
}

std::optional<std::string> ConsolidateAdvice(const std::vector<StoredReferral>& referrals) {
  bool any = false, provisos = false;
  for (const auto& r : referrals) {
    if (r.status != "answered" || !r.advice.is_array()) continue;
    for (const auto& item : r.advice) {
      if (!item.is_object()) continue;
      any = true;
      std::string kind = item.value("advice", "");
      if (kind == "refuse") return std::string("refuse");
      if (kind == "approve_with_provisos") provisos = true;
    }
  }
  if (!any) return std::nullopt;
  return std::string(provisos ? "approve_with_provisos" : "approve");
}

std::string_view LicenceStatusName(LicenceStatus s) {
  for (const auto& [v, n] : kLicenceStatusNames) {
    if (v == s) return n;
  }
  return "unknown";
}

std::optional<LicenceStatus> ParseLicenceStatus(std::string_view name) {
  for (const auto& [st, n] : kLicenceStatusNames) {
    if (n == name) return st;
  }
  return std::nullopt;
}

std::string_view LicenceActionName(LicenceAction a) {
  switch (a) {
    case LicenceAction::kSuspend:
      return "suspend";
    case LicenceAction::kReinstate:
      return "reinstate";
    case LicenceAction::kRevoke:
      return "revoke";
    case LicenceAction::kSurrender:
      return "surrender";
  }
  return "unknown";
}

std::optional<LicenceAction> ParseLicenceAction(std::string_view name) {
  for (auto a : {LicenceAction::kSuspend, LicenceAction::kReinstate, LicenceAction::kRevoke,
                 LicenceAction::kSurrender}) {
    if (LicenceActionName(a) == name) return a;
  }
  return std::nullopt;
}

Json ToJson(const StoredLicence& l) {
  return {{"id", l.id},
          {"number", l.number},
          {"case_id", l.case_id},
          {"org_id", l.org.value()},
          {"type", ApplicationTypeName(l.type)},
          {"status", LicenceStatusName(l.status)},
          {"version", l.version},
          {"valid_from", FormatTime(l.valid_from)},
          {"valid_until", FormatTime(l.valid_until)},
          {"conditions", l.conditions},
          {"lines", l.lines},
          {"supersedes", l.supersedes.empty() ? Json(nullptr) : Json(l.supersedes)},
          {"superseded_by", l.superseded_by.empty() ? Json(nullptr) : Json(l.superseded_by)},
          {"amendment", l.amendment},
          {"issued_at", FormatTime(l.issued_at)},
          {"updated_at", FormatTime(l.updated_at)}};
}

Result<bool> LicensingService::ReferredTo(store::Tx& tx, int64_t case_id, OrgId agency) {
  STM_ASSIGN_OR_RETURN(auto row,
                       tx.QueryOne("SELECT 1 FROM referrals WHERE case_id = ? AND org_id = ? LIMIT 1",
                                   {case_id, agency.value()}));
  return row.has_value();
}

Result<std::vector<StoredReferral>> LicensingService::LoadReferrals(store::Tx& tx, int64_t case_id,
                                                                    std::optional<OrgId> agency) {
  std::string sql = fmt::format("SELECT {} FROM referrals WHERE case_id = ?", kReferralColumns);
  store::Params params = {case_id};
  if (agency) {
    sql += " AND org_id = ?";
    params.emplace_back(agency->value());
  }
  STM_ASSIGN_OR_RETURN(auto rows, tx.Query(sql + " ORDER BY id", params));
  std::vector<StoredReferral> out;
  for (const auto& row : rows) out.push_back(ReferralFromRow(row));
  return out;
}

Result<std::vector<StoredReferral>> LicensingService::Refer(const audit::Context& ctx, const Actor& actor,
                                                            int64_t case_id, const ReferralRequest& request) {
  if (request.agencies.empty() || request.agencies.size() > 20) {
    return Status::InvalidArgument("agencies: 1..20 agency organisation ids are required");
  }
  auto deadline = ParseDate(request.deadline);
  if (!deadline.ok()) return deadline.status().WithContext("deadline");
  if (*deadline < DateOf(clock_.Now())) {
    return Status::InvalidArgument(fmt::format("deadline: {} is in the past", request.deadline));
  }
  if (request.note.size() > kMaxLongText) {
    return Status::InvalidArgument(fmt::format("note: longer than {} characters", kMaxLongText));
  }
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kWrite));
  STM_ASSIGN_OR_RETURN(StoredCase c, LoadVisibleCase(*tx, actor, case_id));
  std::vector<int64_t> agencies;
  for (OrgId org : request.agencies) {
    if (std::find(agencies.begin(), agencies.end(), org.value()) != agencies.end()) {
      return Status::InvalidArgument(fmt::format("agencies: organisation {} is listed twice", org.value()));
    }
    STM_ASSIGN_OR_RETURN(auto row,
                         tx->QueryOne("SELECT kind FROM organisations WHERE id = ?", {org.value()}));
    if (!row || row->Text(0) != "referral_agency") {
      return Status::InvalidArgument(
          fmt::format("agencies: organisation {} is not a referral agency", org.value()));
    }
    agencies.push_back(org.value());
  }
  STM_ASSIGN_OR_RETURN(
      auto open,
      tx->QueryOne("SELECT COUNT(*) FROM referrals WHERE case_id = ? AND status = 'open'", {case_id}));
  StoredCase counted = c;
  counted.view.referrals_awaiting_advice =
      static_cast<int>(open ? open->Int(0) : 0) + static_cast<int>(agencies.size());
  std::vector<int64_t> ids;
  const int64_t now_us = ToUnixMicros(clock_.Now());
  STM_RETURN_IF_ERROR(TakeTransition(
      *tx, ctx, actor, counted, CaseAction::kRefer, request.expected_version, request.note, {},
      [&](store::Tx& t, Json& summary) -> Status {
        for (int64_t org : agencies) {
          STM_ASSIGN_OR_RETURN(
              auto row,
              t.QueryOne("INSERT INTO referrals (case_id, org_id, status, deadline, note, created_by, "
                         "created_at) VALUES (?, ?, 'open', ?, ?, ?, ?) RETURNING id",
                         {case_id, org, request.deadline, request.note, IdOrNullValue(actor.user_id.value()),
                          now_us}));
          if (!row) return Status::Internal("inserting a referral returned no id");
          ids.push_back(row->Int(0));
        }
        summary["referrals"] = ids;
        summary["agencies"] = agencies;
        summary["deadline"] = request.deadline;
        return Status::Ok();
      }));
  std::vector<StoredReferral> out;
  STM_ASSIGN_OR_RETURN(auto all, LoadReferrals(*tx, case_id, std::nullopt));
  for (auto& r : all) {
    if (std::find(ids.begin(), ids.end(), r.id) != ids.end()) out.push_back(std::move(r));
  }
  STM_RETURN_IF_ERROR(tx->Commit());
  return out;
}

Result<StoredReferral> LicensingService::GiveAdvice(const audit::Context& ctx, const Actor& actor,
                                                    int64_t referral_id, const Json& advice,
                                                    const std::string& summary_text) {
  if (actor.is_system || actor.role != auth::Role::kReferralOfficer || !actor.org_id.valid()) {
    return Status::PermissionDenied("only a referral officer of the referred agency may give advice");
  }
  if (summary_text.size() > kMaxLongText) {
    return Status::InvalidArgument(fmt::format("summary: longer than {} characters", kMaxLongText));
  }
  STM_ASSIGN_OR_RETURN(Json normalised, ParseAdvice(advice));
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kWrite));
  STM_ASSIGN_OR_RETURN(
      auto row,
      tx->QueryOne(fmt::format("SELECT {} FROM referrals WHERE id = ?", kReferralColumns), {referral_id}));
  // Another agency's referral is not revealed.
  if (!row || !(OrgId(row->Int(2)) == actor.org_id)) {
    return Status::NotFound(fmt::format("referral {} not found", referral_id));
  }
  StoredReferral r = ReferralFromRow(*row);
  if (r.status != "open") {
    return Status::FailedPrecondition(
        fmt::format("referral {} is {}: advice was already given", referral_id, r.status));
  }
  const int64_t now_us = ToUnixMicros(clock_.Now());
  STM_RETURN_IF_ERROR(
      tx->Exec("UPDATE referrals SET status = 'answered', advice = ?, summary = ?, answered_by = ?, "
               "answered_at = ? WHERE id = ? AND status = 'open'",
               {normalised.dump(), summary_text, IdOrNullValue(actor.user_id.value()), now_us, referral_id})
          .status());
  STM_ASSIGN_OR_RETURN(
      auto open,
      tx->QueryOne("SELECT COUNT(*) FROM referrals WHERE case_id = ? AND status = 'open'", {r.case_id}));
  const int remaining = static_cast<int>(open ? open->Int(0) : 0);
  STM_ASSIGN_OR_RETURN(StoredCase c, LoadCase(*tx, r.case_id));
  STM_RETURN_IF_ERROR(tx->Exec("UPDATE cases SET referrals_awaiting_advice = ?, updated_at = ? WHERE id = ?",
                               {int64_t{remaining}, now_us, r.case_id})
                          .status());
  STM_RETURN_IF_ERROR(audit::Append(*tx, clock_, ctx,
                                    {"referral.advice",
                                     ReferralTarget(referral_id),
                                     {{"case_id", r.case_id},
                                      {"agency", r.agency.value()},
                                      {"advice", normalised},
                                      {"summary", summary_text},
                                      {"referrals_awaiting_advice", remaining}}}));
  if (remaining == 0 && c.view.state == CaseState::kReferred) {
    c.view.referrals_awaiting_advice = 0;
    STM_RETURN_IF_ERROR(TakeTransition(*tx, ctx, Actor::System(), c, CaseAction::kAllAdviceReceived,
                                       c.view.version,
                                       fmt::format("the last advice arrived (referral {})", referral_id)));
  }
  STM_ASSIGN_OR_RETURN(
      auto saved,
      tx->QueryOne(fmt::format("SELECT {} FROM referrals WHERE id = ?", kReferralColumns), {referral_id}));
  if (!saved) return Status::Internal("the referral vanished");
  StoredReferral out = ReferralFromRow(*saved);
  STM_RETURN_IF_ERROR(tx->Commit());
  return out;
}

Result<std::vector<StoredReferral>> LicensingService::Referrals(const Actor& actor, int64_t case_id) {
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  STM_ASSIGN_OR_RETURN(auto c, LoadVisibleCase(*tx, actor, case_id));
  if (!actor.is_system && auth::IsExporterRole(actor.role)) {
    return Status::PermissionDenied("the agencies' advice is internal to the licensing authority");
  }
  std::optional<OrgId> agency;
  if (!actor.is_system && actor.role == auth::Role::kReferralOfficer) agency = actor.org_id;
  return LoadReferrals(*tx, c.id, agency);
}

// ---- recommendation, decision, licences ------------------------------------------------------------------

Result<CaseDetail> LicensingService::SetRecommendation(const audit::Context& ctx, const Actor& actor,
                                                       int64_t case_id, Outcome recommendation,
                                                       bool needs_countersign, int64_t expected_version) {
  if (recommendation == Outcome::kNoLicenceRequired) {
    return Status::InvalidArgument("recommendation: must be approve or refuse");
  }
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kWrite));
  STM_ASSIGN_OR_RETURN(StoredCase c, LoadVisibleCase(*tx, actor, case_id));
  if (!IsOfficer(actor)) {
    return Status::PermissionDenied(
        "only the assigned officer or a senior officer may record a recommendation");
  }
  if (actor.role == auth::Role::kLicensingOfficer && !(actor.user_id == c.view.assigned_officer)) {
    return Status::PermissionDenied(
        fmt::format("{} is not the officer assigned to case {}", ActorName(actor), case_id));
  }
  STM_RETURN_IF_ERROR(CheckVersion(expected_version, c.view.version));
  const CaseState s = c.view.state;
  if (s != CaseState::kUnderReview && s != CaseState::kReferred && s != CaseState::kUnderFinalReview) {
    return Status::FailedPrecondition(
        fmt::format("cannot record a recommendation on a case in state {}: only under review, referred or in "
                    "final review",
                    CaseStateName(s)));
  }
  const int64_t now_us = ToUnixMicros(clock_.Now());
  STM_ASSIGN_OR_RETURN(
      int64_t changed,
      tx->Exec("UPDATE cases SET recommendation = ?, needs_countersign = ?, version = version + 1, "
               "updated_at = ? WHERE id = ? AND version = ?",
               {OutcomeValue(recommendation), int64_t{needs_countersign ? 1 : 0}, now_us, case_id,
                c.view.version}));
  if (changed != 1) return CheckVersion(c.view.version, c.view.version + 1);
  STM_RETURN_IF_ERROR(audit::Append(*tx, clock_, ctx,
                                    {"case.recommendation",
                                     CaseTarget(case_id),
                                     {{"recommendation", OutcomeName(recommendation)},
                                      {"needs_countersign", needs_countersign},
                                      {"version", c.view.version + 1},
                                      {"actor", ActorName(actor)}}}));
  STM_ASSIGN_OR_RETURN(StoredCase saved, LoadCase(*tx, case_id));
  STM_ASSIGN_OR_RETURN(CaseDetail detail, Detail(*tx, actor, saved));
  STM_RETURN_IF_ERROR(tx->Commit());
  return detail;
}

Result<StoredLicence> LicensingService::IssueLicence(store::Tx& tx, const Actor& actor, const StoredCase& c,
                                                     const DecisionRequest& request) {
  (void)actor;
  if (!licence_numbers_) return Status::Internal("the licence number format is not configured");
  STM_ASSIGN_OR_RETURN(StoredApplication app, LoadApplication(tx, c.application_id));
  const TimePoint now = clock_.Now();
  const int year = static_cast<int>(std::chrono::year_month_day(DateOf(now)).year());
  const std::string type(ApplicationTypeName(app.body.type));
  STM_ASSIGN_OR_RETURN(auto next,
                       tx.QueryOne("SELECT COALESCE(MAX(sequence), 0) + 1 FROM licences WHERE type = ? AND "
                                   "year = ?",
                                   {type, int64_t{year}}));
  const int64_t sequence = next ? next->Int(0) : 1;
  STM_ASSIGN_OR_RETURN(std::string number, licence_numbers_->Format(app.body.type, year, sequence));
  Json lines = Json::array();
  const Json goods = ToJson(app.body).value("goods", Json::array());
  for (size_t i = 0; i < goods.size(); ++i) {
    const Json& g = goods[i];
    lines.push_back({{"line", i + 1},
                     {"description", g.value("description", "")},
                     {"control_codes", g.value("control_codes", Json::array())},
                     {"quantity", g.value("quantity", Json(nullptr))},
                     {"unit", g.value("unit", "")},
                     {"value", g.value("value", Json(nullptr))},
                     {"currency", g.value("currency", "")},
                     {"quantity_used", 0},
                     {"value_used", 0}});
  }
  const TimePoint until = TimePoint(std::chrono::sys_days(std::chrono::year_month_day(DateOf(now)) +
                                                          std::chrono::months(request.validity_months)));
  const int64_t now_us = ToUnixMicros(now);
  STM_RETURN_IF_ERROR(
      tx.Exec("INSERT INTO licences (number, case_id, org_id, type, year, sequence, status, version, "
              "valid_from, valid_until, conditions, lines, issued_at, updated_at) VALUES "
              "(?, ?, ?, ?, ?, ?, 'active', 1, ?, ?, ?, ?, ?, ?)",
              {number, c.id, c.view.exporter_org.value(), type, int64_t{year}, sequence, now_us,
               ToUnixMicros(until), request.conditions, lines.dump(), now_us, now_us})
          .status());
  return LoadLicence(tx, number);
}

Result<DecisionOutcome> LicensingService::Decide(const audit::Context& ctx, const Actor& actor,
                                                 int64_t case_id, const DecisionRequest& request) {
  if (request.validity_months < 1 || request.validity_months > 120) {
    return Status::InvalidArgument("validity_months: must be 1..120");
  }
  if (request.conditions.size() > kMaxLongText || request.reason.size() > kMaxLongText) {
    return Status::InvalidArgument(fmt::format("conditions, reason: at most {} characters", kMaxLongText));
  }
  if (request.decision == Outcome::kRefused && request.refusal_criteria.empty()) {
    return Status::InvalidArgument("refusal_criteria: a refusal names at least one criterion");
  }
  CaseAction action = request.decision == Outcome::kApproved  ? CaseAction::kApprove
                      : request.decision == Outcome::kRefused ? CaseAction::kRefuse
                                                              : CaseAction::kNoLicenceRequired;
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kWrite));
  STM_ASSIGN_OR_RETURN(StoredCase c, LoadVisibleCase(*tx, actor, case_id));
  DecisionOutcome out;
  STM_RETURN_IF_ERROR(TakeTransition(*tx, ctx, actor, c, action, request.expected_version, request.reason,
                                     {Effect::kIssueLicence}, [&](store::Tx& t, Json& summary) -> Status {
                                       if (!request.conditions.empty())
                                         summary["conditions"] = request.conditions;
                                       if (!request.refusal_criteria.empty())
                                         summary["refusal_criteria"] = request.refusal_criteria;
                                       if (action == CaseAction::kApprove) {
                                         STM_ASSIGN_OR_RETURN(out.licence,
                                                              IssueLicence(t, actor, c, request));
                                         summary["licence"] = out.licence->number;
                                         summary["validity_months"] = request.validity_months;
                                       }
                                       return Status::Ok();
                                     }));
  STM_ASSIGN_OR_RETURN(StoredCase saved, LoadCase(*tx, case_id));
  STM_ASSIGN_OR_RETURN(out.detail, Detail(*tx, actor, saved));
  STM_RETURN_IF_ERROR(tx->Commit());
  return out;
}

Result<StoredLicence> LicensingService::LoadLicence(store::Tx& tx, const std::string& number) {
  STM_ASSIGN_OR_RETURN(
      auto row,
      tx.QueryOne(fmt::format("SELECT {} FROM licences WHERE number = ?", kLicenceColumns), {number}));
  if (!row) return Status::NotFound(fmt::format("licence {} not found", number));
  return LicenceFromRow(*row);
}

Result<StoredLicence> LicensingService::GetLicence(const Actor& actor, const std::string& number) {
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  STM_ASSIGN_OR_RETURN(auto l, LoadLicence(*tx, number));
  if (!CanSeeCase(actor, l.org)) return Status::NotFound(fmt::format("licence {} not found", number));
  return l;
}

Result<StoredLicence> LicensingService::ActOnLicence(const audit::Context& ctx, const Actor& actor,
                                                     const std::string& number, LicenceAction action,
                                                     std::optional<int64_t> expected_version,
                                                     const std::string& reason) {
  if (reason.size() > kMaxLongText) {
    return Status::InvalidArgument(fmt::format("reason: longer than {} characters", kMaxLongText));
  }
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kWrite));
  STM_ASSIGN_OR_RETURN(auto l, LoadLicence(*tx, number));
  if (!CanSeeCase(actor, l.org)) return Status::NotFound(fmt::format("licence {} not found", number));
  const bool exporter = !actor.is_system && auth::IsExporterRole(actor.role);
  if (action == LicenceAction::kSurrender ? !(exporter || IsOfficer(actor)) : !IsOfficer(actor)) {
    return Status::PermissionDenied(
        fmt::format("{} may not {} a licence", ActorName(actor), LicenceActionName(action)));
  }
  if (expected_version && *expected_version != l.version) {
    return Status::Conflict(fmt::format("licence {} is at version {} but the request expected version {}",
                                        number, l.version, *expected_version));
  }
  LicenceStatus to = l.status;
  bool allowed = false;
  switch (action) {
    case LicenceAction::kSuspend:
      allowed = l.status == LicenceStatus::kActive;
      to = LicenceStatus::kSuspended;
      break;
    case LicenceAction::kReinstate:
      allowed = l.status == LicenceStatus::kSuspended;
      to = LicenceStatus::kActive;
      break;
    case LicenceAction::kRevoke:
      allowed = l.status == LicenceStatus::kActive || l.status == LicenceStatus::kSuspended;
      to = LicenceStatus::kRevoked;
      break;
    case LicenceAction::kSurrender:
      allowed = l.status == LicenceStatus::kActive || l.status == LicenceStatus::kSuspended;
      to = LicenceStatus::kSurrendered;
      break;
  }
  if (!allowed) {
    return Status::FailedPrecondition(fmt::format("cannot {} licence {}: it is {}", LicenceActionName(action),
                                                  number, LicenceStatusName(l.status)));
  }
  const int64_t now_us = ToUnixMicros(clock_.Now());
  STM_ASSIGN_OR_RETURN(
      int64_t changed,
      tx->Exec("UPDATE licences SET status = ?, version = version + 1, updated_at = ? WHERE id = ? "
               "AND version = ?",
               {std::string(LicenceStatusName(to)), now_us, l.id, l.version}));
  if (changed != 1) return Status::Conflict(fmt::format("licence {} changed meanwhile: reload it", number));
  Json summary = {{"from", LicenceStatusName(l.status)},
                  {"to", LicenceStatusName(to)},
                  {"version", l.version + 1},
                  {"case_id", l.case_id},
                  {"actor", ActorName(actor)}};
  if (!reason.empty()) summary["reason"] = reason;
  STM_RETURN_IF_ERROR(
      audit::Append(*tx, clock_, ctx,
                    {fmt::format("licence.{}", LicenceActionName(action)), LicenceTarget(number), summary}));
  STM_ASSIGN_OR_RETURN(auto saved, LoadLicence(*tx, number));
  STM_RETURN_IF_ERROR(tx->Commit());
  return saved;
}

// ---- licence lifecycle: list, amend, usage, expiry ------------------------------------------------------

namespace {

std::string ControlCodesText(const Json& codes) {
  std::string out;
  if (codes.is_array()) {
    for (const auto& c : codes) {
      if (!c.is_string()) continue;
      if (!out.empty()) out += ", ";
      out += c.get<std::string>();
    }
  }
  return out.empty() ? std::string(kNotListed) : out;
}

std::string_view TypeTitle(ApplicationType t) {
  switch (t) {
    case ApplicationType::kIndividual:
      return "individual export licence";
    case ApplicationType::kGlobal:
      return "global export licence";
    case ApplicationType::kBrokering:
      return "brokering licence";
    case ApplicationType::kTransit:
      return "transit licence";
    case ApplicationType::kTechnologyTransfer:
      return "licence for the transfer of technology";
  }
  return "licence";
}

double NumberOr(const Json& j, const char* key, double fallback) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : fallback;
}

// The amounts in a message: 1.5, 100 (no trailing zeros).
std::string Amount(double v) { return fmt::format("{:g}", v); }

}  // namespace

Json ToJson(const SweepReport& r) {
  return {{"licences_expired", r.licences_expired}, {"appeal_windows_closed", r.appeal_windows_closed}};
}

Json ToJson(const StoredLetter& l) {
  return {{"id", l.id},
          {"case_id", l.case_id},
          {"kind", LetterKindName(l.kind)},
          {"template", l.template_name},
          {"subject", l.subject},
          {"body", l.body},
          {"sha256", l.sha256},
          {"created_at", FormatTime(l.created_at)}};
}

Result<std::vector<StoredLicence>> LicensingService::ListLicences(const Actor& actor,
                                                                  std::optional<LicenceStatus> status,
                                                                  std::optional<int64_t> case_id) {
  std::string sql = fmt::format("SELECT {} FROM licences WHERE 1 = 1", kLicenceColumns);
  store::Params params;
  if (!SeesEveryCase(actor)) {
    if (actor.is_system || !auth::IsExporterRole(actor.role) || !actor.org_id.valid()) {
      return std::vector<StoredLicence>{};
    }
    sql += " AND org_id = ?";
    params.emplace_back(actor.org_id.value());
  }
  if (status) {
    sql += " AND status = ?";
    params.emplace_back(std::string(LicenceStatusName(*status)));
  }
  if (case_id) {
    sql += " AND case_id = ?";
    params.emplace_back(*case_id);
  }
  sql += " ORDER BY id DESC LIMIT 1000";
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  STM_ASSIGN_OR_RETURN(auto rows, tx->Query(sql, params));
  std::vector<StoredLicence> out;
  for (const auto& row : rows) out.push_back(LicenceFromRow(row));
  return out;
}

Result<StoredLicence> LicensingService::Amend(const audit::Context& ctx, const Actor& actor,
                                              const std::string& number, const AmendmentRequest& request) {
  if (!IsOfficer(actor)) {
    return Status::PermissionDenied(fmt::format("{} may not amend a licence", ActorName(actor)));
  }
  if (request.reason.empty()) return Status::InvalidArgument("reason: an amendment says why it is made");
  if (request.reason.size() > kMaxLongText ||
      (request.conditions && request.conditions->size() > kMaxLongText)) {
    return Status::InvalidArgument(fmt::format("reason, conditions: at most {} characters", kMaxLongText));
  }
  if (!licence_numbers_) return Status::Internal("the licence number format is not configured");
  const TimePoint now = clock_.Now();
  std::optional<TimePoint> until;
  if (request.valid_until) {
    auto date = ParseDate(*request.valid_until);
    if (!date.ok()) return date.status().WithContext("valid_until");
    if (*date <= DateOf(now)) return Status::InvalidArgument("valid_until: must be after today");
    until = TimePoint(*date);
  }
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kWrite));
  STM_ASSIGN_OR_RETURN(StoredLicence old, LoadLicence(*tx, number));
  if (!CanSeeCase(actor, old.org)) return Status::NotFound(fmt::format("licence {} not found", number));
  if (request.expected_version != old.version) {
    return Status::Conflict(fmt::format("licence {} is at version {} but the request expected version {}",
                                        number, old.version, request.expected_version));
  }
  if (old.status != LicenceStatus::kActive) {
    return Status::FailedPrecondition(
        fmt::format("cannot amend licence {}: it is {} (only an active licence is amended)", number,
                    LicenceStatusName(old.status)));
  }
  Json lines = old.lines;
  for (size_t i = 0; i < request.lines.size(); ++i) {
    const auto& change = request.lines[i];
    const std::string field = fmt::format("lines[{}]", i);
    if (change.line < 1 || static_cast<size_t>(change.line) > lines.size()) {
      return Status::InvalidArgument(
          fmt::format("{}.line: licence {} has lines 1..{}", field, number, lines.size()));
    }
    Json& l = lines[static_cast<size_t>(change.line - 1)];
    if (change.quantity) {
      double used = NumberOr(l, "quantity_used", 0);
      if (!(*change.quantity > 0) || *change.quantity < used) {
        return Status::InvalidArgument(
            fmt::format("{}.quantity: must be positive and at least the {} {} already used", field,
                        Amount(used), l.value("unit", "")));
      }
      l["quantity"] = *change.quantity;
    }
    if (change.value) {
      double used = NumberOr(l, "value_used", 0);
      if (*change.value < 0 || *change.value < used) {
        return Status::InvalidArgument(
            fmt::format("{}.value: must not be below the {} already used", field, Amount(used)));
      }
      l["value"] = *change.value;
    }
  }
  STM_ASSIGN_OR_RETURN(LicenceNumberParts parts, licence_numbers_->Parse(old.number));
  parts.amendment = old.amendment + 1;
  STM_ASSIGN_OR_RETURN(std::string new_number, licence_numbers_->Format(parts));
  const int64_t now_us = ToUnixMicros(now);
  const std::string conditions = request.conditions.value_or(old.conditions);
  const TimePoint valid_until = until.value_or(old.valid_until);
  STM_ASSIGN_OR_RETURN(
      int64_t changed,
      tx->Exec("UPDATE licences SET status = 'superseded', superseded_by = ?, version = version + "
               "1, updated_at = ? WHERE id = ? AND version = ?",
               {new_number, now_us, old.id, old.version}));
  if (changed != 1) return Status::Conflict(fmt::format("licence {} changed meanwhile: reload it", number));
  STM_RETURN_IF_ERROR(
      tx->Exec("INSERT INTO licences (number, case_id, org_id, type, year, sequence, amendment, status, "
               "version, "
               "valid_from, valid_until, conditions, lines, supersedes, issued_at, updated_at) "
               "SELECT ?, case_id, org_id, type, year, sequence, ?, 'active', 1, ?, ?, ?, ?, ?, ?, ? "
               "FROM licences WHERE id = ?",
               {new_number, int64_t{parts.amendment}, now_us, ToUnixMicros(valid_until), conditions,
                lines.dump(), old.number, now_us, now_us, old.id})
          .status());
  Json changes = Json::object();
  if (request.conditions) changes["conditions"] = conditions;
  if (until) changes["valid_until"] = FormatTime(valid_until);
  if (!request.lines.empty()) {
    Json changed_lines = Json::array();
    for (const auto& c : request.lines) changed_lines.push_back(lines[static_cast<size_t>(c.line - 1)]);
    changes["lines"] = changed_lines;
  }
  STM_RETURN_IF_ERROR(audit::Append(*tx, clock_, ctx,
                                    {"licence.amend",
                                     LicenceTarget(new_number),
                                     {{"supersedes", old.number},
                                      {"amendment", parts.amendment},
                                      {"case_id", old.case_id},
                                      {"reason", request.reason},
                                      {"changes", changes},
                                      {"actor", ActorName(actor)}}}));
  STM_RETURN_IF_ERROR(audit::Append(*tx, clock_, ctx,
                                    {"licence.superseded",
                                     LicenceTarget(old.number),
                                     {{"from", LicenceStatusName(old.status)},
                                      {"to", "superseded"},
                                      {"superseded_by", new_number},
                                      {"version", old.version + 1},
                                      {"case_id", old.case_id}}}));
  STM_ASSIGN_OR_RETURN(auto saved, LoadLicence(*tx, new_number));
  STM_RETURN_IF_ERROR(tx->Commit());
  return saved;
}

Status LicensingService::ExpireLicence(store::Tx& tx, const audit::Context& ctx, const StoredLicence& l) {
  const int64_t now_us = ToUnixMicros(clock_.Now());
  STM_ASSIGN_OR_RETURN(
      int64_t changed,
      tx.Exec("UPDATE licences SET status = 'expired', version = version + 1, updated_at = ? "
              "WHERE id = ? AND version = ?",
              {now_us, l.id, l.version}));
  if (changed != 1) return Status::Conflict(fmt::format("licence {} changed meanwhile", l.number));
  return audit::Append(tx, clock_, ctx,
                       {"licence.expired",
                        LicenceTarget(l.number),
                        {{"from", LicenceStatusName(l.status)},
                         {"to", "expired"},
                         {"version", l.version + 1},
                         {"valid_until", FormatTime(l.valid_until)},
                         {"actor", "system"}}});
}

Result<StoredLicence> LicensingService::RecordUsage(const audit::Context& ctx, const Actor& actor,
                                                    const std::string& number, const UsageRequest& request) {
  if (request.reference.empty() || request.reference.size() > 100) {
    return Status::InvalidArgument(
        "reference: the customs declaration or shipment reference, 1..100 characters");
  }
  if (request.lines.empty() || request.lines.size() > kMaxGoodsLines) {
    return Status::InvalidArgument(fmt::format("lines: 1..{} lines shipped", kMaxGoodsLines));
  }
  for (size_t i = 0; i < request.lines.size(); ++i) {
    const auto& u = request.lines[i];
    if (!(u.quantity > 0) || !(u.value >= 0)) {
      return Status::InvalidArgument(
          fmt::format("lines[{}]: quantity must be positive and value not negative", i));
    }
    for (size_t j = 0; j < i; ++j) {
      if (request.lines[j].line == u.line) {
        return Status::InvalidArgument(fmt::format("lines[{}].line: line {} is given twice", i, u.line));
      }
    }
  }
  // Customs and licensing officers record shipments against any licence; exporters never do.
  const bool may_record = actor.is_system || IsOfficer(actor) || actor.role == auth::Role::kCustomsOfficer ||
                          actor.role == auth::Role::kAdministrator;
  if (!may_record) {
    return Status::PermissionDenied(
        fmt::format("{} may not record shipments against a licence", ActorName(actor)));
  }
  auto tx_or = db_.Begin(store::TxMode::kWrite);
  if (!tx_or.ok()) return tx_or.status();
  auto& tx = *tx_or;
  STM_ASSIGN_OR_RETURN(StoredLicence l, LoadLicence(*tx, number));
  const TimePoint now = clock_.Now();
  if ((l.status == LicenceStatus::kActive || l.status == LicenceStatus::kSuspended) && l.valid_until <= now) {
    // The sweep has not reached it yet: expire it now (kept) and refuse the shipment.
    STM_RETURN_IF_ERROR(ExpireLicence(*tx, ctx, l));
    STM_RETURN_IF_ERROR(tx->Commit());
    return Status::FailedPrecondition(
        fmt::format("licence {} expired on {}", number, FormatDate(DateOf(l.valid_until))));
  }
  if (l.status != LicenceStatus::kActive) {
    std::string hint = l.status == LicenceStatus::kSuperseded
                           ? fmt::format(" (use its amendment {})", l.superseded_by)
                           : std::string();
    return Status::FailedPrecondition(fmt::format("licence {} is {}: no goods may be shipped against it{}",
                                                  number, LicenceStatusName(l.status), hint));
  }
  Json lines = l.lines;
  for (size_t i = 0; i < request.lines.size(); ++i) {
    const auto& u = request.lines[i];
    if (u.line < 1 || static_cast<size_t>(u.line) > lines.size()) {
      return Status::InvalidArgument(
          fmt::format("lines[{}].line: licence {} has lines 1..{}", i, number, lines.size()));
    }
    STM_ASSIGN_OR_RETURN(auto dup, tx->QueryOne("SELECT 1 FROM licence_usage WHERE licence_id = ? AND "
                                                "reference = ? AND line = ?",
                                                {l.id, request.reference, int64_t{u.line}}));
    if (dup) {
      return Status::Conflict(fmt::format("shipment {} is already recorded against line {} of licence {}",
                                          request.reference, u.line, number));
    }
    Json& line = lines[static_cast<size_t>(u.line - 1)];
    const std::string unit = line.value("unit", "");
    const double used = NumberOr(line, "quantity_used", 0);
    if (line.contains("quantity") && line["quantity"].is_number()) {
      const double licensed = line["quantity"].get<double>();
      if (used + u.quantity > licensed + 1e-9) {
        return Status::FailedPrecondition(fmt::format(
            "line {}: shipping {} {} exceeds the {} {} remaining of the {} {} licensed", u.line,
            Amount(u.quantity), unit, Amount(std::max(0.0, licensed - used)), unit, Amount(licensed), unit));
      }
    }
    const double value_used = NumberOr(line, "value_used", 0);
    if (line.contains("value") && line["value"].is_number()) {
      const double licensed = line["value"].get<double>();
      if (value_used + u.value > licensed + 1e-6) {
        return Status::FailedPrecondition(
            fmt::format("line {}: value {} exceeds the {} {} remaining", u.line, Amount(u.value),
                        Amount(std::max(0.0, licensed - value_used)), line.value("currency", "")));
      }
    }
    line["quantity_used"] = used + u.quantity;
    line["value_used"] = value_used + u.value;
  }
  // Exhausted when every line with a licensed quantity is used up (and there is at least one).
  bool any_quantified = false;
  bool all_used = true;
  for (const auto& line : lines) {
    if (!line.contains("quantity") || !line["quantity"].is_number()) continue;
    any_quantified = true;
    if (NumberOr(line, "quantity_used", 0) + 1e-9 < line["quantity"].get<double>()) all_used = false;
  }
  const bool exhausted = any_quantified && all_used;
  const int64_t now_us = ToUnixMicros(now);
  for (const auto& u : request.lines) {
    STM_RETURN_IF_ERROR(tx->Exec("INSERT INTO licence_usage (licence_id, line, quantity, value, reference, "
                                 "recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                                 {l.id, int64_t{u.line}, u.quantity, u.value, request.reference,
                                  IdOrNullValue(actor.user_id.value()), now_us})
                            .status());
  }
  STM_ASSIGN_OR_RETURN(
      int64_t changed,
      tx->Exec("UPDATE licences SET lines = ?, status = ?, version = version + 1, updated_at = ? "
               "WHERE id = ? AND version = ?",
               {lines.dump(), std::string(exhausted ? "exhausted" : "active"), now_us, l.id, l.version}));
  if (changed != 1) return Status::Conflict(fmt::format("licence {} changed meanwhile: retry", number));
  Json shipped = Json::array();
  for (const auto& u : request.lines) {
    shipped.push_back({{"line", u.line}, {"quantity", u.quantity}, {"value", u.value}});
  }
  STM_RETURN_IF_ERROR(audit::Append(*tx, clock_, ctx,
                                    {"licence.usage",
                                     LicenceTarget(number),
                                     {{"reference", request.reference},
                                      {"lines", shipped},
                                      {"version", l.version + 1},
                                      {"actor", ActorName(actor)}}}));
  if (exhausted) {
    STM_RETURN_IF_ERROR(
        audit::Append(*tx, clock_, ctx,
                      {"licence.exhausted",
                       LicenceTarget(number),
                       {{"from", "active"}, {"to", "exhausted"}, {"version", l.version + 1}}}));
  }
  STM_ASSIGN_OR_RETURN(auto saved, LoadLicence(*tx, number));
  STM_RETURN_IF_ERROR(tx->Commit());
  return saved;
}

Result<SweepReport> LicensingService::Sweep(const audit::Context& ctx) {
  SweepReport report;
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kWrite));
  const TimePoint now = clock_.Now();
  const int64_t now_us = ToUnixMicros(now);
  STM_ASSIGN_OR_RETURN(auto rows, tx->Query(fmt::format("SELECT {} FROM licences WHERE status IN ('active', "
                                                        "'suspended') AND valid_until <= ? ORDER BY id",
                                                        kLicenceColumns),
                                            {now_us}));
  for (const auto& row : rows) {
    StoredLicence l = LicenceFromRow(row);
    STM_RETURN_IF_ERROR(ExpireLicence(*tx, ctx, l));
    report.licences_expired.push_back(l.number);
  }
  STM_ASSIGN_OR_RETURN(auto cases,
                       tx->Query("SELECT id, appeal_deadline FROM cases WHERE appeal_window_open = 1 "
                                 "AND appeal_deadline IS NOT NULL AND appeal_deadline <= ? ORDER BY id",
                                 {now_us}));
  for (const auto& row : cases) {
    const int64_t id = row.Int(0);
    // A fact the appeal guard reads, not a state change: the version is kept so no officer's view is stale.
    STM_RETURN_IF_ERROR(
        tx->Exec("UPDATE cases SET appeal_window_open = 0, updated_at = ? WHERE id = ?", {now_us, id})
            .status());
    STM_RETURN_IF_ERROR(
        audit::Append(*tx, clock_, ctx,
                      {"case.appeal_window_closed",
                       CaseTarget(id),
                       {{"appeal_deadline", FormatTime(FromUnixMicros(row.Int(1)))}, {"actor", "system"}}}));
    report.appeal_windows_closed.push_back(id);
  }
  STM_RETURN_IF_ERROR(tx->Commit());
  return report;
}

// ---- letters ---------------------------------------------------------------------------------------------

Result<int64_t> LicensingService::WriteLetter(store::Tx& tx, const StoredCase& c, LetterKind kind,
                                              CaseAction action, const Json& summary) {
  STM_ASSIGN_OR_RETURN(StoredApplication app, LoadApplication(tx, c.application_id));
  STM_ASSIGN_OR_RETURN(
      auto org, tx.QueryOne("SELECT name FROM organisations WHERE id = ?", {c.view.exporter_org.value()}));
  const TimePoint now = clock_.Now();
  Json goods = Json::array();
  const Json body = ToJson(app.body);
  const Json app_goods = body.value("goods", Json::array());
  for (size_t i = 0; i < app_goods.size(); ++i) {
    const Json& g = app_goods[i];
    goods.push_back({{"line", i + 1},
                     {"description", g.value("description", "")},
                     {"control_codes_text", ControlCodesText(g.value("control_codes", Json::array()))},
                     {"quantity", g.value("quantity", Json(nullptr))},
                     {"unit", g.value("unit", "")},
                     {"value", g.value("value", Json(nullptr))},
                     {"currency", g.value("currency", "")}});
  }
  const std::string note = summary.value("note", "");
  Json ctx = {
      {"authority", {{"name", options_.authority_name}, {"code", options_.authority_code}}},
      {"date", FormatDate(DateOf(now))},
      {"case",
       {{"reference", c.reference},
        {"id", c.id},
        {"type", ApplicationTypeName(c.type)},
        {"type_title", TypeTitle(c.type)}}},
      {"exporter", {{"name", org ? org->Text(0) : std::string("the applicant")}}},
      {"goods", goods},
      {"decision",
       {{"outcome", c.view.outcome ? std::string(OutcomeName(*c.view.outcome)) : std::string()},
        {"reason", note},
        {"conditions", summary.value("conditions", "")},
        {"refusal_criteria", summary.value("refusal_criteria", Json::array())},
        {"appeal_deadline", c.appeal_deadline ? FormatDate(DateOf(*c.appeal_deadline)) : std::string()},
        {"appeal_days", options_.appeal_days}}},
      {"query", {{"text", note.empty() ? std::string("(see the officer's message in STM)") : note}}},
      {"appeal",
       {{"upheld", action == CaseAction::kAppealUpheld},
        {"result", action == CaseAction::kAppealUpheld ? "upheld" : "dismissed"},
        {"reason", note}}}};
  if (summary.contains("licence") && summary["licence"].is_string()) {
    STM_ASSIGN_OR_RETURN(StoredLicence l, LoadLicence(tx, summary["licence"].get<std::string>()));
    Json lines = Json::array();
    for (const auto& line : l.lines) {
      Json out = line;
      out["control_codes_text"] = ControlCodesText(line.value("control_codes", Json::array()));
      lines.push_back(out);
    }
    ctx["licence"] = {{"number", l.number},
                      {"valid_from", FormatDate(DateOf(l.valid_from))},
                      {"valid_until", FormatDate(DateOf(l.valid_until))},
                      {"conditions", l.conditions},
                      {"lines", lines}};
  }
  STM_ASSIGN_OR_RETURN(RenderedLetter letter, options_.letters->Render(kind, ctx));
  const std::string text = letter.subject + "\n\n" + letter.body;
  STM_ASSIGN_OR_RETURN(auto next, tx.QueryOne("SELECT COALESCE(MAX(id), 0) + 1 FROM letters"));
  const int64_t id = next ? next->Int(0) : 1;
  STM_RETURN_IF_ERROR(tx.Exec("INSERT INTO letters (id, case_id, kind, template, subject, body, sha256, "
                              "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                              {id, c.id, std::string(LetterKindName(kind)), std::string(LetterKindName(kind)),
                               letter.subject, letter.body, Sha256Hex(text), ToUnixMicros(now)})
                          .status());
  return id;
}

namespace {

StoredLetter LetterFromRow(const store::Row& row) {
  StoredLetter l;
  l.id = row.Int(0);
  l.case_id = row.Int(1);
  l.kind = ParseLetterKind(row.Text(2)).value_or(LetterKind::kQuery);
  l.template_name = row.Text(3);
  l.subject = row.Text(4);
  l.body = row.Text(5);
  l.sha256 = row.Text(6);
  l.created_at = FromUnixMicros(row.Int(7));
  return l;
}

constexpr char kLetterColumns[] = "id, case_id, kind, template, subject, body, sha256, created_at";

}  // namespace

Result<std::vector<StoredLetter>> LicensingService::Letters(const Actor& actor, int64_t case_id) {
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  STM_RETURN_IF_ERROR(LoadVisibleCase(*tx, actor, case_id).status());
  STM_ASSIGN_OR_RETURN(
      auto rows,
      tx->Query(fmt::format("SELECT {} FROM letters WHERE case_id = ? ORDER BY id", kLetterColumns),
                {case_id}));
  std::vector<StoredLetter> out;
  for (const auto& row : rows) out.push_back(LetterFromRow(row));
  return out;
}

Result<StoredLetter> LicensingService::GetLetter(const Actor& actor, int64_t case_id, int64_t letter_id) {
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  STM_RETURN_IF_ERROR(LoadVisibleCase(*tx, actor, case_id).status());
  STM_ASSIGN_OR_RETURN(
      auto row,
      tx->QueryOne(fmt::format("SELECT {} FROM letters WHERE case_id = ? AND id = ?", kLetterColumns),
                   {case_id, letter_id}));
  if (!row) return Status::NotFound(fmt::format("letter {} of case {} not found", letter_id, case_id));
  return LetterFromRow(*row);
}

// ---- risk --------------------------------------------------------------------------------------------

Result<Json> LicensingService::Risk(const Actor& actor, int64_t case_id) {
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  // Others' cases stay unknown (404); the authority's view of one's own case is not the exporter's (403).
  STM_ASSIGN_OR_RETURN(StoredCase c, LoadVisibleCase(*tx, actor, case_id));
  if (!SeesEveryCase(actor)) {
    return Status::PermissionDenied("the risk assessment is the licensing authority's internal view");
  }
  return Json{{"case_id", c.id}, {"reference", c.reference}, {"risk", c.risk}};
}

Result<int> LicensingService::ReassessOpenCases(const audit::Context& ctx) {
  std::vector<int64_t> ids;
  {
    STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
    STM_ASSIGN_OR_RETURN(auto rows,
                         tx->Query("SELECT id FROM cases WHERE state NOT IN ('finalised', 'withdrawn', "
                                   "'closed') ORDER BY id"));
    for (const auto& row : rows) ids.push_back(row.Int(0));
  }
  int changed = 0;
  for (int64_t id : ids) {
    // One transaction per case: a long reassessment does not hold the write lock, and a case that moved on
    // meanwhile is skipped.
    STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kWrite));
    STM_ASSIGN_OR_RETURN(StoredCase c, LoadCase(*tx, id));
    if (IsTerminal(c.view.state)) continue;
    STM_ASSIGN_OR_RETURN(StoredApplication app, LoadApplication(*tx, c.application_id));
    auto risk = options_.risk->Assess(app.body, app.org);
    if (!risk.ok()) return risk.status().WithContext(fmt::format("reassessing case {}", id));
    Json fresh = ToJson(*risk);
    if (fresh == c.risk) continue;
    const int64_t now_us = ToUnixMicros(clock_.Now());
    STM_RETURN_IF_ERROR(
        tx->Exec("UPDATE cases SET risk = ?, updated_at = ? WHERE id = ?", {fresh.dump(), now_us, id})
            .status());
    STM_RETURN_IF_ERROR(options_.risk->ApplyInTx(*tx, ctx, id, app.body, *risk));
    STM_RETURN_IF_ERROR(audit::Append(*tx, clock_, ctx,
                                      {"case.risk.reassess",
                                       CaseTarget(id),
                                       {{"from_level", c.risk.is_object() ? c.risk.value("level", "") : ""},
                                        {"to_level", risk->level},
                                        {"flags", risk->flags.size()}}}));
    STM_RETURN_IF_ERROR(tx->Commit());
    ++changed;
  }
  return changed;
}

Result<Json> LicensingService::ExporterHistory(OrgId exporter) {
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  STM_ASSIGN_OR_RETURN(auto refused,
                       tx->QueryOne("SELECT COUNT(*) FROM cases WHERE org_id = ? AND outcome = 'refused'",
                                    {exporter.value()}));
  STM_ASSIGN_OR_RETURN(auto revoked,
                       tx->QueryOne("SELECT COUNT(*) FROM licences WHERE org_id = ? AND status = 'revoked'",
                                    {exporter.value()}));
  STM_ASSIGN_OR_RETURN(auto suspended,
                       tx->QueryOne("SELECT COUNT(*) FROM licences WHERE org_id = ? AND status = 'suspended'",
                                    {exporter.value()}));
  return Json{{"refused_cases", refused ? refused->Int(0) : 0},
              {"revoked_licences", revoked ? revoked->Int(0) : 0},
              {"suspended_licences", suspended ? suspended->Int(0) : 0}};
}

}  // namespace stm::licensing
