#include "classify/parameters.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <sstream>

namespace stm::classify {
namespace {

constexpr double kStandardGravity = 9.80665;

std::optional<ParamType> ParseType(std::string_view t) {
  if (t == "quantity") return ParamType::kQuantity;
  if (t == "number") return ParamType::kNumber;
  if (t == "enum") return ParamType::kEnum;
  if (t == "bool") return ParamType::kBool;
  if (t == "text") return ParamType::kText;
  return std::nullopt;
}

void AddUnique(std::vector<std::string>& v, std::string s) {
  if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(std::move(s));
}

}  // namespace

// Spelling variants folded before comparing words.
std::string FoldSpelling(std::string s) {
  static const std::pair<const char*, const char*> kFolds[] = {
      {"aluminum", "aluminium"}, {"fiber", "fibre"}, {"sulfur", "sulphur"}, {"colour", "color"}};
  for (const auto& [from, to] : kFolds) {
    for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += std::string_view(to).size()) {
      s.replace(pos, std::string_view(from).size(), to);
    }
  }
  return s;
}

// Singular form of a normalised word, enough for "reactors"/"valves"/"presses".
std::string Singular(const std::string& w) {
  if (w.size() > 4 && w.ends_with("sses")) return w.substr(0, w.size() - 2);
  if (w.size() > 4 && w.ends_with("ies")) return w.substr(0, w.size() - 3) + "y";
  if (w.size() > 3 && w.ends_with("s") && !w.ends_with("ss") && !w.ends_with("us") && !w.ends_with("is")) {
    return w.substr(0, w.size() - 1);
  }
  return w;
}

std::vector<std::string> Words(const std::string& s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t b = s.find_first_not_of(' ', i);
    if (b == std::string::npos) break;
    size_t e = s.find(' ', b);
    if (e == std::string::npos) e = s.size();
    out.push_back(Singular(s.substr(b, e - b)));
    i = e;
  }
  return out;
}

bool ContainsPhrase(const std::vector<std::string>& words, const std::vector<std::string>& phrase) {
  if (phrase.empty() || phrase.size() > words.size()) return false;
  for (size_t i = 0; i + phrase.size() <= words.size(); ++i) {
    bool all = true;
    for (size_t k = 0; k < phrase.size() && all; ++k) all = words[i + k] == phrase[k];
    if (all) return true;
  }
  return false;
}

std::string_view ParamTypeName(ParamType t) {
  switch (t) {
    case ParamType::kQuantity:
      return "quantity";
    case ParamType::kNumber:
      return "number";
    case ParamType::kEnum:
      return "enum";
    case ParamType::kBool:
      return "bool";
    case ParamType::kText:
      return "text";
  }
  return "?";
}

std::string NormalizeName(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool space = false;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    // Typographic quotes (U+2018/2019/201C/201D) and ASCII quotes are dropped.
    if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80) {
      unsigned char c3 = static_cast<unsigned char>(s[i + 2]);
      if (c3 == 0x98 || c3 == 0x99 || c3 == 0x9C || c3 == 0x9D) {
        i += 2;
        continue;
      }
    }
    if (c == '"' || c == '\'') continue;
    if (c == '_' || c == '-' || c == ' ' || c == '\t' || c == '\n' || c == ',' || c == '(' || c == ')' ||
        c == '/' || c == ';' || c == ':') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += static_cast<char>(std::tolower(c));
  }
  return out;
}

Status ParameterRegistry::Declare(const std::string& name, const nlohmann::json& spec,
                                  const std::string& source) {
  if (!spec.is_object())
    return Status::InvalidArgument(fmt::format("{}: parameter '{}' must be an object", source, name));
  if (name.empty() || NormalizeName(name).empty())
    return Status::InvalidArgument(fmt::format("{}: empty parameter name", source));
  ParameterDef def;
  def.name = name;
  def.declared_in = source;
  std::string type = spec.value("type", std::string("quantity"));
  auto t = ParseType(type);
  if (!t)
    return Status::InvalidArgument(fmt::format("{}: parameter '{}': unknown type '{}'", source, name, type));
  def.type = *t;
  if (def.type == ParamType::kQuantity) {
    if (!spec.contains("unit") || !spec["unit"].is_string()) {
      return Status::InvalidArgument(
          fmt::format("{}: parameter '{}': a quantity needs a \"unit\"", source, name));
    }
    def.unit = spec["unit"].get<std::string>();
    auto unit = UnitRegistry::Default().Parse(def.unit);
    if (!unit.ok())
      return Status::InvalidArgument(
          fmt::format("{}: parameter '{}': {}", source, name, unit.status().message()));
    def.dim = unit->dim;
  }
  if (spec.contains("synonyms")) {
    if (!spec["synonyms"].is_array())
      return Status::InvalidArgument(
          fmt::format("{}: parameter '{}': synonyms must be an array", source, name));
    for (const auto& s : spec["synonyms"]) {
      if (!s.is_string())
        return Status::InvalidArgument(
            fmt::format("{}: parameter '{}': synonyms must be strings", source, name));
      def.synonyms.push_back(s.get<std::string>());
    }
  }
  if (spec.contains("values")) {
    if (!spec["values"].is_array())
      return Status::InvalidArgument(
          fmt::format("{}: parameter '{}': values must be an array", source, name));
    for (const auto& s : spec["values"]) {
      if (!s.is_string())
        return Status::InvalidArgument(
            fmt::format("{}: parameter '{}': values must be strings", source, name));
      def.values.push_back(NormalizeName(s.get<std::string>()));
    }
  }
  def.description = spec.value("description", std::string());
  def.infer_from_description = spec.value("infer_from_description", false);
  if (spec.contains("value_aliases")) {
    if (!spec["value_aliases"].is_object())
      return Status::InvalidArgument(
          fmt::format("{}: parameter '{}': value_aliases must be an object", source, name));
    for (const auto& [k, v] : spec["value_aliases"].items()) {
      if (!v.is_string())
        return Status::InvalidArgument(
            fmt::format("{}: parameter '{}': value_aliases.{} must be a string", source, name, k));
      def.value_aliases.emplace_back(FoldSpelling(NormalizeName(k)),
                                     FoldSpelling(NormalizeName(v.get<std::string>())));
    }
  }

  auto it = defs_.find(name);
  if (it != defs_.end()) {
    ParameterDef& old = it->second;
    if (old.type != def.type || !(old.dim == def.dim)) {
      return Status::InvalidArgument(
          fmt::format("{}: parameter '{}' redeclared as {} {} but {} declared it as {} {}", source, name,
                      ParamTypeName(def.type), def.unit, old.declared_in, ParamTypeName(old.type), old.unit));
    }
    for (auto& s : def.synonyms) AddUnique(old.synonyms, s);
    for (auto& v : def.values) AddUnique(old.values, v);
    if (old.description.empty()) old.description = def.description;
    old.infer_from_description |= def.infer_from_description;
    for (auto& a : def.value_aliases) old.value_aliases.push_back(a);
  } else {
    it = defs_.emplace(name, std::move(def)).first;
  }
  ParameterDef& stored = it->second;
  stored.value_phrases.clear();
  for (const auto& v : stored.values) stored.value_phrases.push_back(Words(FoldSpelling(v)));
  auto& aliases = aliases_[name];
  AddUnique(aliases, NormalizeName(name));
  for (const auto& s : stored.synonyms) AddUnique(aliases, NormalizeName(s));
  stored.aliases = aliases;
  for (const auto& a : aliases) {
    auto& defs = by_alias_[a];
    if (std::find(defs.begin(), defs.end(), &stored) == defs.end()) defs.push_back(&stored);
  }
  return Status::Ok();
}

bool ParameterDef::KnowsValue(const std::string& v) const {
  std::vector<std::string> words = Words(FoldSpelling(v));
  for (const auto& phrase : value_phrases) {
    if (ContainsPhrase(words, phrase)) return true;
  }
  return false;
}

Status ParameterRegistry::DeclareAll(const nlohmann::json& doc, const std::string& source) {
  if (!doc.contains("parameters")) return Status::Ok();
  if (!doc["parameters"].is_object())
    return Status::InvalidArgument(fmt::format("{}: \"parameters\" must be an object", source));
  for (const auto& [name, spec] : doc["parameters"].items()) STM_RETURN_IF_ERROR(Declare(name, spec, source));
  return Status::Ok();
}

const ParameterDef* ParameterRegistry::Find(std::string_view name) const {
  auto it = defs_.find(std::string(name));
  return it == defs_.end() ? nullptr : &it->second;
}

const std::vector<const ParameterDef*>& ParameterRegistry::DefsForAlias(const std::string& alias) const {
  static const std::vector<const ParameterDef*> kNone;
  auto it = by_alias_.find(alias);
  return it == by_alias_.end() ? kNone : it->second;
}

const std::vector<std::string>& ParameterRegistry::Aliases(const ParameterDef& def) const {
  return def.aliases;
}

Result<Item> ItemFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return Status::InvalidArgument("item: expected a JSON object");
  Item item;
  if (j.contains("description") && !j["description"].is_null()) {
    if (!j["description"].is_string()) return Status::InvalidArgument("description: expected a string");
    item.description = j["description"].get<std::string>();
    if (item.description.size() > 20000)
      return Status::InvalidArgument("description: longer than 20000 characters");
  }
  if (j.contains("parameters") && !j["parameters"].is_null()) {
    const auto& ps = j["parameters"];
    if (!ps.is_array()) return Status::InvalidArgument("parameters: expected an array");
    if (ps.size() > 200) return Status::InvalidArgument("parameters: more than 200");
    for (size_t i = 0; i < ps.size(); ++i) {
      const auto& p = ps[i];
      std::string where = fmt::format("parameters[{}]", i);
      if (!p.is_object()) return Status::InvalidArgument(where + ": expected an object");
      if (!p.contains("name") || !p["name"].is_string() || p["name"].get<std::string>().empty()) {
        return Status::InvalidArgument(where + ".name: expected a non-empty string");
      }
      ItemParameter ip;
      ip.name = p["name"].get<std::string>();
      if (!p.contains("value")) return Status::InvalidArgument(where + ".value: missing");
      const auto& v = p["value"];
      if (v.is_number()) {
        ip.value = v.get<double>();
        if (!std::isfinite(std::get<double>(ip.value)))
          return Status::InvalidArgument(where + ".value: not a finite number");
      } else if (v.is_boolean()) {
        ip.value = v.get<bool>();
      } else if (v.is_string()) {
        ip.value = v.get<std::string>();
      } else {
        return Status::InvalidArgument(where + ".value: expected a number, string or boolean");
      }
      if (p.contains("unit") && !p["unit"].is_null()) {
        if (!p["unit"].is_string()) return Status::InvalidArgument(where + ".unit: expected a string");
        ip.unit = p["unit"].get<std::string>();
      }
      item.parameters.push_back(std::move(ip));
    }
  }
  if (j.contains("cas") && !j["cas"].is_null()) {
    const auto& cs = j["cas"];
    if (cs.is_string()) {
      item.cas.push_back(cs.get<std::string>());
    } else if (cs.is_array()) {
      for (size_t i = 0; i < cs.size(); ++i) {
        if (!cs[i].is_string()) return Status::InvalidArgument(fmt::format("cas[{}]: expected a string", i));
        item.cas.push_back(cs[i].get<std::string>());
      }
    } else {
      return Status::InvalidArgument("cas: expected an array of strings");
    }
  }
  if (j.contains("hs") && !j["hs"].is_null()) {
    if (!j["hs"].is_string()) return Status::InvalidArgument("hs: expected a string");
    item.hs = j["hs"].get<std::string>();
  }
  if (j.contains("answers") && !j["answers"].is_null()) {
    if (!j["answers"].is_object()) return Status::InvalidArgument("answers: expected an object of booleans");
    for (const auto& [k, v] : j["answers"].items()) {
      if (!v.is_boolean())
        return Status::InvalidArgument(fmt::format("answers.{}: expected true or false", k));
      item.answers[k] = v.get<bool>();
    }
  }
  return item;
}

Result<PreparedItem> PreparedItem::Prepare(const Item& item, const ParameterRegistry& registry) {
  PreparedItem p;
  p.item_ = item;
  p.description_ = NormalizeName(item.description);
  for (size_t i = 0; i < item.parameters.size(); ++i) {
    const ItemParameter& ip = item.parameters[i];
    std::string key = NormalizeName(ip.name);
    if (key.empty()) return Status::InvalidArgument(fmt::format("parameters[{}].name: empty", i));
    Fact f{ip.name, ip.value, ip.unit, Unit{"1", 1, 0, {}}, ""};
    const std::vector<const ParameterDef*>& defs = registry.DefsForAlias(key);
    // Numbers written as text ("600") are numbers.
    if (auto* s = std::get_if<std::string>(&f.value)) {
      char* end = nullptr;
      double d = std::strtod(s->c_str(), &end);
      if (!s->empty() && end == s->c_str() + s->size() && std::isfinite(d)) f.value = d;
    }
    if (std::holds_alternative<double>(f.value)) {
      auto unit = UnitRegistry::Default().Parse(ip.unit);
      if (!unit.ok())
        return Status::InvalidArgument(
            fmt::format("parameters[{}] ({}): {}", i, ip.name, unit.status().message()));
      f.unit = *unit;
      // "g" for an acceleration means standard gravity, not grams.
      static const Dimension kAcceleration = UnitRegistry::Default().Parse("m/s2").value().dim;
      if (f.unit.dim == UnitRegistry::Default().Parse("g").value().dim &&
          std::any_of(defs.begin(), defs.end(),
                      [](const ParameterDef* d) { return d->dim == kAcceleration; }) &&
          NormalizeName(UnitRegistry::Default().Parse(ip.unit).value().text).starts_with("g")) {
        f.unit = UnitRegistry::Default().Parse("gn").value();
        f.unit_text = "gn";
      }
      if (!defs.empty()) {
        bool compatible = false;
        const ParameterDef* quantity = nullptr;
        for (const ParameterDef* d : defs) {
          if (d->type == ParamType::kQuantity) {
            quantity = d;
            if (d->dim == f.unit.dim) compatible = true;
          } else {
            compatible = true;
          }
        }
        if (!compatible && quantity != nullptr) {
          if (ip.unit.empty()) {
            return Status::InvalidArgument(fmt::format("parameters[{}] ({}): a unit is required (e.g. '{}')",
                                                       i, ip.name, quantity->unit));
          }
          return Status::InvalidArgument(
              fmt::format("parameters[{}] ({}): unit '{}' ({}) cannot be converted to '{}' ({})", i, ip.name,
                          ip.unit, f.unit.dim.ToString(), quantity->unit, quantity->dim.ToString()));
        }
      }
    } else if (auto* s = std::get_if<std::string>(&f.value)) {
      std::string lower = NormalizeName(*s);
      if (lower == "yes" || lower == "true") {
        f.value = true;
      } else if (lower == "no" || lower == "false") {
        f.value = false;
      } else if (!defs.empty()) {
        // A trade name or grade ("Hastelloy C-276", "7075-T6") read as the vocabulary value it belongs to.
        std::string folded = FoldSpelling(lower);
        std::vector<std::string> words = Words(folded);
        for (const ParameterDef* d : defs) {
          if (d->type != ParamType::kEnum || d->value_aliases.empty()) continue;
          if (std::find(d->values.begin(), d->values.end(), folded) != d->values.end()) break;
          const std::pair<std::string, std::string>* best = nullptr;
          for (const auto& a : d->value_aliases) {
            if (ContainsPhrase(words, Words(a.first)) && (!best || a.first.size() > best->first.size()))
              best = &a;
          }
          if (best != nullptr) {
            f.derivation = fmt::format("'{}' read as {}", *s, best->second);
            f.given_name = fmt::format("{} ('{}' read as {})", ip.name, *s, best->second);
            f.value = best->second;
            break;
          }
        }
      }
    }
    if (key == "item kind" || key == "kind" || key == "item type") {
      if (auto* s = std::get_if<std::string>(&f.value)) p.description_ += " " + NormalizeName(*s);
    }
    p.facts_[key] = std::move(f);
  }
  // An enum parameter not stated but named unambiguously in the description ("T700 carbon fibre tow"):
  // the one declared value found there (longest phrase wins over a phrase it contains).
  p.description_words_ = Words(FoldSpelling(p.description_));
  const std::vector<std::string>& words = p.description_words_;
  for (const auto& [name, def] : registry.all()) {
    if (def.type != ParamType::kEnum || !def.infer_from_description || words.empty() ||
        p.Lookup(def, registry))
      continue;
    std::vector<std::string> found;
    for (size_t v = 0; v < def.values.size() && v < def.value_phrases.size(); ++v) {
      if (ContainsPhrase(words, def.value_phrases[v])) found.push_back(def.values[v]);
    }
    for (const auto& [alias, value] : def.value_aliases) {  // "12K tow" -> continuous
      if (ContainsPhrase(words, Words(alias)) &&
          std::find(found.begin(), found.end(), value) == found.end()) {
        found.push_back(value);
      }
    }
    std::erase_if(found, [&](const std::string& v) {
      return std::any_of(found.begin(), found.end(),
                         [&](const std::string& o) { return o != v && o.find(v) != std::string::npos; });
    });
    if (found.size() != 1) continue;
    Fact f;
    f.given_name = def.name + " (from the description)";
    f.value = found.front();
    f.derivation = "inferred from the description";
    p.facts_[NormalizeName(def.name)] = std::move(f);
  }
  // Derived quantities: specific modulus and specific tensile strength (value / (density * g)).
  auto derive = [&](const char* target, const char* numerator) {
    const ParameterDef* t = registry.Find(target);
    const ParameterDef* n = registry.Find(numerator);
    const ParameterDef* rho = registry.Find("density");
    if (!t || !n || !rho || p.Lookup(*t, registry)) return;
    const Fact* fn = p.Lookup(*n, registry);
    const Fact* fr = p.Lookup(*rho, registry);
    if (!fn || !fr) return;
    double num = fn->unit.ToSi(std::get<double>(fn->value));
    double den = fr->unit.ToSi(std::get<double>(fr->value)) * kStandardGravity;
    if (!(den > 0)) return;
    Fact f;
    f.given_name = target;
    f.value = num / den;
    f.unit_text = "m";
    f.unit = UnitRegistry::Default().Parse("m").value();
    f.derivation = fmt::format("{} = {} {} {} / ({} {} {} x 9.80665 m/s2) = {:.4g} m", target, fn->given_name,
                               std::get<double>(fn->value), fn->unit_text, fr->given_name,
                               std::get<double>(fr->value), fr->unit_text, num / den);
    p.facts_[NormalizeName(target)] = std::move(f);
  };
  derive("specific_modulus", "tensile_modulus");
  derive("specific_tensile_strength", "tensile_strength");
  return p;
}

const PreparedItem::Fact* PreparedItem::Lookup(const ParameterDef& def,
                                               const ParameterRegistry& registry) const {
  if (facts_.empty()) return nullptr;
  for (const auto& alias : registry.Aliases(def)) {
    auto it = facts_.find(alias);
    if (it == facts_.end()) continue;
    const Fact& f = it->second;
    switch (def.type) {
      case ParamType::kQuantity:
        if (std::holds_alternative<double>(f.value) && f.unit.dim == def.dim) return &f;
        break;
      case ParamType::kNumber:
        if (std::holds_alternative<double>(f.value)) return &f;
        break;
      case ParamType::kBool:
        if (std::holds_alternative<bool>(f.value)) return &f;
        break;
      case ParamType::kEnum:
      case ParamType::kText:
        if (std::holds_alternative<std::string>(f.value)) return &f;
        break;
    }
  }
  return nullptr;
}

std::vector<std::string> PreparedItem::used_names() const {
  std::vector<std::string> out;
  for (const auto& [k, f] : facts_) out.push_back(k);
  return out;
}

}  // namespace stm::classify
