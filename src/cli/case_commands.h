// `stm teams|queues|rules|flags` (administration of routing) and `stm cases list|show`.
#pragma once

#include <optional>
#include <string>

#include "common/config.h"

namespace stm::cli {

// Every command opens (and migrates) the database at config.db, loads the project's data/routing.json
// when the routing tables are all empty (as `stm serve` does), prints JSON on standard output and audits
// changes as "cli". Exit status: 0, 2 for bad input, 1 otherwise.
struct CaseCommandArgs {
  std::string name;
  std::string description;
  std::string team;  // a team name or id
  bool is_default = false;
  std::string file;  // a JSON file (rules add, flags define)
  int64_t id = 0;    // rules enable|disable, cases show
  std::string status;
  std::optional<int64_t> queue;
  bool overdue = false;
  bool due_soon = false;
  int limit = 50;
};

int RunTeamsList(const Config& config);
int RunTeamsAdd(const Config& config, const CaseCommandArgs& args);
int RunQueuesList(const Config& config);
int RunQueuesAdd(const Config& config, const CaseCommandArgs& args);
int RunRulesList(const Config& config);
// The file holds a rule as POST /v1/routing-rules takes it; "queue": a queue name may stand for queue_id.
int RunRulesAdd(const Config& config, const CaseCommandArgs& args);
int RunRulesSetEnabled(const Config& config, int64_t id, bool enabled);
int RunFlagsList(const Config& config);
int RunFlagsDefine(const Config& config, const CaseCommandArgs& args);
// Cases as an administrator sees them (every case); --queue keeps the cases placed in that queue now.
int RunCasesList(const Config& config, const CaseCommandArgs& args);
int RunCasesShow(const Config& config, int64_t id);

}  // namespace stm::cli
