// The API's route table: each route with the permission it needs, in one visible place (routes.cc).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "auth/auth_service.h"
#include "common/clock.h"
#include "http/router.h"
#include "screening/service.h"
#include "store/db.h"

namespace stm::catalog {
class CatalogStore;
}
namespace stm::classify {
class Classifier;
class RulingStore;
}  // namespace stm::classify
namespace stm::licensing {
class LicensingService;
class QueueService;
}  // namespace stm::licensing
namespace stm::policy {
class PolicyData;
class DenialService;
}  // namespace stm::policy

namespace stm::api {

struct Deps {
  store::Database* db;
  const Clock* clock;
  auth::AuthService* auth;
  screening::ScreeningService* screening;
  std::string data_dir;         // reference data directory (list files are imported only from inside it)
  std::function<bool()> ready;  // false while starting or shutting down
  const classify::Classifier* classifier = nullptr;  // criteria always; the catalogue when the data has it
  catalog::CatalogStore* catalog_store = nullptr;    // stored control-list versions
  classify::RulingStore* rulings = nullptr;          // classification requests and official rulings
  licensing::LicensingService* licensing = nullptr;  // licence applications and cases
  licensing::QueueService* queues = nullptr;         // teams, queues, routing rules, case flags
  const policy::PolicyData* policy = nullptr;        // destinations, sanctions regimes, catch-all checklist
  policy::DenialService* denials = nullptr;          // regime denials and no-undercut consultations
  // The code -> regime function and the national measures applied in licence determination.
  std::function<std::vector<std::string>(std::string_view)> regimes_of;
  std::vector<std::string> national_authorities;
  // Waits until the default control-list versions are stored (they are stored in the background).
  std::function<Status()> control_lists_ready;
};

// What a handler knows about its caller.
struct Caller {
  std::optional<auth::Principal> principal;  // set on every authenticated route
  audit::Context audit;                      // actor and request id for audit events
  const auth::Principal& who() const { return *principal; }
};

struct RouteInfo {
  http::Method method;
  std::string pattern;
  std::optional<auth::Permission> permission;  // nullopt: public
  std::string summary;
};

// Adds every API route to `router`. `deps` pointees must outlive the router.
void RegisterRoutes(http::Router& router, const Deps& deps);
// The table itself, for documentation and tests.
std::vector<RouteInfo> RouteTable();

}  // namespace stm::api
