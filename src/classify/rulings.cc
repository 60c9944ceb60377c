#include "classify/rulings.h"

#include <fmt/format.h>

namespace stm::classify {
namespace {

constexpr char kColumns[] =
    "id, org_id, user_id, created_by, reference, item, automatic, catalog_version, status, created_at, "
    "ruling_code, ruling_verdict, ruling_reasoning, ruled_by, ruled_at";

nlohmann::json ParseStoredJson(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  return j.is_discarded() ? nlohmann::json(nullptr) : j;
}

ClassificationRequest FromRow(const store::Row& row) {
  ClassificationRequest r;
  r.id = row.Int(0);
  if (auto org = row.OptInt(1)) r.org = OrgId(*org);
  if (auto user = row.OptInt(2)) r.user = UserId(*user);
  r.created_by = row.Text(3);
  r.reference = row.Text(4);
  r.item = ParseStoredJson(row.Text(5));
  r.automatic = ParseStoredJson(row.Text(6));
  r.catalog_version = row.Text(7);
  r.status = ParseRequestStatus(row.Text(8)).value_or(RequestStatus::kOpen);
  r.created_at = FromUnixMicros(row.Int(9));
  if (!row.IsNull(11)) {
    Ruling ruling;
    ruling.code = row.OptText(10);
    ruling.verdict = row.Text(11);
    ruling.reasoning = row.Text(12);
    ruling.ruled_by = row.Text(13);
    ruling.ruled_at = FromUnixMicros(row.Int(14));
    r.ruling = std::move(ruling);
  }
  return r;
}

std::string Target(int64_t id) { return fmt::format("classification_request:{}", id); }

}  // namespace

std::string_view RequestStatusName(RequestStatus s) {
  switch (s) {
    case RequestStatus::kOpen:
      return "open";
    case RequestStatus::kAnswered:
      return "answered";
  }
  return "unknown";
}

std::optional<RequestStatus> ParseRequestStatus(std::string_view s) {
  if (s == "open") return RequestStatus::kOpen;
  if (s == "answered") return RequestStatus::kAnswered;
  return std::nullopt;
}

nlohmann::json ToJson(const ClassificationRequest& r) {
  nlohmann::json ruling = nullptr;
  if (r.ruling) {
    ruling = {{"code", r.ruling->code ? nlohmann::json(*r.ruling->code) : nlohmann::json(nullptr)},
              {"verdict", r.ruling->verdict},
              {"reasoning", r.ruling->reasoning},
              {"ruled_by", r.ruling->ruled_by},
              {"ruled_at", FormatTime(r.ruling->ruled_at)}};
  }
  return {{"id", r.id},
          {"org_id", r.org ? nlohmann::json(r.org->value()) : nlohmann::json(nullptr)},
          {"user_id", r.user ? nlohmann::json(r.user->value()) : nlohmann::json(nullptr)},
          {"created_by", r.created_by},
          {"reference", r.reference},
          {"status", RequestStatusName(r.status)},
          {"created_at", FormatTime(r.created_at)},
          {"item", r.item},
          {"automatic", r.automatic},
          {"catalog_version", r.catalog_version},
          {"ruling", ruling}};
}

Result<ClassificationRequest> RulingStore::Create(const audit::Context& ctx, const NewRequest& request) {
  if (!request.item.is_object()) return Status::InvalidArgument("item: expected a JSON object");
  TimePoint now = clock_.Now();
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kWrite));
  STM_ASSIGN_OR_RETURN(
      auto row,
      tx->QueryOne(
          "INSERT INTO classification_requests (org_id, user_id, created_by, reference, item, automatic, "
          "catalog_version, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?) RETURNING id",
          {request.org ? store::Value(request.org->value()) : store::Null(),
           request.user ? store::Value(request.user->value()) : store::Null(), ctx.actor, request.reference,
           request.item.dump(), request.automatic.dump(), request.catalog_version, ToUnixMicros(now)}));
  if (!row) return Status::Internal("inserting a classification request returned no id");
  int64_t id = row->Int(0);
  std::string description;
  if (auto d = request.item.find("description"); d != request.item.end() && d->is_string()) description = *d;
  // The automatic answer's best candidate, so the trail shows what the exporter was told.
  nlohmann::json top = nullptr;
  if (request.automatic.is_object()) {
    auto it = request.automatic.find("candidates");
    if (it != request.automatic.end() && it->is_array() && !it->empty() && (*it)[0].is_object()) {
      top = {{"code", (*it)[0].value("code", "")}, {"verdict", (*it)[0].value("verdict", "")}};
    }
  }
  STM_RETURN_IF_ERROR(audit::Append(
      *tx, clock_, ctx,
      {"classification.request",
       Target(id),
       {{"org_id", request.org ? nlohmann::json(request.org->value()) : nlohmann::json(nullptr)},
        {"reference", request.reference},
        {"description", description.substr(0, 200)},
        {"automatic_top", top},
        {"catalog_version", request.catalog_version}}}));
  STM_RETURN_IF_ERROR(tx->Commit());
  return Get(id);
}

Result<ClassificationRequest> RulingStore::Get(int64_t id) {
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  STM_ASSIGN_OR_RETURN(
      auto row,
      tx->QueryOne(fmt::format("SELECT {} FROM classification_requests WHERE id = ?", kColumns), {id}));
  if (!row) return Status::NotFound(fmt::format("classification request {} not found", id));
  return FromRow(*row);
}

Result<std::vector<ClassificationRequest>> RulingStore::List(std::optional<RequestStatus> status,
                                                             std::optional<OrgId> org) {
  std::string sql = fmt::format("SELECT {} FROM classification_requests WHERE 1 = 1", kColumns);
  store::Params params;
  if (status) {
    sql += " AND status = ?";
    params.emplace_back(std::string(RequestStatusName(*status)));
  }
  if (org) {
    sql += " AND org_id = ?";
    params.emplace_back(org->value());
  }
  sql += " ORDER BY id DESC";
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  STM_ASSIGN_OR_RETURN(auto rows, tx->Query(sql, params));
  std::vector<ClassificationRequest> out;
  out.reserve(rows.size());
  for (const auto& row : rows) out.push_back(FromRow(row));
  return out;
}

Result<ClassificationRequest> RulingStore::Rule(const audit::Context& ctx, int64_t id, const Ruling& ruling) {
  if (ruling.verdict != "controlled" && ruling.verdict != "not") {
    return Status::InvalidArgument(
        fmt::format("field 'verdict' must be 'controlled' or 'not'; got '{}'", ruling.verdict));
  }
  if (ruling.reasoning.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Status::InvalidArgument("field 'reasoning' must not be empty: a ruling states its reasons");
  }
  if (ruling.code && ruling.code->empty()) {
    return Status::InvalidArgument(
        "field 'code' must be a control entry code, or null when the item is not listed");
  }
  if (ruling.verdict == "controlled" && !ruling.code) {
    return Status::InvalidArgument("field 'code' is required when the verdict is 'controlled'");
  }
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kWrite));
  STM_ASSIGN_OR_RETURN(auto row,
                       tx->QueryOne("SELECT status FROM classification_requests WHERE id = ?", {id}));
  if (!row) return Status::NotFound(fmt::format("classification request {} not found", id));
  if (row->Text(0) != RequestStatusName(RequestStatus::kOpen)) {
    return Status::FailedPrecondition(fmt::format("classification request {} was already ruled", id));
  }
  STM_RETURN_IF_ERROR(
      tx->Exec("UPDATE classification_requests SET status = 'answered', ruling_code = ?, "
               "ruling_verdict = ?, ruling_reasoning = ?, ruled_by = ?, ruled_at = ? WHERE id = ?",
               {store::Opt(ruling.code), ruling.verdict, ruling.reasoning, ctx.actor,
                ToUnixMicros(clock_.Now()), id})
          .status());
  STM_RETURN_IF_ERROR(
      audit::Append(*tx, clock_, ctx,
                    {"classification.ruling",
                     Target(id),
                     {{"code", ruling.code ? nlohmann::json(*ruling.code) : nlohmann::json(nullptr)},
                      {"verdict", ruling.verdict},
                      {"reasoning", ruling.reasoning}}}));
  STM_RETURN_IF_ERROR(tx->Commit());
  return Get(id);
}

}  // namespace stm::classify
