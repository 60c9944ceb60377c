// Roles, permissions and the one table that says which role holds which permission.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stm::auth {

enum class Role {
  kAdministrator,
  kLicensingOfficer,
  kSeniorLicensingOfficer,
  kReferralOfficer,
  kCustomsOfficer,
  kAuditor,
  kExporterAdmin,
  kExporterUser,
};

enum class Permission {
  kAuthenticated,        // any signed-in principal
  kManageOrganisations,  // create organisations and agencies
  kViewOrganisations,    // read organisations (exporters: only their own)
  kManageUsers,          // create users (exporter administrators: only in their organisation)
  kViewUsers,            // read users (exporter administrators: only their organisation's)
  kManageApiKeys,        // issue and revoke system API keys
  kReadAudit,            // read the audit trail
  kScreen,               // screen parties against restricted-party lists
  kViewLists,            // see list versions and import reports
  kImportLists,          // import new list versions
  kViewAlerts,           // see screening alerts (exporters: only their own parties')
  kDecideAlerts,         // record a hit as true match or false positive
  kClassify,             // classify an item against the control lists (automatic, advisory)
  kViewControls,         // read the control-list catalogue, its versions and diffs, controlled chemicals
  kImportControls,       // import control-list versions into the store
  kRequestRuling,        // ask the licensing authority for an official classification ruling
  kViewRulings,          // see classification requests and rulings (exporters: only their own)
  kRuleClassification,   // give an official classification ruling
  kApply,                // prepare, change and submit licence applications (exporters, own organisation)
  kViewCases,            // see licence applications and cases (exporters: only their own; drafts only theirs)
  kActOnCases,           // take case actions; the case state machine decides which (licensing/case_state.h)
  kRecordLicenceUsage,   // record goods shipped against a licence (customs; exhausts it when used up)
  kManageRouting,        // administer teams, work queues, routing rules and flag definitions
  kViewQueues,           // see queues, routing rules, case placements and flags (not exporters)
  kFlagCases,            // flag cases; removing needs a role in the flag's removable_by
};

std::string_view RoleName(Role r);
std::optional<Role> ParseRole(std::string_view name);
std::vector<std::string> AllRoleNames();
std::string_view PermissionName(Permission p);
const std::vector<Permission>& AllPermissions();

bool RoleHas(Role role, Permission permission);
// Exporter-side roles see only their own organisation's data.
bool IsExporterRole(Role role);

enum class OrgKind { kExporter, kBroker, kLicensingAuthority, kReferralAgency, kCustoms };
std::string_view OrgKindName(OrgKind k);
std::optional<OrgKind> ParseOrgKind(std::string_view name);

// Which organisation kinds a role may belong to (e.g. exporter roles only in exporters or brokers).
bool RoleFitsOrgKind(Role role, OrgKind kind);

}  // namespace stm::auth
