// Runs every test case of every transcribed record in data/criteria (the project's own data).
#include <gtest/gtest.h>

#include "classify/criteria.h"
#include "common/config.h"

namespace stm::classify {
namespace {

std::shared_ptr<const CriteriaSet> LoadProjectCriteria() {
  static std::shared_ptr<const CriteriaSet> set = [] {
    auto s = CriteriaSet::LoadDirectory(ResolveProjectDataDir(Config{}));
    EXPECT_TRUE(s.ok()) << s.status().message();
    return s.ok() ? *s : nullptr;
  }();
  return set;
}

TEST(CriteriaData, EveryRecordHasTestsAndTheyPass) {
  auto set = LoadProjectCriteria();
  ASSERT_TRUE(set);
  size_t tests = 0, failures = 0;
  for (const auto& r : set->records()) {
    EXPECT_FALSE(r.tests.empty()) << r.code << " (" << r.file << ") has no tests";
    tests += r.tests.size();
    for (const auto& f : RunTests(*set, r)) {
      ADD_FAILURE() << f;
      ++failures;
    }
  }
  std::cout << "[ criteria ] " << set->records().size() << " records, " << tests << " tests, " << failures
            << " failed\n";
  EXPECT_GE(set->records().size(), 80u);
}

TEST(CriteriaData, EveryLeafQuotesItsSource) {
  auto set = LoadProjectCriteria();
  ASSERT_TRUE(set);
  for (const auto& r : set->records()) {
    EXPECT_FALSE(r.title.empty()) << r.code;
    EXPECT_TRUE(r.source.contains("list") || r.source.contains("file")) << r.code << ": no provenance";
  }
}

// The acceptance case: a T700-class carbon fibre against 1C010.b (not: specific modulus too low)
// and 1C210.a (controlled: specific tensile strength >= 23.5e4 m).
TEST(CriteriaData, T700CarbonFibreAgainst1C010bAnd1C210) {
  auto set = LoadProjectCriteria();
  ASSERT_TRUE(set);
  auto item = ItemFromJson(nlohmann::json::parse(R"({"description": "T700 carbon fibre tow", "parameters": [
      {"name": "tensile modulus", "value": 230, "unit": "GPa"},
      {"name": "tensile strength", "value": 4.9, "unit": "GPa"},
      {"name": "density", "value": 1.80, "unit": "g/cm3"},
      {"name": "fibre material", "value": "carbon"}]})"));
  ASSERT_TRUE(item.ok());
  auto prepared = PreparedItem::Prepare(*item, set->registry());
  ASSERT_TRUE(prepared.ok()) << prepared.status().message();
  const CriteriaRecord* b = set->Find("1C010.b");
  const CriteriaRecord* a210 = set->Find("1C210.a");
  ASSERT_TRUE(b && a210);
  Evaluation eb = set->Evaluate(*b, *prepared);
  EXPECT_EQ(eb.verdict, Verdict::kNot) << eb.Explain();
  EXPECT_NE(eb.Explain().find("specific_modulus"), std::string::npos) << eb.Explain();
  Evaluation ea = set->Evaluate(*a210, *prepared);
  EXPECT_NE(ea.verdict, Verdict::kNot) << ea.Explain();
  std::cout << eb.Explain() << ea.Explain();
}

}  // namespace
}  // namespace stm::classify
