#include "policy/determination.h"

#include <gtest/gtest.h>

namespace stm::policy {
namespace {

using Json = nlohmann::json;

// A small, self-contained policy data set (the shipped one is tested in policy_data_test.cc).
PolicyData TestData() {
  Json source = {{"title", "test"}, {"url", "https://example.org"}, {"retrieved", "2026-11-01"}};
  Json groups = {{"groups",
                  {{{"id", "nsg"},
                    {"name", "Nuclear Suppliers Group"},
                    {"as_of", "2026-01-01"},
                    {"source", source},
                    {"members", {"FR", "DE", "US"}}},
                   {{"id", "npt_parties"},
                    {"name", "NPT parties"},
                    {"as_of", "2026-01-01"},
                    {"source", source},
                    {"members", {"FR", "DE", "US", "BR", "IR"}}},
                   {{"id", "npt_nuclear_weapon_states"},
                    {"name", "NPT nuclear-weapon states"},
                    {"as_of", "2026-01-01"},
                    {"source", source},
                    {"members", {"FR", "US"}}},
                   {{"id", "csa_in_force"},
                    {"name", "CSA in force"},
                    {"as_of", "2026-01-01"},
                    {"source", source},
                    {"members", {"DE", "BR"}}},
                   {{"id", "mtcr"},
                    {"name", "MTCR"},
                    {"as_of", "2026-01-01"},
                    {"source", source},
                    {"members", {"FR", "DE", "US", "BR"}}},
                   {{"id", "wassenaar"},
                    {"name", "Wassenaar Arrangement"},
                    {"as_of", "2026-01-01"},
                    {"source", source},
                    {"members", {"FR", "DE", "US"}}},
                   {{"id", "cwc_states_parties"},
                    {"name", "CWC states parties"},
                    {"as_of", "2026-01-01"},
                    {"source", source},
                    {"members", {"FR", "DE", "US", "BR", "IR"}}}}}};
  Json sanctions = {
      {"regimes",
       {{{"id", "1718_dprk"},
         {"name", "Democratic People's Republic of Korea"},
         {"committee", "1718 Committee"},
         {"scope", {{"countries", {"KP"}}}},
         {"measures",
          {{{"type", "arms_embargo"},
            {"direction", "both"},
            {"resolutions", {{{"number", "1718"}, {"year", 2006}, {"paragraphs", "8(a)(i)"}}}}},
           {{"type", "wmd_items_ban"},
            {"direction", "both"},
            {"items",
             {{"regime_lists", {"nsg1", "nsg2", "mtcr", "cwc", "ag"}},
              {"documents", {"S/2006/814", "S/2006/815"}}}},
            {"resolutions", {{{"number", "1718"}, {"year", 2006}, {"paragraphs", "8(a)(ii)"}}}}}}},
         {"source", source}},
        {{"id", "old"},
         {"name", "Old regime"},
         {"status", "terminated"},
         {"scope", {{"countries", {"BR"}}}},
         {"measures", {{{"type", "arms_embargo"}}}},
         {"source", source}}}},
      {"national_measures",
       {{{"id", "eu_ru"},
         {"name", "EU Russia"},
         {"authority", "EU"},
         {"scope", {{"countries", {"RU"}}}},
         {"measures", {{{"type", "sectoral_ban"}, {"items", {{"regime_lists", {"wa_du", "nsg2"}}}}}}},
         {"source", source}}}}};
  Json catch_all = {{"threshold", 2},
                    {"flags",
                     {{{"id", "reluctant_end_use"},
                       {"question", "Reluctant to give end-use information?"},
                       {"weight", 1},
                       {"severity", "medium"},
                       {"sources", {{{"title", "BIS red flags"}}}}},
                      {{"id", "odd_route"},
                       {"question", "Unusual shipping route?"},
                       {"weight", 1},
                       {"severity", "medium"},
                       {"sources", {{{"title", "WCO STCE"}}}}},
                      {{"id", "wmd_link"},
                       {"question", "End user tied to a WMD programme?"},
                       {"weight", 3},
                       {"severity", "high"},
                       {"sources", {{{"title", "AG"}}}}}}}};
  auto data = PolicyData::FromJson(groups, sanctions, catch_all);
  EXPECT_TRUE(data.ok()) << data.status().ToString();
  return std::move(data).value();
}

DeterminationOptions Options() {
  DeterminationOptions o;
  o.regimes_of = [](std::string_view code) -> std::vector<std::string> {
    if (code.rfind("ML", 0) == 0) return {"wa_ml"};
    if (code.size() >= 3 && code[2] == '2') return {"nsg2"};
    if (code.size() >= 3 && code[0] == '0' && code[2] == '0') return {"nsg1"};
    if (code.size() >= 3 && code[2] == '1') return {"mtcr"};
    if (code.size() >= 3 && code[2] == '4') return {"cwc"};
    if (code.size() >= 3 && code[2] == '0') return {"wa_du"};
    return {};
  };
  return o;
}

DeterminationInput Input(std::string destination, std::vector<std::string> codes) {
  DeterminationInput in;
  in.destination = std::move(destination);
  in.items.push_back({"goods[1]", std::move(codes), ""});
  return in;
}

bool HasReason(const std::vector<Reason>& reasons, const std::string& code) {
  for (const auto& r : reasons) {
    if (r.code == code) return true;
  }
  return false;
}

TEST(Determination, NsgPart2ItemToDprkIsProhibitedCitingTheResolution) {
  PolicyData data = TestData();
  auto d = Determine(data, Options(), Input("KP", {"3A225"}));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->policy, Policy::kProhibited);
  EXPECT_TRUE(d->licence_required);
  ASSERT_EQ(d->items.size(), 1u);
  EXPECT_EQ(d->items[0].regimes, std::vector<std::string>{"nsg2"});
  const Reason* ban = nullptr;
  for (const auto& r : d->items[0].reasons) {
    if (r.code == "sanctions_item_ban") ban = &r;
  }
  ASSERT_NE(ban, nullptr);
  EXPECT_NE(ban->text.find("NSG Part 2"), std::string::npos) << ban->text;
  ASSERT_FALSE(ban->citations.empty());
  EXPECT_EQ(ban->citations[0], "UN Security Council resolution 1718 (2006), paragraph 8(a)(ii)");
  EXPECT_EQ(d->regimes, std::vector<std::string>{"1718_dprk"});
  EXPECT_EQ(ToJson(*d)["policy"], "prohibited");
}

TEST(Determination, SameItemToAnNsgParticipantNeedsAnIndividualLicenceWithNormalPolicy) {
  PolicyData data = TestData();
  for (const char* dest : {"DE", "FR"}) {
    auto d = Determine(data, Options(), Input(dest, {"3A225"}));
    ASSERT_TRUE(d.ok());
    EXPECT_TRUE(d->licence_required) << dest;
    EXPECT_EQ(d->licence_type, "individual export licence") << dest;
    EXPECT_EQ(d->policy, Policy::kNormal) << dest;
    EXPECT_TRUE(HasReason(d->items[0].reasons, "regime_participant")) << dest;
    EXPECT_TRUE(d->regimes.empty());
  }
}

TEST(Determination, NuclearItemsAndSafeguards) {
  PolicyData data = TestData();
  // A trigger-list item to an NPT party without safeguards in force: presumption of denial.
  auto ir = Determine(data, Options(), Input("IR", {"0B001"}));
  ASSERT_TRUE(ir.ok());
  EXPECT_EQ(ir->policy, Policy::kPresumptionOfDenial);
  EXPECT_TRUE(HasReason(ir->items[0].reasons, "no_full_scope_safeguards"));
  // A non-participant with safeguards: case by case.
  auto br = Determine(data, Options(), Input("BR", {"0B001"}));
  EXPECT_EQ(br->policy, Policy::kCaseByCase);
  // A nuclear-weapon state participant needs no full-scope safeguards.
  auto fr = Determine(data, Options(), Input("FR", {"0B001"}));
  EXPECT_EQ(fr->policy, Policy::kNormal);
  // Outside the NPT: NSG Part 2 is case by case with the reason.
  auto in = Determine(data, Options(), Input("IN", {"2B230"}));
  EXPECT_EQ(in->policy, Policy::kCaseByCase);
  EXPECT_TRUE(HasReason(in->items[0].reasons, "no_full_scope_safeguards"));
}

TEST(Determination, ArmsEmbargoAndCwcNonParties) {
  PolicyData data = TestData();
  auto ml = Determine(data, Options(), Input("KP", {"ML10"}));
  EXPECT_EQ(ml->policy, Policy::kProhibited);
  EXPECT_TRUE(HasReason(ml->items[0].reasons, "arms_embargo"));
  auto cwc = Determine(data, Options(), Input("IL", {"1C450"}));
  EXPECT_EQ(cwc->policy, Policy::kPresumptionOfDenial);
  EXPECT_TRUE(HasReason(cwc->items[0].reasons, "cwc_non_state_party"));
  // A terminated regime no longer applies.
  auto br = Determine(data, Options(), Input("BR", {"ML10"}));
  EXPECT_EQ(br->policy, Policy::kCaseByCase);
  EXPECT_TRUE(br->regimes.empty());
}

TEST(Determination, NationalMeasuresApplyOnlyWhenEnabled) {
  PolicyData data = TestData();
  auto un_only = Determine(data, Options(), Input("RU", {"1C010"}));
  EXPECT_EQ(un_only->policy, Policy::kCaseByCase);
  DeterminationOptions eu = Options();
  eu.national_authorities = {"EU"};
  auto with_eu = Determine(data, eu, Input("RU", {"1C010"}));
  EXPECT_EQ(with_eu->policy, Policy::kProhibited);
  EXPECT_EQ(with_eu->regimes, std::vector<std::string>{"eu_ru"});
}

TEST(Determination, UnlistedItemsAndCatchAll) {
  PolicyData data = TestData();
  auto plain = Determine(data, Options(), Input("DE", {"not listed"}));
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->licence_required);
  EXPECT_EQ(plain->policy, Policy::kNoLicenceRequired);
  EXPECT_FALSE(plain->catch_all.raised);
  // One medium flag stays below the threshold; two raise catch-all.
  DeterminationInput one = Input("DE", {});
  one.red_flags = {"odd_route"};
  auto below = Determine(data, Options(), one);
  EXPECT_FALSE(below->catch_all.raised);
  EXPECT_FALSE(below->licence_required);
  EXPECT_TRUE(HasReason(below->catch_all.reasons, "below_threshold"));
  DeterminationInput two = Input("DE", {"not listed"});
  two.red_flags = {"odd_route", "reluctant_end_use"};
  auto raised = Determine(data, Options(), two);
  EXPECT_TRUE(raised->catch_all.raised);
  EXPECT_EQ(raised->catch_all.score, 2);
  EXPECT_TRUE(raised->licence_required);
  EXPECT_EQ(raised->licence_type, "individual export licence (catch-all)");
  EXPECT_EQ(raised->policy, Policy::kCaseByCase);
  EXPECT_EQ(raised->catch_all.reasons.size(), 2u);
  // Declarations raise it alone; towards a UN-sanctioned destination it is a presumption of denial.
  DeterminationInput aware = Input("KP", {});
  aware.aware_wmd = true;
  auto kp = Determine(data, Options(), aware);
  EXPECT_EQ(kp->policy, Policy::kPresumptionOfDenial);
  DeterminationInput unknown = Input("DE", {});
  unknown.red_flags = {"nope"};
  EXPECT_EQ(Determine(data, Options(), unknown).status().code(), ErrorCode::kInvalidArgument);
}

TEST(Determination, TheMostRestrictiveItemDecides) {
  PolicyData data = TestData();
  DeterminationInput in = Input("KP", {"not listed"});
  in.items.push_back({"goods[2]", {"3A225"}, ""});
  auto d = Determine(data, Options(), in);
  EXPECT_EQ(d->items[0].policy, Policy::kNoLicenceRequired);
  EXPECT_EQ(d->items[1].policy, Policy::kProhibited);
  EXPECT_EQ(d->policy, Policy::kProhibited);
}

TEST(Determination, InputFromJsonNamesTheField) {
  auto ok = DeterminationInputFromJson(
      {{"id", "t1"}, {"destination", "kp"}, {"items", {{{"id", "a"}, {"control_codes", {"3A225"}}}}}});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->destination, "KP");
  auto expect_error = [](const Json& j, const std::string& fragment) {
    auto r = DeterminationInputFromJson(j);
    ASSERT_FALSE(r.ok()) << j.dump();
    EXPECT_NE(r.status().message().find(fragment), std::string::npos) << r.status().message();
  };
  expect_error({{"items", {{{"control_codes", {"3A225"}}}}}}, "destination");
  expect_error({{"destination", "DE"}}, "items");
  expect_error({{"destination", "DE"}, {"items", {{{"control_codes", {1}}}}}}, "items[0].control_codes[0]");
  expect_error({{"destination", "DE"}, {"items", {{{"control_codes", {"X"}}}}}, {"colour", "red"}}, "colour");
  expect_error({{"destination", "DE"}, {"items", {{{"control_codes", {"X"}}}}}, {"aware_wmd", "yes"}},
               "aware_wmd");
  EXPECT_EQ(Determine(TestData(), Options(), Input("Germany", {"X"})).status().code(),
            ErrorCode::kInvalidArgument);
}

TEST(PolicyData, ErrorsNameTheRecord) {
  Json source = {{"title", "t"}};
  Json sanctions = {{"regimes", Json::array()}};
  Json catch_all = {{"threshold", 1}, {"flags", Json::array()}};
  auto bad_code = PolicyData::FromJson(
      {{"groups",
        {{{"id", "g"}, {"name", "G"}, {"as_of", "2026"}, {"source", source}, {"members", {"FR", "xx"}}}}}},
      sanctions, catch_all);
  ASSERT_FALSE(bad_code.ok());
  EXPECT_NE(bad_code.status().message().find("groups[0].members[1]"), std::string::npos)
      << bad_code.status().message();
  auto no_source = PolicyData::FromJson(
      {{"groups", {{{"id", "g"}, {"name", "G"}, {"as_of", "2026"}, {"members", {"FR"}}}}}}, sanctions,
      catch_all);
  ASSERT_FALSE(no_source.ok());
  EXPECT_NE(no_source.status().message().find("source"), std::string::npos);
  auto flag_without_source =
      PolicyData::FromJson({{"groups", Json::array()}}, sanctions,
                           {{"threshold", 1}, {"flags", {{{"id", "f"}, {"question", "q"}, {"weight", 1}}}}});
  EXPECT_FALSE(flag_without_source.ok());
}

}  // namespace
}  // namespace stm::policy
