// The licensing authority's settings (data/licensing.json, or the file named by the `licensing_config`
// configuration key): its name and code, the licence number pattern, SLA targets per case type, the
// working calendar's holidays, the appeal period and where the letter templates are.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"
#include "licensing/licence_number.h"
#include "licensing/sla.h"

namespace stm::licensing {

struct LicensingSettings {
  std::string authority_name = "Strategic Export Control Division";
  std::string authority_code = "STM";
  std::string licence_number_pattern = std::string(kDefaultLicencePattern);
  SlaPolicyMap sla_targets = DefaultSlaPolicies();
  int due_soon_working_days = 3;  // 0..100
  int appeal_days = 28;           // calendar days after a refusal; 1..365
  std::vector<std::string> holidays;
  std::string letters_dir;  // absolute, or empty for none

  // The working calendar and SLA clock these settings describe.
  Result<SlaClock> MakeSlaClock() const;
};

// Reads the settings object. Every key is optional; unknown keys (other than "_provenance" and keys
// starting with "_") are errors, as are wrong types and out-of-range values, each naming the key.
// `base_dir` resolves a relative letters_dir.
Result<LicensingSettings> LicensingSettingsFromJson(const nlohmann::json& j, const std::string& base_dir);
Result<LicensingSettings> LoadLicensingSettings(const std::string& path);

}  // namespace stm::licensing
