// Evaluation of the name matcher and the screening index on the development sets in
// shared/data/eval/screening (see shared/data/README.md). The figures are printed; each test fails when a
// figure drops below a floor set a little under what the matcher achieves, so regressions show.
//
// By default (also under ASan in `make test`) the screening figures use the UN list only. With
// STM_EVAL_FULL=1 the negatives are screened against all lists (ImportDirectory) and the speed test runs;
// speed floors are only asserted in an optimised build without sanitizers.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "screening/csv.h"
#include "screening/importers.h"
#include "screening/matcher.h"
#include "screening/normalize.h"

namespace stm::screening {
namespace {

#if defined(__SANITIZE_ADDRESS__) || !defined(NDEBUG)
constexpr bool kOptimisedBuild = false;
#else
constexpr bool kOptimisedBuild = true;
#endif

// $STM_DATA_DIR, else the nearest shared/data above the current directory; empty when absent.
std::string DataDir() {
  if (const char* env = std::getenv("STM_DATA_DIR"); env != nullptr && *env != '\0') return env;
  std::error_code ec;
  for (auto dir = std::filesystem::current_path(ec); !ec && !dir.empty(); dir = dir.parent_path()) {
    auto candidate = dir / "shared" / "data";
    if (std::filesystem::exists(candidate / "eval" / "screening", ec)) return candidate.string();
    if (dir == dir.parent_path()) break;
  }
  return "";
}

bool FullEval() {
  const char* env = std::getenv("STM_EVAL_FULL");
  return env != nullptr && std::string(env) == "1";
}

using Row = std::map<std::string, std::string>;

std::vector<Row> ReadCsvFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  auto parsed = ParseCsv(ss.str());
  std::vector<Row> rows;
  if (!parsed.ok() || parsed->empty()) return rows;
  const auto& header = (*parsed)[0].fields;
  for (size_t r = 1; r < parsed->size(); ++r) {
    Row row;
    const auto& f = (*parsed)[r].fields;
    for (size_t c = 0; c < header.size(); ++c) row[header[c]] = c < f.size() ? f[c] : "";
    rows.push_back(std::move(row));
  }
  return rows;
}

Schema PairSchema(const std::string& s) {
  if (s == "Person") return Schema::kPerson;
  if (s == "Vessel") return Schema::kVessel;
  if (s == "Airplane" || s == "Aircraft") return Schema::kAircraft;
  return Schema::kOrganisation;  // Company, Organization, LegalEntity
}

std::optional<PartialDate> ParseDob(const std::string& s) {
  if (s.size() < 4) return std::nullopt;
  PartialDate d;
  d.raw = s;
  d.year = std::atoi(s.substr(0, 4).c_str());
  if (s.size() >= 7) d.month = std::atoi(s.substr(5, 2).c_str());
  if (s.size() >= 10) d.day = std::atoi(s.substr(8, 2).c_str());
  if (d.year == 0) return std::nullopt;
  return d;
}

struct Indexes {
  std::shared_ptr<const ScreeningIndex> un;
  std::shared_ptr<const ScreeningIndex> all;
  double all_build_seconds = 0;
  size_t all_names = 0;
};

Indexes& Shared() {
  static Indexes* x = new Indexes();
  return *x;
}

std::shared_ptr<const ScreeningIndex> UnIndex(const std::string& data) {
  Indexes& x = Shared();
  if (!x.un) {
    auto lists = ImportFile(data + "/sanctions/un/UN_consolidated_2026-02-27.xml");
    if (!lists.ok()) return nullptr;
    std::vector<Entity> entities;
    for (auto& l : *lists) {
      for (auto& e : l.entities) entities.push_back(std::move(e));
    }
    x.un = ScreeningIndex::Build(std::move(entities));
  }
  return x.un;
}

std::shared_ptr<const ScreeningIndex> AllIndex(const std::string& data) {
  Indexes& x = Shared();
  if (!x.all) {
    auto lists = ImportDirectory(data + "/sanctions");
    if (!lists.ok()) return nullptr;
    std::vector<Entity> entities;
    for (auto& l : *lists) {
      for (auto& e : l.entities) entities.push_back(std::move(e));
    }
    auto t0 = std::chrono::steady_clock::now();
    x.all = ScreeningIndex::Build(std::move(entities));
    x.all_build_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    x.all_names = x.all->name_count();
  }
  return x.all;
}

TEST(ScreeningEval, NamePairs) {
  const std::string data = DataDir();
  if (data.empty()) GTEST_SKIP() << "shared/data not found";
  auto rows = ReadCsvFile(data + "/eval/screening/name_pairs.csv");
  ASSERT_GT(rows.size(), 100u);
  int tp = 0, fp = 0, fn = 0, tn = 0, cross_total = 0, cross_right = 0;
  std::vector<std::string> errors;
  auto non_latin = [](const std::string& s) {
    for (const auto& t : NormalizeName(s, Schema::kUnknown).tokens) {
      if (t.script != TokenScript::kLatin) return true;
    }
    return false;
  };
  for (const auto& r : rows) {
    const bool truth = r.at("is_match") == "true";
    const double s = CompareNames(PairSchema(r.at("schema")), r.at("name1"), r.at("name2"));
    const bool predicted = s >= kDefaultThreshold;
    tp += predicted && truth;
    fp += predicted && !truth;
    fn += !predicted && truth;
    tn += !predicted && !truth;
    if (non_latin(r.at("name1")) != non_latin(r.at("name2"))) {
      ++cross_total;
      cross_right += predicted == truth;
    }
    if (predicted != truth) {
      char line[512];
      std::snprintf(line, sizeof(line), "  %s %.3f %s | %s", truth ? "FN" : "FP", s, r.at("name1").c_str(),
                    r.at("name2").c_str());
      errors.push_back(line);
    }
  }
  const double p = tp / static_cast<double>(std::max(1, tp + fp));
  const double rc = tp / static_cast<double>(std::max(1, tp + fn));
  const double f1 = p + rc > 0 ? 2 * p * rc / (p + rc) : 0;
  std::printf("[eval] name pairs (n=%zu, threshold %.2f): precision %.3f recall %.3f F1 %.3f "
              "(tp %d fp %d fn %d tn %d); cross-script %d/%d right\n",
              rows.size(), kDefaultThreshold, p, rc, f1, tp, fp, fn, tn, cross_right, cross_total);
  for (const auto& e : errors) std::printf("%s\n", e.c_str());
  EXPECT_GE(f1, 0.92);  // measured 0.938; OpenSanctions logic-v2: 0.79
  EXPECT_GE(p, 0.93);
  EXPECT_GE(rc, 0.90);
  EXPECT_EQ(cross_right, cross_total);
}

TEST(ScreeningEval, UnPositives) {
  const std::string data = DataDir();
  if (data.empty()) GTEST_SKIP() << "shared/data not found";
  auto index = UnIndex(data);
  if (!index) GTEST_SKIP() << "UN list not importable";
  auto treated = ReadCsvFile(data + "/eval/screening/un_positives_treated.csv");
  auto untreated = ReadCsvFile(data + "/eval/screening/un_positives_untreated.csv");
  ASSERT_EQ(treated.size(), untreated.size());
  ASSERT_GT(treated.size(), 100u);
  // The untreated name is one of the UN entry's names (primary or alias), up to case.
  std::map<std::string, std::vector<const Entity*>> by_name;
  for (const auto& e : index->entities()) {
    for (const auto& n : e.names) by_name[FoldCase(n.full)].push_back(&e);
  }
  int n = 0, at1 = 0, at10 = 0;
  std::vector<std::string> no_target, misses;
  for (size_t k = 0; k < treated.size(); ++k) {
    auto it = by_name.find(FoldCase(untreated[k].at("full_name")));
    if (it == by_name.end()) {
      no_target.push_back(untreated[k].at("full_name"));
      continue;
    }
    Query q;
    q.name = treated[k].at("full_name");
    q.schema = Schema::kPerson;
    q.birth_date = ParseDob(treated[k].at("date_of_birth"));
    q.country = treated[k].at("nationality");
    auto ms = index->Screen(q, {.lists = {"un"}});
    ++n;
    int rank = -1;
    for (size_t i = 0; i < ms.size() && rank < 0; ++i) {
      if (std::find(it->second.begin(), it->second.end(), ms[i].entity) != it->second.end()) {
        rank = static_cast<int>(i);
      }
    }
    at1 += rank == 0;
    at10 += rank >= 0 && rank < 10;
    if (rank != 0) {
      misses.push_back("  rank " + std::to_string(rank) + ": " + q.name + " (want " + it->first + ", got " +
                       (ms.empty() ? std::string("nothing") : ms[0].matched_name) + ")");
    }
  }
  const double r1 = at1 / static_cast<double>(std::max(1, n));
  const double r10 = at10 / static_cast<double>(std::max(1, n));
  std::printf("[eval] UN treated positives: n=%d recall@1 %.4f recall@10 %.4f (rows whose entry is not in the "
              "list: %zu)\n",
              n, r1, r10, no_target.size());
  for (const auto& m : misses) std::printf("%s\n", m.c_str());
  for (const auto& t : no_target) std::printf("  not in the list: %s\n", t.c_str());
  EXPECT_GE(r1, 0.985);  // measured 0.995: the one miss is a different listed person (NOOR vs MOHAMMAD BARZAN)
  EXPECT_GE(r10, 0.99);
}

TEST(ScreeningEval, Negatives) {
  const std::string data = DataDir();
  if (data.empty()) GTEST_SKIP() << "shared/data not found";
  const bool full = FullEval();
  auto index = full ? AllIndex(data) : UnIndex(data);
  if (!index) GTEST_SKIP() << "lists not importable";
  for (const char* file : {"negatives_global_1k.csv", "negatives_us_1k.csv"}) {
    auto rows = ReadCsvFile(data + "/eval/screening/" + file);
    ASSERT_GT(rows.size(), 100u);
    int alerts = 0;
    std::vector<std::string> lines;
    for (const auto& r : rows) {
      Query q;
      q.name = r.at("full_name");
      q.schema = Schema::kPerson;
      q.birth_date = ParseDob(r.at("date_of_birth"));
      q.country = r.at("nationality");
      auto ms = index->Screen(q);
      if (!ms.empty()) {
        ++alerts;
        char line[512];
        std::snprintf(line, sizeof(line), "  %s -> %s [%s] %.3f", q.name.c_str(), ms[0].matched_name.c_str(),
                      ms[0].entity->list.c_str(), ms[0].score);
        lines.push_back(line);
      }
    }
    const double per_1000 = alerts * 1000.0 / static_cast<double>(rows.size());
    std::printf("[eval] %s against %s (%zu names): %.1f alerts per 1,000\n", file,
                full ? "all lists" : "the UN list", index->name_count(), per_1000);
    for (const auto& l : lines) std::printf("%s\n", l.c_str());
    EXPECT_LE(per_1000, full ? 2.0 : 1.0);
  }
}

TEST(ScreeningEval, Speed) {
  const std::string data = DataDir();
  if (data.empty()) GTEST_SKIP() << "shared/data not found";
  if (!FullEval()) GTEST_SKIP() << "set STM_EVAL_FULL=1 (in a release build) for the speed figures";
  auto index = AllIndex(data);
  if (!index) GTEST_SKIP() << "lists not importable";
  std::vector<Query> queries;
  for (const char* file : {"negatives_global_1k.csv", "negatives_us_1k.csv", "un_positives_treated.csv"}) {
    for (const auto& r : ReadCsvFile(data + "/eval/screening/" + file)) {
      Query q;
      q.name = r.at("full_name");
      q.schema = Schema::kPerson;
      q.birth_date = ParseDob(r.at("date_of_birth"));
      q.country = r.at("nationality");
      queries.push_back(std::move(q));
    }
  }
  for (const auto& q : queries) index->Screen(q);  // warm-up: per-thread caches, transliterators
  std::vector<double> micros;
  micros.reserve(queries.size() * 3);
  auto t0 = std::chrono::steady_clock::now();
  for (int rep = 0; rep < 3; ++rep) {
    for (const auto& q : queries) {
      auto a = std::chrono::steady_clock::now();
      index->Screen(q);
      micros.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - a).count());
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::sort(micros.begin(), micros.end());
  const double p50 = micros[micros.size() / 2];
  const double p99 = micros[micros.size() * 99 / 100];
  const double qps = static_cast<double>(micros.size()) / seconds;
  const Indexes& x = Shared();
  std::printf("[eval] speed (%zu names, one thread): p50 %.1f us, p99 %.1f us, %.0f queries/s; build %.2f s; "
              "index structures %.0f MiB\n",
              x.all_names, p50, p99, qps, x.all_build_seconds, index->memory_bytes() / 1048576.0);
  if (kOptimisedBuild) {
    EXPECT_LE(p50, 150.0);
    EXPECT_GE(qps, 6000.0);
    EXPECT_LE(x.all_build_seconds, 5.0);
    EXPECT_LE(index->memory_bytes(), size_t{1} << 30);
  }
}

}  // namespace
}  // namespace stm::screening
