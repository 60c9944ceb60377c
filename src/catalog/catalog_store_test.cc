#include "catalog/catalog_store.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "common/crypto.h"
#include "store/migrate.h"
#include "store/sqlite_db.h"
#include "store/testing.h"

namespace stm::catalog {
namespace {

namespace fs = std::filesystem;

ControlEntry Entry(const std::string& code, const std::string& parent, const std::string& heading,
                   const std::string& text = "") {
  ControlEntry e;
  e.code = code;
  e.parent = parent;
  e.regime = Regime::kNsg2;
  e.regime_basis = "numbering";
  e.heading = heading;
  e.text = text.empty() ? heading : text;
  return e;
}

Catalog Version1() {
  Catalog c;
  c.SetList({"us_ccl", "US Commerce Control List", "2025-09-29", "tree.jsonl"});
  c.AddEntry(Entry("2A226", "", "Valves having all of the following characteristics."));
  c.AddEntry(Entry("2A226.a", "2A226", "A nominal size of 5 mm or greater;"));
  c.AddEntry(Entry("3A225", "", "Frequency changers and generators usable as a motor drive."));
  c.AddEntry(Entry("3A225.b", "3A225", "Operating at a frequency of 600 Hz or more; and"));
  c.AddEntry(Entry("1C999", "", "Specialty materials n.e.s."));
  c.AddIssue({"tree.jsonl", "line 7", "paragraph without a heading"});
  return c;
}

// 3A225.b changed wording, 1C999 removed, 2B350 added, the rest unchanged.
Catalog Version2() {
  Catalog c;
  c.SetList({"us_ccl", "US Commerce Control List", "2026-07-23", "full.jsonl"});
  c.AddEntry(Entry("2A226", "", "Valves having all of the following characteristics."));
  c.AddEntry(Entry("2A226.a", "2A226", "A nominal size of 5 mm or greater;"));
  c.AddEntry(Entry("3A225", "", "Frequency changers and generators usable as a motor drive."));
  c.AddEntry(Entry("3A225.b", "3A225", "Operating at a frequency of 600 Hz or more; and",
                   "b. Operating at a frequency of 600 Hz or more; and"));
  c.AddEntry(Entry("2B350", "", "Chemical manufacturing facilities and equipment."));
  return c;
}

class CatalogStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::OpenTempDatabase("stm-controls", clock_, &dir_);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    store_ = std::make_unique<CatalogStore>(*db_, clock_);
  }
  void TearDown() override {
    store_.reset();
    db_.reset();
    fs::remove_all(dir_);
  }

  int64_t AuditCount(const std::string& action) {
    auto events = audit::Query(*db_, {.target = std::string("controls:"), .after_seq = 0, .limit = 1000});
    EXPECT_TRUE(events.ok());
    int64_t n = 0;
    for (const auto& e : *events) n += e.action == action;
    return n;
  }

  FakeClock clock_{FromUnixMicros(1'700'000'000'000'000)};
  fs::path dir_;
  std::unique_ptr<store::SqliteDatabase> db_;
  std::unique_ptr<CatalogStore> store_;
  audit::Context ctx_{"user:alice", "req-1"};
};

TEST(CatalogStoreJsonTest, EntryRoundTrip) {
  ControlEntry e = Entry("1C350.a", "1C350", "Thiodiglycol (111-48-8);");
  e.regime = Regime::kAustraliaGroup;
  e.notes = {"Note: a"};
  e.technical_notes = {"Technical Note: b"};
  e.decontrol_notes = {"does not control c"};
  e.related_controls = "See 1C355.";
  e.related_definitions = "N/A";
  e.see_also = {"1C355"};
  e.children = {"1C350.a.1"};
  e.hs_codes = {"293090"};
  e.cas = {"111-48-8"};
  e.heading_only = true;
  auto back = EntryFromJson(EntryToJson(e));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(EntryToJson(*back), EntryToJson(e));
  EXPECT_EQ(back->regime, Regime::kAustraliaGroup);
  EXPECT_EQ(EntryDigest(*back), EntryDigest(e));
  ControlEntry other = e;
  other.notes.push_back("Note: more");
  EXPECT_NE(EntryDigest(other), EntryDigest(e));

  EXPECT_FALSE(EntryFromJson(nlohmann::json::array()).ok());
  EXPECT_FALSE(EntryFromJson({{"code", "X"}, {"regime", "nope"}}).ok());
  EXPECT_FALSE(EntryFromJson({{"code", "X"}, {"regime", "nsg1"}, {"notes", "not an array"}}).ok());
  EXPECT_FALSE(EntryFromJson({{"regime", "nsg1"}}).ok());
}

TEST(CatalogStoreJsonTest, ComputeControlDelta) {
  auto d = ComputeControlDelta({{"a", "1"}, {"b", "2"}, {"c", "3"}}, {{"d", "4"}, {"b", "9"}, {"a", "1"}});
  EXPECT_EQ(d.added, std::vector<std::string>{"d"});
  EXPECT_EQ(d.removed, std::vector<std::string>{"c"});
  EXPECT_EQ(d.changed, std::vector<std::string>{"b"});
}

TEST_F(CatalogStoreTest, SaveVersionsAndDeltas) {
  auto first = store_->SaveVersion(ctx_, Version1(), "/data/tree.jsonl");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_FALSE(first->already_imported);
  EXPECT_EQ(first->version.entry_count, 5);
  EXPECT_EQ(first->delta.added.size(), 5u);
  EXPECT_EQ(first->delta.added.front(), "2A226");  // list order
  EXPECT_EQ(first->version.imported_by, "user:alice");
  EXPECT_EQ(first->version.report["issue_count"], 1);
  EXPECT_EQ(first->version.report["issues"][0]["where"], "line 7");

  clock_.Advance(std::chrono::hours(1));
  auto second = store_->SaveVersion(ctx_, Version2(), "/data/full.jsonl");
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->delta.added, std::vector<std::string>{"2B350"});
  EXPECT_EQ(second->delta.removed, std::vector<std::string>{"1C999"});
  EXPECT_EQ(second->delta.changed, std::vector<std::string>{"3A225.b"});
  EXPECT_EQ(second->version.added, 1);
  EXPECT_EQ(second->version.removed, 1);
  EXPECT_EQ(second->version.changed, 1);

  auto versions = store_->Versions("us_ccl");
  ASSERT_TRUE(versions.ok());
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ((*versions)[0].version, "2026-07-23");
  EXPECT_TRUE((*versions)[0].current);
  EXPECT_EQ((*versions)[1].version, "2025-09-29");
  EXPECT_FALSE((*versions)[1].current);
  EXPECT_EQ((*versions)[1].source, "/data/tree.jsonl");
  EXPECT_EQ((*versions)[1].name, "US Commerce Control List");
  EXPECT_TRUE(store_->Versions("other")->empty());
  EXPECT_EQ(store_->Versions()->size(), 2u);

  auto entries = store_->Entries("us_ccl", "2026-07-23");
  ASSERT_TRUE(entries.ok()) << entries.status().ToString();
  ASSERT_EQ(entries->size(), 5u);
  EXPECT_EQ((*entries)[3].code, "3A225.b");
  EXPECT_EQ((*entries)[3].text, "b. Operating at a frequency of 600 Hz or more; and");
  EXPECT_EQ((*entries)[3].parent, "3A225");
  EXPECT_EQ((*entries)[3].regime, Regime::kNsg2);

  // Unchanged bodies are stored once: 5 + the changed one + the added one.
  auto tx = db_->Begin(store::TxMode::kRead);
  ASSERT_TRUE(tx.ok());
  auto bodies = (*tx)->QueryOne("SELECT COUNT(*) FROM control_entry_bodies");
  ASSERT_TRUE(bodies.ok());
  EXPECT_EQ((*bodies)->Int(0), 7);
}

TEST_F(CatalogStoreTest, DiffBetweenTwoCatalogues) {
  ASSERT_TRUE(store_->SaveVersion(ctx_, Version1(), "v1").ok());
  ASSERT_TRUE(store_->SaveVersion(ctx_, Version2(), "v2").ok());
  auto diff = store_->Diff("us_ccl", "2025-09-29", "2026-07-23");
  ASSERT_TRUE(diff.ok()) << diff.status().ToString();
  EXPECT_EQ(diff->from.version, "2025-09-29");
  EXPECT_EQ(diff->to.version, "2026-07-23");
  EXPECT_EQ(diff->added, std::vector<std::string>{"2B350"});
  EXPECT_EQ(diff->removed, std::vector<std::string>{"1C999"});
  ASSERT_EQ(diff->changed.size(), 1u);
  const ChangedEntry& c = diff->changed.front();
  EXPECT_EQ(c.code, "3A225.b");
  EXPECT_EQ(c.old_heading, "Operating at a frequency of 600 Hz or more; and");
  EXPECT_EQ(c.new_heading, c.old_heading);
  EXPECT_EQ(c.old_text, "Operating at a frequency of 600 Hz or more; and");
  EXPECT_EQ(c.new_text, "b. Operating at a frequency of 600 Hz or more; and");

  nlohmann::json j = diff->ToJson();
  EXPECT_EQ(j["list"], "us_ccl");
  EXPECT_EQ(j["from"]["version"], "2025-09-29");
  EXPECT_FALSE(j["from"].contains("report"));
  EXPECT_EQ(j["counts"]["changed"], 1);
  EXPECT_EQ(j["changed"][0]["new"]["text"], "b. Operating at a frequency of 600 Hz or more; and");

  // The other way round: what was added is now removed.
  auto back = store_->Diff("us_ccl", "2026-07-23", "2025-09-29");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->added, std::vector<std::string>{"1C999"});
  EXPECT_EQ(back->removed, std::vector<std::string>{"2B350"});
  EXPECT_EQ(back->changed.front().old_text, c.new_text);

  auto same = store_->Diff("us_ccl", "2026-07-23", "2026-07-23");
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same->added.empty() && same->removed.empty() && same->changed.empty());
}

TEST_F(CatalogStoreTest, UnknownVersionsAreNotFound) {
  ASSERT_TRUE(store_->SaveVersion(ctx_, Version1(), "v1").ok());
  auto diff = store_->Diff("us_ccl", "2025-09-29", "2030-01-01");
  ASSERT_FALSE(diff.ok());
  EXPECT_EQ(diff.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(diff.status().message().find("2030-01-01"), std::string::npos) << diff.status().message();
  auto from = store_->Diff("us_ccl", "1999-01-01", "2025-09-29");
  ASSERT_FALSE(from.ok());
  EXPECT_NE(from.status().message().find("1999-01-01"), std::string::npos);
  auto list = store_->Diff("eu_dual_use", "2025-09-29", "2025-09-29");
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(list.status().message().find("eu_dual_use"), std::string::npos);
  EXPECT_EQ(store_->Version("us_ccl", "nope").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store_->Entries("us_ccl", "nope").status().code(), ErrorCode::kNotFound);
}

TEST_F(CatalogStoreTest, ReimportingTheSameVersion) {
  auto first = store_->SaveVersion(ctx_, Version1(), "v1");
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(store_->SaveVersion(ctx_, Version2(), "v2").ok());
  EXPECT_EQ(AuditCount("controls.import"), 2);

  // Same version, same content: a no-op returning the stored version; the current version stays.
  auto again = store_->SaveVersion(ctx_, Version1(), "v1 again");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->already_imported);
  EXPECT_EQ(again->version.id, first->version.id);
  EXPECT_EQ(again->version.source, "v1");
  EXPECT_TRUE(again->delta.added.empty());
  auto versions = store_->Versions("us_ccl");
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ((*versions)[0].version, "2026-07-23");
  EXPECT_TRUE((*versions)[0].current);
  EXPECT_EQ(AuditCount("controls.import"), 2);

  // Same version label, different content: refused, nothing written.
  Catalog changed = Version1();
  changed.MutableEntry("2A226")->heading = "Valves (amended).";
  auto conflict = store_->SaveVersion(ctx_, changed, "v1 amended");
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.status().code(), ErrorCode::kAlreadyExists);
  EXPECT_NE(conflict.status().message().find("2025-09-29"), std::string::npos);
  EXPECT_EQ(store_->Versions("us_ccl")->size(), 2u);
  EXPECT_EQ(AuditCount("controls.import"), 2);
}

TEST_F(CatalogStoreTest, ImportIsAudited) {
  ASSERT_TRUE(store_->SaveVersion(ctx_, Version1(), "/data/tree.jsonl").ok());
  auto events = audit::Query(*db_, {.target = std::string("controls:us_ccl"), .after_seq = 0, .limit = 10});
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  const auto& e = events->front();
  EXPECT_EQ(e.action, "controls.import");
  EXPECT_EQ(e.actor, "user:alice");
  EXPECT_EQ(e.request_id, "req-1");
  auto summary = nlohmann::json::parse(e.summary);
  EXPECT_EQ(summary["version"], "2025-09-29");
  EXPECT_EQ(summary["entries"], 5);
  EXPECT_EQ(summary["added"], 5);
  EXPECT_EQ(summary["source"], "/data/tree.jsonl");
  auto verify = audit::Verify(*db_);
  ASSERT_TRUE(verify.ok());
  EXPECT_TRUE(verify->ok()) << verify->problem;
  EXPECT_EQ(verify->events_checked, 1);
}

TEST_F(CatalogStoreTest, RefusesAListWithoutIdOrVersion) {
  Catalog c = Version1();
  c.SetList({"", "x", "1", "f"});
  EXPECT_EQ(store_->SaveVersion(ctx_, c, "f").status().code(), ErrorCode::kInvalidArgument);
  c.SetList({"us_ccl", "x", "", "f"});
  EXPECT_EQ(store_->SaveVersion(ctx_, c, "f").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(store_->Versions()->empty());
}

TEST_F(CatalogStoreTest, EmptyCatalogueRemovesEverything) {
  ASSERT_TRUE(store_->SaveVersion(ctx_, Version1(), "v1").ok());
  Catalog empty;
  empty.SetList({"us_ccl", "US Commerce Control List", "2027-01-01", "none"});
  auto saved = store_->SaveVersion(ctx_, empty, "none");
  ASSERT_TRUE(saved.ok());
  EXPECT_EQ(saved->delta.removed.size(), 5u);
  EXPECT_EQ(saved->version.entry_count, 0);
  auto diff = store_->Diff("us_ccl", "2025-09-29", "2027-01-01");
  ASSERT_TRUE(diff.ok());
  EXPECT_EQ(diff->removed.size(), 5u);
}

}  // namespace
}  // namespace stm::catalog
