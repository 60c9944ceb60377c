#include "cli/classify_commands.h"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

#include "api/app.h"
#include "catalog/catalog_store.h"
#include "catalog/import_ccl.h"
#include "classify/classifier.h"
#include "classify/criteria.h"
#include "common/clock.h"

namespace stm::cli {

int RunCriteriaCheck(const Config& config, const std::vector<std::string>& files) {
  std::filesystem::path project = ResolveProjectDataDir(config);
  // Every file in data/criteria plus the named ones (they may live elsewhere while being written).
  std::vector<std::filesystem::path> paths;
  std::set<std::string> names;
  std::error_code ec;
  for (const auto& f : files) {
    if (std::filesystem::is_directory(f, ec)) {  // a folder: every *.json in it
      for (const auto& e : std::filesystem::directory_iterator(f, ec)) {
        if (e.path().extension() == ".json") {
          paths.push_back(e.path());
          names.insert(e.path().filename().string());
        }
      }
      continue;
    }
    paths.emplace_back(f);
    names.insert(std::filesystem::path(f).filename().string());
  }
  for (const auto& e : std::filesystem::directory_iterator(project / "criteria", ec)) {
    if (e.path().extension() == ".json" && !names.count(e.path().filename().string()))
      paths.push_back(e.path());
  }
  auto set = classify::CriteriaSet::LoadFiles(project, paths);
  if (!set.ok()) {
    std::cerr << "load error: " << set.status().message() << "\n";
    return 1;
  }
  int records = 0, tests = 0, failed = 0, untested = 0;
  for (const auto& r : (*set)->records()) {
    if (!names.empty() && !names.count(r.file)) continue;
    ++records;
    tests += static_cast<int>(r.tests.size());
    if (r.tests.empty()) {
      ++untested;
      std::cout << fmt::format("FAIL {}: record has no tests\n", r.code);
    }
    for (const auto& f : classify::RunTests(**set, r)) {
      ++failed;
      std::cout << "FAIL " << f << "\n";
    }
  }
  std::cout << fmt::format("{} records, {} tests, {} failed, {} records without tests\n", records, tests,
                           failed, untested);
  return failed == 0 && untested == 0 ? 0 : 1;
}

namespace {

int Fail(const Status& s) {
  std::cerr << "error: " << s.message() << "\n";
  return s.code() == ErrorCode::kInvalidArgument || s.code() == ErrorCode::kNotFound ? 2 : 1;
}

Result<std::shared_ptr<const classify::Classifier>> LoadClassifier(const Config& config) {
  std::string data_dir = ResolveDataDir(config);
  auto c = classify::Classifier::Load({data_dir, ResolveProjectDataDir(config)});
  if (c.ok()) {
    std::cerr << fmt::format(
        "catalogue: {} entries, {} chemicals, {} HS codes, {} transcribed criteria ({}), loaded in {:.2f} "
        "s\n",
        (*c)->catalog().entries().size(), (*c)->catalog().chemicals().size(),
        (*c)->catalog().hs_codes().size(), (*c)->criteria().records().size(),
        data_dir.empty() ? "no data directory: criteria only" : data_dir, (*c)->load_seconds());
  }
  return c;
}

}  // namespace

int RunClassify(const Config& config, const ClassifyArgs& args) {
  std::ifstream in(args.input);
  if (!in) return Fail(Status::NotFound("cannot read " + args.input));
  auto classifier = LoadClassifier(config);
  if (!classifier.ok()) return Fail(classifier.status());
  std::ofstream out(args.output, std::ios::trunc);
  if (!out) return Fail(Status::InvalidArgument("cannot write " + args.output));
  int line_no = 0, errors = 0, done = 0;
  auto start = std::chrono::steady_clock::now();
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json result;
    auto j = nlohmann::json::parse(line, nullptr, false);
    nlohmann::json id = j.is_object() && j.contains("id") ? j["id"] : nlohmann::json(line_no);
    result["id"] = id;
    Status error;
    if (j.is_discarded() || !j.is_object()) {
      error = Status::InvalidArgument(fmt::format("line {}: not a JSON object", line_no));
    } else {
      auto item = classify::ItemFromJson(j);
      if (!item.ok()) {
        error = item.status();
      } else {
        auto c = (*classifier)->Classify(*item, static_cast<size_t>(args.limit));
        if (!c.ok())
          error = c.status();
        else
          result["candidates"] = c->ToJson()["candidates"];
        if (c.ok() && !c->unknown_parameters.empty()) result["unknown_parameters"] = c->unknown_parameters;
      }
    }
    if (!error.ok()) {
      ++errors;
      result["error"] = error.message();
      std::cerr << fmt::format("line {}: {}\n", line_no, error.message());
    }
    out << result.dump() << "\n";
    if (++done % 1000 == 0) std::cerr << fmt::format("{} items classified\n", done);
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cerr << fmt::format("{} items classified in {:.2f} s, {} with errors -> {}\n", done, secs, errors,
                           args.output);
  return errors == 0 ? 0 : 1;
}

int RunControlsSearch(const Config& config, const std::string& query, const std::string& regime, int limit) {
  std::optional<catalog::Regime> r;
  if (!regime.empty()) {
    r = catalog::ParseRegime(regime);
    if (!r)
      return Fail(Status::InvalidArgument("unknown regime '" + regime +
                                          "' (nsg1 nsg2 mtcr ag cwc wa_du wa_ml national)"));
  }
  auto classifier = LoadClassifier(config);
  if (!classifier.ok()) return Fail(classifier.status());
  for (const auto& h : (*classifier)->index().Search(query, static_cast<size_t>(std::max(1, limit)), r)) {
    std::cout << fmt::format("{:<12} {:<8} {:6.2f}  {}\n", h.entry->code, catalog::RegimeId(h.entry->regime),
                             h.score, h.entry->heading.substr(0, 100));
  }
  return 0;
}

int RunControlsShow(const Config& config, const std::string& code) {
  auto classifier = LoadClassifier(config);
  if (!classifier.ok()) return Fail(classifier.status());
  const catalog::ControlEntry* e = (*classifier)->catalog().Find(code);
  const classify::CriteriaRecord* r = (*classifier)->criteria().Find(code);
  if (e == nullptr && r == nullptr) return Fail(Status::NotFound("no control entry " + code));
  if (e != nullptr) {
    std::cout << fmt::format("{}  [{} -- {}]\n{}\n", e->code, catalog::RegimeName(e->regime), e->regime_basis,
                             e->heading);
    if (!e->text.empty() && e->text != e->heading) std::cout << "\n" << e->text << "\n";
    for (const auto& n : e->decontrol_notes) std::cout << "\nDecontrol note: " << n << "\n";
    if (!e->children.empty())
      std::cout << "\nSub-items: " << fmt::format("{}", fmt::join(e->children, ", ")) << "\n";
    if (!e->see_also.empty())
      std::cout << "See also: " << fmt::format("{}", fmt::join(e->see_also, ", ")) << "\n";
    if (!e->hs_codes.empty())
      std::cout << "HS codes: " << fmt::format("{}", fmt::join(e->hs_codes, ", ")) << "\n";
    if (!e->cas.empty()) std::cout << "CAS: " << fmt::format("{}", fmt::join(e->cas, ", ")) << "\n";
    for (const auto* x : (*classifier)->catalog().CrossReferencesOf(e->code)) {
      std::cout << fmt::format("Cross-reference: {} {} {} ({})\n", x->from, x->relation, x->to,
                               x->provenance);
    }
  }
  if (r != nullptr) {
    std::cout << fmt::format("\nTranscribed criteria ({}, {} tests, from {}):\n  {}\n", r->file,
                             r->tests.size(), r->source.dump(), r->title);
  }
  return 0;
}

int RunControlsImport(const Config& config, const std::string& dir) {
  std::filesystem::path base(dir);
  std::error_code ec;
  if (std::filesystem::is_directory(base / "controls" / "us_ccl", ec)) base = base / "controls" / "us_ccl";
  auto catalog = catalog::ImportCcl(base / catalog::kCclFullTextFile, base / catalog::kCclTreeFile);
  if (!catalog.ok()) return Fail(catalog.status());
  auto db = api::OpenDatabase(config, SystemClock::Instance());
  if (!db.ok()) return Fail(db.status());
  catalog::CatalogStore store(**db, SystemClock::Instance());
  auto saved = store.SaveVersion({"cli", "-"}, *catalog, (base / catalog::kCclFullTextFile).string());
  if (!saved.ok()) return Fail(saved.status());
  const auto& v = saved->version;
  std::cout << fmt::format(
      "{} {}: {} entries (+{} -{} ~{}){}; {} import issues reported\n", v.list, v.version, v.entry_count,
      saved->delta.added.size(), saved->delta.removed.size(), saved->delta.changed.size(),
      saved->already_imported ? " -- already imported, nothing written" : "", catalog->issues().size());
  return 0;
}

int RunControlsDiff(const Config& config, const std::string& from, const std::string& to) {
  auto db = api::OpenDatabase(config, SystemClock::Instance());
  if (!db.ok()) return Fail(db.status());
  catalog::CatalogStore store(**db, SystemClock::Instance());
  auto diff = store.Diff("us_ccl", from, to);
  if (!diff.ok()) return Fail(diff.status());
  std::cout << fmt::format("us_ccl {} -> {}: {} added, {} removed, {} changed\n", from, to,
                           diff->added.size(), diff->removed.size(), diff->changed.size());
  for (const auto& c : diff->added) std::cout << "+ " << c << "\n";
  for (const auto& c : diff->removed) std::cout << "- " << c << "\n";
  for (const auto& c : diff->changed) std::cout << "~ " << c.code << "\n";
  return 0;
}

}  // namespace stm::cli
