// `stm`: the command-line tool and server entry point.
#include <fmt/format.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>

#include "api/app.h"
#include "audit/audit.h"
#include "cli/case_commands.h"
#include "cli/classify_commands.h"
#include "cli/licence_commands.h"
#include "cli/policy_commands.h"
#include "cli/screening_commands.h"
#include "common/config.h"
#include "common/log.h"
#include "store/migrate.h"

namespace {

using stm::Config;
using stm::Status;

// Flags shared by the subcommands; applied over file and environment (highest precedence).
struct CommonFlags {
  std::string config_file;
  std::optional<std::string> db, listen, data_dir, log_level, log_file;
  std::optional<int> threads;
};

void AddCommonFlags(CLI::App* cmd, CommonFlags* f, bool server_flags) {
  cmd->add_option("--config", f->config_file, "JSON configuration file (also STM_CONFIG)");
  cmd->add_option("--db", f->db, "SQLite database file (default var/stm.db; also STM_DB)");
  cmd->add_option("--log-level", f->log_level, "trace, debug, info, warn, error, off (also STM_LOG_LEVEL)");
  cmd->add_option("--data-dir", f->data_dir,
                  "reference data directory (default ../shared/data when present)");
  if (server_flags) {
    cmd->add_option("--listen", f->listen, "host:port to serve on (default 127.0.0.1:8080; also STM_LISTEN)");
    cmd->add_option("--threads", f->threads, "server threads (default: number of cores)");
    cmd->add_option("--log-file", f->log_file, "log file, '-' for stderr");
  }
}

stm::Result<Config> LoadConfig(const CommonFlags& f) {
  Config c;
  std::string file = f.config_file;
  if (file.empty()) {
    if (const char* e = std::getenv("STM_CONFIG")) file = e;
  }
  if (!file.empty()) STM_RETURN_IF_ERROR(c.LoadFile(file));
  STM_RETURN_IF_ERROR(c.LoadEnv([](const char* n) { return std::getenv(n); }));
  auto apply = [&](const char* key, const auto& v) -> Status {
    if (!v) return Status::Ok();
    if constexpr (std::is_same_v<std::decay_t<decltype(*v)>, int>)
      return c.Set(key, std::to_string(*v));
    else
      return c.Set(key, *v);
  };
  STM_RETURN_IF_ERROR(apply("db", f.db));
  STM_RETURN_IF_ERROR(apply("listen", f.listen));
  STM_RETURN_IF_ERROR(apply("data_dir", f.data_dir));
  STM_RETURN_IF_ERROR(apply("log_level", f.log_level));
  STM_RETURN_IF_ERROR(apply("log_file", f.log_file));
  STM_RETURN_IF_ERROR(apply("threads", f.threads));
  return c;
}

int Fail(const Status& s) {
  std::cerr << "stm: " << s.message() << "\n";
  return s.code() == stm::ErrorCode::kInvalidArgument ? 2 : 1;
}

int Serve(const CommonFlags& flags) {
  auto config = LoadConfig(flags);
  if (!config.ok()) return Fail(config.status());
  if (Status s = stm::InitLogging(config->log_level, config->log_file); !s.ok()) return Fail(s);

  // Block the stop signals before any thread starts, so only sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto app = stm::api::App::Open({.config = *config});
  if (!app.ok()) return Fail(app.status());
  const char* env_pw = std::getenv("STM_ADMIN_PASSWORD");
  auto admin = (*app)->BootstrapAdmin(env_pw && *env_pw ? std::optional<std::string>(env_pw) : std::nullopt);
  if (!admin.ok()) return Fail(admin.status().WithContext("creating the first administrator"));
  if (admin->has_value()) {
    if ((*admin)->empty()) {
      std::cout << "Created administrator 'admin' with the password from STM_ADMIN_PASSWORD.\n";
    } else {
      std::cout << "Created administrator 'admin' with password: " << **admin
                << "\n(shown once; change it or keep it safe)\n";
    }
  }
  std::string data_dir = stm::ResolveDataDir(*config);
  spdlog::info("reference data directory: {}", data_dir.empty() ? "(none found)" : data_dir);
  auto loaded = (*app)->LoadDefaultLists(data_dir);
  if (!loaded.ok()) return Fail(loaded.status().WithContext("loading the default restricted-party lists"));
  if (*loaded > 0)
    std::cout << "Imported " << *loaded << " restricted-party lists from " << data_dir << "/sanctions\n";
  if (Status s = (*app)->Start(); !s.ok()) return Fail(s);
  std::cout << fmt::format("stm {} serving on http://{}:{} (database {})", STM_VERSION,
                           config->listen.substr(0, config->listen.rfind(':')), (*app)->port(), config->db)
            << std::endl;
  int sig = 0;
  sigwait(&stop_signals, &sig);
  spdlog::info("received signal {}; shutting down gracefully", sig);
  (*app)->Shutdown();
  app->reset();  // closes the store after in-flight requests finished
  std::cout << "stm stopped" << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"STM — Strategic Trade Management: export control licensing, screening and enforcement"};
  cli.require_subcommand(1);
  cli.set_version_flag("--version", STM_VERSION);

  CommonFlags flags;

  auto* serve = cli.add_subcommand("serve", "Run the HTTP API server (creates and migrates the database)");
  AddCommonFlags(serve, &flags, true);

  auto* db = cli.add_subcommand("db", "Database administration");
  db->require_subcommand(1);
  auto* migrate = db->add_subcommand("migrate", "Apply pending schema migrations");
  AddCommonFlags(migrate, &flags, false);
  auto* status = db->add_subcommand("status", "List applied migrations");
  AddCommonFlags(status, &flags, false);
  std::string backup_file;
  auto* backup = db->add_subcommand("backup", "Write a consistent online copy of the database to FILE");
  AddCommonFlags(backup, &flags, false);
  backup->add_option("FILE", backup_file, "backup file (must not exist)")->required();

  auto* user = cli.add_subcommand("user", "User administration");
  user->require_subcommand(1);
  auto* user_add = user->add_subcommand("add", "Create a user; the password is read from standard input");
  AddCommonFlags(user_add, &flags, false);
  std::string username, role, org, display_name;
  bool password_stdin = false;
  user_add->add_option("--username", username, "login name")->required();
  std::string roles_help = "one of:";
  for (const auto& r : stm::auth::AllRoleNames()) roles_help += " " + r;
  user_add->add_option("--role", role, roles_help)->required();
  user_add->add_option("--org", org,
                       "organisation name or id (required for exporter, referral, customs roles)");
  user_add->add_option("--display-name", display_name, "full name");
  user_add->add_flag("--password-stdin", password_stdin, "read the password from standard input")->required();

  auto* orgcmd = cli.add_subcommand("org", "Organisation administration");
  orgcmd->require_subcommand(1);
  auto* org_add = orgcmd->add_subcommand("add", "Create an organisation or agency");
  AddCommonFlags(org_add, &flags, false);
  std::string org_name, org_kind, org_country;
  org_add->add_option("--name", org_name, "organisation name")->required();
  org_add->add_option("--kind", org_kind, "exporter, broker, licensing_authority, referral_agency or customs")
      ->required();
  org_add->add_option("--country", org_country, "ISO 3166 alpha-2 code");

  auto* audit = cli.add_subcommand("audit", "Audit trail");
  audit->require_subcommand(1);
  auto* verify =
      audit->add_subcommand("verify", "Walk the hash chain; non-zero exit naming the first broken event");
  AddCommonFlags(verify, &flags, false);

  stm::cli::ScreenArgs screen_args;
  auto* screen =
      cli.add_subcommand("screen", "Screen the parties of a CSV file against the lists in a directory");
  screen->add_option("--lists", screen_args.lists_dir, "directory laid out like shared/data/sanctions")
      ->required();
  screen
      ->add_option("--input", screen_args.input,
                   "CSV with a header: id,name[,schema,birth_date,country,identifier]")
      ->required();
  screen->add_option("--output", screen_args.output, "JSON Lines output, one line per input row")->required();
  screen->add_option("--threshold", screen_args.threshold, "minimum score in [0,1] (default: the engine's)")
      ->check(CLI::Range(0.0, 1.0));
  screen->add_option("--limit", screen_args.limit, "matches per row (default 10)")
      ->check(CLI::Range(1, 1000));

  std::string compare_in, compare_out;
  auto* compare =
      cli.add_subcommand("compare-names", "Score name pairs (CSV id,schema,name1,name2 -> id,score,match)");
  compare->add_option("--input", compare_in, "CSV with id,schema,name1,name2")->required();
  compare->add_option("--output", compare_out, "CSV id,score,match")->required();

  auto* lists = cli.add_subcommand("lists", "Restricted-party list versions");
  lists->require_subcommand(1);
  std::string lists_dir;
  auto* lists_import = lists->add_subcommand("import", "Import every list file under DIR as new versions");
  AddCommonFlags(lists_import, &flags, false);
  lists_import->add_option("DIR", lists_dir, "directory laid out like shared/data/sanctions")->required();
  auto* lists_status = lists->add_subcommand("status", "Current version of every list");
  AddCommonFlags(lists_status, &flags, false);
  auto* lists_fetch = lists->add_subcommand("fetch", "Download the lists in list_sources and import them");
  AddCommonFlags(lists_fetch, &flags, false);

  auto* criteria = cli.add_subcommand("criteria", "Transcribed control criteria (data/criteria)");
  criteria->require_subcommand(1);
  std::vector<std::string> criteria_files;
  auto* criteria_check = criteria->add_subcommand(
      "check", "Load the criteria files and run their tests (all files, or those named)");
  criteria_check->add_option("files", criteria_files, "criteria JSON files");
  AddCommonFlags(criteria_check, &flags, false);

  stm::cli::ClassifyArgs classify_args;
  auto* classify =
      cli.add_subcommand("classify", "Classify items (JSONL in) against the control lists (JSONL out)");
  classify->add_option("--input", classify_args.input, "JSONL: {id, description, parameters, cas, hs}")
      ->required();
  classify->add_option("--output", classify_args.output, "JSONL: {id, candidates: [...]}")->required();
  classify->add_option("--limit", classify_args.limit, "candidates per item (default 10)")
      ->check(CLI::Range(1, 50));
  AddCommonFlags(classify, &flags, false);

  auto* controls = cli.add_subcommand("controls", "Control-list catalogue");
  controls->require_subcommand(1);
  std::string controls_query, controls_regime, controls_code, controls_dir, diff_from, diff_to;
  int controls_limit = 20;
  auto* controls_search = controls->add_subcommand("search", "Full-text search over the control entries");
  controls_search->add_option("query", controls_query, "words, e.g. 'glass-lined reactor'")->required();
  controls_search->add_option("--regime", controls_regime, "nsg1 nsg2 mtcr ag cwc wa_du wa_ml national");
  controls_search->add_option("--limit", controls_limit, "hits (default 20)");
  AddCommonFlags(controls_search, &flags, false);
  auto* controls_show = controls->add_subcommand("show", "One entry with its text, notes, tree and criteria");
  controls_show->add_option("code", controls_code, "e.g. 3A225, 2B350.a")->required();
  AddCommonFlags(controls_show, &flags, false);
  auto* controls_import =
      controls->add_subcommand("import", "Import the CCL under DIR as a new catalogue version");
  controls_import->add_option("dir", controls_dir, "a us_ccl folder or a data directory")->required();
  AddCommonFlags(controls_import, &flags, false);
  auto* controls_diff =
      controls->add_subcommand("diff", "What changed between two stored catalogue versions");
  controls_diff->add_option("--from", diff_from, "older version, e.g. 2025-09-29")->required();
  controls_diff->add_option("--to", diff_to, "newer version, e.g. 2026-07-23")->required();
  AddCommonFlags(controls_diff, &flags, false);

  // Teams, queues, routing rules, flag definitions and cases (cli/case_commands.h).
  stm::cli::CaseCommandArgs case_args;
  auto* teams = cli.add_subcommand("teams", "Teams of licensing staff");
  teams->require_subcommand(1);
  auto* teams_list = teams->add_subcommand("list", "Every team with its members");
  AddCommonFlags(teams_list, &flags, false);
  auto* teams_add = teams->add_subcommand("add", "Create a team");
  teams_add->add_option("--name", case_args.name, "team name")->required();
  teams_add->add_option("--description", case_args.description, "what the team does");
  AddCommonFlags(teams_add, &flags, false);
  auto* queues = cli.add_subcommand("queues", "Work queues");
  queues->require_subcommand(1);
  auto* queues_list = queues->add_subcommand("list", "Every queue with its count of open cases");
  AddCommonFlags(queues_list, &flags, false);
  auto* queues_add = queues->add_subcommand("add", "Create a queue");
  queues_add->add_option("--name", case_args.name, "queue name")->required();
  queues_add->add_option("--team", case_args.team, "the team (name or id) that works the queue")->required();
  queues_add->add_flag("--default", case_args.is_default, "the default queue (at most one)");
  queues_add->add_option("--description", case_args.description, "what goes there");
  AddCommonFlags(queues_add, &flags, false);
  auto* rules = cli.add_subcommand("rules", "Routing rules");
  rules->require_subcommand(1);
  auto* rules_list = rules->add_subcommand("list", "Every routing rule by priority");
  AddCommonFlags(rules_list, &flags, false);
  auto* rules_add = rules->add_subcommand("add", "Create a routing rule from a JSON file");
  rules_add->add_option("--file", case_args.file, "RULE.json (as POST /v1/routing-rules; \"queue\": a name)")
      ->required();
  AddCommonFlags(rules_add, &flags, false);
  auto* rules_disable = rules->add_subcommand("disable", "Disable a routing rule");
  rules_disable->add_option("id", case_args.id, "rule id")->required();
  AddCommonFlags(rules_disable, &flags, false);
  auto* rules_enable = rules->add_subcommand("enable", "Enable a routing rule");
  rules_enable->add_option("id", case_args.id, "rule id")->required();
  AddCommonFlags(rules_enable, &flags, false);
  auto* flag_cmd = cli.add_subcommand("flags", "Flag definitions");
  flag_cmd->require_subcommand(1);
  auto* flags_list = flag_cmd->add_subcommand("list", "Every flag definition");
  AddCommonFlags(flags_list, &flags, false);
  auto* flags_define = flag_cmd->add_subcommand("define", "Define a flag from a JSON file");
  flags_define->add_option("--file", case_args.file, "FLAG.json (as POST /v1/flag-definitions)")->required();
  AddCommonFlags(flags_define, &flags, false);
  auto* cases = cli.add_subcommand("cases", "Licensing cases");
  cases->require_subcommand(1);
  auto* cases_list = cases->add_subcommand("list", "Cases (JSON), newest first");
  cases_list->add_option("--status", case_args.status, "case state, e.g. submitted, under_review");
  cases_list->add_option("--queue", case_args.queue, "only the cases placed in this queue (id)");
  cases_list->add_flag("--overdue", case_args.overdue, "only cases past their statutory deadline");
  cases_list->add_flag("--due-soon", case_args.due_soon, "only open cases close to their statutory deadline");
  cases_list->add_option("--limit", case_args.limit, "at most N cases (1..500, default 50)");
  AddCommonFlags(cases_list, &flags, false);
  auto* cases_show = cases->add_subcommand("show", "One case with its application, SLA, queues and flags");
  cases_show->add_option("id", case_args.id, "case id")->required();
  AddCommonFlags(cases_show, &flags, false);
  stm::cli::DetermineArgs determine_args;
  auto* determine = cli.add_subcommand(
      "determine",
      "Licence determination (JSONL in: items, destination, end use; JSONL out: licence, policy, reasons)");
  determine
      ->add_option("--input", determine_args.input,
                   "JSONL: {id, items: [{id, control_codes}], destination, ...}")
      ->required();
  determine
      ->add_option("--output", determine_args.output, "JSONL: {id, licence_required, policy, items, ...}")
      ->required();
  AddCommonFlags(determine, &flags, false);
  auto* licences_cmd = cli.add_subcommand("licences", "Issued licences");
  licences_cmd->require_subcommand(1);
  std::string licence_status;
  auto* licences_list = licences_cmd->add_subcommand("list", "Licences (JSON), newest first");
  licences_list->add_option("--status", licence_status,
                            "active, suspended, revoked, surrendered, expired, exhausted or superseded");
  AddCommonFlags(licences_list, &flags, false);
  auto* licences_sweep = licences_cmd->add_subcommand(
      "sweep", "Expire licences past their end date and close ended appeal windows (the server does it too)");
  AddCommonFlags(licences_sweep, &flags, false);

  auto* config_cmd = cli.add_subcommand("config", "Configuration");
  config_cmd->require_subcommand(1);
  auto* config_show = config_cmd->add_subcommand("show", "Print the effective configuration");
  AddCommonFlags(config_show, &flags, true);

  CLI11_PARSE(cli, argc, argv);

  if (serve->parsed()) return Serve(flags);
  if (screen->parsed()) return stm::cli::RunScreen(screen_args);
  if (compare->parsed()) return stm::cli::RunCompareNames(compare_in, compare_out);

  auto config = LoadConfig(flags);
  if (!config.ok()) return Fail(config.status());
  if (Status s = stm::InitLogging(config->log_level == "info" ? "warn" : config->log_level, "-"); !s.ok()) {
    return Fail(s);
  }
  const stm::Clock& clock = stm::SystemClock::Instance();
  stm::audit::Context cli_ctx{"cli", "-"};

  if (criteria_check->parsed()) return stm::cli::RunCriteriaCheck(*config, criteria_files);
  if (classify->parsed()) return stm::cli::RunClassify(*config, classify_args);
  if (controls_search->parsed())
    return stm::cli::RunControlsSearch(*config, controls_query, controls_regime, controls_limit);
  if (controls_show->parsed()) return stm::cli::RunControlsShow(*config, controls_code);
  if (controls_import->parsed()) return stm::cli::RunControlsImport(*config, controls_dir);
  if (controls_diff->parsed()) return stm::cli::RunControlsDiff(*config, diff_from, diff_to);
  if (teams_list->parsed()) return stm::cli::RunTeamsList(*config);
  if (teams_add->parsed()) return stm::cli::RunTeamsAdd(*config, case_args);
  if (queues_list->parsed()) return stm::cli::RunQueuesList(*config);
  if (queues_add->parsed()) return stm::cli::RunQueuesAdd(*config, case_args);
  if (rules_list->parsed()) return stm::cli::RunRulesList(*config);
  if (rules_add->parsed()) return stm::cli::RunRulesAdd(*config, case_args);
  if (rules_disable->parsed()) return stm::cli::RunRulesSetEnabled(*config, case_args.id, false);
  if (rules_enable->parsed()) return stm::cli::RunRulesSetEnabled(*config, case_args.id, true);
  if (flags_list->parsed()) return stm::cli::RunFlagsList(*config);
  if (flags_define->parsed()) return stm::cli::RunFlagsDefine(*config, case_args);
  if (cases_list->parsed()) return stm::cli::RunCasesList(*config, case_args);
  if (cases_show->parsed()) return stm::cli::RunCasesShow(*config, case_args.id);
  if (determine->parsed()) return stm::cli::RunDetermine(*config, determine_args);
  if (licences_list->parsed()) return stm::cli::RunLicencesList(*config, licence_status);
  if (licences_sweep->parsed()) return stm::cli::RunLicencesSweep(*config);
  if (lists_import->parsed()) return stm::cli::RunListsImport(*config, lists_dir);
  if (lists_status->parsed()) return stm::cli::RunListsStatus(*config);
  if (lists_fetch->parsed()) return stm::cli::RunListsFetch(*config);
  if (config_show->parsed()) {
    for (const auto& [k, v] : config->Entries()) std::cout << k << " = " << v << "\n";
    return 0;
  }

  auto database = stm::api::OpenDatabase(*config, clock);
  if (!database.ok()) return Fail(database.status());
  stm::store::Database& store = **database;

  if (migrate->parsed()) {
    auto applied = stm::store::AppliedMigrations(store);
    if (!applied.ok()) return Fail(applied.status());
    std::cout << "database " << config->db << " is at migration "
              << (applied->empty() ? 0 : applied->back().version) << "\n";
    return 0;
  }
  if (status->parsed()) {
    auto applied = stm::store::AppliedMigrations(store);
    if (!applied.ok()) return Fail(applied.status());
    for (const auto& m : *applied) {
      std::cout << fmt::format("{:>4}  {}  {}  {}\n", m.version, stm::FormatTime(m.applied_at),
                               m.checksum.substr(0, 12), m.name);
    }
    return 0;
  }
  if (backup->parsed()) {
    if (Status s = store.Backup(backup_file); !s.ok()) return Fail(s);
    std::cout << "backup written to " << backup_file << "\n";
    return 0;
  }
  if (verify->parsed()) {
    auto report = stm::audit::Verify(store);
    if (!report.ok()) return Fail(report.status());
    if (report->ok()) {
      std::cout << "audit chain intact: " << report->events_checked << " events verified\n";
      return 0;
    }
    std::cout << "audit chain BROKEN at event " << *report->broken_seq << ": " << report->problem << "\n"
              << "(" << report->events_checked << " events before it verified)\n";
    return 3;
  }

  stm::SecureRandom random;
  stm::auth::AuthService auth(store, clock, random, {});
  if (org_add->parsed()) {
    auto kind = stm::auth::ParseOrgKind(org_kind);
    if (!kind) return Fail(Status::InvalidArgument(fmt::format("unknown organisation kind '{}'", org_kind)));
    auto created = auth.CreateOrganisation(cli_ctx, org_name, *kind, org_country);
    if (!created.ok()) return Fail(created.status());
    std::cout << "created organisation " << created->id.value() << " (" << created->name << ")\n";
    return 0;
  }
  if (user_add->parsed()) {
    auto parsed_role = stm::auth::ParseRole(role);
    if (!parsed_role)
      return Fail(Status::InvalidArgument(fmt::format("unknown role '{}' ({})", role, roles_help)));
    std::optional<stm::OrgId> org_id;
    if (!org.empty()) {
      auto by_name = auth.FindOrganisationByName(org);
      if (!by_name.ok()) return Fail(by_name.status());
      if (*by_name) {
        org_id = (*by_name)->id;
      } else if (org.find_first_not_of("0123456789") == std::string::npos) {
        org_id = stm::OrgId(std::stoll(org));
      } else {
        return Fail(Status::InvalidArgument(fmt::format("no organisation named '{}'", org)));
      }
    }
    std::string password;
    std::getline(std::cin, password);
    if (!password.empty() && password.back() == '\r') password.pop_back();
    auto created = auth.CreateUser(cli_ctx, {username, display_name, *parsed_role, org_id, password});
    if (!created.ok()) return Fail(created.status());
    std::cout << "created user " << created->id.value() << " (" << created->username << ", " << role << ")\n";
    return 0;
  }
  return 0;
}
