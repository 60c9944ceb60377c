#include "classify/classifier.h"

#include <gtest/gtest.h>

#include "test_data.h"

namespace stm::classify {
namespace {

using nlohmann::json;

// The project's transcribed criteria with an empty catalogue: what works on any checkout.
std::shared_ptr<const Classifier> CriteriaOnly() {
  static auto c = [] {
    auto s = CriteriaSet::LoadDirectory(stm::testing::ProjectDataDir());
    EXPECT_TRUE(s.ok()) << s.status().message();
    return std::make_shared<const Classifier>(std::make_shared<catalog::Catalog>(), *s, catalog::Synonyms());
  }();
  return c;
}

Classification ClassifyItem(const Classifier& c, json item, size_t limit = 10) {
  auto parsed = ItemFromJson(item);
  EXPECT_TRUE(parsed.ok()) << parsed.status().message();
  auto r = c.Classify(*parsed, limit);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : Classification{};
}

json Drive(double hz) {
  return {{"description", "variable frequency drive (inverter), three-phase"},
          {"parameters",
           {{{"name", "phases"}, {"value", 3}},
            {{"name", "power rating"}, {"value", 7.5}, {"unit", "kVA"}},
            {{"name", "max output frequency"}, {"value", hz}, {"unit", "Hz"}},
            {{"name", "frequency stability"}, {"value", 0.01}, {"unit", "%"}}}},
          {"answers", {{"usable_as_motor_drive", true}, {"nrc_licensing_authority", false}}}};
}

const Candidate* FindCode(const Classification& c, const std::string& code) {
  for (const auto& x : c.candidates) {
    if (x.code == code) return &x;
  }
  return nullptr;
}

TEST(Classifier, FrequencyChangerAboveAndBelow600Hz) {
  auto c = CriteriaOnly();
  auto above = ClassifyItem(*c, Drive(700));
  ASSERT_FALSE(above.candidates.empty());
  EXPECT_EQ(above.candidates.front().code, "3A225");
  EXPECT_EQ(above.candidates.front().verdict, Verdict::kControlled) << above.candidates.front().explanation;
  EXPECT_EQ(above.candidates.front().regime, "nsg2");
  EXPECT_NE(above.candidates.front().explanation.find("600 Hz"), std::string::npos);
  // Just below: 3A225 is "not" (and says why); the national entry catches it instead.
  auto below = ClassifyItem(*c, Drive(599));
  const Candidate* nsg = FindCode(below, "3A225");
  ASSERT_NE(nsg, nullptr);
  EXPECT_EQ(nsg->verdict, Verdict::kNot);
  EXPECT_NE(nsg->explanation.find("599 Hz"), std::string::npos) << nsg->explanation;
  ASSERT_FALSE(below.candidates.empty());
  EXPECT_EQ(below.candidates.front().verdict, Verdict::kControlled);
  EXPECT_EQ(below.candidates.front().regime, "national") << below.candidates.front().code;
}

TEST(Classifier, OrderingAndLimit) {
  auto c = CriteriaOnly();
  auto r = ClassifyItem(*c, Drive(599), 3);
  EXPECT_LE(r.candidates.size(), 3u);
  auto rank = [](Verdict v) { return v == Verdict::kControlled ? 0 : v == Verdict::kPossibly ? 1 : 2; };
  for (size_t i = 1; i < r.candidates.size(); ++i) {
    EXPECT_LE(rank(r.candidates[i - 1].verdict), rank(r.candidates[i].verdict));
  }
}

TEST(Classifier, MissingParametersLeaveQuestionsOpen) {
  auto c = CriteriaOnly();
  auto r = ClassifyItem(
      *c, {{"description", "frequency changer"},
           {"parameters", {{{"name", "max output frequency"}, {"value", 700}, {"unit", "Hz"}}}}});
  const Candidate* x = FindCode(r, "3A225");
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(x->verdict, Verdict::kPossibly);
  EXPECT_FALSE(x->missing_parameters.empty());
  EXPECT_FALSE(x->ToJson()["open_questions"].empty());
}

TEST(Classifier, ChemicalByCas) {
  auto c = CriteriaOnly();
  auto r = ClassifyItem(*c, {{"description", "thiodiglycol"},
                             {"cas", {"111-48-8"}},
                             {"parameters", {{{"name", "concentration"}, {"value", 98}, {"unit", "%"}}}}});
  ASSERT_FALSE(r.candidates.empty());
  EXPECT_TRUE(r.candidates.front().code.starts_with("1C350")) << r.candidates.front().code;
  EXPECT_EQ(r.candidates.front().verdict, Verdict::kControlled);
  auto ethanol =
      ClassifyItem(*c, {{"description", "ethanol"},
                        {"cas", {"64-17-5"}},
                        {"parameters", {{{"name", "concentration"}, {"value", 96}, {"unit", "%"}}}}});
  for (const auto& x : ethanol.candidates) EXPECT_NE(x.verdict, Verdict::kControlled) << x.code;
}

TEST(Classifier, BadInputIsAClearError) {
  auto c = CriteriaOnly();
  auto item =
      ItemFromJson({{"parameters", {{{"name", "max output frequency"}, {"value", 5}, {"unit", "kg"}}}}});
  ASSERT_TRUE(item.ok());
  auto r = c->Classify(*item);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("'kg'"), std::string::npos);
  auto unknown = ClassifyItem(*c, {{"parameters", {{{"name", "colour of the box"}, {"value", "red"}}}}});
  EXPECT_EQ(unknown.unknown_parameters, std::vector<std::string>{"colour of the box"});
}

// With the shared data: the catalogue, CAS numbers and full-text retrieval take part too.
TEST(Classifier, FullCatalogueTextAndCas) {
  std::string data = stm::testing::SharedDataDir("controls");
  if (data.empty()) GTEST_SKIP() << "shared/data not found (set STM_DATA_DIR)";
  auto c = Classifier::Load({data, stm::testing::ProjectDataDir()});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_GT((*c)->catalog().entries().size(), 4000u);
  std::cout << "[ classify ] catalogue loaded in " << (*c)->load_seconds() << " s\n";
  // "VFD" only through the synonyms.
  auto vfd = ClassifyItem(**c, {{"description", "VFD"}});
  ASSERT_FALSE(vfd.candidates.empty());
  EXPECT_EQ(vfd.candidates.front().code.substr(0, 5), "3A225");
  // "glass-lined reaction vessel" finds 2B350.a.
  auto vessel = ClassifyItem(**c, {{"description", "glass-lined reaction vessel, 500 L"},
                                   {"parameters", {{{"name", "volume"}, {"value", 500}, {"unit", "L"}}}}});
  ASSERT_FALSE(vessel.candidates.empty());
  EXPECT_EQ(vessel.candidates.front().code, "2B350.a");
  // An entry without transcribed criteria still takes part through text retrieval.
  auto text = ClassifyItem(**c, {{"description", "bulletproof vest body armor"}});
  ASSERT_FALSE(text.candidates.empty());
  EXPECT_EQ(text.candidates.front().verdict, Verdict::kPossibly);
  EXPECT_NE(std::find(text.candidates.front().sources.begin(), text.candidates.front().sources.end(), "text"),
            text.candidates.front().sources.end());
}

}  // namespace
}  // namespace stm::classify
