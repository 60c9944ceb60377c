#include "catalog/import_chemicals.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "catalog/import_ccl.h"
#include "test_data.h"

namespace stm::catalog {
namespace {

namespace fs = std::filesystem;

std::string DataDir() { return stm::testing::SharedDataDir("controls"); }

const Catalog* Loaded() {
  static const std::optional<Catalog> catalog = []() -> std::optional<Catalog> {
    if (DataDir().empty()) return std::nullopt;
    auto r = LoadCatalog({DataDir(), ""});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return std::nullopt;
    return std::move(r).value();
  }();
  return catalog ? &*catalog : nullptr;
}

const ImportIssue* FindIssue(const Catalog& c, std::string_view kind, std::string_view where_prefix) {
  for (const ImportIssue& i : c.issues()) {
    if (i.kind == kind && i.where.starts_with(where_prefix)) return &i;
  }
  return nullptr;
}

#define REQUIRE_DATA()           \
  const Catalog* cat = Loaded(); \
  if (!cat) GTEST_SKIP() << "shared/data not found (set STM_DATA_DIR)"

TEST(ChemicalImportTest, KnownBadRowsReportedAndNotImported) {
  REQUIRE_DATA();
  // Potassium bifluoride printed with potassium fluoride's CAS number; the CCL gives 7789-29-9.
  const ImportIssue* kbf = FindIssue(*cat, "bad_cas", "1D015");
  ASSERT_NE(kbf, nullptr);
  EXPECT_NE(kbf->message.find("7789-29-9"), std::string::npos);
  const Chemical* kf = cat->FindChemical("7789-23-3");
  ASSERT_NE(kf, nullptr);  // potassium fluoride itself is listed (1D017, CCL 1C350.d)
  for (const std::string& s : kf->schedules) EXPECT_NE(s, "SCOMET 1D015");
  // "13422700-45-1" printed as 3422700-45-1: malformed, not imported.
  ASSERT_NE(FindIssue(*cat, "bad_cas", "1D049"), nullptr);
  EXPECT_EQ(cat->FindChemical("3422700-45-1"), nullptr);
  // 1B019 has no CAS number.
  ASSERT_NE(FindIssue(*cat, "chem_no_cas", "1B019"), nullptr);
  // 1B039 is a mixture naming several CAS numbers.
  ASSERT_NE(FindIssue(*cat, "chem_multiple_cas", "1B039"), nullptr);
  for (const Chemical& c : cat->chemicals()) EXPECT_TRUE(ValidCas(c.cas)) << c.cas;
}

TEST(ChemicalImportTest, SchedulesEntriesAndHs) {
  REQUIRE_DATA();
  const Chemical* tdg = cat->FindChemical("111-48-8");
  ASSERT_NE(tdg, nullptr);
  auto has = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  EXPECT_TRUE(has(tdg->schedules, "CWC Schedule 2B13")) << ::testing::PrintToString(tdg->schedules);
  EXPECT_TRUE(has(tdg->schedules, "Australia Group precursor"));
  EXPECT_TRUE(has(tdg->schedules, "CWC Schedule 2"));
  EXPECT_TRUE(has(tdg->entries, "1C350"));
  EXPECT_TRUE(has(tdg->hs_codes, "293070"));
  EXPECT_TRUE(has(tdg->sources, std::string(kScometFile)));
  EXPECT_TRUE(has(tdg->sources, std::string(kChemcrowFile)));
  const Chemical* dmmp = cat->FindChemical("756-79-6");
  ASSERT_NE(dmmp, nullptr);
  EXPECT_TRUE(has(dmmp->schedules, "CWC Schedule 2B04"));
  // Chemicals the CCL names are in the catalogue too, linked to their ECCN.
  const Chemical* khf2 = cat->FindChemical("7789-29-9");
  ASSERT_NE(khf2, nullptr);
  EXPECT_TRUE(has(khf2->entries, "1C350"));
}

TEST(ChemicalImportTest, MalformedFiles) {
  fs::path dir = fs::temp_directory_path() / "stm_chem_bad";
  fs::create_directories(dir);
  Catalog c;
  {
    std::ofstream(dir / "nocas.csv")
        << "scomet_entry,scomet_subcategory,chemical_name,cwc_schedule_ref,itc_hs,raw_row\n";
  }
  Status s = ImportScometChemicals(dir / "nocas.csv", c);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(s.message().find("\"cas\""), std::string::npos) << s.message();
  { std::ofstream(dir / "empty.csv") << ""; }
  EXPECT_EQ(ImportScometChemicals(dir / "empty.csv", c).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(ImportChemcrowChemicals(dir / "empty.csv", c).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(ImportChemcrowChemicals(dir / "absent.csv", c).code(), ErrorCode::kNotFound);
  {
    std::ofstream(dir / "rows.csv") << "\xEF\xBB\xBF"
                                       "CAS No.,Source\n(111-48-8),australia group\n(111-07-3),OPCW "
                                       "schedule 2\n(676-99-3),OPCW schedule 9\n(1-2\n";
  }
  ASSERT_TRUE(ImportChemcrowChemicals(dir / "rows.csv", c).ok());
  ASSERT_EQ(c.chemicals().size(), 2u);
  EXPECT_EQ(c.FindChemical("111-48-8")->schedules, (std::vector<std::string>{"Australia Group precursor"}));
  int bad = 0;
  int short_rows = 0;
  for (const ImportIssue& i : c.issues()) {
    bad += i.kind == "bad_cas";
    short_rows += i.kind == "chem_bad_row";
  }
  EXPECT_EQ(bad, 1);         // 111-07-3
  EXPECT_EQ(short_rows, 1);  // the truncated last row
}

}  // namespace
}  // namespace stm::catalog
