#include "api/app.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <map>
#include <mutex>

#include "api/handlers.h"
#include "api/routes.h"
#include "policy/policy_data.h"
#include "screening/countries.h"
#include "screening/importers.h"
#include "store/migrate.h"
#include "store/sqlite_db.h"

namespace stm::api {
namespace {

// The `national_measures` configuration ("EU,US") as a list.
std::vector<std::string> NationalAuthorities(const Config& cfg, const policy::PolicyData&) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= cfg.national_measures.size()) {
    size_t comma = cfg.national_measures.find(',', start);
    if (comma == std::string::npos) comma = cfg.national_measures.size();
    std::string authority = cfg.national_measures.substr(start, comma - start);
    start = comma + 1;
    authority.erase(0, authority.find_first_not_of(' '));
    if (auto last = authority.find_last_not_of(' '); last != std::string::npos) authority.erase(last + 1);
    if (!authority.empty()) out.push_back(authority);
  }
  return out;
}

}  // namespace

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

Result<std::shared_ptr<const classify::Classifier>> LoadClassifier(const std::string& data_dir,
                                                                   const std::string& project_data) {
  static std::mutex mu;
  static std::map<std::pair<std::string, std::string>, std::shared_ptr<const classify::Classifier>> cache;
  auto normal = [](const std::string& p) {
    return p.empty() ? p : std::filesystem::absolute(p).lexically_normal().string();
  };
  // A data directory without a catalogue loads the same classifier as none (criteria only).
  std::error_code ec;
  bool has_catalogue =
      !data_dir.empty() && std::filesystem::is_directory(std::filesystem::path(data_dir) / "controls", ec);
  std::pair<std::string, std::string> key{has_catalogue ? normal(data_dir) : "", normal(project_data)};
  std::lock_guard lock(mu);
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  auto loaded = classify::Classifier::Load({key.first, project_data});
  if (!loaded.ok() && !key.first.empty()) {
    // A broken or incomplete catalogue does not stop classification: the criteria still work.
    spdlog::warn("control-list catalogue not loaded from '{}': {}; classifying with the criteria only",
                 data_dir, loaded.status().ToString());
    loaded = classify::Classifier::Load({"", project_data});
  }
  STM_ASSIGN_OR_RETURN(auto classifier, std::move(loaded));
  const auto& cat = classifier->catalog();
  spdlog::info("classifier loaded in {:.1f} s: {} criteria records, catalogue {} {} ({} entries, {} issues)",
               classifier->load_seconds(), classifier->criteria().records().size(),
               cat.list().id.empty() ? "(none)" : cat.list().id, cat.list().version, cat.entries().size(),
               cat.issues().size());
  cache.emplace(key, classifier);
  return classifier;
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
  std::string data_dir = ResolveDataDir(cfg);
  if (app->options_.classifier) {
    app->classifier_ = std::move(app->options_.classifier);
  } else {
    auto classifier = LoadClassifier(data_dir, ResolveProjectDataDir(cfg));
    if (!classifier.ok()) return classifier.status().WithContext("loading the classifier");
    app->classifier_ = std::move(classifier).value();
  }
  app->catalog_store_ = std::make_unique<catalog::CatalogStore>(*app->db_, *app->options_.clock);
  app->rulings_ = std::make_unique<classify::RulingStore>(*app->db_, *app->options_.clock);
  // Routing rules on regimes ask the classifier's catalogue (immutable, shared) for a code's regime.
  licensing::QueueOptions queue_options;
  queue_options.regimes_of = [classifier = app->classifier_](std::string_view code) {
    std::vector<std::string> regimes;
    if (const catalog::ControlEntry* entry = classifier->catalog().Find(code)) {
      regimes.emplace_back(catalog::RegimeId(entry->regime));
    } else if (auto regime = catalog::RegimeFromNumbering(code)) {
      regimes.emplace_back(catalog::RegimeId(*regime));
    }
    return regimes;
  };
  app->queues_ = std::make_unique<licensing::QueueService>(*app->db_, *app->options_.clock, queue_options);
  // Destinations, sanctions regimes and the catch-all checklist (data/policy), every country code checked.
  {
    const std::string policy_dir = ResolveProjectDataDir(cfg) + "/policy";
    auto policy = policy::PolicyData::LoadDirectory(
        policy_dir, [](std::string_view code) { return !screening::CountryName(code).empty(); });
    if (!policy.ok()) return policy.status().WithContext("loading the policy data");
    app->policy_ = std::make_unique<policy::PolicyData>(std::move(policy).value());
    for (const auto& authority : NationalAuthorities(cfg, *app->policy_)) {
      bool known = std::any_of(app->policy_->regimes().begin(), app->policy_->regimes().end(),
                               [&](const policy::SanctionsRegime& r) { return r.authority == authority; });
      if (!known) {
        return Status::InvalidArgument(
            fmt::format("national_measures: '{}' is the authority of no national measure in "
                        "data/policy/un_sanctions.json",
                        authority));
      }
    }
  }
  // The default teams, queues, routing rules and flag definitions, once, on a database without any.
  std::string routing_seed = ResolveProjectDataDir(cfg) + "/routing.json";
  if (std::error_code ec; std::filesystem::exists(routing_seed, ec)) {
    auto seeded = app->queues_->SeedFromFile({"system", "-"}, routing_seed);
    if (!seeded.ok()) return seeded.status().WithContext("loading the routing seed data");
  }
  // The authority's settings (SLA targets, holidays, numbering, appeal period) and its letter templates;
  // queues_ routes each new case inside the submit transaction.
  auto licensing_options = LicensingOptionsFromConfig(cfg, &app->letters_);
  if (!licensing_options.ok()) return licensing_options.status();
  // Submission: the risk step (screening, determination, denials, history), then the denial check (which
  // opens no-undercut consultations) and the routing rules, in the submit transaction.
  policy::DenialOptions denial_options;
  denial_options.queues = app->queues_.get();
  denial_options.regimes_of = queue_options.regimes_of;
  app->denials_ = std::make_unique<policy::DenialService>(*app->db_, *app->options_.clock, denial_options);
  policy::RiskOptions risk_options;
  risk_options.data = app->policy_.get();
  risk_options.determination.regimes_of = queue_options.regimes_of;
  risk_options.determination.national_authorities = NationalAuthorities(cfg, *app->policy_);
  risk_options.screen = [screening = app->screening_.get()](const screening::Query& q) {
    return screening->Screen(q, screening::ScreenOptions{});
  };
  risk_options.classifier = app->classifier_.get();
  risk_options.queues = app->queues_.get();
  risk_options.exporter_history = [a = app.get()](OrgId org) { return a->licensing_->ExporterHistory(org); };
  risk_options.denial_matches =
      [denials = app->denials_.get()](
          const licensing::Application& application) -> Result<std::vector<nlohmann::json>> {
    STM_ASSIGN_OR_RETURN(auto matches, denials->Match(application));
    std::vector<nlohmann::json> flags;
    for (const auto& m : matches) {
      const auto& best = m.parties.front();
      flags.push_back(
          {{"code", "denial_match"},
           {"severity", m.essentially_identical ? "high" : "medium"},
           {"message",
            fmt::format("{} '{}' matches '{}' of {} denial {} ({}){}", best.role, best.name,
                        best.denial_party_name, m.denial.notifying_state, m.denial.reference, m.denial.regime,
                        m.essentially_identical ? ": an essentially identical transaction, consult the state"
                                                : ", no common control code")},
           {"subject", fmt::format("parties[{}]", best.party_index)},
           {"denial_id", m.denial.id},
           {"essentially_identical", m.essentially_identical},
           {"evidence", policy::ToJson(m)}});
    }
    return flags;
  };
  app->risk_ = std::make_unique<policy::PolicyRiskAssessor>(std::move(risk_options));
  licensing_options->risk = app->risk_.get();
  licensing_options->router = app->denials_.get();
  licensing_options->decisions = app->denials_.get();
  app->licensing_ = std::make_unique<licensing::LicensingService>(*app->db_, *app->options_.clock,
                                                                  std::move(licensing_options).value());
  app->queues_->SetLicensing(app->licensing_.get());
  Deps deps{app->db_.get(),   app->options_.clock,
            app->auth_.get(), app->screening_.get(),
            data_dir,         [a = app.get()] { return a->ready_.load(); }};
  deps.classifier = app->classifier_.get();
  deps.catalog_store = app->catalog_store_.get();
  deps.rulings = app->rulings_.get();
  deps.licensing = app->licensing_.get();
  deps.queues = app->queues_.get();
  deps.policy = app->policy_.get();
  deps.regimes_of = queue_options.regimes_of;
  deps.national_authorities = NationalAuthorities(cfg, *app->policy_);
  deps.denials = app->denials_.get();
  deps.control_lists_ready = [a = app.get()] { return a->EnsureControlLists(); };
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
  // The control-list versions the data directory has and the store lacks (first start on a database).
  if (data_dir.empty() || app->classifier_->catalog().entries().empty()) {
    app->control_lists_done_ = true;
  } else {
    app->control_lists_thread_ = std::thread([a = app.get()] { a->StoreControlListsLater(); });
  }
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

void App::StoreControlListsLater() {
  {
    std::unique_lock lock(control_lists_mu_);
    control_lists_cv_.wait_for(lock, options_.control_lists_delay,
                               [this] { return control_lists_wanted_ || control_lists_stop_; });
    if (control_lists_stop_) return;
  }
  // A problem here does not stop the server: the catalogue in memory still serves classification.
  auto imported = ImportDefaultControlLists(*classifier_, *catalog_store_, ResolveDataDir(options_.config),
                                            {"system", "-"});
  if (!imported.ok()) {
    spdlog::warn("control lists not stored: {}", imported.status().ToString());
  } else {
    for (const auto& v : *imported) {
      spdlog::info("stored control list {} version {} ({} entries)", v.value("list", ""),
                   v.value("version", ""), v.value("entry_count", int64_t{0}));
    }
  }
  std::lock_guard lock(control_lists_mu_);
  control_lists_done_ = true;
  control_lists_cv_.notify_all();
}

Status App::EnsureControlLists() {
  std::unique_lock lock(control_lists_mu_);
  control_lists_wanted_ = true;
  control_lists_cv_.notify_all();
  control_lists_cv_.wait(lock, [this] { return control_lists_done_ || control_lists_stop_; });
  if (!control_lists_done_) return Status::Unavailable("shutting down before the control lists were stored");
  return Status::Ok();
}

Status App::Start() {
  STM_RETURN_IF_ERROR(server_->Start());
  if (options_.config.sweep_interval_seconds > 0 && !sweep_thread_.joinable()) {
    sweep_thread_ = std::thread([this] { SweepPeriodically(); });
  }
  ready_.store(true);
  return Status::Ok();
}

uint16_t App::port() const { return server_->port(); }

void App::SweepPeriodically() {
  const auto interval = std::chrono::seconds(options_.config.sweep_interval_seconds);
  std::unique_lock lock(control_lists_mu_);
  while (!control_lists_stop_) {
    lock.unlock();
    auto report = licensing_->Sweep({"system", "-"});
    if (!report.ok()) {
      spdlog::warn("licence sweep failed: {}", report.status().ToString());
    } else if (!report->licences_expired.empty() || !report->appeal_windows_closed.empty()) {
      spdlog::info("licence sweep: {} licence(s) expired, {} appeal window(s) closed",
                   report->licences_expired.size(), report->appeal_windows_closed.size());
    }
    lock.lock();
    control_lists_cv_.wait_for(lock, interval, [this] { return control_lists_stop_; });
  }
}

void App::Shutdown() {
  ready_.store(false);
  if (server_) server_->Shutdown(std::chrono::milliseconds(options_.config.shutdown_grace_ms));
  {
    std::lock_guard lock(control_lists_mu_);
    control_lists_stop_ = true;
    control_lists_cv_.notify_all();
  }
  // An import under way finishes (it is one transaction); one not started yet is skipped.
  if (control_lists_thread_.joinable() && control_lists_thread_.get_id() != std::this_thread::get_id()) {
    control_lists_thread_.join();
  }
  if (sweep_thread_.joinable() && sweep_thread_.get_id() != std::this_thread::get_id()) sweep_thread_.join();
}

void App::Wait() { server_->Wait(); }

Result<licensing::LicensingOptions> LicensingOptionsFromConfig(
    const Config& config, std::optional<licensing::LetterTemplates>* letters) {
  const std::string path = config.licensing_config.empty() ? ResolveProjectDataDir(config) + "/licensing.json"
                                                           : config.licensing_config;
  auto settings = licensing::LoadLicensingSettings(path);
  if (!settings.ok()) return settings.status().WithContext("loading the licensing settings");
  auto options = licensing::OptionsFromSettings(*settings);
  if (!options.ok()) return options.status().WithContext(path);
  if (!settings->letters_dir.empty()) {
    auto loaded = licensing::LetterTemplates::LoadDirectory(settings->letters_dir);
    if (!loaded.ok()) return loaded.status().WithContext("loading the letter templates");
    letters->emplace(std::move(loaded).value());
    options->letters = &**letters;
  }
  return options;
}

}  // namespace stm::api
