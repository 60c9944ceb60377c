// Physical units: dimensions, SI prefixes, compound units ("g/cm3", "m³/h", "g·mm/kg") and conversion.
// A value in a unit of another dimension is an error that names both units.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"

namespace stm::classify {

// Exponents of the base quantities: m, kg, s, A, K, mol, cd, bit, rad.
struct Dimension {
  std::array<int8_t, 9> exp{};
  bool operator==(const Dimension&) const = default;
  bool dimensionless() const { return *this == Dimension{}; }
  std::string ToString() const;  // "m·kg·s^-2", "1" for dimensionless
};

// A parsed unit: si = value * factor + offset (offset only for a lone temperature unit).
struct Unit {
  std::string text;  // as parsed
  double factor = 1;
  double offset = 0;
  Dimension dim;
  double ToSi(double v) const { return v * factor + offset; }
  double FromSi(double v) const { return (v - offset) / factor; }
};

// Immutable after construction; thread-safe.
class UnitRegistry {
 public:
  static const UnitRegistry& Default();

  // Parses "kHz", "g/cm3", "m³/h", "g·mm/kg", "m^2", "°C", "%". Symbols are case-sensitive; a
  // case-insensitive match is accepted when it is unique ("KVA" -> kVA, "mpa" -> MPa). Empty or
  // "1" is dimensionless.
  Result<Unit> Parse(std::string_view text) const;

  // Converts `value` from unit `from` to unit `to`; InvalidArgument naming both units and their
  // dimensions when they differ.
  Result<double> Convert(double value, std::string_view from, std::string_view to) const;

 private:
  UnitRegistry();
  void Add(std::string symbol, double factor, Dimension dim, double offset = 0);
  void AddPrefixed(const std::string& base, double factor, Dimension dim, std::string_view prefixes);
  Result<Unit> ParseFactor(std::string_view token) const;

  std::unordered_map<std::string, Unit> units_;
  std::unordered_map<std::string, std::vector<std::string>> by_lower_;  // lower-cased symbol -> symbols
};

}  // namespace stm::classify
