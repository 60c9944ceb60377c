#include "auth/auth_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <limits>
#include <mutex>

namespace stm::auth {
namespace {

constexpr std::string_view kUserColumns = "id, username, display_name, role, org_id, active, created_at";

User UserFromRow(const store::Row& r) {
  User u;
  u.id = UserId(r.Int(0));
  u.username = r.Text(1);
  u.display_name = r.Text(2);
  u.role = ParseRole(r.Text(3)).value_or(Role::kExporterUser);
  if (!r.IsNull(4)) u.org = OrgId(r.Int(4));
  u.active = r.Int(5) != 0;
  u.created_at = FromUnixMicros(r.Int(6));
  return u;
}

Organisation OrgFromRow(const store::Row& r) {
  return {OrgId(r.Int(0)), r.Text(1), ParseOrgKind(r.Text(2)).value_or(OrgKind::kExporter), r.Text(3),
          FromUnixMicros(r.Int(4))};
}

std::string NormaliseUsername(std::string_view name) {
  std::string out(name);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Status ValidateUsername(std::string_view name) {
  if (name.size() < 2 || name.size() > 64)
    return Status::InvalidArgument("username must be 2 to 64 characters");
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' || c == '@')) {
      return Status::InvalidArgument("username may contain only letters, digits and . _ - @");
    }
  }
  return Status::Ok();
}

const Status kBadCredentials = Status::Unauthenticated("wrong username or password");

}  // namespace

std::string Principal::AuditActor() const {
  if (api_key) return fmt::format("apikey:{}:{}", api_key->value(), username);
  return fmt::format("user:{}", username);
}

AuthService::AuthService(store::Database& db, const Clock& clock, Random& random, AuthOptions options)
    : db_(db), clock_(clock), random_(random), options_(options) {
  auto dummy = HashPassword("stm-dummy-password-for-timing", options_.hash_params);
  dummy_hash_ = dummy.ok() ? *dummy : "";
}

Result<Organisation> AuthService::CreateOrganisation(const audit::Context& ctx, std::string name,
                                                     OrgKind kind, std::string country) {
  if (name.empty() || name.size() > 200)
    return Status::InvalidArgument("organisation name must be 1 to 200 characters");
  if (!country.empty() && (country.size() != 2 || !std::isupper(static_cast<unsigned char>(country[0])) ||
                           !std::isupper(static_cast<unsigned char>(country[1])))) {
    return Status::InvalidArgument("country must be an ISO 3166 alpha-2 code such as 'GB'");
  }
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kWrite));
  TimePoint now = clock_.Now();
  auto inserted = tx->QueryOne(
      "INSERT INTO organisations (name, kind, country, created_at) VALUES (?, ?, ?, ?) "
      "RETURNING id",
      {name, std::string(OrgKindName(kind)), country, ToUnixMicros(now)});
  if (!inserted.ok()) {
    if (inserted.status().code() == ErrorCode::kAlreadyExists) {
      return Status::AlreadyExists(fmt::format("an organisation named '{}' already exists", name));
    }
    return inserted.status();
  }
  Organisation org{OrgId((*inserted)->Int(0)), std::move(name), kind, std::move(country), now};
  STM_RETURN_IF_ERROR(audit::Append(
      *tx, clock_, ctx, {"organisation.create", fmt::format("org:{}", org.id.value()), ToJson(org)}));
  STM_RETURN_IF_ERROR(tx->Commit());
  return org;
}

Result<Organisation> AuthService::GetOrganisation(OrgId id) {
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  STM_ASSIGN_OR_RETURN(auto row, tx->QueryOne("SELECT id, name, kind, country, created_at FROM organisations "
                                              "WHERE id = ?",
                                              {id.value()}));
  if (!row) return Status::NotFound(fmt::format("organisation {} not found", id.value()));
  return OrgFromRow(*row);
}

Result<std::optional<Organisation>> AuthService::FindOrganisationByName(const std::string& name) {
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  STM_ASSIGN_OR_RETURN(auto row, tx->QueryOne("SELECT id, name, kind, country, created_at FROM organisations "
                                              "WHERE name = ?",
                                              {name}));
  if (!row) return std::optional<Organisation>();
  return std::optional<Organisation>(OrgFromRow(*row));
}

Result<std::vector<Organisation>> AuthService::ListOrganisations() {
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  STM_ASSIGN_OR_RETURN(auto rows, tx->Query("SELECT id, name, kind, country, created_at FROM organisations "
                                            "ORDER BY id"));
  std::vector<Organisation> out;
  for (const auto& r : rows) out.push_back(OrgFromRow(r));
  return out;
}

Result<User> AuthService::LoadUser(store::Tx& tx, UserId id) {
  STM_ASSIGN_OR_RETURN(
      auto row, tx.QueryOne(fmt::format("SELECT {} FROM users WHERE id = ?", kUserColumns), {id.value()}));
  if (!row) return Status::NotFound(fmt::format("user {} not found", id.value()));
  return UserFromRow(*row);
}

Result<User> AuthService::CreateUser(const audit::Context& ctx, const NewUser& nu) {
  STM_RETURN_IF_ERROR(ValidateUsername(nu.username));
  STM_RETURN_IF_ERROR(CheckPasswordPolicy(nu.password));
  if (nu.display_name.size() > 200)
    return Status::InvalidArgument("display_name must be at most 200 characters");
  bool needs_org =
      IsExporterRole(nu.role) || nu.role == Role::kReferralOfficer || nu.role == Role::kCustomsOfficer;
  if (needs_org && !nu.org) {
    return Status::InvalidArgument(fmt::format("role {} requires an organisation", RoleName(nu.role)));
  }
  if (nu.org) {
    auto org = GetOrganisation(*nu.org);
    if (!org.ok()) {
      if (org.status().code() == ErrorCode::kNotFound) {
        return Status::InvalidArgument(fmt::format("organisation {} does not exist", nu.org->value()));
      }
      return org.status();
    }
    if (!RoleFitsOrgKind(nu.role, org->kind)) {
      return Status::InvalidArgument(fmt::format("role {} cannot belong to a {} organisation",
                                                 RoleName(nu.role), OrgKindName(org->kind)));
    }
  }
  // Hash outside the write transaction: it takes tens of milliseconds.
  STM_ASSIGN_OR_RETURN(std::string hash, HashPassword(nu.password, options_.hash_params));
  std::string username = NormaliseUsername(nu.username);
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kWrite));
  TimePoint now = clock_.Now();
  auto inserted = tx->QueryOne(
      "INSERT INTO users (username, display_name, role, org_id, password_hash, active, created_at) "
      "VALUES (?, ?, ?, ?, ?, 1, ?) RETURNING id",
      {username, nu.display_name, std::string(RoleName(nu.role)),
       nu.org ? store::Value(nu.org->value()) : store::Null(), hash, ToUnixMicros(now)});
  if (!inserted.ok()) {
    if (inserted.status().code() == ErrorCode::kAlreadyExists) {
      return Status::AlreadyExists(fmt::format("username '{}' is taken", username));
    }
    return inserted.status();
  }
  User u{UserId((*inserted)->Int(0)), username, nu.display_name, nu.role, nu.org, true, now};
  STM_RETURN_IF_ERROR(
      audit::Append(*tx, clock_, ctx, {"user.create", fmt::format("user:{}", u.id.value()), ToJson(u)}));
  STM_RETURN_IF_ERROR(tx->Commit());
  return u;
}

Result<User> AuthService::GetUser(UserId id) {
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  return LoadUser(*tx, id);
}

Result<std::vector<User>> AuthService::ListUsers(std::optional<OrgId> org) {
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  std::vector<store::Row> rows;
  if (org) {
    STM_ASSIGN_OR_RETURN(
        rows, tx->Query(fmt::format("SELECT {} FROM users WHERE org_id = ? ORDER BY id", kUserColumns),
                        {org->value()}));
  } else {
    STM_ASSIGN_OR_RETURN(rows, tx->Query(fmt::format("SELECT {} FROM users ORDER BY id", kUserColumns)));
  }
  std::vector<User> out;
  for (const auto& r : rows) out.push_back(UserFromRow(r));
  return out;
}

Result<int64_t> AuthService::CountUsers() {
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  STM_ASSIGN_OR_RETURN(auto row, tx->QueryOne("SELECT count(*) FROM users"));
  return row ? row->Int(0) : 0;
}

Result<int64_t> AuthService::LockoutSecondsLeft(const std::string& username) {
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  STM_ASSIGN_OR_RETURN(auto row, tx->QueryOne("SELECT locked_until FROM login_failures WHERE username = ?",
                                              {NormaliseUsername(username)}));
  if (!row) return int64_t{0};
  int64_t left_us = row->Int(0) - ToUnixMicros(clock_.Now());
  return left_us > 0 ? (left_us + 999999) / 1000000 : 0;
}

Result<AuthService::Attempt> AuthService::BeginAttempt(const std::string& username) {
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kWrite));
  int64_t now = ToUnixMicros(clock_.Now());
  STM_ASSIGN_OR_RETURN(
      auto row,
      tx->QueryOne("SELECT failures, locked_until FROM login_failures WHERE username = ?", {username}));
  if (row && row->Int(1) > now) {
    int64_t secs = (row->Int(1) - now + 999999) / 1000000;
    return Status::TooManyRequests(fmt::format("too many failed logins; try again in {} seconds", secs));
  }
  Attempt attempt;
  attempt.failures = (row ? row->Int(0) : 0) + 1;
  int64_t locked_until = 0;
  if (attempt.failures >= options_.max_failures) {
    // Exponential back-off: 1 s, 2 s, 4 s ... capped.
    int64_t exponent = std::min<int64_t>(attempt.failures - options_.max_failures, 30);
    int64_t secs = std::min<int64_t>(int64_t{1} << exponent, options_.max_lockout.count());
    locked_until = now + secs * 1000000;
    attempt.locks = true;
  }
  STM_RETURN_IF_ERROR(tx->Exec("INSERT INTO login_failures (username, failures, locked_until, updated_at) "
                               "VALUES (?, ?, ?, ?) ON CONFLICT (username) DO UPDATE SET "
                               "failures = excluded.failures, locked_until = excluded.locked_until, "
                               "updated_at = excluded.updated_at",
                               {username, attempt.failures, locked_until, now})
                          .status());
  // Forget counters of names nobody has tried for a day (unknown names would otherwise pile up).
  constexpr int64_t kDayUs = int64_t{86400} * 1000000;
  STM_RETURN_IF_ERROR(
      tx->Exec("DELETE FROM login_failures WHERE updated_at < ? AND locked_until < ?", {now - kDayUs, now})
          .status());
  STM_RETURN_IF_ERROR(tx->Commit());
  return attempt;
}

Result<LoginResult> AuthService::Login(const audit::Context& ctx, const std::string& raw_username,
                                       const std::string& password) {
  if (raw_username.empty() || raw_username.size() > 64 || password.size() > 1024) return kBadCredentials;
  std::string username = NormaliseUsername(raw_username);
  // The attempt is counted before the slow password check, so parallel attempts cannot outrun the
  // back-off; a successful login clears the count.
  STM_ASSIGN_OR_RETURN(Attempt attempt, BeginAttempt(username));
  std::optional<User> user;
  std::string hash;
  {
    STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
    STM_ASSIGN_OR_RETURN(
        auto row,
        tx->QueryOne(fmt::format("SELECT {}, password_hash FROM users WHERE username = ?", kUserColumns),
                     {username}));
    if (row) {
      user = UserFromRow(*row);
      hash = row->Text(7);
    }
  }
  bool ok = VerifyPassword(password, user ? hash : dummy_hash_) && user && user->active;
  if (!ok) {
    STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kWrite));
    STM_RETURN_IF_ERROR(audit::Append(*tx, clock_, ctx,
                                      {"auth.login_failed",
                                       fmt::format("username:{}", username),
                                       {{"failures", attempt.failures}, {"locked", attempt.locks}}}));
    STM_RETURN_IF_ERROR(tx->Commit());
    return kBadCredentials;
  }
  std::string token = Base64UrlEncode(random_.Bytes(32));
  TimePoint now = clock_.Now();
  TimePoint expires = now + std::chrono::duration_cast<std::chrono::microseconds>(options_.token_ttl);
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kWrite));
  STM_RETURN_IF_ERROR(tx->Exec("DELETE FROM login_failures WHERE username = ?", {username}).status());
  STM_ASSIGN_OR_RETURN(
      auto session,
      tx->QueryOne("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) "
                   "VALUES (?, ?, ?, ?) RETURNING id",
                   {Sha256Hex(token), user->id.value(), ToUnixMicros(now), ToUnixMicros(expires)}));
  audit::Context login_ctx{fmt::format("user:{}", username), ctx.request_id};
  STM_RETURN_IF_ERROR(audit::Append(*tx, clock_, login_ctx,
                                    {"auth.login",
                                     fmt::format("session:{}", session->Int(0)),
                                     {{"user_id", user->id.value()}, {"expires_at", FormatTime(expires)}}}));
  STM_RETURN_IF_ERROR(tx->Commit());
  return LoginResult{std::move(token), expires, std::move(*user)};
}

Status AuthService::Logout(const audit::Context& ctx, const std::string& token) {
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kWrite));
  STM_ASSIGN_OR_RETURN(auto row,
                       tx->QueryOne("SELECT id FROM sessions WHERE token_hash = ? AND revoked_at IS NULL",
                                    {Sha256Hex(token)}));
  if (!row) return Status::Unauthenticated("token is not valid");
  STM_RETURN_IF_ERROR(
      tx->Exec("UPDATE sessions SET revoked_at = ? WHERE id = ?", {ToUnixMicros(clock_.Now()), row->Int(0)})
          .status());
  STM_RETURN_IF_ERROR(audit::Append(
      *tx, clock_, ctx, {"auth.logout", fmt::format("session:{}", row->Int(0)), nlohmann::json::object()}));
  STM_RETURN_IF_ERROR(tx->Commit());
  ForgetPrincipal("t:" + Sha256Hex(token));
  return Status::Ok();
}

namespace {

// Columns shared by token and API-key authentication: credential state, then user, then organisation.
constexpr std::string_view kPrincipalColumns =
    "u.id, u.username, u.role, u.active, o.id, o.name, o.kind, o.country, o.created_at";

Result<Principal> PrincipalFromRow(const store::Row& r, size_t first) {
  auto role = ParseRole(r.Text(first + 2));
  if (!role)
    return Status::Internal(fmt::format("user {} has unknown role '{}'", r.Int(first), r.Text(first + 2)));
  Principal p;
  p.user_id = UserId(r.Int(first));
  p.username = r.Text(first + 1);
  p.role = *role;
  if (!r.IsNull(first + 4)) {
    p.org = OrgId(r.Int(first + 4));
    p.organisation =
        Organisation{*p.org, r.Text(first + 5), ParseOrgKind(r.Text(first + 6)).value_or(OrgKind::kExporter),
                     r.Text(first + 7), FromUnixMicros(r.Int(first + 8))};
  }
  return p;
}

}  // namespace

std::optional<Principal> AuthService::CachedPrincipal(const std::string& key) const {
  if (options_.principal_cache_ttl.count() <= 0) return std::nullopt;
  int64_t now = ToUnixMicros(clock_.Now());
  std::shared_lock lock(cache_mu_);
  auto it = cache_.find(key);
  if (it == cache_.end() || it->second.valid_until_us <= now) return std::nullopt;
  return it->second.principal;
}

void AuthService::CachePrincipal(const std::string& key, const Principal& p, int64_t credential_expiry_us) {
  if (options_.principal_cache_ttl.count() <= 0) return;
  int64_t now = ToUnixMicros(clock_.Now());
  int64_t until = std::min(
      credential_expiry_us,
      now + std::chrono::duration_cast<std::chrono::microseconds>(options_.principal_cache_ttl).count());
  std::unique_lock lock(cache_mu_);
  if (cache_.size() >= kMaxCachedPrincipals) {
    std::erase_if(cache_, [now](const auto& entry) { return entry.second.valid_until_us <= now; });
    if (cache_.size() >= kMaxCachedPrincipals) cache_.clear();
  }
  cache_[key] = {p, until};
}

void AuthService::ForgetPrincipal(const std::string& key) {
  std::unique_lock lock(cache_mu_);
  cache_.erase(key);
}

Result<Principal> AuthService::AuthenticateToken(const std::string& token) {
  if (token.empty() || token.size() > 256) return Status::Unauthenticated("token is not valid");
  std::string key = "t:" + Sha256Hex(token);
  if (auto cached = CachedPrincipal(key)) return *cached;
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  STM_ASSIGN_OR_RETURN(auto row,
                       tx->QueryOne(fmt::format("SELECT s.expires_at, s.revoked_at, {} FROM sessions s "
                                                "JOIN users u ON u.id = s.user_id "
                                                "LEFT JOIN organisations o ON o.id = u.org_id "
                                                "WHERE s.token_hash = ?",
                                                kPrincipalColumns),
                                    {key.substr(2)}));
  if (!row || !row->IsNull(1) || row->Int(5) == 0) return Status::Unauthenticated("token is not valid");
  if (row->Int(0) <= ToUnixMicros(clock_.Now()))
    return Status::Unauthenticated("token has expired; log in again");
  STM_ASSIGN_OR_RETURN(Principal p, PrincipalFromRow(*row, 2));
  p.via = "token";
  CachePrincipal(key, p, row->Int(0));
  return p;
}

Result<NewApiKey> AuthService::CreateApiKey(const audit::Context& ctx, UserId user_id, std::string name) {
  if (name.empty() || name.size() > 100)
    return Status::InvalidArgument("API key name must be 1 to 100 characters");
  std::string secret = Base64UrlEncode(random_.Bytes(32));
  std::string prefix = secret.substr(0, 8);
  std::string key = "stm_" + secret;
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kWrite));
  STM_ASSIGN_OR_RETURN(User u, LoadUser(*tx, user_id));
  STM_ASSIGN_OR_RETURN(
      auto row, tx->QueryOne("INSERT INTO api_keys (key_hash, prefix, name, user_id, created_at) "
                             "VALUES (?, ?, ?, ?, ?) RETURNING id",
                             {Sha256Hex(key), prefix, name, u.id.value(), ToUnixMicros(clock_.Now())}));
  ApiKeyId id(row->Int(0));
  STM_RETURN_IF_ERROR(audit::Append(*tx, clock_, ctx,
                                    {"api_key.create",
                                     fmt::format("api_key:{}", id.value()),
                                     {{"name", name}, {"user_id", u.id.value()}, {"prefix", prefix}}}));
  STM_RETURN_IF_ERROR(tx->Commit());
  return NewApiKey{id, key, prefix};
}

Status AuthService::RevokeApiKey(const audit::Context& ctx, ApiKeyId id) {
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kWrite));
  STM_ASSIGN_OR_RETURN(
      auto hash,
      tx->QueryOne("SELECT key_hash FROM api_keys WHERE id = ? AND revoked_at IS NULL", {id.value()}));
  if (!hash) return Status::NotFound(fmt::format("active API key {} not found", id.value()));
  STM_RETURN_IF_ERROR(
      tx->Exec("UPDATE api_keys SET revoked_at = ? WHERE id = ?", {ToUnixMicros(clock_.Now()), id.value()})
          .status());
  STM_RETURN_IF_ERROR(audit::Append(
      *tx, clock_, ctx, {"api_key.revoke", fmt::format("api_key:{}", id.value()), nlohmann::json::object()}));
  STM_RETURN_IF_ERROR(tx->Commit());
  ForgetPrincipal("k:" + hash->Text(0));
  return Status::Ok();
}

Result<Principal> AuthService::AuthenticateApiKey(const std::string& api_key) {
  if (api_key.size() < 8 || api_key.size() > 256) return Status::Unauthenticated("API key is not valid");
  std::string key = "k:" + Sha256Hex(api_key);
  if (auto cached = CachedPrincipal(key)) return *cached;
  STM_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxMode::kRead));
  STM_ASSIGN_OR_RETURN(auto row, tx->QueryOne(fmt::format("SELECT k.id, k.revoked_at, {} FROM api_keys k "
                                                          "JOIN users u ON u.id = k.user_id "
                                                          "LEFT JOIN organisations o ON o.id = u.org_id "
                                                          "WHERE k.key_hash = ?",
                                                          kPrincipalColumns),
                                              {key.substr(2)}));
  if (!row || !row->IsNull(1) || row->Int(5) == 0) return Status::Unauthenticated("API key is not valid");
  STM_ASSIGN_OR_RETURN(Principal p, PrincipalFromRow(*row, 2));
  p.via = "api_key";
  p.api_key = ApiKeyId(row->Int(0));
  CachePrincipal(key, p, std::numeric_limits<int64_t>::max());
  return p;
}

nlohmann::json ToJson(const Organisation& o) {
  return {{"id", o.id.value()},
          {"name", o.name},
          {"kind", OrgKindName(o.kind)},
          {"country", o.country},
          {"created_at", FormatTime(o.created_at)}};
}

nlohmann::json ToJson(const User& u) {
  return {{"id", u.id.value()},
          {"username", u.username},
          {"display_name", u.display_name},
          {"role", RoleName(u.role)},
          {"org_id", u.org ? nlohmann::json(u.org->value()) : nlohmann::json(nullptr)},
          {"active", u.active},
          {"created_at", FormatTime(u.created_at)}};
}

}  // namespace stm::auth
