#include "policy/policy_data.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>

namespace stm::policy {
namespace {

using Json = nlohmann::json;

// Reads members of one JSON object, naming the path in errors.
class Reader {
 public:
  Reader(const Json& j, std::string path) : j_(j), path_(std::move(path)) {}

  Status Object() const {
    if (!j_.is_object()) return Status::InvalidArgument(fmt::format("{}: expected an object", path_));
    return Status::Ok();
  }
  Result<std::string> String(const char* key, bool required = true) const {
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) {
      if (required) return Status::InvalidArgument(fmt::format("{}.{}: required", path_, key));
      return std::string();
    }
    if (!it->is_string()) return Status::InvalidArgument(fmt::format("{}.{}: expected a string", path_, key));
    return it->get<std::string>();
  }
  Result<double> Number(const char* key) const {
    auto it = j_.find(key);
    if (it == j_.end() || !it->is_number()) {
      return Status::InvalidArgument(fmt::format("{}.{}: expected a number", path_, key));
    }
    return it->get<double>();
  }
  Result<bool> Bool(const char* key, bool fallback) const {
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return fallback;
    if (!it->is_boolean())
      return Status::InvalidArgument(fmt::format("{}.{}: expected true or false", path_, key));
    return it->get<bool>();
  }
  Result<std::vector<std::string>> Strings(const char* key) const {
    std::vector<std::string> out;
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return out;
    if (!it->is_array()) return Status::InvalidArgument(fmt::format("{}.{}: expected an array", path_, key));
    for (size_t i = 0; i < it->size(); ++i) {
      if (!(*it)[i].is_string()) {
        return Status::InvalidArgument(fmt::format("{}.{}[{}]: expected a string", path_, key, i));
      }
      out.push_back((*it)[i].get<std::string>());
    }
    return out;
  }
  Result<const Json*> Array(const char* key, bool required = false) const {
    static const Json kEmpty = Json::array();
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) {
      if (required) return Status::InvalidArgument(fmt::format("{}.{}: required", path_, key));
      return &kEmpty;
    }
    if (!it->is_array()) return Status::InvalidArgument(fmt::format("{}.{}: expected an array", path_, key));
    return &*it;
  }
  Result<Source> SourceOf(const char* key) const {
    auto it = j_.find(key);
    if (it == j_.end() || !it->is_object()) {
      return Status::InvalidArgument(fmt::format("{}.{}: every record names its source", path_, key));
    }
    Reader r(*it, fmt::format("{}.{}", path_, key));
    Source s;
    STM_ASSIGN_OR_RETURN(s.title, r.String("title"));
    STM_ASSIGN_OR_RETURN(s.url, r.String("url", false));
    STM_ASSIGN_OR_RETURN(s.retrieved, r.String("retrieved", false));
    return s;
  }
  const std::string& path() const { return path_; }

 private:
  const Json& j_;
  std::string path_;
};

Status CheckCountry(const std::string& path, const std::string& code, bool (*is_country)(std::string_view)) {
  bool shape = code.size() == 2 && code[0] >= 'A' && code[0] <= 'Z' && code[1] >= 'A' && code[1] <= 'Z';
  if (!shape || (is_country != nullptr && !is_country(code))) {
    return Status::InvalidArgument(fmt::format("{}: '{}' is not an ISO 3166-1 alpha-2 code", path, code));
  }
  return Status::Ok();
}

Result<std::vector<ResolutionRef>> Resolutions(const Reader& r, const char* key) {
  std::vector<ResolutionRef> out;
  STM_ASSIGN_OR_RETURN(const Json* list, r.Array(key));
  for (size_t i = 0; i < list->size(); ++i) {
    Reader e((*list)[i], fmt::format("{}.{}[{}]", r.path(), key, i));
    STM_RETURN_IF_ERROR(e.Object());
    ResolutionRef ref;
    STM_ASSIGN_OR_RETURN(ref.number, e.String("number"));
    auto year = (*list)[i].find("year");
    if (year != (*list)[i].end() && year->is_number_integer()) ref.year = year->get<int>();
    STM_ASSIGN_OR_RETURN(ref.paragraphs, e.String("paragraphs", false));
    out.push_back(std::move(ref));
  }
  return out;
}

Result<SanctionsRegime> ParseRegime(const Json& j, const std::string& path,
                                    const std::string& default_authority,
                                    bool (*is_country)(std::string_view)) {
  Reader r(j, path);
  STM_RETURN_IF_ERROR(r.Object());
  SanctionsRegime g;
  g.raw = j;
  STM_ASSIGN_OR_RETURN(g.id, r.String("id"));
  STM_ASSIGN_OR_RETURN(g.name, r.String("name"));
  STM_ASSIGN_OR_RETURN(g.authority, r.String("authority", false));
  if (g.authority.empty()) g.authority = default_authority;
  STM_ASSIGN_OR_RETURN(g.committee, r.String("committee", false));
  STM_ASSIGN_OR_RETURN(g.status, r.String("status", false));
  if (g.status.empty()) g.status = "active";
  if (g.status != "active" && g.status != "terminated") {
    return Status::InvalidArgument(
        fmt::format("{}.status: 'active' or 'terminated', not '{}'", path, g.status));
  }
  STM_ASSIGN_OR_RETURN(g.terminated_on, r.String("terminated_on", false));
  STM_ASSIGN_OR_RETURN(const Json* names, r.Array("un_list_regime_names"));
  for (size_t i = 0; i < names->size(); ++i) {
    Reader n((*names)[i], fmt::format("{}.un_list_regime_names[{}]", path, i));
    STM_RETURN_IF_ERROR(n.Object());
    SanctionsRegime::ListName name;
    STM_ASSIGN_OR_RETURN(name.list_type, n.String("un_list_type"));
    STM_ASSIGN_OR_RETURN(name.reference_prefixes, n.Strings("reference_prefixes"));
    g.list_names.push_back(std::move(name));
  }
  if (auto scope = j.find("scope"); scope != j.end()) {
    Reader s(*scope, path + ".scope");
    STM_RETURN_IF_ERROR(s.Object());
    STM_ASSIGN_OR_RETURN(g.countries, s.Strings("countries"));
    for (size_t i = 0; i < g.countries.size(); ++i) {
      STM_RETURN_IF_ERROR(
          CheckCountry(fmt::format("{}.scope.countries[{}]", path, i), g.countries[i], is_country));
    }
    STM_ASSIGN_OR_RETURN(g.non_state, s.Bool("non_state", false));
  }
  STM_ASSIGN_OR_RETURN(const Json* measures, r.Array("measures"));
  for (size_t i = 0; i < measures->size(); ++i) {
    const std::string mpath = fmt::format("{}.measures[{}]", path, i);
    Reader m((*measures)[i], mpath);
    STM_RETURN_IF_ERROR(m.Object());
    Measure measure;
    STM_ASSIGN_OR_RETURN(measure.type, m.String("type"));
    STM_ASSIGN_OR_RETURN(measure.scope, m.String("scope", false));
    STM_ASSIGN_OR_RETURN(measure.direction, m.String("direction", false));
    STM_ASSIGN_OR_RETURN(measure.since, m.String("since", false));
    STM_ASSIGN_OR_RETURN(measure.exemptions, m.String("exemptions", false));
    STM_ASSIGN_OR_RETURN(measure.resolutions, Resolutions(m, "resolutions"));
    if (auto items = (*measures)[i].find("items"); items != (*measures)[i].end() && items->is_object()) {
      Reader it(*items, mpath + ".items");
      STM_ASSIGN_OR_RETURN(measure.regime_lists, it.Strings("regime_lists"));
      STM_ASSIGN_OR_RETURN(measure.documents, it.Strings("documents"));
      STM_ASSIGN_OR_RETURN(measure.item_words, it.String("words", false));
    }
    g.measures.push_back(std::move(measure));
  }
  STM_ASSIGN_OR_RETURN(g.source, r.SourceOf("source"));
  return g;
}

Result<Json> ReadJsonFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(fmt::format("{} cannot be read", path));
  Json j = Json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::InvalidArgument(fmt::format("{}: not valid JSON", path));
  return j;
}

}  // namespace

Json ToJson(const Source& s) { return {{"title", s.title}, {"url", s.url}, {"retrieved", s.retrieved}}; }

Json ToJson(const CountryGroup& g, bool with_members) {
  Json out = {{"id", g.id},
              {"name", g.name},
              {"kind", g.kind},
              {"as_of", g.as_of},
              {"source", ToJson(g.source)},
              {"count", g.members.size()},
              {"notes", g.notes}};
  if (with_members) out["members"] = g.members;
  return out;
}

std::string Cite(const ResolutionRef& r) {
  std::string out = fmt::format("resolution {}", r.number);
  if (r.year > 0) out += fmt::format(" ({})", r.year);
  if (!r.paragraphs.empty()) {
    bool several = r.paragraphs.find_first_of(",-") != std::string::npos;
    out += fmt::format(", {} {}", several ? "paragraphs" : "paragraph", r.paragraphs);
  }
  return out;
}

Json ToJson(const CatchAllFlag& f) {
  Json sources = Json::array();
  for (const auto& s : f.sources) sources.push_back(ToJson(s));
  return {{"id", f.id},         {"question", f.question}, {"category", f.category},
          {"weight", f.weight}, {"severity", f.severity}, {"guidance", f.guidance},
          {"sources", sources}};
}

const CatchAllFlag* CatchAllChecklist::Find(std::string_view id) const {
  for (const auto& f : flags) {
    if (f.id == id) return &f;
  }
  return nullptr;
}

Result<PolicyData> PolicyData::LoadDirectory(const std::string& dir, bool (*is_country)(std::string_view)) {
  STM_ASSIGN_OR_RETURN(Json groups, ReadJsonFile(dir + "/groups.json"));
  STM_ASSIGN_OR_RETURN(Json sanctions, ReadJsonFile(dir + "/un_sanctions.json"));
  STM_ASSIGN_OR_RETURN(Json catch_all, ReadJsonFile(dir + "/catch_all.json"));
  auto data = FromJson(groups, sanctions, catch_all, is_country);
  if (!data.ok()) return data.status().WithContext(dir);
  return data;
}

Result<PolicyData> PolicyData::FromJson(const Json& groups, const Json& sanctions, const Json& catch_all,
                                        bool (*is_country)(std::string_view)) {
  PolicyData d;
  {
    Reader top(groups, "groups.json");
    STM_RETURN_IF_ERROR(top.Object());
    STM_ASSIGN_OR_RETURN(const Json* list, top.Array("groups", true));
    for (size_t i = 0; i < list->size(); ++i) {
      const std::string path = fmt::format("groups.json: groups[{}]", i);
      Reader r((*list)[i], path);
      STM_RETURN_IF_ERROR(r.Object());
      CountryGroup g;
      STM_ASSIGN_OR_RETURN(g.id, r.String("id"));
      STM_ASSIGN_OR_RETURN(g.name, r.String("name"));
      STM_ASSIGN_OR_RETURN(g.kind, r.String("kind", false));
      STM_ASSIGN_OR_RETURN(g.as_of, r.String("as_of"));
      STM_ASSIGN_OR_RETURN(g.source, r.SourceOf("source"));
      STM_ASSIGN_OR_RETURN(g.notes, r.Strings("notes"));
      STM_ASSIGN_OR_RETURN(auto members, r.Strings("members"));
      for (size_t m = 0; m < members.size(); ++m) {
        STM_RETURN_IF_ERROR(CheckCountry(fmt::format("{}.members[{}]", path, m), members[m], is_country));
        if (!g.members.insert(members[m]).second) {
          return Status::InvalidArgument(
              fmt::format("{}.members[{}]: '{}' is listed twice", path, m, members[m]));
        }
      }
      if (d.Group(g.id) != nullptr) {
        return Status::InvalidArgument(fmt::format("{}.id: '{}' is used twice", path, g.id));
      }
      d.groups_.push_back(std::move(g));
    }
  }
  {
    Reader top(sanctions, "un_sanctions.json");
    STM_RETURN_IF_ERROR(top.Object());
    STM_ASSIGN_OR_RETURN(const Json* un, top.Array("regimes", true));
    for (size_t i = 0; i < un->size(); ++i) {
      STM_ASSIGN_OR_RETURN(
          auto g, ParseRegime((*un)[i], fmt::format("un_sanctions.json: regimes[{}]", i), "UN", is_country));
      if (d.Regime(g.id) != nullptr) {
        return Status::InvalidArgument(
            fmt::format("un_sanctions.json: regimes[{}].id: '{}' is used twice", i, g.id));
      }
      d.regimes_.push_back(std::move(g));
    }
    STM_ASSIGN_OR_RETURN(const Json* national, top.Array("national_measures"));
    for (size_t i = 0; i < national->size(); ++i) {
      STM_ASSIGN_OR_RETURN(
          auto g, ParseRegime((*national)[i], fmt::format("un_sanctions.json: national_measures[{}]", i),
                              "national", is_country));
      if (d.Regime(g.id) != nullptr) {
        return Status::InvalidArgument(
            fmt::format("un_sanctions.json: national_measures[{}].id: '{}' is used twice", i, g.id));
      }
      d.regimes_.push_back(std::move(g));
    }
  }
  {
    Reader top(catch_all, "catch_all.json");
    STM_RETURN_IF_ERROR(top.Object());
    STM_ASSIGN_OR_RETURN(d.catch_all_.threshold, top.Number("threshold"));
    if (!(d.catch_all_.threshold > 0)) {
      return Status::InvalidArgument("catch_all.json: threshold: must be positive");
    }
    STM_ASSIGN_OR_RETURN(const Json* flags, top.Array("flags", true));
    for (size_t i = 0; i < flags->size(); ++i) {
      const std::string path = fmt::format("catch_all.json: flags[{}]", i);
      Reader r((*flags)[i], path);
      STM_RETURN_IF_ERROR(r.Object());
      CatchAllFlag f;
      STM_ASSIGN_OR_RETURN(f.id, r.String("id"));
      STM_ASSIGN_OR_RETURN(f.question, r.String("question"));
      STM_ASSIGN_OR_RETURN(f.category, r.String("category", false));
      STM_ASSIGN_OR_RETURN(f.weight, r.Number("weight"));
      if (!(f.weight > 0)) return Status::InvalidArgument(fmt::format("{}.weight: must be positive", path));
      STM_ASSIGN_OR_RETURN(f.severity, r.String("severity", false));
      STM_ASSIGN_OR_RETURN(f.guidance, r.String("guidance", false));
      STM_ASSIGN_OR_RETURN(const Json* sources, r.Array("sources"));
      for (size_t s = 0; s < sources->size(); ++s) {
        Reader sr((*sources)[s], fmt::format("{}.sources[{}]", path, s));
        STM_RETURN_IF_ERROR(sr.Object());
        Source src;
        STM_ASSIGN_OR_RETURN(src.title, sr.String("title"));
        STM_ASSIGN_OR_RETURN(src.url, sr.String("url", false));
        f.sources.push_back(std::move(src));
      }
      if (f.sources.empty()) {
        return Status::InvalidArgument(
            fmt::format("{}.sources: every flag names its published source", path));
      }
      if (d.catch_all_.Find(f.id) != nullptr) {
        return Status::InvalidArgument(fmt::format("{}.id: '{}' is used twice", path, f.id));
      }
      d.catch_all_.flags.push_back(std::move(f));
    }
  }
  return d;
}

const CountryGroup* PolicyData::Group(std::string_view id) const {
  for (const auto& g : groups_) {
    if (g.id == id) return &g;
  }
  return nullptr;
}

std::vector<const CountryGroup*> PolicyData::GroupsOf(std::string_view alpha2) const {
  std::vector<const CountryGroup*> out;
  for (const auto& g : groups_) {
    if (g.members.count(std::string(alpha2)) > 0) out.push_back(&g);
  }
  return out;
}

bool PolicyData::InGroup(std::string_view group_id, std::string_view alpha2) const {
  const CountryGroup* g = Group(group_id);
  return g != nullptr && g->members.count(std::string(alpha2)) > 0;
}

const SanctionsRegime* PolicyData::Regime(std::string_view id) const {
  for (const auto& r : regimes_) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

std::vector<const SanctionsRegime*> PolicyData::RegimesFor(std::string_view alpha2) const {
  std::vector<const SanctionsRegime*> out;
  for (const auto& r : regimes_) {
    if (!r.Active()) continue;
    if (std::find(r.countries.begin(), r.countries.end(), alpha2) != r.countries.end()) out.push_back(&r);
  }
  return out;
}

}  // namespace stm::policy
