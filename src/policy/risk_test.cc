#include "policy/risk.h"

#include <gtest/gtest.h>

#include "catalog/catalog.h"
#include "common/config.h"
#include "screening/countries.h"

namespace stm::policy {
namespace {

using Json = nlohmann::json;

const PolicyData& Data() {
  static const PolicyData data = [] {
    auto d = PolicyData::LoadDirectory(ResolveProjectDataDir(Config{}) + "/policy",
                                       [](std::string_view c) { return !screening::CountryName(c).empty(); });
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return d.ok() ? std::move(d).value() : PolicyData();
  }();
  return data;
}

licensing::Application App(const std::string& country, std::vector<std::string> codes) {
  licensing::Application a;
  a.type = licensing::ApplicationType::kIndividual;
  licensing::GoodsLine g;
  g.description = "Frequency changer";
  g.control_codes = std::move(codes);
  a.goods.push_back(g);
  a.parties.push_back({licensing::PartyRole::kConsignee, "Acme Trading", "Street 1", country, ""});
  a.parties.push_back({licensing::PartyRole::kEndUser, "Blue Sky Research", "Street 2", country, ""});
  a.end_use = "Research";
  return a;
}

RiskOptions Options() {
  RiskOptions o;
  o.data = &Data();
  o.determination.regimes_of = [](std::string_view code) {
    std::vector<std::string> v;
    if (auto r = catalog::RegimeFromNumbering(code)) v.emplace_back(catalog::RegimeId(*r));
    return v;
  };
  return o;
}

bool Has(const Json& flags, const std::string& code) {
  for (const auto& f : flags) {
    if (f["code"] == code) return true;
  }
  return false;
}

// A fake list: one entity, matched by exact upper-case name.
screening::Entity kListed = [] {
  screening::Entity e;
  e.list = "un";
  e.source_id = "KPe.001";
  return e;
}();

TEST(PolicyRisk, EveryPartyIsScreenedWithTheExplanation) {
  RiskOptions o = Options();
  o.screen = [](const screening::Query& q) {
    std::vector<screening::Match> out;
    if (q.name == "Blue Sky Research") {
      out.push_back({&kListed, 0.93, "BLUE SKY RESEARCH CENTRE", Json{{"tokens", "blue sky research"}}});
    }
    out.push_back({&kListed, 0.40, "SOMETHING ELSE", Json::object()});  // below the threshold: not listed
    return out;
  };
  PolicyRiskAssessor assessor(o);
  auto risk = assessor.Assess(App("DE", {"3A225"}), OrgId(1));
  ASSERT_TRUE(risk.ok()) << risk.status().ToString();
  const Json& parties = risk->details["parties"];
  ASSERT_EQ(parties.size(), 2u);
  EXPECT_TRUE(parties[0]["matches"].empty());
  ASSERT_EQ(parties[1]["matches"].size(), 1u);
  EXPECT_EQ(parties[1]["matches"][0]["entity_id"], "KPe.001");
  EXPECT_EQ(parties[1]["matches"][0]["explanation"]["tokens"], "blue sky research");
  EXPECT_TRUE(Has(risk->flags, "screening_hit"));
  EXPECT_EQ(risk->level, "high");
  // Without a queue service the assessment itself blocks finalising.
  EXPECT_TRUE(risk->blocking);
}

TEST(PolicyRisk, DestinationPolicyAndLevels) {
  PolicyRiskAssessor assessor(Options());
  auto kp = assessor.Assess(App("KP", {"3A225"}), OrgId(1));
  ASSERT_TRUE(kp.ok());
  EXPECT_TRUE(Has(kp->flags, "prohibited"));
  EXPECT_TRUE(Has(kp->flags, "sanctions_destination"));
  EXPECT_EQ(kp->level, "critical");
  EXPECT_FALSE(kp->blocking);  // a prohibition is refused, not blocked
  EXPECT_EQ(kp->details["determinations"][0]["policy"], "prohibited");
  auto de = assessor.Assess(App("DE", {"3A225"}), OrgId(1));
  ASSERT_TRUE(de.ok());
  EXPECT_TRUE(de->flags.empty()) << de->flags.dump(2);
  EXPECT_EQ(de->level, "low");
  EXPECT_EQ(de->details["parties"][0]["screened"], false);
}

TEST(PolicyRisk, CatchAllDeclarationsDenialsAndHistory) {
  RiskOptions o = Options();
  o.exporter_history = [](OrgId) -> Result<Json> {
    return Json{{"refused_cases", 2}, {"revoked_licences", 1}, {"suspended_licences", 0}};
  };
  o.denial_matches = [](const licensing::Application&) -> Result<std::vector<Json>> {
    return std::vector<Json>{{{"code", "denial_match"},
                              {"severity", "high"},
                              {"message", "end user matches a denial"},
                              {"blocking", true},
                              {"denial_id", 7}}};
  };
  PolicyRiskAssessor assessor(o);
  licensing::Application a = App("AE", {"not listed"});
  a.catch_all.aware_wmd = true;
  a.catch_all.aware_wmd_details = "The buyer mentioned a missile programme.";
  auto risk = assessor.Assess(a, OrgId(1));
  ASSERT_TRUE(risk.ok()) << risk.status().ToString();
  EXPECT_TRUE(Has(risk->flags, "catch_all"));
  EXPECT_TRUE(Has(risk->flags, "denial_match"));
  EXPECT_TRUE(Has(risk->flags, "exporter_history"));
  EXPECT_EQ(risk->details["exporter_history"]["refused_cases"], 2);
  EXPECT_EQ(risk->details["denial_matches"].size(), 1u);
  EXPECT_TRUE(risk->blocking);
}

TEST(PolicyRisk, DestinationsOfAnApplication) {
  licensing::Application a = App("DE", {"3A225"});
  a.parties.push_back({licensing::PartyRole::kAgent, "Agent", "x", "CH", ""});
  a.parties.push_back({licensing::PartyRole::kUltimateEndUser, "Lab", "x", "FR", ""});
  EXPECT_EQ(Destinations(a), (std::vector<std::string>{"DE", "FR"}));
}

}  // namespace
}  // namespace stm::policy
