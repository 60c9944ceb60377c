#include "classify/criteria.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

namespace stm::classify {
namespace {

constexpr int kMaxRefDepth = 8;
constexpr int kMaxTreeDepth = 64;

const std::set<std::string>& Regimes() {
  static const std::set<std::string> kRegimes = {"nsg1", "nsg2",  "mtcr",  "ag",
                                                 "cwc",  "wa_du", "wa_ml", "national"};
  return kRegimes;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string NormalizeCas(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '-') out += c;
  }
  return out;
}

std::string FormatNumber(double v) { return fmt::format("{:.6g}", v); }

bool NearlyEqual(double a, double b) {
  return std::fabs(a - b) <= 1e-9 * std::max({1e-300, std::fabs(a), std::fabs(b)});
}

bool CompareOp(double a, const std::string& op, double b) {
  bool eq = NearlyEqual(a, b);
  if (op == ">") return a > b && !eq;
  if (op == ">=") return a > b || eq;
  if (op == "<") return a < b && !eq;
  if (op == "<=") return a < b || eq;
  return eq;  // "=="
}

struct ParseContext {
  const ParameterRegistry& registry;
  std::string where;  // "file: record 3A225"
};

Result<Node> ParseNode(const nlohmann::json& j, const ParseContext& ctx, const std::string& path, int depth) {
  auto err = [&](const std::string& msg) {
    return Status::InvalidArgument(fmt::format("{}: {}: {}", ctx.where, path, msg));
  };
  if (depth > kMaxTreeDepth) return err("expression nested too deeply");
  if (!j.is_object()) return err("expected an expression object");
  Node n;
  n.src = j.value("src", std::string());
  auto need_src = [&]() -> Status {
    if (n.src.empty()) return err("missing \"src\" (the list's words)");
    return Status::Ok();
  };
  if (j.contains("all") || j.contains("any")) {
    bool all = j.contains("all");
    const auto& arr = j[all ? "all" : "any"];
    n.kind = all ? Node::Kind::kAll : Node::Kind::kAny;
    if (!arr.is_array() || arr.empty())
      return err(fmt::format("\"{}\" must be a non-empty array", all ? "all" : "any"));
    for (size_t i = 0; i < arr.size(); ++i) {
      STM_ASSIGN_OR_RETURN(
          Node c, ParseNode(arr[i], ctx, fmt::format("{}.{}[{}]", path, all ? "all" : "any", i), depth + 1));
      n.children.push_back(std::move(c));
    }
    return n;
  }
  if (j.contains("not")) {
    n.kind = Node::Kind::kNot;
    STM_ASSIGN_OR_RETURN(Node c, ParseNode(j["not"], ctx, path + ".not", depth + 1));
    n.children.push_back(std::move(c));
    return n;
  }
  if (j.contains("param")) {
    STM_RETURN_IF_ERROR(need_src());
    if (!j["param"].is_string()) return err("\"param\" must be a string");
    std::string name = j["param"].get<std::string>();
    n.param = ctx.registry.Find(name);
    if (n.param == nullptr) {
      return err(fmt::format(
          "unknown parameter '{}' (declare it in data/parameters.json or the file's \"parameters\")", name));
    }
    n.op = j.value("op", std::string());
    const ParameterDef& def = *n.param;
    auto parse_unit = [&]() -> Status {
      if (def.type != ParamType::kQuantity) return Status::Ok();
      n.unit = j.value("unit", std::string());
      if (n.unit.empty() && !def.dim.dimensionless())
        return err(fmt::format("\"unit\" required for '{}' (e.g. '{}')", name, def.unit));
      auto u = UnitRegistry::Default().Parse(n.unit);
      if (!u.ok()) return err(u.status().message());
      if (!(u->dim == def.dim)) {
        return err(fmt::format("unit '{}' ({}) does not fit parameter '{}' in '{}' ({})", n.unit,
                               u->dim.ToString(), name, def.unit, def.dim.ToString()));
      }
      n.parsed_unit = *u;
      return Status::Ok();
    };
    auto to_si = [&](double v) { return def.type == ParamType::kQuantity ? n.parsed_unit.ToSi(v) : v; };
    if (n.op == ">" || n.op == ">=" || n.op == "<" || n.op == "<=" || n.op == "==") {
      if (def.type != ParamType::kQuantity && def.type != ParamType::kNumber) {
        return err(fmt::format("'{}' is {}: use \"in\" or \"is\"", name, ParamTypeName(def.type)));
      }
      if (!j.contains("value") || !j["value"].is_number()) return err("\"value\" must be a number");
      n.kind = Node::Kind::kCompare;
      n.value = j["value"].get<double>();
      STM_RETURN_IF_ERROR(parse_unit());
      n.value_si = to_si(n.value);
      return n;
    }
    if (n.op == "between") {
      if (def.type != ParamType::kQuantity && def.type != ParamType::kNumber)
        return err(fmt::format("'{}' is not numeric", name));
      n.kind = Node::Kind::kBetween;
      STM_RETURN_IF_ERROR(parse_unit());
      if (j.contains("min")) {
        if (!j["min"].is_number()) return err("\"min\" must be a number");
        n.min = j["min"].get<double>();
        n.min_si = to_si(*n.min);
      }
      if (j.contains("max")) {
        if (!j["max"].is_number()) return err("\"max\" must be a number");
        n.max = j["max"].get<double>();
        n.max_si = to_si(*n.max);
      }
      if (!n.min && !n.max) return err("\"between\" needs \"min\" or \"max\"");
      n.min_inclusive = j.value("min_inclusive", true);
      n.max_inclusive = j.value("max_inclusive", true);
      return n;
    }
    if (n.op == "in") {
      if (def.type != ParamType::kEnum && def.type != ParamType::kText)
        return err(fmt::format("'{}' is not an enum", name));
      if (!j.contains("set") || !j["set"].is_array() || j["set"].empty())
        return err("\"set\" must be a non-empty array");
      for (const auto& v : j["set"]) {
        if (!v.is_string()) return err("\"set\" must hold strings");
        n.set.push_back(FoldSpelling(NormalizeName(v.get<std::string>())));
        n.set_phrases.push_back(Words(n.set.back()));
      }
      n.kind = Node::Kind::kIn;
      return n;
    }
    if (n.op == "is") {
      if (def.type != ParamType::kBool) return err(fmt::format("'{}' is not a bool parameter", name));
      if (!j.contains("value") || !j["value"].is_boolean()) return err("\"value\" must be true or false");
      n.kind = Node::Kind::kIs;
      n.bool_value = j["value"].get<bool>();
      return n;
    }
    return err(fmt::format("unknown op '{}' (>, >=, <, <=, ==, between, in, is)", n.op));
  }
  if (j.contains("ask")) {
    STM_RETURN_IF_ERROR(need_src());
    if (!j["ask"].is_string() || j["ask"].get<std::string>().empty())
      return err("\"ask\" must be a non-empty id");
    if (!j.contains("question") || !j["question"].is_string())
      return err("\"question\" required with \"ask\"");
    n.kind = Node::Kind::kAsk;
    n.id = j["ask"].get<std::string>();
    n.question = j["question"].get<std::string>();
    return n;
  }
  if (j.contains("ref")) {
    STM_RETURN_IF_ERROR(need_src());
    if (!j["ref"].is_string() || j["ref"].get<std::string>().empty())
      return err("\"ref\" must be an entry code");
    n.kind = Node::Kind::kRef;
    n.id = j["ref"].get<std::string>();
    return n;
  }
  if (j.contains("kind")) {
    STM_RETURN_IF_ERROR(need_src());
    n.kind = Node::Kind::kKind;
    return n;
  }
  if (j.contains("cas")) {
    STM_RETURN_IF_ERROR(need_src());
    if (!j["cas"].is_array() || j["cas"].empty()) return err("\"cas\" must be a non-empty array");
    for (const auto& c : j["cas"]) {
      if (!c.is_string()) return err("\"cas\" must hold strings");
      n.set.push_back(NormalizeCas(c.get<std::string>()));
    }
    n.kind = Node::Kind::kCas;
    return n;
  }
  return err("expected one of all, any, not, param, ask, ref, kind, cas");
}

Result<TestCase> ParseTest(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) return Status::InvalidArgument(where + ": expected an object");
  TestCase t;
  t.name = j.value("name", std::string());
  t.expect = j.value("expect", std::string());
  if (t.expect == "review") t.expect = "possibly";
  if (t.expect != "controlled" && t.expect != "not" && t.expect != "possibly") {
    return Status::InvalidArgument(where + ": \"expect\" must be controlled, not or review");
  }
  auto item = ItemFromJson(j);
  if (!item.ok()) return Status::InvalidArgument(fmt::format("{}: {}", where, item.status().message()));
  t.item = std::move(*item);
  return t;
}

void AddUnique(std::vector<std::string>& v, const std::string& s) {
  if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

void AddQuestion(Evaluation& ev, const std::string& id, const std::string& q) {
  for (const auto& o : ev.open_questions) {
    if (o.id == id) return;
  }
  ev.open_questions.push_back({id, q});
}

void CollectOpen(const ClauseResult& c, Evaluation& ev) {
  if (c.truth != Truth::kUnknown) return;
  if (!c.missing.empty()) AddUnique(ev.missing_parameters, c.missing);
  if (!c.question.id.empty()) AddQuestion(ev, c.question.id, c.question.question);
  for (const auto& ch : c.children) CollectOpen(ch, ev);
}

// The clause that made a false result false (first false leaf along false children).
const ClauseResult* DecisiveFalse(const ClauseResult& c) {
  for (const auto& ch : c.children) {
    if (ch.truth == Truth::kFalse && !ch.src.empty() && ch.children.empty()) return &ch;
    if (ch.truth == Truth::kFalse) {
      if (const ClauseResult* d = DecisiveFalse(ch)) return d;
    }
  }
  return c.src.empty() && !c.children.empty() ? nullptr : &c;
}

void ExplainClause(const ClauseResult& c, int indent, std::string& out) {
  if (!c.src.empty() || !c.detail.empty()) {
    out += std::string(static_cast<size_t>(indent) * 2, ' ');
    out += fmt::format("[{}] ", TruthName(c.truth));
    out += c.src;
    if (!c.detail.empty()) out += (c.src.empty() ? "" : " -- ") + c.detail;
    out += "\n";
    ++indent;
  }
  for (const auto& ch : c.children) ExplainClause(ch, indent, out);
}

}  // namespace

std::string_view TruthName(Truth t) {
  switch (t) {
    case Truth::kFalse:
      return "false";
    case Truth::kTrue:
      return "true";
    case Truth::kUnknown:
      return "unknown";
  }
  return "?";
}

std::string_view VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kControlled:
      return "controlled";
    case Verdict::kPossibly:
      return "possibly";
    case Verdict::kNot:
      return "not";
  }
  return "?";
}

nlohmann::json ClauseResult::ToJson() const {
  nlohmann::json j = {{"result", TruthName(truth)}};
  if (!src.empty()) j["src"] = src;
  if (!detail.empty()) j["detail"] = detail;
  if (!children.empty()) {
    j["clauses"] = nlohmann::json::array();
    for (const auto& c : children) j["clauses"].push_back(c.ToJson());
  }
  return j;
}

std::string Evaluation::Explain() const {
  std::string out =
      fmt::format("{}: {} -- {}\n", record ? record->code : "?", VerdictName(verdict), decided_by);
  ExplainClause(criteria, 1, out);
  for (const auto& d : decontrols) {
    out += "  decontrol note:\n";
    ExplainClause(d, 2, out);
  }
  return out;
}

Status CriteriaSet::AddFile(const std::string& file, const nlohmann::json& doc) {
  if (!doc.contains("entries") || !doc["entries"].is_array()) {
    return Status::InvalidArgument(fmt::format("{}: expected an \"entries\" array", file));
  }
  nlohmann::json default_source = doc.value("source", nlohmann::json::object());
  const auto& entries = doc["entries"];
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    std::string where = fmt::format("{}: entries[{}]", file, i);
    if (!e.is_object()) return Status::InvalidArgument(where + ": expected an object");
    CriteriaRecord r;
    r.file = file;
    r.code = e.value("code", std::string());
    if (r.code.empty()) return Status::InvalidArgument(where + ": missing \"code\"");
    where = fmt::format("{}: record {}", file, r.code);
    if (by_code_.count(Upper(r.code))) {
      return Status::InvalidArgument(
          fmt::format("{}: duplicate code (also in {})", where, records_[by_code_[Upper(r.code)]].file));
    }
    r.regime = e.value("regime", std::string());
    if (!Regimes().count(r.regime)) {
      return Status::InvalidArgument(fmt::format(
          "{}: regime '{}' is not one of nsg1 nsg2 mtcr ag cwc wa_du wa_ml national", where, r.regime));
    }
    r.title = e.value("title", std::string());
    if (e.contains("kinds")) {
      if (!e["kinds"].is_array()) return Status::InvalidArgument(where + ": \"kinds\" must be an array");
      for (const auto& k : e["kinds"]) {
        if (!k.is_string()) return Status::InvalidArgument(where + ": \"kinds\" must hold strings");
        r.kinds.push_back(k.get<std::string>());
        r.normalized_kinds.push_back(FoldSpelling(NormalizeName(k.get<std::string>())));
        r.kind_phrases.push_back(Words(r.normalized_kinds.back()));
      }
    }
    if (!e.contains("criteria")) return Status::InvalidArgument(where + ": missing \"criteria\"");
    ParseContext ctx{registry_, where};
    STM_ASSIGN_OR_RETURN(r.criteria, ParseNode(e["criteria"], ctx, "criteria", 0));
    if (e.contains("decontrols")) {
      if (!e["decontrols"].is_array())
        return Status::InvalidArgument(where + ": \"decontrols\" must be an array");
      for (size_t d = 0; d < e["decontrols"].size(); ++d) {
        const auto& dj = e["decontrols"][d];
        std::string path = fmt::format("decontrols[{}]", d);
        if (!dj.is_object() || !dj.contains("expr"))
          return Status::InvalidArgument(fmt::format("{}: {}: needs \"src\" and \"expr\"", where, path));
        Decontrol dc;
        dc.src = dj.value("src", std::string());
        if (dc.src.empty())
          return Status::InvalidArgument(fmt::format("{}: {}: missing \"src\"", where, path));
        STM_ASSIGN_OR_RETURN(dc.expr, ParseNode(dj["expr"], ctx, path + ".expr", 0));
        r.decontrols.push_back(std::move(dc));
      }
    }
    if (e.contains("hs")) {
      if (!e["hs"].is_array()) return Status::InvalidArgument(where + ": \"hs\" must be an array");
      for (const auto& h : e["hs"]) {
        std::string code;
        if (h.is_string()) {
          for (char c : h.get<std::string>()) {
            if (std::isdigit(static_cast<unsigned char>(c))) code += c;
          }
        }
        if (code.size() != 4 && code.size() != 6)
          return Status::InvalidArgument(where + ": \"hs\" codes must have 4 or 6 digits");
        r.hs.push_back(code);
      }
    }
    r.notes = e.value("notes", std::string());
    r.source = e.value("source", default_source);
    if (e.contains("tests")) {
      if (!e["tests"].is_array()) return Status::InvalidArgument(where + ": \"tests\" must be an array");
      for (size_t t = 0; t < e["tests"].size(); ++t) {
        STM_ASSIGN_OR_RETURN(TestCase tc, ParseTest(e["tests"][t], fmt::format("{}: tests[{}]", where, t)));
        r.tests.push_back(std::move(tc));
      }
    }
    by_code_[Upper(r.code)] = records_.size();
    records_.push_back(std::move(r));
  }
  return Status::Ok();
}

Result<std::shared_ptr<const CriteriaSet>> CriteriaSet::FromJson(
    const nlohmann::json& parameters, const std::vector<std::pair<std::string, nlohmann::json>>& files) {
  auto set = std::make_shared<CriteriaSet>();
  STM_RETURN_IF_ERROR(set->registry_.DeclareAll(parameters, "parameters.json"));
  // Every file's parameters first: a record may use a parameter another file declares.
  for (const auto& [name, doc] : files) {
    if (!doc.is_object()) return Status::InvalidArgument(fmt::format("{}: expected a JSON object", name));
    STM_RETURN_IF_ERROR(set->registry_.DeclareAll(doc, name));
  }
  for (const auto& [name, doc] : files) STM_RETURN_IF_ERROR(set->AddFile(name, doc));
  return std::shared_ptr<const CriteriaSet>(std::move(set));
}

namespace {
Result<nlohmann::json> ReadJsonFile(const std::filesystem::path& p) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(p, ec))
    return Status::NotFound(fmt::format("{} is not a readable file", p.string()));
  std::ifstream in(p, std::ios::binary);
  if (!in) return Status::NotFound(fmt::format("cannot read {}", p.string()));
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded()) return Status::InvalidArgument(fmt::format("{}: not valid JSON", p.string()));
  return j;
}
}  // namespace

Result<std::shared_ptr<const CriteriaSet>> CriteriaSet::LoadFiles(
    const std::filesystem::path& project_data, const std::vector<std::filesystem::path>& files) {
  STM_ASSIGN_OR_RETURN(nlohmann::json params, ReadJsonFile(project_data / "parameters.json"));
  std::vector<std::pair<std::string, nlohmann::json>> docs;
  for (const auto& f : files) {
    STM_ASSIGN_OR_RETURN(nlohmann::json doc, ReadJsonFile(f));
    docs.emplace_back(f.filename().string(), std::move(doc));
  }
  return FromJson(params, docs);
}

Result<std::shared_ptr<const CriteriaSet>> CriteriaSet::LoadDirectory(
    const std::filesystem::path& project_data) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(project_data / "criteria", ec)) {
    if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
  }
  if (ec)
    return Status::NotFound(
        fmt::format("cannot list {}: {}", (project_data / "criteria").string(), ec.message()));
  std::sort(files.begin(), files.end());
  return LoadFiles(project_data, files);
}

const CriteriaRecord* CriteriaSet::Find(std::string_view code) const {
  auto it = by_code_.find(Upper(code));
  return it == by_code_.end() ? nullptr : &records_[it->second];
}

const CriteriaRecord* CriteriaSet::FirstBelow(std::string_view code) const {
  std::string prefix = Upper(code) + ".";
  auto it = by_code_.lower_bound(prefix);
  return it != by_code_.end() && it->first.starts_with(prefix) ? &records_[it->second] : nullptr;
}

Truth CriteriaSet::Eval(const Node& n, const PreparedItem& item, const CriteriaRecord& record, Evaluation& ev,
                        ClauseResult& out, int depth) const {
  if (ev.explain) out.src = n.src;
  const Item& it = item.item();
  auto unknown_missing = [&](const ParameterDef& def) {
    AddUnique(ev.missing_parameters, def.name);
    out.missing = def.name;
    if (ev.explain)
      out.detail = def.type == ParamType::kQuantity ? fmt::format("missing: {} ({})", def.name, def.unit)
                                                    : fmt::format("missing: {}", def.name);
    return out.truth = Truth::kUnknown;
  };
  switch (n.kind) {
    case Node::Kind::kAll:
    case Node::Kind::kAny: {
      bool all = n.kind == Node::Kind::kAll;
      bool any_false = false, any_true = false, any_unknown = false;
      ClauseResult scratch;
      for (const auto& c : n.children) {
        ClauseResult* target = &scratch;
        if (ev.explain) target = &out.children.emplace_back();
        Truth t = Eval(c, item, record, ev, *target, depth);
        any_false |= t == Truth::kFalse;
        any_true |= t == Truth::kTrue;
        any_unknown |= t == Truth::kUnknown;
      }
      if (all)
        out.truth = any_false ? Truth::kFalse : any_unknown ? Truth::kUnknown : Truth::kTrue;
      else
        out.truth = any_true ? Truth::kTrue : any_unknown ? Truth::kUnknown : Truth::kFalse;
      if (out.src.empty()) out.detail = all ? "all of:" : "any of:";
      return out.truth;
    }
    case Node::Kind::kNot: {
      ClauseResult scratch;
      ClauseResult* target = &scratch;
      if (ev.explain) target = &out.children.emplace_back();
      Truth t = Eval(n.children.front(), item, record, ev, *target, depth);
      out.truth = t == Truth::kTrue ? Truth::kFalse : t == Truth::kFalse ? Truth::kTrue : Truth::kUnknown;
      if (out.src.empty()) out.detail = "not:";
      return out.truth;
    }
    case Node::Kind::kCompare:
    case Node::Kind::kBetween: {
      const ParameterDef& def = *n.param;
      const PreparedItem::Fact* f = item.Lookup(def, registry_);
      if (f == nullptr) return unknown_missing(def);
      ++ev.facts_used;
      double v = std::get<double>(f->value);
      double v_si = def.type == ParamType::kQuantity ? f->unit.ToSi(v) : v;
      double shown = def.type == ParamType::kQuantity ? n.parsed_unit.FromSi(v_si) : v;
      std::string unit = def.type == ParamType::kQuantity ? " " + n.unit : "";
      std::string given = f->derivation.empty()
                              ? fmt::format("{} = {} {}", f->given_name, FormatNumber(v), f->unit_text)
                              : f->derivation;
      bool result = false;
      if (n.kind == Node::Kind::kCompare) {
        result = CompareOp(v_si, n.op, n.value_si);
        if (ev.explain)
          out.detail = fmt::format("{}{} -> {}{} {} {}{}: {}", given,
                                   f->unit_text == n.unit || !f->derivation.empty()
                                       ? ""
                                       : fmt::format(" ({}{})", FormatNumber(shown), unit),
                                   FormatNumber(shown), unit, n.op, FormatNumber(n.value), unit,
                                   result ? "yes" : "no");
      } else {
        bool lo = !n.min_si ||
                  (n.min_inclusive ? CompareOp(v_si, ">=", *n.min_si) : CompareOp(v_si, ">", *n.min_si));
        bool hi = !n.max_si ||
                  (n.max_inclusive ? CompareOp(v_si, "<=", *n.max_si) : CompareOp(v_si, "<", *n.max_si));
        result = lo && hi;
        if (ev.explain)
          out.detail = fmt::format("{} -> {}{} in {}{}, {}{}{}: {}", given, FormatNumber(shown), unit,
                                   n.min_inclusive ? "[" : "(", n.min ? FormatNumber(*n.min) : "-inf",
                                   n.max ? FormatNumber(*n.max) : "inf", n.max_inclusive ? "]" : ")", unit,
                                   result ? "yes" : "no");
      }
      return out.truth = result ? Truth::kTrue : Truth::kFalse;
    }
    case Node::Kind::kIn: {
      const ParameterDef& def = *n.param;
      const PreparedItem::Fact* f = item.Lookup(def, registry_);
      if (f == nullptr) return unknown_missing(def);
      ++ev.facts_used;
      std::string v = FoldSpelling(NormalizeName(std::get<std::string>(f->value)));
      std::vector<std::string> words = Words(v);
      // A value outside the parameter's vocabulary ("7075-T6" for a material) cannot be judged here.
      if (def.type == ParamType::kEnum && !def.values.empty() && !def.KnowsValue(v)) {
        bool in_set = false;
        for (size_t k = 0; k < n.set.size() && !in_set; ++k)
          in_set = v == n.set[k] || ContainsPhrase(words, n.set_phrases[k]);
        if (!in_set) {
          AddUnique(ev.missing_parameters, def.name);
          out.missing = def.name;
          if (ev.explain)
            out.detail = fmt::format("{} = '{}': not a known {} (state one of the listed values)",
                                     f->given_name, std::get<std::string>(f->value), def.name);
          return out.truth = Truth::kUnknown;
        }
      }
      bool result = false;
      for (size_t k = 0; k < n.set.size() && !result; ++k)
        result = v == n.set[k] || ContainsPhrase(words, n.set_phrases[k]);
      if (ev.explain)
        out.detail = fmt::format("{} = '{}': {}", f->given_name, std::get<std::string>(f->value),
                                 result ? "listed" : "not listed");
      return out.truth = result ? Truth::kTrue : Truth::kFalse;
    }
    case Node::Kind::kIs: {
      const ParameterDef& def = *n.param;
      const PreparedItem::Fact* f = item.Lookup(def, registry_);
      if (f == nullptr) return unknown_missing(def);
      ++ev.facts_used;
      bool result = std::get<bool>(f->value) == n.bool_value;
      if (ev.explain)
        out.detail = fmt::format("{} = {}", f->given_name, std::get<bool>(f->value) ? "yes" : "no");
      return out.truth = result ? Truth::kTrue : Truth::kFalse;
    }
    case Node::Kind::kAsk: {
      auto a = it.answers.find(n.id);
      if (a == it.answers.end()) {
        out.question = {n.id, n.question};
        AddQuestion(ev, out.question.id, out.question.question);
        if (ev.explain) out.detail = "open question: " + n.question;
        return out.truth = Truth::kUnknown;
      }
      if (ev.explain) out.detail = fmt::format("answered {}: {}", a->second ? "yes" : "no", n.question);
      return out.truth = a->second ? Truth::kTrue : Truth::kFalse;
    }
    case Node::Kind::kRef: {
      std::string key = "ref:" + n.id;
      if (auto a = it.answers.find(key); a != it.answers.end()) {
        if (ev.explain)
          out.detail =
              fmt::format("answered: {} {} the item", n.id, a->second ? "specifies" : "does not specify");
        return out.truth = a->second ? Truth::kTrue : Truth::kFalse;
      }
      std::vector<const CriteriaRecord*> targets;
      if (const CriteriaRecord* r = Find(n.id)) {
        targets.push_back(r);
      } else {
        std::string prefix = Upper(n.id) + ".";
        for (auto t = by_code_.lower_bound(prefix); t != by_code_.end() && t->first.starts_with(prefix);
             ++t) {
          targets.push_back(&records_[t->second]);
        }
      }
      if (targets.empty() || depth + 1 >= kMaxRefDepth ||
          (targets.size() == 1 && targets.front() == &record)) {
        out.question = {key, fmt::format("Is the item specified in {}?", n.id)};
        AddQuestion(ev, out.question.id, out.question.question);
        if (ev.explain) out.detail = fmt::format("{} is not transcribed: open question", n.id);
        return out.truth = Truth::kUnknown;
      }
      bool any_true = false, all_false = true;
      for (const CriteriaRecord* r : targets) {
        Evaluation sub = EvaluateAt(*r, item, depth + 1, ev.explain);
        Truth t = sub.verdict == Verdict::kControlled ? Truth::kTrue
                  : sub.verdict == Verdict::kNot      ? Truth::kFalse
                                                      : Truth::kUnknown;
        any_true |= t == Truth::kTrue;
        all_false &= t == Truth::kFalse;
        if (t == Truth::kUnknown) {
          for (const auto& m : sub.missing_parameters) AddUnique(ev.missing_parameters, m);
        }
        ev.facts_used += sub.facts_used;
        if (ev.explain) {
          ClauseResult c = std::move(sub.criteria);
          c.detail = fmt::format("{}: {} ({})", r->code, TruthName(t), sub.decided_by);
          out.children.push_back(std::move(c));
        }
      }
      out.truth = any_true ? Truth::kTrue : all_false ? Truth::kFalse : Truth::kUnknown;
      if (out.truth == Truth::kUnknown)
        out.question = {key, fmt::format("Is the item specified in {}?", n.id)};
      AddQuestion(ev, out.question.id, out.question.question);
      if (ev.explain)
        out.detail = fmt::format("item {} {}",
                                 out.truth == Truth::kTrue    ? "falls under"
                                 : out.truth == Truth::kFalse ? "does not fall under"
                                                              : "may fall under",
                                 n.id);
      return out.truth;
    }
    case Node::Kind::kKind: {
      std::string key = "kind:" + record.code;
      if (auto a = it.answers.find(key); a != it.answers.end()) {
        if (ev.explain)
          out.detail = fmt::format("answered: the item {} such an item", a->second ? "is" : "is not");
        return out.truth = a->second ? Truth::kTrue : Truth::kFalse;
      }
      const std::vector<std::string>& words = item.description_words();
      for (size_t k = 0; k < record.kind_phrases.size(); ++k) {
        if (ContainsPhrase(words, record.kind_phrases[k])) {
          ev.kind_matched = true;
          if (ev.explain) out.detail = fmt::format("the description names a '{}'", record.kinds[k]);
          return out.truth = Truth::kTrue;
        }
      }
      std::string kinds;
      for (size_t k = 0; k < record.kinds.size() && k < 4; ++k) kinds += (k ? ", " : "") + record.kinds[k];
      std::string q = kinds.empty()
                          ? fmt::format("Is the item of the kind described in {}?", record.code)
                          : fmt::format("Is the item a {} (as described in {})?", kinds, record.code);
      out.question = {key, q};
      AddQuestion(ev, out.question.id, out.question.question);
      if (ev.explain) out.detail = "open question: " + q;
      return out.truth = Truth::kUnknown;
    }
    case Node::Kind::kCas: {
      if (it.cas.empty()) {
        out.question = {"cas", "What is the CAS number of the chemical?"};
        AddQuestion(ev, out.question.id, out.question.question);
        if (ev.explain) out.detail = "no CAS number given";
        return out.truth = Truth::kUnknown;
      }
      for (const auto& c : it.cas) {
        std::string cas = NormalizeCas(c);
        if (std::find(n.set.begin(), n.set.end(), cas) != n.set.end()) {
          if (ev.explain) out.detail = fmt::format("CAS {} is listed", cas);
          ev.cas_matched = true;
          return out.truth = Truth::kTrue;
        }
      }
      if (ev.explain) out.detail = "CAS number not listed";
      return out.truth = Truth::kFalse;
    }
  }
  return Truth::kUnknown;
}

Evaluation CriteriaSet::Evaluate(const CriteriaRecord& record, const PreparedItem& item, bool explain) const {
  return EvaluateAt(record, item, 0, explain);
}

Evaluation CriteriaSet::EvaluateAt(const CriteriaRecord& record, const PreparedItem& item, int depth,
                                   bool explain) const {
  Evaluation ev;
  ev.explain = explain;
  ev.record = &record;
  Truth t = Eval(record.criteria, item, record, ev, ev.criteria, depth);
  if (explain) {
    // Only what could still change the result: the unknown branches (a missing parameter under a clause
    // that is already false does not matter).
    ev.missing_parameters.clear();
    ev.open_questions.clear();
    CollectOpen(ev.criteria, ev);
  }
  // Decontrol notes are evaluated last; one that holds releases the item.
  for (const auto& d : record.decontrols) {
    Evaluation scratch;
    scratch.record = &record;
    scratch.explain = explain;
    ClauseResult c;
    Truth dt = Eval(d.expr, item, record, scratch, c, depth);
    ClauseResult wrapped;
    wrapped.truth = dt;
    wrapped.src = d.src;
    wrapped.children.push_back(std::move(c));
    ev.decontrols.push_back(std::move(wrapped));
    if (dt == Truth::kTrue && t != Truth::kFalse) {
      ev.verdict = Verdict::kNot;
      ev.decided_by = "released by the note: " + d.src;
      ev.facts_used += scratch.facts_used;
      return ev;
    }
    if (dt == Truth::kUnknown && t == Truth::kTrue) {
      AddQuestion(ev, "note:" + record.code + ":" + std::to_string(ev.decontrols.size()),
                  "Does this note apply (it would release the item)? " + d.src);
    }
  }
  if (t == Truth::kFalse) {
    ev.verdict = Verdict::kNot;
    const ClauseResult* d = DecisiveFalse(ev.criteria);
    ev.decided_by = d ? fmt::format("not met: {}{}{}", d->src,
                                    d->src.empty() || d->detail.empty() ? "" : " -- ", d->detail)
                      : "criteria not met";
    ev.missing_parameters.clear();
    ev.open_questions.clear();
  } else if (t == Truth::kTrue) {
    ev.verdict = Verdict::kControlled;
    ev.decided_by = "every criterion is met";
  } else {
    ev.verdict = Verdict::kPossibly;
    ev.decided_by = fmt::format("needs review: {} missing parameter(s), {} open question(s)",
                                ev.missing_parameters.size(), ev.open_questions.size());
  }
  return ev;
}

std::vector<std::string> RunTests(const CriteriaSet& set, const CriteriaRecord& record) {
  std::vector<std::string> failures;
  for (const auto& t : record.tests) {
    auto item = PreparedItem::Prepare(t.item, set.registry());
    if (!item.ok()) {
      failures.push_back(fmt::format("{} '{}': {}", record.code, t.name, item.status().message()));
      continue;
    }
    Evaluation ev = set.Evaluate(record, *item);
    if (VerdictName(ev.verdict) != t.expect) {
      failures.push_back(fmt::format(
          "{} '{}': expected {}, got {}\n{}", record.code, t.name,
          t.expect == "possibly" ? "review" : t.expect,
          ev.verdict == Verdict::kPossibly ? "review" : std::string(VerdictName(ev.verdict)), ev.Explain()));
    }
  }
  return failures;
}

}  // namespace stm::classify
