#include "audit/audit.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include "store/migrate.h"
#include "store/sqlite_db.h"

namespace stm::audit {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const std::string kGenesis(64, '0');

class AuditTest : public ::testing::Test {
 protected:
  AuditTest() : clock_(FromUnixMicros(1'800'000'000'000'000)) {}

  void SetUp() override {
    static std::atomic<int> counter{0};
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("stm_audit_test_" + std::to_string(::getpid()) + "_" + info->name() +
                                        "_" + std::to_string(counter++));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto db = store::SqliteDatabase::Open({(dir_ / "audit.db").string()});
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    auto migrated = store::Migrate(*db_, store::ProjectMigrations("sqlite"), clock_);
    ASSERT_TRUE(migrated.ok()) << migrated.status().ToString();
  }

  void TearDown() override {
    db_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Appends one event in its own committed write transaction.
  void AppendOne(const std::string& action, const std::string& target, nlohmann::json summary = {},
                 Context ctx = {"user:alice", "req-1"}) {
    auto tx = db_->Begin(store::TxMode::kWrite);
    ASSERT_TRUE(tx.ok()) << tx.status().ToString();
    Status s = Append(**tx, clock_, ctx, {action, target, std::move(summary)});
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_TRUE((*tx)->Commit().ok());
    clock_.Advance(std::chrono::seconds(1));
  }

  void AppendChain(int n) {
    for (int i = 1; i <= n; ++i) {
      AppendOne("thing.update", "thing:" + std::to_string(i),
                {{"i", i}, {"note", "event " + std::to_string(i)}});
    }
  }

  // Runs raw SQL in a committed write transaction, as an attacker with file access would.
  void Tamper(const std::string& sql, const store::Params& params = {}) {
    auto tx = db_->Begin(store::TxMode::kWrite);
    ASSERT_TRUE(tx.ok());
    auto r = (*tx)->Exec(sql, params);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_GT(*r, 0) << "tampering changed nothing: " << sql;
    ASSERT_TRUE((*tx)->Commit().ok());
  }

  VerifyReport MustVerify() {
    auto report = Verify(*db_);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? *report : VerifyReport{};
  }

  std::vector<StoredEvent> All() {
    QueryOptions o;
    o.limit = 1000;
    auto events = Query(*db_, o);
    EXPECT_TRUE(events.ok()) << events.status().ToString();
    return events.ok() ? *events : std::vector<StoredEvent>{};
  }

  int64_t CountRows(const std::string& table) {
    auto tx = db_->Begin(store::TxMode::kRead);
    EXPECT_TRUE(tx.ok());
    auto row = (*tx)->QueryOne("SELECT count(*) FROM " + table);
    EXPECT_TRUE(row.ok());
    return (*row)->Int(0);
  }

  FakeClock clock_;
  fs::path dir_;
  std::unique_ptr<store::SqliteDatabase> db_;
};

std::vector<int64_t> Seqs(const std::vector<StoredEvent>& events) {
  std::vector<int64_t> out;
  for (const auto& e : events) out.push_back(e.seq);
  return out;
}

TEST_F(AuditTest, EmptyTrailVerifies) {
  VerifyReport r = MustVerify();
  EXPECT_TRUE(r.ok()) << r.problem;
  EXPECT_EQ(r.events_checked, 0);
}

TEST_F(AuditTest, AppendBuildsLinkedChain) {
  TimePoint first_time = clock_.Now();
  AppendChain(5);
  auto events = All();
  ASSERT_EQ(events.size(), 5u);
  EXPECT_THAT(Seqs(events), ElementsAre(1, 2, 3, 4, 5));
  EXPECT_EQ(events[0].prev_hash, kGenesis);
  for (size_t i = 0; i < events.size(); ++i) {
    const auto& e = events[i];
    EXPECT_EQ(e.hash, ComputeHash(e));
    EXPECT_EQ(e.hash.size(), 64u);
    if (i > 0) {
      EXPECT_EQ(e.prev_hash, events[i - 1].hash);
    }
    EXPECT_EQ(e.actor, "user:alice");
    EXPECT_EQ(e.request_id, "req-1");
    EXPECT_EQ(e.action, "thing.update");
    EXPECT_EQ(e.target, "thing:" + std::to_string(i + 1));
    EXPECT_EQ(e.at, first_time + std::chrono::seconds(i));
    auto summary = nlohmann::json::parse(e.summary);
    EXPECT_EQ(summary["i"], static_cast<int>(i + 1));
  }
  VerifyReport r = MustVerify();
  EXPECT_TRUE(r.ok()) << r.problem;
  EXPECT_EQ(r.events_checked, 5);
}

TEST_F(AuditTest, DefaultsForEmptyContextAndNullSummary) {
  AppendOne("system.start", "system", nullptr, Context{});
  auto events = All();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].actor, "system");
  EXPECT_EQ(events[0].request_id, "-");
  EXPECT_EQ(events[0].summary, "{}");
  EXPECT_TRUE(MustVerify().ok());
}

TEST_F(AuditTest, HashCoversEveryField) {
  AppendOne("a.b", "t:1", {{"k", "v"}});
  StoredEvent base = All().at(0);
  const std::string h = ComputeHash(base);
  auto changed = [&](auto mutate) {
    StoredEvent e = base;
    mutate(e);
    return ComputeHash(e);
  };
  EXPECT_NE(changed([](StoredEvent& e) { e.seq += 1; }), h);
  EXPECT_NE(changed([](StoredEvent& e) { e.at += std::chrono::microseconds(1); }), h);
  EXPECT_NE(changed([](StoredEvent& e) { e.actor += "x"; }), h);
  EXPECT_NE(changed([](StoredEvent& e) { e.action += "x"; }), h);
  EXPECT_NE(changed([](StoredEvent& e) { e.target += "x"; }), h);
  EXPECT_NE(changed([](StoredEvent& e) { e.request_id += "x"; }), h);
  EXPECT_NE(changed([](StoredEvent& e) { e.summary += " "; }), h);
  EXPECT_NE(changed([](StoredEvent& e) { e.prev_hash[0] = '1'; }), h);
  // Moving text between fields must change the hash too (no delimiter ambiguity).
  StoredEvent a = base, b = base;
  a.actor = "ab";
  a.action = "c";
  b.actor = "a";
  b.action = "bc";
  EXPECT_NE(ComputeHash(a), ComputeHash(b));
  EXPECT_EQ(changed([](StoredEvent&) {}), h);
}

TEST_F(AuditTest, AppendNeedsWriteTransaction) {
  auto tx = db_->Begin(store::TxMode::kRead);
  ASSERT_TRUE(tx.ok());
  Status s = Append(**tx, clock_, {"user:a", "r"}, {"x.y", "t", {}});
  EXPECT_EQ(s.code(), ErrorCode::kInternal);
  tx->reset();
  EXPECT_EQ(CountRows("audit_events"), 0);
}

TEST_F(AuditTest, EditedSummaryIsReportedAtThatEvent) {
  AppendChain(5);
  Tamper("UPDATE audit_events SET summary = ? WHERE seq = 3",
         {std::string(R"({"i":3,"note":"nothing to see"})")});
  VerifyReport r = MustVerify();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.broken_seq, 3);
  EXPECT_EQ(r.events_checked, 2);
  EXPECT_THAT(r.problem, HasSubstr("3"));
}

TEST_F(AuditTest, EditedActorTimeOrTargetIsReported) {
  AppendChain(4);
  Tamper("UPDATE audit_events SET actor = 'user:mallory' WHERE seq = 2");
  EXPECT_EQ(MustVerify().broken_seq, 2);
}

TEST_F(AuditTest, EditedFirstEventIsReported) {
  AppendChain(3);
  Tamper("UPDATE audit_events SET at = at + 1 WHERE seq = 1");
  EXPECT_EQ(MustVerify().broken_seq, 1);
}

TEST_F(AuditTest, EditedAndRehashedEventIsReportedAtNextLink) {
  AppendChain(5);
  auto events = All();
  StoredEvent e = events[2];  // seq 3
  e.summary = R"({"i":3,"note":"rewritten"})";
  e.hash = ComputeHash(e);
  Tamper("UPDATE audit_events SET summary = ?, hash = ? WHERE seq = 3", {e.summary, e.hash});
  VerifyReport r = MustVerify();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.broken_seq, 4);
}

TEST_F(AuditTest, EditedAndRehashedLastEventIsReportedViaHead) {
  AppendChain(3);
  StoredEvent e = All()[2];
  e.target = "thing:999";
  e.hash = ComputeHash(e);
  Tamper("UPDATE audit_events SET target = ?, hash = ? WHERE seq = 3", {e.target, e.hash});
  VerifyReport r = MustVerify();
  EXPECT_FALSE(r.ok()) << "a rehashed last event must not match the recorded head";
  EXPECT_TRUE(r.broken_seq.has_value());
}

TEST_F(AuditTest, DeletedMiddleRowIsReported) {
  AppendChain(5);
  Tamper("DELETE FROM audit_events WHERE seq = 3");
  VerifyReport r = MustVerify();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.broken_seq, 3);
  EXPECT_THAT(r.problem, HasSubstr("missing"));
}

TEST_F(AuditTest, DeletedFirstRowIsReported) {
  AppendChain(3);
  Tamper("DELETE FROM audit_events WHERE seq = 1");
  VerifyReport r = MustVerify();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.broken_seq, 1);
}

TEST_F(AuditTest, DeletedMiddleRowRenumberedIsReported) {
  // Delete event 3 and renumber 4, 5 down so the sequence has no gap.
  AppendChain(5);
  Tamper("DELETE FROM audit_events WHERE seq = 3");
  Tamper("UPDATE audit_events SET seq = seq - 1 WHERE seq > 3");
  Tamper("UPDATE audit_head SET seq = 4 WHERE id = 1");
  VerifyReport r = MustVerify();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.broken_seq, 3);
}

TEST_F(AuditTest, DeletedLastRowIsReportedViaHead) {
  AppendChain(5);
  Tamper("DELETE FROM audit_events WHERE seq = 5");
  VerifyReport r = MustVerify();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.events_checked, 4);
  EXPECT_EQ(r.broken_seq, 5);
  EXPECT_THAT(r.problem, HasSubstr("head"));
}

TEST_F(AuditTest, DeletedEverythingIsReportedViaHead) {
  AppendChain(3);
  Tamper("DELETE FROM audit_events");
  VerifyReport r = MustVerify();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.broken_seq, 1);
}

TEST_F(AuditTest, DeletedLastRowWithHeadRewoundIsNotDetectable) {
  // Documents the limit of a self-contained hash chain: truncating the tail AND rewinding the head to the
  // new last event is consistent. (Anchoring the head externally is what would catch this.)
  AppendChain(3);
  StoredEvent second = All()[1];
  Tamper("DELETE FROM audit_events WHERE seq = 3");
  Tamper("UPDATE audit_head SET seq = 2, hash = ? WHERE id = 1", {second.hash});
  VerifyReport r = MustVerify();
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.events_checked, 2);
}

TEST_F(AuditTest, SwappedRowsAreReported) {
  AppendChain(5);
  auto events = All();
  const StoredEvent& two = events[1];
  const StoredEvent& three = events[2];
  // Swap everything but seq between rows 2 and 3 (a reorder).
  const std::string sql =
      "UPDATE audit_events SET at = ?, actor = ?, action = ?, target = ?, request_id = ?, summary = ?, "
      "prev_hash = ?, hash = ? WHERE seq = ?";
  auto tx = db_->Begin(store::TxMode::kWrite);
  ASSERT_TRUE(tx.ok());
  ASSERT_TRUE((*tx)
                  ->Exec(sql, {ToUnixMicros(three.at), three.actor, three.action, three.target,
                               three.request_id, three.summary, three.prev_hash, three.hash, int64_t{2}})
                  .ok());
  ASSERT_TRUE((*tx)
                  ->Exec(sql, {ToUnixMicros(two.at), two.actor, two.action, two.target, two.request_id,
                               two.summary, two.prev_hash, two.hash, int64_t{3}})
                  .ok());
  ASSERT_TRUE((*tx)->Commit().ok());
  tx->reset();

  VerifyReport r = MustVerify();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.broken_seq, 2);
}

TEST_F(AuditTest, EditedHeadIsReported) {
  AppendChain(3);
  Tamper("UPDATE audit_head SET hash = ? WHERE id = 1", {std::string(64, 'f')});
  EXPECT_FALSE(MustVerify().ok());
}

TEST_F(AuditTest, DeletedHeadIsReported) {
  AppendChain(3);
  Tamper("DELETE FROM audit_head");
  VerifyReport r = MustVerify();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.events_checked, 3);
}

TEST_F(AuditTest, AppendAfterVerifyContinuesChain) {
  AppendChain(2);
  EXPECT_TRUE(MustVerify().ok());
  AppendChain(2);
  VerifyReport r = MustVerify();
  EXPECT_TRUE(r.ok()) << r.problem;
  EXPECT_EQ(r.events_checked, 4);
}

TEST_F(AuditTest, LongChainAcrossVerifyPages) {
  // Verify pages through 1000 rows at a time; cross a page boundary in one transaction.
  auto tx = db_->Begin(store::TxMode::kWrite);
  ASSERT_TRUE(tx.ok());
  for (int i = 0; i < 1005; ++i) {
    ASSERT_TRUE(
        Append(**tx, clock_, {"cli", "-"}, {"bulk.add", "bulk:" + std::to_string(i), {{"i", i}}}).ok());
  }
  ASSERT_TRUE((*tx)->Commit().ok());
  tx->reset();
  VerifyReport r = MustVerify();
  EXPECT_TRUE(r.ok()) << r.problem;
  EXPECT_EQ(r.events_checked, 1005);

  Tamper("UPDATE audit_events SET summary = '{}' WHERE seq = 1003");
  VerifyReport bad = MustVerify();
  EXPECT_EQ(bad.broken_seq, 1003);
  EXPECT_EQ(bad.events_checked, 1002);
}

TEST_F(AuditTest, UncommittedTransactionLeavesNeitherChangeNorEvent) {
  AppendChain(2);
  {
    auto tx = db_->Begin(store::TxMode::kWrite);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(
        (*tx)
            ->Exec("INSERT INTO organisations (name, kind, created_at) VALUES ('Ghost Ltd', 'exporter', 0)")
            .ok());
    ASSERT_TRUE(
        Append(**tx, clock_, {"user:alice", "r"}, {"organisation.create", "org:1", {{"name", "Ghost"}}})
            .ok());
    // Destroyed without Commit.
  }
  EXPECT_EQ(CountRows("organisations"), 0);
  EXPECT_EQ(CountRows("audit_events"), 2);
  VerifyReport r = MustVerify();
  EXPECT_TRUE(r.ok()) << r.problem;
  EXPECT_EQ(r.events_checked, 2);

  // The next event continues the committed chain at seq 3.
  AppendOne("thing.update", "thing:3");
  auto events = All();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[2].seq, 3);
  EXPECT_EQ(events[2].action, "thing.update");
  EXPECT_EQ(events[2].prev_hash, events[1].hash);
  EXPECT_TRUE(MustVerify().ok());
}

class AuditQueryTest : public AuditTest {
 protected:
  void SetUp() override {
    AuditTest::SetUp();
    if (HasFatalFailure()) return;
    AppendOne("user.create", "user:1");    // 1
    AppendOne("org.create", "org:1");      // 2
    AppendOne("user.update", "user:10");   // 3
    AppendOne("user.update", "user:1");    // 4
    AppendOne("key.create", "api_key:1");  // 5
    AppendOne("user.delete", "user:2");    // 6
    AppendOne("odd.thing", "a_b:1");       // 7
    AppendOne("odd.thing", "axb:1");       // 8
    AppendOne("odd.thing", "50%:1");       // 9
    AppendOne("odd.thing", "500:1");       // 10
  }

  std::vector<int64_t> QuerySeqs(std::optional<std::string> target, int64_t after = 0, int limit = 100) {
    QueryOptions o;
    o.target = std::move(target);
    o.after_seq = after;
    o.limit = limit;
    auto r = Query(*db_, o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? Seqs(*r) : std::vector<int64_t>{-1};
  }
};

TEST_F(AuditQueryTest, AllInSeqOrder) {
  EXPECT_THAT(QuerySeqs(std::nullopt), ElementsAre(1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
}

TEST_F(AuditQueryTest, ExactTarget) {
  EXPECT_THAT(QuerySeqs("user:1"), ElementsAre(1, 4));  // not user:10
  EXPECT_THAT(QuerySeqs("org:1"), ElementsAre(2));
  EXPECT_THAT(QuerySeqs("user:99"), IsEmpty());
  EXPECT_THAT(QuerySeqs("user"), IsEmpty());
}

TEST_F(AuditQueryTest, PrefixTarget) {
  EXPECT_THAT(QuerySeqs("user:"), ElementsAre(1, 3, 4, 6));
  EXPECT_THAT(QuerySeqs("api_key:"), ElementsAre(5));
  EXPECT_THAT(QuerySeqs("nothing:"), IsEmpty());
}

TEST_F(AuditQueryTest, PrefixDoesNotTreatLikeWildcardsSpecially) {
  EXPECT_THAT(QuerySeqs("a_b:"), ElementsAre(7));  // '_' is not "any character"
  EXPECT_THAT(QuerySeqs("50%:"), ElementsAre(9));  // '%' is not "anything"
}

TEST_F(AuditQueryTest, ReturnsFullEvents) {
  QueryOptions o;
  o.target = "org:1";
  auto r = Query(*db_, o);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  const StoredEvent& e = r->front();
  EXPECT_EQ(e.seq, 2);
  EXPECT_EQ(e.action, "org.create");
  EXPECT_EQ(e.actor, "user:alice");
  EXPECT_EQ(e.request_id, "req-1");
  EXPECT_EQ(e.hash, ComputeHash(e));
}

TEST_F(AuditQueryTest, PagingWithAfterSeqAndLimit) {
  EXPECT_THAT(QuerySeqs(std::nullopt, 0, 3), ElementsAre(1, 2, 3));
  EXPECT_THAT(QuerySeqs(std::nullopt, 3, 3), ElementsAre(4, 5, 6));
  EXPECT_THAT(QuerySeqs(std::nullopt, 9, 3), ElementsAre(10));
  EXPECT_THAT(QuerySeqs(std::nullopt, 10, 3), IsEmpty());
  // Paging a filtered query.
  EXPECT_THAT(QuerySeqs("user:", 0, 2), ElementsAre(1, 3));
  EXPECT_THAT(QuerySeqs("user:", 3, 2), ElementsAre(4, 6));
  EXPECT_THAT(QuerySeqs("user:", 6, 2), IsEmpty());
  EXPECT_THAT(QuerySeqs("user:1", 1, 1), ElementsAre(4));
}

TEST_F(AuditQueryTest, PagingVisitsEveryEventOnce) {
  std::vector<int64_t> seen;
  int64_t after = 0;
  for (int page = 0; page < 20; ++page) {
    auto got = QuerySeqs(std::nullopt, after, 4);
    if (got.empty()) break;
    seen.insert(seen.end(), got.begin(), got.end());
    after = got.back();
  }
  EXPECT_THAT(seen, ElementsAre(1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
}

TEST_F(AuditQueryTest, LimitOutOfRangeIsInvalidArgument) {
  for (int limit : {0, -1, 1001, 1000000}) {
    QueryOptions o;
    o.limit = limit;
    auto r = Query(*db_, o);
    ASSERT_FALSE(r.ok()) << limit;
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << limit;
  }
  for (int limit : {1, 1000}) {
    QueryOptions o;
    o.limit = limit;
    auto r = Query(*db_, o);
    ASSERT_TRUE(r.ok()) << limit;
    EXPECT_EQ(r->size(), static_cast<size_t>(std::min(limit, 10)));
  }
}

TEST_F(AuditQueryTest, ToJsonParsesSummary) {
  AppendOne("x.y", "t:1", {{"k", "v"}});
  auto events = All();
  nlohmann::json j = ToJson(events.back());
  EXPECT_EQ(j["seq"], events.back().seq);
  EXPECT_EQ(j["summary"]["k"], "v");
  EXPECT_EQ(j["at"], FormatTime(events.back().at));
  EXPECT_EQ(j["hash"], events.back().hash);
  EXPECT_EQ(j["prev_hash"], events.back().prev_hash);
}

}  // namespace
}  // namespace stm::audit
