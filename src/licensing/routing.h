// Routing rules as data (issue "Licensing", item 3): which work queue a licensing case goes to, and why.
//
// A rule matches on the case's application type, destinations, control codes or regimes, flags and goods
// value. Every condition a rule lists must hold (AND); a list condition holds when any of its elements
// matches (OR); a condition left empty is "any". `Route` evaluates every rule and explains each condition in
// words with the case's own values, so an officer can see why a case sits in a queue (or why not).
//
// Pure domain: no store, no HTTP. QueueService (queues.h) stores rules and placements.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "licensing/application.h"

namespace stm::licensing {

// The regime ids ("nsg1", "mtcr", "wa_du", ...) a control code belongs to; an empty vector when unknown.
// Injected (the catalogue knows them); must be thread-safe.
using RegimesOf = std::function<std::vector<std::string>(std::string_view control_code)>;

// Limits the parser enforces.
inline constexpr size_t kMaxRuleListItems = 200;
inline constexpr size_t kMaxRuleName = 200;

struct RoutingMatch {
  std::vector<std::string> case_types;     // application type names ("individual", ...)
  std::vector<std::string> destinations;   // ISO 3166-1 alpha-2, upper case
  std::vector<std::string> control_codes;  // "1C010" (the entry and its sub-paragraphs) or a prefix "1C*"
  std::vector<std::string> regimes;        // catalogue regime ids: nsg1 nsg2 mtcr ag cwc wa_du wa_ml national
  std::vector<std::string> flags;          // flag codes that must be present on the case (any of them)
  std::optional<double> min_value;         // total goods value in `currency` >= min_value
  std::optional<double> max_value;         // total goods value in `currency` <= max_value
  std::string currency;                    // ISO 4217; required when min_value or max_value is given
  bool operator==(const RoutingMatch&) const = default;
};

struct RoutingRule {
  int64_t id = 0;  // assigned by the store
  std::string name;
  std::string description;  // why the rule exists
  int priority = 100;       // lower first
  int64_t queue_id = 0;
  bool enabled = true;
  RoutingMatch match;
  int64_t version = 1;  // optimistic concurrency in the store
  bool operator==(const RoutingRule&) const = default;
};

// Parses {"name", "description"?, "priority"?, "queue_id", "enabled"?, "match": {"case_types",
// "destinations", "control_codes", "regimes", "flags", "min_value", "max_value", "currency"}}. "id" and
// "version" are ignored (the store owns them). Every error is kInvalidArgument naming the field
// ("match.destinations[2]: not an ISO 3166 alpha-2 code"); unknown fields are refused so that a typo cannot
// silently widen a rule. Country and currency codes are trimmed and upper-cased, regimes and case types
// lower-cased, codes upper-cased; duplicates are dropped. Whether the queue and flag codes exist is the
// store's check.
Result<RoutingRule> RoutingRuleFromJson(const nlohmann::json& j);
// {"id","name","description","priority","queue_id","enabled","version","match":{...}}; empty match
// conditions are omitted. RoutingRuleFromJson(ToJson(r)) equals r apart from id and version.
nlohmann::json ToJson(const RoutingRule& rule);

// True when `code` matches `pattern`: a pattern ending in '*' is a prefix; otherwise the same code, or a
// sub-paragraph of it ("1C010" matches "1C010.b.1"). Case-insensitive.
bool ControlCodeMatches(std::string_view pattern, std::string_view code);

// What routing looks at, drawn from the case's application and flags.
struct RoutingFacts {
  std::string case_type;
  // Distinct, sorted countries of the consignee, end user, ultimate end user and intermediate consignee
  // parties, and a transit's destination_country.
  std::vector<std::string> destinations;
  std::vector<std::string> control_codes;  // distinct, in goods order; "not listed" left out
  // regime id -> the codes that put the case in it (distinct, sorted by regime id)
  std::map<std::string, std::vector<std::string>> regimes;
  std::vector<std::string> flags;                   // active flag codes, distinct, sorted
  std::map<std::string, double> value_by_currency;  // sum of the goods lines' values per currency
};
// `regimes_of` may be null (no regimes).
RoutingFacts FactsFor(const Application& application, const std::vector<std::string>& flag_codes,
                      const RegimesOf& regimes_of);

// One condition of one rule, in words: "destination IR is in [IR, KP]: yes".
struct ConditionResult {
  std::string condition;  // "case_types", "destinations", "control_codes", "regimes", "flags",
                          // "min_value", "max_value"
  bool holds = false;
  std::string explanation;
};

struct RuleExplanation {
  int64_t rule_id = 0;
  std::string rule_name;
  int priority = 0;
  int64_t queue_id = 0;
  bool enabled = true;
  bool matched = false;  // enabled and every condition holds
  std::vector<ConditionResult> conditions;
  std::string summary;  // "matched: queue 3", "not matched: destinations", "disabled"
};

struct Placement {
  int64_t queue_id = 0;
  std::optional<int64_t> rule_id;  // nullopt: the default queue
  std::string explanation;         // why the case is in this queue, in words
};

struct RoutingDecision {
  std::vector<Placement> placements;   // one per queue, in the order of the placing rules
  std::vector<RuleExplanation> rules;  // every rule, by priority then id
  bool defaulted = false;              // no rule matched; placed in the default queue (when there is one)
};

inline constexpr std::string_view kDefaultQueueExplanation = "no routing rule matched: default queue";

// Evaluates every rule (by priority, then id) against the facts. Every enabled matching rule places the
// case in its queue; when several rules name the same queue, the highest-priority one is kept. When none
// matches, the case goes to `default_queue` (when given) with kDefaultQueueExplanation.
RoutingDecision Route(const std::vector<RoutingRule>& rules, const RoutingFacts& facts,
                      std::optional<int64_t> default_queue);

// {"placements": [{"queue_id","rule_id","explanation"}], "defaulted", "rules": [{"rule_id","rule_name",
// "priority","queue_id","enabled","matched","summary","conditions": [{"condition","holds","explanation"}]}]}
nlohmann::json ToJson(const RoutingDecision& decision);

// "12,000.00"
std::string FormatAmount(double value);

}  // namespace stm::licensing
