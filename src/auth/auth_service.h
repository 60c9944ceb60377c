// Organisations, users, sessions and API keys. Every state change is audited in its own transaction.
#pragma once

#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "audit/audit.h"
#include "auth/password.h"
#include "auth/roles.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/ids.h"
#include "store/db.h"

namespace stm::auth {

struct Organisation {
  OrgId id;
  std::string name;
  OrgKind kind;
  std::string country;  // ISO 3166 alpha-2, may be empty
  TimePoint created_at;
};

struct User {
  UserId id;
  std::string username;
  std::string display_name;
  Role role;
  std::optional<OrgId> org;
  bool active = true;
  TimePoint created_at;
};

// The authenticated caller of a request.
struct Principal {
  UserId user_id;
  std::string username;
  Role role;
  std::optional<OrgId> org;
  std::optional<Organisation> organisation;  // the user's organisation, loaded with the credential
  std::string via;                           // "token" or "api_key"
  std::optional<ApiKeyId> api_key;

  bool Can(Permission p) const { return RoleHas(role, p); }
  // Exporter-side callers are confined to their own organisation.
  bool ConfinedToOrg() const { return IsExporterRole(role); }
  std::string AuditActor() const;
};

struct LoginResult {
  std::string token;  // shown once; only its hash is stored
  TimePoint expires_at;
  User user;
};

struct NewUser {
  std::string username;
  std::string display_name;
  Role role;
  std::optional<OrgId> org;
  std::string password;
};

struct NewApiKey {
  ApiKeyId id;
  std::string key;  // shown once
  std::string prefix;
};

struct AuthOptions {
  std::chrono::minutes token_ttl{480};
  int max_failures = 5;  // failures before back-off starts
  std::chrono::seconds max_lockout{std::chrono::minutes(15)};
  PasswordHashParams hash_params = PasswordHashParams::Interactive();
  // How long a verified credential is trusted without asking the store again (0 disables). Logout and
  // key revocation take effect at once on this process; on other server processes of a multi-node
  // deployment, and for user deactivation, within this time.
  std::chrono::milliseconds principal_cache_ttl{2000};
};

// Thread-safe. Its only state besides the store is a short-lived cache of verified credentials.
class AuthService {
 public:
  // `db`, `clock` and `random` must outlive the service.
  AuthService(store::Database& db, const Clock& clock, Random& random, AuthOptions options);

  Result<Organisation> CreateOrganisation(const audit::Context& ctx, std::string name, OrgKind kind,
                                          std::string country);
  Result<Organisation> GetOrganisation(OrgId id);
  Result<std::optional<Organisation>> FindOrganisationByName(const std::string& name);
  Result<std::vector<Organisation>> ListOrganisations();

  Result<User> CreateUser(const audit::Context& ctx, const NewUser& user);
  Result<User> GetUser(UserId id);
  // All users, or those of one organisation.
  Result<std::vector<User>> ListUsers(std::optional<OrgId> org);
  Result<int64_t> CountUsers();

  // kUnauthenticated for a wrong username or password (same message either way);
  // kTooManyRequests while back-off is in force (message names the seconds left).
  Result<LoginResult> Login(const audit::Context& ctx, const std::string& username,
                            const std::string& password);
  // Seconds until the username may try again (0 when it may now).
  Result<int64_t> LockoutSecondsLeft(const std::string& username);
  Status Logout(const audit::Context& ctx, const std::string& token);
  Result<Principal> AuthenticateToken(const std::string& token);

  Result<NewApiKey> CreateApiKey(const audit::Context& ctx, UserId user, std::string name);
  Status RevokeApiKey(const audit::Context& ctx, ApiKeyId id);
  Result<Principal> AuthenticateApiKey(const std::string& key);

 private:
  Result<User> LoadUser(store::Tx& tx, UserId id);
  std::optional<Principal> CachedPrincipal(const std::string& key) const;
  void CachePrincipal(const std::string& key, const Principal& p, int64_t credential_expiry_us);
  void ForgetPrincipal(const std::string& key);

  static constexpr size_t kMaxCachedPrincipals = 100000;
  struct CacheEntry {
    Principal principal;
    int64_t valid_until_us;
  };
  struct Attempt {
    int64_t failures = 0;  // consecutive attempts counted so far, this one included
    bool locks = false;    // this attempt started a back-off period
  };
  // Counts a login attempt for `username`; kTooManyRequests while a back-off is in force.
  Result<Attempt> BeginAttempt(const std::string& username);

  store::Database& db_;
  const Clock& clock_;
  Random& random_;
  AuthOptions options_;
  std::string dummy_hash_;  // verified against for unknown users so timing does not reveal them
  mutable std::shared_mutex cache_mu_;
  std::unordered_map<std::string, CacheEntry> cache_;  // "t:"/"k:" + credential hash -> principal
};

nlohmann::json ToJson(const Organisation& o);
nlohmann::json ToJson(const User& u);

}  // namespace stm::auth
