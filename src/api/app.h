// The composition root: opens the store, migrates it, wires services and routes, runs the HTTP server.
// Used by `stm serve` and by the integration tests (which run the real server on an ephemeral port).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "auth/auth_service.h"
#include "catalog/catalog_store.h"
#include "classify/classifier.h"
#include "classify/rulings.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/crypto.h"
#include "http/router.h"
#include "http/server.h"
#include "licensing/licensing_service.h"
#include "licensing/queues.h"
#include "policy/denials.h"
#include "policy/policy_data.h"
#include "policy/risk.h"
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
  // A classifier to use instead of loading one from the configured data directories.
  std::shared_ptr<const classify::Classifier> classifier;
  // The default control-list versions the store lacks are stored this long after the App opens, or at once
  // when a request needs them (control-list versions, diffs), so that opening stays fast and short-lived
  // instances (tests) do not pay for an import they never use.
  std::chrono::milliseconds control_lists_delay{3000};
};

// The classifier for these data directories, loaded once per process and shared (it is immutable, and
// loading the full catalogue takes seconds).
Result<std::shared_ptr<const classify::Classifier>> LoadClassifier(const std::string& data_dir,
                                                                   const std::string& project_data);

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

  // Stores the default control-list versions from the data directory that the store lacks (the CCL
  // paragraph tree 2025-09-29, then the full text 2026-07-23), once; waits when that is under way.
  // Unavailable when the App shuts down first. Import problems are logged, not returned.
  Status EnsureControlLists();

  Status Start();         // starts serving; returns once listening
  uint16_t port() const;  // after Start
  void Shutdown();        // graceful; idempotent
  void Wait();            // until Shutdown has finished

  store::Database& db() { return *db_; }
  auth::AuthService& auth() { return *auth_; }
  screening::ScreeningService& screening() { return *screening_; }
  const classify::Classifier& classifier() const { return *classifier_; }
  catalog::CatalogStore& catalog_store() { return *catalog_store_; }
  classify::RulingStore& rulings() { return *rulings_; }
  licensing::LicensingService& licensing() { return *licensing_; }
  licensing::QueueService& queues() { return *queues_; }
  const Config& config() const { return options_.config; }

 private:
  explicit App(AppOptions options);

  AppOptions options_;
  std::unique_ptr<Random> owned_random_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<auth::AuthService> auth_;
  std::unique_ptr<screening::ScreeningService> screening_;
  std::shared_ptr<const classify::Classifier> classifier_;
  std::unique_ptr<catalog::CatalogStore> catalog_store_;
  std::unique_ptr<classify::RulingStore> rulings_;
  std::unique_ptr<policy::PolicyData> policy_;
  std::unique_ptr<policy::DenialService> denials_;    // routes cases through queues_ after denial checks
  std::unique_ptr<policy::PolicyRiskAssessor> risk_;  // the risk step of submission
  std::unique_ptr<licensing::QueueService> queues_;   // before licensing_, which routes cases through it
  std::unique_ptr<licensing::LicensingService> licensing_;
  std::optional<licensing::LetterTemplates> letters_;  // before licensing_ is used; outlives it
  // The periodic licence-expiry / appeal-window sweep (Config::sweep_interval_seconds); stops with
  // control_lists_stop_.
  void SweepPeriodically();
  std::thread sweep_thread_;
  // Background storing of the default control-list versions (see AppOptions::control_lists_delay).
  void StoreControlListsLater();
  std::mutex control_lists_mu_;
  std::condition_variable control_lists_cv_;
  bool control_lists_wanted_ = false;  // a request waits for them
  bool control_lists_stop_ = false;    // shutting down
  bool control_lists_done_ = false;
  std::thread control_lists_thread_;
  http::Router router_;
  std::unique_ptr<http::Server> server_;
  std::atomic<bool> ready_{false};
};

// The licensing service's options from the authority's settings file (`licensing_config`, default
// <project_data>/licensing.json) and its letter templates, which are loaded into `*letters` (the options
// point at them, so `*letters` must outlive the service).
Result<licensing::LicensingOptions> LicensingOptionsFromConfig(
    const Config& config, std::optional<licensing::LetterTemplates>* letters);

}  // namespace stm::api
