#include "auth/auth_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "store/migrate.h"
#include "store/sqlite_db.h"

namespace stm::auth {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kPassword[] = "correct horse battery staple";
constexpr char kWrongPassword[] = "incorrect horse battery staple";

class AuthServiceTest : public ::testing::Test {
 protected:
  AuthServiceTest() : clock_(FromUnixMicros(1'800'000'000'000'000)) {
    options_.token_ttl = std::chrono::minutes(60);
    options_.max_failures = 3;
    options_.max_lockout = std::chrono::seconds(5);
    options_.hash_params = PasswordHashParams::Minimum();
  }

  void SetUp() override {
    static std::atomic<int> counter{0};
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("stm_auth_test_" + std::to_string(::getpid()) + "_" + info->name() +
                                        "_" + std::to_string(counter++));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto db = store::SqliteDatabase::Open({(dir_ / "auth.db").string()});
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    auto migrated = store::Migrate(*db_, store::ProjectMigrations("sqlite"), clock_);
    ASSERT_TRUE(migrated.ok()) << migrated.status().ToString();
    service_ = std::make_unique<AuthService>(*db_, clock_, random_, options_);

    auto authority = service_->CreateOrganisation(admin_ctx_, "Export Control Joint Unit",
                                                  OrgKind::kLicensingAuthority, "GB");
    ASSERT_TRUE(authority.ok()) << authority.status().ToString();
    authority_ = *authority;
    auto exporter = service_->CreateOrganisation(admin_ctx_, "Acme Exports Ltd", OrgKind::kExporter, "GB");
    ASSERT_TRUE(exporter.ok()) << exporter.status().ToString();
    exporter_ = *exporter;
  }

  void TearDown() override {
    service_.reset();
    db_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  Result<User> AddUser(const std::string& username, Role role, std::optional<OrgId> org,
                       const std::string& password = kPassword) {
    return service_->CreateUser(admin_ctx_, {username, "Display " + username, role, org, password});
  }

  User MustAddUser(const std::string& username, Role role, std::optional<OrgId> org) {
    auto u = AddUser(username, role, org);
    EXPECT_TRUE(u.ok()) << u.status().ToString();
    return u.ok() ? *u : User{};
  }

  int64_t CountAudit() { return ScalarInt("SELECT count(*) FROM audit_events"); }

  int64_t ScalarInt(const std::string& sql, const store::Params& params = {}) {
    auto tx = db_->Begin(store::TxMode::kRead);
    EXPECT_TRUE(tx.ok());
    auto row = (*tx)->QueryOne(sql, params);
    EXPECT_TRUE(row.ok()) << row.status().ToString();
    return row.ok() && *row ? (*row)->Int(0) : -1;
  }

  std::vector<std::string> AuditActions(int64_t after_seq = 0) {
    audit::QueryOptions o;
    o.after_seq = after_seq;
    o.limit = 1000;
    auto events = audit::Query(*db_, o);
    EXPECT_TRUE(events.ok());
    std::vector<std::string> out;
    if (events.ok()) {
      for (const auto& e : *events) out.push_back(e.action);
    }
    return out;
  }

  audit::StoredEvent LastAuditEvent() {
    audit::QueryOptions o;
    o.limit = 1000;
    auto events = audit::Query(*db_, o);
    EXPECT_TRUE(events.ok());
    EXPECT_FALSE(events->empty());
    return events->back();
  }

  void ExpectAuditIntact() {
    auto report = audit::Verify(*db_);
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    EXPECT_TRUE(report->ok()) << report->problem;
    EXPECT_EQ(report->events_checked, CountAudit());
  }

  void Exec(const std::string& sql, const store::Params& params = {}) {
    auto tx = db_->Begin(store::TxMode::kWrite);
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE((*tx)->Exec(sql, params).ok());
    ASSERT_TRUE((*tx)->Commit().ok());
  }

  FakeClock clock_;
  SecureRandom random_;
  AuthOptions options_;
  fs::path dir_;
  std::unique_ptr<store::SqliteDatabase> db_;
  std::unique_ptr<AuthService> service_;
  audit::Context admin_ctx_{"user:root", "req-admin"};
  audit::Context anon_ctx_{"anonymous", "req-anon"};
  Organisation authority_;
  Organisation exporter_;
};

// ---- organisations ---------------------------------------------------------------------------------------

TEST_F(AuthServiceTest, CreateOrganisationStoresAndAudits) {
  int64_t before = CountAudit();
  auto org = service_->CreateOrganisation(admin_ctx_, "Referral Agency A", OrgKind::kReferralAgency, "");
  ASSERT_TRUE(org.ok()) << org.status().ToString();
  EXPECT_TRUE(org->id.valid());
  EXPECT_EQ(org->name, "Referral Agency A");
  EXPECT_EQ(org->kind, OrgKind::kReferralAgency);
  EXPECT_EQ(org->created_at, clock_.Now());

  auto got = service_->GetOrganisation(org->id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->name, "Referral Agency A");
  EXPECT_EQ(got->kind, OrgKind::kReferralAgency);
  EXPECT_EQ(got->country, "");
  EXPECT_EQ(got->created_at, org->created_at);

  auto found = service_->FindOrganisationByName("Referral Agency A");
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, org->id);
  auto missing = service_->FindOrganisationByName("Nobody");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());

  auto all = service_->ListOrganisations();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ(all->back().id, org->id);

  EXPECT_EQ(CountAudit(), before + 1);
  auto e = LastAuditEvent();
  EXPECT_EQ(e.action, "organisation.create");
  EXPECT_EQ(e.target, "org:" + org->id.ToString());
  EXPECT_EQ(e.actor, "user:root");
  EXPECT_EQ(e.request_id, "req-admin");
  EXPECT_EQ(nlohmann::json::parse(e.summary)["name"], "Referral Agency A");
  ExpectAuditIntact();
}

TEST_F(AuthServiceTest, CreateOrganisationValidates) {
  int64_t before = CountAudit();
  EXPECT_EQ(service_->CreateOrganisation(admin_ctx_, "", OrgKind::kBroker, "").status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(
      service_->CreateOrganisation(admin_ctx_, std::string(201, 'x'), OrgKind::kBroker, "").status().code(),
      ErrorCode::kInvalidArgument);
  for (const char* country : {"gb", "GBR", "G", "G1"}) {
    EXPECT_EQ(service_->CreateOrganisation(admin_ctx_, "Broker", OrgKind::kBroker, country).status().code(),
              ErrorCode::kInvalidArgument)
        << country;
  }
  auto dup = service_->CreateOrganisation(admin_ctx_, "Acme Exports Ltd", OrgKind::kBroker, "FR");
  EXPECT_EQ(dup.status().code(), ErrorCode::kAlreadyExists);
  EXPECT_THAT(dup.status().message(), HasSubstr("Acme Exports Ltd"));
  EXPECT_EQ(CountAudit(), before);  // failures are not audited as changes
  EXPECT_EQ(service_->GetOrganisation(OrgId(999)).status().code(), ErrorCode::kNotFound);
}

// ---- users -----------------------------------------------------------------------------------------------

TEST_F(AuthServiceTest, CreateUserNormalisesAndAudits) {
  int64_t before = CountAudit();
  auto u = AddUser("Alice.Smith", Role::kExporterAdmin, exporter_.id);
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_TRUE(u->id.valid());
  EXPECT_EQ(u->username, "alice.smith");
  EXPECT_EQ(u->display_name, "Display Alice.Smith");
  EXPECT_EQ(u->role, Role::kExporterAdmin);
  EXPECT_EQ(u->org, exporter_.id);
  EXPECT_TRUE(u->active);

  auto got = service_->GetUser(u->id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->username, "alice.smith");
  EXPECT_EQ(got->role, Role::kExporterAdmin);
  EXPECT_EQ(got->org, exporter_.id);
  EXPECT_EQ(service_->GetUser(UserId(999)).status().code(), ErrorCode::kNotFound);

  EXPECT_EQ(CountAudit(), before + 1);
  auto e = LastAuditEvent();
  EXPECT_EQ(e.action, "user.create");
  EXPECT_EQ(e.target, "user:" + u->id.ToString());
  EXPECT_THAT(e.summary, Not(HasSubstr("argon2")));
  EXPECT_THAT(e.summary, Not(HasSubstr(kPassword)));
  ExpectAuditIntact();
}

TEST_F(AuthServiceTest, PasswordIsStoredOnlyAsArgon2idHash) {
  User u = MustAddUser("bob", Role::kLicensingOfficer, authority_.id);
  auto tx = db_->Begin(store::TxMode::kRead);
  ASSERT_TRUE(tx.ok());
  auto row = (*tx)->QueryOne("SELECT password_hash FROM users WHERE id = ?", {u.id.value()});
  ASSERT_TRUE(row.ok());
  ASSERT_TRUE(row->has_value());
  std::string hash = (*row)->Text(0);
  EXPECT_THAT(hash, StartsWith("$argon2id$"));
  EXPECT_THAT(hash, Not(HasSubstr(kPassword)));
  EXPECT_TRUE(VerifyPassword(kPassword, hash));
}

TEST_F(AuthServiceTest, ListAndCountUsers) {
  User a = MustAddUser("admin1", Role::kAdministrator, authority_.id);
  User b = MustAddUser("exp1", Role::kExporterUser, exporter_.id);
  User c = MustAddUser("exp2", Role::kExporterAdmin, exporter_.id);
  User d = MustAddUser("root2", Role::kAdministrator, std::nullopt);
  auto count = service_->CountUsers();
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 4);
  auto all = service_->ListUsers(std::nullopt);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 4u);
  auto exporters = service_->ListUsers(exporter_.id);
  ASSERT_TRUE(exporters.ok());
  ASSERT_EQ(exporters->size(), 2u);
  EXPECT_EQ((*exporters)[0].id, b.id);
  EXPECT_EQ((*exporters)[1].id, c.id);
  auto none = service_->ListUsers(OrgId(12345));
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_FALSE(d.org.has_value());
  (void)a;
}

TEST_F(AuthServiceTest, DuplicateUsernameIsAlreadyExistsCaseInsensitively) {
  MustAddUser("carol", Role::kLicensingOfficer, authority_.id);
  int64_t audit_before = CountAudit();
  for (const char* name : {"carol", "CAROL", "Carol"}) {
    auto dup = AddUser(name, Role::kAuditor, authority_.id);
    ASSERT_FALSE(dup.ok()) << name;
    EXPECT_EQ(dup.status().code(), ErrorCode::kAlreadyExists) << name;
  }
  EXPECT_EQ(*service_->CountUsers(), 1);
  EXPECT_EQ(CountAudit(), audit_before);
}

TEST_F(AuthServiceTest, RoleMustFitOrganisationKind) {
  auto customs = service_->CreateOrganisation(admin_ctx_, "Border Force", OrgKind::kCustoms, "GB");
  ASSERT_TRUE(customs.ok());
  struct Case {
    Role role;
    OrgId org;
  };
  for (const Case& c : {Case{Role::kExporterUser, authority_.id}, Case{Role::kCustomsOfficer, exporter_.id},
                        Case{Role::kLicensingOfficer, exporter_.id}, Case{Role::kAdministrator, customs->id},
                        Case{Role::kReferralOfficer, customs->id}}) {
    auto u = AddUser("mismatch", c.role, c.org);
    ASSERT_FALSE(u.ok()) << RoleName(c.role);
    EXPECT_EQ(u.status().code(), ErrorCode::kInvalidArgument) << RoleName(c.role);
    EXPECT_THAT(u.status().message(), HasSubstr(std::string(RoleName(c.role))));
  }
  EXPECT_EQ(*service_->CountUsers(), 0);
  // The fitting combinations work.
  EXPECT_TRUE(AddUser("officer", Role::kCustomsOfficer, customs->id).ok());
  EXPECT_TRUE(AddUser("trader", Role::kExporterUser, exporter_.id).ok());
}

TEST_F(AuthServiceTest, RolesThatNeedAnOrganisation) {
  for (Role r : {Role::kExporterUser, Role::kExporterAdmin, Role::kReferralOfficer, Role::kCustomsOfficer}) {
    auto u = AddUser("orphan", r, std::nullopt);
    EXPECT_EQ(u.status().code(), ErrorCode::kInvalidArgument) << RoleName(r);
  }
  auto ghost_org = AddUser("ghost", Role::kExporterUser, OrgId(999));
  EXPECT_EQ(ghost_org.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(ghost_org.status().message(), HasSubstr("999"));
  EXPECT_EQ(*service_->CountUsers(), 0);
}

TEST_F(AuthServiceTest, UsernameAndPasswordValidation) {
  for (const char* bad : {"", "a", "has space", "semi;colon", "slash/", "quote'"}) {
    EXPECT_EQ(AddUser(bad, Role::kAuditor, authority_.id).status().code(), ErrorCode::kInvalidArgument)
        << bad;
  }
  EXPECT_EQ(AddUser(std::string(65, 'a'), Role::kAuditor, authority_.id).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_TRUE(AddUser(std::string(64, 'a'), Role::kAuditor, authority_.id).ok());
  EXPECT_TRUE(AddUser("ok.name_with-all@chars", Role::kAuditor, authority_.id).ok());
  EXPECT_EQ(AddUser("shortpw", Role::kAuditor, authority_.id, "elevenchars").status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(*service_->CountUsers(), 2);
}

// ---- login and tokens ------------------------------------------------------------------------------------

TEST_F(AuthServiceTest, LoginReturnsTokenThatAuthenticates) {
  User u = MustAddUser("dave", Role::kExporterAdmin, exporter_.id);
  TimePoint now = clock_.Now();
  auto login = service_->Login(anon_ctx_, "dave", kPassword);
  ASSERT_TRUE(login.ok()) << login.status().ToString();
  EXPECT_GE(login->token.size(), 40u);
  EXPECT_EQ(login->expires_at, now + std::chrono::minutes(60));
  EXPECT_EQ(login->user.id, u.id);
  EXPECT_EQ(login->user.username, "dave");

  auto p = service_->AuthenticateToken(login->token);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->user_id, u.id);
  EXPECT_EQ(p->username, "dave");
  EXPECT_EQ(p->role, Role::kExporterAdmin);
  EXPECT_EQ(p->org, exporter_.id);
  EXPECT_EQ(p->via, "token");
  EXPECT_FALSE(p->api_key.has_value());
  EXPECT_EQ(p->AuditActor(), "user:dave");
  EXPECT_TRUE(p->Can(Permission::kManageUsers));
  EXPECT_FALSE(p->Can(Permission::kReadAudit));
  EXPECT_TRUE(p->ConfinedToOrg());

  auto e = LastAuditEvent();
  EXPECT_EQ(e.action, "auth.login");
  EXPECT_EQ(e.actor, "user:dave");
  EXPECT_EQ(e.request_id, "req-anon");
  EXPECT_THAT(e.target, StartsWith("session:"));
  EXPECT_THAT(e.summary, Not(HasSubstr(login->token)));
  ExpectAuditIntact();
}

TEST_F(AuthServiceTest, LoginIsCaseInsensitiveOnUsername) {
  MustAddUser("erin", Role::kAuditor, authority_.id);
  auto login = service_->Login(anon_ctx_, "ERIN", kPassword);
  ASSERT_TRUE(login.ok()) << login.status().ToString();
  EXPECT_EQ(login->user.username, "erin");
}

TEST_F(AuthServiceTest, TokensAreUniqueAndStoredOnlyAsHashes) {
  MustAddUser("frank", Role::kAuditor, authority_.id);
  auto a = service_->Login(anon_ctx_, "frank", kPassword);
  auto b = service_->Login(anon_ctx_, "frank", kPassword);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_NE(a->token, b->token);
  EXPECT_EQ(ScalarInt("SELECT count(*) FROM sessions WHERE token_hash = ?", {Sha256Hex(a->token)}), 1);
  EXPECT_EQ(
      ScalarInt("SELECT count(*) FROM sessions WHERE token_hash = ? OR token_hash = ?", {a->token, b->token}),
      0);
  EXPECT_TRUE(service_->AuthenticateToken(a->token).ok());
  EXPECT_TRUE(service_->AuthenticateToken(b->token).ok());
}

TEST_F(AuthServiceTest, WrongPasswordAndUnknownUserAreIndistinguishable) {
  MustAddUser("gina", Role::kAuditor, authority_.id);
  int64_t before = CountAudit();
  auto wrong = service_->Login(anon_ctx_, "gina", kWrongPassword);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), ErrorCode::kUnauthenticated);
  auto unknown = service_->Login(anon_ctx_, "nobody", kPassword);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(wrong.status().message(), unknown.status().message());
  EXPECT_EQ(service_->Login(anon_ctx_, "", kPassword).status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(service_->Login(anon_ctx_, "gina", "").status().code(), ErrorCode::kUnauthenticated);

  // Each failure is audited against the username (no secrets in the summary).
  EXPECT_GE(CountAudit(), before + 2);
  auto actions = AuditActions(before);
  ASSERT_GE(actions.size(), 2u);
  EXPECT_EQ(actions[0], "auth.login_failed");
  EXPECT_EQ(actions[1], "auth.login_failed");
  audit::QueryOptions o;
  o.target = "username:gina";
  auto events = audit::Query(*db_, o);
  ASSERT_TRUE(events.ok());
  ASSERT_GE(events->size(), 1u);
  EXPECT_THAT(events->front().summary, Not(HasSubstr(kWrongPassword)));
  ExpectAuditIntact();
}

TEST_F(AuthServiceTest, LockoutAfterMaxFailuresThenCorrectPasswordWorksAfterWait) {
  MustAddUser("hank", Role::kAuditor, authority_.id);
  for (int i = 0; i < options_.max_failures; ++i) {
    auto r = service_->Login(anon_ctx_, "hank", kWrongPassword);
    EXPECT_EQ(r.status().code(), ErrorCode::kUnauthenticated) << "attempt " << i + 1;
  }
  // Locked now: even the right password is refused, and the refusal says how long to wait.
  auto locked = service_->Login(anon_ctx_, "hank", kPassword);
  ASSERT_FALSE(locked.ok());
  EXPECT_EQ(locked.status().code(), ErrorCode::kTooManyRequests);
  EXPECT_THAT(locked.status().message(), HasSubstr("1 second"));
  EXPECT_EQ(*service_->LockoutSecondsLeft("hank"), 1);
  EXPECT_EQ(*service_->LockoutSecondsLeft("HANK"), 1);

  // Still locked just before the lock ends.
  clock_.Advance(std::chrono::milliseconds(999));
  EXPECT_EQ(service_->Login(anon_ctx_, "hank", kPassword).status().code(), ErrorCode::kTooManyRequests);

  clock_.Advance(std::chrono::milliseconds(1));
  EXPECT_EQ(*service_->LockoutSecondsLeft("hank"), 0);
  auto ok = service_->Login(anon_ctx_, "hank", kPassword);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();

  // A successful login clears the failure count: one new failure does not lock.
  EXPECT_EQ(service_->Login(anon_ctx_, "hank", kWrongPassword).status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(*service_->LockoutSecondsLeft("hank"), 0);
  EXPECT_TRUE(service_->Login(anon_ctx_, "hank", kPassword).ok());
  ExpectAuditIntact();
}

TEST_F(AuthServiceTest, LockoutBacksOffExponentiallyUpToTheCap) {
  MustAddUser("ivan", Role::kAuditor, authority_.id);
  for (int i = 0; i < options_.max_failures; ++i) (void)service_->Login(anon_ctx_, "ivan", kWrongPassword);
  std::vector<int64_t> waits;
  waits.push_back(*service_->LockoutSecondsLeft("ivan"));
  for (int i = 0; i < 4; ++i) {
    clock_.Advance(std::chrono::seconds(waits.back()));
    EXPECT_EQ(service_->Login(anon_ctx_, "ivan", kWrongPassword).status().code(),
              ErrorCode::kUnauthenticated);
    waits.push_back(*service_->LockoutSecondsLeft("ivan"));
  }
  // 1, 2, 4, then capped at max_lockout (5 s).
  EXPECT_THAT(waits, ElementsAre(1, 2, 4, 5, 5));
}

TEST_F(AuthServiceTest, AttemptsDuringLockoutAreNotCountedOrAudited) {
  MustAddUser("judy", Role::kAuditor, authority_.id);
  for (int i = 0; i < options_.max_failures; ++i) (void)service_->Login(anon_ctx_, "judy", kWrongPassword);
  int64_t audit_before = CountAudit();
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(service_->Login(anon_ctx_, "judy", kWrongPassword).status().code(),
              ErrorCode::kTooManyRequests);
  }
  EXPECT_EQ(CountAudit(), audit_before);
  EXPECT_EQ(*service_->LockoutSecondsLeft("judy"), 1);  // not extended
}

TEST_F(AuthServiceTest, LockoutIsPerUsername) {
  MustAddUser("kate", Role::kAuditor, authority_.id);
  MustAddUser("leo", Role::kAuditor, authority_.id);
  for (int i = 0; i < options_.max_failures; ++i) (void)service_->Login(anon_ctx_, "kate", kWrongPassword);
  EXPECT_EQ(service_->Login(anon_ctx_, "kate", kPassword).status().code(), ErrorCode::kTooManyRequests);
  EXPECT_TRUE(service_->Login(anon_ctx_, "leo", kPassword).ok());
}

TEST_F(AuthServiceTest, TokenExpiresAfterTtl) {
  MustAddUser("mia", Role::kAuditor, authority_.id);
  auto login = service_->Login(anon_ctx_, "mia", kPassword);
  ASSERT_TRUE(login.ok());
  clock_.Advance(std::chrono::minutes(60) - std::chrono::microseconds(1));
  EXPECT_TRUE(service_->AuthenticateToken(login->token).ok());
  clock_.Advance(std::chrono::microseconds(1));
  auto expired = service_->AuthenticateToken(login->token);
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.status().code(), ErrorCode::kUnauthenticated);
  EXPECT_THAT(expired.status().message(), HasSubstr("expired"));
  // A fresh login works again.
  auto again = service_->Login(anon_ctx_, "mia", kPassword);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(service_->AuthenticateToken(again->token).ok());
}

TEST_F(AuthServiceTest, LogoutRevokesOnlyThatToken) {
  MustAddUser("ned", Role::kAuditor, authority_.id);
  auto first = service_->Login(anon_ctx_, "ned", kPassword);
  auto second = service_->Login(anon_ctx_, "ned", kPassword);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(second.ok());
  int64_t before = CountAudit();
  audit::Context ned_ctx{"user:ned", "req-logout"};
  ASSERT_TRUE(service_->Logout(ned_ctx, first->token).ok());
  EXPECT_EQ(CountAudit(), before + 1);
  auto e = LastAuditEvent();
  EXPECT_EQ(e.action, "auth.logout");
  EXPECT_EQ(e.actor, "user:ned");

  auto revoked = service_->AuthenticateToken(first->token);
  EXPECT_EQ(revoked.status().code(), ErrorCode::kUnauthenticated);
  EXPECT_TRUE(service_->AuthenticateToken(second->token).ok());
  // Logging out twice, or with garbage, fails and writes nothing.
  EXPECT_EQ(service_->Logout(ned_ctx, first->token).code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(service_->Logout(ned_ctx, "garbage").code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(CountAudit(), before + 1);
  ExpectAuditIntact();
}

TEST_F(AuthServiceTest, GarbageTokensAreRejected) {
  for (const std::string& t :
       {std::string(), std::string("x"), std::string(300, 'a'), std::string("stm_abc")}) {
    EXPECT_EQ(service_->AuthenticateToken(t).status().code(), ErrorCode::kUnauthenticated) << t;
  }
}

TEST_F(AuthServiceTest, InactiveUserCannotLoginOrUseToken) {
  User u = MustAddUser("olga", Role::kAuditor, authority_.id);
  auto login = service_->Login(anon_ctx_, "olga", kPassword);
  ASSERT_TRUE(login.ok());
  Exec("UPDATE users SET active = 0 WHERE id = ?", {u.id.value()});
  EXPECT_EQ(service_->AuthenticateToken(login->token).status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(service_->Login(anon_ctx_, "olga", kPassword).status().code(), ErrorCode::kUnauthenticated);
}

TEST_F(AuthServiceTest, VerifiedTokenIsTrustedOnlyForTheCacheTtl) {
  User u = MustAddUser("petra", Role::kAuditor, authority_.id);
  auto login = service_->Login(anon_ctx_, "petra", kPassword);
  ASSERT_TRUE(login.ok());
  auto first = service_->AuthenticateToken(login->token);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(first->organisation.has_value());
  EXPECT_EQ(first->organisation->name, authority_.name);
  // Deactivated behind the service's back: the cached principal stays valid for at most the TTL...
  Exec("UPDATE users SET active = 0 WHERE id = ?", {u.id.value()});
  EXPECT_TRUE(service_->AuthenticateToken(login->token).ok());
  clock_.Advance(options_.principal_cache_ttl + std::chrono::milliseconds(1));
  // ...and then the store decides again.
  EXPECT_EQ(service_->AuthenticateToken(login->token).status().code(), ErrorCode::kUnauthenticated);
}

TEST_F(AuthServiceTest, LogoutInvalidatesTheCachedTokenAtOnce) {
  MustAddUser("quinn", Role::kAuditor, authority_.id);
  auto login = service_->Login(anon_ctx_, "quinn", kPassword);
  ASSERT_TRUE(login.ok());
  ASSERT_TRUE(service_->AuthenticateToken(login->token).ok());
  ASSERT_TRUE(service_->Logout(anon_ctx_, login->token).ok());
  EXPECT_EQ(service_->AuthenticateToken(login->token).status().code(), ErrorCode::kUnauthenticated);
}

// ---- API keys --------------------------------------------------------------------------------------------

TEST_F(AuthServiceTest, ApiKeyCreateAuthenticateRevoke) {
  User gateway = MustAddUser("customs-gateway", Role::kAdministrator, authority_.id);
  int64_t before = CountAudit();
  auto key = service_->CreateApiKey(admin_ctx_, gateway.id, "nightly sync");
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_TRUE(key->id.valid());
  EXPECT_THAT(key->key, StartsWith("stm_"));
  EXPECT_EQ(key->prefix.size(), 8u);
  EXPECT_EQ(key->key.substr(4, 8), key->prefix);
  EXPECT_EQ(CountAudit(), before + 1);
  auto created = LastAuditEvent();
  EXPECT_EQ(created.action, "api_key.create");
  EXPECT_EQ(created.target, "api_key:" + key->id.ToString());
  EXPECT_THAT(created.summary, Not(HasSubstr(key->key)));
  // Only the hash is stored.
  EXPECT_EQ(ScalarInt("SELECT count(*) FROM api_keys WHERE key_hash = ?", {Sha256Hex(key->key)}), 1);
  EXPECT_EQ(ScalarInt("SELECT count(*) FROM api_keys WHERE key_hash = ?", {key->key}), 0);

  auto p = service_->AuthenticateApiKey(key->key);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->user_id, gateway.id);
  EXPECT_EQ(p->username, "customs-gateway");
  EXPECT_EQ(p->role, Role::kAdministrator);
  EXPECT_EQ(p->org, authority_.id);
  EXPECT_EQ(p->via, "api_key");
  ASSERT_TRUE(p->api_key.has_value());
  EXPECT_EQ(*p->api_key, key->id);
  EXPECT_EQ(p->AuditActor(), "apikey:" + key->id.ToString() + ":customs-gateway");

  // Keys and tokens are not interchangeable.
  EXPECT_EQ(service_->AuthenticateToken(key->key).status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(service_->AuthenticateApiKey(key->key + "x").status().code(), ErrorCode::kUnauthenticated);

  ASSERT_TRUE(service_->RevokeApiKey(admin_ctx_, key->id).ok());
  EXPECT_EQ(CountAudit(), before + 2);
  EXPECT_EQ(LastAuditEvent().action, "api_key.revoke");
  EXPECT_EQ(service_->AuthenticateApiKey(key->key).status().code(), ErrorCode::kUnauthenticated);
  // Revoking again, or an unknown key, is NotFound and not audited.
  EXPECT_EQ(service_->RevokeApiKey(admin_ctx_, key->id).code(), ErrorCode::kNotFound);
  EXPECT_EQ(service_->RevokeApiKey(admin_ctx_, ApiKeyId(999)).code(), ErrorCode::kNotFound);
  EXPECT_EQ(CountAudit(), before + 2);
  ExpectAuditIntact();
}

TEST_F(AuthServiceTest, ApiKeyValidation) {
  User u = MustAddUser("svc", Role::kAdministrator, authority_.id);
  int64_t before = CountAudit();
  EXPECT_EQ(service_->CreateApiKey(admin_ctx_, UserId(999), "k").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(service_->CreateApiKey(admin_ctx_, u.id, "").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(service_->CreateApiKey(admin_ctx_, u.id, std::string(101, 'n')).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(CountAudit(), before);
  EXPECT_EQ(service_->AuthenticateApiKey("").status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(service_->AuthenticateApiKey("stm_nope_nope").status().code(), ErrorCode::kUnauthenticated);
}

TEST_F(AuthServiceTest, ApiKeysAreDistinct) {
  User u = MustAddUser("svc", Role::kAdministrator, authority_.id);
  auto a = service_->CreateApiKey(admin_ctx_, u.id, "a");
  auto b = service_->CreateApiKey(admin_ctx_, u.id, "b");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_NE(a->key, b->key);
  EXPECT_NE(a->id, b->id);
  ASSERT_TRUE(service_->RevokeApiKey(admin_ctx_, a->id).ok());
  EXPECT_TRUE(service_->AuthenticateApiKey(b->key).ok());
}

// ---- audit coverage --------------------------------------------------------------------------------------

TEST_F(AuthServiceTest, EveryStateChangeIsAuditedAndChainVerifies) {
  int64_t start = CountAudit();
  EXPECT_EQ(start, 2);  // the two organisations from SetUp
  User u = MustAddUser("pat", Role::kAdministrator, authority_.id);
  (void)service_->Login(anon_ctx_, "pat", kWrongPassword);
  auto login = service_->Login(anon_ctx_, "pat", kPassword);
  ASSERT_TRUE(login.ok());
  auto key = service_->CreateApiKey(admin_ctx_, u.id, "k");
  ASSERT_TRUE(key.ok());
  ASSERT_TRUE(service_->RevokeApiKey(admin_ctx_, key->id).ok());
  ASSERT_TRUE(service_->Logout(admin_ctx_, login->token).ok());

  EXPECT_THAT(AuditActions(),
              ElementsAre("organisation.create", "organisation.create", "user.create", "auth.login_failed",
                          "auth.login", "api_key.create", "api_key.revoke", "auth.logout"));
  ExpectAuditIntact();

  // Reads write nothing.
  int64_t after = CountAudit();
  (void)service_->AuthenticateToken(login->token);
  (void)service_->ListUsers(std::nullopt);
  (void)service_->ListOrganisations();
  (void)service_->GetUser(u.id);
  (void)service_->LockoutSecondsLeft("pat");
  EXPECT_EQ(CountAudit(), after);
}

TEST_F(AuthServiceTest, ConcurrentUserCreationKeepsAuditChainIntact) {
  constexpr int kPerThread = 10;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto u = AddUser("t" + std::to_string(t) + "u" + std::to_string(i), Role::kLicensingOfficer,
                         authority_.id);
        if (!u.ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(*service_->CountUsers(), 2 * kPerThread);
  EXPECT_EQ(CountAudit(), 2 + 2 * kPerThread);
  ExpectAuditIntact();
}

}  // namespace
}  // namespace stm::auth
