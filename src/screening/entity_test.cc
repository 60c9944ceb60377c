#include "screening/entity.h"

#include <gtest/gtest.h>

namespace stm::screening {
namespace {

Entity Sample() {
  Entity e;
  e.list = "un";
  e.source_id = "QDi.001";
  e.schema = Schema::kPerson;
  e.names.push_back(
      {"MOHAMMED SALAHALDIN ABD EL HALIM ZIDANE", NameKind::kPrimary, AliasStrength::kStrong, ""});
  e.names.push_back({"Saif Al-'Adil", NameKind::kAlias, AliasStrength::kWeak, ""});
  e.names.push_back(
      {"محمد صلاح الدين عبدالحليم زيدان", NameKind::kOriginalScript, AliasStrength::kStrong, "Arab"});
  e.birth_dates.push_back({1963, 4, 11, 0, "1963-04-11"});
  e.nationalities = {"EG"};
  e.identifiers.push_back({"passport", "A123", "EG"});
  e.addresses.push_back({"Cairo, Egypt", "EG"});
  e.programmes = {"Al-Qaida"};
  e.listed_on = "2001-01-25";
  return e;
}

TEST(EntityTest, SchemaNamesRoundTrip) {
  for (Schema s :
       {Schema::kPerson, Schema::kOrganisation, Schema::kVessel, Schema::kAircraft, Schema::kUnknown}) {
    EXPECT_EQ(ParseSchema(SchemaName(s)), s);
  }
  EXPECT_EQ(ParseSchema("Individual"), Schema::kPerson);
  EXPECT_EQ(ParseSchema(" individual "), Schema::kPerson);
  EXPECT_EQ(ParseSchema("Entity"), Schema::kOrganisation);
  EXPECT_EQ(ParseSchema("ORGANIZATION"), Schema::kOrganisation);
  EXPECT_EQ(ParseSchema("enterprise"), Schema::kOrganisation);
  EXPECT_EQ(ParseSchema("ship"), Schema::kVessel);
  EXPECT_EQ(ParseSchema("Aircraft"), Schema::kAircraft);
  EXPECT_EQ(ParseSchema("-0-"), Schema::kUnknown);
  EXPECT_EQ(ParseSchema(""), Schema::kUnknown);
}

TEST(EntityTest, PartialDateToString) {
  EXPECT_EQ((PartialDate{1958, 0, 0, 0, ""}).ToString(), "1958");
  EXPECT_EQ((PartialDate{1958, 4, 0, 0, ""}).ToString(), "1958-04");
  EXPECT_EQ((PartialDate{1958, 4, 29, 0, ""}).ToString(), "1958-04-29");
  EXPECT_EQ((PartialDate{1950, 0, 0, 1955, ""}).ToString(), "1950/1955");
  EXPECT_EQ((PartialDate{0, 0, 0, 0, "early 1970s"}).ToString(), "early 1970s");
}

TEST(EntityTest, PrimaryName) {
  Entity e;
  EXPECT_EQ(e.primary_name(), "");
  EXPECT_EQ(Sample().primary_name(), "MOHAMMED SALAHALDIN ABD EL HALIM ZIDANE");
}

TEST(EntityTest, ToJsonCarriesEveryField) {
  auto j = ToJson(Sample());
  EXPECT_EQ(j["list"], "un");
  EXPECT_EQ(j["source_id"], "QDi.001");
  EXPECT_EQ(j["schema"], "person");
  ASSERT_EQ(j["names"].size(), 3u);
  EXPECT_EQ(j["names"][0]["kind"], "primary");
  EXPECT_EQ(j["names"][1]["strength"], "weak");
  EXPECT_EQ(j["names"][2]["kind"], "original_script");
  EXPECT_EQ(j["names"][2]["script"], "Arab");
  EXPECT_EQ(j["birth_dates"][0]["year"], 1963);
  EXPECT_EQ(j["birth_dates"][0]["month"], 4);
  EXPECT_EQ(j["birth_dates"][0]["day"], 11);
  EXPECT_FALSE(j["birth_dates"][0].contains("year_to"));
  EXPECT_EQ(j["nationalities"][0], "EG");
  EXPECT_EQ(j["identifiers"][0]["type"], "passport");
  EXPECT_EQ(j["identifiers"][0]["country"], "EG");
  EXPECT_EQ(j["addresses"][0]["text"], "Cairo, Egypt");
  EXPECT_EQ(j["programmes"][0], "Al-Qaida");
  EXPECT_EQ(j["listed_on"], "2001-01-25");
  EXPECT_FALSE(j.contains("remarks"));  // empty fields are left out
}

TEST(EntityTest, ContentDigestIsStableAndSensitive) {
  Entity a = Sample();
  Entity b = Sample();
  EXPECT_EQ(ContentDigest(a), ContentDigest(b));
  EXPECT_EQ(ContentDigest(a).size(), 64u);
  b.names[1].strength = AliasStrength::kStrong;
  EXPECT_NE(ContentDigest(a), ContentDigest(b));
  b = Sample();
  b.birth_dates[0].day = 12;
  EXPECT_NE(ContentDigest(a), ContentDigest(b));
  b = Sample();
  b.remarks = "x";
  EXPECT_NE(ContentDigest(a), ContentDigest(b));
}

TEST(EntityTest, ContentDigestToleratesInvalidUtf8) {
  Entity e = Sample();
  e.remarks = "bad \xff byte";
  EXPECT_EQ(ContentDigest(e).size(), 64u);
}

TEST(EntityTest, ReportJson) {
  ImportReport r;
  r.list = "bis_dpl";
  r.file = "dpl.txt";
  r.format = "bis_dpl_tsv";
  r.version = "2022-09";
  r.records = 2;
  r.warnings.push_back({"MANSOUR ZADEH", "implausible Last_Update '3017-08-22'"});
  auto j = ToJson(r);
  EXPECT_EQ(j["list"], "bis_dpl");
  EXPECT_EQ(j["records"], 2);
  EXPECT_EQ(j["warning_count"], 1);
  EXPECT_EQ(j["warnings"][0]["source_id"], "MANSOUR ZADEH");
}

}  // namespace
}  // namespace stm::screening
