#include "catalog/catalog_store.h"

#include <fmt/format.h>

#include <cctype>
#include <map>
#include <set>

#include "common/crypto.h"

namespace stm::catalog {
namespace {

constexpr size_t kReportIssueSamples = 100;

constexpr std::string_view kVersionColumns =
    "id, list, name, version, source, imported_at, imported_by, entry_count, added, removed, changed, "
    "report, digest, "
    "is_current";

ControlListVersion VersionFromRow(const store::Row& r) {
  ControlListVersion v;
  v.id = r.Int(0);
  v.list = r.Text(1);
  v.name = r.Text(2);
  v.version = r.Text(3);
  v.source = r.Text(4);
  v.imported_at = FromUnixMicros(r.Int(5));
  v.imported_by = r.Text(6);
  v.entry_count = r.Int(7);
  v.added = r.Int(8);
  v.removed = r.Int(9);
  v.changed = r.Int(10);
  v.report = nlohmann::json::parse(r.Text(11), nullptr, false);
  v.digest = r.Text(12);
  v.current = r.Int(13) != 0;
  return v;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

Status ReadString(const nlohmann::json& j, const char* key, std::string& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return Status::Ok();
  if (!it->is_string())
    return Status::InvalidArgument(fmt::format("control entry: \"{}\" is not a string", key));
  out = it->get<std::string>();
  return Status::Ok();
}

Status ReadStrings(const nlohmann::json& j, const char* key, std::vector<std::string>& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return Status::Ok();
  if (!it->is_array())
    return Status::InvalidArgument(fmt::format("control entry: \"{}\" is not an array", key));
  for (const auto& v : *it) {
    if (!v.is_string()) {
      return Status::InvalidArgument(
          fmt::format("control entry: \"{}\" has an item that is not a string", key));
    }
    out.push_back(v.get<std::string>());
  }
  return Status::Ok();
}

using Members = std::vector<std::pair<std::string, std::string>>;  // (code, digest) in list order

Result<Members> LoadMembers(store::Tx& tx, int64_t version_id) {
  STM_ASSIGN_OR_RETURN(auto rows,
                       tx.Query("SELECT code, digest FROM control_entry_versions WHERE version_id = ? "
                                "ORDER BY position",
                                {version_id}));
  Members out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.emplace_back(r.Text(0), r.Text(1));
  return out;
}

Result<ControlListVersion> FindVersion(store::Tx& tx, const std::string& list, const std::string& version) {
  STM_ASSIGN_OR_RETURN(auto row,
                       tx.QueryOne(fmt::format("SELECT {} FROM control_list_versions WHERE list = ? AND "
                                               "version = ?",
                                               kVersionColumns),
                                   {list, version}));
  if (!row) return Status::NotFound(fmt::format("control list '{}' has no version '{}'", list, version));
  return VersionFromRow(*row);
}

Result<ControlEntry> LoadBody(store::Tx& tx, const std::string& digest) {
  STM_ASSIGN_OR_RETURN(auto row,
                       tx.QueryOne("SELECT body FROM control_entry_bodies WHERE digest = ?", {digest}));
  if (!row) return Status::DataLoss(fmt::format("control entry body {} is missing", digest));
  auto j = nlohmann::json::parse(row->Text(0), nullptr, false);
  if (j.is_discarded())
    return Status::DataLoss(fmt::format("control entry body {} is not valid JSON", digest));
  auto e = EntryFromJson(j);
  if (!e.ok())
    return Status::DataLoss(fmt::format("control entry body {}: {}", digest, e.status().message()));
  return e;
}

}  // namespace

nlohmann::json ControlListDelta::ToJson() const {
  return {{"added", added.size()}, {"removed", removed.size()}, {"changed", changed.size()}};
}

nlohmann::json ToJson(const ControlListVersion& v) {
  return {{"id", v.id},
          {"list", v.list},
          {"name", v.name},
          {"version", v.version},
          {"source", v.source},
          {"imported_at", FormatTime(v.imported_at)},
          {"imported_by", v.imported_by},
          {"entry_count", v.entry_count},
          {"delta", {{"added", v.added}, {"removed", v.removed}, {"changed", v.changed}}},
          {"report", v.report},
          {"digest", v.digest},
          {"current", v.current}};
}

nlohmann::json ControlDiff::ToJson() const {
  auto version = [](const ControlListVersion& v) {
    nlohmann::json j = catalog::ToJson(v);
    j.erase("report");
    return j;
  };
  nlohmann::json changes = nlohmann::json::array();
  for (const auto& c : changed) {
    changes.push_back({{"code", c.code},
                       {"old", {{"heading", c.old_heading}, {"text", c.old_text}}},
                       {"new", {{"heading", c.new_heading}, {"text", c.new_text}}}});
  }
  return {{"list", to.list},
          {"from", version(from)},
          {"to", version(to)},
          {"counts", {{"added", added.size()}, {"removed", removed.size()}, {"changed", changed.size()}}},
          {"added", added},
          {"removed", removed},
          {"changed", std::move(changes)}};
}

nlohmann::json EntryToJson(const ControlEntry& e) {
  return {{"code", e.code},
          {"parent", e.parent},
          {"regime", RegimeId(e.regime)},
          {"regime_basis", e.regime_basis},
          {"heading", e.heading},
          {"text", e.text},
          {"notes", e.notes},
          {"technical_notes", e.technical_notes},
          {"decontrol_notes", e.decontrol_notes},
          {"related_controls", e.related_controls},
          {"related_definitions", e.related_definitions},
          {"see_also", e.see_also},
          {"children", e.children},
          {"hs_codes", e.hs_codes},
          {"cas", e.cas},
          {"heading_only", e.heading_only}};
}

Result<ControlEntry> EntryFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return Status::InvalidArgument("control entry: not an object");
  ControlEntry e;
  STM_RETURN_IF_ERROR(ReadString(j, "code", e.code));
  if (e.code.empty()) return Status::InvalidArgument("control entry: no code");
  std::string regime;
  STM_RETURN_IF_ERROR(ReadString(j, "regime", regime));
  auto parsed = ParseRegime(regime);
  if (!parsed)
    return Status::InvalidArgument(fmt::format("control entry {}: unknown regime '{}'", e.code, regime));
  e.regime = *parsed;
  STM_RETURN_IF_ERROR(ReadString(j, "parent", e.parent));
  STM_RETURN_IF_ERROR(ReadString(j, "regime_basis", e.regime_basis));
  STM_RETURN_IF_ERROR(ReadString(j, "heading", e.heading));
  STM_RETURN_IF_ERROR(ReadString(j, "text", e.text));
  STM_RETURN_IF_ERROR(ReadStrings(j, "notes", e.notes));
  STM_RETURN_IF_ERROR(ReadStrings(j, "technical_notes", e.technical_notes));
  STM_RETURN_IF_ERROR(ReadStrings(j, "decontrol_notes", e.decontrol_notes));
  STM_RETURN_IF_ERROR(ReadString(j, "related_controls", e.related_controls));
  STM_RETURN_IF_ERROR(ReadString(j, "related_definitions", e.related_definitions));
  STM_RETURN_IF_ERROR(ReadStrings(j, "see_also", e.see_also));
  STM_RETURN_IF_ERROR(ReadStrings(j, "children", e.children));
  STM_RETURN_IF_ERROR(ReadStrings(j, "hs_codes", e.hs_codes));
  STM_RETURN_IF_ERROR(ReadStrings(j, "cas", e.cas));
  if (auto it = j.find("heading_only"); it != j.end() && !it->is_null()) {
    if (!it->is_boolean()) return Status::InvalidArgument("control entry: \"heading_only\" is not a boolean");
    e.heading_only = it->get<bool>();
  }
  return e;
}

std::string EntryDigest(const ControlEntry& e) { return Sha256Hex(EntryToJson(e).dump()); }

ControlListDelta ComputeControlDelta(const Members& before, const Members& after) {
  std::map<std::string, const std::string*> old_digest;
  for (const auto& [code, digest] : before) old_digest.emplace(code, &digest);
  std::set<std::string> now;
  ControlListDelta d;
  for (const auto& [code, digest] : after) {
    now.insert(code);
    auto it = old_digest.find(code);
    if (it == old_digest.end()) {
      d.added.push_back(code);
    } else if (*it->second != digest) {
      d.changed.push_back(code);
    }
  }
  for (const auto& [code, digest] : before) {
    if (!now.count(code)) d.removed.push_back(code);
  }
  return d;
}

Result<SaveResult> CatalogStore::SaveVersion(const audit::Context& ctx, const Catalog& catalog,
                                             const std::string& source) {
  const ListInfo& info = catalog.list();
  if (info.id.empty()) return Status::InvalidArgument("a control list needs a list id");
  if (info.version.empty())
    return Status::InvalidArgument(fmt::format("control list '{}' needs a version", info.id));

  // Bodies and digests; one entry per code.
  struct Member {
    std::string code, digest, body;
  };
  std::vector<Member> members;
  members.reserve(catalog.entries().size());
  std::set<std::string> seen;
  std::vector<std::string> duplicates;
  int64_t without_code = 0;
  std::string listing;  // what the version digest covers
  for (const ControlEntry& e : catalog.entries()) {
    if (e.code.empty()) {
      ++without_code;
      continue;
    }
    if (!seen.insert(Upper(e.code)).second) {
      duplicates.push_back(e.code);
      continue;
    }
    std::string body = EntryToJson(e).dump();
    std::string digest = Sha256Hex(body);
    listing += e.code + '\t' + digest + '\n';
    members.push_back({e.code, std::move(digest), std::move(body)});
  }
  const std::string version_digest = Sha256Hex(listing);

  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kWrite));
  STM_ASSIGN_OR_RETURN(auto existing,
                       tx->QueryOne(fmt::format("SELECT {} FROM control_list_versions WHERE list = ? "
                                                "AND version = ?",
                                                kVersionColumns),
                                    {info.id, info.version}));
  if (existing) {
    ControlListVersion stored = VersionFromRow(*existing);
    if (stored.digest != version_digest) {
      return Status::AlreadyExists(fmt::format(
          "control list '{}' version '{}' was already imported (id {}, {}) with different content; "
          "import the corrected list under a new version",
          info.id, info.version, stored.id, FormatTime(stored.imported_at)));
    }
    return SaveResult{std::move(stored), {}, true};
  }

  Members before;
  STM_ASSIGN_OR_RETURN(
      auto prev,
      tx->QueryOne("SELECT id FROM control_list_versions WHERE list = ? AND is_current = 1", {info.id}));
  if (prev) {
    STM_ASSIGN_OR_RETURN(before, LoadMembers(*tx, prev->Int(0)));
  }
  Members after;
  after.reserve(members.size());
  for (const auto& m : members) after.emplace_back(m.code, m.digest);
  ControlListDelta delta = ComputeControlDelta(before, after);

  nlohmann::json issues = nlohmann::json::array();
  for (size_t i = 0; i < catalog.issues().size() && i < kReportIssueSamples; ++i) {
    issues.push_back(catalog.issues()[i].ToJson());
  }
  ControlListVersion v;
  v.list = info.id;
  v.name = info.name;
  v.version = info.version;
  v.source = source;
  v.imported_at = clock_.Now();
  v.imported_by = ctx.actor;
  v.entry_count = static_cast<int64_t>(members.size());
  v.added = static_cast<int64_t>(delta.added.size());
  v.removed = static_cast<int64_t>(delta.removed.size());
  v.changed = static_cast<int64_t>(delta.changed.size());
  v.report = {{"source_file", info.source},
              {"chemicals", catalog.chemicals().size()},
              {"hs_codes", catalog.hs_codes().size()},
              {"cross_references", catalog.cross_references().size()},
              {"issue_count", catalog.issues().size()},
              {"issues", std::move(issues)},
              {"duplicate_codes", duplicates},
              {"entries_without_code", without_code}};
  v.digest = version_digest;
  v.current = true;

  STM_RETURN_IF_ERROR(
      tx->Exec("UPDATE control_list_versions SET is_current = 0 WHERE list = ? AND is_current = 1", {v.list})
          .status());
  STM_ASSIGN_OR_RETURN(
      auto row, tx->QueryOne("INSERT INTO control_list_versions (list, name, version, source, imported_at, "
                             "imported_by, entry_count, added, removed, changed, report, digest, is_current) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id",
                             {v.list, v.name, v.version, v.source, ToUnixMicros(v.imported_at), v.imported_by,
                              v.entry_count, v.added, v.removed, v.changed, v.report.dump(), v.digest}));
  v.id = row->Int(0);
  int64_t position = 0;
  for (const auto& m : members) {
    STM_RETURN_IF_ERROR(tx->Exec("INSERT INTO control_entry_bodies (digest, body) VALUES (?, ?) "
                                 "ON CONFLICT (digest) DO NOTHING",
                                 {m.digest, m.body})
                            .status());
    STM_RETURN_IF_ERROR(tx->Exec("INSERT INTO control_entry_versions (version_id, code, position, digest) "
                                 "VALUES (?, ?, ?, ?)",
                                 {v.id, m.code, position++, m.digest})
                            .status());
  }
  STM_RETURN_IF_ERROR(audit::Append(*tx, clock_, ctx,
                                    {"controls.import",
                                     fmt::format("controls:{}", v.list),
                                     {{"version_id", v.id},
                                      {"version", v.version},
                                      {"source", source},
                                      {"entries", v.entry_count},
                                      {"added", v.added},
                                      {"removed", v.removed},
                                      {"changed", v.changed},
                                      {"issues", catalog.issues().size()}}}));
  STM_RETURN_IF_ERROR(tx->Commit());
  return SaveResult{std::move(v), std::move(delta), false};
}

Result<std::vector<ControlListVersion>> CatalogStore::Versions(const std::optional<std::string>& list) {
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  std::vector<store::Row> rows;
  if (list) {
    STM_ASSIGN_OR_RETURN(rows, tx->Query(fmt::format("SELECT {} FROM control_list_versions WHERE list = ? "
                                                     "ORDER BY id DESC",
                                                     kVersionColumns),
                                         {*list}));
  } else {
    STM_ASSIGN_OR_RETURN(rows, tx->Query(fmt::format("SELECT {} FROM control_list_versions ORDER BY id DESC",
                                                     kVersionColumns)));
  }
  std::vector<ControlListVersion> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(VersionFromRow(r));
  return out;
}

Result<ControlListVersion> CatalogStore::Version(const std::string& list, const std::string& version) {
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  return FindVersion(*tx, list, version);
}

Result<std::vector<ControlEntry>> CatalogStore::Entries(const std::string& list, const std::string& version) {
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  STM_ASSIGN_OR_RETURN(ControlListVersion v, FindVersion(*tx, list, version));
  STM_ASSIGN_OR_RETURN(auto rows, tx->Query("SELECT m.digest, b.body FROM control_entry_versions m "
                                            "JOIN control_entry_bodies b ON b.digest = m.digest "
                                            "WHERE m.version_id = ? ORDER BY m.position",
                                            {v.id}));
  std::vector<ControlEntry> out;
  out.reserve(rows.size());
  for (const auto& r : rows) {
    auto j = nlohmann::json::parse(r.Text(1), nullptr, false);
    if (j.is_discarded())
      return Status::DataLoss(fmt::format("control entry body {} is not valid JSON", r.Text(0)));
    auto e = EntryFromJson(j);
    if (!e.ok())
      return Status::DataLoss(fmt::format("control entry body {}: {}", r.Text(0), e.status().message()));
    out.push_back(std::move(e).value());
  }
  return out;
}

Result<ControlDiff> CatalogStore::Diff(const std::string& list, const std::string& from_version,
                                       const std::string& to_version) {
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  ControlDiff diff;
  STM_ASSIGN_OR_RETURN(diff.from, FindVersion(*tx, list, from_version));
  STM_ASSIGN_OR_RETURN(diff.to, FindVersion(*tx, list, to_version));
  STM_ASSIGN_OR_RETURN(Members before, LoadMembers(*tx, diff.from.id));
  STM_ASSIGN_OR_RETURN(Members after, LoadMembers(*tx, diff.to.id));
  ControlListDelta delta = ComputeControlDelta(before, after);
  diff.added = std::move(delta.added);
  diff.removed = std::move(delta.removed);
  std::map<std::string, std::string> old_digest(before.begin(), before.end());
  std::map<std::string, std::string> new_digest(after.begin(), after.end());
  diff.changed.reserve(delta.changed.size());
  for (const auto& code : delta.changed) {
    STM_ASSIGN_OR_RETURN(ControlEntry old_entry, LoadBody(*tx, old_digest[code]));
    STM_ASSIGN_OR_RETURN(ControlEntry new_entry, LoadBody(*tx, new_digest[code]));
    diff.changed.push_back({code, std::move(old_entry.heading), std::move(new_entry.heading),
                            std::move(old_entry.text), std::move(new_entry.text)});
  }
  return diff;
}

}  // namespace stm::catalog
