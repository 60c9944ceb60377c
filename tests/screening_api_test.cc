// Screening over HTTP: authentication and permissions, results, monitored parties, alerts and decisions.
#include "screening/importers.h"
#include "test_server.h"

namespace stm::testing {
namespace {

using nlohmann::json;

screening::ImportedList Fixture(const std::string& second_name) {
  screening::ImportedList l;
  l.report.list = "un";
  l.report.format = "fixture";
  l.report.version = "2026-01-01";
  auto person = [](std::string id, std::string name, int year, std::string nationality) {
    screening::Entity e;
    e.list = "un";
    e.source_id = std::move(id);
    e.schema = screening::Schema::kPerson;
    e.names.push_back({std::move(name), screening::NameKind::kPrimary, screening::AliasStrength::kStrong, ""});
    screening::PartialDate d;
    d.year = year;
    e.birth_dates.push_back(d);
    e.nationalities.push_back(std::move(nationality));
    return e;
  };
  l.entities.push_back(person("KPi.001", "KIM CHOL SU", 1961, "KP"));
  l.entities.push_back(person("QDi.900", second_name, 1970, "IQ"));
  l.report.records = 2;
  return l;
}

class ScreeningApiTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    std::vector<screening::ImportedList> lists;
    lists.push_back(Fixture("ABDUL RAHMAN AL-TIKRITI"));
    ASSERT_TRUE(app_->screening().Import({"test", "-"}, std::move(lists), "fixture").ok());
    admin_ = AdminToken();
    exporter_org_ = CreateOrg(admin_, "Exporter One", "exporter");
    CreateUser(admin_, "exp1", "exporter_user", exporter_org_, "exporter-password-1");
    exporter_ = Login("exp1", "exporter-password-1");
    CreateUser(admin_, "officer1", "licensing_officer", std::nullopt, "officer-password-1");
    officer_ = Login("officer1", "officer-password-1");
  }

  json Screen(const json& body, const std::string& token, int expect = 200) {
    auto r = client_->Json("POST", "/v1/screen", body, token);
    EXPECT_EQ(r.status, expect) << r.body;
    return r.json();
  }

  std::string admin_, exporter_, officer_;
  int64_t exporter_org_ = 0;
};

TEST_F(ScreeningApiTest, RequiresAuthentication) {
  auto r = client_->Json("POST", "/v1/screen", {{"parties", {{{"name", "Kim Chol Su"}}}}});
  EXPECT_EQ(r.status, 401);
}

TEST_F(ScreeningApiTest, ExporterCanScreenButNotImport) {
  json out = Screen({{"parties", {{{"name", "Kim Chol Su"}, {"schema", "person"}, {"reference", "consignee"}}}}},
                    exporter_);
  ASSERT_EQ(out["results"].size(), 1u);
  const json& matches = out["results"][0]["matches"];
  ASSERT_FALSE(matches.empty()) << out.dump();
  EXPECT_EQ(matches[0]["entity_id"], "KPi.001");
  EXPECT_EQ(matches[0]["list"], "un");
  EXPECT_GT(matches[0]["score"].get<double>(), 0.9);
  EXPECT_FALSE(matches[0]["explanation"].is_null());
  EXPECT_EQ(out["results"][0]["reference"], "consignee");

  auto import = client_->Json("POST", "/v1/lists/un/import", {{"file", "sanctions/un/x.xml"}}, exporter_);
  EXPECT_EQ(import.status, 403);
  EXPECT_EQ(client_->Get("/v1/lists", exporter_).status, 200);
}

TEST_F(ScreeningApiTest, BadRequestsAreExplained) {
  auto no_parties = client_->Json("POST", "/v1/screen", {{"parties", json::array()}}, exporter_);
  EXPECT_EQ(no_parties.status, 400);
  auto bad_name = client_->Json("POST", "/v1/screen", {{"parties", {{{"name", 7}}}}}, exporter_);
  EXPECT_EQ(bad_name.status, 400);
  EXPECT_NE(bad_name.body.find("parties[0]"), std::string::npos) << bad_name.body;
  auto bad_date =
      client_->Json("POST", "/v1/screen", {{"parties", {{{"name", "X"}, {"birth_date", "yesterday"}}}}}, exporter_);
  EXPECT_EQ(bad_date.status, 400);
  auto bad_threshold =
      client_->Json("POST", "/v1/screen", {{"parties", {{{"name", "X"}}}}, {"threshold", 2}}, exporter_);
  EXPECT_EQ(bad_threshold.status, 400);
  auto outside = client_->Json("POST", "/v1/lists/un/import", {{"file", "../../etc/passwd"}}, admin_);
  EXPECT_TRUE(outside.status == 400 || outside.status == 409) << outside.body;
}

TEST_F(ScreeningApiTest, ListsShowVersionsAndDeltas) {
  std::vector<screening::ImportedList> lists;
  lists.push_back(Fixture("ABDUL RAHMAN AL-TIKRITY"));
  ASSERT_TRUE(app_->screening().Import({"test", "-"}, std::move(lists), "fixture-2").ok());
  auto r = client_->Get("/v1/lists?list=un", officer_);
  ASSERT_EQ(r.status, 200);
  json body = r.json();
  ASSERT_EQ(body["current"].size(), 1u);
  EXPECT_EQ(body["current"][0]["delta"]["changed"], 1);
  EXPECT_EQ(body["history"].size(), 1u);
}

TEST_F(ScreeningApiTest, MonitoredPartyAlertsAndClearedHitsStayCleared) {
  json out = Screen({{"parties", {{{"name", "Abdul Rahman al Tikriti"}, {"reference", "end-user"}}}},
                     {"monitor", true}},
                    exporter_);
  ASSERT_EQ(out["results"][0]["alert_ids"].size(), 1u) << out.dump();
  int64_t alert = out["results"][0]["alert_ids"][0];

  // The exporter sees its alert but cannot decide it; an officer can.
  auto mine = client_->Get("/v1/screening/alerts?status=open", exporter_);
  ASSERT_EQ(mine.status, 200);
  EXPECT_EQ(mine.json()["items"].size(), 1u);
  EXPECT_EQ(client_->Json("POST", "/v1/screening/alerts/" + std::to_string(alert) + "/decision",
                          {{"decision", "false_positive"}, {"reason", "different person"}}, exporter_)
                .status,
            403);
  auto decided = client_->Json("POST", "/v1/screening/alerts/" + std::to_string(alert) + "/decision",
                               {{"decision", "false_positive"}, {"reason", "born 1985, different person"}}, officer_);
  ASSERT_EQ(decided.status, 200) << decided.body;
  EXPECT_EQ(decided.json()["status"], "false_positive");
  EXPECT_EQ(client_->Json("POST", "/v1/screening/alerts/" + std::to_string(alert) + "/decision",
                          {{"decision", "true_match"}, {"reason", "again"}}, officer_)
                .status,
            409);

  // Same content re-imported: no new alert. The entity changes: a new alert.
  std::vector<screening::ImportedList> same;
  same.push_back(Fixture("ABDUL RAHMAN AL-TIKRITI"));
  auto unchanged = app_->screening().Import({"test", "-"}, std::move(same), "fixture-same");
  ASSERT_TRUE(unchanged.ok());
  EXPECT_EQ(unchanged->front().alerts_raised, 0);
  std::vector<screening::ImportedList> changed;
  changed.push_back(Fixture("ABDUL RAHMAN AL-TIKRITI ABU SAMIR"));
  auto after = app_->screening().Import({"test", "-"}, std::move(changed), "fixture-changed");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->front().delta.changed.size(), 1u);
  EXPECT_EQ(after->front().alerts_raised, 1);

  // Another exporter sees none of it.
  int64_t other = CreateOrg(admin_, "Exporter Two", "exporter");
  CreateUser(admin_, "exp2", "exporter_user", other, "exporter-password-2");
  std::string token2 = Login("exp2", "exporter-password-2");
  EXPECT_EQ(client_->Get("/v1/screening/alerts", token2).json()["items"].size(), 0u);
  auto audit = client_->Get("/v1/audit?target=alert:" + std::to_string(alert), admin_);
  EXPECT_GE(audit.json()["items"].size(), 2u);  // raised, decided
}

}  // namespace
}  // namespace stm::testing
