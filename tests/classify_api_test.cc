// Classification, the control-list catalogue and official rulings over HTTP: authentication and
// permissions, classification with the project's criteria (no shared data needed), requests and rulings
// with exporter isolation and audit, and (when the shared reference data is present) catalogue search,
// entries, versions, diffs and chemicals.
#include "audit/audit.h"
#include "test_data.h"
#include "test_server.h"

namespace stm::testing {
namespace {

using nlohmann::json;

// A 3A225 frequency changer: 700 Hz, three phases, 50 VA, 0.1 % frequency control.
json FrequencyChanger(const std::string& frequency_unit = "Hz") {
  return {{"description", "frequency changer for a motor drive"},
          {"parameters",
           {{{"name", "output frequency"}, {"value", 700}, {"unit", frequency_unit}},
            {{"name", "phase_count"}, {"value", 3}},
            {{"name", "output power"}, {"value", 50}, {"unit", "VA"}},
            {{"name", "frequency control"}, {"value", 0.1}, {"unit", "%"}}}},
          {"answers", {{"nrc_licensing_authority", false}, {"usable_as_motor_drive", true}}}};
}

class ClassifyApiTest : public ServerTest {
 protected:
  // Without the shared data (an empty data directory): criteria only, fast to start.
  void SetUp() override {
    StartServer([this](Config& cfg) { ConfigureData(cfg); });
    if (HasFatalFailure()) return;
    admin_ = AdminToken();
    org_a_ = CreateOrg(admin_, "Exporter A", "exporter");
    org_b_ = CreateOrg(admin_, "Exporter B", "exporter");
    CreateUser(admin_, "exp_a", "exporter_user", org_a_, "exporter-password-a");
    CreateUser(admin_, "exp_b", "exporter_user", org_b_, "exporter-password-b");
    CreateUser(admin_, "officer1", "licensing_officer", std::nullopt, "officer-password-1");
    exporter_a_ = Login("exp_a", "exporter-password-a");
    exporter_b_ = Login("exp_b", "exporter-password-b");
    officer_ = Login("officer1", "officer-password-1");
  }

  virtual void ConfigureData(Config& cfg) {
    std::filesystem::create_directories(dir_.File("nodata"));
    cfg.data_dir = dir_.File("nodata");
  }

  const json* Candidate(const json& classification, const std::string& code) {
    for (const auto& c : classification["candidates"]) {
      if (c.value("code", "") == code) return &c;
    }
    return nullptr;
  }

  std::vector<audit::StoredEvent> Events(const std::string& target) {
    auto events = audit::Query(app_->db(), {.target = target, .after_seq = 0, .limit = 1000});
    EXPECT_TRUE(events.ok()) << events.status().ToString();
    return events.ok() ? *events : std::vector<audit::StoredEvent>{};
  }

  int64_t SaveRequest(const std::string& token, const std::string& reference) {
    auto r = client_->Json("POST", "/v1/classification-requests",
                           {{"item", FrequencyChanger()}, {"reference", reference}}, token);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json().value("id", int64_t{0});
  }

  std::string admin_, exporter_a_, exporter_b_, officer_;
  int64_t org_a_ = 0, org_b_ = 0;
};

TEST_F(ClassifyApiTest, RequiresAuthentication) {
  EXPECT_EQ(client_->Json("POST", "/v1/classify", FrequencyChanger()).status, 401);
  EXPECT_EQ(client_->Get("/v1/controls?q=frequency").status, 401);
  EXPECT_EQ(client_->Get("/v1/controls/3A225").status, 401);
  EXPECT_EQ(client_->Get("/v1/controls/versions").status, 401);
  EXPECT_EQ(client_->Get("/v1/chemicals/111-48-8").status, 401);
  EXPECT_EQ(client_->Json("POST", "/v1/classification-requests", {{"item", FrequencyChanger()}}).status, 401);
  EXPECT_EQ(client_->Get("/v1/classification-requests").status, 401);
  EXPECT_EQ(client_->Get("/v1/classify", "not-a-token").status, 405);
  EXPECT_EQ(client_->Json("POST", "/v1/classify", FrequencyChanger(), "not-a-token").status, 401);
}

TEST_F(ClassifyApiTest, ClassifiesAFrequencyChangerUnder3A225WithoutSharedData) {
  auto r = client_->Json("POST", "/v1/classify", FrequencyChanger(), exporter_a_);
  ASSERT_EQ(r.status, 200) << r.body;
  json out = r.json();
  ASSERT_FALSE(out["candidates"].empty()) << out.dump();
  EXPECT_EQ(out["candidates"][0]["code"], "3A225") << out.dump(1);
  EXPECT_EQ(out["candidates"][0]["verdict"], "controlled");
  EXPECT_EQ(out["candidates"][0]["regime"], "nsg2");
  EXPECT_FALSE(out["candidates"][0]["explanation"].get<std::string>().empty());
  EXPECT_TRUE(out["unknown_parameters"].empty()) << out.dump();

  // Below the threshold it is not controlled under 3A225.
  json low = FrequencyChanger();
  low["parameters"][0]["value"] = 500;
  auto r2 = client_->Json("POST", "/v1/classify", low, officer_);
  ASSERT_EQ(r2.status, 200) << r2.body;
  json low_out = r2.json();
  const json* c = Candidate(low_out, "3A225");
  if (c != nullptr) {
    EXPECT_EQ((*c)["verdict"], "not") << c->dump();
  }

  // limit bounds the candidates.
  json one = FrequencyChanger();
  one["limit"] = 1;
  auto r3 = client_->Json("POST", "/v1/classify", one, exporter_a_);
  ASSERT_EQ(r3.status, 200) << r3.body;
  EXPECT_EQ(r3.json()["candidates"].size(), 1u);
}

TEST_F(ClassifyApiTest, BadItemsAreExplainedNamingTheField) {
  auto bad_unit = client_->Json("POST", "/v1/classify", FrequencyChanger("kg"), exporter_a_);
  EXPECT_EQ(bad_unit.status, 400) << bad_unit.body;
  EXPECT_EQ(bad_unit.header("content-type"), "application/problem+json");
  std::string detail = bad_unit.json().value("detail", "");
  EXPECT_NE(detail.find("kg"), std::string::npos) << detail;
  EXPECT_NE(detail.find("Hz"), std::string::npos) << detail;
  EXPECT_NE(detail.find("parameters[0]"), std::string::npos) << detail;

  json bad_value = FrequencyChanger();
  bad_value["parameters"][1]["value"] = json::array();
  auto r = client_->Json("POST", "/v1/classify", bad_value, exporter_a_);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.json().value("detail", "").find("parameters[1].value"), std::string::npos) << r.body;

  json typo = FrequencyChanger();
  typo["paramters"] = json::array();
  auto t = client_->Json("POST", "/v1/classify", typo, exporter_a_);
  EXPECT_EQ(t.status, 400);
  EXPECT_NE(t.json().value("detail", "").find("paramters"), std::string::npos) << t.body;

  for (int limit : {0, 51}) {
    json l = FrequencyChanger();
    l["limit"] = limit;
    auto lr = client_->Json("POST", "/v1/classify", l, exporter_a_);
    EXPECT_EQ(lr.status, 400) << limit;
    EXPECT_NE(lr.json().value("detail", "").find("limit"), std::string::npos) << lr.body;
  }
  EXPECT_EQ(
      client_->Send("POST", "/v1/classify", "{not json", {{"Authorization", "Bearer " + exporter_a_}}).status,
      400);
}

TEST_F(ClassifyApiTest, TranscribedEntryIsShownWithoutTheCatalogue) {
  auto r = client_->Get("/v1/controls/3a225", exporter_a_);
  ASSERT_EQ(r.status, 200) << r.body;
  json e = r.json();
  EXPECT_EQ(e["code"], "3A225");
  EXPECT_EQ(e["regime"], "nsg2");
  ASSERT_TRUE(e["criteria"].is_object()) << e.dump();
  EXPECT_EQ(e["criteria"]["code"], "3A225");
  EXPECT_GT(e["criteria"]["tests"].get<int>(), 0);
  EXPECT_EQ(e["criteria"]["criteria"]["kind"], "all");
  EXPECT_FALSE(e["criteria"]["source"].is_null());
  EXPECT_EQ(client_->Get("/v1/controls/9Z999", exporter_a_).status, 404);
  // Without the reference data the catalogue is empty and nothing is stored.
  auto versions = client_->Get("/v1/controls/versions", exporter_a_);
  ASSERT_EQ(versions.status, 200);
  EXPECT_TRUE(versions.json()["items"].empty());
  EXPECT_EQ(client_->Get("/v1/controls?q=frequency+changer", exporter_a_).status, 200);
  EXPECT_EQ(client_->Get("/v1/controls?regime=nope", exporter_a_).status, 400);
  EXPECT_EQ(client_->Get("/v1/controls?limit=0", exporter_a_).status, 400);
  EXPECT_EQ(client_->Get("/v1/controls/diff?from=2025-09-29", exporter_a_).status, 400);
  auto unknown = client_->Get("/v1/controls/diff?from=2025-09-29&to=2026-07-23", exporter_a_);
  EXPECT_EQ(unknown.status, 404);
  EXPECT_NE(unknown.body.find("2025-09-29"), std::string::npos) << unknown.body;
  EXPECT_EQ(client_->Get("/v1/chemicals/111-48-9", exporter_a_).status, 400);  // bad check digit
  EXPECT_EQ(client_->Get("/v1/chemicals/thiodiglycol", exporter_a_).status, 400);
  EXPECT_EQ(client_->Get("/v1/chemicals/7732-18-5", exporter_a_).status, 404);
  // Only administrators import control lists.
  EXPECT_EQ(client_->Json("POST", "/v1/controls/import", nullptr, officer_).status, 403);
}

TEST_F(ClassifyApiTest, RequestAndRulingFlowWithExporterIsolation) {
  auto created = client_->Json("POST", "/v1/classification-requests",
                               {{"item", FrequencyChanger()}, {"reference", "PO-1234"}}, exporter_a_);
  ASSERT_EQ(created.status, 201) << created.body;
  json req = created.json();
  int64_t id = req["id"];
  EXPECT_EQ(created.header("location"), "/v1/classification-requests/" + std::to_string(id));
  EXPECT_EQ(req["status"], "open");
  EXPECT_EQ(req["org_id"], org_a_);
  EXPECT_EQ(req["reference"], "PO-1234");
  EXPECT_EQ(req["item"]["description"], "frequency changer for a motor drive");
  EXPECT_EQ(req["automatic"]["candidates"][0]["code"], "3A225");
  EXPECT_TRUE(req["ruling"].is_null());
  std::string path = "/v1/classification-requests/" + std::to_string(id);

  // Exporter A sees it; exporter B does not (404, not 403); officers see everything.
  EXPECT_EQ(client_->Get(path, exporter_a_).status, 200);
  EXPECT_EQ(client_->Get(path, exporter_b_).status, 404);
  EXPECT_EQ(client_->Get(path, officer_).status, 200);
  int64_t b_id = SaveRequest(exporter_b_, "B-1");
  auto mine = client_->Get("/v1/classification-requests", exporter_a_);
  ASSERT_EQ(mine.status, 200);
  ASSERT_EQ(mine.json()["items"].size(), 1u);
  EXPECT_EQ(mine.json()["items"][0]["id"], id);
  auto all = client_->Get("/v1/classification-requests?status=open", officer_);
  ASSERT_EQ(all.status, 200);
  EXPECT_EQ(all.json()["items"].size(), 2u);

  // Exporters cannot rule; an officer can, once.
  json ruling = {
      {"code", "3a225"}, {"verdict", "controlled"}, {"reasoning", "700 Hz, 3 phases, 50 VA, 0.1 %"}};
  EXPECT_EQ(client_->Json("POST", path + "/ruling", ruling, exporter_a_).status, 403);
  auto ruled = client_->Json("POST", path + "/ruling", ruling, officer_);
  ASSERT_EQ(ruled.status, 200) << ruled.body;
  EXPECT_EQ(ruled.json()["status"], "answered");
  EXPECT_EQ(ruled.json()["ruling"]["code"], "3A225");  // as the list writes it
  EXPECT_EQ(ruled.json()["ruling"]["verdict"], "controlled");
  EXPECT_EQ(ruled.json()["ruling"]["ruled_by"], "user:officer1");
  auto again = client_->Json("POST", path + "/ruling",
                             {{"code", nullptr}, {"verdict", "not"}, {"reasoning", "x"}}, officer_);
  EXPECT_EQ(again.status, 409) << again.body;

  // The exporter sees the answer; filters work.
  auto seen = client_->Get(path, exporter_a_);
  ASSERT_EQ(seen.status, 200);
  EXPECT_EQ(seen.json()["ruling"]["verdict"], "controlled");
  auto answered = client_->Get("/v1/classification-requests?status=answered", exporter_a_);
  ASSERT_EQ(answered.status, 200);
  EXPECT_EQ(answered.json()["items"].size(), 1u);
  auto open_a = client_->Get("/v1/classification-requests?status=open", exporter_a_);
  ASSERT_EQ(open_a.status, 200);
  EXPECT_TRUE(open_a.json()["items"].empty());
  EXPECT_EQ(client_->Get("/v1/classification-requests?status=closed", officer_).status, 400);

  // "Not listed" rulings carry no code.
  auto b_ruled = client_->Json(
      "POST", "/v1/classification-requests/" + std::to_string(b_id) + "/ruling",
      {{"code", nullptr}, {"verdict", "not"}, {"reasoning", "Below every threshold."}}, officer_);
  ASSERT_EQ(b_ruled.status, 200) << b_ruled.body;
  EXPECT_TRUE(b_ruled.json()["ruling"]["code"].is_null());

  // Both steps are in the audit trail, with the actors.
  auto events = Events("classification_request:" + std::to_string(id));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].action, "classification.request");
  EXPECT_EQ(events[0].actor, "user:exp_a");
  EXPECT_EQ(events[1].action, "classification.ruling");
  EXPECT_EQ(events[1].actor, "user:officer1");
  EXPECT_NE(events[1].summary.find("3A225"), std::string::npos) << events[1].summary;
}

TEST_F(ClassifyApiTest, BadRequestsAndRulingsAreExplained) {
  auto no_item = client_->Json("POST", "/v1/classification-requests", {{"reference", "x"}}, exporter_a_);
  EXPECT_EQ(no_item.status, 400);
  EXPECT_NE(no_item.body.find("item"), std::string::npos);
  auto bad_unit =
      client_->Json("POST", "/v1/classification-requests", {{"item", FrequencyChanger("kg")}}, exporter_a_);
  EXPECT_EQ(bad_unit.status, 400);
  EXPECT_NE(bad_unit.body.find("kg"), std::string::npos) << bad_unit.body;
  EXPECT_TRUE(Events("classification_request:").empty());  // nothing saved
  // Officers answer; they do not ask.
  EXPECT_EQ(
      client_->Json("POST", "/v1/classification-requests", {{"item", FrequencyChanger()}}, officer_).status,
      403);

  int64_t id = SaveRequest(exporter_a_, "r");
  std::string path = "/v1/classification-requests/" + std::to_string(id) + "/ruling";
  EXPECT_EQ(client_->Json("POST", path, {{"verdict", "controlled"}, {"reasoning", "r"}}, officer_).status,
            400);
  EXPECT_EQ(
      client_
          ->Json("POST", path, {{"code", nullptr}, {"verdict", "controlled"}, {"reasoning", "r"}}, officer_)
          .status,
      400);
  EXPECT_EQ(
      client_->Json("POST", path, {{"code", "3A225"}, {"verdict", "maybe"}, {"reasoning", "r"}}, officer_)
          .status,
      400);
  EXPECT_EQ(client_->Json("POST", path, {{"code", "3A225"}, {"verdict", "not"}, {"reasoning", ""}}, officer_)
                .status,
            400);
  auto unknown_code = client_->Json(
      "POST", path, {{"code", "banana"}, {"verdict", "controlled"}, {"reasoning", "r"}}, officer_);
  EXPECT_EQ(unknown_code.status, 400);
  EXPECT_NE(unknown_code.body.find("banana"), std::string::npos);
  EXPECT_EQ(client_
                ->Json("POST", "/v1/classification-requests/999/ruling",
                       {{"code", "3A225"}, {"verdict", "controlled"}, {"reasoning", "r"}}, officer_)
                .status,
            404);
  EXPECT_EQ(client_->Get("/v1/classification-requests/abc", officer_).status, 404);
  EXPECT_EQ(client_->Get("/v1/classification-requests/" + std::to_string(id), officer_).json()["status"],
            "open");
}

TEST_F(ClassifyApiTest, RoutesAreInTheOpenApiDescriptionWithPermissions) {
  auto r = client_->Get("/v1/openapi.json");
  ASSERT_EQ(r.status, 200);
  json paths = r.json()["paths"];
  EXPECT_EQ(paths["/v1/classify"]["post"]["x-permission"], "classify");
  EXPECT_EQ(paths["/v1/controls/{code}"]["get"]["x-permission"], "view_controls");
  EXPECT_EQ(paths["/v1/controls/import"]["post"]["x-permission"], "import_controls");
  EXPECT_EQ(paths["/v1/classification-requests/{id}/ruling"]["post"]["x-permission"], "rule_classification");
}

// ---- with the shared reference data ---------------------------------------------------------------------

class ClassifyApiDataTest : public ClassifyApiTest {
 protected:
  void SetUp() override {
    data_dir_ = SharedDataDir("controls");
    if (data_dir_.empty()) GTEST_SKIP() << "shared/data not found (set STM_DATA_DIR)";
    ClassifyApiTest::SetUp();
  }
  void ConfigureData(Config& cfg) override { cfg.data_dir = data_dir_; }
  std::string data_dir_;
};

TEST_F(ClassifyApiDataTest, SearchListAndShowEntries) {
  auto r = client_->Get("/v1/controls?q=frequency+changer&limit=10", exporter_a_);
  ASSERT_EQ(r.status, 200) << r.body;
  json out = r.json();
  EXPECT_EQ(out["list"]["version"], "2026-07-23");
  ASSERT_FALSE(out["items"].empty());
  bool found = false;
  for (const auto& h : out["items"]) {
    EXPECT_TRUE(h.contains("score") && h.contains("matched_terms") && h.contains("regime") &&
                h.contains("heading"));
    found |= h["code"].get<std::string>().starts_with("3A225");
  }
  EXPECT_TRUE(found) << out.dump(1);
  auto nsg = client_->Get("/v1/controls?q=frequency+changer&regime=nsg2", exporter_a_);
  ASSERT_EQ(nsg.status, 200);
  json nsg_items = nsg.json()["items"];  // a named copy: the temporary would die before the loop
  for (const auto& h : nsg_items) EXPECT_EQ(h["regime"], "nsg2");

  auto page = client_->Get("/v1/controls?limit=5", exporter_a_);
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.json()["items"].size(), 5u);
  EXPECT_EQ(page.json()["next_offset"], 5);
  auto next = client_->Get("/v1/controls?limit=5&offset=5", exporter_a_);
  ASSERT_EQ(next.status, 200);
  EXPECT_NE(next.json()["items"][0]["code"], page.json()["items"][0]["code"]);

  auto e = client_->Get("/v1/controls/3a225", exporter_a_);
  ASSERT_EQ(e.status, 200) << e.body;
  json entry = e.json();
  EXPECT_EQ(entry["code"], "3A225");
  EXPECT_FALSE(entry["text"].get<std::string>().empty());
  EXPECT_FALSE(entry["children"].empty()) << entry.dump(1);
  EXPECT_TRUE(entry["children"][0].contains("heading"));
  EXPECT_TRUE(entry["criteria"].is_object());
  EXPECT_EQ(entry["regime"], "nsg2");
  EXPECT_FALSE(entry["regime_basis"].get<std::string>().empty());
  auto child = client_->Get("/v1/controls/" + entry["children"][0]["code"].get<std::string>(), exporter_a_);
  ASSERT_EQ(child.status, 200);
  EXPECT_EQ(child.json()["parent"]["code"], "3A225");
  EXPECT_EQ(client_->Get("/v1/controls/9Z999", exporter_a_).status, 404);
}

TEST_F(ClassifyApiDataTest, VersionsAndDiffBetweenTreeAndFullText) {
  auto v = client_->Get("/v1/controls/versions", officer_);
  ASSERT_EQ(v.status, 200) << v.body;
  json items = v.json()["items"];
  ASSERT_EQ(items.size(), 2u) << items.dump();
  EXPECT_EQ(items[0]["version"], "2026-07-23");  // newest first, and current
  EXPECT_EQ(items[0]["current"], true);
  EXPECT_EQ(items[1]["version"], "2025-09-29");

  auto d = client_->Get("/v1/controls/diff?from=2025-09-29&to=2026-07-23", officer_);
  ASSERT_EQ(d.status, 200) << d.body.substr(0, 500);
  json diff = d.json();
  EXPECT_EQ(diff["from"]["version"], "2025-09-29");
  EXPECT_EQ(diff["to"]["version"], "2026-07-23");
  auto unknown = client_->Get("/v1/controls/diff?from=2025-09-29&to=1999-01-01&list=us_ccl", officer_);
  EXPECT_EQ(unknown.status, 404);
  EXPECT_NE(unknown.body.find("1999-01-01"), std::string::npos) << unknown.body;

  // Restarting on the same store imports nothing again; the admin import is a no-op too.
  StartServer([this](Config& cfg) { ConfigureData(cfg); });
  auto again = client_->Get("/v1/controls/versions", Login("officer1", "officer-password-1"));
  EXPECT_EQ(again.json()["items"].size(), 2u);
  auto import = client_->Json("POST", "/v1/controls/import", nullptr, AdminToken());
  ASSERT_EQ(import.status, 200) << import.body;
  EXPECT_TRUE(import.json()["imported"].empty());
  auto events = Events("controls:");
  EXPECT_EQ(events.size(), 2u);
}

TEST_F(ClassifyApiDataTest, Chemicals) {
  auto r = client_->Get("/v1/chemicals/111-48-8", exporter_a_);
  ASSERT_EQ(r.status, 200) << r.body;
  json chem = r.json();
  EXPECT_EQ(chem["cas"], "111-48-8");
  EXPECT_FALSE(chem["schedules"].empty()) << chem.dump(1);
  EXPECT_FALSE(chem["sources"].empty());
  EXPECT_EQ(client_->Get("/v1/chemicals/111-48-9", exporter_a_).status, 400);
  EXPECT_EQ(client_->Get("/v1/chemicals/7732-18-5", exporter_a_).status, 404);
}

// Opening stays fast: the default control-list versions are stored in the background after a delay, or at
// once when needed, and skipped when the App closes first.
TEST(ClassifyAppTest, ControlListsAreStoredInTheBackgroundOrSkippedOnClose) {
  std::string data_dir = SharedDataDir("controls");
  if (data_dir.empty()) GTEST_SKIP() << "shared/data not found (set STM_DATA_DIR)";
  TempDir dir;
  auto open = [&](const std::string& db, std::chrono::milliseconds delay) {
    Config cfg;
    cfg.db = dir.File(db);
    cfg.listen = "127.0.0.1:0";
    cfg.threads = 1;
    cfg.access_log = "off";
    cfg.data_dir = data_dir;
    api::AppOptions options{.config = cfg};
    options.hash_params = auth::PasswordHashParams::Minimum();
    options.control_lists_delay = delay;
    auto app = api::App::Open(std::move(options));
    EXPECT_TRUE(app.ok()) << app.status().ToString();
    return app.ok() ? std::move(app).value() : nullptr;
  };
  auto stored = [](api::App& app) {
    auto versions = app.catalog_store().Versions();
    EXPECT_TRUE(versions.ok());
    return versions.ok() ? versions->size() : size_t{0};
  };
  {
    auto app = open("a.db", std::chrono::minutes(10));
    ASSERT_NE(app, nullptr);
    auto start = std::chrono::steady_clock::now();
    app.reset();  // closes before the delay: nothing is stored, and closing does not wait for an import
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  }
  {
    auto app = open("a.db", std::chrono::minutes(10));
    ASSERT_NE(app, nullptr);
    EXPECT_EQ(stored(*app), 0u);
    ASSERT_TRUE(app->EnsureControlLists().ok());  // what /v1/controls/versions and /diff do
    EXPECT_EQ(stored(*app), 2u);
    ASSERT_TRUE(app->EnsureControlLists().ok());  // once
    EXPECT_EQ(stored(*app), 2u);
  }
  {
    auto app = open("b.db", std::chrono::milliseconds(0));
    ASSERT_NE(app, nullptr);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (stored(*app) < 2 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_EQ(stored(*app), 2u);
  }
}

}  // namespace
}  // namespace stm::testing
