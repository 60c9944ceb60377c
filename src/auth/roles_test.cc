#include "auth/roles.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

namespace stm::auth {
namespace {

constexpr Role kAllRoles[] = {Role::kAdministrator,   Role::kLicensingOfficer, Role::kSeniorLicensingOfficer,
                              Role::kReferralOfficer, Role::kCustomsOfficer,   Role::kAuditor,
                              Role::kExporterAdmin,   Role::kExporterUser};
const std::vector<Permission>& kAllPermissions = AllPermissions();
constexpr OrgKind kAllKinds[] = {OrgKind::kExporter, OrgKind::kBroker, OrgKind::kLicensingAuthority,
                                 OrgKind::kReferralAgency, OrgKind::kCustoms};

TEST(RolesTest, RoleNamesRoundTrip) {
  std::set<std::string> names;
  for (Role r : kAllRoles) {
    std::string_view name = RoleName(r);
    EXPECT_NE(name, "unknown");
    names.emplace(name);
    auto parsed = ParseRole(name);
    ASSERT_TRUE(parsed.has_value()) << name;
    EXPECT_EQ(*parsed, r);
  }
  EXPECT_EQ(names.size(), std::size(kAllRoles));
}

TEST(RolesTest, StableRoleNames) {
  // Stored in the users table and shown in the API: these strings must not change.
  EXPECT_EQ(RoleName(Role::kAdministrator), "administrator");
  EXPECT_EQ(RoleName(Role::kSeniorLicensingOfficer), "senior_licensing_officer");
  EXPECT_EQ(RoleName(Role::kExporterUser), "exporter_user");
  EXPECT_EQ(RoleName(Role::kCustomsOfficer), "customs_officer");
}

TEST(RolesTest, ParseRoleRejectsUnknownAndWrongCase) {
  for (const char* bad : {"", "admin", "Administrator", "ADMINISTRATOR", " administrator", "administrator ",
                          "exporter-user", "unknown"}) {
    EXPECT_EQ(ParseRole(bad), std::nullopt) << "'" << bad << "'";
  }
}

TEST(RolesTest, AllRoleNamesListsEveryRoleOnce) {
  auto names = AllRoleNames();
  EXPECT_EQ(names.size(), std::size(kAllRoles));
  std::set<std::string> unique(names.begin(), names.end());
  EXPECT_EQ(unique.size(), names.size());
  for (Role r : kAllRoles) EXPECT_TRUE(unique.count(std::string(RoleName(r)))) << RoleName(r);
}

TEST(RolesTest, PermissionNamesAreDistinct) {
  std::set<std::string_view> names;
  for (Permission p : kAllPermissions) {
    EXPECT_NE(PermissionName(p), "unknown");
    names.insert(PermissionName(p));
  }
  EXPECT_EQ(names.size(), kAllPermissions.size());
  EXPECT_EQ(PermissionName(Permission::kReadAudit), "read_audit");
}

TEST(RolesTest, EveryRoleIsAuthenticated) {
  for (Role r : kAllRoles) EXPECT_TRUE(RoleHas(r, Permission::kAuthenticated)) << RoleName(r);
}

TEST(RolesTest, AdministratorHasEveryPermission) {
  for (Permission p : kAllPermissions) EXPECT_TRUE(RoleHas(Role::kAdministrator, p)) << PermissionName(p);
}

TEST(RolesTest, ExporterAndOversightRolesCannotChangeReferenceDataOrDecide) {
  for (Role r : kAllRoles) {
    bool admin = r == Role::kAdministrator;
    EXPECT_EQ(RoleHas(r, Permission::kImportLists), admin) << RoleName(r);
    bool officer = admin || r == Role::kLicensingOfficer || r == Role::kSeniorLicensingOfficer;
    EXPECT_EQ(RoleHas(r, Permission::kDecideAlerts), officer) << RoleName(r);
  }
  // Everyone who handles transactions can screen a party; auditors only look.
  for (Role r : kAllRoles) EXPECT_EQ(RoleHas(r, Permission::kScreen), r != Role::kAuditor) << RoleName(r);
  EXPECT_TRUE(RoleHas(Role::kAuditor, Permission::kViewAlerts));
}

TEST(RolesTest, OnlyAdministratorManagesOrganisationsAndApiKeys) {
  for (Role r : kAllRoles) {
    bool admin = r == Role::kAdministrator;
    EXPECT_EQ(RoleHas(r, Permission::kManageOrganisations), admin) << RoleName(r);
    EXPECT_EQ(RoleHas(r, Permission::kManageApiKeys), admin) << RoleName(r);
  }
}

TEST(RolesTest, RoutingAndFlagPermissions) {
  for (Role r : kAllRoles) {
    bool admin = r == Role::kAdministrator;
    bool officer = r == Role::kLicensingOfficer || r == Role::kSeniorLicensingOfficer;
    EXPECT_EQ(RoleHas(r, Permission::kManageRouting), admin) << RoleName(r);
    EXPECT_EQ(RoleHas(r, Permission::kViewQueues), admin || officer || r == Role::kAuditor) << RoleName(r);
    EXPECT_EQ(RoleHas(r, Permission::kFlagCases), admin || officer) << RoleName(r);
  }
  EXPECT_EQ(PermissionName(Permission::kManageRouting), "manage_routing");
  EXPECT_EQ(PermissionName(Permission::kViewQueues), "view_queues");
  EXPECT_EQ(PermissionName(Permission::kFlagCases), "flag_cases");
}

TEST(RolesTest, ExporterRoles) {
  for (Role r : kAllRoles) {
    EXPECT_EQ(IsExporterRole(r), r == Role::kExporterAdmin || r == Role::kExporterUser) << RoleName(r);
  }
  // Exporters never read the audit trail.
  EXPECT_FALSE(RoleHas(Role::kExporterAdmin, Permission::kReadAudit));
  EXPECT_FALSE(RoleHas(Role::kExporterUser, Permission::kReadAudit));
}

TEST(RolesTest, OrgKindNamesRoundTrip) {
  std::set<std::string_view> names;
  for (OrgKind k : kAllKinds) {
    EXPECT_NE(OrgKindName(k), "unknown");
    names.insert(OrgKindName(k));
    auto parsed = ParseOrgKind(OrgKindName(k));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, k);
  }
  EXPECT_EQ(names.size(), std::size(kAllKinds));
  EXPECT_EQ(OrgKindName(OrgKind::kLicensingAuthority), "licensing_authority");
  EXPECT_EQ(ParseOrgKind("Exporter"), std::nullopt);
  EXPECT_EQ(ParseOrgKind(""), std::nullopt);
  EXPECT_EQ(ParseOrgKind("government"), std::nullopt);
}

TEST(RolesTest, RoleFitsOrgKindMatrix) {
  using K = OrgKind;
  struct Row {
    Role role;
    std::set<OrgKind> fits;
  };
  const Row rows[] = {
      {Role::kAdministrator, {K::kLicensingAuthority}},
      {Role::kLicensingOfficer, {K::kLicensingAuthority}},
      {Role::kSeniorLicensingOfficer, {K::kLicensingAuthority}},
      {Role::kAuditor, {K::kLicensingAuthority}},
      {Role::kReferralOfficer, {K::kReferralAgency}},
      {Role::kCustomsOfficer, {K::kCustoms}},
      {Role::kExporterAdmin, {K::kExporter, K::kBroker}},
      {Role::kExporterUser, {K::kExporter, K::kBroker}},
  };
  for (const auto& row : rows) {
    for (OrgKind k : kAllKinds) {
      EXPECT_EQ(RoleFitsOrgKind(row.role, k), row.fits.count(k) == 1)
          << RoleName(row.role) << " in " << OrgKindName(k);
    }
  }
}

TEST(RolesTest, LicensingPermissions) {
  for (Role r : kAllRoles) {
    bool exporter = IsExporterRole(r);
    bool officer = r == Role::kLicensingOfficer || r == Role::kSeniorLicensingOfficer;
    bool admin = r == Role::kAdministrator;
    EXPECT_EQ(RoleHas(r, Permission::kApply), exporter || admin) << RoleName(r);
    // Referral officers read the cases referred to their agency (the service filters them).
    EXPECT_EQ(RoleHas(r, Permission::kViewCases),
              exporter || officer || admin || r == Role::kAuditor || r == Role::kReferralOfficer)
        << RoleName(r);
    EXPECT_EQ(RoleHas(r, Permission::kActOnCases), exporter || officer || admin) << RoleName(r);
  }
}

}  // namespace
}  // namespace stm::auth
