#include "policy/risk.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>

#include "classify/classifier.h"
#include "common/text.h"
#include "licensing/queues.h"

namespace stm::policy {
namespace {

using Json = nlohmann::json;
using licensing::Application;
using licensing::PartyRole;

constexpr std::array<std::string_view, 4> kSeverities = {"low", "medium", "high", "critical"};

int SeverityRank(std::string_view s) {
  for (size_t i = 0; i < kSeverities.size(); ++i) {
    if (kSeverities[i] == s) return static_cast<int>(i);
  }
  return 0;
}

Json Flag(std::string code, std::string severity, std::string message, Json evidence = nullptr,
          std::string subject = "case", bool blocking = false) {
  Json f = {{"code", std::move(code)},
            {"severity", std::move(severity)},
            {"message", std::move(message)},
            {"subject", std::move(subject)},
            {"blocking", blocking}};
  if (!evidence.is_null()) f["evidence"] = std::move(evidence);
  return f;
}

bool SameOrSubParagraph(std::string_view a, std::string_view b) {
  std::string x = Lower(a), y = Lower(b);
  if (x.size() > y.size()) std::swap(x, y);
  return y == x || (y.rfind(x, 0) == 0 && y.size() > x.size() && y[x.size()] == '.');
}

}  // namespace

std::vector<std::string> Destinations(const Application& application) {
  std::vector<std::string> out;
  auto add = [&out](const std::string& c) {
    if (!c.empty() && std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  };
  for (const auto& p : application.parties) {
    if (p.role == PartyRole::kConsignee || p.role == PartyRole::kEndUser ||
        p.role == PartyRole::kUltimateEndUser || p.role == PartyRole::kIntermediateConsignee) {
      add(p.country);
    }
  }
  add(application.destination_country);
  return out;
}

Result<licensing::RiskAssessment> PolicyRiskAssessor::Assess(const Application& app, OrgId exporter) {
  if (options_.data == nullptr) return Status::Internal("the risk assessor has no policy data");
  licensing::RiskAssessment risk;
  risk.assessor = "policy";
  Json flags = Json::array();
  Json details = Json::object();

  // 1. Every party on every list.
  Json parties = Json::array();
  for (size_t i = 0; i < app.parties.size(); ++i) {
    const auto& p = app.parties[i];
    Json entry = {{"index", i},
                  {"subject", fmt::format("parties[{}]", i)},
                  {"role", licensing::PartyRoleName(p.role)},
                  {"name", p.name},
                  {"country", p.country}};
    Json matches = Json::array();
    if (options_.screen) {
      screening::Query q;
      q.name = p.name;
      q.country = p.country;
      for (const auto& m : options_.screen(q)) {
        if (m.entity == nullptr || m.score < options_.screening_threshold) continue;
        matches.push_back({{"list", m.entity->list},
                           {"entity_id", m.entity->source_id},
                           {"name", m.matched_name},
                           {"score", m.score},
                           {"explanation", m.explanation}});
      }
      entry["screened"] = true;
    } else {
      entry["screened"] = false;
    }
    entry["matches"] = matches;
    if (!matches.empty()) {
      const Json& best = matches[0];
      flags.push_back(
          Flag("screening_hit", "high",
               fmt::format("{} '{}' matches {} on {} (score {:.2f}){}", licensing::PartyRoleName(p.role),
                           p.name, best["name"].get<std::string>(), best["list"].get<std::string>(),
                           best["score"].get<double>(),
                           matches.size() > 1 ? fmt::format(" and {} more", matches.size() - 1) : ""),
               matches, fmt::format("parties[{}]", i), true));
    }
    parties.push_back(std::move(entry));
  }
  details["parties"] = parties;

  // 2-3. The destinations' sanctions regimes and the licence determination for each destination.
  Json determinations = Json::array();
  for (const auto& dest : Destinations(app)) {
    DeterminationInput in;
    in.destination = dest;
    in.end_use = app.end_use;
    in.informed_wmd = app.catch_all.informed_wmd;
    in.aware_wmd = app.catch_all.aware_wmd;
    for (size_t g = 0; g < app.goods.size(); ++g) {
      in.items.push_back({fmt::format("goods[{}]", g), app.goods[g].control_codes, app.goods[g].description});
    }
    if (in.items.empty()) in.items.push_back({"technology", {}, app.technology_description});
    auto d = Determine(*options_.data, options_.determination, in);
    if (!d.ok()) return d.status().WithContext(fmt::format("determination for {}", dest));
    Json dj = ToJson(*d);
    determinations.push_back(dj);
    for (const auto& r : d->destination_reasons) {
      flags.push_back(Flag("sanctions_destination", "high", r.text, ToJson(r), "destination:" + dest));
    }
    if (d->policy == Policy::kProhibited) {
      Json evidence = Json::array();
      for (const auto& item : d->items) {
        if (item.policy == Policy::kProhibited) {
          for (const auto& r : item.reasons) {
            if (r.code == "sanctions_item_ban" || r.code == "arms_embargo") evidence.push_back(ToJson(r));
          }
        }
      }
      flags.push_back(Flag("prohibited", "critical",
                           fmt::format("the export to {} is prohibited by a sanctions measure", dest),
                           evidence, "destination:" + dest));
    } else if (d->policy == Policy::kPresumptionOfDenial) {
      flags.push_back(Flag("presumption_of_denial", "high",
                           fmt::format("policy towards {} for these items: presumption of denial", dest),
                           dj["items"], "destination:" + dest));
    }
    if (d->catch_all.raised) {
      flags.push_back(
          Flag("catch_all", "high",
               "catch-all applies: the exporter was informed of or is aware of a possible WMD end use",
               dj["catch_all"]));
    }
  }
  details["determinations"] = determinations;

  // 4. Declared versus suggested classification.
  if (options_.classifier != nullptr) {
    Json checks = Json::array();
    for (size_t g = 0; g < app.goods.size(); ++g) {
      const auto& line = app.goods[g];
      if (line.description.empty()) continue;
      classify::Item item;
      item.description = line.description;
      auto c = options_.classifier->Classify(item, 5);
      if (!c.ok()) continue;
      std::vector<const classify::Candidate*> suggested;
      for (const auto& cand : c->candidates) {
        if (cand.verdict != classify::Verdict::kNot && cand.score >= 0.5) suggested.push_back(&cand);
      }
      bool declared_listed = line.Controlled();
      bool agrees = !declared_listed && suggested.empty();
      for (const auto* cand : suggested) {
        for (const auto& code : line.control_codes) agrees = agrees || SameOrSubParagraph(code, cand->code);
      }
      Json sugg = Json::array();
      for (const auto* cand : suggested) {
        sugg.push_back({{"code", cand->code},
                        {"verdict", classify::VerdictName(cand->verdict)},
                        {"score", cand->score}});
      }
      checks.push_back({{"subject", fmt::format("goods[{}]", g)},
                        {"declared", line.control_codes},
                        {"suggested", sugg},
                        {"agrees", agrees || suggested.empty()}});
      if (!agrees && !suggested.empty()) {
        flags.push_back(Flag(
            "classification_mismatch", declared_listed ? "low" : "medium",
            fmt::format(
                "goods[{}] '{}' is declared {} but its description suggests {}", g, line.description,
                declared_listed ? fmt::format("as {}", fmt::join(line.control_codes, ", ")) : "not listed",
                suggested[0]->code),
            sugg, fmt::format("goods[{}]", g)));
      }
    }
    details["classification"] = checks;
  }

  // 5. Other states' denials.
  if (options_.denial_matches) {
    STM_ASSIGN_OR_RETURN(auto matches, options_.denial_matches(app));
    Json list = Json::array();
    for (auto& m : matches) {
      list.push_back(m);
      flags.push_back(std::move(m));
    }
    details["denial_matches"] = list;
  }

  // 6. The exporter's history.
  if (options_.exporter_history) {
    STM_ASSIGN_OR_RETURN(Json history, options_.exporter_history(exporter));
    details["exporter_history"] = history;
    int64_t refused = history.value("refused_cases", int64_t{0});
    int64_t revoked = history.value("revoked_licences", int64_t{0});
    if (refused > 0 || revoked > 0) {
      flags.push_back(Flag("exporter_history", revoked > 0 ? "medium" : "low",
                           fmt::format("the exporter has {} refused application(s) and {} revoked licence(s)",
                                       refused, revoked),
                           history));
    }
  }

  int level = 0;
  bool blocking = false;
  for (const auto& f : flags) {
    level = std::max(level, SeverityRank(f.value("severity", "low")));
    blocking = blocking || f.value("blocking", false);
  }
  risk.flags = std::move(flags);
  risk.level = std::string(kSeverities[static_cast<size_t>(level)]);
  // With a queue service the blocking findings become flags on the case (cleared by the roles they name);
  // without one the assessment itself blocks finalising.
  risk.blocking = blocking && options_.queues == nullptr;
  risk.details = std::move(details);
  return risk;
}

Status PolicyRiskAssessor::ApplyInTx(store::Tx& tx, const audit::Context& ctx, int64_t case_id,
                                     const Application& application, const licensing::RiskAssessment& risk) {
  if (options_.queues != nullptr) {
    for (const auto& f : risk.flags) {
      if (f.value("code", "") != "screening_hit") continue;
      auto added = options_.queues->AddSystemFlagInTx(tx, ctx, case_id, "screening_hit",
                                                      f.value("subject", "case"), f.value("message", ""));
      // Idempotent: the same finding on the same party is already flagged.
      if (!added.ok() && added.status().code() != ErrorCode::kAlreadyExists) return added.status();
    }
  }
  if (options_.open_consultations)
    STM_RETURN_IF_ERROR(options_.open_consultations(tx, ctx, case_id, application));
  return Status::Ok();
}

}  // namespace stm::policy
