// Destinations, sanctions regimes, licence determination and the risk assessment of a submitted case, over
// HTTP with real tokens.
#include <algorithm>

#include "screening/entity.h"
#include "test_server.h"

namespace stm::testing {
namespace {

using nlohmann::json;

screening::ImportedList UnFixture(const std::vector<std::pair<std::string, std::string>>& people) {
  screening::ImportedList l;
  l.report.list = "un";
  l.report.format = "fixture";
  l.report.version = "2026-01-0" + std::to_string(people.size());
  for (const auto& [id, name] : people) {
    screening::Entity e;
    e.list = "un";
    e.source_id = id;
    e.schema = screening::Schema::kOrganisation;
    e.names.push_back({name, screening::NameKind::kPrimary, screening::AliasStrength::kStrong, ""});
    l.entities.push_back(std::move(e));
  }
  l.report.records = static_cast<int64_t>(people.size());
  return l;
}

class PolicyApiTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    if (HasFatalFailure()) return;
    std::vector<screening::ImportedList> lists;
    lists.push_back(UnFixture({{"KPe.001", "KOREA MINING DEVELOPMENT TRADING CORPORATION"}}));
    ASSERT_TRUE(app_->screening().Import({"test", "-"}, std::move(lists), "fixture").ok());
    admin_ = AdminToken();
    org_ = CreateOrg(admin_, "Exporter A", "exporter");
    CreateUser(admin_, "exp_a", "exporter_user", org_, "exporter-password-a");
    CreateUser(admin_, "officer1", "licensing_officer", std::nullopt, "officer-password-1");
    CreateUser(admin_, "senior1", "senior_licensing_officer", std::nullopt, "senior-password-1");
    exporter_ = Login("exp_a", "exporter-password-a");
    officer_ = Login("officer1", "officer-password-1");
    senior_ = Login("senior1", "senior-password-1");
  }

  // Submits an application to `country` for one line of `code`, with these parties' names.
  int64_t Submit(const std::string& country, const std::string& code, const std::string& consignee,
                 const std::string& end_user) {
    auto created = client_->Json(
        "POST", "/v1/applications",
        {{"type", "individual"},
         {"end_use", "Industrial process control"},
         {"end_user_statement", "Civil use only."},
         {"goods", json::array({{{"description", "Frequency changer for motor test benches"},
                                 {"control_codes", {code}},
                                 {"quantity", 2},
                                 {"unit", "pcs"},
                                 {"value", 20000},
                                 {"currency", "EUR"}}})},
         {"parties",
          json::array(
              {{{"role", "consignee"}, {"name", consignee}, {"address", "Main St 1"}, {"country", country}},
               {{"role", "end_user"}, {"name", end_user}, {"address", "Plant 2"}, {"country", country}}})}},
        exporter_);
    EXPECT_EQ(created.status, 201) << created.body;
    int64_t id = created.json()["id"];
    std::string path = "/v1/applications/" + std::to_string(id);
    auto doc = client_->Send("POST", path + "/documents?kind=end_user_certificate", "%PDF-1.4 euc",
                             {{"Authorization", "Bearer " + exporter_}, {"Content-Type", "application/pdf"}});
    EXPECT_EQ(doc.status, 201) << doc.body;
    int64_t version = client_->Get(path, exporter_).json()["version"];
    auto submitted = client_->Json("POST", path + "/submit", {{"version", version}}, exporter_);
    EXPECT_EQ(submitted.status, 201) << submitted.body;
    return submitted.json()["case"]["id"];
  }

  static bool HasFlag(const json& risk, const std::string& code) {
    for (const auto& f : risk["flags"]) {
      if (f["code"] == code) return true;
    }
    return false;
  }

  std::string admin_, exporter_, officer_, senior_;
  int64_t org_ = 0;
};

TEST_F(PolicyApiTest, CountriesAndSanctionsRegimes) {
  auto countries = client_->Get("/v1/countries", exporter_);
  ASSERT_EQ(countries.status, 200) << countries.body;
  EXPECT_GT(countries.json()["items"].size(), 240u);
  auto kp = client_->Get("/v1/countries/kp", exporter_);
  ASSERT_EQ(kp.status, 200) << kp.body;
  const json k = kp.json();
  EXPECT_EQ(k["code"], "KP");
  ASSERT_FALSE(k["sanctions_regimes"].empty());
  EXPECT_EQ(k["sanctions_regimes"][0]["id"], "1718_dprk");
  auto fr = client_->Get("/v1/countries/FR", exporter_).json();
  std::vector<std::string> groups;
  for (const auto& g : fr["groups"]) groups.push_back(g["id"]);
  for (const char* id : {"nsg", "mtcr", "australia_group", "wassenaar", "npt_nuclear_weapon_states"}) {
    EXPECT_NE(std::find(groups.begin(), groups.end(), id), groups.end()) << id;
  }
  EXPECT_TRUE(fr["groups"][0].contains("source"));
  EXPECT_EQ(client_->Get("/v1/countries/XX", exporter_).status, 404);
  EXPECT_EQ(client_->Get("/v1/countries", "").status, 401);
  auto regimes = client_->Get("/v1/sanctions-regimes", officer_);
  ASSERT_EQ(regimes.status, 200);
  EXPECT_GE(regimes.json()["items"].size(), 14u);
}

TEST_F(PolicyApiTest, DetermineOverHttp) {
  auto kp = client_->Json("POST", "/v1/determine",
                          {{"items", {{{"id", "g1"}, {"control_codes", {"3A225"}}}}}, {"destination", "KP"}},
                          exporter_);
  ASSERT_EQ(kp.status, 200) << kp.body;
  EXPECT_EQ(kp.json()["policy"], "prohibited");
  auto de = client_->Json("POST", "/v1/determine",
                          {{"items", {{{"id", "g1"}, {"control_codes", {"3A225"}}}}}, {"destination", "DE"}},
                          exporter_);
  EXPECT_EQ(de.json()["policy"], "normal");
  EXPECT_EQ(de.json()["licence_type"], "individual export licence");
  auto catch_all = client_->Json("POST", "/v1/determine",
                                 {{"items", {{{"control_codes", "not listed"}}}},
                                  {"destination", "AE"},
                                  {"red_flags", {"reluctant_end_use_info", "unusual_route_transshipment"}}},
                                 exporter_);
  EXPECT_EQ(catch_all.json()["catch_all"]["raised"], true) << catch_all.body;
  EXPECT_EQ(client_
                ->Json("POST", "/v1/determine",
                       {{"items", {{{"control_codes", {"X"}}}}}, {"destination", "ZZ"}}, exporter_)
                .status,
            400);
  auto unknown_flag = client_->Json(
      "POST", "/v1/determine",
      {{"items", {{{"control_codes", {"X"}}}}}, {"destination", "DE"}, {"red_flags", {"feeling_uneasy"}}},
      exporter_);
  EXPECT_EQ(unknown_flag.status, 400);
  EXPECT_NE(unknown_flag.body.find("feeling_uneasy"), std::string::npos);
}

// The risk assessment of a submitted case lists every party's screening result with explanations; a hit is a
// blocking flag only a senior officer clears.
TEST_F(PolicyApiTest, RiskAssessmentOfASubmittedCase) {
  int64_t case_id =
      Submit("KP", "3A225", "Korea Mining Development Trading Corp", "Pyongyang Precision Works");
  std::string case_path = "/v1/cases/" + std::to_string(case_id);
  auto risk = client_->Get(case_path + "/risk", officer_);
  ASSERT_EQ(risk.status, 200) << risk.body;
  const json r = risk.json()["risk"];
  EXPECT_EQ(r["assessor"], "policy");
  EXPECT_EQ(r["level"], "critical");
  const json parties = r["details"]["parties"];
  ASSERT_EQ(parties.size(), 2u) << r.dump(2);
  for (const auto& p : parties) {
    EXPECT_EQ(p["screened"], true);
    EXPECT_TRUE(p.contains("matches"));
  }
  ASSERT_EQ(parties[0]["matches"].size(), 1u) << parties.dump(2);
  EXPECT_EQ(parties[0]["matches"][0]["entity_id"], "KPe.001");
  EXPECT_FALSE(parties[0]["matches"][0]["explanation"].is_null());
  EXPECT_TRUE(parties[1]["matches"].empty());
  EXPECT_TRUE(HasFlag(r, "screening_hit"));
  EXPECT_TRUE(HasFlag(r, "prohibited"));
  EXPECT_TRUE(HasFlag(r, "sanctions_destination"));
  EXPECT_EQ(client_->Get(case_path + "/risk", exporter_).status, 403);

  // The hit is a flag on the case: finalising is blocked until a senior officer clears it.
  auto the_case = client_->Get(case_path, officer_).json();
  EXPECT_EQ(the_case["has_blocking_flags"], true);
  auto flags = client_->Get(case_path + "/flags", officer_);
  ASSERT_EQ(flags.status, 200) << flags.body;
  int64_t flag_id = 0;
  const json flag_list = flags.json();
  for (const auto& f : flag_list["items"]) {
    if (f["code"] == "screening_hit") flag_id = f["id"];
  }
  ASSERT_NE(flag_id, 0) << flags.body;
  auto cleared = client_->Json("POST", case_path + "/flags/" + std::to_string(flag_id) + "/remove",
                               {{"reason", "Checked: a different company"}}, senior_);
  ASSERT_EQ(cleared.status, 200) << cleared.body;
  EXPECT_EQ(client_->Get(case_path, officer_).json()["has_blocking_flags"], false);
}

// A list update re-runs the assessment of open cases.
TEST_F(PolicyApiTest, ListChangesReassessOpenCases) {
  int64_t case_id = Submit("DE", "3A225", "Acme GmbH", "Nordlicht Research Institute");
  std::string case_path = "/v1/cases/" + std::to_string(case_id);
  json before = client_->Get(case_path + "/risk", officer_).json()["risk"];
  EXPECT_FALSE(HasFlag(before, "screening_hit")) << before.dump(2);
  EXPECT_EQ(before["level"], "low");
  std::vector<screening::ImportedList> lists;
  lists.push_back(UnFixture({{"KPe.001", "KOREA MINING DEVELOPMENT TRADING CORPORATION"},
                             {"QDe.777", "NORDLICHT RESEARCH INSTITUTE"}}));
  ASSERT_TRUE(app_->screening().Import({"test", "-"}, std::move(lists), "fixture-2").ok());
  auto changed = app_->licensing().ReassessOpenCases({"test", "-"});
  ASSERT_TRUE(changed.ok()) << changed.status().ToString();
  EXPECT_EQ(*changed, 1);
  json after = client_->Get(case_path + "/risk", officer_).json()["risk"];
  EXPECT_TRUE(HasFlag(after, "screening_hit")) << after.dump(2);
  EXPECT_EQ(client_->Get(case_path, officer_).json()["has_blocking_flags"], true);
  auto history = client_->Get(case_path + "/history", officer_).json();
  bool reassessed = false;
  for (const auto& e : history["items"]) reassessed = reassessed || e["action"] == "case.risk.reassess";
  EXPECT_TRUE(reassessed);
  // Nothing changed: nothing rewritten.
  EXPECT_EQ(*app_->licensing().ReassessOpenCases({"test", "-"}), 0);
}

// An application whose end user matches (another spelling) another state's denial of the same control code
// opens a consultation that blocks finalising until its outcome is recorded; a refusal drafts an outbound
// denial notification.
TEST_F(PolicyApiTest, DenialConsultationAndOutboundDenial) {
  auto recorded = client_->Json(
      "POST", "/v1/denials",
      {{"notifying_state", "DE"},
       {"regime", "nsg"},
       {"reference", "DE-2025-017"},
       {"denied_on", "2025-06-01"},
       {"items", {{{"description", "Frequency changers"}, {"control_codes", {"3A225"}}}}},
       {"parties", {{{"role", "end_user"}, {"name", "Shahid Hemmat Industrial Group"}, {"country", "AE"}}}},
       {"reason", "Risk of diversion to a missile programme"}},
      officer_);
  ASSERT_EQ(recorded.status, 201) << recorded.body;
  EXPECT_EQ(client_->Json("POST", "/v1/denials", {{"notifying_state", "DE"}}, exporter_).status, 403);
  EXPECT_EQ(client_->Get("/v1/denials", exporter_).status, 403);

  int64_t case_id = Submit("AE", "3A225.a", "Gulf Machinery Trading LLC", "Shahid Hemat Industrial Grp");
  std::string case_path = "/v1/cases/" + std::to_string(case_id);
  auto consultations = client_->Get("/v1/consultations?case_id=" + std::to_string(case_id), officer_);
  ASSERT_EQ(consultations.status, 200) << consultations.body;
  const json list = consultations.json();
  ASSERT_EQ(list["items"].size(), 1u) << list.dump(2);
  EXPECT_EQ(list["items"][0]["addressed_state"], "DE");
  EXPECT_EQ(list["items"][0]["status"], "open");
  const int64_t consultation = list["items"][0]["id"];
  json risk = client_->Get(case_path + "/risk", officer_).json()["risk"];
  EXPECT_TRUE(HasFlag(risk, "denial_match")) << risk.dump(2);

  // The case reaches final review; approval waits for the consultation.
  int64_t version = client_->Get(case_path, officer_).json()["version"];
  ASSERT_EQ(
      client_->Json("POST", case_path + "/actions/start_checks", {{"version", version}}, officer_).status,
      200);
  ASSERT_EQ(client_->Json("POST", case_path + "/actions/checks_passed", {{"version", version + 1}}, officer_)
                .status,
            200);
  ASSERT_EQ(
      client_->Json("POST", case_path + "/actions/send_to_final_review", {{"version", version + 2}}, officer_)
          .status,
      200);
  auto blocked = client_->Json("POST", case_path + "/decision",
                               {{"decision", "approve"}, {"version", version + 3}}, officer_);
  EXPECT_EQ(blocked.status, 409) << blocked.body;
  EXPECT_NE(blocked.body.find("blocking flags"), std::string::npos) << blocked.body;
  auto outcome = client_->Json(
      "POST", "/v1/consultations/" + std::to_string(consultation) + "/outcome",
      {{"outcome", "no_objection"}, {"note", "DE has no objection: different end use"}}, officer_);
  ASSERT_EQ(outcome.status, 200) << outcome.body;
  EXPECT_EQ(outcome.json()["status"], "closed");
  auto approved = client_->Json("POST", case_path + "/decision",
                                {{"decision", "approve"}, {"version", version + 3}}, officer_);
  ASSERT_EQ(approved.status, 200) << approved.body;
  auto events = client_->Get(case_path + "/history", officer_).json();
  bool over = false;
  for (const auto& e : events["items"]) {
    if (e["action"] == "case.approve") over = e["summary"].contains("approved_over_denials");
  }
  EXPECT_TRUE(over) << events.dump(2);
  // The exporter's copy of the history does not name other states' denials.
  auto exporter_events = client_->Get(case_path + "/history", exporter_);
  ASSERT_EQ(exporter_events.status, 200);
  EXPECT_EQ(exporter_events.body.find("approved_over_denials"), std::string::npos);
  EXPECT_EQ(exporter_events.body.find("consultation"), std::string::npos);

  // A refusal drafts the outbound denial.
  int64_t refused_id = Submit("DE", "3A225", "Acme GmbH", "Nordlicht Research Institute");
  std::string refused_path = "/v1/cases/" + std::to_string(refused_id);
  int64_t v = client_->Get(refused_path, officer_).json()["version"];
  ASSERT_EQ(client_->Json("POST", refused_path + "/actions/start_checks", {{"version", v}}, officer_).status,
            200);
  ASSERT_EQ(
      client_->Json("POST", refused_path + "/actions/checks_passed", {{"version", v + 1}}, officer_).status,
      200);
  ASSERT_EQ(
      client_->Json("POST", refused_path + "/actions/send_to_final_review", {{"version", v + 2}}, officer_)
          .status,
      200);
  auto refused = client_->Json(
      "POST", refused_path + "/decision",
      {{"decision", "refuse"}, {"version", v + 3}, {"refusal_criteria", {"Criterion 7: risk of diversion"}}},
      officer_);
  ASSERT_EQ(refused.status, 200) << refused.body;
  auto drafts = client_->Get("/v1/denials?direction=outbound&status=draft", officer_);
  ASSERT_EQ(drafts.status, 200) << drafts.body;
  const json d = drafts.json();
  ASSERT_EQ(d["items"].size(), 1u) << d.dump(2);
  EXPECT_EQ(d["items"][0]["case_id"], refused_id);
  const int64_t draft_id = d["items"][0]["id"];
  auto issued = client_->Json("POST", "/v1/denials/" + std::to_string(draft_id) + "/issue",
                              {{"version", d["items"][0]["version"]}}, senior_);
  ASSERT_EQ(issued.status, 200) << issued.body;
  EXPECT_EQ(issued.json()["status"], "issued");
}

}  // namespace
}  // namespace stm::testing
