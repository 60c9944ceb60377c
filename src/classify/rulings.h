// Classification requests and official rulings: an exporter saves an item (its description and stated
// facts) with the automatic classification it got at that time; a licensing officer answers it with an
// official ruling (the control entry, or none, whether the item is controlled, and the reasoning). Every
// change is audited in the same transaction.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit.h"
#include "common/clock.h"
#include "common/ids.h"
#include "common/status.h"
#include "store/db.h"

namespace stm::classify {

enum class RequestStatus { kOpen, kAnswered };
std::string_view RequestStatusName(RequestStatus s);  // "open" "answered"
std::optional<RequestStatus> ParseRequestStatus(std::string_view s);

// An officer's official answer.
struct Ruling {
  std::optional<std::string> code;  // the control entry; nullopt: the item is not listed
  std::string verdict;              // "controlled" | "not"
  std::string reasoning;
  std::string ruled_by;  // audit actor, set by the store
  TimePoint ruled_at;    // set by the store
};

struct ClassificationRequest {
  int64_t id = 0;
  std::optional<OrgId> org;     // the requesting organisation (exporters see only theirs)
  std::optional<UserId> user;   // who asked
  std::string created_by;       // audit actor
  std::string reference;        // the exporter's own reference for the item
  nlohmann::json item;          // the item as submitted
  nlohmann::json automatic;     // the automatic classification at the time (Classification::ToJson)
  std::string catalog_version;  // catalogue version the automatic classification used ("" when none)
  RequestStatus status = RequestStatus::kOpen;
  TimePoint created_at;
  std::optional<Ruling> ruling;  // set once answered
};
nlohmann::json ToJson(const ClassificationRequest& r);

struct NewRequest {
  std::optional<OrgId> org;
  std::optional<UserId> user;
  std::string reference;
  nlohmann::json item;
  nlohmann::json automatic;
  std::string catalog_version;
};

// Thread-safe (all state is in the store).
class RulingStore {
 public:
  RulingStore(store::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  // Saves a request, audited as "classification.request" (target "classification_request:<id>").
  Result<ClassificationRequest> Create(const audit::Context& ctx, const NewRequest& request);
  // kNotFound naming the id.
  Result<ClassificationRequest> Get(int64_t id);
  // Newest first; only `status` and only `org`'s when given.
  Result<std::vector<ClassificationRequest>> List(std::optional<RequestStatus> status,
                                                  std::optional<OrgId> org);
  // Records the official ruling, audited as "classification.ruling". kInvalidArgument for a verdict other
  // than "controlled"/"not", an empty reasoning, or "controlled" without a code; kNotFound for an unknown
  // request; kFailedPrecondition when it was already ruled.
  Result<ClassificationRequest> Rule(const audit::Context& ctx, int64_t id, const Ruling& ruling);

 private:
  store::Database& db_;
  const Clock& clock_;
};

}  // namespace stm::classify
