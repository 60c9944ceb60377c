#include "catalog/catalog.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "catalog/import_hs.h"
#include "test_data.h"

namespace stm::catalog {
namespace {

namespace fs = std::filesystem;

std::string DataDir() { return stm::testing::SharedDataDir("controls"); }

// The repository's data/ directory (hs_correlation.json, cross_references.json).
fs::path ProjectData() { return fs::path(__FILE__).parent_path().parent_path().parent_path() / "data"; }

const Catalog* Loaded() {
  static const std::optional<Catalog> catalog = []() -> std::optional<Catalog> {
    if (DataDir().empty()) return std::nullopt;
    auto start = std::chrono::steady_clock::now();
    auto r = LoadCatalog({DataDir(), ProjectData()});
    auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return std::nullopt;
    std::map<std::string, int> kinds;
    for (const ImportIssue& i : r->issues()) ++kinds[i.kind];
    std::string summary;
    for (const auto& [k, n] : kinds) summary += " " + k + "=" + std::to_string(n);
    std::printf(
        "[catalog] loaded in %.0f ms: %zu entries, %zu chemicals, %zu HS codes, %zu cross-references, "
        "%zu issues:%s\n",
        ms, r->entries().size(), r->chemicals().size(), r->hs_codes().size(), r->cross_references().size(),
        r->issues().size(), summary.c_str());
    return std::move(r).value();
  }();
  return catalog ? &*catalog : nullptr;
}

#define REQUIRE_DATA()           \
  const Catalog* cat = Loaded(); \
  if (!cat) GTEST_SKIP() << "shared/data not found (set STM_DATA_DIR)"

TEST(CatalogTest, RegimeIdsRoundTrip) {
  for (Regime r : {Regime::kNsg1, Regime::kNsg2, Regime::kMtcr, Regime::kAustraliaGroup, Regime::kCwc,
                   Regime::kWassenaarDualUse, Regime::kWassenaarMunitions, Regime::kNational}) {
    auto parsed = ParseRegime(RegimeId(r));
    ASSERT_TRUE(parsed.has_value()) << RegimeId(r);
    EXPECT_EQ(*parsed, r);
    EXPECT_FALSE(RegimeName(r).empty());
  }
  EXPECT_FALSE(ParseRegime("NSG").has_value());
  EXPECT_EQ(RegimeName(Regime::kNational), "National (unilateral)");
}

TEST(CatalogTest, RegimeFromNumbering) {
  EXPECT_EQ(RegimeFromNumbering("0A001"), Regime::kNsg1);
  EXPECT_EQ(RegimeFromNumbering("0B001"), Regime::kNsg1);
  EXPECT_EQ(RegimeFromNumbering("1C010"), Regime::kWassenaarDualUse);
  EXPECT_EQ(RegimeFromNumbering("1C210"), Regime::kNsg2);
  EXPECT_EQ(RegimeFromNumbering("1C116"), Regime::kMtcr);
  EXPECT_EQ(RegimeFromNumbering("2B350"), Regime::kAustraliaGroup);
  EXPECT_EQ(RegimeFromNumbering("1C350.b.1"), Regime::kAustraliaGroup);
  EXPECT_EQ(RegimeFromNumbering("0A501"), Regime::kWassenaarMunitions);
  EXPECT_EQ(RegimeFromNumbering("9A610"), Regime::kWassenaarMunitions);
  EXPECT_EQ(RegimeFromNumbering("0A521"), Regime::kNational);
  EXPECT_EQ(RegimeFromNumbering("3A999"), Regime::kNational);
  EXPECT_EQ(RegimeFromNumbering("1C4xx"), std::nullopt);
  EXPECT_EQ(RegimeFromNumbering("EAR99"), std::nullopt);
}

TEST(CatalogTest, ValidCasCheckDigits) {
  EXPECT_TRUE(ValidCas("111-48-8"));   // thiodiglycol
  EXPECT_TRUE(ValidCas("7732-18-5"));  // water
  EXPECT_TRUE(ValidCas("7789-29-9"));  // potassium bifluoride
  EXPECT_TRUE(ValidCas("1341-49-7"));  // ammonium hydrogen fluoride
  EXPECT_FALSE(ValidCas("111-07-3"));  // thiodiglycol misprint: check digit wrong
  EXPECT_FALSE(ValidCas("7732-18-4"));
  EXPECT_FALSE(ValidCas("13422700-45-1"));  // eight digits before the first dash
  EXPECT_FALSE(ValidCas("3422700-45-1"));
  EXPECT_FALSE(ValidCas(""));
  EXPECT_FALSE(ValidCas("7-18-5"));
  EXPECT_FALSE(ValidCas("7732-1-85"));
  EXPECT_FALSE(ValidCas("77a2-18-5"));
  EXPECT_FALSE(ValidCas("(111-48-8)"));
  EXPECT_FALSE(ValidCas("111-48-8 "));
}

TEST(CatalogTest, BuildersKeepIndexes) {
  Catalog c;
  c.AddEntry({.code = "3A225", .heading = "Frequency changers", .children = {"3A225.a"}});
  c.AddEntry({.code = "3A225.a", .parent = "3A225", .hs_codes = {"850440"}, .cas = {}});
  c.AddEntry({.code = "1C350.b.22", .parent = "1C350.b", .cas = {"111-48-8"}});
  ASSERT_NE(c.Find("3a225"), nullptr);
  EXPECT_EQ(c.Find(" 3A225.A ")->code, "3A225.a");
  EXPECT_EQ(c.Find("3A226"), nullptr);
  c.MutableEntry("3A225")->hs_codes.push_back("8504");
  c.AddHs({"85", "Electrical machinery", "", 2});
  c.AddHs({"8504", "Transformers, converters", "85", 4});
  c.AddHs({"850440", "Electrical static converters", "8504", 6});
  ASSERT_NE(c.FindHs("8504.40"), nullptr);
  EXPECT_EQ(c.FindHs("8504.40")->code, "850440");
  EXPECT_EQ(c.FindHs(" 85 04 "), c.FindHs("8504"));
  EXPECT_EQ(c.FindHs("8504-40"), nullptr);
  EXPECT_EQ(c.FindHs(""), nullptr);
  auto for_hs = c.EntriesForHs("8504.40.90");
  ASSERT_EQ(for_hs.size(), 2u);  // 3A225 (8504) and 3A225.a (850440)
  EXPECT_EQ(for_hs[0]->code, "3A225");
  EXPECT_EQ(c.EntriesForHs("8504").size(), 2u);    // extensions count
  EXPECT_EQ(c.EntriesForHs("850450").size(), 1u);  // only the heading-level correlation
  EXPECT_TRUE(c.EntriesForHs("85").empty());       // chapters are too coarse
  auto for_cas = c.EntriesForCas("111-48-8");
  ASSERT_EQ(for_cas.size(), 1u);
  EXPECT_EQ(for_cas[0]->code, "1C350.b.22");
  c.AddChemical({.cas = "111-48-8", .name = "Thiodiglycol", .schedules = {"CWC Schedule 2B13"}});
  c.AddChemical({.cas = "111-48-8",
                 .schedules = {"Australia Group precursor", "CWC Schedule 2B13"},
                 .sources = {"x.csv"}});
  ASSERT_EQ(c.chemicals().size(), 1u);
  EXPECT_EQ(c.FindChemical("111-48-8")->name, "Thiodiglycol");
  EXPECT_EQ(c.FindChemical("111-48-8")->schedules.size(), 2u);
  c.AddCrossReference({"3A225", "NSG Part 2 3.A.1", "equivalent", "test"});
  EXPECT_EQ(c.CrossReferencesOf("3a225").size(), 1u);
  EXPECT_EQ(ImportIssue({"f", "w", "m", "k"}).ToJson()["kind"], "k");
}

TEST(CatalogTest, LoadsEverythingQuickly) {
  REQUIRE_DATA();
  EXPECT_EQ(cat->list().id, "us_ccl");
  EXPECT_EQ(cat->list().version, "2026-07-23");
  EXPECT_EQ(cat->list().name, "US Commerce Control List (15 CFR 774 Supp. 1)");
  size_t tops = 0;
  for (const ControlEntry& e : cat->entries()) tops += e.parent.empty();
  EXPECT_EQ(tops, 637u);
  EXPECT_GT(cat->entries().size(), 4000u);
  EXPECT_GT(cat->chemicals().size(), 100u);
  EXPECT_GT(cat->hs_codes().size(), 6000u);
  EXPECT_GE(cat->cross_references().size(), 10u);
  // Parents come first.
  std::map<std::string, size_t> pos;
  for (size_t i = 0; i < cat->entries().size(); ++i) pos[cat->entries()[i].code] = i;
  for (const ControlEntry& e : cat->entries()) {
    if (!e.parent.empty()) {
      ASSERT_TRUE(pos.count(e.parent)) << e.code;
      EXPECT_LT(pos[e.parent], pos[e.code]) << e.code;
    }
  }
}

TEST(CatalogTest, LoadWithoutFullTextIsAnError) {
  fs::path dir = fs::temp_directory_path() / "stm_catalog_empty_data";
  fs::create_directories(dir);
  auto r = LoadCatalog({dir, ""});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(r.status().message().find("ccl_eccn_full_text"), std::string::npos);
}

TEST(HsTest, LookupWithDotsAndHierarchy) {
  REQUIRE_DATA();
  const HsCode* h = cat->FindHs("8504.40");
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->code, "850440");
  EXPECT_EQ(h->parent, "8504");
  EXPECT_EQ(h->level, 6);
  ASSERT_NE(cat->FindHs("85"), nullptr);
  EXPECT_EQ(cat->FindHs("85")->parent, "");
  EXPECT_EQ(cat->FindHs("8504")->level, 4);
  EXPECT_EQ(cat->FindHs("0199.99"), nullptr);
}

TEST(HsTest, CorrelationCodesExistAndHaveProvenance) {
  REQUIRE_DATA();
  std::ifstream in(ProjectData() / "hs_correlation.json");
  ASSERT_TRUE(in) << "data/hs_correlation.json missing";
  nlohmann::json j = nlohmann::json::parse(in);
  ASSERT_GE(j["records"].size(), 30u);
  for (const auto& r : j["records"]) {
    std::string hs = NormalizeHs(r["hs"].get<std::string>());
    EXPECT_NE(cat->FindHs(hs), nullptr) << hs;
    EXPECT_NE(cat->Find(r["entry"].get<std::string>()), nullptr) << r["entry"];
    EXPECT_FALSE(r["provenance"].get<std::string>().empty());
  }
  for (const ImportIssue& i : cat->issues()) {
    EXPECT_NE(i.source, "hs_correlation.json") << i.message;
    EXPECT_NE(i.source, "cross_references.json") << i.message;
  }
}

TEST(HsTest, EntriesForHsAndCas) {
  REQUIRE_DATA();
  auto conv = cat->EntriesForHs("8504.40");
  bool has_3a225 = false;
  for (const ControlEntry* e : conv) has_3a225 |= e->code == "3A225";
  EXPECT_TRUE(has_3a225);
  auto reactors = cat->EntriesForHs("841989");
  bool has_2b350a = false;
  for (const ControlEntry* e : reactors) has_2b350a |= e->code == "2B350.a";
  EXPECT_TRUE(has_2b350a);
  auto tdg = cat->EntriesForCas("111-48-8");
  std::vector<std::string> codes;
  for (const ControlEntry* e : tdg) codes.push_back(e->code);
  EXPECT_NE(std::find(codes.begin(), codes.end(), "1C350"), codes.end());
  EXPECT_NE(std::find(codes.begin(), codes.end(), "1C350.b.22"), codes.end());
  // Paragraphs naming a chemical take its HS code from the chemicals file.
  const ControlEntry* b22 = cat->Find("1C350.b.22");
  ASSERT_NE(b22, nullptr);
  EXPECT_NE(std::find(b22->hs_codes.begin(), b22->hs_codes.end(), "293070"), b22->hs_codes.end());
}

TEST(HsTest, CrossReferences) {
  REQUIRE_DATA();
  auto x = cat->CrossReferencesOf("3A225");
  ASSERT_FALSE(x.empty());
  bool nsg = false;
  for (const CrossReference* r : x) nsg |= r->to == "NSG Part 2 3.A.1" && !r->provenance.empty();
  EXPECT_TRUE(nsg);
}

TEST(HsTest, MalformedFilesAreErrors) {
  fs::path dir = fs::temp_directory_path() / "stm_catalog_hs_bad";
  fs::create_directories(dir);
  Catalog c;
  { std::ofstream(dir / "nocol.csv") << "section,hscode,description,level\nI,01,Animals,2\n"; }
  Status s = ImportHs(dir / "nocol.csv", c);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(s.message().find("parent"), std::string::npos);
  { std::ofstream(dir / "empty.csv") << ""; }
  EXPECT_EQ(ImportHs(dir / "empty.csv", c).code(), ErrorCode::kInvalidArgument);
  { std::ofstream(dir / "trunc.csv") << "section,hscode,description,parent,level\nI,01,\"Animals; li"; }
  EXPECT_EQ(ImportHs(dir / "trunc.csv", c).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(ImportHs(dir / "absent.csv", c).code(), ErrorCode::kNotFound);
  { std::ofstream(dir / "bad.json") << "{\"records\": [ {\"entry\": "; }
  EXPECT_EQ(ImportHsCorrelation(dir / "bad.json", c).code(), ErrorCode::kInvalidArgument);
  { std::ofstream(dir / "norec.json") << "{\"items\": []}"; }
  EXPECT_EQ(ImportCrossReferences(dir / "norec.json", c).code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace stm::catalog
