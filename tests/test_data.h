// Where the shared reference data lives, for tests that use it and skip without it.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

#include "common/config.h"

namespace stm::testing {

// $STM_DATA_DIR when it has `subdir`, else the nearest shared/data above the current directory that
// has it; "" when neither (tests then GTEST_SKIP).
inline std::string SharedDataDir(const std::string& subdir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (const char* env = std::getenv("STM_DATA_DIR"); env && *env) {
    return fs::is_directory(fs::path(env) / subdir, ec) ? std::string(env) : std::string();
  }
  for (fs::path p = fs::current_path(ec); !p.empty(); p = p.parent_path()) {
    if (fs::is_directory(p / "shared" / "data" / subdir, ec)) return (p / "shared" / "data").string();
    if (p == p.parent_path()) break;
  }
  return "";
}

// The repository's data/ directory (criteria, parameters, evaluation sets).
inline std::string ProjectDataDir() { return ResolveProjectDataDir(Config{}); }

}  // namespace stm::testing
