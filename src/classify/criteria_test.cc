#include "classify/criteria.h"

#include <gtest/gtest.h>

namespace stm::classify {
namespace {

using nlohmann::json;

const json kParams = json::parse(R"({"parameters": {
  "output_frequency": {"unit": "Hz", "synonyms": ["frequency"]},
  "output_power": {"unit": "VA", "synonyms": ["power"]},
  "phase_count": {"type": "number", "synonyms": ["phases"]},
  "tensile_modulus": {"unit": "GPa", "synonyms": ["modulus"]},
  "tensile_strength": {"unit": "MPa", "synonyms": ["strength"]},
  "density": {"unit": "g/cm3"},
  "specific_modulus": {"unit": "m"},
  "specific_tensile_strength": {"unit": "m"},
  "material": {"type": "enum", "values": ["nickel", "glass"]},
  "multiphase_output": {"type": "bool"}
}})");

json Pred(const char* param, const char* op, double v, const char* unit) {
  return {{"param", param}, {"op", op}, {"value", v}, {"unit", unit}, {"src", std::string(param) + " " + op}};
}

std::shared_ptr<const CriteriaSet> Load(json entries) {
  auto set = CriteriaSet::FromJson(kParams, {{"t.json", json{{"entries", std::move(entries)}}}});
  EXPECT_TRUE(set.ok()) << set.status().message();
  return set.ok() ? *set : nullptr;
}

Evaluation Eval(const CriteriaSet& set, const char* code, json item) {
  auto parsed = ItemFromJson(item);
  EXPECT_TRUE(parsed.ok()) << parsed.status().message();
  auto prepared = PreparedItem::Prepare(*parsed, set.registry());
  EXPECT_TRUE(prepared.ok()) << prepared.status().message();
  return set.Evaluate(*set.Find(code), *prepared);
}

json Freq(double v, const char* unit) { return {{"name", "frequency"}, {"value", v}, {"unit", unit}}; }

TEST(Criteria, ThreeValuedAllAnyNot) {
  auto set = Load(json::array({
      {{"code", "A"},
       {"regime", "nsg2"},
       {"criteria",
        {{"all", {Pred("output_frequency", ">=", 600, "Hz"), Pred("output_power", ">=", 40, "VA")}}}}},
      {{"code", "B"},
       {"regime", "nsg2"},
       {"criteria",
        {{"any", {Pred("output_frequency", ">=", 600, "Hz"), Pred("output_power", ">=", 40, "VA")}}}}},
      {{"code", "C"}, {"regime", "nsg2"}, {"criteria", {{"not", Pred("output_frequency", ">", 600, "Hz")}}}},
  }));
  ASSERT_TRUE(set);
  EXPECT_EQ(Eval(*set, "A",
                 {{"parameters", {Freq(0.6, "kHz"), {{"name", "power"}, {"value", 40}, {"unit", "VA"}}}}})
                .verdict,
            Verdict::kControlled);
  EXPECT_EQ(Eval(*set, "A", {{"parameters", {Freq(599, "Hz")}}}).verdict,
            Verdict::kNot);  // false beats unknown
  auto unknown = Eval(*set, "A", {{"parameters", {Freq(700, "Hz")}}});
  EXPECT_EQ(unknown.verdict, Verdict::kPossibly);
  EXPECT_EQ(unknown.missing_parameters, std::vector<std::string>{"output_power"});
  EXPECT_EQ(Eval(*set, "B", {{"parameters", {Freq(700, "Hz")}}}).verdict,
            Verdict::kControlled);  // true beats unknown
  EXPECT_EQ(Eval(*set, "B", {{"parameters", {Freq(500, "Hz")}}}).verdict, Verdict::kPossibly);
  EXPECT_EQ(Eval(*set, "C", {{"parameters", {Freq(600, "Hz")}}}).verdict, Verdict::kControlled);
  EXPECT_EQ(Eval(*set, "C", {{"parameters", {Freq(600.001, "Hz")}}}).verdict, Verdict::kNot);
  EXPECT_EQ(Eval(*set, "C", json::object()).verdict, Verdict::kPossibly);
}

TEST(Criteria, InclusiveAndExclusiveThresholds) {
  auto set = Load(json::array({
      {{"code", "GE"}, {"regime", "nsg2"}, {"criteria", Pred("output_frequency", ">=", 600, "Hz")}},
      {{"code", "GT"}, {"regime", "nsg2"}, {"criteria", Pred("output_frequency", ">", 600, "Hz")}},
      {{"code", "LT"}, {"regime", "nsg2"}, {"criteria", Pred("output_frequency", "<", 0.6, "kHz")}},
      {{"code", "R"},
       {"regime", "nsg2"},
       {"criteria",
        {{"param", "output_frequency"},
         {"op", "between"},
         {"min", 1},
         {"max", 2},
         {"max_inclusive", false},
         {"unit", "kHz"},
         {"src", "1 to 2 kHz"}}}},
  }));
  ASSERT_TRUE(set);
  EXPECT_EQ(Eval(*set, "GE", {{"parameters", {Freq(600, "Hz")}}}).verdict, Verdict::kControlled);
  EXPECT_EQ(Eval(*set, "GT", {{"parameters", {Freq(0.6, "kHz")}}}).verdict, Verdict::kNot);
  EXPECT_EQ(Eval(*set, "LT", {{"parameters", {Freq(599.9, "Hz")}}}).verdict, Verdict::kControlled);
  EXPECT_EQ(Eval(*set, "R", {{"parameters", {Freq(1000, "Hz")}}}).verdict, Verdict::kControlled);
  EXPECT_EQ(Eval(*set, "R", {{"parameters", {Freq(2000, "Hz")}}}).verdict, Verdict::kNot);
  EXPECT_EQ(Eval(*set, "R", {{"parameters", {Freq(999, "Hz")}}}).verdict, Verdict::kNot);
}

TEST(Criteria, DerivedSpecificModulusExplained) {
  // 1C010.b thresholds with a T700-class fibre: specific modulus 13.03e6 m misses 14.65e6 m.
  auto set = Load(json::array({{{"code", "F"},
                                {"regime", "wa_du"},
                                {"criteria",
                                 {{"all",
                                   {Pred("specific_modulus", ">", 14.65e6, "m"),
                                    Pred("specific_tensile_strength", ">", 26.82e4, "m")}}}}}}));
  ASSERT_TRUE(set);
  json t700 = {{"parameters",
                {{{"name", "modulus"}, {"value", 230}, {"unit", "GPa"}},
                 {{"name", "strength"}, {"value", 4.9}, {"unit", "GPa"}},
                 {{"name", "density"}, {"value", 1.8}, {"unit", "g/cm3"}}}}};
  auto ev = Eval(*set, "F", t700);
  EXPECT_EQ(ev.verdict, Verdict::kNot);
  EXPECT_NE(ev.decided_by.find("specific_modulus"), std::string::npos) << ev.decided_by;
  EXPECT_EQ(ev.criteria.children[1].truth, Truth::kTrue);  // 27.76e4 m > 26.82e4 m
}

TEST(Criteria, DecontrolReleasesAndUnknownDecontrolIsAQuestion) {
  json rec = {{"code", "D"},
              {"regime", "wa_du"},
              {"criteria", Pred("output_frequency", ">=", 600, "Hz")},
              {"decontrols",
               {{{"src", "Note: does not control nickel ones"},
                 {"expr", {{"param", "material"}, {"op", "in"}, {"set", {"nickel"}}, {"src", "nickel"}}}}}}};
  auto set = Load(json::array({rec}));
  ASSERT_TRUE(set);
  EXPECT_EQ(
      Eval(*set, "D", {{"parameters", {Freq(700, "Hz"), {{"name", "material"}, {"value", "Nickel alloy"}}}}})
          .verdict,
      Verdict::kNot);
  auto open = Eval(*set, "D", {{"parameters", {Freq(700, "Hz")}}});
  EXPECT_EQ(open.verdict, Verdict::kControlled);
  ASSERT_EQ(open.open_questions.size(), 1u);
  EXPECT_NE(open.open_questions[0].question.find("does not control nickel"), std::string::npos);
}

TEST(Criteria, AskRefKindAndCas) {
  auto set = Load(json::array({
      {{"code", "K"},
       {"regime", "nsg2"},
       {"kinds", {"frequency changer", "inverter"}},
       {"criteria",
        {{"all",
          {{{"kind", true}, {"src", "Frequency changers"}},
           {{"ask", "nuc"}, {"question", "For nuclear use?"}, {"src", "specially designed"}}}}}}},
      {{"code", "O"},
       {"regime", "national"},
       {"criteria",
        {{"all",
          {{{"not", {{"ref", "K"}, {"src", "other than K"}}}}, Pred("output_frequency", ">=", 100, "Hz")}}}}},
      {{"code", "X"}, {"regime", "ag"}, {"criteria", {{"cas", {"7664-39-3"}}, {"src", "hydrogen fluoride"}}}},
  }));
  ASSERT_TRUE(set);
  auto open = Eval(*set, "K", {{"description", "3-phase Inverters for spindles"}});
  EXPECT_EQ(open.verdict, Verdict::kPossibly);
  ASSERT_EQ(open.open_questions.size(), 1u);
  EXPECT_EQ(open.open_questions[0].id, "nuc");
  EXPECT_TRUE(open.kind_matched);
  EXPECT_EQ(Eval(*set, "K", {{"description", "inverter"}, {"answers", {{"nuc", true}}}}).verdict,
            Verdict::kControlled);
  EXPECT_EQ(Eval(*set, "K", {{"description", "pump"}, {"answers", {{"nuc", true}}}}).verdict,
            Verdict::kPossibly);
  // "other than K": evaluated through K.
  EXPECT_EQ(
      Eval(*set, "O",
           {{"description", "inverter"}, {"answers", {{"nuc", true}}}, {"parameters", {Freq(700, "Hz")}}})
          .verdict,
      Verdict::kNot);
  EXPECT_EQ(
      Eval(*set, "O",
           {{"description", "inverter"}, {"answers", {{"nuc", false}}}, {"parameters", {Freq(700, "Hz")}}})
          .verdict,
      Verdict::kControlled);
  EXPECT_EQ(Eval(*set, "O", {{"answers", {{"ref:K", false}}}, {"parameters", {Freq(700, "Hz")}}}).verdict,
            Verdict::kControlled);
  EXPECT_EQ(Eval(*set, "X", {{"cas", {"7664-39-3"}}}).verdict, Verdict::kControlled);
  EXPECT_EQ(Eval(*set, "X", {{"cas", {"64-17-5"}}}).verdict, Verdict::kNot);
  EXPECT_EQ(Eval(*set, "X", json::object()).verdict, Verdict::kPossibly);
}

TEST(Criteria, RefCyclesAreBounded) {
  auto set = Load(json::array({
      {{"code", "P"}, {"regime", "nsg2"}, {"criteria", {{"ref", "Q"}, {"src", "as in Q"}}}},
      {{"code", "Q"}, {"regime", "nsg2"}, {"criteria", {{"ref", "P"}, {"src", "as in P"}}}},
  }));
  ASSERT_TRUE(set);
  EXPECT_EQ(Eval(*set, "P", json::object()).verdict, Verdict::kPossibly);
}

TEST(Criteria, LoadErrorsNameFileRecordAndField) {
  auto expect_error = [](json entry, const char* needle) {
    auto set = CriteriaSet::FromJson(kParams, {{"bad.json", json{{"entries", json::array({entry})}}}});
    ASSERT_FALSE(set.ok()) << entry.dump();
    EXPECT_NE(set.status().message().find(needle), std::string::npos) << set.status().message();
    EXPECT_NE(set.status().message().find("bad.json"), std::string::npos);
  };
  expect_error({{"code", "Z"}, {"regime", "nsg2"}, {"criteria", Pred("no_such_param", ">", 1, "Hz")}},
               "unknown parameter 'no_such_param'");
  expect_error({{"code", "Z"}, {"regime", "nsg2"}, {"criteria", Pred("output_frequency", ">", 1, "kg")}},
               "unit 'kg'");
  expect_error({{"code", "Z"}, {"regime", "nsg2"}, {"criteria", Pred("output_frequency", "~", 1, "Hz")}},
               "unknown op");
  expect_error({{"code", "Z"},
                {"regime", "nsg2"},
                {"criteria", {{"param", "output_frequency"}, {"op", ">"}, {"value", 1}, {"unit", "Hz"}}}},
               "src");
  expect_error({{"code", "Z"}, {"regime", "moon"}, {"criteria", Pred("output_frequency", ">", 1, "Hz")}},
               "regime");
  expect_error({{"code", "Z"}, {"regime", "nsg2"}}, "criteria");
  expect_error({{"code", "Z"}, {"regime", "nsg2"}, {"criteria", {{"all", json::array()}}}}, "non-empty");
  expect_error({{"regime", "nsg2"}, {"criteria", Pred("output_frequency", ">", 1, "Hz")}}, "code");
  // Duplicate codes across files.
  json rec = {{"code", "Z"}, {"regime", "nsg2"}, {"criteria", Pred("output_frequency", ">", 1, "Hz")}};
  auto dup = CriteriaSet::FromJson(
      kParams, {{"a.json", json{{"entries", {rec}}}}, {"b.json", json{{"entries", {rec}}}}});
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.status().message().find("duplicate"), std::string::npos);
  // A redeclared parameter must keep its dimension.
  auto clash = CriteriaSet::FromJson(
      kParams,
      {{"c.json", json{{"parameters", {{"density", {{"unit", "kg"}}}}}, {"entries", json::array()}}}});
  ASSERT_FALSE(clash.ok());
  EXPECT_NE(clash.status().message().find("density"), std::string::npos);
}

TEST(Criteria, ItemErrorsAreClear) {
  auto set = Load(json::array(
      {{{"code", "A"}, {"regime", "nsg2"}, {"criteria", Pred("output_frequency", ">=", 600, "Hz")}}}));
  ASSERT_TRUE(set);
  auto wrong_unit =
      PreparedItem::Prepare(*ItemFromJson({{"parameters", {Freq(600, "kg")}}}), set->registry());
  ASSERT_FALSE(wrong_unit.ok());
  EXPECT_NE(wrong_unit.status().message().find("'kg'"), std::string::npos);
  EXPECT_NE(wrong_unit.status().message().find("'Hz'"), std::string::npos);
  EXPECT_FALSE(
      PreparedItem::Prepare(*ItemFromJson({{"parameters", {Freq(600, "bogus")}}}), set->registry()).ok());
  EXPECT_FALSE(PreparedItem::Prepare(*ItemFromJson({{"parameters", {Freq(600, "")}}}), set->registry()).ok());
  EXPECT_FALSE(ItemFromJson({{"parameters", {{{"name", "x"}, {"value", json::array()}}}}}).ok());
  EXPECT_FALSE(ItemFromJson({{"parameters", "x"}}).ok());
  EXPECT_FALSE(ItemFromJson({{"cas", 5}}).ok());
  EXPECT_FALSE(ItemFromJson({{"answers", {{"q", "yes"}}}}).ok());
  EXPECT_FALSE(ItemFromJson(json::array()).ok());
}

}  // namespace
}  // namespace stm::classify
