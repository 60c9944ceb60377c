#include "licensing/routing.h"

#include <gtest/gtest.h>

#include <string>

namespace stm::licensing {
namespace {

using nlohmann::json;

Application App(std::vector<std::string> countries, std::vector<std::string> codes,
                std::vector<std::pair<double, std::string>> values = {{12000, "EUR"}}) {
  Application a;
  a.type = ApplicationType::kIndividual;
  for (size_t i = 0; i < countries.size(); ++i) {
    a.parties.push_back({i == 0 ? PartyRole::kConsignee : PartyRole::kEndUser, "P", "A", countries[i], ""});
  }
  a.parties.push_back({PartyRole::kAgent, "Agent", "A", "CH", ""});  // agents are not destinations
  for (size_t i = 0; i < values.size(); ++i) {
    GoodsLine g;
    g.description = "item";
    g.control_codes = i < codes.size() ? std::vector<std::string>{codes[i]} : std::vector<std::string>{};
    g.quantity = 1;
    g.unit = "pcs";
    g.value = values[i].first;
    g.currency = values[i].second;
    a.goods.push_back(g);
  }
  return a;
}

std::vector<std::string> FakeRegimes(std::string_view code) {
  if (code.starts_with("1C2") || code.starts_with("3A2")) return {"nsg2"};
  if (code.starts_with("0")) return {"nsg1"};
  if (code.starts_with("1C0")) return {"wa_du"};
  return {};
}

RoutingRule Rule(int64_t id, int priority, int64_t queue, const std::string& match_json) {
  auto r = RoutingRuleFromJson(json{{"name", "rule " + std::to_string(id)},
                                    {"priority", priority},
                                    {"queue_id", queue},
                                    {"match", json::parse(match_json)}});
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  RoutingRule rule = r.ok() ? *r : RoutingRule{};
  rule.id = id;
  return rule;
}

const ConditionResult* Condition(const RuleExplanation& e, const std::string& name) {
  for (const auto& c : e.conditions) {
    if (c.condition == name) return &c;
  }
  return nullptr;
}

TEST(RoutingRuleJson, ParsesNormalisesAndRoundTrips) {
  auto r = RoutingRuleFromJson(json::parse(R"({"name": " Sensitive ", "priority": 10, "queue_id": 3,
      "match": {"case_types": ["Individual"], "destinations": [" ir", "KP", "IR"], "control_codes": ["1c*"],
                "regimes": ["NSG1"], "flags": ["screening_hit"], "min_value": 10000, "currency": "eur"}})"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->name, "Sensitive");
  EXPECT_EQ(r->match.case_types, std::vector<std::string>{"individual"});
  EXPECT_EQ(r->match.destinations, (std::vector<std::string>{"IR", "KP"}));
  EXPECT_EQ(r->match.control_codes, std::vector<std::string>{"1C*"});
  EXPECT_EQ(r->match.regimes, std::vector<std::string>{"nsg1"});
  EXPECT_EQ(r->match.currency, "EUR");
  EXPECT_TRUE(r->enabled);
  auto again = RoutingRuleFromJson(ToJson(*r));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, *r);
}

TEST(RoutingRuleJson, NamesEveryBadField) {
  struct Case {
    const char* body;
    const char* expected;
  };
  const Case cases[] = {
      {R"({"queue_id": 1})", "name: required"},
      {R"({"name": "x"})", "queue_id: required"},
      {R"({"name": "x", "queue_id": 1, "priority": "high"})", "priority: expected an integer"},
      {R"({"name": "x", "queue_id": 1, "enabled": 1})", "enabled: expected true or false"},
      {R"({"name": "x", "queue_id": 1, "colour": "red"})", "colour: unknown field"},
      {R"({"name": "x", "queue_id": 1, "match": {"destnations": ["IR"]}})",
       "match.destnations: unknown field"},
      {R"({"name": "x", "queue_id": 1, "match": {"destinations": ["IR", "KP", "XX"]}})",
       "match.destinations[2]: 'XX' is not an ISO 3166 alpha-2 code"},
      {R"({"name": "x", "queue_id": 1, "match": {"destinations": "IR"}})",
       "match.destinations: expected an array"},
      {R"({"name": "x", "queue_id": 1, "match": {"case_types": ["export"]}})",
       "match.case_types[0]: 'export' is not an application type"},
      {R"({"name": "x", "queue_id": 1, "match": {"control_codes": ["1C*0"]}})",
       "match.control_codes[0]: '1C*0' is not a control code"},
      {R"({"name": "x", "queue_id": 1, "match": {"regimes": ["nsg3"]}})",
       "match.regimes[0]: 'nsg3' is not a regime"},
      {R"({"name": "x", "queue_id": 1, "match": {"flags": ["Bad Flag"]}})",
       "match.flags[0]: 'bad flag' is not"},
      {R"({"name": "x", "queue_id": 1, "match": {"min_value": 5}})", "match.currency: required"},
      {R"({"name": "x", "queue_id": 1, "match": {"min_value": -5, "currency": "EUR"}})",
       "match.min_value: must be"},
      {R"({"name": "x", "queue_id": 1, "match": {"min_value": 5, "max_value": 1, "currency": "EUR"}})",
       "match.max_value: must not be below"},
      {R"({"name": "x", "queue_id": 1, "match": {"min_value": 5, "currency": "EURO"}})",
       "match.currency: 'EURO' is not an ISO 4217"},
      {R"([1])", "expected a JSON object"},
  };
  for (const auto& c : cases) {
    auto r = RoutingRuleFromJson(json::parse(c.body));
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(c.expected), std::string::npos)
        << c.body << " -> " << r.status().message();
  }
}

TEST(RoutingCodes, PrefixExactAndSubParagraph) {
  EXPECT_TRUE(ControlCodeMatches("1C*", "1C010.b"));
  EXPECT_TRUE(ControlCodeMatches("0A5*", "0a501"));
  EXPECT_FALSE(ControlCodeMatches("0A5*", "0A001"));
  EXPECT_TRUE(ControlCodeMatches("1C010", "1C010"));
  EXPECT_TRUE(ControlCodeMatches("1C010", "1C010.b.1"));
  EXPECT_FALSE(ControlCodeMatches("1C010", "1C0100"));
  EXPECT_FALSE(ControlCodeMatches("1C010.b", "1C010"));
}

TEST(RoutingFacts, DrawsDestinationsCodesRegimesAndValues) {
  Application a = App({"IR", "DE"}, {"1C010.b", "3A225"}, {{12000, "EUR"}, {500, "USD"}});
  a.goods.push_back(a.goods[0]);  // duplicate code counted once, values summed
  auto f = FactsFor(a, {"screening_hit", "catch_all", "screening_hit"}, FakeRegimes);
  EXPECT_EQ(f.case_type, "individual");
  EXPECT_EQ(f.destinations, (std::vector<std::string>{"DE", "IR"}));  // the agent's CH is not one
  EXPECT_EQ(f.control_codes, (std::vector<std::string>{"1C010.B", "3A225"}));
  EXPECT_EQ(f.regimes.at("wa_du"), std::vector<std::string>{"1C010.B"});
  EXPECT_EQ(f.regimes.at("nsg2"), std::vector<std::string>{"3A225"});
  EXPECT_EQ(f.flags, (std::vector<std::string>{"catch_all", "screening_hit"}));
  EXPECT_DOUBLE_EQ(f.value_by_currency.at("EUR"), 24000);
  EXPECT_DOUBLE_EQ(f.value_by_currency.at("USD"), 500);
  EXPECT_TRUE(FactsFor(a, {}, nullptr).regimes.empty());
}

TEST(RoutingRoute, ExplainsEveryConditionInWords) {
  auto facts = FactsFor(App({"IR"}, {"1C010.b"}), {}, FakeRegimes);
  std::vector<RoutingRule> rules = {
      Rule(1, 10, 7, R"({"destinations": ["IR", "KP"], "control_codes": ["1C*"], "min_value": 10000,
                         "currency": "EUR"})"),
      Rule(2, 20, 8, R"({"flags": ["screening_hit"]})"),
  };
  auto d = Route(rules, facts, 1);
  ASSERT_EQ(d.placements.size(), 1u);
  EXPECT_EQ(d.placements[0].queue_id, 7);
  EXPECT_EQ(d.placements[0].rule_id, 1);
  EXPECT_FALSE(d.defaulted);
  ASSERT_EQ(d.rules.size(), 2u);
  const auto& r1 = d.rules[0];
  EXPECT_TRUE(r1.matched);
  EXPECT_EQ(Condition(r1, "destinations")->explanation, "destination IR is in [IR, KP]: yes");
  EXPECT_EQ(Condition(r1, "control_codes")->explanation, "control code 1C010.B matches 1C*: yes");
  EXPECT_EQ(Condition(r1, "min_value")->explanation, "value 12,000.00 EUR >= 10,000.00 EUR: yes");
  EXPECT_NE(d.placements[0].explanation.find("destination IR is in [IR, KP]: yes"), std::string::npos);
  const auto& r2 = d.rules[1];
  EXPECT_FALSE(r2.matched);
  EXPECT_EQ(Condition(r2, "flags")->explanation, "flag 'screening_hit' present: no");
  EXPECT_EQ(r2.summary, "not matched: flags");
}

TEST(RoutingRoute, AllConditionsMustHoldAndAnyListElement) {
  auto facts = FactsFor(App({"DE", "KP"}, {"3A225"}), {"catch_all"}, FakeRegimes);
  auto d = Route({Rule(1, 1, 5, R"({"destinations": ["IR", "KP"], "regimes": ["nsg1", "nsg2"]})"),
                  Rule(2, 2, 6, R"({"destinations": ["KP"], "case_types": ["global"]})"),
                  Rule(3, 3, 7, R"({"flags": ["screening_hit", "catch_all"]})")},
                 facts, std::nullopt);
  ASSERT_EQ(d.placements.size(), 2u);
  EXPECT_EQ(d.placements[0].queue_id, 5);
  EXPECT_EQ(d.placements[1].queue_id, 7);
  EXPECT_EQ(Condition(d.rules[0], "regimes")->explanation, "regime nsg2 (of 3A225) is in [nsg1, nsg2]: yes");
  EXPECT_FALSE(d.rules[1].matched);
  EXPECT_EQ(Condition(d.rules[1], "case_types")->explanation, "case type individual is not in [global]: no");
  EXPECT_TRUE(Condition(d.rules[1], "destinations")->holds);
  EXPECT_EQ(Condition(d.rules[2], "flags")->explanation, "flag 'catch_all' present: yes");
}

TEST(RoutingRoute, NonMatchingListsAreExplained) {
  auto facts = FactsFor(App({"DE", "FR"}, {"3A225"}), {}, FakeRegimes);
  auto d = Route({Rule(1, 1, 5, R"({"destinations": ["IR"], "control_codes": ["0A5*", "1C*"],
                                    "regimes": ["mtcr"], "flags": ["a", "b"]})")},
                 facts, 9);
  EXPECT_EQ(Condition(d.rules[0], "destinations")->explanation, "destinations DE, FR: none is in [IR]: no");
  EXPECT_EQ(Condition(d.rules[0], "control_codes")->explanation,
            "control code 3A225 does not match [0A5*, 1C*]: no");
  EXPECT_EQ(Condition(d.rules[0], "regimes")->explanation, "regime nsg2 is not in [mtcr]: no");
  EXPECT_EQ(Condition(d.rules[0], "flags")->explanation, "any of flags 'a', 'b' present: no");
  EXPECT_EQ(d.rules[0].summary, "not matched: destinations, control_codes, regimes, flags");
}

TEST(RoutingRoute, SeveralValuesAreListedWhenNoneMatches) {
  auto facts = FactsFor(App({"DE"}, {"1C010", "3A225"}, {{1, "EUR"}, {1, "EUR"}}), {}, FakeRegimes);
  auto d = Route({Rule(1, 1, 5, R"({"control_codes": ["0A5*"], "regimes": ["mtcr"]})")}, facts, 9);
  EXPECT_EQ(Condition(d.rules[0], "control_codes")->explanation,
            "control codes 1C010, 3A225: none matches [0A5*]: no");
  EXPECT_EQ(Condition(d.rules[0], "regimes")->explanation, "regimes nsg2, wa_du: none is in [mtcr]: no");
  auto none = Route({Rule(1, 1, 5, R"({"control_codes": ["0A5*"], "regimes": ["mtcr"]})")},
                    FactsFor(App({"DE"}, {}, {{1, "EUR"}}), {}, FakeRegimes), 9);
  EXPECT_EQ(Condition(none.rules[0], "control_codes")->explanation, "no listed control code on the case: no");
  EXPECT_EQ(Condition(none.rules[0], "regimes")->explanation,
            "no regime known for the case's control codes: no");
}

TEST(RoutingRoute, DefaultQueueWhenNothingMatches) {
  auto facts = FactsFor(App({"DE"}, {"3A225"}), {}, FakeRegimes);
  auto d = Route({Rule(1, 1, 5, R"({"destinations": ["IR"]})")}, facts, 9);
  ASSERT_EQ(d.placements.size(), 1u);
  EXPECT_EQ(d.placements[0].queue_id, 9);
  EXPECT_FALSE(d.placements[0].rule_id);
  EXPECT_EQ(d.placements[0].explanation, "no routing rule matched: default queue");
  EXPECT_TRUE(d.defaulted);
  // Without a default queue the case stays unplaced but the explanation is still there.
  auto none = Route({}, facts, std::nullopt);
  EXPECT_TRUE(none.placements.empty());
  EXPECT_TRUE(none.defaulted);
}

TEST(RoutingRoute, DisabledRulesAreExplainedButNotApplied) {
  auto facts = FactsFor(App({"IR"}, {"1C010"}), {}, FakeRegimes);
  RoutingRule r = Rule(1, 1, 5, R"({"destinations": ["IR"]})");
  r.enabled = false;
  auto d = Route({r}, facts, 9);
  EXPECT_FALSE(d.rules[0].matched);
  EXPECT_TRUE(d.rules[0].conditions[0].holds);
  EXPECT_EQ(d.rules[0].summary, "rule disabled: not applied");
  EXPECT_EQ(d.placements[0].queue_id, 9);
}

TEST(RoutingRoute, DuplicateQueueKeepsTheHighestPriorityRule) {
  auto facts = FactsFor(App({"IR"}, {"1C010"}), {}, FakeRegimes);
  // Given out of order: the priority decides, then the id.
  auto d = Route({Rule(4, 50, 5, R"({})"), Rule(3, 10, 5, R"({"destinations": ["IR"]})"),
                  Rule(2, 10, 6, R"({"control_codes": ["1C010"]})")},
                 facts, 9);
  ASSERT_EQ(d.placements.size(), 2u);
  EXPECT_EQ(d.placements[0].queue_id, 6);
  EXPECT_EQ(d.placements[0].rule_id, 2);
  EXPECT_EQ(d.placements[1].queue_id, 5);
  EXPECT_EQ(d.placements[1].rule_id, 3);
  EXPECT_EQ(d.rules[2].rule_id, 4);
  EXPECT_TRUE(d.rules[2].matched);
  EXPECT_EQ(d.rules[2].summary, "matched (no conditions: every case): queue 5");
}

TEST(RoutingRoute, ValuesInOtherCurrenciesAreNotComparable) {
  auto mixed = FactsFor(App({"DE"}, {}, {{2000000, "EUR"}, {5000, "USD"}}), {}, nullptr);
  auto rule = Rule(1, 1, 5, R"({"min_value": 1000000, "currency": "EUR"})");
  auto d = Route({rule}, mixed, std::nullopt);
  EXPECT_TRUE(d.rules[0].matched);
  EXPECT_EQ(d.rules[0].conditions[0].explanation,
            "value 2,000,000.00 EUR >= 1,000,000.00 EUR (5,000.00 USD not comparable): yes");
  auto usd = FactsFor(App({"DE"}, {}, {{5000000, "USD"}}), {}, nullptr);
  auto u = Route({rule}, usd, std::nullopt);
  EXPECT_FALSE(u.rules[0].matched);
  EXPECT_EQ(u.rules[0].conditions[0].explanation,
            "value >= 1,000,000.00 EUR: goods valued in 5,000,000.00 USD only, not comparable: no");
  auto range = Rule(2, 1, 5, R"({"min_value": 100, "max_value": 1000, "currency": "EUR"})");
  auto r = Route({range}, FactsFor(App({"DE"}, {}, {{1500, "EUR"}}), {}, nullptr), std::nullopt);
  EXPECT_FALSE(r.rules[0].matched);
  EXPECT_EQ(Condition(r.rules[0], "max_value")->explanation, "value 1,500.00 EUR <= 1,000.00 EUR: no");
  EXPECT_TRUE(Condition(r.rules[0], "min_value")->holds);
}

TEST(RoutingRoute, DecisionToJson) {
  auto facts = FactsFor(App({"IR"}, {"1C010"}), {}, FakeRegimes);
  json j = ToJson(Route({Rule(1, 1, 5, R"({"destinations": ["IR"]})")}, facts, 9));
  EXPECT_EQ(j["placements"][0]["queue_id"], 5);
  EXPECT_EQ(j["placements"][0]["rule_id"], 1);
  EXPECT_EQ(j["rules"][0]["conditions"][0]["explanation"], "destination IR is in [IR]: yes");
  EXPECT_EQ(j["defaulted"], false);
}

TEST(RoutingAmount, Formats) {
  EXPECT_EQ(FormatAmount(0), "0.00");
  EXPECT_EQ(FormatAmount(999.5), "999.50");
  EXPECT_EQ(FormatAmount(1000), "1,000.00");
  EXPECT_EQ(FormatAmount(1234567.891), "1,234,567.89");
}

}  // namespace
}  // namespace stm::licensing
