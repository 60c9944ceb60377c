#include "screening/list_store.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <set>

#include "common/crypto.h"
#include "store/migrate.h"
#include "store/sqlite_db.h"
#include "store/testing.h"

namespace stm::screening {
namespace {

namespace fs = std::filesystem;

Entity Person(const std::string& id, const std::string& name) {
  Entity e;
  e.list = "test";
  e.source_id = id;
  e.schema = Schema::kPerson;
  e.names.push_back({name, NameKind::kPrimary, AliasStrength::kStrong, ""});
  return e;
}

ImportedList ListOf(std::vector<Entity> entities, const std::string& version) {
  ImportedList l;
  l.report.list = "test";
  l.report.format = "fixture";
  l.report.version = version;
  l.report.records = static_cast<int64_t>(entities.size());
  l.entities = std::move(entities);
  return l;
}

std::string FindDataDir() {
  if (const char* env = std::getenv("STM_DATA_DIR")) return env;
  for (fs::path p = fs::current_path(); !p.empty(); p = p.parent_path()) {
    if (fs::is_directory(p / "shared" / "data")) return (p / "shared" / "data").string();
    if (fs::is_directory(p / ".." / "shared" / "data")) return (p / ".." / "shared" / "data").string();
    if (p == p.parent_path()) break;
  }
  return "";
}

class ListStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::OpenTempDatabase("stm-lists", clock_, &dir_);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    lists_ = std::make_unique<ListStore>(*db_, clock_);
  }
  void TearDown() override {
    lists_.reset();
    db_.reset();
    fs::remove_all(dir_);
  }

  FakeClock clock_{FromUnixMicros(1'700'000'000'000'000)};
  fs::path dir_;
  std::unique_ptr<store::SqliteDatabase> db_;
  std::unique_ptr<ListStore> lists_;
  audit::Context ctx_{"cli", "-"};
};

TEST(ComputeDeltaTest, AddedRemovedChanged) {
  ListDelta d = ComputeDelta({{"a", "1"}, {"b", "2"}, {"c", "3"}}, {{"a", "1"}, {"b", "9"}, {"d", "4"}});
  EXPECT_EQ(d.added, std::vector<std::string>{"d"});
  EXPECT_EQ(d.removed, std::vector<std::string>{"c"});
  EXPECT_EQ(d.changed, std::vector<std::string>{"b"});
}

TEST_F(ListStoreTest, VersionsAndDeltas) {
  auto first =
      lists_->SaveVersion(ctx_, ListOf({Person("1", "Ivan Petrov"), Person("2", "Ali Hassan")}, "v1"), "f1");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->second.added.size(), 2u);
  EXPECT_EQ(first->first.entity_count, 2);

  Entity changed = Person("2", "Ali Hasan");
  auto second = lists_->SaveVersion(
      ctx_, ListOf({Person("1", "Ivan Petrov"), changed, Person("3", "Kim Chol")}, "v2"), "f2");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->second.added, std::vector<std::string>{"3"});
  EXPECT_EQ(second->second.changed, std::vector<std::string>{"2"});
  EXPECT_TRUE(second->second.removed.empty());

  auto third = lists_->SaveVersion(ctx_, ListOf({Person("3", "Kim Chol")}, "v3"), "f3");
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->second.removed, (std::vector<std::string>{"1", "2"}));

  auto versions = lists_->Versions("test");
  ASSERT_TRUE(versions.ok());
  ASSERT_EQ(versions->size(), 3u);
  EXPECT_EQ((*versions)[0].version, "v3");
  EXPECT_TRUE((*versions)[0].current);
  EXPECT_FALSE((*versions)[1].current);
  EXPECT_EQ((*versions)[1].changed, 1);

  auto current = lists_->CurrentEntities();
  ASSERT_TRUE(current.ok());
  ASSERT_EQ(current->size(), 1u);
  EXPECT_EQ(current->front().primary_name(), "Kim Chol");
}

TEST_F(ListStoreTest, EntitiesRoundTripThroughTheStore) {
  Entity e = Person("QDi.001", "Mohammed Example");
  e.names.push_back({"محمد", NameKind::kOriginalScript, AliasStrength::kStrong, "Arab"});
  e.names.push_back({"Abu Example", NameKind::kAlias, AliasStrength::kWeak, ""});
  PartialDate d;
  d.year = 1958;
  d.month = 4;
  d.raw = "April 1958";
  e.birth_dates.push_back(d);
  e.nationalities = {"AF"};
  e.addresses.push_back({"Kabul", "AF"});
  e.identifiers.push_back({"passport", "OR801168", "AF"});
  e.programmes = {"QDi"};
  e.listed_on = "2001-01-25";
  e.remarks = "example";
  ASSERT_TRUE(lists_->SaveVersion(ctx_, ListOf({e}, "v1"), "f").ok());
  auto back = lists_->CurrentEntities("test", {"QDi.001", "missing"});
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->size(), 1u);
  EXPECT_EQ(ToJson(back->front()), ToJson(e));
  EXPECT_EQ(ContentDigest(back->front()), ContentDigest(e));
}

TEST_F(ListStoreTest, DuplicateIdsAreKeptWithAWarning) {
  auto saved = lists_->SaveVersion(ctx_, ListOf({Person("7", "A One"), Person("7", "A Two")}, "v1"), "f");
  ASSERT_TRUE(saved.ok());
  EXPECT_EQ(saved->first.entity_count, 2);
  EXPECT_EQ(saved->first.report["warnings"].size(), 1u);
  auto back = lists_->CurrentEntities("test", {"7", "7#2"});
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->size(), 2u);
}

TEST_F(ListStoreTest, ImportIsAudited) {
  ASSERT_TRUE(lists_->SaveVersion(ctx_, ListOf({Person("1", "X Y")}, "v1"), "file.xml").ok());
  auto events = audit::Query(*db_, {.target = std::string("list:test")});
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ(events->front().action, "list.import");
}

// The acceptance check: the two real UN list dates, with an independently computed exact delta.
TEST_F(ListStoreTest, UnListTwoDatesDeltaIsExact) {
  std::string data = FindDataDir();
  if (data.empty()) GTEST_SKIP() << "shared/data not found";
  auto old_list = ImportFile(data + "/sanctions/un/UN_consolidated_2025-04-19.xml");
  auto new_list = ImportFile(data + "/sanctions/un/UN_consolidated_2026-02-27.xml");
  ASSERT_TRUE(old_list.ok()) << old_list.status().ToString();
  ASSERT_TRUE(new_list.ok()) << new_list.status().ToString();
  ASSERT_EQ(old_list->size(), 1u);
  ASSERT_EQ(new_list->size(), 1u);
  std::map<std::string, std::string> before, after;
  for (const auto& e : old_list->front().entities) before[e.source_id] = ToJson(e).dump();
  for (const auto& e : new_list->front().entities) after[e.source_id] = ToJson(e).dump();
  size_t added = 0, removed = 0, changed = 0;
  for (const auto& [id, body] : after) {
    if (!before.count(id))
      ++added;
    else if (before[id] != body)
      ++changed;
  }
  for (const auto& [id, body] : before) removed += !after.count(id);

  ASSERT_TRUE(lists_->SaveVersion(ctx_, std::move(old_list->front()), "2025-04-19").ok());
  auto saved = lists_->SaveVersion(ctx_, std::move(new_list->front()), "2026-02-27");
  ASSERT_TRUE(saved.ok());
  EXPECT_EQ(saved->second.added.size(), added);
  EXPECT_EQ(saved->second.removed.size(), removed);
  EXPECT_EQ(saved->second.changed.size(), changed);
  EXPECT_GT(added + removed + changed, 0u);
  std::printf("UN 2025-04-19 -> 2026-02-27: %zu entities, %zu added, %zu removed, %zu changed\n",
              static_cast<size_t>(saved->first.entity_count), added, removed, changed);
}

}  // namespace
}  // namespace stm::screening
