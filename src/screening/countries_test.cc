#include "screening/countries.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace stm::screening {
namespace {

bool HaveIsoCodes() { return std::filesystem::exists("/usr/share/iso-codes/json/iso_3166-1.json"); }

TEST(CountriesTest, ListVariants) {
  EXPECT_EQ(CountryCode("Iran (Islamic Republic of)"), "IR");
  EXPECT_EQ(CountryCode("IRAN (ISLAMIC REPUBLIC OF)"), "IR");
  EXPECT_EQ(CountryCode("Russian Federation"), "RU");
  EXPECT_EQ(CountryCode("Korea, North"), "KP");
  EXPECT_EQ(CountryCode("Democratic People's Republic of Korea"), "KP");
  EXPECT_EQ(CountryCode("KOREA, DEMOCRATIC PEOPLE'S REPUBLIC OF"), "KP");
  EXPECT_EQ(CountryCode("Syrian Arab Republic"), "SY");
  EXPECT_EQ(CountryCode("Türkiye"), "TR");
  EXPECT_EQ(CountryCode("Turkey"), "TR");
  EXPECT_EQ(CountryCode("Viet Nam"), "VN");
  EXPECT_EQ(CountryCode("Burma"), "MM");
  EXPECT_EQ(CountryCode("Palestinian"), "PS");
  EXPECT_EQ(CountryCode("Congo, Democratic Republic of (was Zaire)"), "CD");
  EXPECT_EQ(CountryCode("  United Kingdom "), "GB");
  EXPECT_EQ(CountryCode("Kosovo"), "XK");
}

TEST(CountriesTest, IsoTableNamesAndCodes) {
  if (!HaveIsoCodes()) GTEST_SKIP() << "iso-codes not installed";
  EXPECT_EQ(CountryCode("Afghanistan"), "AF");
  EXPECT_EQ(CountryCode("Islamic Republic of Afghanistan"), "AF");  // official_name
  EXPECT_EQ(CountryCode("Bolivia, Plurinational State of"), "BO");  // name
  EXPECT_EQ(CountryCode("Côte d'Ivoire"), "CI");                    // diacritics
  EXPECT_EQ(CountryCode("Åland Islands"), "AX");
  EXPECT_EQ(CountryCode("DEU"), "DE");  // alpha-3
  EXPECT_EQ(CountryCode("sy"), "SY");   // alpha-2, any case
  EXPECT_EQ(CountryCode("Bahamas, The"), "BS");
  EXPECT_EQ(CountryName("IR"), "Iran, Islamic Republic of");
}

TEST(CountriesTest, UnmappedValuesKeepTheSourceText) {
  EXPECT_EQ(CountryCode("Former USSR"), std::nullopt);
  EXPECT_EQ(CountryCodeOrText("  Former USSR "), "Former USSR");
  EXPECT_EQ(CountryCode(""), std::nullopt);
  EXPECT_EQ(CountryCodeOrText(""), "");
  EXPECT_EQ(CountryName("ZZ"), "");
}

TEST(CountriesTest, KeyIgnoresCasePunctuationAndThe) {
  EXPECT_EQ(CountryKey("The Gambia"), CountryKey("GAMBIA, THE"));
  EXPECT_EQ(CountryKey("U.S.A."), "usa");
  EXPECT_EQ(CountryKey("Bosnia & Herzegovina"), "bosnia and herzegovina");
}

}  // namespace
}  // namespace stm::screening
