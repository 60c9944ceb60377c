#include "screening/list_store.h"

#include <set>

#include <fmt/format.h>

namespace stm::screening {
namespace {

ListVersion VersionFromRow(const store::Row& r) {
  ListVersion v;
  v.id = r.Int(0);
  v.list = r.Text(1);
  v.version = r.Text(2);
  v.format = r.Text(3);
  v.source = r.Text(4);
  v.imported_at = FromUnixMicros(r.Int(5));
  v.imported_by = r.Text(6);
  v.entity_count = r.Int(7);
  v.added = r.Int(8);
  v.removed = r.Int(9);
  v.changed = r.Int(10);
  v.report = nlohmann::json::parse(r.Text(11), nullptr, false);
  v.current = r.Int(12) != 0;
  return v;
}

constexpr std::string_view kVersionColumns =
    "id, list, version, format, source, imported_at, imported_by, entity_count, added, removed, changed, report, "
    "is_current";

Result<std::vector<Entity>> ParseBodies(const std::vector<store::Row>& rows, size_t column) {
  std::vector<Entity> out;
  out.reserve(rows.size());
  for (const auto& r : rows) {
    auto j = nlohmann::json::parse(r.Text(column), nullptr, false);
    if (j.is_discarded()) return Status::DataLoss("a stored list entity is not valid JSON");
    STM_ASSIGN_OR_RETURN(Entity e, EntityFromJson(j));
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

nlohmann::json ListDelta::ToJson() const {
  return {{"added", added.size()}, {"removed", removed.size()}, {"changed", changed.size()}};
}

ListDelta ComputeDelta(const std::map<std::string, std::string>& before,
                       const std::map<std::string, std::string>& after) {
  ListDelta d;
  for (const auto& [id, digest] : after) {
    auto it = before.find(id);
    if (it == before.end()) {
      d.added.push_back(id);
    } else if (it->second != digest) {
      d.changed.push_back(id);
    }
  }
  for (const auto& [id, digest] : before) {
    if (!after.count(id)) d.removed.push_back(id);
  }
  return d;
}

nlohmann::json ToJson(const ListVersion& v) {
  return {{"id", v.id},
          {"list", v.list},
          {"version", v.version},
          {"format", v.format},
          {"source", v.source},
          {"imported_at", FormatTime(v.imported_at)},
          {"imported_by", v.imported_by},
          {"entity_count", v.entity_count},
          {"delta", {{"added", v.added}, {"removed", v.removed}, {"changed", v.changed}}},
          {"report", v.report},
          {"current", v.current}};
}

Result<std::pair<ListVersion, ListDelta>> ListStore::SaveVersion(const audit::Context& ctx, ImportedList imported,
                                                                 const std::string& source) {
  const std::string& list = imported.report.list;
  if (list.empty()) return Status::InvalidArgument("an imported list needs a list key");
  // Digest every entity; make source ids unique within the version.
  std::map<std::string, std::string> after;
  std::map<std::string, int> seen;
  std::vector<std::pair<std::string, std::string>> bodies;  // digest, body
  bodies.reserve(imported.entities.size());
  std::vector<std::pair<std::string, std::string>> members;  // source id, digest
  members.reserve(imported.entities.size());
  for (auto& e : imported.entities) {
    int n = ++seen[e.source_id];
    if (n > 1) {
      imported.report.warnings.push_back(
          {e.source_id, fmt::format("duplicate id in the source; kept as '{}#{}'", e.source_id, n)});
      e.source_id = fmt::format("{}#{}", e.source_id, n);
    }
    std::string digest = ContentDigest(e);
    after[e.source_id] = digest;
    bodies.emplace_back(digest, ToJson(e).dump());
    members.emplace_back(e.source_id, std::move(digest));
  }

  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kWrite));
  std::map<std::string, std::string> before;
  STM_ASSIGN_OR_RETURN(auto prev, tx->QueryOne("SELECT id FROM list_versions WHERE list = ? AND is_current = 1", {list}));
  if (prev) {
    STM_ASSIGN_OR_RETURN(auto rows, tx->Query("SELECT source_id, digest FROM list_version_entities WHERE version_id = ?",
                                              {prev->Int(0)}));
    for (const auto& r : rows) before[r.Text(0)] = r.Text(1);
  }
  ListDelta delta = ComputeDelta(before, after);

  ListVersion v;
  v.list = list;
  v.version = imported.report.version;
  v.format = imported.report.format;
  v.source = source;
  v.imported_at = clock_.Now();
  v.imported_by = ctx.actor;
  v.entity_count = static_cast<int64_t>(members.size());
  v.added = static_cast<int64_t>(delta.added.size());
  v.removed = static_cast<int64_t>(delta.removed.size());
  v.changed = static_cast<int64_t>(delta.changed.size());
  v.report = ToJson(imported.report);
  v.current = true;

  STM_RETURN_IF_ERROR(tx->Exec("UPDATE list_versions SET is_current = 0 WHERE list = ? AND is_current = 1", {list})
                          .status());
  STM_ASSIGN_OR_RETURN(auto row, tx->QueryOne("INSERT INTO list_versions (list, version, format, source, imported_at, "
                                              "imported_by, entity_count, added, removed, changed, report, is_current) "
                                              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id",
                                              {v.list, v.version, v.format, v.source, ToUnixMicros(v.imported_at),
                                               v.imported_by, v.entity_count, v.added, v.removed, v.changed,
                                               v.report.dump()}));
  v.id = row->Int(0);
  for (const auto& [digest, body] : bodies) {
    STM_RETURN_IF_ERROR(
        tx->Exec("INSERT INTO entity_bodies (digest, body) VALUES (?, ?) ON CONFLICT (digest) DO NOTHING", {digest, body})
            .status());
  }
  for (const auto& [id, digest] : members) {
    STM_RETURN_IF_ERROR(
        tx->Exec("INSERT INTO list_version_entities (version_id, source_id, digest) VALUES (?, ?, ?)", {v.id, id, digest})
            .status());
  }
  STM_RETURN_IF_ERROR(audit::Append(*tx, clock_, ctx,
                                    {"list.import", fmt::format("list:{}", list),
                                     {{"version_id", v.id},
                                      {"version", v.version},
                                      {"source", source},
                                      {"entities", v.entity_count},
                                      {"added", v.added},
                                      {"removed", v.removed},
                                      {"changed", v.changed},
                                      {"warnings", imported.report.warnings.size()}}}));
  STM_RETURN_IF_ERROR(tx->Commit());
  return std::make_pair(std::move(v), std::move(delta));
}

Result<std::vector<ListVersion>> ListStore::Versions(const std::optional<std::string>& list) {
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  std::vector<store::Row> rows;
  if (list) {
    STM_ASSIGN_OR_RETURN(rows, tx->Query(fmt::format("SELECT {} FROM list_versions WHERE list = ? ORDER BY id DESC",
                                                     kVersionColumns),
                                         {*list}));
  } else {
    STM_ASSIGN_OR_RETURN(rows, tx->Query(fmt::format("SELECT {} FROM list_versions ORDER BY id DESC", kVersionColumns)));
  }
  std::vector<ListVersion> out;
  for (const auto& r : rows) out.push_back(VersionFromRow(r));
  return out;
}

Result<std::vector<ListVersion>> ListStore::Current() {
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  STM_ASSIGN_OR_RETURN(auto rows, tx->Query(fmt::format("SELECT {} FROM list_versions WHERE is_current = 1 "
                                                        "ORDER BY list",
                                                        kVersionColumns)));
  std::vector<ListVersion> out;
  for (const auto& r : rows) out.push_back(VersionFromRow(r));
  return out;
}

Result<std::vector<Entity>> ListStore::CurrentEntities() {
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  STM_ASSIGN_OR_RETURN(auto rows, tx->Query("SELECT b.body FROM list_versions v "
                                            "JOIN list_version_entities m ON m.version_id = v.id "
                                            "JOIN entity_bodies b ON b.digest = m.digest "
                                            "WHERE v.is_current = 1 ORDER BY v.list, m.source_id"));
  return ParseBodies(rows, 0);
}

Result<std::vector<Entity>> ListStore::CurrentEntities(const std::string& list,
                                                       const std::vector<std::string>& source_ids) {
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  std::vector<store::Row> rows;
  for (const auto& id : source_ids) {
    STM_ASSIGN_OR_RETURN(auto row, tx->QueryOne("SELECT b.body FROM list_versions v "
                                                "JOIN list_version_entities m ON m.version_id = v.id "
                                                "JOIN entity_bodies b ON b.digest = m.digest "
                                                "WHERE v.is_current = 1 AND v.list = ? AND m.source_id = ?",
                                                {list, id}));
    if (row) rows.push_back(std::move(*row));
  }
  return ParseBodies(rows, 0);
}

}  // namespace stm::screening
