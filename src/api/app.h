// The composition root: opens the store, migrates it, wires services and routes, runs the HTTP server.
// Used by `stm serve` and by the integration tests (which run the real server on an ephemeral port).
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "auth/auth_service.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/crypto.h"
#include "http/router.h"
#include "http/server.h"
#include "screening/service.h"
#include "store/db.h"

namespace stm::api {

struct AppOptions {
  Config config;
  const Clock* clock = &SystemClock::Instance();  // injected; must outlive the App
  Random* random = nullptr;                       // null: a SecureRandom owned by the App
  auth::PasswordHashParams hash_params = auth::PasswordHashParams::Interactive();
  // An already opened and migrated store to use instead of opening config.db (tests inject fakes).
  std::unique_ptr<store::Database> db;
};

// Opens the database at config.db and applies pending migrations.
Result<std::unique_ptr<store::Database>> OpenDatabase(const Config& config, const Clock& clock);

class App {
 public:
  static Result<std::unique_ptr<App>> Open(AppOptions options);
  ~App();

  // Creates the first administrator ("admin") when there are no users yet, with `password` when given,
  // else a generated one. Returns nullopt when users already exist, "" when the given password was used,
  // and the generated password otherwise (to print once).
  Result<std::optional<std::string>> BootstrapAdmin(const std::optional<std::string>& password);

  // On a database with no restricted-party lists yet, imports every list file under
  // `data_dir`/sanctions (the default reference data). Returns how many lists were imported.
  Result<int> LoadDefaultLists(const std::string& data_dir);

  Status Start();         // starts serving; returns once listening
  uint16_t port() const;  // after Start
  void Shutdown();        // graceful; idempotent
  void Wait();            // until Shutdown has finished

  store::Database& db() { return *db_; }
  auth::AuthService& auth() { return *auth_; }
  screening::ScreeningService& screening() { return *screening_; }
  const Config& config() const { return options_.config; }

 private:
  explicit App(AppOptions options);

  AppOptions options_;
  std::unique_ptr<Random> owned_random_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<auth::AuthService> auth_;
  std::unique_ptr<screening::ScreeningService> screening_;
  http::Router router_;
  std::unique_ptr<http::Server> server_;
  std::atomic<bool> ready_{false};
};

}  // namespace stm::api
