#include "classify/rulings.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "common/crypto.h"
#include "store/migrate.h"
#include "store/sqlite_db.h"
#include "store/testing.h"

namespace stm::classify {
namespace {

namespace fs = std::filesystem;

class RulingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::OpenTempDatabase("stm-rulings", clock_, &dir_);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    store_ = std::make_unique<RulingStore>(*db_, clock_);
    // Two exporter organisations to own requests.
    auto tx = db_->Begin(store::TxMode::kWrite);
    ASSERT_TRUE(tx.ok());
    for (const char* name : {"Exporter A", "Exporter B"}) {
      ASSERT_TRUE((*tx)
                      ->Exec("INSERT INTO organisations (name, kind, created_at) VALUES (?, 'exporter', 0)",
                             {std::string(name)})
                      .ok());
    }
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  void TearDown() override {
    store_.reset();
    db_.reset();
    fs::remove_all(dir_);
  }

  NewRequest Request(int64_t org, const std::string& reference) {
    NewRequest r;
    r.org = OrgId(org);
    r.reference = reference;
    r.item = {{"description", "frequency changer"},
              {"parameters", {{{"name", "output frequency"}, {"value", 700}, {"unit", "Hz"}}}}};
    r.automatic = {{"candidates", {{{"code", "3A225"}, {"verdict", "controlled"}}}},
                   {"unknown_parameters", {}}};
    r.catalog_version = "2026-07-23";
    return r;
  }

  std::vector<audit::StoredEvent> Events(const std::string& target_prefix) {
    auto events = audit::Query(*db_, {.target = target_prefix, .after_seq = 0, .limit = 1000});
    EXPECT_TRUE(events.ok());
    return events.ok() ? *events : std::vector<audit::StoredEvent>{};
  }

  FakeClock clock_{FromUnixMicros(1'700'000'000'000'000)};
  fs::path dir_;
  std::unique_ptr<store::SqliteDatabase> db_;
  std::unique_ptr<RulingStore> store_;
  audit::Context exporter_{"user:exp1", "req-1"};
  audit::Context officer_{"user:officer1", "req-2"};
};

TEST(RulingsStatusTest, NamesRoundTrip) {
  for (auto s : {RequestStatus::kOpen, RequestStatus::kAnswered}) {
    EXPECT_EQ(ParseRequestStatus(RequestStatusName(s)), s);
  }
  EXPECT_EQ(ParseRequestStatus("closed"), std::nullopt);
  EXPECT_EQ(ParseRequestStatus("Open"), std::nullopt);
}

TEST_F(RulingsTest, CreateStoresItemAndAutomaticResultAndAudits) {
  auto created = store_->Create(exporter_, Request(1, "PO-7"));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_GT(created->id, 0);
  EXPECT_EQ(created->status, RequestStatus::kOpen);
  EXPECT_EQ(created->org, OrgId(1));
  EXPECT_EQ(created->created_by, "user:exp1");
  EXPECT_EQ(created->reference, "PO-7");
  EXPECT_EQ(created->item["description"], "frequency changer");
  EXPECT_EQ(created->automatic["candidates"][0]["code"], "3A225");
  EXPECT_EQ(created->catalog_version, "2026-07-23");
  EXPECT_FALSE(created->ruling.has_value());
  EXPECT_EQ(created->created_at, clock_.Now());

  auto events = Events("classification_request:");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].action, "classification.request");
  EXPECT_EQ(events[0].target, "classification_request:" + std::to_string(created->id));
  EXPECT_EQ(events[0].actor, "user:exp1");
  EXPECT_EQ(events[0].request_id, "req-1");
  EXPECT_NE(events[0].summary.find("3A225"), std::string::npos) << events[0].summary;

  nlohmann::json j = ToJson(*created);
  EXPECT_EQ(j["status"], "open");
  EXPECT_EQ(j["org_id"], 1);
  EXPECT_TRUE(j["ruling"].is_null());
}

TEST_F(RulingsTest, ListFiltersByStatusAndOrganisationNewestFirst) {
  auto a1 = store_->Create(exporter_, Request(1, "a1"));
  auto b1 = store_->Create(exporter_, Request(2, "b1"));
  auto a2 = store_->Create(exporter_, Request(1, "a2"));
  ASSERT_TRUE(a1.ok() && b1.ok() && a2.ok());
  ASSERT_TRUE(store_->Rule(officer_, a1->id, {"3A225", "controlled", "700 Hz > 600 Hz", "", {}}).ok());

  auto all = store_->List(std::nullopt, std::nullopt);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].reference, "a2");
  auto org_a = store_->List(std::nullopt, OrgId(1));
  ASSERT_TRUE(org_a.ok());
  EXPECT_EQ(org_a->size(), 2u);
  auto open_a = store_->List(RequestStatus::kOpen, OrgId(1));
  ASSERT_TRUE(open_a.ok());
  ASSERT_EQ(open_a->size(), 1u);
  EXPECT_EQ((*open_a)[0].reference, "a2");
  auto answered = store_->List(RequestStatus::kAnswered, std::nullopt);
  ASSERT_TRUE(answered.ok());
  ASSERT_EQ(answered->size(), 1u);
  EXPECT_EQ((*answered)[0].reference, "a1");
}

TEST_F(RulingsTest, RuleRecordsTheRulingOnceAndAudits) {
  auto created = store_->Create(exporter_, Request(1, "x"));
  ASSERT_TRUE(created.ok());
  clock_.Advance(std::chrono::minutes(5));
  auto ruled =
      store_->Rule(officer_, created->id, {"3A225", "controlled", "Output frequency 700 Hz.", "", {}});
  ASSERT_TRUE(ruled.ok()) << ruled.status().ToString();
  EXPECT_EQ(ruled->status, RequestStatus::kAnswered);
  ASSERT_TRUE(ruled->ruling.has_value());
  EXPECT_EQ(ruled->ruling->code, "3A225");
  EXPECT_EQ(ruled->ruling->verdict, "controlled");
  EXPECT_EQ(ruled->ruling->ruled_by, "user:officer1");
  EXPECT_EQ(ruled->ruling->ruled_at, clock_.Now());

  auto again = store_->Rule(officer_, created->id, {std::nullopt, "not", "changed my mind", "", {}});
  EXPECT_EQ(again.status().code(), ErrorCode::kFailedPrecondition);
  auto stored = store_->Get(created->id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->ruling->verdict, "controlled");

  auto events = Events("classification_request:" + std::to_string(created->id));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].action, "classification.ruling");
  EXPECT_EQ(events[1].actor, "user:officer1");
  EXPECT_NE(events[1].summary.find("Output frequency 700 Hz."), std::string::npos);
}

TEST_F(RulingsTest, NotListedRulingHasNoCode) {
  auto created = store_->Create(exporter_, Request(1, "x"));
  ASSERT_TRUE(created.ok());
  auto ruled = store_->Rule(officer_, created->id, {std::nullopt, "not", "Not on any list.", "", {}});
  ASSERT_TRUE(ruled.ok()) << ruled.status().ToString();
  EXPECT_FALSE(ruled->ruling->code.has_value());
  EXPECT_TRUE(ToJson(*ruled)["ruling"]["code"].is_null());
  EXPECT_EQ(ToJson(*ruled)["status"], "answered");
}

TEST_F(RulingsTest, BadRulingsAreRefusedAndNothingIsWritten) {
  auto created = store_->Create(exporter_, Request(1, "x"));
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(store_->Rule(officer_, created->id, {"3A225", "maybe", "why", "", {}}).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->Rule(officer_, created->id, {"3A225", "controlled", "  ", "", {}}).status().code(),
            ErrorCode::kInvalidArgument);
  auto no_code = store_->Rule(officer_, created->id, {std::nullopt, "controlled", "reasons", "", {}});
  EXPECT_EQ(no_code.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(no_code.status().message().find("code"), std::string::npos);
  EXPECT_EQ(store_->Rule(officer_, 999, {"3A225", "controlled", "reasons", "", {}}).status().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(store_->Get(999).status().code(), ErrorCode::kNotFound);
  auto stored = store_->Get(created->id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->status, RequestStatus::kOpen);
  EXPECT_EQ(Events("classification_request:").size(), 1u);  // only the request itself
}

}  // namespace
}  // namespace stm::classify
