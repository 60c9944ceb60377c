// `stm determine`: licence determination for a file of transactions (JSON Lines in, JSON Lines out).
#pragma once

#include <string>

#include "common/config.h"

namespace stm::cli {

struct DetermineArgs {
  std::string input;   // JSONL: {"id", "items": [{"id", "control_codes"}], "destination", "end_use", ...}
  std::string output;  // JSONL: the determination per line, or {"id", "error"}
};

// Exit status 0 when every line was determined, 1 when some line had an error (the run goes on), 2 for
// unreadable input or output.
int RunDetermine(const Config& config, const DetermineArgs& args);

}  // namespace stm::cli
