// The real server over real HTTP: authentication, authorisation, isolation, error model, limits, audit.
#include <thread>

#include "api/routes.h"
#include "audit/audit.h"
#include "fault_db.h"
#include "store/migrate.h"
#include "test_server.h"

namespace stm::testing {
namespace {

using nlohmann::json;

void ExpectProblem(const HttpResult& r, int status, const std::string& type_suffix) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(r.header("content-type"), "application/problem+json") << r.body;
  json body = r.json();
  ASSERT_TRUE(body.is_object()) << r.body;
  EXPECT_EQ(body.value("type", ""), "urn:stm:problem:" + type_suffix) << r.body;
  EXPECT_EQ(body.value("status", 0), status);
  EXPECT_FALSE(body.value("title", "").empty());
  EXPECT_FALSE(body.value("detail", "").empty());
  EXPECT_EQ(body.value("request_id", ""), r.header("x-request-id"));
}

class HttpApiTest : public ServerTest {};

TEST_F(HttpApiTest, HealthAndReadiness) {
  auto h = client_->Get("/healthz");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.json()["status"], "ok");
  EXPECT_FALSE(h.header("x-request-id").empty());
  auto r = client_->Get("/readyz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.json()["status"], "ready");
}

TEST_F(HttpApiTest, LoginMeLogout) {
  std::string token = AdminToken();
  ASSERT_EQ(token.size(), 43u);  // 256 bits, base64url without padding
  auto me = client_->Get("/v1/me", token);
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.json()["username"], "admin");
  EXPECT_EQ(me.json()["role"], "administrator");
  EXPECT_EQ(me.json()["organisation"]["kind"], "licensing_authority");

  auto out = client_->Json("POST", "/v1/auth/logout", nullptr, token);
  EXPECT_EQ(out.status, 204);
  ExpectProblem(client_->Get("/v1/me", token), 401, "unauthenticated");
}

TEST_F(HttpApiTest, WrongPasswordAndUnknownUserLookTheSame) {
  auto a =
      client_->Json("POST", "/v1/auth/login", {{"username", "admin"}, {"password", "wrong-password-123"}});
  auto b =
      client_->Json("POST", "/v1/auth/login", {{"username", "nobody"}, {"password", "wrong-password-123"}});
  ExpectProblem(a, 401, "unauthenticated");
  ExpectProblem(b, 401, "unauthenticated");
  EXPECT_EQ(a.json()["detail"], b.json()["detail"]);
}

TEST_F(HttpApiTest, FailedLoginBackOff) {
  for (int i = 0; i < 5; ++i) {
    auto r =
        client_->Json("POST", "/v1/auth/login", {{"username", "admin"}, {"password", "not-the-password"}});
    EXPECT_EQ(r.status, 401);
  }
  // Now even the right password is refused until the back-off expires.
  auto r = client_->Json("POST", "/v1/auth/login", {{"username", "admin"}, {"password", kAdminPassword}});
  ExpectProblem(r, 429, "too-many-requests");
  EXPECT_FALSE(r.header("retry-after").empty());
}

TEST_F(HttpApiTest, UnauthenticatedIs401AndForbiddenIs403) {
  std::string admin = AdminToken();
  int64_t acme = CreateOrg(admin, "Acme Exports", "exporter");
  CreateUser(admin, "alice", "exporter_user", acme, "alice-password-123");
  std::string alice = Login("alice", "alice-password-123");

  ExpectProblem(client_->Json("POST", "/v1/organisations", {{"name", "X"}, {"kind", "exporter"}}), 401,
                "unauthenticated");
  ExpectProblem(
      client_->Json("POST", "/v1/organisations", {{"name", "X"}, {"kind", "exporter"}}, "bogus-token"), 401,
      "unauthenticated");
  ExpectProblem(client_->Json("POST", "/v1/organisations", {{"name", "X"}, {"kind", "exporter"}}, alice), 403,
                "permission-denied");
  ExpectProblem(client_->Get("/v1/audit", alice), 403, "permission-denied");
}

TEST_F(HttpApiTest, ExporterSeesOnlyItsOwnOrganisation) {
  std::string admin = AdminToken();
  int64_t a = CreateOrg(admin, "Exporter A", "exporter");
  int64_t b = CreateOrg(admin, "Exporter B", "exporter");
  CreateUser(admin, "a-admin", "exporter_admin", a, "a-admin-password-1");
  int64_t b_user = CreateUser(admin, "b-user", "exporter_user", b, "b-user-password-1");
  std::string token_a = Login("a-admin", "a-admin-password-1");

  EXPECT_EQ(client_->Get("/v1/organisations/" + std::to_string(a), token_a).status, 200);
  // Another organisation's record does not exist for an exporter: 404, not 403.
  ExpectProblem(client_->Get("/v1/organisations/" + std::to_string(b), token_a), 404, "not-found");
  ExpectProblem(client_->Get("/v1/users/" + std::to_string(b_user), token_a), 404, "not-found");
  auto list = client_->Get("/v1/organisations", token_a);
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.json()["items"].size(), 1u);
  EXPECT_EQ(list.json()["items"][0]["id"], a);
  json users = client_->Get("/v1/users", token_a).json();
  ASSERT_EQ(users["items"].size(), 1u);
  for (const auto& u : users["items"]) EXPECT_EQ(u["org_id"], a);
  // ...and an exporter administrator cannot create users elsewhere or with authority roles.
  ExpectProblem(client_->Json("POST", "/v1/users",
                              {{"username", "sneaky"},
                               {"role", "exporter_user"},
                               {"org_id", b},
                               {"password", "sneaky-password-1"}},
                              token_a),
                403, "permission-denied");
  ExpectProblem(
      client_->Json("POST", "/v1/users",
                    {{"username", "sneaky"}, {"role", "administrator"}, {"password", "sneaky-password-1"}},
                    token_a),
      403, "permission-denied");
  auto own = client_->Json(
      "POST", "/v1/users",
      {{"username", "a-clerk"}, {"role", "exporter_user"}, {"password", "a-clerk-password-1"}}, token_a);
  ASSERT_EQ(own.status, 201) << own.body;
  EXPECT_EQ(own.json()["org_id"], a);
}

TEST_F(HttpApiTest, BadRequestsGetProblemsAndTheServerKeepsServing) {
  std::string admin = AdminToken();
  ExpectProblem(
      client_->Send("POST", "/v1/organisations", "{\"name\": ", {{"Authorization", "Bearer " + admin}}), 400,
      "invalid-argument");
  EXPECT_EQ(client_->Get("/healthz").status, 200);

  auto wrong_type = client_->Json("POST", "/v1/organisations", {{"name", 42}, {"kind", "exporter"}}, admin);
  ExpectProblem(wrong_type, 400, "invalid-argument");
  EXPECT_NE(wrong_type.json()["detail"].get<std::string>().find("'name'"), std::string::npos);

  auto unknown_field =
      client_->Json("POST", "/v1/organisations", {{"name", "Y"}, {"kind", "exporter"}, {"nmae", 1}}, admin);
  ExpectProblem(unknown_field, 400, "invalid-argument");

  ExpectProblem(client_->Send("POST", "/v1/organisations", "[1,2,3]", {{"Authorization", "Bearer " + admin}}),
                400, "invalid-argument");
  ExpectProblem(client_->Get("/v1/no-such-route", admin), 404, "not-found");
  ExpectProblem(client_->Get("/v1/users/not-a-number", admin), 404, "not-found");

  auto wrong_method = client_->Json("DELETE", "/v1/me", nullptr, admin);
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_EQ(wrong_method.header("allow"), "GET");

  std::string big(200 * 1024, 'x');
  auto too_big = client_->Send("POST", "/v1/organisations", "{\"name\":\"" + big + "\"}",
                               {{"Authorization", "Bearer " + admin}});
  ExpectProblem(too_big, 413, "payload-too-large");

  auto malformed = client_->Raw("GARBAGE\r\n\r\n");
  EXPECT_EQ(malformed.status, 400);
  auto huge_header =
      client_->Raw("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(40000, 'a') + "\r\n\r\n");
  EXPECT_EQ(huge_header.status, 431);

  client_->Close();
  EXPECT_EQ(client_->Get("/healthz").status, 200);
  EXPECT_EQ(client_->Get("/v1/me", admin).status, 200);
}

TEST_F(HttpApiTest, RequestIdIsEchoedAndRecordedInTheAudit) {
  std::string admin = AdminToken();
  auto r = client_->Send("POST", "/v1/organisations", json({{"name", "Traced"}, {"kind", "exporter"}}).dump(),
                         {{"Authorization", "Bearer " + admin}, {"X-Request-Id", "trace-abc-123"}});
  ASSERT_EQ(r.status, 201);
  EXPECT_EQ(r.header("x-request-id"), "trace-abc-123");
  int64_t id = r.json()["id"];
  auto audit = client_->Get("/v1/audit?target=org:" + std::to_string(id), admin);
  ASSERT_EQ(audit.status, 200) << audit.body;
  ASSERT_EQ(audit.json()["items"].size(), 1u);
  json e = audit.json()["items"][0];
  EXPECT_EQ(e["action"], "organisation.create");
  EXPECT_EQ(e["actor"], "user:admin");
  EXPECT_EQ(e["request_id"], "trace-abc-123");
  EXPECT_EQ(e["summary"]["name"], "Traced");
}

TEST_F(HttpApiTest, AuditorReadsTheTrailEveryChangeIsAudited) {
  std::string admin = AdminToken();
  int64_t org = CreateOrg(admin, "Audit Corp", "exporter");
  int64_t user = CreateUser(admin, "auditor1", "auditor", std::nullopt, "auditor-password-1");
  std::string auditor = Login("auditor1", "auditor-password-1");
  auto by_user = client_->Get("/v1/audit?target=user:" + std::to_string(user), auditor);
  ASSERT_EQ(by_user.status, 200);
  ASSERT_EQ(by_user.json()["items"].size(), 1u);
  EXPECT_EQ(by_user.json()["items"][0]["action"], "user.create");
  auto by_org = client_->Get("/v1/audit?target=org:" + std::to_string(org), auditor);
  EXPECT_EQ(by_org.json()["items"].size(), 1u);
  auto page = client_->Get("/v1/audit?limit=2", auditor);
  ASSERT_EQ(page.json()["items"].size(), 2u);
  int64_t next = page.json()["next_after"];
  auto page2 = client_->Get("/v1/audit?limit=2&after=" + std::to_string(next), auditor);
  EXPECT_GT(page2.json()["items"][0]["seq"].get<int64_t>(), next);
  ExpectProblem(client_->Get("/v1/audit?limit=0", auditor), 400, "invalid-argument");
  auto verify = audit::Verify(app_->db());
  ASSERT_TRUE(verify.ok());
  EXPECT_TRUE(verify->ok()) << verify->problem;
}

TEST_F(HttpApiTest, ApiKeysForSystemClients) {
  std::string admin = AdminToken();
  int64_t customs = CreateOrg(admin, "Customs Service", "customs");
  int64_t gw = CreateUser(admin, "customs-gateway", "customs_officer", customs, "gateway-password-1");
  auto key = client_->Json("POST", "/v1/api-keys", {{"name", "customs system"}, {"user_id", gw}}, admin);
  ASSERT_EQ(key.status, 201) << key.body;
  std::string secret = key.json()["key"];
  auto me = client_->Send("GET", "/v1/me", "", {{"X-Api-Key", secret}});
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.json()["authenticated_via"], "api_key");
  EXPECT_EQ(me.json()["role"], "customs_officer");
  EXPECT_EQ(client_->Send("GET", "/v1/me", "", {{"Authorization", "ApiKey " + secret}}).status, 200);
  int64_t key_id = key.json()["id"];
  EXPECT_EQ(
      client_->Json("POST", "/v1/api-keys/" + std::to_string(key_id) + "/revoke", nullptr, admin).status,
      204);
  ExpectProblem(client_->Send("GET", "/v1/me", "", {{"X-Api-Key", secret}}), 401, "unauthenticated");
}

TEST_F(HttpApiTest, FailedTransactionLeavesNeitherChangeNorAuditEvent) {
  Config cfg;
  cfg.db = dir_.File("faulty.db");
  auto inner = api::OpenDatabase(cfg, SystemClock::Instance());
  ASSERT_TRUE(inner.ok());
  auto faulty = std::make_unique<FaultInjectingDatabase>(std::move(inner).value());
  FaultInjectingDatabase* fault = faulty.get();
  StartServer([&](Config& c) { c.db = cfg.db; }, std::move(faulty));
  std::string admin = AdminToken();

  auto count = [&](const char* sql) {
    auto tx = app_->db().Begin(store::TxMode::kRead);
    auto row = (*tx)->QueryOne(sql);
    return (*row)->Int(0);
  };
  int64_t orgs_before = count("SELECT count(*) FROM organisations");
  int64_t events_before = count("SELECT count(*) FROM audit_events");

  // The organisation row is written, then the audit insert fails: the whole transaction must go.
  fault->FailStatementsContaining("INSERT INTO audit_events");
  auto r = client_->Json("POST", "/v1/organisations", {{"name", "Ghost Ltd"}, {"kind", "exporter"}}, admin);
  ExpectProblem(r, 503, "unavailable");
  EXPECT_GE(fault->failures(), 1);
  fault->FailStatementsContaining("");

  EXPECT_EQ(count("SELECT count(*) FROM organisations"), orgs_before);
  EXPECT_EQ(count("SELECT count(*) FROM audit_events"), events_before);
  // The name is free: nothing half-written blocks a retry.
  EXPECT_EQ(
      client_->Json("POST", "/v1/organisations", {{"name", "Ghost Ltd"}, {"kind", "exporter"}}, admin).status,
      201);
  auto verify = audit::Verify(app_->db());
  ASSERT_TRUE(verify.ok());
  EXPECT_TRUE(verify->ok()) << verify->problem;
}

TEST_F(HttpApiTest, ConnectionLimitRefusesExtraConnections) {
  StartServer([](Config& c) { c.max_connections = 2; });
  HttpClient a(app_->port()), b(app_->port()), c(app_->port());
  EXPECT_EQ(a.Get("/healthz").status, 200);
  EXPECT_EQ(b.Get("/healthz").status, 200);
  EXPECT_ANY_THROW(c.Get("/healthz"));  // closed by the server without a response
  a.Close();
  // A slot frees up once a connection closes.
  bool served = false;
  for (int i = 0; i < 50 && !served; ++i) {
    HttpClient d(app_->port());
    try {
      served = d.Get("/healthz").status == 200;
    } catch (const std::exception&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  EXPECT_TRUE(served);
}

TEST_F(HttpApiTest, SlowSenderIsCutOffButIdleKeepAliveSurvives) {
  StartServer([](Config& c) {
    c.read_timeout_ms = 300;
    c.idle_timeout_ms = 5000;
  });
  // Idle between requests for longer than the read deadline: still served.
  HttpClient keep(app_->port());
  EXPECT_EQ(keep.Get("/healthz").status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  EXPECT_EQ(keep.Get("/healthz").status, 200);

  // A request that never finishes its header is dropped after the read deadline.
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket sock(ioc);
  sock.connect({boost::asio::ip::make_address("127.0.0.1"), app_->port()});
  boost::asio::write(sock, boost::asio::buffer(std::string("GET /healthz HTTP/1.1\r\nHost: x\r\n")));
  auto started = std::chrono::steady_clock::now();
  char byte;
  boost::system::error_code ec;
  sock.read_some(boost::asio::buffer(&byte, 1), ec);  // blocks until the server closes
  auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_TRUE(ec) << "server answered an unfinished request";
  EXPECT_LT(waited, std::chrono::seconds(3));
  EXPECT_GE(waited, std::chrono::milliseconds(250));
}

TEST_F(HttpApiTest, OpenApiDescribesEveryRoute) {
  auto r = client_->Get("/v1/openapi.json");
  ASSERT_EQ(r.status, 200);
  json doc = r.json();
  EXPECT_EQ(doc["openapi"], "3.1.0");
  for (const auto& route : api::RouteTable()) {
    std::string method(http::MethodName(route.method));
    for (auto& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    ASSERT_TRUE(doc["paths"].contains(route.pattern)) << route.pattern;
    ASSERT_TRUE(doc["paths"][route.pattern].contains(method)) << method << " " << route.pattern;
    EXPECT_EQ(doc["paths"][route.pattern][method].contains("x-permission"), route.permission.has_value());
  }
}

}  // namespace
}  // namespace stm::testing
