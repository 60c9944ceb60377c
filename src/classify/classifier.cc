#include "classify/classifier.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

namespace stm::classify {
namespace {

constexpr size_t kTextHits = 40;
constexpr size_t kMaxLimit = 50;

int VerdictRank(Verdict v) { return v == Verdict::kControlled ? 0 : v == Verdict::kPossibly ? 1 : 2; }

std::string Upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// "2B350.a.1" -> {"2B350.a.1", "2B350.a", "2B350"}.
std::vector<std::string> SelfAndAncestors(const std::string& code) {
  std::vector<std::string> out{Upper(code)};
  std::string c = Upper(code);
  for (size_t dot = c.rfind('.'); dot != std::string::npos; dot = c.rfind('.')) {
    c = c.substr(0, dot);
    out.push_back(c);
  }
  return out;
}

void AddSource(Candidate& c, const std::string& s) {
  if (std::find(c.sources.begin(), c.sources.end(), s) == c.sources.end()) c.sources.push_back(s);
}

}  // namespace

nlohmann::json Candidate::ToJson() const {
  nlohmann::json q = nlohmann::json::array();
  for (const auto& o : open_questions) q.push_back(o.ToJson());
  nlohmann::json j = {{"code", code},
                      {"regime", regime},
                      {"heading", heading},
                      {"verdict", VerdictName(verdict)},
                      {"score", std::round(score * 1000) / 1000},
                      {"explanation", explanation},
                      {"open_questions", std::move(q)},
                      {"missing_parameters", missing_parameters},
                      {"sources", sources}};
  if (!clauses.is_null()) j["clauses"] = clauses;
  return j;
}

nlohmann::json Classification::ToJson() const {
  nlohmann::json c = nlohmann::json::array();
  for (const auto& x : candidates) c.push_back(x.ToJson());
  return {{"candidates", std::move(c)}, {"unknown_parameters", unknown_parameters}};
}

Classifier::Classifier(std::shared_ptr<const catalog::Catalog> catalog,
                       std::shared_ptr<const CriteriaSet> criteria, catalog::Synonyms synonyms)
    : catalog_(std::move(catalog)), criteria_(std::move(criteria)), synonyms_(std::move(synonyms)) {
  index_ = catalog::TextIndex::Build(*catalog_, synonyms_);
  for (const auto& [name, def] : criteria_->registry().all()) {
    for (const auto& a : criteria_->registry().Aliases(def)) known_aliases_.push_back(a);
  }
  for (const char* extra : {"item kind", "kind", "item type"}) known_aliases_.emplace_back(extra);
  for (const auto& r : criteria_->records()) record_keys_.push_back(SelfAndAncestors(r.code));
  std::sort(known_aliases_.begin(), known_aliases_.end());
}

Result<std::shared_ptr<const Classifier>> Classifier::Load(const Sources& sources) {
  auto start = std::chrono::steady_clock::now();
  STM_ASSIGN_OR_RETURN(auto criteria, CriteriaSet::LoadDirectory(sources.project_data));
  auto catalog = std::make_shared<catalog::Catalog>();
  std::error_code ec;
  if (!sources.data_dir.empty() && std::filesystem::is_directory(sources.data_dir / "controls", ec)) {
    STM_ASSIGN_OR_RETURN(*catalog, catalog::LoadCatalog({sources.data_dir, sources.project_data}));
  }
  catalog::Synonyms synonyms;
  if (std::filesystem::exists(sources.project_data / "synonyms.json", ec)) {
    STM_ASSIGN_OR_RETURN(synonyms, catalog::LoadSynonyms(sources.project_data / "synonyms.json"));
  }
  auto c = std::make_shared<Classifier>(std::move(catalog), std::move(criteria), std::move(synonyms));
  c->load_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return std::shared_ptr<const Classifier>(std::move(c));
}

Result<Classification> Classifier::Classify(const Item& item, size_t limit) const {
  limit = std::clamp<size_t>(limit, 1, kMaxLimit);
  auto prepared = PreparedItem::Prepare(item, criteria_->registry());
  if (!prepared.ok()) return prepared.status();
  Classification out;
  for (const auto& p : item.parameters) {
    std::string n = NormalizeName(p.name);
    if (!std::binary_search(known_aliases_.begin(), known_aliases_.end(), n))
      out.unknown_parameters.push_back(p.name);
  }

  // Full-text retrieval over the description (and the stated kind of item).
  std::string query = item.description;
  for (const auto& p : item.parameters) {
    std::string n = NormalizeName(p.name);
    if ((n == "item kind" || n == "kind" || n == "item type") &&
        std::holds_alternative<std::string>(p.value)) {
      query += " " + std::get<std::string>(p.value);
    }
  }
  std::map<std::string, double> text_score;  // upper-cased code -> normalised score in (0, 1]
  std::map<std::string, std::vector<std::string>> text_terms;
  if (!query.empty()) {
    auto hits = index_.Search(query, kTextHits);
    double top = hits.empty() ? 1 : hits.front().score;
    for (const auto& h : hits) {
      text_score[Upper(h.entry->code)] = h.score / top;
      text_terms[Upper(h.entry->code)] = h.matched_terms;
    }
  }
  auto text_for = [&](const std::vector<std::string>& keys) {  // the record's code, then its ancestors
    double best = 0;
    for (size_t k = 0; k < keys.size() && !text_score.empty(); ++k) {
      if (auto it = text_score.find(keys[k]); it != text_score.end())
        best = std::max(best, it->second * (k == 0 ? 1.0 : 0.8));
    }
    return best;
  };
  std::set<std::string> cas_entries, hs_entries;  // upper-cased codes named by CAS / correlated by HS
  for (const auto& cas : item.cas) {
    for (const auto* e : catalog_->EntriesForCas(cas)) cas_entries.insert(Upper(e->code));
  }
  if (!item.hs.empty()) {
    for (const auto* e : catalog_->EntriesForHs(item.hs)) hs_entries.insert(Upper(e->code));
  }
  std::string hs_digits;
  for (char ch : item.hs) {
    if (std::isdigit(static_cast<unsigned char>(ch))) hs_digits += ch;
  }

  std::map<std::string, Candidate> by_code;
  // 1. Every transcribed record, evaluated; kept when the item is of its kind or its facts were used.
  for (size_t ri = 0; ri < criteria_->records().size(); ++ri) {
    const CriteriaRecord& r = criteria_->records()[ri];
    const std::vector<std::string>& keys = record_keys_[ri];
    Evaluation ev = criteria_->Evaluate(r, *prepared, /*explain=*/false);
    double text = text_for(keys);
    bool cas_hit = false;
    for (const auto& c : keys) cas_hit |= cas_entries.count(c) > 0;
    bool hs_hit = false;
    for (const auto& h : r.hs)
      hs_hit |= !hs_digits.empty() && (hs_digits.starts_with(h) || h.starts_with(hs_digits));
    for (const auto& c : keys) hs_hit |= hs_entries.count(c) > 0;
    bool cas_decided = ev.cas_matched;
    double facts = std::min(1.0, ev.facts_used / 3.0);
    bool relevant = ev.kind_matched || text >= 0.25 || cas_hit || cas_decided || ev.facts_used >= 2 ||
                    (ev.facts_used >= 1 && text > 0);
    if (!relevant) continue;
    // An item not of the entry's kind that only shares a generic parameter is noise.
    if (ev.verdict == Verdict::kNot && !ev.kind_matched && text < 0.25 && !cas_hit && ev.facts_used < 2)
      continue;
    ev = criteria_->Evaluate(r, *prepared);  // kept: again with the clause texts
    Candidate c;
    c.code = r.code;
    c.regime = r.regime;
    c.heading = r.title;
    c.verdict = ev.verdict;
    c.explanation = ev.Explain();
    c.clauses = {{"criteria", ev.criteria.ToJson()}};
    if (!ev.decontrols.empty()) {
      c.clauses["decontrols"] = nlohmann::json::array();
      for (const auto& d : ev.decontrols) c.clauses["decontrols"].push_back(d.ToJson());
    }
    c.open_questions = ev.open_questions;
    c.missing_parameters = ev.missing_parameters;
    AddSource(c, "criteria");
    if (ev.kind_matched) AddSource(c, "kind");
    if (text > 0) AddSource(c, "text");
    if (cas_hit || cas_decided) AddSource(c, "cas");
    if (hs_hit) AddSource(c, "hs");
    c.score = std::min(1.0, 0.35 * (ev.kind_matched ? 1 : 0) + 0.3 * facts + 0.25 * text +
                                (cas_hit || cas_decided ? 0.4 : 0) + (hs_hit ? 0.1 : 0));
    if (const auto* e = catalog_->Find(r.code); e != nullptr && c.heading.empty()) c.heading = e->heading;
    by_code[keys.front()] = std::move(c);
  }
  // 2. Catalogue entries named by CAS number or correlated by HS code, and 3. text matches, for
  // entries without a transcription (or whose transcription is not among the candidates).
  auto add_catalogue = [&](const catalog::ControlEntry& e, const std::string& source, double score,
                           std::string why) {
    std::string key = Upper(e.code);
    // A transcription of this entry, of a paragraph above it or of one below it already speaks for it.
    for (const auto& anc : SelfAndAncestors(e.code)) {
      if (criteria_->Find(anc) != nullptr) {
        if (auto it = by_code.find(anc); it != by_code.end()) AddSource(it->second, source);
        return;
      }
    }
    if (auto below = criteria_->FirstBelow(e.code); below != nullptr) return;
    auto [it, inserted] = by_code.try_emplace(key);
    Candidate& c = it->second;
    if (inserted) {
      c.code = e.code;
      c.regime = std::string(catalog::RegimeId(e.regime));
      c.heading = e.heading;
      c.verdict = Verdict::kPossibly;
      c.explanation =
          fmt::format("{}: possibly -- no transcribed criteria; read the entry and decide.\n", e.code);
      if (criteria_->Find(e.code) == nullptr) {
        c.open_questions.push_back(
            {"kind:" + e.code, fmt::format("Does the item meet {}: {}?", e.code, e.heading)});
      }
    }
    c.explanation += "  " + why + "\n";
    c.score = std::min(1.0, c.score + score);
    AddSource(c, source);
  };
  for (const auto& cas : item.cas) {
    const catalog::Chemical* chem = catalog_->FindChemical(cas);
    for (const auto* e : catalog_->EntriesForCas(cas)) {
      add_catalogue(
          *e, "cas", 0.6,
          fmt::format("CAS {} is named in the entry{}", cas,
                      chem ? fmt::format(" ({}{}{})", chem->name, chem->schedules.empty() ? "" : "; ",
                                         fmt::join(chem->schedules, ", "))
                           : ""));
    }
  }
  if (!item.hs.empty()) {
    for (const auto* e : catalog_->EntriesForHs(item.hs)) {
      add_catalogue(*e, "hs", 0.15, fmt::format("HS {} is correlated with the entry", item.hs));
    }
  }
  for (const auto& [code, score] : text_score) {
    if (score < 0.35) continue;
    const catalog::ControlEntry* e = catalog_->Find(code);
    if (e == nullptr) continue;
    add_catalogue(
        *e, "text", 0.3 * score,
        fmt::format("text match (BM25 {:.2f} of the best): {}", score, fmt::join(text_terms[code], ", ")));
  }

  for (auto& [k, c] : by_code) out.candidates.push_back(std::move(c));
  std::stable_sort(out.candidates.begin(), out.candidates.end(), [](const Candidate& a, const Candidate& b) {
    if (VerdictRank(a.verdict) != VerdictRank(b.verdict))
      return VerdictRank(a.verdict) < VerdictRank(b.verdict);
    return a.score > b.score;
  });
  if (out.candidates.size() > limit) out.candidates.resize(limit);
  return out;
}

}  // namespace stm::classify
