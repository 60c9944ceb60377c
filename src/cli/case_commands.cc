#include "cli/case_commands.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "api/app.h"
#include "common/clock.h"
#include "common/text.h"
#include "licensing/licensing_service.h"
#include "licensing/queues.h"

namespace stm::cli {
namespace {

using Json = nlohmann::json;
namespace lic = licensing;

const audit::Context kCli{"cli", "-"};

int Fail(const Status& s) {
  std::cerr << "stm: " << s.message() << "\n";
  return s.code() == ErrorCode::kInvalidArgument ? 2 : 1;
}

void Print(const Json& j) { std::cout << j.dump(2) << "\n"; }

// The store and the queue service, seeded like `stm serve` does on a database without routing data.
struct Env {
  std::unique_ptr<store::Database> db;
  std::unique_ptr<lic::QueueService> queues;
};

Result<Env> Open(const Config& config) {
  Env env;
  STM_ASSIGN_OR_RETURN(env.db, api::OpenDatabase(config, SystemClock::Instance()));
  env.queues = std::make_unique<lic::QueueService>(*env.db, SystemClock::Instance());
  std::string seed = ResolveProjectDataDir(config) + "/routing.json";
  if (std::error_code ec; std::filesystem::exists(seed, ec)) {
    STM_RETURN_IF_ERROR(env.queues->SeedFromFile({"system", "-"}, seed).status());
  }
  return env;
}

Result<Json> ReadJsonFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::InvalidArgument(fmt::format("cannot read '{}'", path));
  std::stringstream ss;
  ss << in.rdbuf();
  Json j = Json::parse(ss.str(), nullptr, false);
  if (j.is_discarded()) return Status::InvalidArgument(fmt::format("{}: not valid JSON", path));
  return j;
}

template <typename T>
int PrintItems(const Result<std::vector<T>>& items) {
  if (!items.ok()) return Fail(items.status());
  Json out = Json::array();
  for (const auto& i : *items) out.push_back(lic::ToJson(i));
  Print(out);
  return 0;
}

// An administrator sees every case (LicensingService's visibility rules).
lic::Actor Admin() { return lic::Actor::User(auth::Role::kAdministrator, UserId(), OrgId()); }

}  // namespace

int RunTeamsList(const Config& config) {
  auto env = Open(config);
  if (!env.ok()) return Fail(env.status());
  return PrintItems(env->queues->ListTeams());
}

int RunTeamsAdd(const Config& config, const CaseCommandArgs& args) {
  auto env = Open(config);
  if (!env.ok()) return Fail(env.status());
  auto team = env->queues->CreateTeam(kCli, args.name, args.description);
  if (!team.ok()) return Fail(team.status());
  Print(lic::ToJson(*team));
  return 0;
}

int RunQueuesList(const Config& config) {
  auto env = Open(config);
  if (!env.ok()) return Fail(env.status());
  return PrintItems(env->queues->ListQueues());
}

int RunQueuesAdd(const Config& config, const CaseCommandArgs& args) {
  auto env = Open(config);
  if (!env.ok()) return Fail(env.status());
  auto teams = env->queues->ListTeams();
  if (!teams.ok()) return Fail(teams.status());
  std::optional<int64_t> team_id;
  for (const auto& t : *teams) {
    if (t.name == args.team || std::to_string(t.id) == args.team) team_id = t.id;
  }
  if (!team_id) return Fail(Status::InvalidArgument(fmt::format("--team: no team named '{}'", args.team)));
  auto queue = env->queues->CreateQueue(kCli, args.name, *team_id, args.is_default, args.description);
  if (!queue.ok()) return Fail(queue.status());
  Print(lic::ToJson(*queue));
  return 0;
}

int RunRulesList(const Config& config) {
  auto env = Open(config);
  if (!env.ok()) return Fail(env.status());
  return PrintItems(env->queues->ListRules());
}

int RunRulesAdd(const Config& config, const CaseCommandArgs& args) {
  auto body = ReadJsonFile(args.file);
  if (!body.ok()) return Fail(body.status());
  auto env = Open(config);
  if (!env.ok()) return Fail(env.status());
  if (body->is_object() && body->contains("queue") && (*body)["queue"].is_string()) {
    auto queues = env->queues->ListQueues();
    if (!queues.ok()) return Fail(queues.status());
    std::string name = (*body)["queue"].get<std::string>();
    auto it =
        std::find_if(queues->begin(), queues->end(), [&](const lic::Queue& q) { return q.name == name; });
    if (it == queues->end())
      return Fail(Status::InvalidArgument(fmt::format("queue: no queue named '{}'", name)));
    body->erase("queue");
    (*body)["queue_id"] = it->id;
  }
  auto rule = env->queues->CreateRule(kCli, *body);
  if (!rule.ok()) return Fail(rule.status().WithContext(args.file));
  Print(lic::ToJson(*rule));
  return 0;
}

int RunRulesSetEnabled(const Config& config, int64_t id, bool enabled) {
  auto env = Open(config);
  if (!env.ok()) return Fail(env.status());
  auto rule = env->queues->SetRuleEnabled(kCli, id, enabled);
  if (!rule.ok()) return Fail(rule.status());
  Print(lic::ToJson(*rule));
  return 0;
}

int RunFlagsList(const Config& config) {
  auto env = Open(config);
  if (!env.ok()) return Fail(env.status());
  return PrintItems(env->queues->ListFlagDefinitions());
}

int RunFlagsDefine(const Config& config, const CaseCommandArgs& args) {
  auto body = ReadJsonFile(args.file);
  if (!body.ok()) return Fail(body.status());
  auto env = Open(config);
  if (!env.ok()) return Fail(env.status());
  auto def = env->queues->DefineFlag(kCli, *body);
  if (!def.ok()) return Fail(def.status().WithContext(args.file));
  Print(lic::ToJson(*def));
  return 0;
}

int RunCasesList(const Config& config, const CaseCommandArgs& args) {
  lic::CaseFilter filter;
  if (!args.status.empty()) {
    filter.state = lic::ParseCaseState(args.status);
    if (!filter.state) {
      return Fail(Status::InvalidArgument(fmt::format("--status: '{}' is not a case state", args.status)));
    }
  }
  if (args.limit < 1 || args.limit > 500) return Fail(Status::InvalidArgument("--limit must be 1..500"));
  if (args.overdue && args.due_soon)
    return Fail(Status::InvalidArgument("--overdue and --due-soon exclude each other"));
  filter.overdue_only = args.overdue;
  filter.due_soon_only = args.due_soon;
  filter.limit = args.limit;
  filter.queue = args.queue;
  auto env = Open(config);
  if (!env.ok()) return Fail(env.status());
  // An unknown queue is an error, not an empty list.
  if (args.queue) {
    if (auto ids = env->queues->CasesInQueue(*args.queue); !ids.ok()) return Fail(ids.status());
  }
  // The authority's settings, so that SLA states agree with the server's.
  std::optional<lic::LetterTemplates> letters;
  auto options = api::LicensingOptionsFromConfig(config, &letters);
  if (!options.ok()) return Fail(options.status());
  lic::LicensingService licensing(*env->db, SystemClock::Instance(), std::move(options).value());
  auto page = licensing.ListCases(Admin(), filter);
  if (!page.ok()) return Fail(page.status());
  Json items = Json::array();
  for (const auto& item : page->items) {
    Json j = lic::ToJson(item.case_record);
    j["sla"] = lic::ToJson(item.sla);
    items.push_back(std::move(j));
  }
  Print({{"items", items}, {"total", page->total}});
  return 0;
}

int RunCasesShow(const Config& config, int64_t id) {
  auto env = Open(config);
  if (!env.ok()) return Fail(env.status());
  std::optional<lic::LetterTemplates> letters;
  auto options = api::LicensingOptionsFromConfig(config, &letters);
  if (!options.ok()) return Fail(options.status());
  lic::LicensingService licensing(*env->db, SystemClock::Instance(), std::move(options).value());
  auto detail = licensing.GetCase(Admin(), id);
  if (!detail.ok()) return Fail(detail.status());
  Json out = lic::ToJson(*detail);
  env->queues->SetLicensing(&licensing);
  if (auto routing = env->queues->Routing(Admin(), id); routing.ok()) out["routing"] = lic::ToJson(*routing);
  if (auto flags = env->queues->CaseFlags(Admin(), id); flags.ok()) {
    Json list = Json::array();
    for (const auto& f : *flags) list.push_back(lic::ToJson(f));
    out["flags"] = list;
  }
  Print(out);
  return 0;
}

}  // namespace stm::cli
