// Licence applications and cases over HTTP with real tokens: an exporter prepares, fixes and submits an
// application; officers work the case through the state machine; organisation isolation, stale versions,
// document limits and the history.
#include <algorithm>

#include "test_server.h"

namespace stm::testing {
namespace {

using nlohmann::json;

class LicensingApiTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    if (HasFatalFailure()) return;
    admin_ = AdminToken();
    org_a_ = CreateOrg(admin_, "Exporter A", "exporter");
    org_b_ = CreateOrg(admin_, "Exporter B", "exporter");
    CreateUser(admin_, "exp_a", "exporter_user", org_a_, "exporter-password-a");
    CreateUser(admin_, "exp_b", "exporter_user", org_b_, "exporter-password-b");
    officer_id_ = CreateUser(admin_, "officer1", "licensing_officer", std::nullopt, "officer-password-1");
    CreateUser(admin_, "auditor1", "auditor", std::nullopt, "auditor-password-1");
    exporter_a_ = Login("exp_a", "exporter-password-a");
    exporter_b_ = Login("exp_b", "exporter-password-b");
    officer_ = Login("officer1", "officer-password-1");
    auditor_ = Login("auditor1", "auditor-password-1");
  }

  HttpResult Upload(int64_t id, const std::string& kind, const std::string& media_type,
                    const std::string& bytes, const std::string& token) {
    return client_->Send("POST", "/v1/applications/" + std::to_string(id) + "/documents?kind=" + kind, bytes,
                         {{"Authorization", "Bearer " + token}, {"Content-Type", media_type}});
  }
  int64_t Version(const std::string& path, const std::string& token) {
    auto r = client_->Get(path, token);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json().value("version", int64_t{0});
  }
  HttpResult Action(int64_t case_id, const std::string& action, int64_t version, const std::string& token,
                    const std::string& note = "") {
    json body = {{"version", version}};
    if (!note.empty()) body["note"] = note;
    return client_->Json("POST", "/v1/cases/" + std::to_string(case_id) + "/actions/" + action, body, token);
  }
  // One goods line in pieces, in EUR.
  static json GoodsLine(const std::string& description, const std::string& code, int quantity, int value) {
    return {{"description", description},
            {"control_codes", {code}},
            {"quantity", quantity},
            {"unit", "pcs"},
            {"value", value},
            {"currency", "EUR"}};
  }
  static bool HasPath(const json& errors, const std::string& path) {
    for (const auto& e : errors) {
      if (e.value("path", "") == path) return true;
    }
    return false;
  }

  std::string admin_, exporter_a_, exporter_b_, officer_, auditor_;
  int64_t org_a_ = 0, org_b_ = 0, officer_id_ = 0;
};

TEST_F(LicensingApiTest, ApplicationToCaseEndToEnd) {
  // The exporter creates a draft: an individual licence for one controlled line.
  auto created = client_->Json(
      "POST", "/v1/applications",
      {{"type", "individual"}, {"end_use", "Test bench for motors"}, {"catch_all", {{"informed_wmd", true}}}},
      exporter_a_);
  ASSERT_EQ(created.status, 201) << created.body;
  int64_t app_id = created.json()["id"];
  std::string app_path = "/v1/applications/" + std::to_string(app_id);
  EXPECT_EQ(created.header("location"), app_path);
  EXPECT_EQ(created.json()["status"], "draft");
  EXPECT_EQ(created.json()["version"], 1);

  auto goods = client_->Json("POST", app_path + "/goods",
                             {{"description", "Frequency changer"},
                              {"control_codes", {"3A225"}},
                              {"quantity", 2},
                              {"unit", "pcs"},
                              {"value", 15000},
                              {"currency", "EUR"}},
                             exporter_a_);
  ASSERT_EQ(goods.status, 201) << goods.body;
  EXPECT_EQ(goods.json()["application"]["goods"].size(), 1u);
  auto bad_goods = client_->Json("POST", app_path + "/goods", {{"quantity", "two"}}, exporter_a_);
  EXPECT_EQ(bad_goods.status, 400) << bad_goods.body;
  EXPECT_NE(bad_goods.json().value("detail", "").find("goods[1].quantity"), std::string::npos)
      << bad_goods.body;
  auto party = client_->Json(
      "POST", app_path + "/parties",
      {{"role", "consignee"}, {"name", "Acme GmbH"}, {"address", "Hauptstr. 1, Berlin"}, {"country", "DE"}},
      exporter_a_);
  ASSERT_EQ(party.status, 201) << party.body;

  // Submitting now fails with every field error at once: no end user, no statement, no WMD details, no
  // end-user certificate.
  int64_t version = Version(app_path, exporter_a_);
  auto rejected = client_->Json("POST", app_path + "/submit", {{"version", version}}, exporter_a_);
  ASSERT_EQ(rejected.status, 422) << rejected.body;
  EXPECT_EQ(rejected.header("content-type"), "application/problem+json");
  json errors = rejected.json()["errors"];
  ASSERT_TRUE(errors.is_array());
  EXPECT_GE(errors.size(), 4u) << errors.dump();
  EXPECT_TRUE(HasPath(errors, "end_user_statement")) << errors.dump();
  EXPECT_TRUE(HasPath(errors, "catch_all.informed_wmd_details")) << errors.dump();
  EXPECT_EQ(Version(app_path, exporter_a_), version);  // nothing written
  EXPECT_EQ(client_->Get("/v1/cases", exporter_a_).json()["total"], 0);

  // The exporter fixes them: the end user, the statement and details, and the certificate.
  auto end_user = client_->Json(
      "POST", app_path + "/parties",
      {{"role", "end_user"}, {"name", "Acme Research"}, {"address", "Rue 2, Paris"}, {"country", "FR"}},
      exporter_a_);
  ASSERT_EQ(end_user.status, 201) << end_user.body;
  std::string pdf = "%PDF-1.4 end-user certificate";
  auto doc = Upload(app_id, "end_user_certificate", "application/pdf", pdf, exporter_a_);
  ASSERT_EQ(doc.status, 201) << doc.body;
  EXPECT_EQ(doc.json()["sha256"], Sha256Hex(pdf));
  auto content = client_->Get(doc.header("location"), exporter_a_);
  EXPECT_EQ(content.status, 200);
  EXPECT_EQ(content.body, pdf);
  version = Version(app_path, exporter_a_);
  auto stale_patch =
      client_->Json("PATCH", app_path, {{"version", version - 1}, {"end_use", "x"}}, exporter_a_);
  EXPECT_EQ(stale_patch.status, 409) << stale_patch.body;
  auto patched = client_->Json("PATCH", app_path,
                               {{"version", version},
                                {"end_user_statement", "Not for WMD use; no re-export."},
                                {"catch_all", {{"informed_wmd_details", "Letter of 3 March"}}}},
                               exporter_a_);
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(patched.json()["application"]["catch_all"]["informed_wmd"], true);  // merge, not replace
  auto no_version = client_->Json("PATCH", app_path, {{"end_use", "x"}}, exporter_a_);
  EXPECT_EQ(no_version.status, 400);

  auto submitted =
      client_->Json("POST", app_path + "/submit", {{"version", patched.json()["version"]}}, exporter_a_);
  ASSERT_EQ(submitted.status, 201) << submitted.body;
  json the_case = submitted.json()["case"];
  int64_t case_id = the_case["id"];
  std::string case_path = "/v1/cases/" + std::to_string(case_id);
  EXPECT_EQ(submitted.header("location"), case_path);
  EXPECT_EQ(the_case["state"], "submitted");
  EXPECT_EQ(the_case["version"], 1);
  EXPECT_EQ(the_case["reference"].get<std::string>().substr(0, 5), "CASE-");
  EXPECT_EQ(submitted.json()["application"]["status"], "submitted");
  EXPECT_EQ(client_->Json("PATCH", app_path, {{"version", 99}, {"end_use", "x"}}, exporter_a_).status, 409);

  // The officer sees the case and its transitions.
  auto listed = client_->Get("/v1/cases?status=submitted", officer_);
  ASSERT_EQ(listed.status, 200) << listed.body;
  ASSERT_EQ(listed.json()["items"].size(), 1u);
  EXPECT_EQ(listed.json()["items"][0]["sla"]["target_working_days"], 20);
  auto got = client_->Get(case_path, officer_);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.json()["application"]["id"], app_id);
  EXPECT_EQ(got.json()["sla"]["paused"], false);
  auto transitions = client_->Get(case_path + "/transitions", officer_);
  ASSERT_EQ(transitions.status, 200) << transitions.body;
  ASSERT_EQ(transitions.json()["items"].size(), 1u);
  EXPECT_EQ(transitions.json()["items"][0]["action"], "start_checks");
  EXPECT_EQ(transitions.json()["items"][0]["allowed"], true);

  // The exporter may not start checks (the state machine says so).
  auto denied = Action(case_id, "start_checks", 1, exporter_a_);
  EXPECT_EQ(denied.status, 403) << denied.body;
  auto started = Action(case_id, "start_checks", 1, officer_, "picking it up");
  ASSERT_EQ(started.status, 200) << started.body;
  EXPECT_EQ(started.json()["state"], "initial_checks");
  EXPECT_EQ(started.json()["assigned_officer"], officer_id_);
  // Stale version.
  auto stale = Action(case_id, "checks_passed", 1, officer_);
  EXPECT_EQ(stale.status, 409) << stale.body;
  EXPECT_EQ(stale.json()["type"], "urn:stm:problem:conflict");
  // Wrong state.
  auto wrong = Action(case_id, "approve", 2, officer_);
  EXPECT_EQ(wrong.status, 409) << wrong.body;
  EXPECT_EQ(wrong.json()["type"], "urn:stm:problem:failed-precondition");
  ASSERT_EQ(Action(case_id, "checks_passed", 2, officer_).status, 200);
  auto queried = Action(case_id, "query_exporter", 3, officer_, "Please confirm the end user's address.");
  ASSERT_EQ(queried.status, 200) << queried.body;
  EXPECT_EQ(queried.json()["state"], "awaiting_exporter");
  EXPECT_EQ(queried.json()["sla"]["paused"], true);
  EXPECT_EQ(queried.json()["sla_pauses"].size(), 1u);

  // The exporter sees its case and answers.
  auto mine = client_->Get("/v1/cases", exporter_a_);
  EXPECT_EQ(mine.json()["total"], 1);
  auto exporter_transitions = client_->Get(case_path + "/transitions", exporter_a_);
  ASSERT_EQ(exporter_transitions.status, 200);
  EXPECT_EQ(exporter_transitions.json()["items"][0]["action"], "exporter_answered");
  auto answered = Action(case_id, "exporter_answered", 4, exporter_a_, "The address is correct.");
  ASSERT_EQ(answered.status, 200) << answered.body;
  EXPECT_EQ(answered.json()["state"], "under_review");
  EXPECT_EQ(answered.json()["sla"]["paused"], false);
  EXPECT_EQ(answered.json()["version"], 5);

  // Exporter B sees nothing of A's and cannot act.
  EXPECT_EQ(client_->Get(app_path, exporter_b_).status, 404);
  EXPECT_EQ(client_->Get(case_path, exporter_b_).status, 404);
  EXPECT_EQ(client_->Get(case_path + "/transitions", exporter_b_).status, 404);
  EXPECT_EQ(client_->Get(case_path + "/history", exporter_b_).status, 404);
  EXPECT_EQ(client_->Get(doc.header("location"), exporter_b_).status, 404);
  EXPECT_EQ(Action(case_id, "withdraw", 5, exporter_b_).status, 404);
  EXPECT_EQ(client_->Json("POST", app_path + "/goods", {{"description", "x"}}, exporter_b_).status, 404);
  EXPECT_EQ(client_->Get("/v1/cases", exporter_b_).json()["total"], 0);
  EXPECT_EQ(client_->Get("/v1/applications", exporter_b_).json()["items"].size(), 0u);
  // Officers cannot create applications; auditors read but cannot act.
  EXPECT_EQ(client_->Json("POST", "/v1/applications", {{"type", "individual"}}, officer_).status, 403);
  EXPECT_EQ(client_->Get(case_path, auditor_).status, 200);
  EXPECT_EQ(Action(case_id, "withdraw", 5, auditor_).status, 403);
  EXPECT_EQ(Action(case_id, "fly_away", 5, officer_).status, 404);

  // The history shows every change with its audit event.
  auto history = client_->Get(case_path + "/history", exporter_a_);
  ASSERT_EQ(history.status, 200) << history.body;
  json events = history.json()["items"];
  std::vector<std::string> actions;
  for (const auto& e : events) actions.push_back(e["action"]);
  EXPECT_EQ(actions, (std::vector<std::string>{
                         "application.create", "application.goods.add", "application.party.add",
                         "application.party.add", "application.document.add", "application.update",
                         "application.submit", "case.create", "case.start_checks", "case.checks_passed",
                         "case.query_exporter", "case.exporter_answered"}));
  json last = events.back()["summary"];
  EXPECT_EQ(last["from"], "awaiting_exporter");
  EXPECT_EQ(last["to"], "under_review");
  EXPECT_EQ(last["note"], "The address is correct.");
  EXPECT_EQ(events.back()["actor"], "user:exp_a");
}

TEST_F(LicensingApiTest, DocumentLimitsAreClear) {
  auto created = client_->Json("POST", "/v1/applications", {{"type", "global"}}, exporter_a_);
  ASSERT_EQ(created.status, 201) << created.body;
  int64_t id = created.json()["id"];
  auto wrong_type = Upload(id, "contract", "application/zip", "PK\x03\x04", exporter_a_);
  EXPECT_EQ(wrong_type.status, 400) << wrong_type.body;
  EXPECT_NE(wrong_type.json().value("detail", "").find("application/pdf"), std::string::npos)
      << wrong_type.body;
  auto too_large = Upload(id, "contract", "application/pdf", std::string(70 * 1024, 'x'), exporter_a_);
  EXPECT_EQ(too_large.status, 413) << too_large.body;
  auto no_kind = client_->Send("POST", "/v1/applications/" + std::to_string(id) + "/documents", "x",
                               {{"Authorization", "Bearer " + exporter_a_}, {"Content-Type", "text/plain"}});
  EXPECT_EQ(no_kind.status, 400) << no_kind.body;
  auto empty = Upload(id, "other", "text/plain", "", exporter_a_);
  EXPECT_EQ(empty.status, 400) << empty.body;
  EXPECT_EQ(Upload(id, "other", "text/plain", "notes", exporter_b_).status, 404);
  EXPECT_EQ(Upload(id, "other", "text/plain", "notes", exporter_a_).status, 201);
}

TEST_F(LicensingApiTest, RequiresPermissions) {
  EXPECT_EQ(client_->Json("POST", "/v1/applications", {{"type", "individual"}}).status, 401);
  EXPECT_EQ(client_->Get("/v1/cases").status, 401);
  EXPECT_EQ(client_->Json("POST", "/v1/applications", {{"type", "individual"}}, auditor_).status, 403);
  EXPECT_EQ(client_->Get("/v1/cases?status=nonsense", officer_).status, 400);
  EXPECT_EQ(client_->Get("/v1/cases?limit=0", officer_).status, 400);
  EXPECT_EQ(client_->Get("/v1/cases?overdue=true", officer_).status, 200);
  EXPECT_EQ(client_->Get("/v1/cases/999", officer_).status, 404);
  EXPECT_EQ(client_->Json("POST", "/v1/applications", {{"type", "spaceship"}}, exporter_a_).status, 400);
}

// The whole path of a case with referrals, countersigning and a licence, with the right person at each step.
TEST_F(LicensingApiTest, ReferralCountersignDecisionAndLicenceWalk) {
  int64_t agency_x = CreateOrg(admin_, "Agency X", "referral_agency");
  int64_t agency_y = CreateOrg(admin_, "Agency Y", "referral_agency");
  CreateUser(admin_, "ref_x", "referral_officer", agency_x, "referral-password-x");
  CreateUser(admin_, "ref_y", "referral_officer", agency_y, "referral-password-y");
  CreateUser(admin_, "senior1", "senior_licensing_officer", std::nullopt, "senior-password-1");
  CreateUser(admin_, "senior2", "senior_licensing_officer", std::nullopt, "senior-password-2");
  std::string ref_x = Login("ref_x", "referral-password-x");
  std::string ref_y = Login("ref_y", "referral-password-y");
  std::string senior1 = Login("senior1", "senior-password-1");
  std::string senior2 = Login("senior2", "senior-password-2");

  // A complete application, submitted.
  auto created = client_->Json("POST", "/v1/applications",
                               {{"type", "individual"},
                                {"end_use", "Test bench for motors"},
                                {"end_user_statement", "Not for WMD use; no re-export."},
                                {"goods", json::array({{{"description", "Frequency changer"},
                                                        {"control_codes", {"3A225"}},
                                                        {"quantity", 2},
                                                        {"unit", "pcs"},
                                                        {"value", 15000},
                                                        {"currency", "EUR"},
                                                        {"hs_code", "8504.40"}}})}},
                               exporter_a_);
  ASSERT_EQ(created.status, 201) << created.body;
  int64_t app_id = created.json()["id"];
  std::string app_path = "/v1/applications/" + std::to_string(app_id);
  ASSERT_EQ(
      client_
          ->Json("POST", app_path + "/parties",
                 {{"role", "consignee"}, {"name", "Acme GmbH"}, {"address", "Berlin"}, {"country", "DE"}},
                 exporter_a_)
          .status,
      201);
  ASSERT_EQ(
      client_
          ->Json("POST", app_path + "/parties",
                 {{"role", "end_user"}, {"name", "Acme Research"}, {"address", "Paris"}, {"country", "FR"}},
                 exporter_a_)
          .status,
      201);
  // Submitting without the end-user certificate answers the field error and writes nothing.
  auto incomplete =
      client_->Json("POST", app_path + "/submit", {{"version", Version(app_path, exporter_a_)}}, exporter_a_);
  ASSERT_EQ(incomplete.status, 422) << incomplete.body;
  EXPECT_TRUE(HasPath(incomplete.json()["errors"], "documents")) << incomplete.body;
  ASSERT_EQ(Upload(app_id, "end_user_certificate", "application/pdf", "%PDF-1.4 euc", exporter_a_).status,
            201);
  auto submitted =
      client_->Json("POST", app_path + "/submit", {{"version", Version(app_path, exporter_a_)}}, exporter_a_);
  ASSERT_EQ(submitted.status, 201) << submitted.body;
  int64_t case_id = submitted.json()["case"]["id"];
  std::string case_path = "/v1/cases/" + std::to_string(case_id);

  // Routed on submission by the rules in data/routing.json: the case sits in a queue, and the routing says
  // why.
  auto routing = client_->Get(case_path + "/routing", officer_);
  ASSERT_EQ(routing.status, 200) << routing.body;
  const json routed = routing.json();
  ASSERT_GE(routed["placements"].size(), 1u) << routing.body;
  const int64_t queue_id = routed["placements"][0]["queue_id"];
  EXPECT_FALSE(routed["placements"][0]["explanation"].get<std::string>().empty()) << routing.body;
  EXPECT_FALSE(routed["decision"].is_null()) << routing.body;
  auto queued = client_->Get("/v1/cases?queue=" + std::to_string(queue_id), officer_);
  ASSERT_EQ(queued.status, 200) << queued.body;
  ASSERT_EQ(queued.json()["total"], 1) << queued.body;
  EXPECT_EQ(queued.json()["items"][0]["id"], case_id);
  EXPECT_EQ(client_->Get(case_path + "/routing", exporter_a_).status, 403);  // internal

  ASSERT_EQ(Action(case_id, "start_checks", 1, officer_).status, 200);
  ASSERT_EQ(Action(case_id, "checks_passed", 2, officer_).status, 200);
  EXPECT_EQ(client_->Get(case_path, ref_x).status, 404);  // not referred yet

  // Refer to both agencies.
  auto bad_refer = client_->Json(
      "POST", case_path + "/referrals",
      {{"agencies", json::array({org_a_})}, {"deadline", "2030-01-31"}, {"version", 3}}, officer_);
  EXPECT_EQ(bad_refer.status, 400) << bad_refer.body;
  auto referred = client_->Json("POST", case_path + "/referrals",
                                {{"agencies", json::array({agency_x, agency_y})},
                                 {"deadline", "2030-01-31"},
                                 {"note", "Please advise"},
                                 {"version", 3}},
                                officer_);
  ASSERT_EQ(referred.status, 201) << referred.body;
  ASSERT_EQ(referred.json()["items"].size(), 2u);
  int64_t rx = referred.json()["items"][0]["id"];
  int64_t ry = referred.json()["items"][1]["id"];
  EXPECT_EQ(referred.json()["items"][0]["agency"], agency_x);
  auto state = client_->Get(case_path, officer_).json();
  EXPECT_EQ(state["state"], "referred");
  EXPECT_EQ(state["referrals_awaiting_advice"], 2);

  // Each referral officer sees the case and only its own referral.
  EXPECT_EQ(client_->Get(case_path, ref_x).status, 200);
  EXPECT_EQ(client_->Get("/v1/cases", ref_x).json()["total"], 1);
  auto x_referrals = client_->Get(case_path + "/referrals", ref_x);
  ASSERT_EQ(x_referrals.status, 200) << x_referrals.body;
  EXPECT_EQ(x_referrals.json()["items"].size(), 1u);
  EXPECT_EQ(client_->Get(case_path + "/referrals", exporter_a_).status, 403);  // advice is internal
  EXPECT_EQ(client_
                ->Json("POST", "/v1/referrals/" + std::to_string(rx) + "/advice",
                       {{"advice", json::array({{{"subject", "good"}, {"advice", "refuse"}}})}}, ref_x)
                .status,
            400);  // a refusal names its criteria
  EXPECT_EQ(client_
                ->Json("POST", "/v1/referrals/" + std::to_string(rx) + "/advice",
                       {{"advice", json::array({{{"subject", "good"}, {"advice", "approve"}}})}}, ref_y)
                .status,
            404);
  EXPECT_EQ(client_
                ->Json("POST", "/v1/referrals/" + std::to_string(rx) + "/advice",
                       {{"advice", json::array({{{"subject", "good"}, {"advice", "approve"}}})}}, officer_)
                .status,
            403);
  auto advice_x = client_->Json("POST", "/v1/referrals/" + std::to_string(rx) + "/advice",
                                {{"advice", json::array({{{"subject", "good"},
                                                          {"ref", 1},
                                                          {"advice", "approve_with_provisos"},
                                                          {"provisos", "No onward transfer"}}})},
                                 {"summary", "Acceptable with provisos"}},
                                ref_x);
  ASSERT_EQ(advice_x.status, 200) << advice_x.body;
  EXPECT_EQ(advice_x.json()["status"], "answered");
  EXPECT_EQ(client_->Get(case_path, officer_).json()["state"], "referred");
  auto advice_y = client_->Json(
      "POST", "/v1/referrals/" + std::to_string(ry) + "/advice",
      {{"advice", json::array({{{"subject", "destination"}, {"advice", "no_objection"}}})}}, ref_y);
  ASSERT_EQ(advice_y.status, 200) << advice_y.body;
  auto consolidated = client_->Get(case_path + "/referrals", officer_);
  ASSERT_EQ(consolidated.status, 200);
  EXPECT_EQ(consolidated.json()["items"].size(), 2u);
  EXPECT_EQ(consolidated.json()["recommendation"], "approve_with_provisos");
  EXPECT_EQ(consolidated.json()["open"], 0);
  state = client_->Get(case_path, officer_).json();
  EXPECT_EQ(state["state"], "under_final_review");
  int64_t version = state["version"];

  // The recommendation needs countersigning; the decision waits for two different seniors.
  auto recommended = client_->Json(
      "POST", case_path + "/recommendation",
      {{"recommendation", "approve"}, {"needs_countersign", true}, {"version", version}}, officer_);
  ASSERT_EQ(recommended.status, 200) << recommended.body;
  EXPECT_EQ(recommended.json()["recommendation"], "approved");
  EXPECT_EQ(recommended.json()["needs_countersign"], true);
  version = recommended.json()["version"];
  auto too_early = client_->Json("POST", case_path + "/decision",
                                 {{"decision", "approve"}, {"version", version}}, officer_);
  EXPECT_EQ(too_early.status, 409) << too_early.body;
  EXPECT_EQ(Action(case_id, "send_to_final_review", version, officer_).status, 409);  // already there
  ASSERT_EQ(Action(case_id, "request_countersign", version, officer_).status, 200);
  ASSERT_EQ(Action(case_id, "countersign_first", version + 1, senior1).status, 200);
  EXPECT_EQ(Action(case_id, "countersign_second", version + 2, senior1).status, 403);
  ASSERT_EQ(Action(case_id, "countersign_second", version + 2, senior2).status, 200);
  auto decided = client_->Json("POST", case_path + "/decision",
                               {{"decision", "approve"},
                                {"version", version + 3},
                                {"conditions", "No onward transfer"},
                                {"validity_months", 12}},
                               officer_);
  ASSERT_EQ(decided.status, 200) << decided.body;
  EXPECT_EQ(decided.json()["state"], "finalised");
  EXPECT_EQ(decided.json()["outcome"], "approved");
  std::string number = decided.json()["licence"]["number"];
  EXPECT_EQ(number.substr(0, 9), "STM/SIEL/");
  std::string licence_path = "/v1/licences/" + number;
  std::string encoded;  // an encoded number reaches the same licence
  for (char ch : number) encoded += ch == '/' ? std::string("%2F") : std::string(1, ch);
  EXPECT_EQ(client_->Get("/v1/licences/" + encoded, exporter_a_).status, 200);

  // The exporter reads its licence; another exporter does not see it.
  auto licence = client_->Get(licence_path, exporter_a_);
  ASSERT_EQ(licence.status, 200) << licence.body;
  EXPECT_EQ(licence.json()["status"], "active");
  EXPECT_EQ(licence.json()["conditions"], "No onward transfer");
  EXPECT_EQ(licence.json()["lines"].size(), 1u);
  EXPECT_EQ(client_->Get(licence_path, exporter_b_).status, 404);
  EXPECT_EQ(client_->Get("/v1/licences/STM/SIEL/1999/000009", officer_).status, 404);

  // The approval letter went out with the decision.
  auto letters = client_->Get(case_path + "/letters", exporter_a_);
  ASSERT_EQ(letters.status, 200) << letters.body;
  ASSERT_EQ(letters.json()["items"].size(), 1u);
  EXPECT_EQ(letters.json()["items"][0]["kind"], "approval");
  EXPECT_NE(letters.json()["items"][0]["body"].get<std::string>().find(number), std::string::npos);
  EXPECT_EQ(client_->Get(case_path + "/letters", exporter_b_).status, 404);

  // Amended: a new version supersedes the licence; the old one is no longer usable.
  EXPECT_EQ(
      client_->Json("POST", licence_path + "/amend", {{"version", 1}, {"reason", "More"}}, officer_).status,
      400);  // nothing to change
  EXPECT_EQ(client_
                ->Json("POST", licence_path + "/amend",
                       {{"version", 1}, {"reason", "More"}, {"lines", {{{"line", 1}, {"quantity", 3}}}}},
                       exporter_a_)
                .status,
            403);
  auto amended = client_->Json("POST", licence_path + "/amend",
                               {{"version", 1},
                                {"reason", "The customer needs a third unit"},
                                {"lines", {{{"line", 1}, {"quantity", 3}, {"value", 22500}}}}},
                               officer_);
  ASSERT_EQ(amended.status, 201) << amended.body;
  std::string amended_number = amended.json()["number"];
  EXPECT_EQ(amended_number, number + "/A1");
  EXPECT_EQ(amended.json()["supersedes"], number);
  EXPECT_EQ(amended.json()["lines"][0]["quantity"], 3.0);
  EXPECT_EQ(amended.json()["conditions"], "No onward transfer");
  EXPECT_EQ(client_->Get(licence_path, exporter_a_).json()["status"], "superseded");
  EXPECT_EQ(client_->Get(licence_path, exporter_a_).json()["superseded_by"], amended_number);
  EXPECT_EQ(client_->Json("POST", licence_path + "/actions/suspend", json::object(), officer_).status, 409);
  std::string amended_path = "/v1/licences/" + amended_number;
  auto listed = client_->Get("/v1/licences?case_id=" + std::to_string(case_id), exporter_a_);
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(listed.json()["items"].size(), 2u);
  EXPECT_EQ(client_->Get("/v1/licences", exporter_b_).json()["items"].size(), 0u);

  // Suspend, reinstate, revoke the amended licence; revoked is final.
  EXPECT_EQ(client_->Json("POST", amended_path + "/actions/suspend", json::object(), exporter_a_).status,
            403);
  auto suspended = client_->Json("POST", amended_path + "/actions/suspend",
                                 {{"reason", "Inquiry"}, {"version", 1}}, officer_);
  ASSERT_EQ(suspended.status, 200) << suspended.body;
  EXPECT_EQ(suspended.json()["status"], "suspended");
  auto reinstated = client_->Json("POST", amended_path + "/actions/reinstate", json::object(), officer_);
  ASSERT_EQ(reinstated.status, 200) << reinstated.body;
  EXPECT_EQ(reinstated.json()["status"], "active");
  auto revoked = client_->Json("POST", amended_path + "/actions/revoke", {{"reason", "Breach"}}, officer_);
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_EQ(revoked.json()["status"], "revoked");
  EXPECT_EQ(client_->Json("POST", amended_path + "/actions/surrender", json::object(), exporter_a_).status,
            409);
  EXPECT_EQ(client_->Json("POST", amended_path + "/actions/explode", json::object(), officer_).status, 404);
  auto licence_history = client_->Get("/v1/audit?target=licence:" + amended_number, auditor_);
  ASSERT_EQ(licence_history.status, 200) << licence_history.body;
  std::vector<std::string> licence_actions;
  const json licence_events = licence_history.json();
  for (const auto& e : licence_events["items"]) licence_actions.push_back(e["action"]);
  for (const char* expected : {"licence.amend", "licence.suspend", "licence.reinstate", "licence.revoke"}) {
    EXPECT_NE(std::find(licence_actions.begin(), licence_actions.end(), expected), licence_actions.end())
        << expected << " in " << licence_history.body;
  }

  // The history shows the steps.
  auto history = client_->Get(case_path + "/history", officer_);
  ASSERT_EQ(history.status, 200) << history.body;
  std::vector<std::string> actions;
  json events = history.json()["items"];
  for (const auto& e : events) actions.push_back(e["action"]);
  for (const char* expected : {"case.refer", "case.all_advice_received", "case.recommendation",
                               "case.request_countersign", "case.countersign_second", "case.approve"}) {
    EXPECT_NE(std::find(actions.begin(), actions.end(), expected), actions.end()) << expected;
  }
}

// The second acceptance walk: a query to the exporter pauses the clock, the answer resumes it, the case is
// refused with a letter naming the criteria and the appeal deadline, and the exporter appeals.
TEST_F(LicensingApiTest, QueryAnswerRefusalAndAppealWalk) {
  CreateUser(admin_, "senior1", "senior_licensing_officer", std::nullopt, "senior-password-1");
  std::string senior = Login("senior1", "senior-password-1");
  auto created = client_->Json(
      "POST", "/v1/applications",
      {{"type", "individual"},
       {"end_use", "Vacuum furnace for turbine blades"},
       {"end_user_statement", "Civil aerospace use only."},
       {"goods", json::array({GoodsLine("Vacuum induction furnace", "2B226", 1, 480000)})},
       {"parties",
        json::array(
            {{{"role", "consignee"},
              {"name", "Delta Trading FZE"},
              {"address", "Jebel Ali"},
              {"country", "AE"}},
             {{"role", "end_user"}, {"name", "Gamma Aero"}, {"address", "Karachi"}, {"country", "PK"}}})}},
      exporter_a_);
  ASSERT_EQ(created.status, 201) << created.body;
  int64_t app_id = created.json()["id"];
  std::string app_path = "/v1/applications/" + std::to_string(app_id);
  // Draft -> submit with a field error first (no end-user certificate), then fixed.
  auto rejected =
      client_->Json("POST", app_path + "/submit", {{"version", Version(app_path, exporter_a_)}}, exporter_a_);
  ASSERT_EQ(rejected.status, 422) << rejected.body;
  EXPECT_TRUE(HasPath(rejected.json()["errors"], "documents")) << rejected.body;
  ASSERT_EQ(Upload(app_id, "end_user_certificate", "application/pdf", "%PDF-1.4 euc", exporter_a_).status,
            201);
  auto submitted =
      client_->Json("POST", app_path + "/submit", {{"version", Version(app_path, exporter_a_)}}, exporter_a_);
  ASSERT_EQ(submitted.status, 201) << submitted.body;
  int64_t case_id = submitted.json()["case"]["id"];
  std::string case_path = "/v1/cases/" + std::to_string(case_id);
  ASSERT_EQ(Action(case_id, "start_checks", 1, officer_).status, 200);
  ASSERT_EQ(Action(case_id, "checks_passed", 2, officer_).status, 200);

  // Query to the exporter: the clock pauses and a query letter goes out.
  auto queried = Action(case_id, "query_exporter", 3, officer_, "Who operates the furnace at Gamma Aero?");
  ASSERT_EQ(queried.status, 200) << queried.body;
  EXPECT_EQ(queried.json()["state"], "awaiting_exporter");
  EXPECT_EQ(queried.json()["sla"]["paused"], true);
  EXPECT_EQ(Action(case_id, "exporter_answered", 4, exporter_b_).status, 404);  // not theirs
  EXPECT_EQ(Action(case_id, "exporter_answered", 4, officer_).status, 403);
  auto answered = Action(case_id, "exporter_answered", 4, exporter_a_, "The blade shop, see contract.");
  ASSERT_EQ(answered.status, 200) << answered.body;
  EXPECT_EQ(answered.json()["state"], "under_review");
  EXPECT_EQ(answered.json()["sla"]["paused"], false);
  ASSERT_EQ(answered.json()["sla_pauses"].size(), 1u);
  EXPECT_FALSE(answered.json()["sla_pauses"][0]["end"].is_null());

  // Refused with criteria; the refusal letter names them and the appeal deadline.
  ASSERT_EQ(Action(case_id, "send_to_final_review", 5, officer_).status, 200);
  auto no_criteria =
      client_->Json("POST", case_path + "/decision", {{"decision", "refuse"}, {"version", 6}}, officer_);
  EXPECT_EQ(no_criteria.status, 400) << no_criteria.body;
  auto refused = client_->Json("POST", case_path + "/decision",
                               {{"decision", "refuse"},
                                {"version", 6},
                                {"refusal_criteria", {"Criterion 7: risk of diversion to a WMD programme"}},
                                {"reason", "The end user is linked to an unsafeguarded nuclear programme."}},
                               officer_);
  ASSERT_EQ(refused.status, 200) << refused.body;
  EXPECT_EQ(refused.json()["outcome"], "refused");
  EXPECT_EQ(refused.json()["appeal_window_open"], true);
  ASSERT_TRUE(refused.json()["appeal_deadline"].is_string()) << refused.body;
  EXPECT_TRUE(refused.json()["licence"].is_null());
  EXPECT_EQ(client_->Get("/v1/licences?case_id=" + std::to_string(case_id), officer_).json()["items"].size(),
            0u);
  auto letters = client_->Get(case_path + "/letters", exporter_a_);
  ASSERT_EQ(letters.status, 200) << letters.body;
  ASSERT_EQ(letters.json()["items"].size(), 2u) << letters.body;
  EXPECT_EQ(letters.json()["items"][0]["kind"], "query");
  EXPECT_NE(letters.json()["items"][0]["body"].get<std::string>().find("Who operates the furnace"),
            std::string::npos);
  json refusal = letters.json()["items"][1];
  EXPECT_EQ(refusal["kind"], "refusal");
  std::string body = refusal["body"];
  EXPECT_NE(body.find("Criterion 7: risk of diversion"), std::string::npos) << body;
  EXPECT_NE(body.find(refused.json()["appeal_deadline"].get<std::string>().substr(0, 10)), std::string::npos)
      << body;
  auto text = client_->Send("GET", case_path + "/letters/" + std::to_string(refusal["id"].get<int64_t>()), "",
                            {{"Authorization", "Bearer " + exporter_a_}, {"Accept", "text/plain"}});
  ASSERT_EQ(text.status, 200) << text.body;
  EXPECT_EQ(text.header("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(text.body.substr(0, refusal["subject"].get<std::string>().size()), refusal["subject"]);
  EXPECT_EQ(client_->Get(case_path + "/letters/" + std::to_string(refusal["id"].get<int64_t>()), exporter_b_)
                .status,
            404);

  // The exporter appeals; a senior officer decides the appeal.
  EXPECT_EQ(Action(case_id, "appeal", 7, officer_).status, 403);
  auto appealed = Action(case_id, "appeal", 7, exporter_a_, "The furnace is for civil blades; see new EUC.");
  ASSERT_EQ(appealed.status, 200) << appealed.body;
  EXPECT_EQ(appealed.json()["state"], "appeal");
  auto transitions = client_->Get(case_path + "/transitions", senior);
  ASSERT_EQ(transitions.status, 200);
  std::vector<std::string> next;
  const json available = transitions.json();
  for (const auto& t : available["items"]) {
    if (t["allowed"]) next.push_back(t["action"]);
  }
  EXPECT_NE(std::find(next.begin(), next.end(), "appeal_dismissed"), next.end()) << transitions.body;
  auto dismissed = Action(case_id, "appeal_dismissed", 8, senior, "No new information on the end user.");
  ASSERT_EQ(dismissed.status, 200) << dismissed.body;
  EXPECT_EQ(dismissed.json()["state"], "closed");
  letters = client_->Get(case_path + "/letters", exporter_a_);
  ASSERT_EQ(letters.json()["items"].size(), 3u);
  EXPECT_EQ(letters.json()["items"][2]["kind"], "appeal_decision");
  EXPECT_NE(letters.json()["items"][2]["body"].get<std::string>().find("dismissed"), std::string::npos);

  // Every change is in the history, in order.
  auto history = client_->Get(case_path + "/history", exporter_a_);
  ASSERT_EQ(history.status, 200) << history.body;
  std::vector<std::string> actions;
  const json events = history.json();
  for (const auto& e : events["items"]) actions.push_back(e["action"]);
  std::vector<std::string> expected = {
      "application.submit",        "case.create",         "case.start_checks",
      "case.checks_passed",        "case.query_exporter", "case.exporter_answered",
      "case.send_to_final_review", "case.refuse",         "case.appeal",
      "case.appeal_dismissed"};
  std::vector<std::string> seen;
  for (const auto& a : actions) {
    if (std::find(expected.begin(), expected.end(), a) != expected.end()) seen.push_back(a);
  }
  EXPECT_EQ(seen, expected) << history.body;
}

// Visibility: exporter B never sees exporter A's case, letters, history or licences; a referral agency
// sees only the cases referred to it; customs sees no case.
TEST_F(LicensingApiTest, VisibilityRules) {
  int64_t agency_x = CreateOrg(admin_, "Agency X", "referral_agency");
  int64_t agency_y = CreateOrg(admin_, "Agency Y", "referral_agency");
  CreateUser(admin_, "ref_x", "referral_officer", agency_x, "referral-password-x");
  CreateUser(admin_, "ref_y", "referral_officer", agency_y, "referral-password-y");
  int64_t customs_org = CreateOrg(admin_, "Customs", "customs");
  CreateUser(admin_, "customs1", "customs_officer", customs_org, "customs-password-1");
  std::string ref_x = Login("ref_x", "referral-password-x");
  std::string ref_y = Login("ref_y", "referral-password-y");
  std::string customs = Login("customs1", "customs-password-1");

  auto make_case = [&](const std::string& token) -> int64_t {
    auto created = client_->Json(
        "POST", "/v1/applications",
        {{"type", "individual"},
         {"end_use", "Research"},
         {"end_user_statement", "Civil use."},
         {"goods", json::array({GoodsLine("Gauge", "2B230", 4, 4000)})},
         {"parties",
          json::array({{{"role", "consignee"}, {"name", "Lab"}, {"address", "Oslo"}, {"country", "NO"}},
                       {{"role", "end_user"}, {"name", "Lab"}, {"address", "Oslo"}, {"country", "NO"}}})}},
        token);
    EXPECT_EQ(created.status, 201) << created.body;
    int64_t id = created.json()["id"];
    std::string path = "/v1/applications/" + std::to_string(id);
    EXPECT_EQ(Upload(id, "end_user_certificate", "application/pdf", "%PDF-1.4", token).status, 201);
    auto submitted = client_->Json("POST", path + "/submit", {{"version", Version(path, token)}}, token);
    EXPECT_EQ(submitted.status, 201) << submitted.body;
    return submitted.json()["case"]["id"];
  };
  int64_t case_a = make_case(exporter_a_);
  int64_t case_b = make_case(exporter_b_);
  std::string path_a = "/v1/cases/" + std::to_string(case_a);
  std::string path_b = "/v1/cases/" + std::to_string(case_b);

  // Exporters: only their own, and another's answers 404, never 403 (its existence is not revealed).
  for (const char* suffix : {"", "/history", "/transitions", "/letters"}) {
    EXPECT_EQ(client_->Get(path_a + suffix, exporter_b_).status, 404) << suffix;
    EXPECT_EQ(client_->Get(path_a + suffix, exporter_a_).status, 200) << suffix;
  }
  EXPECT_EQ(Action(case_a, "withdraw", 1, exporter_b_).status, 404);
  auto list_a = client_->Get("/v1/cases", exporter_a_).json();
  ASSERT_EQ(list_a["total"], 1);
  EXPECT_EQ(list_a["items"][0]["id"], case_a);
  EXPECT_EQ(client_->Get("/v1/applications", exporter_b_).json()["items"].size(), 1u);
  EXPECT_EQ(client_->Get("/v1/cases", officer_).json()["total"], 2);

  // Referral agencies: nothing until referred, then only that case.
  EXPECT_EQ(client_->Get("/v1/cases", ref_x).json()["total"], 0);
  ASSERT_EQ(Action(case_a, "start_checks", 1, officer_).status, 200);
  ASSERT_EQ(Action(case_a, "checks_passed", 2, officer_).status, 200);
  auto referred = client_->Json(
      "POST", path_a + "/referrals",
      {{"agencies", json::array({agency_x})}, {"deadline", "2030-01-31"}, {"version", 3}}, officer_);
  ASSERT_EQ(referred.status, 201) << referred.body;
  EXPECT_EQ(client_->Get(path_a, ref_x).status, 200);
  EXPECT_EQ(client_->Get(path_b, ref_x).status, 404);
  EXPECT_EQ(client_->Get(path_a, ref_y).status, 404);
  auto ref_list = client_->Get("/v1/cases", ref_x).json();
  ASSERT_EQ(ref_list["total"], 1);
  EXPECT_EQ(ref_list["items"][0]["id"], case_a);
  EXPECT_EQ(client_->Get("/v1/cases", ref_y).json()["total"], 0);
  // Referral officers cannot act on cases or decide them; customs sees no case.
  EXPECT_EQ(Action(case_a, "send_to_final_review", 4, ref_x).status, 403);
  EXPECT_EQ(client_->Get("/v1/cases", customs).status, 403);
  EXPECT_EQ(client_->Get(path_a, customs).status, 403);
}

}  // namespace
}  // namespace stm::testing
