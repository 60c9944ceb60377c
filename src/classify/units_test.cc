#include "classify/units.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace stm::classify {
namespace {

double Conv(double v, const char* from, const char* to) {
  auto r = UnitRegistry::Default().Convert(v, from, to);
  EXPECT_TRUE(r.ok()) << from << " -> " << to << ": " << r.status().message();
  return r.ok() ? *r : -1;
}

TEST(Units, EveryFamilyConverts) {
  // Frequency.
  EXPECT_DOUBLE_EQ(Conv(0.6, "kHz", "Hz"), 600);
  EXPECT_DOUBLE_EQ(Conv(1, "MHz", "kHz"), 1000);
  EXPECT_NEAR(Conv(60000, "rpm", "Hz"), 1000, 1e-9);
  // Power, apparent power.
  EXPECT_DOUBLE_EQ(Conv(1.5, "kW", "W"), 1500);
  EXPECT_DOUBLE_EQ(Conv(0.04, "kVA", "VA"), 40);
  EXPECT_NEAR(Conv(1, "hp", "W"), 745.7, 0.01);
  // Volume.
  EXPECT_NEAR(Conv(0.1, "m3", "L"), 100, 1e-9);
  EXPECT_NEAR(Conv(1, "m³", "L"), 1000, 1e-9);
  EXPECT_NEAR(Conv(1, "gal", "L"), 3.785411784, 1e-9);
  EXPECT_NEAR(Conv(20, "L", "mL"), 20000, 1e-9);
  // Temperature (affine).
  EXPECT_NEAR(Conv(0, "°C", "K"), 273.15, 1e-9);
  EXPECT_NEAR(Conv(1649, "degC", "K"), 1922.15, 1e-9);
  EXPECT_NEAR(Conv(212, "°F", "°C"), 100, 1e-9);
  EXPECT_NEAR(Conv(1922, "K", "℃"), 1648.85, 1e-9);
  // Pressure.
  EXPECT_NEAR(Conv(1, "GPa", "MPa"), 1000, 1e-9);
  EXPECT_NEAR(Conv(1, "psi", "Pa"), 6894.757293168, 1e-6);
  EXPECT_NEAR(Conv(1, "bar", "kPa"), 100, 1e-9);
  EXPECT_NEAR(Conv(760, "Torr", "Pa"), 101325, 1e-6);
  // Percent.
  EXPECT_NEAR(Conv(0.2, "%", "1"), 0.002, 1e-15);
  EXPECT_NEAR(Conv(0.002, "", "%"), 0.2, 1e-12);
  // Length.
  EXPECT_NEAR(Conv(25, "mm", "m"), 0.025, 1e-15);
  EXPECT_NEAR(Conv(1, "in", "mm"), 25.4, 1e-9);
  EXPECT_NEAR(Conv(5, "µm", "mm"), 0.005, 1e-15);
  EXPECT_NEAR(Conv(5, "um", "μm"), 5, 1e-12);  // ASCII u and Greek mu
  // Mass, density.
  EXPECT_NEAR(Conv(1, "lb", "kg"), 0.45359237, 1e-12);
  EXPECT_NEAR(Conv(2000, "g", "kg"), 2, 1e-12);
  EXPECT_NEAR(Conv(1.8, "g/cm3", "kg/m3"), 1800, 1e-9);
  EXPECT_NEAR(Conv(1.8, "g/cm³", "kg/m^3"), 1800, 1e-9);
  // Compounds.
  EXPECT_NEAR(Conv(1, "m3/h", "L/min"), 1000.0 / 60, 1e-9);
  EXPECT_NEAR(Conv(10, "g·mm/kg", "g*mm/kg"), 10, 1e-12);
  EXPECT_NEAR(Conv(1, "kN", "lbf"), 224.8089431, 1e-6);
  EXPECT_NEAR(Conv(1, "MeV", "J"), 1.602176634e-13, 1e-25);
}

TEST(Units, CaseInsensitiveWhenUnique) {
  EXPECT_DOUBLE_EQ(Conv(1, "KVA", "VA"), 1000);
  EXPECT_DOUBLE_EQ(Conv(1, "gpa", "MPa"), 1000);
  EXPECT_FALSE(UnitRegistry::Default().Parse("mpa").ok());  // MPa or mPa: ambiguous, refused
  EXPECT_DOUBLE_EQ(Conv(1, "KHZ", "Hz"), 1000);
}

TEST(Units, PrefixCaseIsMeaningful) {
  EXPECT_NEAR(Conv(13.3, "mPa", "Pa"), 0.0133, 1e-12);  // milli, never mega
  EXPECT_NEAR(Conv(500, "mJ", "J"), 0.5, 1e-12);
  EXPECT_NEAR(Conv(1, "MGy", "Gy"), 1e6, 1e-6);
  EXPECT_NEAR(Conv(50, "nH", "H"), 50e-9, 1e-18);
  EXPECT_NEAR(Conv(10, "mCi", "Bq"), 3.7e8, 1e-3);
  EXPECT_NEAR(Conv(1250, "µgn", "m/s2"), 1250e-6 * 9.80665, 1e-12);
  EXPECT_NEAR(Conv(47, "poise", "Pa·s"), 4.7, 1e-12);
  EXPECT_NEAR(Conv(1, "kg/(N·h)", "kg/N/s"), 1.0 / 3600, 1e-15);
  EXPECT_FALSE(UnitRegistry::Default().Parse("Mhz").ok());  // mixed case, not a unit: no guessing
  EXPECT_FALSE(UnitRegistry::Default().Parse("kg/(N").ok());
}

TEST(Units, RemarksAfterTheUnitAreIgnored) {
  EXPECT_NEAR(Conv(0.2, "% of reading", "%"), 0.2, 1e-12);
  EXPECT_NEAR(Conv(300, "u (10% peak height)", "u"), 300, 1e-9);
  EXPECT_NEAR(Conv(30, "kV peak", "V"), 30000, 1e-9);
  EXPECT_NEAR(Conv(1e8, "neutrons/s", "1/s"), 1e8, 1e-3);
  EXPECT_NEAR(Conv(1e8, "n/s", "Hz"), 1e8, 1e-3);
  EXPECT_NEAR(Conv(1420, "denier", "dtex"), 1577.78, 0.01);
}

TEST(Units, IncompatibleUnitsNameBoth) {
  auto r = UnitRegistry::Default().Convert(1, "kg", "Hz");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("'kg'"), std::string::npos);
  EXPECT_NE(r.status().message().find("'Hz'"), std::string::npos);
  EXPECT_FALSE(UnitRegistry::Default().Convert(1, "deg", "%").ok());  // angle is not a ratio
  EXPECT_FALSE(UnitRegistry::Default().Convert(1, "VA", "V").ok());
}

TEST(Units, BadUnitsAreErrors) {
  const std::vector<std::string> bad_units = {
      "furlongs", "kg^x", "m^", "/", "Hz//", "0", "m^0", "xyz/s", std::string(100, 'm')};
  for (const std::string& bad : bad_units) {
    auto r = UnitRegistry::Default().Parse(bad);
    EXPECT_FALSE(r.ok()) << bad;
  }
}

TEST(Units, OffsetOnlyForLoneTemperature) {
  auto u = UnitRegistry::Default().Parse("°C");
  ASSERT_TRUE(u.ok());
  EXPECT_DOUBLE_EQ(u->offset, 273.15);
  auto per = UnitRegistry::Default().Parse("W/K");
  ASSERT_TRUE(per.ok());
  EXPECT_DOUBLE_EQ(per->offset, 0);
}

}  // namespace
}  // namespace stm::classify
