// HTTP adapters for classification, the control-list catalogue and official rulings:
// JSON <-> Classifier, Catalog/TextIndex, CatalogStore and RulingStore.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <memory>

#include "api/handlers.h"
#include "api/json_fields.h"
#include "catalog/catalog_store.h"
#include "catalog/import_ccl.h"
#include "classify/classifier.h"
#include "classify/rulings.h"
#include "common/text.h"
#include "licensing/licensing_service.h"

namespace stm::api {
namespace {

using Json = nlohmann::json;
constexpr int64_t kMaxClassifyLimit = 50;
constexpr int64_t kMaxControlsLimit = 200;
constexpr char kDefaultList[] = "us_ccl";
constexpr char kTreeVersion[] = "2025-09-29";

// ---- small parsing helpers -------------------------------------------------------------------------

Result<std::optional<int64_t>> QueryInt(const Request& req, const char* name, int64_t min, int64_t max) {
  auto text = req.QueryParam(name);
  if (!text) return std::optional<int64_t>();
  auto v = ParseInt64(*text);
  if (!v || *v < min || *v > max) {
    return Status::InvalidArgument(fmt::format(
        "query parameter '{}' must be an integer between {} and {}; got '{}'", name, min, max, *text));
  }
  return std::optional<int64_t>(*v);
}

Result<std::optional<catalog::Regime>> QueryRegime(const Request& req) {
  auto text = req.QueryParam("regime");
  if (!text || text->empty()) return std::optional<catalog::Regime>();
  auto regime = catalog::ParseRegime(*text);
  if (!regime) {
    return Status::InvalidArgument(fmt::format(
        "query parameter 'regime' must be one of nsg1, nsg2, mtcr, ag, cwc, wa_du, wa_ml, national; got '{}'",
        *text));
  }
  return std::optional<catalog::Regime>(*regime);
}

// An item from a request body: the fields ItemFromJson reads, refusing others so typos do not pass.
Result<classify::Item> ParseItem(const Json& body, std::initializer_list<const char*> extra_fields,
                                 std::string_view context) {
  std::vector<const char*> allowed = {"description", "parameters", "cas", "hs", "answers"};
  allowed.insert(allowed.end(), extra_fields.begin(), extra_fields.end());
  if (!body.is_object()) {
    return Status::InvalidArgument(context.empty()
                                       ? "the body must be a JSON object (the item)"
                                       : fmt::format("field '{}' must be a JSON object", context));
  }
  for (const auto& [key, value] : body.items()) {
    if (std::find_if(allowed.begin(), allowed.end(), [&](const char* a) { return key == a; }) ==
        allowed.end()) {
      std::string where = context.empty() ? key : fmt::format("{}.{}", context, key);
      return Status::InvalidArgument(fmt::format(
          "unknown field '{}' (an item has description, parameters, cas, hs and answers)", where));
    }
  }
  auto item = classify::ItemFromJson(body);
  if (!item.ok() && !context.empty()) return item.status().WithContext(context);
  return item;
}

// Classifies, keeping the classifier's field-named InvalidArgument errors (bad units, bad values).
Result<classify::Classification> RunClassifier(const Deps& d, const classify::Item& item, size_t limit) {
  if (d.classifier == nullptr) return Status::Unavailable("the classifier is not loaded");
  return d.classifier->Classify(item, limit);
}

// ---- JSON views ------------------------------------------------------------------------------------

std::string_view NodeKindName(classify::Node::Kind k) {
  using K = classify::Node::Kind;
  switch (k) {
    case K::kAll:
      return "all";
    case K::kAny:
      return "any";
    case K::kNot:
      return "not";
    case K::kCompare:
      return "compare";
    case K::kBetween:
      return "between";
    case K::kIn:
      return "in";
    case K::kIs:
      return "is";
    case K::kAsk:
      return "ask";
    case K::kRef:
      return "ref";
    case K::kKind:
      return "kind";
    case K::kCas:
      return "cas";
  }
  return "unknown";
}

// A transcribed criteria tree as JSON, for reading (the data files are the source of truth).
Json NodeJson(const classify::Node& n) {
  using K = classify::Node::Kind;
  Json j = {{"kind", NodeKindName(n.kind)}};
  if (!n.src.empty()) j["src"] = n.src;
  if (n.param != nullptr) j["parameter"] = n.param->name;
  switch (n.kind) {
    case K::kAll:
    case K::kAny:
    case K::kNot: {
      Json children = Json::array();
      for (const auto& c : n.children) children.push_back(NodeJson(c));
      j["children"] = std::move(children);
      break;
    }
    case K::kCompare:
      j["op"] = n.op;
      j["value"] = n.value;
      if (!n.unit.empty()) j["unit"] = n.unit;
      break;
    case K::kBetween:
      j["min"] = n.min ? Json(*n.min) : Json(nullptr);
      j["max"] = n.max ? Json(*n.max) : Json(nullptr);
      j["min_inclusive"] = n.min_inclusive;
      j["max_inclusive"] = n.max_inclusive;
      if (!n.unit.empty()) j["unit"] = n.unit;
      break;
    case K::kIn:
    case K::kKind:
    case K::kCas:
      j["values"] = n.set;
      break;
    case K::kIs:
      j["value"] = n.bool_value;
      break;
    case K::kAsk:
      j["id"] = n.id;
      j["question"] = n.question;
      break;
    case K::kRef:
      j["code"] = n.id;
      break;
  }
  return j;
}

Json RecordJson(const classify::CriteriaRecord& r) {
  Json decontrols = Json::array();
  for (const auto& d : r.decontrols) decontrols.push_back({{"src", d.src}, {"criteria", NodeJson(d.expr)}});
  return {{"code", r.code},
          {"regime", r.regime},
          {"title", r.title},
          {"kinds", r.kinds},
          {"hs", r.hs},
          {"notes", r.notes},
          {"source", r.source},
          {"file", r.file},
          {"tests", r.tests.size()},
          {"criteria", NodeJson(r.criteria)},
          {"decontrols", std::move(decontrols)}};
}

Json ListJson(const catalog::Catalog& cat) {
  if (cat.list().id.empty()) return nullptr;
  return {{"id", cat.list().id}, {"name", cat.list().name}, {"version", cat.list().version}};
}

Json CodeAndHeading(const catalog::Catalog& cat, const std::string& code) {
  const catalog::ControlEntry* e = cat.Find(code);
  return {{"code", e ? e->code : code}, {"heading", e ? Json(e->heading) : Json(nullptr)}};
}

Json EntryJson(const catalog::Catalog& cat, const catalog::ControlEntry& e) {
  Json children = Json::array();
  for (const auto& c : e.children) children.push_back(CodeAndHeading(cat, c));
  Json xrefs = Json::array();
  for (const auto* x : cat.CrossReferencesOf(e.code)) {
    xrefs.push_back(
        {{"from", x->from}, {"to", x->to}, {"relation", x->relation}, {"provenance", x->provenance}});
  }
  return {{"code", e.code},
          {"heading", e.heading},
          {"text", e.text},
          {"heading_only", e.heading_only},
          {"regime", catalog::RegimeId(e.regime)},
          {"regime_name", catalog::RegimeName(e.regime)},
          {"regime_basis", e.regime_basis},
          {"notes", e.notes},
          {"technical_notes", e.technical_notes},
          {"decontrol_notes", e.decontrol_notes},
          {"related_controls", e.related_controls},
          {"related_definitions", e.related_definitions},
          {"see_also", e.see_also},
          {"parent", e.parent.empty() ? Json(nullptr) : CodeAndHeading(cat, e.parent)},
          {"children", std::move(children)},
          {"hs_codes", e.hs_codes},
          {"cas", e.cas},
          {"cross_references", std::move(xrefs)},
          {"list", ListJson(cat)}};
}

Json HitJson(const catalog::ControlEntry& e) {
  return {{"code", e.code}, {"regime", catalog::RegimeId(e.regime)}, {"heading", e.heading}};
}

// ---- default control-list versions --------------------------------------------------------------------

Result<bool> VersionStored(catalog::CatalogStore& store, const std::string& list,
                           const std::string& version) {
  auto v = store.Version(list, version);
  if (v.ok()) return true;
  if (v.status().code() == ErrorCode::kNotFound) return false;
  return v.status();
}

}  // namespace

Result<std::vector<Json>> ImportDefaultControlLists(const classify::Classifier& classifier,
                                                    catalog::CatalogStore& store, const std::string& data_dir,
                                                    const audit::Context& ctx) {
  std::vector<Json> imported;
  const catalog::Catalog& full = classifier.catalog();
  if (data_dir.empty() || full.list().id.empty() || full.list().version.empty()) return imported;
  STM_ASSIGN_OR_RETURN(bool full_stored, VersionStored(store, full.list().id, full.list().version));
  if (full_stored) return imported;  // the newest is there; an older one would become current
  std::filesystem::path rel_dir = std::filesystem::path("controls") / "us_ccl";
  std::filesystem::path tree_path = std::filesystem::path(data_dir) / rel_dir / catalog::kCclTreeFile;
  std::error_code ec;
  if (full.list().id == kDefaultList && std::filesystem::is_regular_file(tree_path, ec)) {
    STM_ASSIGN_OR_RETURN(bool tree_stored, VersionStored(store, kDefaultList, kTreeVersion));
    if (!tree_stored) {
      // The older version only serves comparisons: a problem with it is reported, not fatal.
      auto tree = catalog::ImportCclParagraphTree(tree_path);
      auto saved = tree.ok() ? store.SaveVersion(ctx, *tree, (rel_dir / catalog::kCclTreeFile).string())
                             : Result<catalog::SaveResult>(tree.status());
      if (!saved.ok()) {
        spdlog::warn("control list {} {} not stored: {}", kDefaultList, kTreeVersion,
                     saved.status().ToString());
      } else if (!saved->already_imported) {
        imported.push_back(catalog::ToJson(saved->version));
      }
    }
  }
  std::filesystem::path file = full.list().source.empty()
                                   ? std::filesystem::path(catalog::kCclFullTextFile)
                                   : std::filesystem::path(full.list().source).filename();
  std::string source = (rel_dir / file).string();
  STM_ASSIGN_OR_RETURN(auto saved, store.SaveVersion(ctx, full, source));
  if (!saved.already_imported) imported.push_back(catalog::ToJson(saved.version));
  return imported;
}

// ---- classification --------------------------------------------------------------------------------

Result<Response> ClassifyItem(const Deps& d, Request& req, const Caller&) {
  STM_ASSIGN_OR_RETURN(Json body, req.JsonBody());
  STM_ASSIGN_OR_RETURN(classify::Item item, ParseItem(body, {"limit"}, ""));
  STM_ASSIGN_OR_RETURN(auto limit, OptionalInt(body, "limit"));
  if (limit && (*limit < 1 || *limit > kMaxClassifyLimit)) {
    return Status::InvalidArgument(fmt::format("field 'limit' must be between 1 and {}", kMaxClassifyLimit));
  }
  STM_ASSIGN_OR_RETURN(auto result, RunClassifier(d, item, static_cast<size_t>(limit.value_or(10))));
  Json out = result.ToJson();
  out["catalog"] = ListJson(d.classifier->catalog());
  return Response::Json(200, out);
}

// ---- the catalogue ---------------------------------------------------------------------------------

Result<Response> SearchControls(const Deps& d, Request& req, const Caller&) {
  if (d.classifier == nullptr) return Status::Unavailable("the catalogue is not loaded");
  const catalog::Catalog& cat = d.classifier->catalog();
  STM_ASSIGN_OR_RETURN(auto regime, QueryRegime(req));
  STM_ASSIGN_OR_RETURN(auto limit, QueryInt(req, "limit", 1, kMaxControlsLimit));
  STM_ASSIGN_OR_RETURN(auto offset, QueryInt(req, "offset", 0, std::numeric_limits<int32_t>::max()));
  auto q = req.QueryParam("q");
  Json items = Json::array();
  Json out = {{"list", ListJson(cat)}};
  if (q && !q->empty()) {
    if (offset)
      return Status::InvalidArgument("query parameter 'offset' applies to listing, not to a search (q)");
    for (const auto& hit :
         d.classifier->index().Search(*q, static_cast<size_t>(limit.value_or(20)), regime)) {
      Json h = HitJson(*hit.entry);
      h["score"] = std::round(hit.score * 1000) / 1000;
      h["matched_terms"] = hit.matched_terms;
      items.push_back(std::move(h));
    }
    out["q"] = *q;
    out["items"] = std::move(items);
    return Response::Json(200, out);
  }
  // No query: the entries in list order, paged.
  size_t want = static_cast<size_t>(limit.value_or(50));
  size_t skip = static_cast<size_t>(offset.value_or(0));
  size_t seen = 0;
  bool more = false;
  for (const auto& e : cat.entries()) {
    if (regime && e.regime != *regime) continue;
    if (seen++ < skip) continue;
    if (items.size() == want) {
      more = true;
      break;
    }
    Json h = HitJson(e);
    h["parent"] = e.parent.empty() ? Json(nullptr) : Json(e.parent);
    items.push_back(std::move(h));
  }
  out["offset"] = skip;
  out["items"] = std::move(items);
  if (more) out["next_offset"] = skip + want;
  return Response::Json(200, out);
}

Result<Response> GetControl(const Deps& d, Request& req, const Caller&) {
  if (d.classifier == nullptr) return Status::Unavailable("the catalogue is not loaded");
  std::string code = req.PathParam("code");
  const catalog::Catalog& cat = d.classifier->catalog();
  const catalog::ControlEntry* entry = cat.Find(code);
  const classify::CriteriaRecord* record = d.classifier->criteria().Find(code);
  if (entry == nullptr && record == nullptr) {
    return Status::NotFound(fmt::format("control entry '{}' not found", code));
  }
  Json out;
  if (entry != nullptr) {
    out = EntryJson(cat, *entry);
  } else {
    // Transcribed but not in the loaded catalogue (e.g. a server without the reference data).
    auto regime = catalog::ParseRegime(record->regime);
    out = {{"code", record->code},
           {"heading", record->title},
           {"regime", record->regime},
           {"regime_name", regime ? Json(catalog::RegimeName(*regime)) : Json(nullptr)},
           {"list", ListJson(cat)},
           {"catalogued", false}};
  }
  out["criteria"] = record != nullptr ? RecordJson(*record) : Json(nullptr);
  return Response::Json(200, out);
}

Result<Response> ListControlVersions(const Deps& d, Request& req, const Caller&) {
  if (d.control_lists_ready) STM_RETURN_IF_ERROR(d.control_lists_ready());
  STM_ASSIGN_OR_RETURN(auto versions, d.catalog_store->Versions(req.QueryParam("list")));
  Json items = Json::array();
  for (const auto& v : versions) items.push_back(catalog::ToJson(v));
  return Response::Json(200, {{"items", items}});
}

Result<Response> DiffControls(const Deps& d, Request& req, const Caller&) {
  auto from = req.QueryParam("from");
  auto to = req.QueryParam("to");
  if (!from || from->empty() || !to || to->empty()) {
    return Status::InvalidArgument("query parameters 'from' and 'to' (version labels) are both required");
  }
  if (d.control_lists_ready) STM_RETURN_IF_ERROR(d.control_lists_ready());
  std::string list = req.QueryParam("list").value_or(kDefaultList);
  if (list.empty()) list = kDefaultList;
  STM_ASSIGN_OR_RETURN(auto diff, d.catalog_store->Diff(list, *from, *to));
  return Response::Json(200, diff.ToJson());
}

Result<Response> ImportControls(const Deps& d, Request&, const Caller& c) {
  if (d.classifier == nullptr) return Status::Unavailable("the catalogue is not loaded");
  if (d.data_dir.empty()) return Status::FailedPrecondition("no data directory is configured on the server");
  if (d.classifier->catalog().entries().empty()) {
    return Status::FailedPrecondition("the server's data directory holds no control-list catalogue");
  }
  if (d.control_lists_ready) STM_RETURN_IF_ERROR(d.control_lists_ready());  // the start-up import first
  STM_ASSIGN_OR_RETURN(auto imported,
                       ImportDefaultControlLists(*d.classifier, *d.catalog_store, d.data_dir, c.audit));
  Json response = {{"imported", imported}};
  // A new catalogue version: open licensing cases are assessed again.
  if (d.licensing != nullptr && !imported.empty()) {
    STM_ASSIGN_OR_RETURN(int reassessed, d.licensing->ReassessOpenCases(c.audit));
    response["cases_reassessed"] = reassessed;
  }
  return Response::Json(200, response);
}

Result<Response> GetChemical(const Deps& d, Request& req, const Caller&) {
  if (d.classifier == nullptr) return Status::Unavailable("the catalogue is not loaded");
  std::string cas = req.PathParam("cas");
  if (!catalog::ValidCas(cas)) {
    return Status::InvalidArgument(fmt::format(
        "'{}' is not a valid CAS number (digits-dd-d with a correct check digit, e.g. 7784-34-1)", cas));
  }
  const catalog::Catalog& cat = d.classifier->catalog();
  const catalog::Chemical* chem = cat.FindChemical(cas);
  auto named_in = cat.EntriesForCas(cas);
  if (chem == nullptr && named_in.empty()) {
    return Status::NotFound(fmt::format("CAS {} is not listed", cas));
  }
  Json entries = Json::array();
  std::vector<std::string> codes = chem ? chem->entries : std::vector<std::string>();
  for (const auto* e : named_in) {
    if (std::find(codes.begin(), codes.end(), e->code) == codes.end()) codes.push_back(e->code);
  }
  for (const auto& code : codes) {
    Json x = CodeAndHeading(cat, code);
    if (const auto* e = cat.Find(code)) x["regime"] = catalog::RegimeId(e->regime);
    entries.push_back(std::move(x));
  }
  return Response::Json(200, {{"cas", chem ? chem->cas : cas},
                              {"name", chem ? Json(chem->name) : Json(nullptr)},
                              {"schedules", chem ? chem->schedules : std::vector<std::string>()},
                              {"entries", std::move(entries)},
                              {"hs_codes", chem ? chem->hs_codes : std::vector<std::string>()},
                              {"sources", chem ? chem->sources : std::vector<std::string>()}});
}

// ---- classification requests and rulings -----------------------------------------------------------

namespace {

// Exporter-side callers see only their own organisation's requests; others' do not exist for them.
bool VisibleTo(const Caller& c, const classify::ClassificationRequest& r) {
  if (!c.who().ConfinedToOrg()) return true;
  return r.org && c.who().org && *r.org == *c.who().org;
}

Result<int64_t> RequestId(const Request& req) {
  auto id = ParseInt64(req.PathParam("id"));
  if (!id || *id <= 0) {
    return Status::NotFound(fmt::format("classification request '{}' not found", req.PathParam("id")));
  }
  return *id;
}

// The caller's view of one request: 404 for another organisation's (exporters).
Result<classify::ClassificationRequest> VisibleRequest(const Deps& d, const Caller& c, int64_t id) {
  auto r = d.rulings->Get(id);
  if (!r.ok()) return r.status();
  if (!VisibleTo(c, *r)) return Status::NotFound(fmt::format("classification request {} not found", id));
  return r;
}

}  // namespace

Result<Response> CreateClassificationRequest(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(Json body, req.JsonBody());
  STM_RETURN_IF_ERROR(OnlyFields(body, {"item", "reference"}));
  STM_ASSIGN_OR_RETURN(auto reference, OptionalString(body, "reference", 200));
  auto item_json = body.find("item");
  if (item_json == body.end() || item_json->is_null()) {
    return Status::InvalidArgument("field 'item' is required (the item to classify)");
  }
  STM_ASSIGN_OR_RETURN(classify::Item item, ParseItem(*item_json, {}, "item"));
  auto automatic = RunClassifier(d, item, 10);
  if (!automatic.ok()) return automatic.status().WithContext("item");
  classify::NewRequest nr;
  nr.org = c.who().org;
  nr.user = c.who().user_id;
  nr.reference = reference.value_or("");
  nr.item = *item_json;
  nr.automatic = automatic->ToJson();
  nr.catalog_version = d.classifier->catalog().list().version;
  STM_ASSIGN_OR_RETURN(auto saved, d.rulings->Create(c.audit, nr));
  Response r = Response::Json(201, classify::ToJson(saved));
  r.headers.emplace_back("Location", fmt::format("/v1/classification-requests/{}", saved.id));
  return r;
}

Result<Response> ListClassificationRequests(const Deps& d, Request& req, const Caller& c) {
  std::optional<classify::RequestStatus> status;
  if (auto s = req.QueryParam("status"); s && !s->empty()) {
    status = classify::ParseRequestStatus(*s);
    if (!status) return Status::InvalidArgument("query parameter 'status' must be open or answered");
  }
  std::optional<OrgId> org;
  if (c.who().ConfinedToOrg()) {
    if (!c.who().org) return Response::Json(200, {{"items", Json::array()}});
    org = c.who().org;
  }
  STM_ASSIGN_OR_RETURN(auto requests, d.rulings->List(status, org));
  Json items = Json::array();
  for (const auto& r : requests) items.push_back(classify::ToJson(r));
  return Response::Json(200, {{"items", items}});
}

Result<Response> GetClassificationRequest(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, RequestId(req));
  STM_ASSIGN_OR_RETURN(auto r, VisibleRequest(d, c, id));
  return Response::Json(200, classify::ToJson(r));
}

Result<Response> RuleClassificationRequest(const Deps& d, Request& req, const Caller& c) {
  STM_ASSIGN_OR_RETURN(int64_t id, RequestId(req));
  STM_RETURN_IF_ERROR(d.rulings->Get(id).status());  // 404 before complaints about the ruling itself
  STM_ASSIGN_OR_RETURN(Json body, req.JsonBody());
  STM_RETURN_IF_ERROR(OnlyFields(body, {"code", "verdict", "reasoning"}));
  if (!body.is_object() || !body.contains("code")) {
    return Status::InvalidArgument(
        "field 'code' is required: a control entry code, or null when the item is not listed");
  }
  classify::Ruling ruling;
  STM_ASSIGN_OR_RETURN(auto code, OptionalString(body, "code", 64));
  STM_ASSIGN_OR_RETURN(ruling.verdict, RequireString(body, "verdict", 32));
  STM_ASSIGN_OR_RETURN(ruling.reasoning, RequireString(body, "reasoning", 20000));
  if (code) {
    // The code as the catalogue or the transcription writes it; unknown codes are refused.
    const catalog::Catalog& cat = d.classifier->catalog();
    if (const auto* e = cat.Find(*code)) {
      ruling.code = e->code;
    } else if (const auto* r = d.classifier->criteria().Find(*code)) {
      ruling.code = r->code;
    } else if (cat.entries().empty() && catalog::RegimeFromNumbering(*code)) {
      ruling.code = *code;  // no catalogue loaded: an ECCN-shaped code is accepted as written
    } else {
      return Status::InvalidArgument(fmt::format("field 'code': '{}' is not a control entry", *code));
    }
  }
  STM_ASSIGN_OR_RETURN(auto ruled, d.rulings->Rule(c.audit, id, ruling));
  return Response::Json(200, classify::ToJson(ruled));
}

}  // namespace stm::api
