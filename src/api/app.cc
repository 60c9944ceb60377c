#include "api/app.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <filesystem>

#include "api/routes.h"
#include "screening/importers.h"
#include "store/migrate.h"
#include "store/sqlite_db.h"

namespace stm::api {

Result<std::unique_ptr<store::Database>> OpenDatabase(const Config& config, const Clock& clock) {
  STM_ASSIGN_OR_RETURN(auto db, store::SqliteDatabase::Open({.path = config.db}));
  auto applied = store::Migrate(*db, store::ProjectMigrations(db->dialect()), clock);
  if (!applied.ok()) return applied.status().WithContext(fmt::format("migrating '{}'", config.db));
  if (!applied->empty()) {
    spdlog::info("applied {} migration(s) to {}, now at version {}", applied->size(), config.db,
                 applied->back());
  }
  return std::unique_ptr<store::Database>(std::move(db));
}

App::App(AppOptions options) : options_(std::move(options)) {}

App::~App() {
  Shutdown();
  if (db_) db_->Close();
}

Result<std::unique_ptr<App>> App::Open(AppOptions options) {
  auto app = std::unique_ptr<App>(new App(std::move(options)));
  if (!app->options_.random) {
    app->owned_random_ = std::make_unique<SecureRandom>();
    app->options_.random = app->owned_random_.get();
  }
  const Config& cfg = app->options_.config;
  if (app->options_.db) {
    app->db_ = std::move(app->options_.db);
  } else {
    STM_ASSIGN_OR_RETURN(app->db_, OpenDatabase(cfg, *app->options_.clock));
  }
  auth::AuthOptions auth_options;
  auth_options.token_ttl = std::chrono::minutes(cfg.token_ttl_minutes);
  auth_options.max_failures = std::max(1, cfg.login_max_failures);
  auth_options.hash_params = app->options_.hash_params;
  auth_options.principal_cache_ttl = std::chrono::milliseconds(cfg.auth_cache_ms);
  app->auth_ = std::make_unique<auth::AuthService>(*app->db_, *app->options_.clock, *app->options_.random,
                                                   auth_options);
  app->screening_ = std::make_unique<screening::ScreeningService>(*app->db_, *app->options_.clock);
  STM_RETURN_IF_ERROR(app->screening_->LoadFromStore().WithContext("loading the restricted-party lists"));
  Deps deps{app->db_.get(),        app->options_.clock, app->auth_.get(), app->screening_.get(),
            ResolveDataDir(cfg), [a = app.get()] { return a->ready_.load(); }};
  RegisterRoutes(app->router_, deps);

  http::ServerOptions so;
  STM_RETURN_IF_ERROR(http::ParseListen(cfg.listen, &so));
  so.threads = cfg.threads;
  so.max_body_bytes = static_cast<uint64_t>(cfg.max_body_bytes);
  so.max_header_bytes = static_cast<uint32_t>(cfg.max_header_bytes);
  so.read_timeout = std::chrono::milliseconds(cfg.read_timeout_ms);
  so.write_timeout = std::chrono::milliseconds(cfg.write_timeout_ms);
  so.idle_timeout = std::chrono::milliseconds(cfg.idle_timeout_ms);
  so.max_connections = cfg.max_connections;
  so.access_log = cfg.access_log == "on";
  app->server_ = std::make_unique<http::Server>(so, app->router_);
  return app;
}

Result<std::optional<std::string>> App::BootstrapAdmin(const std::optional<std::string>& password) {
  STM_ASSIGN_OR_RETURN(int64_t users, auth_->CountUsers());
  if (users > 0) return std::optional<std::string>();
  std::string pw = password.value_or(auth::GeneratePassword());
  audit::Context ctx{"system", "-"};
  STM_ASSIGN_OR_RETURN(auto existing, auth_->FindOrganisationByName("Licensing Authority"));
  OrgId org_id;
  if (existing) {
    org_id = existing->id;
  } else {
    STM_ASSIGN_OR_RETURN(auto org, auth_->CreateOrganisation(ctx, "Licensing Authority",
                                                             auth::OrgKind::kLicensingAuthority, ""));
    org_id = org.id;
  }
  STM_RETURN_IF_ERROR(
      auth_->CreateUser(ctx, {"admin", "First administrator", auth::Role::kAdministrator, org_id, pw})
          .status());
  return std::optional<std::string>(password ? std::string() : pw);
}

Result<int> App::LoadDefaultLists(const std::string& data_dir) {
  if (data_dir.empty()) return 0;
  STM_ASSIGN_OR_RETURN(auto versions, screening_->Versions(std::nullopt));
  std::string dir = data_dir + "/sanctions";
  std::error_code ec;
  if (!versions.empty() || !std::filesystem::is_directory(dir, ec)) return 0;
  STM_ASSIGN_OR_RETURN(auto lists, screening::ImportDirectory(dir));
  int n = static_cast<int>(lists.size());
  STM_RETURN_IF_ERROR(screening_->Import({"system", "-"}, std::move(lists), dir).status());
  return n;
}

Status App::Start() {
  STM_RETURN_IF_ERROR(server_->Start());
  ready_.store(true);
  return Status::Ok();
}

uint16_t App::port() const { return server_->port(); }

void App::Shutdown() {
  ready_.store(false);
  if (server_) server_->Shutdown(std::chrono::milliseconds(options_.config.shutdown_grace_ms));
}

void App::Wait() { server_->Wait(); }

}  // namespace stm::api
