// The risk assessment run when an application is submitted (issue "Policy and risk", item 6), filling the
// licensing case's RiskAssessor seam: every party screened on every list, the destination's sanctions
// regimes, the licence determination, declared-versus-suggested classification, catch-all declarations,
// matches against other states' denials and the exporter's history -> flags, each with its explanation and
// evidence, and an overall level. Blocking findings (a screening hit, an essentially identical denial) become
// flags on the case through ApplyInTx, so that only the people a flag names can clear them.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "licensing/licensing_service.h"
#include "policy/determination.h"
#include "policy/policy_data.h"
#include "screening/matcher.h"

namespace stm::classify {
class Classifier;
}
namespace stm::licensing {
class QueueService;
}

namespace stm::policy {

struct RiskOptions {
  const PolicyData* data = nullptr;  // required; must outlive the assessor
  DeterminationOptions determination;
  // Screens one party on every list (the screening service's current index); null: no screening.
  std::function<std::vector<screening::Match>(const screening::Query&)> screen;
  double screening_threshold = screening::kDefaultThreshold;
  // Suggests control codes for a goods line's description; null: no classification check.
  const classify::Classifier* classifier = nullptr;
  // The exporter's record ({"refused_cases", "revoked_licences", "suspended_licences"}); null: none.
  std::function<Result<nlohmann::json>(OrgId)> exporter_history;
  // Matches against other states' denials: one flag object per match ({"code": "denial_match", ...,
  // "denial_id", "essentially_identical"}); null: none.
  std::function<Result<std::vector<nlohmann::json>>(const licensing::Application&)> denial_matches;
  // Inside the submit transaction: opens consultations for the essentially identical denials (idempotent).
  std::function<Status(store::Tx&, const audit::Context&, int64_t case_id, const licensing::Application&)>
      open_consultations;
  // Puts the blocking findings on the case as flags (screening_hit); null: the assessment itself is
  // blocking instead.
  licensing::QueueService* queues = nullptr;
};

// Thread-safe when the injected functions are.
class PolicyRiskAssessor final : public licensing::RiskAssessor {
 public:
  explicit PolicyRiskAssessor(RiskOptions options) : options_(std::move(options)) {}
  Result<licensing::RiskAssessment> Assess(const licensing::Application& application,
                                           OrgId exporter) override;
  Status ApplyInTx(store::Tx& tx, const audit::Context& ctx, int64_t case_id,
                   const licensing::Application& application, const licensing::RiskAssessment& risk) override;

 private:
  RiskOptions options_;
};

// The destinations of an application: the countries of its consignee, end user, ultimate end user and
// intermediate consignee (and a transit's destination), without repeats.
std::vector<std::string> Destinations(const licensing::Application& application);

}  // namespace stm::policy
