#include "auth/roles.h"

#include <array>
#include <utility>

namespace stm::auth {
namespace {

constexpr std::array<std::pair<Role, std::string_view>, 8> kRoles = {{
    {Role::kAdministrator, "administrator"},
    {Role::kLicensingOfficer, "licensing_officer"},
    {Role::kSeniorLicensingOfficer, "senior_licensing_officer"},
    {Role::kReferralOfficer, "referral_officer"},
    {Role::kCustomsOfficer, "customs_officer"},
    {Role::kAuditor, "auditor"},
    {Role::kExporterAdmin, "exporter_admin"},
    {Role::kExporterUser, "exporter_user"},
}};

constexpr std::array<std::pair<OrgKind, std::string_view>, 5> kOrgKinds = {{
    {OrgKind::kExporter, "exporter"},
    {OrgKind::kBroker, "broker"},
    {OrgKind::kLicensingAuthority, "licensing_authority"},
    {OrgKind::kReferralAgency, "referral_agency"},
    {OrgKind::kCustoms, "customs"},
}};

using P = Permission;
struct Grant {
  Role role;
  std::vector<Permission> permissions;
};

// The permission table. Every grant is here and nowhere else; the administrator holds every permission
// (RoleHas), so it has no row.
const std::array<Grant, 7> kGrants = {{
    {Role::kLicensingOfficer,
     {P::kAuthenticated, P::kViewOrganisations, P::kViewUsers, P::kScreen, P::kViewLists, P::kViewAlerts,
      P::kDecideAlerts, P::kClassify, P::kViewControls, P::kViewRulings, P::kRuleClassification,
      P::kViewCases, P::kActOnCases, P::kRecordLicenceUsage, P::kViewQueues, P::kFlagCases}},
    {Role::kSeniorLicensingOfficer,
     {P::kAuthenticated, P::kViewOrganisations, P::kViewUsers, P::kScreen, P::kViewLists, P::kViewAlerts,
      P::kDecideAlerts, P::kClassify, P::kViewControls, P::kViewRulings, P::kRuleClassification,
      P::kViewCases, P::kActOnCases, P::kRecordLicenceUsage, P::kViewQueues, P::kFlagCases}},
    {Role::kReferralOfficer,  // view_cases: only the cases referred to their agency (LicensingService)
     {P::kAuthenticated, P::kViewOrganisations, P::kScreen, P::kViewLists, P::kClassify, P::kViewControls,
      P::kViewCases}},
    {Role::kCustomsOfficer,
     {P::kAuthenticated, P::kViewOrganisations, P::kScreen, P::kViewLists, P::kClassify, P::kViewControls,
      P::kRecordLicenceUsage}},
    {Role::kAuditor,
     {P::kAuthenticated, P::kViewOrganisations, P::kViewUsers, P::kReadAudit, P::kViewLists, P::kViewAlerts,
      P::kClassify, P::kViewControls, P::kViewRulings, P::kViewCases, P::kViewQueues}},
    {Role::kExporterAdmin,
     {P::kAuthenticated, P::kViewOrganisations, P::kManageUsers, P::kViewUsers, P::kScreen, P::kViewLists,
      P::kViewAlerts, P::kClassify, P::kViewControls, P::kRequestRuling, P::kViewRulings, P::kApply,
      P::kViewCases, P::kActOnCases}},
    {Role::kExporterUser,
     {P::kAuthenticated, P::kViewOrganisations, P::kScreen, P::kViewLists, P::kViewAlerts, P::kClassify,
      P::kViewControls, P::kRequestRuling, P::kViewRulings, P::kApply, P::kViewCases, P::kActOnCases}},
}};

}  // namespace

std::string_view RoleName(Role r) {
  for (const auto& [role, name] : kRoles) {
    if (role == r) return name;
  }
  return "unknown";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (const auto& [role, n] : kRoles) {
    if (n == name) return role;
  }
  return std::nullopt;
}

std::vector<std::string> AllRoleNames() {
  std::vector<std::string> out;
  for (const auto& [role, name] : kRoles) out.emplace_back(name);
  return out;
}

std::string_view PermissionName(Permission p) {
  switch (p) {
    case P::kAuthenticated:
      return "authenticated";
    case P::kManageOrganisations:
      return "manage_organisations";
    case P::kViewOrganisations:
      return "view_organisations";
    case P::kManageUsers:
      return "manage_users";
    case P::kViewUsers:
      return "view_users";
    case P::kManageApiKeys:
      return "manage_api_keys";
    case P::kReadAudit:
      return "read_audit";
    case P::kScreen:
      return "screen";
    case P::kViewLists:
      return "view_lists";
    case P::kImportLists:
      return "import_lists";
    case P::kViewAlerts:
      return "view_alerts";
    case P::kDecideAlerts:
      return "decide_alerts";
    case P::kClassify:
      return "classify";
    case P::kViewControls:
      return "view_controls";
    case P::kImportControls:
      return "import_controls";
    case P::kRequestRuling:
      return "request_ruling";
    case P::kViewRulings:
      return "view_rulings";
    case P::kRuleClassification:
      return "rule_classification";
    case P::kApply:
      return "apply";
    case P::kViewCases:
      return "view_cases";
    case P::kActOnCases:
      return "act_on_cases";
    case P::kRecordLicenceUsage:
      return "record_licence_usage";
    case P::kManageRouting:
      return "manage_routing";
    case P::kViewQueues:
      return "view_queues";
    case P::kFlagCases:
      return "flag_cases";
  }
  return "unknown";
}

const std::vector<Permission>& AllPermissions() {
  static const std::vector<Permission> kAll = {P::kAuthenticated,
                                               P::kManageOrganisations,
                                               P::kViewOrganisations,
                                               P::kManageUsers,
                                               P::kViewUsers,
                                               P::kManageApiKeys,
                                               P::kReadAudit,
                                               P::kScreen,
                                               P::kViewLists,
                                               P::kImportLists,
                                               P::kViewAlerts,
                                               P::kDecideAlerts,
                                               P::kClassify,
                                               P::kViewControls,
                                               P::kImportControls,
                                               P::kRequestRuling,
                                               P::kViewRulings,
                                               P::kRuleClassification,
                                               P::kApply,
                                               P::kViewCases,
                                               P::kActOnCases,
                                               P::kRecordLicenceUsage,
                                               P::kManageRouting,
                                               P::kViewQueues,
                                               P::kFlagCases};
  return kAll;
}

bool RoleHas(Role role, Permission permission) {
  if (role == Role::kAdministrator) return true;
  for (const auto& g : kGrants) {
    if (g.role != role) continue;
    for (auto p : g.permissions) {
      if (p == permission) return true;
    }
  }
  return false;
}

bool IsExporterRole(Role role) { return role == Role::kExporterAdmin || role == Role::kExporterUser; }

std::string_view OrgKindName(OrgKind k) {
  for (const auto& [kind, name] : kOrgKinds) {
    if (kind == k) return name;
  }
  return "unknown";
}

std::optional<OrgKind> ParseOrgKind(std::string_view name) {
  for (const auto& [kind, n] : kOrgKinds) {
    if (n == name) return kind;
  }
  return std::nullopt;
}

bool RoleFitsOrgKind(Role role, OrgKind kind) {
  switch (role) {
    case Role::kExporterAdmin:
    case Role::kExporterUser:
      return kind == OrgKind::kExporter || kind == OrgKind::kBroker;
    case Role::kReferralOfficer:
      return kind == OrgKind::kReferralAgency;
    case Role::kCustomsOfficer:
      return kind == OrgKind::kCustoms;
    case Role::kAdministrator:
    case Role::kLicensingOfficer:
    case Role::kSeniorLicensingOfficer:
    case Role::kAuditor:
      return kind == OrgKind::kLicensingAuthority;
  }
  return false;
}

}  // namespace stm::auth
