// Server and tool configuration.
//
// Precedence, lowest to highest: built-in defaults < config file (JSON, --config or STM_CONFIG)
// < environment variables (STM_<KEY upper-cased>, e.g. STM_LISTEN) < command-line flags.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace stm {

struct Config {
  std::string listen = "127.0.0.1:8080";  // host:port; port 0 picks a free one
  std::string db = "var/stm.db";          // SQLite database file
  std::string data_dir;                   // reference data; empty = ../shared/data when present
  std::string project_data;  // the project's data/ (criteria, parameters); empty = the checkout's
  std::string log_level = "info";
  std::string log_file = "-";           // "-" = stderr
  std::string access_log = "on";        // "on" or "off"
  int threads = 0;                      // server threads; 0 = hardware concurrency
  int64_t max_body_bytes = 1 << 20;     // request bodies larger than this get 413
  int64_t max_header_bytes = 16 << 10;  // request headers larger than this get 431
  int read_timeout_ms = 15000;          // whole-request read deadline
  int write_timeout_ms = 15000;         // whole-response write deadline
  int idle_timeout_ms = 60000;          // keep-alive idle deadline
  int max_connections = 1024;           // further connections are closed at once
  int token_ttl_minutes = 480;          // bearer token lifetime
  int login_max_failures = 5;           // failures before back-off starts
  int auth_cache_ms = 2000;             // how long a verified token/key is trusted without a store lookup
  int shutdown_grace_ms = 10000;        // time in-flight requests get on SIGTERM
  std::string list_sources;             // official list downloads: "un=https://...,ofac_sdn=https://..."
  std::string licensing_config;         // the authority's settings; empty = <project_data>/licensing.json
  int sweep_interval_seconds = 600;     // licence expiry / appeal-window sweep; 0 = never in the server
  std::string national_measures;        // national sanctions measures applied besides the UN's: "EU,US"

  // Sets one key from its textual form; names the key and the expected type on error.
  Status Set(std::string_view key, std::string_view value);
  // Every key with its current value, as text (for `stm config show`).
  std::vector<std::pair<std::string, std::string>> Entries() const;
  // Applies a JSON object file; unknown keys are errors (typos must not pass silently).
  Status LoadFile(const std::string& path);
  // Applies STM_* variables read through `getenv` (injected for tests).
  Status LoadEnv(const std::function<const char*(const char*)>& getenv);
  static std::vector<std::string> Keys();
};

// Resolves the reference data directory: the configured one, else ../shared/data when present.
std::string ResolveDataDir(const Config& config);
// Resolves the project's own data directory: the configured one, else the checkout's data/ (known at
// build time), else ./data.
std::string ResolveProjectDataDir(const Config& config);

}  // namespace stm
