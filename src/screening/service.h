// Screening as a service: the current index over every list (swapped atomically when a list version
// changes; readers never block), list imports with deltas, monitored parties and their alerts, and
// officers' hit decisions.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "audit/audit.h"
#include "common/clock.h"
#include "common/ids.h"
#include "screening/list_store.h"
#include "screening/matcher.h"
#include "store/db.h"

namespace stm::screening {

struct Party {
  int64_t id = 0;
  std::optional<OrgId> org;  // owning organisation (exporters see only theirs)
  std::string reference;     // caller's own id for the party
  Query query;
};

enum class AlertStatus { kOpen, kTrueMatch, kFalsePositive };
std::string_view AlertStatusName(AlertStatus s);
std::optional<AlertStatus> ParseAlertStatus(std::string_view s);

struct Alert {
  int64_t id = 0;
  int64_t party_id = 0;
  std::optional<OrgId> org;
  std::string party_name;
  std::string list;
  std::string source_id;
  std::string entity_digest;
  std::string entity_name;
  double score = 0;
  nlohmann::json explanation;
  AlertStatus status = AlertStatus::kOpen;
  std::string reason;
  std::string decided_by;
  TimePoint created_at;
};
nlohmann::json ToJson(const Alert& a);

struct ImportOutcome {
  ListVersion version;
  ListDelta delta;
  int64_t alerts_raised = 0;  // against monitored parties, from the added and changed entities
};

// Thread-safe.
class ScreeningService {
 public:
  ScreeningService(store::Database& db, const Clock& clock);

  // Builds the index from the current list versions in the store.
  Status LoadFromStore();
  // The index in force (never null; empty before anything is loaded).
  std::shared_ptr<const ScreeningIndex> index() const { return index_.load(); }

  std::vector<Match> Screen(const Query& q, const ScreenOptions& o) const { return index()->Screen(q, o); }

  // Saves each list as a new version, swaps in a rebuilt index, and rescreens monitored parties against
  // what was added or changed, raising alerts.
  Result<std::vector<ImportOutcome>> Import(const audit::Context& ctx, std::vector<ImportedList> lists,
                                            const std::string& source);
  Result<std::vector<ListVersion>> Versions(const std::optional<std::string>& list) { return lists_.Versions(list); }

  // Registers a party for ongoing screening and raises alerts for its current matches.
  Result<std::pair<Party, std::vector<Alert>>> Monitor(const audit::Context& ctx, Party party);
  Result<std::vector<Alert>> Alerts(std::optional<AlertStatus> status, std::optional<OrgId> org);
  Result<Alert> GetAlert(int64_t id);
  // Records an officer's decision on an alert (true match or false positive, with a reason). A party
  // cleared against an entity's content is not alerted on it again unless that entity changes.
  Result<Alert> Decide(const audit::Context& ctx, int64_t alert_id, AlertStatus decision, const std::string& reason);

 private:
  // Inserts alerts for `matches` of `party` in `tx`; returns how many were new.
  Result<std::vector<Alert>> RaiseAlerts(store::Tx& tx, const audit::Context& ctx, const Party& party,
                                         const std::vector<Match>& matches);

  store::Database& db_;
  const Clock& clock_;
  ListStore lists_;
  std::atomic<std::shared_ptr<const ScreeningIndex>> index_;
  std::mutex import_mu_;  // one import at a time (rebuild + swap)
};

}  // namespace stm::screening
