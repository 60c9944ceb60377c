#include "licensing/settings.h"

#include <gtest/gtest.h>

#include "common/config.h"

namespace stm::licensing {
namespace {

using Json = nlohmann::json;

TEST(LicensingSettings, TheShippedFileLoads) {
  auto s = LoadLicensingSettings(ResolveProjectDataDir(Config{}) + "/licensing.json");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->authority_code, "STM");
  EXPECT_EQ(s->sla_targets.at(ApplicationType::kGlobal).target_working_days, 60);
  EXPECT_EQ(s->appeal_days, 28);
  EXPECT_FALSE(s->holidays.empty());
  EXPECT_NE(s->letters_dir.find("letters"), std::string::npos);
  auto clock = s->MakeSlaClock();
  ASSERT_TRUE(clock.ok());
  // 2026-12-25 is a holiday in the shipped calendar.
  EXPECT_FALSE(clock->calendar().IsWorkingDay(*ParseDate("2026-12-25")));
  EXPECT_TRUE(clock->calendar().IsWorkingDay(*ParseDate("2026-12-24")));
}

TEST(LicensingSettings, DefaultsWhenEmpty) {
  auto s = LicensingSettingsFromJson(Json::object(), "/x");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->licence_number_pattern, std::string(kDefaultLicencePattern));
  EXPECT_TRUE(s->letters_dir.empty());
}

TEST(LicensingSettings, ErrorsNameTheKey) {
  auto expect_error = [](const Json& j, const std::string& fragment) {
    auto s = LicensingSettingsFromJson(j, "/x");
    ASSERT_FALSE(s.ok()) << j.dump();
    EXPECT_EQ(s.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(s.status().message().find(fragment), std::string::npos) << s.status().message();
  };
  expect_error({{"sla_target", 3}}, "unknown key 'sla_target'");
  expect_error({{"appeal_days", 0}}, "appeal_days");
  expect_error({{"appeal_days", "28"}}, "appeal_days");
  expect_error({{"holidays", {"2026-02-30"}}}, "2026-02-30");
  expect_error({{"holidays", {12}}}, "holidays[0]");
  expect_error({{"licence_number_pattern", "{AUTH}/{SEQ}"}}, "licence_number_pattern");
  expect_error({{"sla_targets", {{"individual", -1}}}}, "sla_targets");
  expect_error({{"authority", {{"code", ""}}}}, "'code'");
  EXPECT_TRUE(LicensingSettingsFromJson({{"_provenance", "x"}, {"letters_dir", "/abs"}}, "/x").ok());
}

TEST(LicensingSettings, RelativeLettersDirIsResolvedAgainstTheFile) {
  auto s = LicensingSettingsFromJson({{"letters_dir", "letters"}}, "/etc/stm");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->letters_dir, "/etc/stm/letters");
}

}  // namespace
}  // namespace stm::licensing
