#include "classify/units.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <vector>

namespace stm::classify {
namespace {

Dimension Dim(int m, int kg, int s, int a = 0, int k = 0, int mol = 0, int cd = 0, int bit = 0, int rad = 0) {
  Dimension d;
  d.exp = {static_cast<int8_t>(m),  static_cast<int8_t>(kg),  static_cast<int8_t>(s),
           static_cast<int8_t>(a),  static_cast<int8_t>(k),   static_cast<int8_t>(mol),
           static_cast<int8_t>(cd), static_cast<int8_t>(bit), static_cast<int8_t>(rad)};
  return d;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

void ReplaceAll(std::string& s, std::string_view from, std::string_view to) {
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size())
    s.replace(pos, from.size(), to);
}

// Unicode spellings folded to the registry's: superscripts, micro sign / Greek mu, degree signs.
std::string Canonical(std::string_view text) {
  std::string s(text);
  ReplaceAll(s, "\u00b2", "2");
  ReplaceAll(s, "\u00b3", "3");
  ReplaceAll(s, "\u00b9", "1");
  ReplaceAll(s, "\u207b", "-");
  ReplaceAll(s, "\u03bc", "\u00b5");  // Greek mu -> micro sign
  ReplaceAll(s, "\u2103", "\u00b0C");
  ReplaceAll(s, "\u2109", "\u00b0F");
  ReplaceAll(s, "\u2126", "\u03a9");  // ohm sign -> Greek omega
  ReplaceAll(s, "\u22c5", "\u00b7");  // dot operator -> middle dot
  ReplaceAll(s, "\u00d7", "*");
  ReplaceAll(s, " per ", "/");
  auto trim = [](std::string& t) {
    size_t b = t.find_first_not_of(" \t");
    size_t e = t.find_last_not_of(" \t");
    t = b == std::string::npos ? std::string() : t.substr(b, e - b + 1);
  };
  trim(s);
  // Remarks exporters append to a unit: "u (10% peak height)", "% of reading", "g rms", "kV peak".
  if (!s.empty() && s.back() == ')') {
    size_t open = s.rfind(" (");
    if (open != std::string::npos) {
      s = s.substr(0, open);
      trim(s);
    }
  }
  if (size_t of = s.find(" of "); of != std::string::npos) s = s.substr(0, of);
  for (const char* suffix : {" rms", " RMS", " peak", " pk", " typical", " typ", " nominal", " FS", " max"}) {
    if (s.size() > std::strlen(suffix) && s.ends_with(suffix))
      s = s.substr(0, s.size() - std::strlen(suffix));
  }
  trim(s);
  // Counted things per unit time ("neutrons/s", "n/s", "counts/s") are rates.
  for (const char* counted : {"neutrons/", "neutron/", "n/", "counts/", "particles/"}) {
    if (s.starts_with(counted)) s = "1/" + s.substr(std::strlen(counted));
  }
  return s;
}

}  // namespace

std::string Dimension::ToString() const {
  static const char* kNames[] = {"m", "kg", "s", "A", "K", "mol", "cd", "bit", "rad"};
  std::string out;
  for (size_t i = 0; i < exp.size(); ++i) {
    if (exp[i] == 0) continue;
    if (!out.empty()) out += "\u00b7";
    out += kNames[i];
    if (exp[i] != 1) out += fmt::format("^{}", exp[i]);
  }
  return out.empty() ? "1" : out;
}

void UnitRegistry::Add(std::string symbol, double factor, Dimension dim, double offset) {
  if (units_.count(symbol)) return;  // explicit entries win over generated prefixes
  by_lower_[Lower(symbol)].push_back(symbol);
  units_.emplace(symbol, Unit{symbol, factor, offset, dim});
}

void UnitRegistry::AddPrefixed(const std::string& base, double factor, Dimension dim,
                               std::string_view prefixes) {
  Add(base, factor, dim);
  for (char p : prefixes) {
    double scale = 1;
    std::string sym;
    switch (p) {
      case 'p':
        scale = 1e-12;
        sym = "p";
        break;
      case 'n':
        scale = 1e-9;
        sym = "n";
        break;
      case 'u':  // micro: both the micro sign and the ASCII 'u'
        Add("\u00b5" + base, factor * 1e-6, dim);
        scale = 1e-6;
        sym = "u";
        break;
      case 'm':
        scale = 1e-3;
        sym = "m";
        break;
      case 'c':
        scale = 1e-2;
        sym = "c";
        break;
      case 'h':
        scale = 1e2;
        sym = "h";
        break;
      case 'k':
        scale = 1e3;
        sym = "k";
        break;
      case 'M':
        scale = 1e6;
        sym = "M";
        break;
      case 'G':
        scale = 1e9;
        sym = "G";
        break;
      case 'T':
        scale = 1e12;
        sym = "T";
        break;
      default:
        continue;
    }
    Add(sym + base, factor * scale, dim);
  }
}

UnitRegistry::UnitRegistry() {
  const Dimension one = Dim(0, 0, 0);
  // Dimensionless.
  Add("1", 1, one);
  Add("%", 0.01, one);
  Add("percent", 0.01, one);
  Add("ppm", 1e-6, one);
  Add("ppb", 1e-9, one);
  Add("count", 1, one);
  // Time, frequency.
  const Dimension time = Dim(0, 0, 1), freq = Dim(0, 0, -1);
  Add("min", 60, time);
  Add("h", 3600, time);
  Add("hr", 3600, time);
  Add("d", 86400, time);
  Add("day", 86400, time);
  AddPrefixed("s", 1, time, "munp");
  AddPrefixed("Hz", 1, freq, "mkMGT");
  Add("rpm", 1.0 / 60, freq);
  Add("rps", 1, freq);
  AddPrefixed("Bq", 1, freq, "kMGT");
  AddPrefixed("Ci", 3.7e10, freq, "munkM");
  // Length, area, volume.
  const Dimension len = Dim(1, 0, 0);
  AddPrefixed("m", 1, len, "kcmun");
  Add("in", 0.0254, len);
  Add("inch", 0.0254, len);
  Add("ft", 0.3048, len);
  Add("mil", 0.0254e-3, len);
  const Dimension vol = Dim(3, 0, 0);
  AddPrefixed("L", 1e-3, vol, "mcu");
  AddPrefixed("l", 1e-3, vol, "mcu");
  Add("gal", 3.785411784e-3, vol);
  Add("cc", 1e-6, vol);
  // Mass.
  const Dimension mass = Dim(0, 1, 0);
  Add("kg", 1, mass);
  AddPrefixed("g", 1e-3, mass, "mu");
  Add("t", 1000, mass);
  Add("lb", 0.45359237, mass);
  Add("oz", 0.028349523125, mass);
  Add("u", 1.66053906660e-27, mass);
  Add("amu", 1.66053906660e-27, mass);
  Add("Da", 1.66053906660e-27, mass);
  // Temperature (absolute; the offset applies to a lone unit).
  const Dimension temp = Dim(0, 0, 0, 0, 1);
  Add("K", 1, temp);
  Add("\u00b0C", 1, temp, 273.15);
  Add("degC", 1, temp, 273.15);
  Add("C", 1, temp, 273.15);
  Add("\u00b0F", 5.0 / 9.0, temp, 273.15 - 32.0 * 5.0 / 9.0);
  Add("degF", 5.0 / 9.0, temp, 273.15 - 32.0 * 5.0 / 9.0);
  // Pressure / stress.
  const Dimension pressure = Dim(-1, 1, -2);
  AddPrefixed("Pa", 1, pressure, "mhkMG");
  Add("bar", 1e5, pressure);
  Add("mbar", 100, pressure);
  Add("psi", 6894.757293168, pressure);
  Add("ksi", 6894757.293168, pressure);
  Add("atm", 101325, pressure);
  Add("Torr", 101325.0 / 760, pressure);
  Add("torr", 101325.0 / 760, pressure);
  Add("mTorr", 101325.0 / 760e3, pressure);
  Add("mmHg", 133.322387415, pressure);
  // Force, energy, power.
  const Dimension force = Dim(1, 1, -2), energy = Dim(2, 1, -2), power = Dim(2, 1, -3);
  AddPrefixed("N", 1, force, "umkM");
  Add("lbf", 4.4482216152605, force);
  Add("kgf", 9.80665, force);
  AddPrefixed("J", 1, energy, "numkMG");
  Add("Wh", 3600, energy);
  Add("kWh", 3.6e6, energy);
  AddPrefixed("eV", 1.602176634e-19, energy, "mkMGT");
  AddPrefixed("W", 1, power, "numkMG");
  AddPrefixed("VA", 1, power, "mkM");  // apparent power: dimensionally a watt
  Add("hp", 745.69987158227022, power);
  // Electrical, magnetic.
  AddPrefixed("A", 1, Dim(0, 0, 0, 1), "pnumkM");
  AddPrefixed("V", 1, Dim(2, 1, -3, -1), "numkM");
  AddPrefixed("F", 1, Dim(-2, -1, 4, 2), "mupn");
  AddPrefixed("H", 1, Dim(2, 1, -2, -2), "pnum");
  AddPrefixed("\u03a9", 1, Dim(2, 1, -3, -2), "mkM");
  AddPrefixed("ohm", 1, Dim(2, 1, -3, -2), "mkM");
  AddPrefixed("T", 1, Dim(0, 1, -2, -1), "mun");
  // Angle, acceleration, amount, dose, information, light.
  const Dimension angle = Dim(0, 0, 0, 0, 0, 0, 0, 0, 1);
  AddPrefixed("rad", 1, angle, "mu");
  const double kDeg = 3.14159265358979323846 / 180;
  Add("deg", kDeg, angle);
  Add("\u00b0", kDeg, angle);
  Add("arcmin", kDeg / 60, angle);
  Add("arcsec", kDeg / 3600, angle);
  AddPrefixed("gn", 9.80665, Dim(1, 0, -2), "um");
  AddPrefixed("g0", 9.80665, Dim(1, 0, -2), "um");
  AddPrefixed("mol", 1, Dim(0, 0, 0, 0, 0, 1), "m");
  AddPrefixed("Gy", 1, Dim(2, 0, -2), "umkM");
  // Dynamic viscosity.
  Add("P", 0.1, Dim(-1, 1, -1));
  Add("poise", 0.1, Dim(-1, 1, -1));
  Add("cP", 1e-3, Dim(-1, 1, -1));
  AddPrefixed("bit", 1, Dim(0, 0, 0, 0, 0, 0, 0, 1), "kMG");
  AddPrefixed("B", 8, Dim(0, 0, 0, 0, 0, 0, 0, 1), "kMG");
  Add("cd", 1, Dim(0, 0, 0, 0, 0, 0, 1));
  // Linear density of fibres and yarns.
  Add("tex", 1e-6, Dim(-1, 1, 0));
  Add("dtex", 1e-7, Dim(-1, 1, 0));
  Add("denier", 1e-6 / 9, Dim(-1, 1, 0));
}

const UnitRegistry& UnitRegistry::Default() {
  static const UnitRegistry kRegistry;
  return kRegistry;
}

Result<Unit> UnitRegistry::ParseFactor(std::string_view token) const {
  // A case-insensitive match is taken only for input written in one case ("KVA", "mpa") and only when
  // unique: in mixed case the case is meaningful (mPa is not MPa).
  auto lookup = [this](const std::string& sym) -> const Unit* {
    if (auto it = units_.find(sym); it != units_.end()) return &it->second;
    bool has_upper = false, has_lower = false;
    for (char c : sym) {
      has_upper |= std::isupper(static_cast<unsigned char>(c)) != 0;
      has_lower |= std::islower(static_cast<unsigned char>(c)) != 0;
    }
    if (has_upper && has_lower) return nullptr;
    auto it = by_lower_.find(Lower(sym));
    if (it != by_lower_.end() && it->second.size() == 1) return &units_.at(it->second.front());
    return nullptr;
  };
  std::string tok(token);
  if (const Unit* u = lookup(tok)) return *u;
  // Exponent: "^-2", "^2" or trailing digits ("m2", "cm3").
  int exponent = 1;
  std::string symbol = tok;
  if (size_t caret = tok.find('^'); caret != std::string::npos) {
    symbol = tok.substr(0, caret);
    std::string_view e = std::string_view(tok).substr(caret + 1);
    auto [ptr, ec] = std::from_chars(e.data(), e.data() + e.size(), exponent);
    if (ec != std::errc() || ptr != e.data() + e.size()) {
      return Status::InvalidArgument(fmt::format("bad exponent in unit '{}'", token));
    }
  } else {
    size_t end = tok.size();
    while (end > 0 && std::isdigit(static_cast<unsigned char>(tok[end - 1]))) --end;
    if (end > 0 && end < tok.size() && tok[end - 1] == '-') --end;
    if (end > 0 && end < tok.size()) {
      symbol = tok.substr(0, end);
      exponent = std::stoi(tok.substr(end));
    }
  }
  const Unit* u = lookup(symbol);
  if (u == nullptr || exponent == 0) return Status::InvalidArgument(fmt::format("unknown unit '{}'", token));
  Unit out{tok, std::pow(u->factor, exponent), 0, {}};
  for (size_t i = 0; i < out.dim.exp.size(); ++i)
    out.dim.exp[i] = static_cast<int8_t>(u->dim.exp[i] * exponent);
  if (exponent == 1) out.offset = u->offset;
  return out;
}

Result<Unit> UnitRegistry::Parse(std::string_view text) const {
  std::string s = Canonical(text);
  if (s.empty()) return Unit{"1", 1, 0, {}};
  if (s.size() > 64) return Status::InvalidArgument("unit is too long");
  if (auto it = units_.find(s); it != units_.end()) return it->second;  // fast path, keeps offsets
  // One parenthesised denominator group: "kg/(N·h)" == "kg/N/h".
  if (size_t open = s.find("/("); open != std::string::npos) {
    size_t close = s.find(')', open);
    if (close == std::string::npos || s.find('(', open + 2) < close)
      return Status::InvalidArgument(fmt::format("malformed unit '{}'", text));
    std::string group = s.substr(open + 2, close - open - 2);
    ReplaceAll(group, "\u00b7", "/");
    for (auto& c : group) {
      if (c == '*' || c == '.' || c == ' ') c = '/';
    }
    s = s.substr(0, open + 1) + group + s.substr(close + 1);
  }
  if (s.find_first_of("()") != std::string::npos)
    return Status::InvalidArgument(fmt::format("malformed unit '{}'", text));
  // Split into numerator / denominators, then into factors.
  Unit total{s, 1, 0, {}};
  int factors = 0;
  size_t part_start = 0;
  bool denominator = false;
  Unit lone;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i < s.size() && s[i] != '/') continue;
    std::string part = s.substr(part_start, i - part_start);
    part_start = i + 1;
    // Factors are separated by middle dot, '*', '.', or spaces.
    ReplaceAll(part, "\u00b7", " ");
    for (auto& c : part) {
      if (c == '*' || c == '.') c = ' ';
    }
    size_t p = 0;
    bool any = false;
    while (p < part.size()) {
      size_t b = part.find_first_not_of(' ', p);
      if (b == std::string::npos) break;
      size_t e = part.find(' ', b);
      if (e == std::string::npos) e = part.size();
      STM_ASSIGN_OR_RETURN(Unit f, ParseFactor(std::string_view(part).substr(b, e - b)));
      int sign = denominator ? -1 : 1;
      total.factor *= denominator ? 1 / f.factor : f.factor;
      for (size_t d = 0; d < total.dim.exp.size(); ++d)
        total.dim.exp[d] = static_cast<int8_t>(total.dim.exp[d] + sign * f.dim.exp[d]);
      lone = f;
      ++factors;
      any = true;
      p = e;
    }
    if (!any && !(s == "1")) return Status::InvalidArgument(fmt::format("malformed unit '{}'", text));
    denominator = true;
  }
  if (factors == 1 && s.find('/') == std::string::npos) total.offset = lone.offset;
  return total;
}

Result<double> UnitRegistry::Convert(double value, std::string_view from, std::string_view to) const {
  STM_ASSIGN_OR_RETURN(Unit f, Parse(from));
  STM_ASSIGN_OR_RETURN(Unit t, Parse(to));
  if (!(f.dim == t.dim)) {
    return Status::InvalidArgument(fmt::format("unit '{}' ({}) cannot be converted to '{}' ({})", from,
                                               f.dim.ToString(), to, t.dim.ToString()));
  }
  return t.FromSi(f.ToSi(value));
}

}  // namespace stm::classify
