#include "store/migrate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include "common/crypto.h"
#include "store/sqlite_db.h"

namespace stm::store {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class MigrateTest : public ::testing::Test {
 protected:
  MigrateTest() : clock_(FromUnixMicros(1'700'000'000'000'000)) {}

  void SetUp() override {
    static std::atomic<int> counter{0};
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("stm_migrate_test_" + std::to_string(::getpid()) + "_" +
                                        info->name() + "_" + std::to_string(counter++));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    Reopen();
  }

  void TearDown() override {
    db_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void Reopen() {
    db_.reset();
    auto db = SqliteDatabase::Open({(dir_ / "m.db").string()});
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
  }

  bool TableExists(const std::string& name) {
    auto tx = db_->Begin(TxMode::kRead);
    EXPECT_TRUE(tx.ok());
    auto row =
        (*tx)->QueryOne("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", {name});
    EXPECT_TRUE(row.ok()) << row.status().ToString();
    return row.ok() && *row && (*row)->Int(0) == 1;
  }

  std::vector<int> AppliedVersions() {
    auto applied = AppliedMigrations(*db_);
    EXPECT_TRUE(applied.ok()) << applied.status().ToString();
    std::vector<int> out;
    if (applied.ok()) {
      for (const auto& a : *applied) out.push_back(a.version);
    }
    return out;
  }

  FakeClock clock_;
  fs::path dir_;
  std::unique_ptr<SqliteDatabase> db_;
};

std::vector<int> AllVersions(const std::vector<Migration>& ms) {
  std::vector<int> out;
  for (const auto& m : ms) out.push_back(m.version);
  return out;
}

TEST(ProjectMigrationsTest, SqliteHasOrderedUniqueVersionsFromOne) {
  const auto& ms = ProjectMigrations("sqlite");
  ASSERT_FALSE(ms.empty());
  for (size_t i = 0; i < ms.size(); ++i) {
    EXPECT_EQ(ms[i].version, static_cast<int>(i) + 1) << "migrations must be numbered 1, 2, 3... in order";
    EXPECT_FALSE(ms[i].name.empty());
    EXPECT_FALSE(ms[i].sql.empty());
  }
  EXPECT_TRUE(ProjectMigrations("oracle").empty());
}

TEST_F(MigrateTest, FreshDatabaseGetsEveryProjectMigration) {
  const auto& ms = ProjectMigrations("sqlite");
  auto done = Migrate(*db_, ms, clock_);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(*done, AllVersions(ms));

  auto applied = AppliedMigrations(*db_);
  ASSERT_TRUE(applied.ok());
  ASSERT_EQ(applied->size(), ms.size());
  for (size_t i = 0; i < ms.size(); ++i) {
    EXPECT_EQ((*applied)[i].version, ms[i].version);
    EXPECT_EQ((*applied)[i].name, ms[i].name);
    EXPECT_EQ((*applied)[i].checksum, Sha256Hex(ms[i].sql));
    EXPECT_EQ((*applied)[i].applied_at, clock_.Now());
  }
  for (const char* table : {"organisations", "users", "sessions", "api_keys", "login_failures",
                            "audit_events", "audit_head", "schema_migrations"}) {
    EXPECT_TRUE(TableExists(table)) << table;
  }
}

TEST_F(MigrateTest, SecondRunAppliesNothing) {
  const auto& ms = ProjectMigrations("sqlite");
  ASSERT_TRUE(Migrate(*db_, ms, clock_).ok());
  clock_.Advance(std::chrono::hours(1));
  auto again = Migrate(*db_, ms, clock_);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_THAT(*again, IsEmpty());
  // Bookkeeping rows are untouched (still stamped with the first run's time).
  auto applied = AppliedMigrations(*db_);
  ASSERT_TRUE(applied.ok());
  ASSERT_EQ(applied->size(), ms.size());
  EXPECT_EQ(applied->front().applied_at, clock_.Now() - std::chrono::hours(1));

  // Also after reopening the file.
  Reopen();
  auto third = Migrate(*db_, ms, clock_);
  ASSERT_TRUE(third.ok()) << third.status().ToString();
  EXPECT_THAT(*third, IsEmpty());
}

TEST_F(MigrateTest, AppliesOnlyNewlyAddedMigrations) {
  std::vector<Migration> v1 = {{1, "one", "CREATE TABLE t1 (x INTEGER);"}};
  auto first = Migrate(*db_, v1, clock_);
  ASSERT_TRUE(first.ok());
  EXPECT_THAT(*first, ElementsAre(1));

  std::vector<Migration> v2 = v1;
  v2.push_back({2, "two", "CREATE TABLE t2 (x INTEGER); INSERT INTO t2 VALUES (1);"});
  v2.push_back({3, "three", "ALTER TABLE t1 ADD COLUMN y TEXT;"});
  auto second = Migrate(*db_, v2, clock_);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_THAT(*second, ElementsAre(2, 3));
  EXPECT_TRUE(TableExists("t2"));
  EXPECT_THAT(AppliedVersions(), ElementsAre(1, 2, 3));
}

TEST_F(MigrateTest, ChangedAppliedMigrationIsRefused) {
  const auto& ms = ProjectMigrations("sqlite");
  ASSERT_TRUE(Migrate(*db_, ms, clock_).ok());

  std::vector<Migration> changed = ms;
  changed[1].sql += "\nCREATE TABLE sneaky (x INTEGER);";
  auto r = Migrate(*db_, changed, clock_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("migration 2"));
  EXPECT_FALSE(TableExists("sneaky"));
}

TEST_F(MigrateTest, ChangedFirstMigrationIsRefusedEvenWithNewOnes) {
  std::vector<Migration> v1 = {{1, "one", "CREATE TABLE t1 (x INTEGER);"}};
  ASSERT_TRUE(Migrate(*db_, v1, clock_).ok());
  std::vector<Migration> v2 = {{1, "one", "CREATE TABLE t1 (x INTEGER, z INTEGER);"},
                               {2, "two", "CREATE TABLE t2 (x INTEGER);"}};
  auto r = Migrate(*db_, v2, clock_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("migration 1"));
  // Nothing new applied after the refusal.
  EXPECT_FALSE(TableExists("t2"));
  EXPECT_THAT(AppliedVersions(), ElementsAre(1));
}

TEST_F(MigrateTest, DatabaseWithUnknownMigrationIsRefused) {
  const auto& ms = ProjectMigrations("sqlite");
  ASSERT_TRUE(Migrate(*db_, ms, clock_).ok());

  // An older build that only knows migration 1.
  std::vector<Migration> older(ms.begin(), ms.begin() + 1);
  auto r = Migrate(*db_, older, clock_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("migration 2"));
}

TEST_F(MigrateTest, MigrationWithBadSqlLeavesNoTraces) {
  std::vector<Migration> ms = {
      {1, "good", "CREATE TABLE good (x INTEGER);"},
      {2, "bad", "CREATE TABLE half (x INTEGER); INSERT INTO good VALUES (1); CREATE TABLE broken (;"},
  };
  auto r = Migrate(*db_, ms, clock_);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("migration 2"));

  EXPECT_THAT(AppliedVersions(), ElementsAre(1));  // no bookkeeping row for 2
  EXPECT_TRUE(TableExists("good"));
  EXPECT_FALSE(TableExists("half"));  // no partial DDL
  EXPECT_FALSE(TableExists("broken"));
  auto tx = db_->Begin(TxMode::kRead);
  ASSERT_TRUE(tx.ok());
  auto row = (*tx)->QueryOne("SELECT count(*) FROM good");
  ASSERT_TRUE(row.ok());
  EXPECT_EQ((*row)->Int(0), 0);  // no partial DML
  tx->reset();

  // Fixing the migration lets it apply.
  ms[1].sql = "CREATE TABLE half (x INTEGER);";
  auto fixed = Migrate(*db_, ms, clock_);
  ASSERT_TRUE(fixed.ok()) << fixed.status().ToString();
  EXPECT_THAT(*fixed, ElementsAre(2));
  EXPECT_TRUE(TableExists("half"));
}

TEST_F(MigrateTest, FailureStopsBeforeLaterMigrations) {
  std::vector<Migration> ms = {
      {1, "bad", "CREATE TABLE a (x INTEGER); SELECT no_such_function();"},
      {2, "after", "CREATE TABLE b (x INTEGER);"},
  };
  auto r = Migrate(*db_, ms, clock_);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("migration 1"));
  EXPECT_FALSE(TableExists("a"));
  EXPECT_FALSE(TableExists("b"));
  EXPECT_THAT(AppliedVersions(), IsEmpty());
}

TEST_F(MigrateTest, AppliedMigrationsOnFreshDatabaseIsEmpty) {
  auto applied = AppliedMigrations(*db_);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_TRUE(applied->empty());
  EXPECT_TRUE(TableExists("schema_migrations"));
}

}  // namespace
}  // namespace stm::store
