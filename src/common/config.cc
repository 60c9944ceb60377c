#include "common/config.h"

#include <fmt/format.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace stm {
namespace {

struct Field {
  const char* key;
  std::variant<std::string Config::*, int Config::*, int64_t Config::*> member;
};

const std::vector<Field>& Fields() {
  static const std::vector<Field> kFields = {
      {"listen", &Config::listen},
      {"db", &Config::db},
      {"data_dir", &Config::data_dir},
      {"project_data", &Config::project_data},
      {"log_level", &Config::log_level},
      {"log_file", &Config::log_file},
      {"access_log", &Config::access_log},
      {"threads", &Config::threads},
      {"max_body_bytes", &Config::max_body_bytes},
      {"max_header_bytes", &Config::max_header_bytes},
      {"read_timeout_ms", &Config::read_timeout_ms},
      {"write_timeout_ms", &Config::write_timeout_ms},
      {"idle_timeout_ms", &Config::idle_timeout_ms},
      {"max_connections", &Config::max_connections},
      {"token_ttl_minutes", &Config::token_ttl_minutes},
      {"login_max_failures", &Config::login_max_failures},
      {"auth_cache_ms", &Config::auth_cache_ms},
      {"shutdown_grace_ms", &Config::shutdown_grace_ms},
      {"list_sources", &Config::list_sources},
      {"licensing_config", &Config::licensing_config},
      {"sweep_interval_seconds", &Config::sweep_interval_seconds},
      {"national_measures", &Config::national_measures},
  };
  return kFields;
}

template <typename T>
Status ParseInt(std::string_view key, std::string_view text, T* out) {
  T v{};
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || v < 0) {
    return Status::InvalidArgument(
        fmt::format("configuration '{}' must be a non-negative integer, got '{}'", key, text));
  }
  *out = v;
  return Status::Ok();
}

}  // namespace

std::vector<std::string> Config::Keys() {
  std::vector<std::string> keys;
  for (const auto& f : Fields()) keys.emplace_back(f.key);
  return keys;
}

Status Config::Set(std::string_view key, std::string_view value) {
  for (const auto& f : Fields()) {
    if (key != f.key) continue;
    if (auto* s = std::get_if<std::string Config::*>(&f.member)) {
      if (key == "access_log" && value != "on" && value != "off") {
        return Status::InvalidArgument(
            fmt::format("configuration 'access_log' must be on or off, got '{}'", value));
      }
      this->*(*s) = std::string(value);
      return Status::Ok();
    }
    if (auto* i = std::get_if<int Config::*>(&f.member)) return ParseInt(key, value, &(this->*(*i)));
    return ParseInt(key, value, &(this->*std::get<int64_t Config::*>(f.member)));
  }
  return Status::InvalidArgument(fmt::format("unknown configuration key '{}'", key));
}

std::vector<std::pair<std::string, std::string>> Config::Entries() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& f : Fields()) {
    std::string v;
    if (auto* s = std::get_if<std::string Config::*>(&f.member)) {
      v = this->*(*s);
    } else if (auto* i = std::get_if<int Config::*>(&f.member)) {
      v = std::to_string(this->*(*i));
    } else {
      v = std::to_string(this->*std::get<int64_t Config::*>(f.member));
    }
    out.emplace_back(f.key, std::move(v));
  }
  return out;
}

Status Config::LoadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::InvalidArgument(fmt::format("cannot read configuration file '{}'", path));
  nlohmann::json doc = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Status::InvalidArgument(fmt::format("configuration file '{}' is not a JSON object", path));
  }
  for (const auto& [key, value] : doc.items()) {
    std::string text;
    if (value.is_string()) {
      text = value.get<std::string>();
    } else if (value.is_number_integer()) {
      text = std::to_string(value.get<int64_t>());
    } else {
      return Status::InvalidArgument(
          fmt::format("configuration file '{}': '{}' must be a string or an integer", path, key));
    }
    STM_RETURN_IF_ERROR(Set(key, text).WithContext(fmt::format("configuration file '{}'", path)));
  }
  return Status::Ok();
}

Status Config::LoadEnv(const std::function<const char*(const char*)>& getenv) {
  for (const auto& f : Fields()) {
    std::string name = "STM_";
    for (const char* c = f.key; *c; ++c) name.push_back(static_cast<char>(std::toupper(*c)));
    if (const char* v = getenv(name.c_str())) {
      STM_RETURN_IF_ERROR(Set(f.key, v).WithContext(fmt::format("environment {}", name)));
    }
  }
  return Status::Ok();
}

std::string ResolveDataDir(const Config& config) {
  if (!config.data_dir.empty()) return config.data_dir;
  std::error_code ec;
  if (std::filesystem::is_directory("../shared/data", ec)) return "../shared/data";
  return "";
}

std::string ResolveProjectDataDir(const Config& config) {
  if (!config.project_data.empty()) return config.project_data;
  std::error_code ec;
  std::string built = std::string(STM_SOURCE_DIR) + "/data";
  if (std::filesystem::is_directory(built + "/criteria", ec)) return built;
  return "data";
}

}  // namespace stm
