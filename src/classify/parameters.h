// The parameter registry (names, canonical units, synonyms an exporter might write) and an item's
// stated facts resolved against it, with derived parameters (specific modulus, specific tensile
// strength) computed from base properties.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "classify/units.h"
#include "common/status.h"

namespace stm::classify {

enum class ParamType { kQuantity, kNumber, kEnum, kBool, kText };
std::string_view ParamTypeName(ParamType t);

struct ParameterDef {
  std::string name;
  ParamType type = ParamType::kQuantity;
  std::string unit;  // canonical unit (quantities)
  Dimension dim;
  std::vector<std::string> synonyms;
  std::vector<std::string> values;  // enums
  std::string description;
  std::string declared_in;  // file that declared it first
  // Enums only: when not stated, take the one declared value the description names ("carbon fibre
  // tow" -> fibre_material carbon). Off by default: "hafnium tetrachloride" is not hafnium metal.
  bool infer_from_description = false;
  // Enums only: trade names / grades (normalised) -> declared value ("hastelloy" -> "nickel-chromium alloy").
  std::vector<std::pair<std::string, std::string>> value_aliases;
  // True when `v` (normalised) is, or contains as a phrase, one of the declared values.
  bool KnowsValue(const std::string& v) const;
  std::vector<std::vector<std::string>> value_phrases;
  std::vector<std::string> aliases;  // normalised name and synonyms  // Words(FoldSpelling(values[i]))
};

// Lower-cases, folds '_', '-' and runs of spaces to one space, drops quotes: "Output_Frequency" ->
// "output frequency". Used for parameter names, synonyms, enum values and kinds.
std::string NormalizeName(std::string_view s);

// Word helpers shared by the evaluator: spelling variants folded (fiber/fibre, aluminum/aluminium,
// sulfur/sulphur), whitespace split, and phrase containment comparing singular forms.
std::string FoldSpelling(std::string s);
std::vector<std::string> Words(const std::string& s);
std::string Singular(const std::string& w);
bool ContainsPhrase(const std::vector<std::string>& words, const std::vector<std::string>& phrase);

// Not thread-safe while being built; immutable and shareable afterwards.
class ParameterRegistry {
 public:
  // Adds or merges a declaration from `source`. A redeclaration must keep the type and dimension;
  // synonyms and enum values are merged.
  Status Declare(const std::string& name, const nlohmann::json& spec, const std::string& source);
  // Reads {"parameters": {...}} from a JSON document.
  Status DeclareAll(const nlohmann::json& doc, const std::string& source);

  const ParameterDef* Find(std::string_view name) const;
  // Normalised names under which an exporter may give `def` (its name and synonyms).
  const std::vector<std::string>& Aliases(const ParameterDef& def) const;
  // The parameters that answer to a normalised name (their name or a synonym).
  const std::vector<const ParameterDef*>& DefsForAlias(const std::string& alias) const;
  const std::map<std::string, ParameterDef>& all() const { return defs_; }

 private:
  std::map<std::string, ParameterDef> defs_;
  std::map<std::string, std::vector<std::string>> aliases_;
  std::map<std::string, std::vector<const ParameterDef*>> by_alias_;
};

// One fact an exporter states about an item.
struct ItemParameter {
  std::string name;
  std::variant<double, std::string, bool> value;
  std::string unit;
};

struct Item {
  std::string description;
  std::vector<ItemParameter> parameters;
  std::vector<std::string> cas;
  std::string hs;
  std::map<std::string, bool>
      answers;  // question id -> answer ("specially_designed", "ref:1C010.b", "kind:3A225")
};

// Parses {"description", "parameters":[{"name","value","unit"}], "cas":[], "hs", "answers":{}}.
// Errors name the field ("parameters[2].value: expected a number, string or boolean").
Result<Item> ItemFromJson(const nlohmann::json& j);

// An item's facts keyed by normalised name, with units parsed once. Derived quantities are added
// when their inputs are present. Immutable after Prepare.
class PreparedItem {
 public:
  static Result<PreparedItem> Prepare(const Item& item, const ParameterRegistry& registry);

  struct Fact {
    std::string given_name;
    std::variant<double, std::string, bool> value;
    std::string unit_text;
    Unit unit;
    std::string derivation;  // non-empty for a computed value
  };
  // The fact an exporter gave for `def` under any of its aliases; nullptr when absent.
  const Fact* Lookup(const ParameterDef& def, const ParameterRegistry& registry) const;

  const Item& item() const { return item_; }
  const std::string& normalized_description() const { return description_; }
  const std::vector<std::string>& description_words() const { return description_words_; }
  std::vector<std::string> used_names() const;

 private:
  Item item_;
  std::string description_;  // normalised description + item_kind
  std::vector<std::string> description_words_;
  std::map<std::string, Fact> facts_;
};

}  // namespace stm::classify
