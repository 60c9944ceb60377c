#include "screening/importers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "screening/import_internal.h"
#include "test_data.h"

namespace stm::screening {
namespace {

namespace fs = std::filesystem;
using ::testing::Contains;
using ::testing::HasSubstr;

std::string DataDir() { return stm::testing::SharedDataDir("sanctions"); }

std::string Sanctions(const std::string& rel) { return DataDir() + "/sanctions/" + rel; }

// Every file under sanctions/, all versions, imported once per test binary through ImportDirectory (the
// ASan build is slow); the per-list tests pick their file's lists from it.
const std::vector<ImportedList>& AllLists() {
  static const std::vector<ImportedList> all = [] {
    auto r = ImportDirectory(DataDir() + "/sanctions", /*all_versions=*/true);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : std::vector<ImportedList>();
  }();
  return all;
}

std::vector<ImportedList> Imported(const std::string& rel) {
  std::vector<ImportedList> out;
  const std::string suffix = "/sanctions/" + rel;
  for (const auto& l : AllLists()) {
    const std::string& f = l.report.file;
    if (f.size() >= suffix.size() && f.compare(f.size() - suffix.size(), suffix.size(), suffix) == 0) {
      out.push_back(l);
    }
  }
  return out;
}

const ImportedList* FindList(const std::vector<ImportedList>& lists, const std::string& key) {
  for (const auto& l : lists) {
    if (l.report.list == key) return &l;
  }
  return nullptr;
}

const Entity* FindEntity(const ImportedList& list, const std::string& id) {
  for (const auto& e : list.entities) {
    if (e.source_id == id) return &e;
  }
  return nullptr;
}

bool HasName(const Entity& e, const std::string& full, NameKind kind) {
  return std::any_of(e.names.begin(), e.names.end(),
                     [&](const Name& n) { return n.full == full && n.kind == kind; });
}

const Name* NameOf(const Entity& e, const std::string& full) {
  for (const auto& n : e.names) {
    if (n.full == full) return &n;
  }
  return nullptr;
}

bool HasDate(const Entity& e, const std::string& s) {
  return std::any_of(e.birth_dates.begin(), e.birth_dates.end(),
                     [&](const PartialDate& d) { return d.ToString() == s; });
}

bool HasIdentifier(const Entity& e, const std::string& type, const std::string& value) {
  return std::any_of(e.identifiers.begin(), e.identifiers.end(),
                     [&](const Identifier& i) { return i.type == type && i.value == value; });
}

class ImportDataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (DataDir().empty()) GTEST_SKIP() << "shared/data not found (set STM_DATA_DIR)";
  }
};

// ---- UN ----

using ImportUnTest = ImportDataTest;

TEST_F(ImportUnTest, CountsAndVersions) {
  const auto a = Imported("un/UN_consolidated_2025-04-19.xml");
  const auto b = Imported("un/UN_consolidated_2026-02-27.xml");
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(a[0].report.list, "un");
  EXPECT_EQ(a[0].report.format, "un_xml");
  EXPECT_EQ(a[0].report.version, "2025-04-19");
  EXPECT_EQ(b[0].report.version, "2026-02-27");
  // 684 individuals + 193 entities; 730 + 273.
  EXPECT_EQ(a[0].report.records, 877);
  EXPECT_EQ(b[0].report.records, 1003);
  EXPECT_EQ(std::count_if(b[0].entities.begin(), b[0].entities.end(),
                          [](const Entity& e) { return e.schema == Schema::kPerson; }),
            730);
}

TEST_F(ImportUnTest, QDi001) {
  const auto lists = Imported("un/UN_consolidated_2026-02-27.xml");
  ASSERT_EQ(lists.size(), 1u);
  const Entity* e = FindEntity(lists[0], "QDi.001");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->schema, Schema::kPerson);
  EXPECT_EQ(e->primary_name(), "MOHAMMED SALAHALDIN ABD EL HALIM ZIDANE");
  EXPECT_TRUE(HasName(*e, "Sayf-Al Adl", NameKind::kAlias));
  ASSERT_NE(NameOf(*e, "Sayf-Al Adl"), nullptr);
  EXPECT_EQ(NameOf(*e, "Sayf-Al Adl")->strength, AliasStrength::kStrong);  // QUALITY Good
  ASSERT_NE(NameOf(*e, "Ibrahim al-Madani"), nullptr);
  EXPECT_EQ(NameOf(*e, "Ibrahim al-Madani")->strength, AliasStrength::kWeak);  // QUALITY Low
  const Name* original = NameOf(*e, "محمد صلاح الدين عبدالحليم زيدان");
  ASSERT_NE(original, nullptr);
  EXPECT_EQ(original->kind, NameKind::kOriginalScript);
  EXPECT_EQ(original->script, "Arab");
  EXPECT_TRUE(HasDate(*e, "1963-04-11"));
  EXPECT_TRUE(HasDate(*e, "1960-04-11"));
  EXPECT_THAT(e->nationalities, Contains("EG"));
  EXPECT_THAT(e->birth_places, Contains("Monufia Governate, Egypt"));
  EXPECT_THAT(e->programmes, Contains("Al-Qaida"));
  EXPECT_EQ(e->listed_on, "2001-01-25");
  EXPECT_THAT(e->remarks, HasSubstr("Usama bin Laden"));
}

TEST_F(ImportUnTest, EntitiesFormerNamesRangesAndDocuments) {
  const auto lists = Imported("un/UN_consolidated_2026-02-27.xml");
  ASSERT_EQ(lists.size(), 1u);
  const Entity* adf = FindEntity(lists[0], "CDe.001");
  ASSERT_NE(adf, nullptr);
  EXPECT_EQ(adf->schema, Schema::kOrganisation);
  EXPECT_EQ(adf->primary_name(), "ADF");
  EXPECT_TRUE(HasName(*adf, "Allied Democratic Forces", NameKind::kAlias));
  EXPECT_TRUE(HasName(*adf, "ADF/NALU", NameKind::kFormer));  // f.k.a.
  EXPECT_THAT(adf->countries, Contains("CD"));
  // A BETWEEN date of birth is kept as a range.
  bool has_range = false;
  int passports = 0;
  for (const auto& e : lists[0].entities) {
    for (const auto& d : e.birth_dates) has_range |= d.year_to != 0;
    for (const auto& id : e.identifiers) passports += id.type == "passport";
  }
  EXPECT_TRUE(has_range);
  EXPECT_GT(passports, 250);
}

TEST_F(ImportUnTest, TwoVersionsDiffer) {
  const auto a = Imported("un/UN_consolidated_2025-04-19.xml");
  const auto b = Imported("un/UN_consolidated_2026-02-27.xml");
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_NE(a[0].report.version, b[0].report.version);
  EXPECT_NE(a[0].entities.size(), b[0].entities.size());
  // The Iran list (2231) is new in the 2026 file.
  auto has_programme = [](const ImportedList& l, const std::string& p) {
    return std::any_of(l.entities.begin(), l.entities.end(), [&](const Entity& e) {
      return std::find(e.programmes.begin(), e.programmes.end(), p) != e.programmes.end();
    });
  };
  EXPECT_FALSE(has_programme(a[0], "Iran"));
  EXPECT_TRUE(has_programme(b[0], "Iran"));
}

// ---- OFAC ----

using ImportOfacTest = ImportDataTest;

TEST_F(ImportOfacTest, SdnCsvAlone) {
  const auto lists = Imported("ofac/sdn_2024-05-03.csv");
  ASSERT_EQ(lists.size(), 1u);
  const auto& l = lists[0];
  EXPECT_EQ(l.report.list, "ofac_sdn");
  EXPECT_EQ(l.report.format, "ofac_sdn_csv");
  EXPECT_EQ(l.report.version, "2024-05-03");
  EXPECT_EQ(l.report.records, 14965);
  const Entity* e = FindEntity(l, "36030");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->schema, Schema::kPerson);
  EXPECT_EQ(e->primary_name(), "Hakki Selcuk SANLI");  // "SANLI, Hakki Selcuk"
  EXPECT_TRUE(HasDate(*e, "1956-04-01"));
  EXPECT_THAT(e->birth_places, Contains("Adana, Turkey"));
  EXPECT_THAT(e->nationalities, Contains("TR"));
  EXPECT_TRUE(HasIdentifier(*e, "passport", "U24492445"));
  EXPECT_TRUE(HasIdentifier(*e, "national_id", "17107188340"));
  EXPECT_THAT(e->programmes, Contains("SDGT"));
  EXPECT_THAT(e->programmes, Contains("IFSR"));  // "SDGT] [IFSR"
  const Entity* bnc = FindEntity(l, "306");
  ASSERT_NE(bnc, nullptr);
  EXPECT_EQ(bnc->schema, Schema::kOrganisation);
  EXPECT_TRUE(HasName(*bnc, "BNC", NameKind::kAlias));  // from the remarks "a.k.a. 'BNC'"
  const Entity* tug = FindEntity(l, "4238");
  ASSERT_NE(tug, nullptr);
  EXPECT_EQ(tug->schema, Schema::kVessel);
  EXPECT_TRUE(HasIdentifier(*tug, "call_sign", "CL2192"));
  EXPECT_THAT(tug->countries, Contains("CU"));
}

TEST_F(ImportOfacTest, FullSetJoinsAliasesAddressesAndComments) {
  const auto lists = Imported("ofac/2021-07_full_set/sdn.csv");
  ASSERT_EQ(lists.size(), 1u);
  const auto& l = lists[0];
  EXPECT_EQ(l.report.version, "2021-07");
  EXPECT_EQ(l.report.records, 8976);
  const Entity* bnc = FindEntity(l, "306");
  ASSERT_NE(bnc, nullptr);
  EXPECT_TRUE(HasName(*bnc, "NATIONAL BANK OF CUBA", NameKind::kAlias));
  EXPECT_THAT(bnc->countries, Contains("CH"));  // Zweierstrasse 35, Zurich
  EXPECT_GE(bnc->addresses.size(), 4u);
  const Entity* cifuentes = FindEntity(l, "12300");
  ASSERT_NE(cifuentes, nullptr);
  EXPECT_EQ(cifuentes->primary_name(), "Jorge Milton CIFUENTES VILLA");
  EXPECT_THAT(cifuentes->remarks, HasSubstr("PROMO RAIZ S.A.S."));  // sdn_comments.csv continues the text
  EXPECT_TRUE(HasIdentifier(*cifuentes, "national_id", "7548733"));
  EXPECT_TRUE(HasDate(*cifuentes, "1965-05-13"));
  EXPECT_TRUE(HasDate(*cifuentes, "1968-04-13"));
  size_t aliases = 0;
  for (const auto& e : l.entities) aliases += e.names.size() - 1;
  EXPECT_GT(aliases, 11000u);  // alt.csv has 11,910 rows
}

TEST_F(ImportOfacTest, ConsolidatedCsvXmlAndEnhanced) {
  const auto csv = Imported("ofac/non_sdn_consolidated_2025-12/cons_prim.csv");
  ASSERT_EQ(csv.size(), 1u);
  EXPECT_EQ(csv[0].report.list, "ofac_cons");
  EXPECT_EQ(csv[0].report.records, 442);
  const Entity* haniya = FindEntity(csv[0], "9639");
  ASSERT_NE(haniya, nullptr);
  EXPECT_EQ(haniya->primary_name(), "Ismail Abdul Salah HANIYA");
  EXPECT_TRUE(HasName(*haniya, "Ismaeel HANIYYA", NameKind::kAlias));
  EXPECT_TRUE(HasDate(*haniya, "1962"));

  const auto xml = Imported("ofac/consolidated_nonsdn_sdnxml-format_2025-03-28.xml");
  ASSERT_EQ(xml.size(), 1u);
  EXPECT_EQ(xml[0].report.list, "ofac_cons");
  EXPECT_EQ(xml[0].report.format, "ofac_xml");
  EXPECT_EQ(xml[0].report.version, "2025-03-28");
  EXPECT_EQ(xml[0].report.records, 443);  // Record_Count
  const Entity* x = FindEntity(xml[0], "9639");
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(x->primary_name(), "Ismail Abdul Salah HANIYA");
  EXPECT_TRUE(HasName(*x, "Ismaeel HANIYYA", NameKind::kAlias));
  EXPECT_THAT(x->birth_places, Contains("Shati"));

  const auto enh = Imported("ofac/CONS_ENHANCED_2025-01-10.ZIP");
  ASSERT_EQ(enh.size(), 1u);
  EXPECT_EQ(enh[0].report.list, "ofac_cons");
  EXPECT_EQ(enh[0].report.format, "ofac_enhanced_xml");
  EXPECT_EQ(enh[0].report.version, "2025-01-10");
  EXPECT_EQ(enh[0].report.records, 443);
  const Entity* y = FindEntity(enh[0], "9639");
  ASSERT_NE(y, nullptr);
  EXPECT_EQ(y->schema, Schema::kPerson);
  EXPECT_EQ(y->primary_name(), "Ismail Abdul Salah HANIYA");
  EXPECT_TRUE(HasName(*y, "Ismail HANIYA", NameKind::kAlias));
  EXPECT_TRUE(HasDate(*y, "1962"));
  EXPECT_THAT(y->programmes, Contains("NS-PLC"));
  EXPECT_EQ(y->listed_on, "2006-04-12");
  // Cyrillic translations are kept with their script.
  bool cyrillic = false;
  for (const auto& e : enh[0].entities) {
    for (const auto& n : e.names) cyrillic |= n.script == "Cyrl";
  }
  EXPECT_TRUE(cyrillic);
}

TEST_F(ImportOfacTest, CompanionFilesAloneAreRefused) {
  auto r = ImportFile(Sanctions("ofac/2025-12_aliases_addresses/alt.csv"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("companion"));
}

TEST(ImportMalformedTest, OfacCsvDirtyRows) {
  const std::string csv =
      "1,\"DOE, John\",\"individual\",\"SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"DOB 31 Feb 1970; POB "
      "Nowhere.\"\r\n"
      "x2,\"ACME LTD\",-0- ,\"IRAN\"\r\n"
      ",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n"
      "3,\"GOOD CO\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a";
  auto r = ImportBytes("sdn.csv", csv);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto& l = (*r)[0];
  ASSERT_EQ(l.entities.size(), 3u);  // the nameless row is skipped, the others kept
  EXPECT_EQ(l.entities[0].primary_name(), "John DOE");
  EXPECT_THAT(l.entities[0].birth_places, Contains("Nowhere"));
  ASSERT_EQ(l.entities[0].birth_dates.size(), 1u);
  EXPECT_EQ(l.entities[0].birth_dates[0].raw, "31 Feb 1970");  // kept as text
  EXPECT_EQ(l.entities[1].primary_name(), "ACME LTD");
  EXPECT_EQ(l.entities[2].source_id, "3");
  EXPECT_GE(l.report.warnings.size(), 4u);  // bad date, bad id + short row, nameless row

  auto empty = ImportBytes("sdn.csv", "");
  ASSERT_FALSE(empty.ok());
  EXPECT_THAT(empty.status().message(), HasSubstr("empty"));
  auto truncated = ImportBytes("sdn.csv", "1,\"DOE, John\",\"individual\",\"SDGT\",\"unterminated");
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.status().code(), ErrorCode::kInvalidArgument);
}

// ---- US CSL and BIS DPL ----

using ImportUsTest = ImportDataTest;

TEST_F(ImportUsTest, CslOneListPerSource) {
  const auto lists = Imported("us_csl/consolidated_screening_list_2022-05.csv.gz");
  ASSERT_EQ(lists.size(), 13u);
  const std::map<std::string, int64_t> expected = {
      {"us_csl:Specially Designated Nationals", 10026},
      {"us_csl:Entity List", 2001},
      {"us_csl:ITAR Debarred", 727},
      {"us_csl:Denied Persons List", 462},
      {"us_csl:Sectoral Sanctions Identifications List", 290},
      {"us_csl:Unverified List", 201},
      {"us_csl:Nonproliferation Sanctions", 163},
      {"us_csl:Palestinian Legislative Council List", 78},
      {"us_csl:Military End User List", 71},
      {"us_csl:Non-SDN Chinese Military-Industrial Complex Companies List", 68},
      {"us_csl:Capta List", 53},
      {"us_csl:Non-SDN Menu-Based Sanctions List", 17},
      {"us_csl:Foreign Sanctions Evaders", 3},
  };
  int64_t total = 0;
  for (const auto& [key, count] : expected) {
    const ImportedList* l = FindList(lists, key);
    ASSERT_NE(l, nullptr) << key;
    EXPECT_EQ(l->report.records, count) << key;
    EXPECT_EQ(l->report.version, "2022-05");
    EXPECT_EQ(l->report.format, "us_csl_csv");
    EXPECT_THAT(l->report.file, HasSubstr(".csv.gz"));
    total += l->report.records;
  }
  EXPECT_EQ(total, 14160);

  const Entity* vessel = FindEntity(*FindList(lists, "us_csl:Specially Designated Nationals"), "23156");
  ASSERT_NE(vessel, nullptr);
  EXPECT_EQ(vessel->schema, Schema::kVessel);
  EXPECT_TRUE(HasIdentifier(*vessel, "imo", "8898831"));
  EXPECT_THAT(vessel->countries, Contains("KP"));  // "Democratic People's Republic of Korea"

  const Entity* cbr = FindEntity(*FindList(lists, "us_csl:Non-SDN Menu-Based Sanctions List"), "31695");
  ASSERT_NE(cbr, nullptr);
  EXPECT_EQ(cbr->primary_name(), "CENTRAL BANK OF THE RUSSIAN FEDERATION");
  EXPECT_TRUE(HasName(*cbr, "BANK OF RUSSIA", NameKind::kAlias));
  EXPECT_TRUE(HasIdentifier(*cbr, "tax_id", "7702235133"));
  EXPECT_TRUE(HasIdentifier(*cbr, "swift", "CBRFRUMM"));
  EXPECT_TRUE(HasDate(*cbr, "1990-07-13"));  // Organization Established Date
  EXPECT_THAT(cbr->countries, Contains("RU"));

  // The Entity List keeps its licence terms, and reports its dirty start dates (0097-06-30, 0017-05-26).
  const ImportedList* el = FindList(lists, "us_csl:Entity List");
  EXPECT_EQ(el->report.warnings.size(), 3u);
  bool licence = std::any_of(el->entities.begin(), el->entities.end(), [](const Entity& e) {
    return e.remarks.find("License policy:") != std::string::npos;
  });
  EXPECT_TRUE(licence);
}

TEST_F(ImportUsTest, DeniedPersonsListKeepsTheDirtyRecord) {
  const auto lists = Imported("us_bis/dpl_2022-09.txt");
  ASSERT_EQ(lists.size(), 1u);
  const auto& l = lists[0];
  EXPECT_EQ(l.report.list, "bis_dpl");
  EXPECT_EQ(l.report.format, "bis_dpl_tsv");
  EXPECT_EQ(l.report.version, "2022-09");
  EXPECT_EQ(l.report.records, 461);  // 581 rows, one per address, grouped by name and effective date
  const Entity* zadeh = FindEntity(l, "MANSOUR ZADEH");
  ASSERT_NE(zadeh, nullptr);
  EXPECT_EQ(zadeh->listed_on, "2017-08-10");
  bool warned = std::any_of(l.report.warnings.begin(), l.report.warnings.end(), [](const ImportWarning& w) {
    return w.source_id == "MANSOUR ZADEH" && w.message.find("3017-08-22") != std::string::npos;
  });
  EXPECT_TRUE(warned);
  EXPECT_EQ(l.report.warnings.size(), 3u);  // also 0222-05-18 and 2922-09-01
  const Entity* air = FindEntity(l, "AIR FREIGHT LTD");
  ASSERT_NE(air, nullptr);
  EXPECT_EQ(air->addresses.size(), 4u);
  EXPECT_THAT(air->countries, Contains("IQ"));
  EXPECT_THAT(air->countries, Contains("JO"));
}

// ---- UK, EU, Canada ----

using ImportUkEuCaTest = ImportDataTest;

TEST_F(ImportUkEuCaTest, UkFcdoRelationalSet) {
  const auto lists = Imported("uk/fcdo_uk_sanctions_list_2026-04_normalized/subjects.csv");
  ASSERT_EQ(lists.size(), 1u);
  const auto& l = lists[0];
  EXPECT_EQ(l.report.list, "uk");
  EXPECT_EQ(l.report.format, "uk_csv");
  EXPECT_EQ(l.report.version, "2026-04");
  EXPECT_EQ(l.report.records, 6046);
  EXPECT_EQ(std::count_if(l.entities.begin(), l.entities.end(),
                          [](const Entity& e) { return e.schema == Schema::kVessel; }),
            632);
  const Entity* k = FindEntity(l, "RUS0001");
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->schema, Schema::kPerson);
  EXPECT_EQ(k->primary_name(), "Dmitry Konstantinovich Kiselyov");
  EXPECT_TRUE(HasName(*k, "Dmitrii Konstantinovich Kiselev", NameKind::kAlias));
  EXPECT_THAT(k->nationalities, Contains("RU"));
  EXPECT_THAT(k->programmes, Contains("RUS"));
  const Entity* afg = FindEntity(l, "AFG0001");
  ASSERT_NE(afg, nullptr);
  EXPECT_EQ(afg->schema, Schema::kOrganisation);
  EXPECT_TRUE(HasIdentifier(*afg, "un_reference", "TAe.010"));
  EXPECT_EQ(afg->listed_on, "2012-06-29");
  size_t weak = 0, dates = 0;
  for (const auto& e : l.entities) {
    dates += e.birth_dates.size();
    for (const auto& n : e.names) weak += n.strength == AliasStrength::kWeak;
  }
  EXPECT_GT(weak, 500u);  // low_quality_aka
  EXPECT_GT(dates, 3000u);
  // A member of the set alone is refused, and the set cannot come from memory.
  auto member = ImportFile(Sanctions("uk/fcdo_uk_sanctions_list_2026-04_normalized/subject_names.csv"));
  ASSERT_FALSE(member.ok());
  EXPECT_EQ(member.status().code(), ErrorCode::kInvalidArgument);
  auto bytes = ImportBytes("subjects.csv", "unique_id,subject_type\nX1,individual\n");
  ASSERT_FALSE(bytes.ok());
  EXPECT_EQ(bytes.status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(ImportUkEuCaTest, UkOfsiExcerptRealignsItsHeader) {
  const auto lists = Imported("uk/ofsi_conlist_2020_excerpt.csv");
  ASSERT_EQ(lists.size(), 1u);
  const auto& l = lists[0];
  EXPECT_EQ(l.report.list, "uk_ofsi");
  EXPECT_EQ(l.report.records, 41);  // 77 rows, 41 Group IDs
  ASSERT_FALSE(l.report.warnings.empty());
  EXPECT_THAT(l.report.warnings[0].message, HasSubstr("realigned"));
  const Entity* q = FindEntity(l, "13349");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->schema, Schema::kPerson);
  EXPECT_EQ(q->primary_name(), "Sheikh Farooq AL-QAHTANI");
  EXPECT_TRUE(HasDate(*q, "1980"));
  EXPECT_TRUE(HasDate(*q, "1981"));
  EXPECT_THAT(q->nationalities, Contains("SA"));
  EXPECT_THAT(q->nationalities, Contains("QA"));
  EXPECT_TRUE(HasIdentifier(*q, "passport", "592667"));
  EXPECT_EQ(q->listed_on, "2016-04-01");
}

TEST_F(ImportUkEuCaTest, EuNamesAliasesAndNationalities) {
  const auto lists = Imported("eu/eu_fsf_names_aliases_2025-05.csv");
  ASSERT_EQ(lists.size(), 1u);
  const auto& l = lists[0];
  EXPECT_EQ(l.report.list, "eu");
  EXPECT_EQ(l.report.version, "2025-05");
  EXPECT_EQ(l.report.records, 5316);
  EXPECT_EQ(std::count_if(l.entities.begin(), l.entities.end(),
                          [](const Entity& e) { return e.schema == Schema::kPerson; }),
            4110);
  const Entity* t = FindEntity(l, "Sergey Pavlovych TSEKOV");
  ASSERT_NE(t, nullptr);
  const Name* cyr = NameOf(*t, "Сергей Павлович ЦЕКОВ");
  ASSERT_NE(cyr, nullptr);
  EXPECT_EQ(cyr->script, "Cyrl");
  // Country names with commas inside a comma-joined field.
  bool ru_ua = false, kp = false;
  for (const auto& e : l.entities) {
    ru_ua |= e.nationalities == std::vector<std::string>{"RU", "UA"};
    kp |= std::find(e.nationalities.begin(), e.nationalities.end(), "KP") != e.nationalities.end();
  }
  EXPECT_TRUE(ru_ua);
  EXPECT_TRUE(kp);
  // Duplicate names get distinct ids.
  EXPECT_NE(FindEntity(l, "Abu Jihad"), nullptr);
  EXPECT_NE(FindEntity(l, "Abu Jihad#2"), nullptr);
}

TEST_F(ImportUkEuCaTest, CanadaSema) {
  const auto lists = Imported("other/canada_sema_2025-05.xml");
  ASSERT_EQ(lists.size(), 1u);
  const auto& l = lists[0];
  EXPECT_EQ(l.report.list, "ca_sema");
  EXPECT_EQ(l.report.format, "ca_sema_xml");
  EXPECT_EQ(l.report.version, "2025-05");
  EXPECT_EQ(l.report.records, 4759);
  const Entity* luk = FindEntity(l, "Belarus/1, Part 1/8");
  ASSERT_NE(luk, nullptr);
  EXPECT_EQ(luk->primary_name(), "Aleksandr Grigoryevich Lukashenko");
  EXPECT_TRUE(HasDate(*luk, "1954-08-30"));
  EXPECT_EQ(luk->listed_on, "2020-09-28");
  EXPECT_THAT(luk->programmes, Contains("Belarus"));
  const Entity* ship = FindEntity(l, "Russia/1.1/1");
  ASSERT_NE(ship, nullptr);
  EXPECT_EQ(ship->schema, Schema::kVessel);
  EXPECT_TRUE(HasIdentifier(*ship, "imo", "7612448"));
  // "Sep-99" and "born in the early 1970s" are kept as text, with warnings.
  EXPECT_EQ(l.report.warnings.size(), 2u);
}

TEST_F(ImportUkEuCaTest, SenzingJsonIsNotAList) {
  auto r = ImportFile(Sanctions("other/opensanctions_us_congress_senzing.json"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
}

// ---- Everything ----

using ImportDirectoryTest = ImportDataTest;

// Imports every file under sanctions/ (all versions) and prints one line per list for the record.
TEST_F(ImportDirectoryTest, AllVersionsPerListCounts) {
  const auto& all = AllLists();
  ASSERT_FALSE(all.empty());
  std::map<std::string, int> versions;
  for (const auto& l : all) {
    ++versions[l.report.list];
    std::printf("  %-70s %-10s %-18s %6lld records %5zu warnings  %s\n", l.report.list.c_str(),
                l.report.version.c_str(), l.report.format.c_str(), static_cast<long long>(l.report.records),
                l.report.warnings.size(), fs::path(l.report.file).filename().c_str());
    EXPECT_EQ(l.report.records, static_cast<int64_t>(l.entities.size()));
    EXPECT_FALSE(l.report.version.empty()) << l.report.file;
    for (const auto& e : l.entities) {
      ASSERT_EQ(e.list, l.report.list);
      ASSERT_FALSE(e.source_id.empty()) << l.report.list;
      ASSERT_FALSE(e.names.empty()) << l.report.list << " " << e.source_id;
      ASSERT_EQ(e.names[0].kind, NameKind::kPrimary) << l.report.list << " " << e.source_id;
      for (size_t i = 1; i < e.names.size(); ++i)
        ASSERT_NE(e.names[i].kind, NameKind::kPrimary) << e.source_id;
      ToJson(e).dump();  // valid UTF-8 everywhere (dump throws otherwise)
    }
  }
  EXPECT_EQ(versions["un"], 2);
  EXPECT_EQ(versions["ofac_sdn"], 2);   // 2021-07 full set, 2024-05-03 sdn.csv (2025-12 has no sdn.csv)
  EXPECT_EQ(versions["ofac_cons"], 3);  // cons CSV, sdnList XML, ENHANCED zip
  EXPECT_EQ(versions["bis_dpl"], 1);
  EXPECT_EQ(versions["uk"], 1);
  EXPECT_EQ(versions["uk_ofsi"], 1);
  EXPECT_EQ(versions["eu"], 1);
  EXPECT_EQ(versions["ca_sema"], 1);
  EXPECT_EQ(versions["us_csl:Entity List"], 1);
  EXPECT_EQ(versions.size(), 8u + 13u);  // 13 CSL sources
}

TEST_F(ImportDirectoryTest, ImportFileMatchesTheDirectoryImport) {
  auto r = ImportFile(Sanctions("un/UN_consolidated_2025-04-19.xml"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto from_dir = Imported("un/UN_consolidated_2025-04-19.xml");
  ASSERT_EQ(r->size(), 1u);
  ASSERT_EQ(from_dir.size(), 1u);
  EXPECT_EQ((*r)[0].report.records, from_dir[0].report.records);
  EXPECT_EQ(ContentDigest((*r)[0].entities[5]), ContentDigest(from_dir[0].entities[5]));
}

// A small tree: two UN versions, an OFAC set with a companion, an orphan companion folder, an unknown file.
class ImportDirectoryFixtureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static int n = 0;
    dir_ = fs::temp_directory_path() /
           ("stm_import_dir_" + std::to_string(::getpid()) + "_" + std::to_string(++n));
    fs::create_directories(dir_ / "un");
    fs::create_directories(dir_ / "ofac" / "2021-07_set");
    fs::create_directories(dir_ / "ofac" / "2025-12_orphans");
    auto un = [](const std::string& date, int count) {
      std::string x =
          "<?xml version=\"1.0\"?><CONSOLIDATED_LIST dateGenerated=\"" + date + "T00:00:00Z\"><INDIVIDUALS>";
      for (int i = 1; i <= count; ++i) {
        x += "<INDIVIDUAL><FIRST_NAME>P" + std::to_string(i) + "</FIRST_NAME><REFERENCE_NUMBER>QDi." +
             std::to_string(i) + "</REFERENCE_NUMBER></INDIVIDUAL>";
      }
      return x + "</INDIVIDUALS><ENTITIES/></CONSOLIDATED_LIST>";
    };
    Write("un/old.xml", un("2025-04-19", 2));
    Write("un/new.xml", un("2026-02-27", 3));
    Write("ofac/2021-07_set/sdn.csv",
          "36,\"AEROCARIBBEAN AIRLINES\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n");
    Write("ofac/2021-07_set/alt.csv", "36,12,\"aka\",\"AERO-CARIBBEAN\",-0- \r\n");
    Write("ofac/2025-12_orphans/alt.csv", "36,12,\"aka\",\"AERO-CARIBBEAN\",-0- \r\n");
    Write("notes.json", "{\"not\": \"a list\"}");
    Write("README.txt", "Some words.\n");
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  void Write(const std::string& rel, const std::string& content) {
    std::ofstream(dir_ / rel, std::ios::binary) << content;
  }
  fs::path dir_;
};

TEST_F(ImportDirectoryFixtureTest, NewestVersionPerListAndUnknownFilesSkipped) {
  auto r = ImportDirectory(dir_.string());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 2u);
  const ImportedList* un = FindList(*r, "un");
  ASSERT_NE(un, nullptr);
  EXPECT_EQ(un->report.version, "2026-02-27");
  EXPECT_EQ(un->report.records, 3);
  const ImportedList* sdn = FindList(*r, "ofac_sdn");
  ASSERT_NE(sdn, nullptr);
  EXPECT_EQ(sdn->report.version, "2021-07");
  ASSERT_EQ(sdn->entities.size(), 1u);
  EXPECT_TRUE(
      HasName(sdn->entities[0], "AERO-CARIBBEAN", NameKind::kAlias));  // companion read from the folder

  auto all = ImportDirectory(dir_.string(), /*all_versions=*/true);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 3u);
}

TEST_F(ImportDirectoryFixtureTest, BrokenListFileFailsTheDirectory) {
  Write("un/broken.xml", "<?xml version=\"1.0\"?><CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL>");
  auto r = ImportDirectory(dir_.string());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("broken.xml"));
  // An empty sdn.csv (a failed download) is an error too, not silently skipped.
  fs::remove(dir_ / "un" / "broken.xml");
  Write("ofac/2021-07_set/sdn.csv", "");
  auto e = ImportDirectory(dir_.string());
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(e.status().message(), HasSubstr("empty"));
}

TEST(ImportDirectoryMissingTest, NoSuchDirectory) {
  auto r = ImportDirectory("/nonexistent/stm/lists");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kNotFound);
}

// ---- Malformed input (in memory) ----

TEST(ImportMalformedTest, TruncatedXmlIsAnErrorNamingTheFile) {
  const std::string xml =
      "<?xml version=\"1.0\"?><CONSOLIDATED_LIST dateGenerated=\"2026-01-01T00:00:00Z\"><INDIVIDUALS>"
      "<INDIVIDUAL><FIRST_NAME>A</FIRST_NAME><REFERENCE_NUMBER>QDi.999</REFERENCE_NUMBER></INDIVIDUAL>"
      "<INDIVIDUAL><FIRST_NAME>B";
  auto r = ImportBytes("consolidated.xml", xml);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("consolidated.xml"));
}

TEST(ImportMalformedTest, UnDirtyRecordsAreKeptWithWarnings) {
  const std::string xml = R"(<?xml version="1.0" encoding="UTF-8"?>
<CONSOLIDATED_LIST dateGenerated="2026-01-02T00:00:00Z">
  <INDIVIDUALS>
    <INDIVIDUAL>
      <FIRST_NAME>JOHN</FIRST_NAME><SECOND_NAME>DOE</SECOND_NAME>
      <UN_LIST_TYPE>Test</UN_LIST_TYPE>
      <LISTED_ON>not a date</LISTED_ON>
      <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><DATE>1970-13-45</DATE></INDIVIDUAL_DATE_OF_BIRTH>
      <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>APPROXIMATELY</TYPE_OF_DATE><YEAR>1971</YEAR></INDIVIDUAL_DATE_OF_BIRTH>
    </INDIVIDUAL>
    <INDIVIDUAL>
      <REFERENCE_NUMBER>QDi.998</REFERENCE_NUMBER>
      <INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>ONLY ALIAS</ALIAS_NAME></INDIVIDUAL_ALIAS>
    </INDIVIDUAL>
  </INDIVIDUALS>
  <ENTITIES/>
</CONSOLIDATED_LIST>)";
  auto r = ImportBytes("un.xml", xml);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 1u);
  const auto& l = (*r)[0];
  EXPECT_EQ(l.report.version, "2026-01-02");
  ASSERT_EQ(l.entities.size(), 2u);
  const Entity& doe = l.entities[0];
  EXPECT_EQ(doe.primary_name(), "JOHN DOE");
  EXPECT_FALSE(doe.source_id.empty());
  EXPECT_EQ(doe.listed_on, "");
  ASSERT_EQ(doe.birth_dates.size(), 2u);
  EXPECT_EQ(doe.birth_dates[0].year, 0);  // unreadable: only the raw text is kept
  EXPECT_EQ(doe.birth_dates[0].raw, "1970-13-45");
  EXPECT_EQ(doe.birth_dates[1].ToString(), "1971");
  EXPECT_EQ(l.entities[1].primary_name(), "ONLY ALIAS");
  // Missing id, bad LISTED_ON, bad date, missing primary name.
  EXPECT_GE(l.report.warnings.size(), 4u);
}

TEST(ImportMalformedTest, EmptyAndUnknownInput) {
  for (const char* name : {"empty.xml", "x.csv", "notes.txt"}) {
    auto r = ImportBytes(name, "");
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  }
  auto json = ImportBytes("senzing.json", "{\"DATA_SOURCE\":\"X\"}\n");
  ASSERT_FALSE(json.ok());
  EXPECT_EQ(json.status().code(), ErrorCode::kInvalidArgument);
  auto missing = ImportFile("/nonexistent/dir/sdn.csv");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
}

TEST(ImportMalformedTest, GarbageArchivesAreErrors) {
  auto gz = ImportBytes("list.csv.gz", std::string("\x1f\x8b\x08\x00garbage", 12));
  ASSERT_FALSE(gz.ok());
  EXPECT_EQ(gz.status().code(), ErrorCode::kInvalidArgument);
  auto zip = ImportBytes("CONS_ENHANCED.ZIP", std::string("PK\x03\x04truncated", 13));
  ASSERT_FALSE(zip.ok());
  EXPECT_EQ(zip.status().code(), ErrorCode::kInvalidArgument);
}

std::string Gzip(std::string_view data) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
            Z_OK);
  std::string out(deflateBound(&zs, data.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

TEST(ImportMalformedTest, CslFromMemoryDirtyRowsAndMissingColumns) {
  const std::string csv =
      "_id,source,entity_number,type,programs,name,alt_names,dates_of_birth,addresses,ids,start_date\r\n"
      "1,Entity List (EL) - Bureau of Industry and Security,,,,\"Acme, Ltd.\",\"Acme Co; and Acme Two\",,"
      "\"1 Road, Town, CN\",,2020-01-02\r\n"
      "2,Specially Designated Nationals (SDN) - Treasury Department,2,Individual,SDGT,\"DOE, John\",,"
      "\"1970-02-30; circa 1960\",,\"IR, A123, Passport\",0019-01-01\r\n"
      "3,Entity List (EL) - Bureau of Industry and Security\r\n";  // short row, no name: skipped
  auto r = ImportBytes("consolidated_screening_list_2023-01.csv.gz", Gzip(csv));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 2u);
  const ImportedList* el = FindList(*r, "us_csl:Entity List");
  ASSERT_NE(el, nullptr);
  EXPECT_EQ(el->report.version, "2023-01");
  ASSERT_EQ(el->entities.size(), 1u);
  EXPECT_EQ(el->entities[0].primary_name(), "Acme, Ltd.");
  EXPECT_TRUE(HasName(el->entities[0], "Acme Two", NameKind::kAlias));
  EXPECT_THAT(el->entities[0].countries, Contains("CN"));
  EXPECT_EQ(el->report.warnings.size(), 2u);  // short row + no name
  const ImportedList* sdn = FindList(*r, "us_csl:Specially Designated Nationals");
  ASSERT_NE(sdn, nullptr);
  const Entity& doe = sdn->entities[0];
  EXPECT_EQ(doe.primary_name(), "John DOE");
  EXPECT_TRUE(HasIdentifier(doe, "passport", "A123"));
  EXPECT_TRUE(HasDate(doe, "1960"));
  EXPECT_EQ(doe.listed_on, "");
  EXPECT_EQ(sdn->report.warnings.size(), 2u);  // bad DOB, implausible start_date

  auto missing = ImportBytes("csl.csv", "_id,source,type\n1,X,Entity\n");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("name"));
  auto truncated_gz = ImportBytes("csl.csv.gz", Gzip(csv).substr(0, 40));
  ASSERT_FALSE(truncated_gz.ok());
  EXPECT_EQ(truncated_gz.status().code(), ErrorCode::kInvalidArgument);
}

TEST(ImportMalformedTest, DplBadDatesAndMissingColumns) {
  const std::string tsv =
      "\"Name\"\t\"Street_Address\"\t\"City\"\t\"State\"\t\"Country\"\t\"Postal_Code\"\t\"Effective_Date\"\t"
      "\"Expiration_Date\"\t\"Standard_Order\"\t\"Last_Update\"\t\"Action\"\t\"FR_Citation\"\n"
      "\"JOHN DOE\"\t\"1 MAIN "
      "ST\"\t\"TOWN\"\t\"\"\t\"US\"\t\"\"\t\"13/45/2020\"\t\"\"\t\"Y\"\t\"3017-08-22\"\t\"\"\t\"\"\n"
      "\"JOHN DOE\"\t\"2 MAIN ST\"\n";
  auto r = ImportBytes("dpl.txt", tsv);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto& l = (*r)[0];
  ASSERT_EQ(l.entities.size(), 1u);
  EXPECT_EQ(l.entities[0].primary_name(), "JOHN DOE");
  EXPECT_EQ(l.entities[0].listed_on, "");
  EXPECT_GE(l.report.warnings.size(), 3u);  // effective date, last update, short row
  auto missing = ImportBytes("dpl.txt", "\"Name\"\t\"Street_Address\"\n\"X\"\t\"Y\"\n");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("effective_date"));
}

TEST(ImportMalformedTest, EuOfsiAndCanadaFixtures) {
  auto eu = ImportBytes("eu.csv", "Name,Alias,Nationality,Designation,Sanction Type,Source\n");
  ASSERT_FALSE(eu.ok());  // a header and nothing else
  EXPECT_THAT(eu.status().message(), HasSubstr("no records"));
  auto eu2 = ImportBytes("eu.csv",
                         "Name,Alias,Nationality,Designation,Sanction Type,Source\n"
                         "\"ACME, LLC\",\"ACME, LLC, Acme Trading, Ltd\",\"MOLDOVA, REPUBLIC OF, RUSSIAN "
                         "FEDERATION\",enterprise,x,Europe\n"
                         ",,,,,\n");
  ASSERT_TRUE(eu2.ok()) << eu2.status().ToString();
  ASSERT_EQ((*eu2)[0].entities.size(), 1u);
  const Entity& acme = (*eu2)[0].entities[0];
  EXPECT_EQ(acme.names.size(), 2u);  // "ACME, LLC" is one name; "Acme Trading, Ltd" another
  EXPECT_TRUE(HasName(acme, "Acme Trading, Ltd", NameKind::kAlias));
  EXPECT_EQ(acme.countries, (std::vector<std::string>{"MD", "RU"}));
  EXPECT_EQ((*eu2)[0].report.warnings.size(), 1u);  // the empty row

  auto ca =
      ImportBytes("sema.xml", "<?xml version=\"1.0\"?><data-set><record><Country>Iran</Country><LastName>X");
  ASSERT_FALSE(ca.ok());
  EXPECT_EQ(ca.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(ca.status().message(), HasSubstr("sema.xml"));

  auto ofsi =
      ImportBytes("conlist.csv",
                  "Last Updated,01/02/2020\n"
                  "Name 6,Name 1,Name 2,Name 3,Name 4,Name 5,Title,DOB,Town of Birth,Country of Birth,"
                  "Nationality,Passport Details,NI Number,Position,Address 1,Address 2,Address 3,Address 4,"
                  "Address 5,Address 6,Post/Zip Code,Country,Other Information,Group Type,Alias Type,Regime,"
                  "Listed On,Last Updated,Group ID\n"
                  "DOE,John,,,,,,45/45/1970,,,,,,,,,,,,,,,,Individual,Prime Alias,Test,01/01/2019,"
                  "01/01/2019,1\n"
                  "DOE,Johnny,,,,,,,,,,,,,,,,,,,,,,Individual,AKA,Test,01/01/2019,01/01/2019,1\n");
  ASSERT_TRUE(ofsi.ok()) << ofsi.status().ToString();
  const auto& ol = (*ofsi)[0];
  EXPECT_EQ(ol.report.version, "2020-02-01");
  ASSERT_EQ(ol.entities.size(), 1u);
  EXPECT_EQ(ol.entities[0].primary_name(), "John DOE");
  EXPECT_TRUE(HasName(ol.entities[0], "Johnny DOE", NameKind::kAlias));
  EXPECT_EQ(ol.report.warnings.size(), 1u);  // the bad DOB
}

// ---- Helpers ----

TEST(ImportHelpersTest, ParseDate) {
  using internal::ParseDate;
  using internal::SlashOrder;
  auto s = [](std::optional<PartialDate> d) { return d ? d->ToString() : std::string("none"); };
  EXPECT_EQ(s(ParseDate("1958-04-29")), "1958-04-29");
  EXPECT_EQ(s(ParseDate("1958")), "1958");
  EXPECT_EQ(s(ParseDate("29 Apr 1958")), "1958-04-29");
  EXPECT_EQ(s(ParseDate("Apr 1958")), "1958-04");
  EXPECT_EQ(s(ParseDate("April 29, 1958")), "1958-04-29");
  EXPECT_EQ(s(ParseDate("Nov. 1973 ")), "1973-11");
  EXPECT_EQ(s(ParseDate("circa 1950")), "1950");
  EXPECT_EQ(s(ParseDate("1958 to 1960")), "1958/1960");
  EXPECT_EQ(s(ParseDate("01 Jan 1960 to 31 Dec 1962")), "1960/1962");
  EXPECT_EQ(s(ParseDate("01 Jan 1960 to 31 Dec 1960")), "1960");
  EXPECT_EQ(s(ParseDate("between 1973 and 1974")), "1973/1974");
  EXPECT_EQ(s(ParseDate("06/19/2003")), "2003-06-19");
  EXPECT_EQ(s(ParseDate("19/06/2003", SlashOrder::kDayFirst)), "2003-06-19");
  EXPECT_EQ(s(ParseDate("00/00/1980", SlashOrder::kDayFirst)), "1980");
  EXPECT_EQ(s(ParseDate("2026-02-27T00:00:09.554Z")), "2026-02-27");
  EXPECT_EQ(s(ParseDate("1970-13-45")), "none");
  EXPECT_EQ(s(ParseDate("31 Feb 1970")), "none");
  EXPECT_EQ(s(ParseDate("30-35 years old")), "none");
  EXPECT_EQ(s(ParseDate("")), "none");
}

TEST(ImportHelpersTest, Text) {
  EXPECT_EQ(internal::Clean("  a \n\t b\xC2\xA0 c  "), "a b c");
  EXPECT_EQ(internal::LastFirstToNatural("AL-SHAAR, Mohammad Ibrahim"), "Mohammad Ibrahim AL-SHAAR");
  EXPECT_EQ(internal::LastFirstToNatural("CIMEX"), "CIMEX");
  EXPECT_EQ(internal::RepairUtf8("caf\xe9 \x92quoted\x92"), "café ’quoted’");
  EXPECT_EQ(internal::RepairUtf8("ok ü"), "ok ü");
  EXPECT_EQ(internal::DetectScript("Путин"), "Cyrl");
  EXPECT_EQ(internal::DetectScript("محمد"), "Arab");
  EXPECT_EQ(internal::DetectScript("习近平"), "Hani");
  EXPECT_EQ(internal::DetectScript("Vladimir"), "");
  EXPECT_EQ(internal::DateFromPath("/x/ofac/2021-07_full_set/sdn.csv"), "2021-07");
  EXPECT_EQ(internal::DateFromPath("/x/un/UN_consolidated_2026-02-27.xml"), "2026-02-27");
  EXPECT_EQ(internal::DateFromPath("/x/y/list.csv"), "");
  EXPECT_EQ(internal::IdentifierType("National ID No."), "national_id");
  EXPECT_EQ(internal::IdentifierType("Passport"), "passport");
  EXPECT_EQ(internal::IdentifierType("Website"), std::nullopt);
}

}  // namespace
}  // namespace stm::screening
