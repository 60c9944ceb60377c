// Teams, queues, routing rules and case flags over HTTP with real tokens: an administrator sets up a queue
// and a rule, a submitted case is routed there with the reasons in words, a blocking flag stops approval
// until a senior officer removes it, and exporters see neither routing nor flags.
#include <algorithm>

#include "test_server.h"

namespace stm::testing {
namespace {

using nlohmann::json;

class QueuesApiTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    if (HasFatalFailure()) return;
    admin_ = AdminToken();
    org_a_ = CreateOrg(admin_, "Exporter A", "exporter");
    CreateUser(admin_, "exp_a", "exporter_user", org_a_, "exporter-password-a");
    officer_id_ = CreateUser(admin_, "officer1", "licensing_officer", std::nullopt, "officer-password-1");
    CreateUser(admin_, "senior1", "senior_licensing_officer", std::nullopt, "senior-password-1");
    CreateUser(admin_, "auditor1", "auditor", std::nullopt, "auditor-password-1");
    exporter_ = Login("exp_a", "exporter-password-a");
    officer_ = Login("officer1", "officer-password-1");
    senior_ = Login("senior1", "senior-password-1");
    auditor_ = Login("auditor1", "auditor-password-1");
  }

  // A complete individual application to `country`, submitted; returns the case id.
  int64_t SubmittedCase(const std::string& country) {
    auto created = client_->Json("POST", "/v1/applications",
                                 {{"type", "individual"},
                                  {"end_use", "Research reactor maintenance"},
                                  {"end_user_statement", "Not for WMD use; no re-export."}},
                                 exporter_);
    EXPECT_EQ(created.status, 201) << created.body;
    int64_t id = created.json()["id"];
    std::string path = "/v1/applications/" + std::to_string(id);
    EXPECT_EQ(client_
                  ->Json("POST", path + "/goods",
                         {{"description", "Carbon fibre"},
                          {"control_codes", {"1C010.b"}},
                          {"quantity", 5},
                          {"unit", "kg"},
                          {"value", 12000},
                          {"currency", "EUR"}},
                         exporter_)
                  .status,
              201);
    for (const char* role : {"consignee", "end_user"}) {
      EXPECT_EQ(
          client_
              ->Json("POST", path + "/parties",
                     {{"role", role}, {"name", "Institute"}, {"address", "Street 1"}, {"country", country}},
                     exporter_)
              .status,
          201);
    }
    auto doc = client_->Send("POST", path + "/documents?kind=end_user_certificate", "%PDF-1.4 EUC",
                             {{"Authorization", "Bearer " + exporter_}, {"Content-Type", "application/pdf"}});
    EXPECT_EQ(doc.status, 201) << doc.body;
    int64_t version = client_->Get(path, exporter_).json()["version"];
    auto submitted = client_->Json("POST", path + "/submit", {{"version", version}}, exporter_);
    EXPECT_EQ(submitted.status, 201) << submitted.body;
    return submitted.json()["case"].value("id", int64_t{0});
  }
  HttpResult Action(int64_t case_id, const std::string& action, const std::string& token) {
    int64_t version = client_->Get("/v1/cases/" + std::to_string(case_id), token).json()["version"];
    return client_->Json("POST", "/v1/cases/" + std::to_string(case_id) + "/actions/" + action,
                         {{"version", version}}, token);
  }
  std::vector<std::string> AuditActions(const std::string& target) {
    auto r = client_->Get("/v1/audit?limit=1000&target=" + target, admin_);
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<std::string> out;
    json body = r.json();  // kept: a range-for over a member of a temporary would dangle
    for (const auto& e : body["items"]) out.push_back(e["action"]);
    return out;
  }
  static bool Has(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  }

  std::string admin_, exporter_, officer_, senior_, auditor_;
  int64_t org_a_ = 0, officer_id_ = 0;
};

TEST_F(QueuesApiTest, AdministratorSetsUpRoutingAndCasesAreRoutedWithReasons) {
  // The seed data is there: a default queue and flag definitions.
  auto seeded = client_->Get("/v1/queues", officer_);
  ASSERT_EQ(seeded.status, 200) << seeded.body;
  bool has_default = false;
  json seeded_body = seeded.json();
  for (const auto& q : seeded_body["items"]) has_default = has_default || q["is_default"] == true;
  EXPECT_TRUE(has_default) << seeded.body;

  auto team = client_->Json("POST", "/v1/teams", {{"name", "Arctic desk"}}, admin_);
  ASSERT_EQ(team.status, 201) << team.body;
  int64_t team_id = team.json()["id"];
  auto member = client_->Json("POST", "/v1/teams/" + std::to_string(team_id) + "/members",
                              {{"user_id", officer_id_}}, admin_);
  ASSERT_EQ(member.status, 200) << member.body;
  EXPECT_EQ(member.json()["members"], json::array({officer_id_}));
  auto queue = client_->Json("POST", "/v1/queues", {{"name", "Arctic"}, {"team_id", team_id}}, admin_);
  ASSERT_EQ(queue.status, 201) << queue.body;
  int64_t queue_id = queue.json()["id"];
  EXPECT_EQ(
      client_
          ->Json("POST", "/v1/queues", {{"name", "Two"}, {"team_id", team_id}, {"is_default", true}}, admin_)
          .status,
      409);
  // Officers may look but not administer.
  EXPECT_EQ(client_->Json("POST", "/v1/teams", {{"name", "Mine"}}, officer_).status, 403);

  auto bad_rule = client_->Json(
      "POST", "/v1/routing-rules",
      {{"name", "Bad"}, {"queue_id", queue_id}, {"match", {{"destinations", {"IS", "NO", "XX"}}}}}, admin_);
  EXPECT_EQ(bad_rule.status, 400) << bad_rule.body;
  EXPECT_NE(bad_rule.json()["detail"].get<std::string>().find("match.destinations[2]"), std::string::npos);
  auto rule = client_->Json("POST", "/v1/routing-rules",
                            {{"name", "Arctic destinations"},
                             {"priority", 1},
                             {"queue_id", queue_id},
                             {"match", {{"destinations", {"IS", "GL"}}, {"control_codes", {"1C*"}}}}},
                            admin_);
  ASSERT_EQ(rule.status, 201) << rule.body;
  int64_t rule_id = rule.json()["id"];
  std::string rule_path = "/v1/routing-rules/" + std::to_string(rule_id);
  EXPECT_EQ(client_->Get(rule_path, auditor_).json()["name"], "Arctic destinations");
  EXPECT_EQ(client_->Get("/v1/routing-rules/999999", auditor_).status, 404);
  auto removed = client_->Json("POST", "/v1/teams/" + std::to_string(team_id) + "/members",
                               {{"user_id", officer_id_}, {"remove", true}}, admin_);
  ASSERT_EQ(removed.status, 200) << removed.body;
  EXPECT_TRUE(removed.json()["members"].empty());

  int64_t case_id = SubmittedCase("IS");
  std::string case_path = "/v1/cases/" + std::to_string(case_id);
  // Submitting routed the case already (LicensingService calls QueueService::RouteInTx), and the queue lists
  // it.
  auto on_submit = client_->Get(case_path + "/routing", officer_);
  ASSERT_EQ(on_submit.status, 200) << on_submit.body;
  ASSERT_EQ(on_submit.json()["placements"].size(), 1u) << on_submit.body;
  EXPECT_EQ(on_submit.json()["placements"][0]["queue_id"], queue_id);
  auto listed = client_->Get("/v1/cases?queue=" + std::to_string(queue_id), officer_);
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(listed.json()["total"], 1) << listed.body;
  // Routing again gives the same placement.
  auto routed = client_->Json("POST", case_path + "/route", nullptr, officer_);
  ASSERT_EQ(routed.status, 200) << routed.body;
  ASSERT_EQ(routed.json()["placements"].size(), 1u);
  EXPECT_EQ(routed.json()["placements"][0]["queue_id"], queue_id);
  auto routing = client_->Get(case_path + "/routing", auditor_);
  ASSERT_EQ(routing.status, 200) << routing.body;
  json placement = routing.json()["placements"][0];
  EXPECT_EQ(placement["queue_name"], "Arctic");
  EXPECT_EQ(placement["rule_id"], rule_id);
  std::string why = placement["explanation"];
  EXPECT_NE(why.find("destination IS is in [IS, GL]: yes"), std::string::npos) << why;
  EXPECT_NE(why.find("control code 1C010.B matches 1C*: yes"), std::string::npos) << why;
  bool explained = false;
  json routing_body = routing.json();
  for (const auto& r : routing_body["decision"]["rules"]) {
    if (r["rule_id"] == rule_id) explained = r["matched"] == true;
  }
  EXPECT_TRUE(explained);
  auto queues = client_->Get("/v1/queues", officer_).json()["items"];
  for (const auto& q : queues) {
    if (q["id"] == queue_id) {
      EXPECT_EQ(q["open_cases"], 1);
    }
  }

  // Disabling the rule (merge patch with the version) sends the case to the default queue on re-routing.
  EXPECT_EQ(client_->Json("PATCH", rule_path, {{"version", 7}, {"enabled", false}}, admin_).status, 409);
  auto disabled = client_->Json("PATCH", rule_path, {{"version", 1}, {"enabled", false}}, admin_);
  ASSERT_EQ(disabled.status, 200) << disabled.body;
  EXPECT_EQ(disabled.json()["enabled"], false);
  EXPECT_EQ(disabled.json()["match"]["destinations"], json::array({"IS", "GL"}));
  auto rerouted = client_->Json("POST", case_path + "/route", nullptr, officer_);
  ASSERT_EQ(rerouted.status, 200);
  EXPECT_EQ(rerouted.json()["placements"][0]["explanation"], "no routing rule matched: default queue");

  auto team_events = AuditActions("team:" + std::to_string(team_id));
  EXPECT_TRUE(Has(team_events, "team.member.add"));
  EXPECT_TRUE(Has(team_events, "team.member.remove"));
  EXPECT_TRUE(Has(AuditActions("queue:" + std::to_string(queue_id)), "queue.create"));
  auto rule_events = AuditActions("routing_rule:" + std::to_string(rule_id));
  EXPECT_TRUE(Has(rule_events, "routing_rule.create"));
  EXPECT_TRUE(Has(rule_events, "routing_rule.update"));
  EXPECT_TRUE(Has(AuditActions("case:" + std::to_string(case_id)), "case.route"));
}

TEST_F(QueuesApiTest, BlockingFlagStopsApprovalUntilTheNamedRoleRemovesIt) {
  int64_t case_id = SubmittedCase("DE");
  std::string case_path = "/v1/cases/" + std::to_string(case_id);
  auto defs = client_->Get("/v1/flag-definitions", officer_);
  ASSERT_EQ(defs.status, 200);
  bool seeded = false;
  json defs_body = defs.json();
  for (const auto& d : defs_body["items"]) {
    if (d["code"] == "screening_hit") seeded = d["blocks_finalising"] == true;
  }
  ASSERT_TRUE(seeded) << defs.body;

  ASSERT_EQ(Action(case_id, "start_checks", officer_).status, 200);
  ASSERT_EQ(Action(case_id, "checks_passed", officer_).status, 200);
  ASSERT_EQ(Action(case_id, "send_to_final_review", officer_).status, 200);

  auto bad =
      client_->Json("POST", case_path + "/flags",
                    {{"code", "screening_hit"}, {"subject", "parties[9]"}, {"reason", "hit"}}, officer_);
  EXPECT_EQ(bad.status, 400) << bad.body;
  auto flag = client_->Json(
      "POST", case_path + "/flags",
      {{"code", "screening_hit"}, {"subject", "parties[1]"}, {"reason", "UN list, score 0.94"}}, officer_);
  ASSERT_EQ(flag.status, 201) << flag.body;
  int64_t flag_id = flag.json()["id"];
  auto the_case = client_->Get(case_path, officer_).json();
  EXPECT_EQ(the_case["has_blocking_flags"], true) << the_case.dump();
  bool approve_blocked = false;
  for (const auto& t : the_case["transitions"]) {
    if (t["action"] == "approve") {
      approve_blocked =
          t["allowed"] == false && t.value("blocked_reason", "").find("blocking flags") != std::string::npos;
    }
  }
  EXPECT_TRUE(approve_blocked) << the_case["transitions"].dump();
  // The flag rule of the seed data sends the case to the screening-hits queue.
  auto routing = client_->Get(case_path + "/routing", officer_).json();
  EXPECT_NE(
      routing["placements"][0]["explanation"].get<std::string>().find("flag 'screening_hit' present: yes"),
      std::string::npos)
      << routing.dump();

  std::string remove_path = case_path + "/flags/" + std::to_string(flag_id) + "/remove";
  auto denied = client_->Json("POST", remove_path, {{"reason", "false positive"}}, officer_);
  EXPECT_EQ(denied.status, 403) << denied.body;
  EXPECT_NE(denied.json()["detail"].get<std::string>().find("senior_licensing_officer"), std::string::npos);
  auto removed =
      client_->Json("POST", remove_path, {{"reason", "false positive: other birth date"}}, senior_);
  ASSERT_EQ(removed.status, 200) << removed.body;
  EXPECT_EQ(removed.json()["active"], false);
  EXPECT_EQ(client_->Get(case_path, officer_).json()["has_blocking_flags"], false);
  auto flags = client_->Get(case_path + "/flags", auditor_);
  ASSERT_EQ(flags.status, 200);
  EXPECT_EQ(flags.json()["items"][0]["removal_reason"], "false positive: other birth date");
  auto events = AuditActions("case:" + std::to_string(case_id));
  EXPECT_TRUE(Has(events, "case.flag.add"));
  EXPECT_TRUE(Has(events, "case.flag.remove"));
}

TEST_F(QueuesApiTest, ExportersSeeNeitherRoutingNorFlags) {
  int64_t case_id = SubmittedCase("DE");
  std::string case_path = "/v1/cases/" + std::to_string(case_id);
  EXPECT_EQ(client_->Get(case_path + "/routing", exporter_).status, 403);
  EXPECT_EQ(client_->Get(case_path + "/flags", exporter_).status, 403);
  EXPECT_EQ(client_->Json("POST", case_path + "/route", nullptr, exporter_).status, 403);
  EXPECT_EQ(
      client_->Json("POST", case_path + "/flags", {{"code", "catch_all"}, {"reason", "x"}}, exporter_).status,
      403);
  EXPECT_EQ(client_->Get("/v1/queues", exporter_).status, 403);
  EXPECT_EQ(client_->Get("/v1/routing-rules", exporter_).status, 403);
  EXPECT_EQ(client_->Get("/v1/cases/999999/routing", officer_).status, 404);
  EXPECT_EQ(client_->Get("/v1/routing-rules", "").status, 401);
}

}  // namespace
}  // namespace stm::testing
