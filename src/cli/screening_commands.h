// `stm screen`, `stm compare-names`, `stm lists import|status`.
#pragma once

#include <optional>
#include <string>

#include "common/config.h"

namespace stm::cli {

struct ScreenArgs {
  std::string lists_dir;
  std::string input;
  std::string output;
  std::optional<double> threshold;
  int limit = 10;
};

// Each returns the process exit status and prints its own messages.
int RunScreen(const ScreenArgs& args);
int RunCompareNames(const std::string& input, const std::string& output);
int RunListsImport(const Config& config, const std::string& dir);
int RunListsStatus(const Config& config);
// Downloads every list in config.list_sources and imports those that arrive whole; a failed download
// leaves that list's current version in force (exit status 1 when any failed).
int RunListsFetch(const Config& config);

}  // namespace stm::cli
