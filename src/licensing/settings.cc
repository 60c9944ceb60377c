#include "licensing/settings.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace stm::licensing {
namespace {

using Json = nlohmann::json;

Result<std::string> StringField(const Json& j, const char* key, std::string value) {
  if (!j.contains(key)) return value;
  if (!j[key].is_string() || j[key].get_ref<const std::string&>().empty()) {
    return Status::InvalidArgument(fmt::format("licensing settings: '{}' must be a non-empty string", key));
  }
  return j[key].get<std::string>();
}

Result<int> IntField(const Json& j, const char* key, int value, int min, int max) {
  if (!j.contains(key)) return value;
  if (!j[key].is_number_integer() || j[key].get<int64_t>() < min || j[key].get<int64_t>() > max) {
    return Status::InvalidArgument(
        fmt::format("licensing settings: '{}' must be an integer from {} to {}", key, min, max));
  }
  return j[key].get<int>();
}

}  // namespace

Result<SlaClock> LicensingSettings::MakeSlaClock() const {
  STM_ASSIGN_OR_RETURN(WorkingCalendar calendar, WorkingCalendar::FromStrings(holidays));
  return SlaClock(std::move(calendar), sla_targets, due_soon_working_days);
}

Result<LicensingSettings> LicensingSettingsFromJson(const Json& j, const std::string& base_dir) {
  if (!j.is_object()) return Status::InvalidArgument("licensing settings: expected a JSON object");
  static const std::vector<std::string> kKeys = {"authority",   "licence_number_pattern",
                                                 "sla_targets", "due_soon_working_days",
                                                 "appeal_days", "holidays",
                                                 "letters_dir"};
  for (const auto& [key, value] : j.items()) {
    if (!key.empty() && key[0] == '_') continue;
    if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) {
      return Status::InvalidArgument(fmt::format("licensing settings: unknown key '{}'", key));
    }
  }
  LicensingSettings s;
  if (j.contains("authority")) {
    const Json& a = j["authority"];
    if (!a.is_object()) return Status::InvalidArgument("licensing settings: 'authority' must be an object");
    STM_ASSIGN_OR_RETURN(s.authority_name, StringField(a, "name", s.authority_name));
    STM_ASSIGN_OR_RETURN(s.authority_code, StringField(a, "code", s.authority_code));
  }
  STM_ASSIGN_OR_RETURN(s.licence_number_pattern,
                       StringField(j, "licence_number_pattern", s.licence_number_pattern));
  // Validate the pattern and code together now rather than at the first approval.
  auto format = LicenceNumberFormat::Create(s.licence_number_pattern, s.authority_code);
  if (!format.ok()) return format.status().WithContext("licensing settings: licence_number_pattern");
  if (j.contains("sla_targets")) {
    auto targets = SlaPoliciesFromJson(j["sla_targets"]);
    if (!targets.ok()) return targets.status().WithContext("licensing settings: sla_targets");
    s.sla_targets = std::move(targets).value();
  }
  STM_ASSIGN_OR_RETURN(s.due_soon_working_days,
                       IntField(j, "due_soon_working_days", s.due_soon_working_days, 0, 100));
  STM_ASSIGN_OR_RETURN(s.appeal_days, IntField(j, "appeal_days", s.appeal_days, 1, 365));
  if (j.contains("holidays")) {
    if (!j["holidays"].is_array()) {
      return Status::InvalidArgument("licensing settings: 'holidays' must be an array of YYYY-MM-DD dates");
    }
    for (size_t i = 0; i < j["holidays"].size(); ++i) {
      if (!j["holidays"][i].is_string()) {
        return Status::InvalidArgument(
            fmt::format("licensing settings: holidays[{}] must be a date string", i));
      }
      s.holidays.push_back(j["holidays"][i].get<std::string>());
    }
  }
  if (auto clock = s.MakeSlaClock(); !clock.ok()) return clock.status().WithContext("licensing settings");
  if (j.contains("letters_dir")) {
    STM_ASSIGN_OR_RETURN(std::string dir, StringField(j, "letters_dir", ""));
    std::filesystem::path p(dir);
    s.letters_dir = p.is_absolute() ? dir : (std::filesystem::path(base_dir) / p).string();
  }
  return s;
}

Result<LicensingSettings> LoadLicensingSettings(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(fmt::format("licensing settings {} cannot be read", path));
  Json j = Json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    return Status::InvalidArgument(fmt::format("licensing settings {}: not valid JSON", path));
  auto s = LicensingSettingsFromJson(j, std::filesystem::path(path).parent_path().string());
  if (!s.ok()) return s.status().WithContext(path);
  return s;
}

}  // namespace stm::licensing
