// The shipped policy data (data/policy): it loads with every country code checked, and the issue's
// acceptance cases hold against it.
#include <gtest/gtest.h>

#include "catalog/catalog.h"
#include "common/config.h"
#include "policy/determination.h"
#include "screening/countries.h"

namespace stm::policy {
namespace {

bool IsCountry(std::string_view code) { return !screening::CountryName(code).empty(); }

const PolicyData& Shipped() {
  static const PolicyData data = [] {
    auto d = PolicyData::LoadDirectory(ResolveProjectDataDir(Config{}) + "/policy", &IsCountry);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return d.ok() ? std::move(d).value() : PolicyData();
  }();
  return data;
}

DeterminationOptions ByNumbering() {
  DeterminationOptions o;
  o.regimes_of = [](std::string_view code) {
    std::vector<std::string> v;
    if (auto r = catalog::RegimeFromNumbering(code)) v.emplace_back(catalog::RegimeId(*r));
    return v;
  };
  return o;
}

TEST(ShippedPolicyData, LoadsWithSourcesAndKnownCountries) {
  const PolicyData& d = Shipped();
  for (const char* id :
       {"nsg", "mtcr", "australia_group", "wassenaar", "npt_parties", "npt_nuclear_weapon_states",
        "csa_in_force", "additional_protocol_in_force", "cwc_states_parties"}) {
    const CountryGroup* g = d.Group(id);
    ASSERT_NE(g, nullptr) << id;
    EXPECT_FALSE(g->members.empty()) << id;
    EXPECT_FALSE(g->source.title.empty()) << id;
    EXPECT_FALSE(g->as_of.empty()) << id;
  }
  EXPECT_EQ(d.Group("nsg")->members.size(), 48u);
  EXPECT_EQ(d.Group("npt_nuclear_weapon_states")->members.size(), 5u);
  ASSERT_NE(d.Regime("1718_dprk"), nullptr);
  EXPECT_FALSE(d.RegimesFor("KP").empty());
  EXPECT_TRUE(d.RegimesFor("FR").empty());
  EXPECT_GE(d.catch_all().flags.size(), 15u);
  EXPECT_GT(screening::AllCountries().size(), 240u);
}

TEST(ShippedPolicyData, NsgPart2ItemToDprkIsProhibitedWithTheResolutionCited) {
  DeterminationInput in;
  in.destination = "KP";
  in.items.push_back({"goods[1]", {"3A225"}, "Frequency changer"});
  auto d = Determine(Shipped(), ByNumbering(), in);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->policy, Policy::kProhibited);
  bool cited = false;
  for (const auto& r : d->items[0].reasons) {
    for (const auto& c : r.citations) cited = cited || c.find("resolution 1718 (2006)") != std::string::npos;
  }
  EXPECT_TRUE(cited) << ToJson(*d).dump(2);
}

TEST(ShippedPolicyData, TheSameItemToAnNsgParticipantNeedsAnIndividualLicenceWithNormalPolicy) {
  DeterminationInput in;
  in.destination = "DE";
  in.items.push_back({"goods[1]", {"3A225"}, "Frequency changer"});
  auto d = Determine(Shipped(), ByNumbering(), in);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->licence_required);
  EXPECT_EQ(d->licence_type, "individual export licence");
  EXPECT_EQ(d->policy, Policy::kNormal) << ToJson(*d).dump(2);
}

TEST(ShippedPolicyData, AnUnlistedItemWithTwoRedFlagsRaisesCatchAll) {
  DeterminationInput in;
  in.destination = "AE";
  in.items.push_back({"goods[1]", {"not listed"}, "Industrial pump"});
  in.red_flags = {"reluctant_end_use_info"};
  auto one = Determine(Shipped(), ByNumbering(), in);
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_FALSE(one->catch_all.raised);
  EXPECT_FALSE(one->licence_required);
  in.red_flags.push_back("unusual_route_transshipment");
  auto two = Determine(Shipped(), ByNumbering(), in);
  ASSERT_TRUE(two.ok());
  EXPECT_TRUE(two->catch_all.raised);
  EXPECT_TRUE(two->licence_required);
  EXPECT_EQ(two->licence_type, "individual export licence (catch-all)");
}

}  // namespace
}  // namespace stm::policy
