#include "cli/licence_commands.h"

#include <fmt/format.h>

#include <iostream>
#include <optional>

#include "api/app.h"
#include "common/clock.h"
#include "licensing/licensing_service.h"

namespace stm::cli {
namespace {

int Fail(const Status& s) {
  std::cerr << "error: " << s.ToString() << "\n";
  return s.code() == ErrorCode::kInvalidArgument ? 2 : 1;
}

}  // namespace

int RunLicencesList(const Config& config, const std::string& status) {
  std::optional<licensing::LicenceStatus> wanted;
  if (!status.empty()) {
    wanted = licensing::ParseLicenceStatus(status);
    if (!wanted) {
      return Fail(Status::InvalidArgument(fmt::format(
          "--status '{}': one of active, suspended, revoked, surrendered, expired, exhausted, superseded",
          status)));
    }
  }
  auto db = api::OpenDatabase(config, SystemClock::Instance());
  if (!db.ok()) return Fail(db.status());
  std::optional<licensing::LetterTemplates> letters;
  auto options = api::LicensingOptionsFromConfig(config, &letters);
  if (!options.ok()) return Fail(options.status());
  licensing::LicensingService service(**db, SystemClock::Instance(), std::move(options).value());
  auto licences = service.ListLicences(licensing::Actor::System(), wanted, std::nullopt);
  if (!licences.ok()) return Fail(licences.status());
  nlohmann::json items = nlohmann::json::array();
  for (const auto& l : *licences) items.push_back(licensing::ToJson(l));
  std::cout << nlohmann::json{{"items", items}}.dump(2) << "\n";
  return 0;
}

int RunLicencesSweep(const Config& config) {
  auto db = api::OpenDatabase(config, SystemClock::Instance());
  if (!db.ok()) return Fail(db.status());
  std::optional<licensing::LetterTemplates> letters;
  auto options = api::LicensingOptionsFromConfig(config, &letters);
  if (!options.ok()) return Fail(options.status());
  licensing::LicensingService service(**db, SystemClock::Instance(), std::move(options).value());
  auto report = service.Sweep({"cli", "-"});
  if (!report.ok()) return Fail(report.status());
  std::cout << licensing::ToJson(*report).dump(2) << "\n";
  return 0;
}

}  // namespace stm::cli
