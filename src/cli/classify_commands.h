// `stm criteria check`, `stm classify`, `stm controls search|show|import`.
#pragma once

#include <string>
#include <vector>

#include "common/config.h"

namespace stm::cli {

// Loads the parameter registry and every criteria file (so references resolve), then runs the tests of
// the records in `files` (all records when empty). Prints load errors and failing tests; exit 1 on
// any failure.
int RunCriteriaCheck(const Config& config, const std::vector<std::string>& files);

}  // namespace stm::cli

namespace stm::cli {

struct ClassifyArgs {
  std::string input;  // JSONL, one item per line: {"id", "description", "parameters", "cas", "hs", "answers"}
  std::string output;  // JSONL, one result per line: {"id", "candidates": [...]}
  int limit = 10;
};
// Needs no database: loads the catalogue from the data directory and the project's data/. A malformed
// line gets {"id", "error"} in the output and the run goes on (exit 1 at the end when any line failed).
int RunClassify(const Config& config, const ClassifyArgs& args);
int RunControlsSearch(const Config& config, const std::string& query, const std::string& regime, int limit);
int RunControlsShow(const Config& config, const std::string& code);
// Imports the CCL under DIR (a us_ccl folder, or a data directory with controls/us_ccl) into the store as a
// new version and prints its delta.
int RunControlsImport(const Config& config, const std::string& dir);
int RunControlsDiff(const Config& config, const std::string& from, const std::string& to);

}  // namespace stm::cli
