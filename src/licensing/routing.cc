#include "licensing/routing.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "catalog/catalog.h"
#include "common/text.h"

namespace stm::licensing {
namespace {

using Json = nlohmann::json;

std::string Joined(const std::vector<std::string>& items, std::string_view quote = "") {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += ", ";
    out += fmt::format("{}{}{}", quote, i, quote);
  }
  return out;
}

// A flag code or similar identifier: lower-case letters, digits and '_', 1..64 characters.
bool IsIdentifier(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

// A control code or prefix pattern: letters, digits and '.', optionally ending in one '*'.
bool IsCodePattern(std::string_view s) {
  if (s.empty() || s.size() > 50) return false;
  std::string_view body = s.back() == '*' ? s.substr(0, s.size() - 1) : s;
  return std::all_of(body.begin(), body.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.'; });
}

// Reads a list of strings at `path`, normalising each with `norm` and checking it with `check` (which
// returns the error text for a bad element, or "").
Result<std::vector<std::string>> StringList(const Json& match, const char* field,
                                            std::string (*norm)(std::string_view),
                                            const std::function<std::string(const std::string&)>& check) {
  std::vector<std::string> out;
  if (!match.contains(field) || match[field].is_null()) return out;
  const Json& list = match[field];
  if (!list.is_array()) return Status::InvalidArgument(fmt::format("match.{}: expected an array", field));
  if (list.size() > kMaxRuleListItems) {
    return Status::InvalidArgument(fmt::format("match.{}: at most {} items", field, kMaxRuleListItems));
  }
  for (size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_string()) {
      return Status::InvalidArgument(fmt::format("match.{}[{}]: expected a string", field, i));
    }
    std::string value = norm(Trim(list[i].get<std::string>()));
    if (std::string problem = check(value); !problem.empty()) {
      return Status::InvalidArgument(fmt::format("match.{}[{}]: {}", field, i, problem));
    }
    if (std::find(out.begin(), out.end(), value) == out.end()) out.push_back(std::move(value));
  }
  return out;
}

Result<std::optional<double>> OptionalAmount(const Json& match, const char* field) {
  if (!match.contains(field) || match[field].is_null()) return std::optional<double>();
  const Json& v = match[field];
  if (!v.is_number()) return Status::InvalidArgument(fmt::format("match.{}: expected a number", field));
  double d = v.get<double>();
  if (!std::isfinite(d) || d < 0) {
    return Status::InvalidArgument(fmt::format("match.{}: must be a finite number >= 0", field));
  }
  return std::optional<double>(d);
}

Result<RoutingMatch> MatchFromJson(const Json& m) {
  RoutingMatch match;
  if (m.is_null()) return match;
  if (!m.is_object()) return Status::InvalidArgument("match: expected an object");
  static const std::set<std::string> kFields = {"case_types", "destinations", "control_codes", "regimes",
                                                "flags",      "min_value",    "max_value",     "currency"};
  for (const auto& [key, value] : m.items()) {
    if (!kFields.contains(key)) {
      return Status::InvalidArgument(fmt::format(
          "match.{}: unknown field (case_types, destinations, control_codes, regimes, flags, min_value, "
          "max_value, currency)",
          key));
    }
  }
  STM_ASSIGN_OR_RETURN(match.case_types,
                       StringList(m, "case_types", Lower, [](const std::string& v) -> std::string {
                         if (ParseApplicationType(v)) return "";
                         return fmt::format(
                             "'{}' is not an application type (individual, global, brokering, transit, "
                             "technology_transfer)",
                             v);
                       }));
  STM_ASSIGN_OR_RETURN(
      match.destinations, StringList(m, "destinations", Upper, [](const std::string& v) -> std::string {
        return IsCountryCode(v) ? "" : fmt::format("'{}' is not an ISO 3166 alpha-2 code", v);
      }));
  STM_ASSIGN_OR_RETURN(match.control_codes,
                       StringList(m, "control_codes", Upper, [](const std::string& v) -> std::string {
                         return IsCodePattern(v) ? ""
                                                 : fmt::format(
                                                       "'{}' is not a control code or prefix pattern "
                                                       "(letters, digits and dots, optionally ending in *)",
                                                       v);
                       }));
  STM_ASSIGN_OR_RETURN(
      match.regimes, StringList(m, "regimes", Lower, [](const std::string& v) -> std::string {
        if (catalog::ParseRegime(v)) return "";
        return fmt::format("'{}' is not a regime (nsg1, nsg2, mtcr, ag, cwc, wa_du, wa_ml, national)", v);
      }));
  STM_ASSIGN_OR_RETURN(match.flags, StringList(m, "flags", Lower, [](const std::string& v) -> std::string {
                         return IsIdentifier(v) ? ""
                                                : fmt::format("'{}' is not a flag code (a-z, 0-9, _)", v);
                       }));
  STM_ASSIGN_OR_RETURN(match.min_value, OptionalAmount(m, "min_value"));
  STM_ASSIGN_OR_RETURN(match.max_value, OptionalAmount(m, "max_value"));
  if (m.contains("currency") && !m["currency"].is_null()) {
    if (!m["currency"].is_string()) return Status::InvalidArgument("match.currency: expected a string");
    match.currency = Upper(Trim(m["currency"].get<std::string>()));
    if (!IsCurrencyCode(match.currency)) {
      return Status::InvalidArgument(
          fmt::format("match.currency: '{}' is not an ISO 4217 currency code", match.currency));
    }
  }
  bool has_value = match.min_value || match.max_value;
  if (has_value && match.currency.empty()) {
    return Status::InvalidArgument("match.currency: required with min_value or max_value");
  }
  if (!has_value && !match.currency.empty()) {
    return Status::InvalidArgument("match.currency: given without min_value or max_value");
  }
  if (match.min_value && match.max_value && *match.min_value > *match.max_value) {
    return Status::InvalidArgument("match.max_value: must not be below match.min_value");
  }
  return match;
}

std::string YesNo(bool b) { return b ? "yes" : "no"; }

std::string Bracketed(const std::vector<std::string>& items, std::string_view quote = "") {
  return "[" + Joined(items, quote) + "]";
}

ConditionResult InList(const char* condition, const char* singular, const char* plural,
                       const std::vector<std::string>& have, const std::vector<std::string>& want) {
  for (const auto& h : have) {
    if (std::find(want.begin(), want.end(), h) != want.end()) {
      return {condition, true, fmt::format("{} {} is in {}: yes", singular, h, Bracketed(want))};
    }
  }
  if (have.empty()) return {condition, false, fmt::format("no {} on the case: no", singular)};
  if (have.size() == 1) {
    return {condition, false, fmt::format("{} {} is not in {}: no", singular, have[0], Bracketed(want))};
  }
  return {condition, false, fmt::format("{} {}: none is in {}: no", plural, Joined(have), Bracketed(want))};
}

std::string ValueWords(double v, const std::string& currency) {
  return fmt::format("{} {}", FormatAmount(v), currency);
}

// The min/max conditions, comparing only the lines valued in the rule's currency.
std::vector<ConditionResult> ValueConditions(const RoutingMatch& m, const RoutingFacts& f) {
  std::vector<ConditionResult> out;
  auto it = f.value_by_currency.find(m.currency);
  std::vector<std::string> others;
  for (const auto& [currency, sum] : f.value_by_currency) {
    if (currency != m.currency) others.push_back(ValueWords(sum, currency));
  }
  std::string note = others.empty() ? "" : fmt::format(" ({} not comparable)", Joined(others));
  auto one = [&](const char* condition, const char* op, double bound, bool (*cmp)(double, double)) {
    if (it == f.value_by_currency.end()) {
      std::string why = others.empty()
                            ? "no goods value given"
                            : fmt::format("goods valued in {} only, not comparable", Joined(others));
      out.push_back(
          {condition, false, fmt::format("value {} {}: {}: no", op, ValueWords(bound, m.currency), why)});
      return;
    }
    bool holds = cmp(it->second, bound);
    out.push_back({condition, holds,
                   fmt::format("value {} {} {}{}: {}", ValueWords(it->second, m.currency), op,
                               ValueWords(bound, m.currency), note, YesNo(holds))});
  };
  if (m.min_value) one("min_value", ">=", *m.min_value, [](double a, double b) { return a >= b; });
  if (m.max_value) one("max_value", "<=", *m.max_value, [](double a, double b) { return a <= b; });
  return out;
}

RuleExplanation Explain(const RoutingRule& r, const RoutingFacts& f) {
  RuleExplanation e;
  e.rule_id = r.id;
  e.rule_name = r.name;
  e.priority = r.priority;
  e.queue_id = r.queue_id;
  e.enabled = r.enabled;
  const RoutingMatch& m = r.match;
  if (!m.case_types.empty()) {
    e.conditions.push_back(InList("case_types", "case type", "case types", {f.case_type}, m.case_types));
  }
  if (!m.destinations.empty()) {
    e.conditions.push_back(
        InList("destinations", "destination", "destinations", f.destinations, m.destinations));
  }
  if (!m.control_codes.empty()) {
    ConditionResult c{"control_codes", false, ""};
    for (const auto& code : f.control_codes) {
      for (const auto& pattern : m.control_codes) {
        if (ControlCodeMatches(pattern, code)) {
          c = {"control_codes", true, fmt::format("control code {} matches {}: yes", code, pattern)};
          break;
        }
      }
      if (c.holds) break;
    }
    if (!c.holds) {
      if (f.control_codes.empty()) {
        c.explanation = "no listed control code on the case: no";
      } else if (f.control_codes.size() == 1) {
        c.explanation = fmt::format("control code {} does not match {}: no", f.control_codes[0],
                                    Bracketed(m.control_codes));
      } else {
        c.explanation = fmt::format("control codes {}: none matches {}: no", Joined(f.control_codes),
                                    Bracketed(m.control_codes));
      }
    }
    e.conditions.push_back(std::move(c));
  }
  if (!m.regimes.empty()) {
    ConditionResult c{"regimes", false, ""};
    for (const auto& [regime, codes] : f.regimes) {
      if (std::find(m.regimes.begin(), m.regimes.end(), regime) != m.regimes.end()) {
        c = {"regimes", true,
             fmt::format("regime {} (of {}) is in {}: yes", regime, Joined(codes), Bracketed(m.regimes))};
        break;
      }
    }
    if (!c.holds) {
      std::vector<std::string> have;
      for (const auto& [regime, codes] : f.regimes) have.push_back(regime);
      if (have.empty()) {
        c.explanation = "no regime known for the case's control codes: no";
      } else if (have.size() == 1) {
        c.explanation = fmt::format("regime {} is not in {}: no", have[0], Bracketed(m.regimes));
      } else {
        c.explanation = fmt::format("regimes {}: none is in {}: no", Joined(have), Bracketed(m.regimes));
      }
    }
    e.conditions.push_back(std::move(c));
  }
  if (!m.flags.empty()) {
    ConditionResult c{"flags", false, ""};
    for (const auto& flag : m.flags) {
      if (std::find(f.flags.begin(), f.flags.end(), flag) != f.flags.end()) {
        c = {"flags", true, fmt::format("flag '{}' present: yes", flag)};
        break;
      }
    }
    if (!c.holds) {
      c.explanation = m.flags.size() == 1 ? fmt::format("flag '{}' present: no", m.flags[0])
                                          : fmt::format("any of flags {} present: no", Joined(m.flags, "'"));
    }
    e.conditions.push_back(std::move(c));
  }
  if (m.min_value || m.max_value) {
    for (auto& c : ValueConditions(m, f)) e.conditions.push_back(std::move(c));
  }
  std::vector<std::string> failed;
  for (const auto& c : e.conditions) {
    if (!c.holds) failed.push_back(c.condition);
  }
  e.matched = r.enabled && failed.empty();
  if (!r.enabled) {
    e.summary = "rule disabled: not applied";
  } else if (e.matched) {
    e.summary = e.conditions.empty()
                    ? fmt::format("matched (no conditions: every case): queue {}", r.queue_id)
                    : fmt::format("matched: queue {}", r.queue_id);
  } else {
    e.summary = fmt::format("not matched: {}", Joined(failed));
  }
  return e;
}

}  // namespace

std::string FormatAmount(double value) {
  std::string digits = fmt::format("{:.2f}", std::fabs(value));
  size_t dot = digits.find('.');
  std::string whole = digits.substr(0, dot);
  std::string grouped;
  for (size_t i = 0; i < whole.size(); ++i) {
    if (i > 0 && (whole.size() - i) % 3 == 0) grouped += ',';
    grouped += whole[i];
  }
  return (value < 0 ? "-" : "") + grouped + digits.substr(dot);
}

bool ControlCodeMatches(std::string_view pattern, std::string_view code) {
  std::string p = Upper(pattern);
  std::string c = Upper(code);
  if (!p.empty() && p.back() == '*') return c.starts_with(p.substr(0, p.size() - 1));
  return c == p || (c.size() > p.size() && c.starts_with(p) && c[p.size()] == '.');
}

Result<RoutingRule> RoutingRuleFromJson(const Json& j) {
  if (!j.is_object()) return Status::InvalidArgument("routing rule: expected a JSON object");
  static const std::set<std::string> kFields = {"id",       "name",    "description", "priority",
                                                "queue_id", "enabled", "match",       "version"};
  for (const auto& [key, value] : j.items()) {
    if (!kFields.contains(key)) {
      return Status::InvalidArgument(
          fmt::format("{}: unknown field (name, description, priority, queue_id, enabled, match)", key));
    }
  }
  RoutingRule r;
  if (!j.contains("name") || !j["name"].is_string()) return Status::InvalidArgument("name: required string");
  r.name = Trim(j["name"].get<std::string>());
  if (r.name.empty()) return Status::InvalidArgument("name: must not be empty");
  if (r.name.size() > kMaxRuleName) {
    return Status::InvalidArgument(fmt::format("name: at most {} characters", kMaxRuleName));
  }
  if (j.contains("description") && !j["description"].is_null()) {
    if (!j["description"].is_string()) return Status::InvalidArgument("description: expected a string");
    r.description = j["description"].get<std::string>();
    if (r.description.size() > kMaxLongText) {
      return Status::InvalidArgument(fmt::format("description: at most {} characters", kMaxLongText));
    }
  }
  if (j.contains("priority") && !j["priority"].is_null()) {
    if (!j["priority"].is_number_integer()) return Status::InvalidArgument("priority: expected an integer");
    int64_t p = j["priority"].get<int64_t>();
    if (p < 0 || p > 1000000) return Status::InvalidArgument("priority: must be 0..1000000");
    r.priority = static_cast<int>(p);
  }
  if (!j.contains("queue_id") || !j["queue_id"].is_number_integer() || j["queue_id"].get<int64_t>() <= 0) {
    return Status::InvalidArgument("queue_id: required positive integer");
  }
  r.queue_id = j["queue_id"].get<int64_t>();
  if (j.contains("enabled") && !j["enabled"].is_null()) {
    if (!j["enabled"].is_boolean()) return Status::InvalidArgument("enabled: expected true or false");
    r.enabled = j["enabled"].get<bool>();
  }
  if (j.contains("match")) {
    STM_ASSIGN_OR_RETURN(r.match, MatchFromJson(j["match"]));
  }
  return r;
}

Json ToJson(const RoutingRule& r) {
  Json m = Json::object();
  auto list = [&](const char* field, const std::vector<std::string>& v) {
    if (!v.empty()) m[field] = v;
  };
  list("case_types", r.match.case_types);
  list("destinations", r.match.destinations);
  list("control_codes", r.match.control_codes);
  list("regimes", r.match.regimes);
  list("flags", r.match.flags);
  if (r.match.min_value) m["min_value"] = *r.match.min_value;
  if (r.match.max_value) m["max_value"] = *r.match.max_value;
  if (!r.match.currency.empty()) m["currency"] = r.match.currency;
  return {{"id", r.id},
          {"name", r.name},
          {"description", r.description},
          {"priority", r.priority},
          {"queue_id", r.queue_id},
          {"enabled", r.enabled},
          {"version", r.version},
          {"match", m}};
}

RoutingFacts FactsFor(const Application& application, const std::vector<std::string>& flag_codes,
                      const RegimesOf& regimes_of) {
  RoutingFacts f;
  f.case_type = std::string(ApplicationTypeName(application.type));
  std::set<std::string> destinations;
  for (const auto& p : application.parties) {
    bool receives = p.role == PartyRole::kConsignee || p.role == PartyRole::kEndUser ||
                    p.role == PartyRole::kUltimateEndUser || p.role == PartyRole::kIntermediateConsignee;
    if (receives && !p.country.empty()) destinations.insert(Upper(p.country));
  }
  if (!application.destination_country.empty()) destinations.insert(Upper(application.destination_country));
  f.destinations.assign(destinations.begin(), destinations.end());
  for (const auto& line : application.goods) {
    for (const auto& code : line.control_codes) {
      if (code == kNotListed || code.empty()) continue;
      std::string c = Upper(code);
      if (std::find(f.control_codes.begin(), f.control_codes.end(), c) == f.control_codes.end()) {
        f.control_codes.push_back(c);
      }
    }
    if (line.value && !line.currency.empty()) f.value_by_currency[Upper(line.currency)] += *line.value;
  }
  if (regimes_of) {
    for (const auto& code : f.control_codes) {
      for (const auto& regime : regimes_of(code)) {
        auto& codes = f.regimes[Lower(regime)];
        if (std::find(codes.begin(), codes.end(), code) == codes.end()) codes.push_back(code);
      }
    }
  }
  std::set<std::string> flags(flag_codes.begin(), flag_codes.end());
  f.flags.assign(flags.begin(), flags.end());
  return f;
}

RoutingDecision Route(const std::vector<RoutingRule>& rules, const RoutingFacts& facts,
                      std::optional<int64_t> default_queue) {
  std::vector<const RoutingRule*> ordered;
  for (const auto& r : rules) ordered.push_back(&r);
  std::stable_sort(ordered.begin(), ordered.end(), [](const RoutingRule* a, const RoutingRule* b) {
    return a->priority != b->priority ? a->priority < b->priority : a->id < b->id;
  });
  RoutingDecision d;
  for (const RoutingRule* r : ordered) {
    RuleExplanation e = Explain(*r, facts);
    if (e.matched) {
      bool placed = std::any_of(d.placements.begin(), d.placements.end(),
                                [&](const Placement& p) { return p.queue_id == r->queue_id; });
      if (!placed) {
        std::string because;
        for (const auto& c : e.conditions) because += (because.empty() ? "" : "; ") + c.explanation;
        if (because.empty()) because = "it has no conditions";
        d.placements.push_back(
            {r->queue_id, r->id,
             fmt::format("rule '{}' (priority {}) matched: {}", r->name, r->priority, because)});
      }
    }
    d.rules.push_back(std::move(e));
  }
  if (d.placements.empty()) {
    d.defaulted = true;
    if (default_queue)
      d.placements.push_back({*default_queue, std::nullopt, std::string(kDefaultQueueExplanation)});
  }
  return d;
}

Json ToJson(const RoutingDecision& d) {
  Json placements = Json::array();
  for (const auto& p : d.placements) {
    placements.push_back({{"queue_id", p.queue_id},
                          {"rule_id", p.rule_id ? Json(*p.rule_id) : Json(nullptr)},
                          {"explanation", p.explanation}});
  }
  Json rules = Json::array();
  for (const auto& r : d.rules) {
    Json conditions = Json::array();
    for (const auto& c : r.conditions) {
      conditions.push_back({{"condition", c.condition}, {"holds", c.holds}, {"explanation", c.explanation}});
    }
    rules.push_back({{"rule_id", r.rule_id},
                     {"rule_name", r.rule_name},
                     {"priority", r.priority},
                     {"queue_id", r.queue_id},
                     {"enabled", r.enabled},
                     {"matched", r.matched},
                     {"summary", r.summary},
                     {"conditions", conditions}});
  }
  return {{"placements", placements}, {"defaulted", d.defaulted}, {"rules", rules}};
}

}  // namespace stm::licensing
