// Classification benchmark: catalogue load time, classification latency (p50/p99) and throughput over
// the whole catalogue, side by side with a peer in the same run: SQLite FTS5 (bm25) keyword search
// over the same entry texts, which is what a flat-code tool offers. Figures are reported as ratios.
//
//   bench_classify --data DIR [--project DIR] [--repeat N] [Google Benchmark flags]
//
// Queries: every item of data/eval/classify_heldout.jsonl and every test item of data/criteria.
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "classify/classifier.h"
#include "common/config.h"

namespace {

using Clock = std::chrono::steady_clock;
using stm::classify::Classifier;
using stm::classify::Item;

std::string g_data, g_project;
int g_repeat = 3;
std::shared_ptr<const Classifier> g_classifier;
std::vector<Item> g_items;
sqlite3* g_fts = nullptr;

double Micros(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::micro>(b - a).count();
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * (v.size() - 1) + 0.5))];
}

void LoadItems() {
  std::ifstream in(g_project + "/eval/classify_heldout.jsonl");
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    auto item = stm::classify::ItemFromJson(nlohmann::json::parse(line));
    if (item.ok()) g_items.push_back(*item);
  }
  for (const auto& r : g_classifier->criteria().records()) {
    for (const auto& t : r.tests) g_items.push_back(t.item);
  }
}

// FTS5 words only: letters/digits, OR-joined (a keyword search as a flat-code tool would run it).
std::string FtsQuery(const std::string& text) {
  std::vector<std::string> words;
  std::string cur;
  for (char c : text + " ") {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      cur += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!cur.empty()) {
      if (cur.size() > 2 && words.size() < 16) words.push_back("\"" + cur + "\"");
      cur.clear();
    }
  }
  std::string q;
  for (const auto& w : words) q += (q.empty() ? "" : " OR ") + w;
  return q;
}

void BuildFts() {
  sqlite3_open(":memory:", &g_fts);
  char* err = nullptr;
  if (sqlite3_exec(g_fts, "CREATE VIRTUAL TABLE e USING fts5(code, heading, body)", nullptr, nullptr, &err) !=
      SQLITE_OK) {
    std::cerr << "FTS5 unavailable: " << (err ? err : "?") << "\n";
    std::exit(2);
  }
  sqlite3_stmt* ins = nullptr;
  sqlite3_prepare_v2(g_fts, "INSERT INTO e VALUES (?, ?, ?)", -1, &ins, nullptr);
  sqlite3_exec(g_fts, "BEGIN", nullptr, nullptr, nullptr);
  for (const auto& e : g_classifier->catalog().entries()) {
    sqlite3_bind_text(ins, 1, e.code.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(ins, 2, e.heading.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(ins, 3, e.text.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_step(ins);
    sqlite3_reset(ins);
  }
  sqlite3_exec(g_fts, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_finalize(ins);
}

int FtsSearch(sqlite3_stmt* q, const std::string& text) {
  std::string query = FtsQuery(text);
  if (query.empty()) return 0;
  sqlite3_bind_text(q, 1, query.c_str(), -1, SQLITE_TRANSIENT);
  int n = 0;
  while (sqlite3_step(q) == SQLITE_ROW) ++n;
  sqlite3_reset(q);
  return n;
}

void Report() {
  // Load time: a fresh load, as `stm classify` and the server do.
  auto t0 = Clock::now();
  auto fresh = Classifier::Load({g_data, g_project});
  auto t1 = Clock::now();
  if (!fresh.ok()) std::exit(2);
  std::vector<double> stm_us, fts_us;
  size_t candidates = 0;
  auto w0 = Clock::now();
  for (int r = 0; r < g_repeat; ++r) {
    for (const auto& item : g_items) {
      auto a = Clock::now();
      auto c = g_classifier->Classify(item, 10);
      auto b = Clock::now();
      stm_us.push_back(Micros(a, b));
      if (c.ok()) candidates += c->candidates.size();
    }
  }
  double wall = Micros(w0, Clock::now()) / 1e6;
  sqlite3_stmt* q = nullptr;
  sqlite3_prepare_v2(g_fts, "SELECT code FROM e WHERE e MATCH ? ORDER BY bm25(e) LIMIT 10", -1, &q, nullptr);
  for (int r = 0; r < g_repeat; ++r) {
    for (const auto& item : g_items) {
      auto a = Clock::now();
      FtsSearch(q, item.description);
      fts_us.push_back(Micros(a, Clock::now()));
    }
  }
  sqlite3_finalize(q);
  double p50 = Percentile(stm_us, 0.5), p99 = Percentile(stm_us, 0.99);
  double f50 = Percentile(fts_us, 0.5), f99 = Percentile(fts_us, 0.99);
  std::cout << fmt::format(
      "catalogue: {} entries, {} transcribed records, {} chemicals, {} HS codes\n"
      "load (fresh, catalogue + criteria + index): {:.3f} s   (target <= 1 s)\n"
      "queries: {} items x {} repeats, {:.1f} candidates per item\n"
      "STM classify:   p50 {:.0f} us  p99 {:.0f} us  max {:.0f} us  throughput {:.0f} items/s (1 thread)   "
      "(target p50 <= 2 ms)\n"
      "peer FTS5 bm25: p50 {:.0f} us  p99 {:.0f} us  (keyword search only: no criteria, no verdict)\n"
      "ratio STM/FTS5 p50 {:.2f}, p99 {:.2f}\n",
      g_classifier->catalog().entries().size(), g_classifier->criteria().records().size(),
      g_classifier->catalog().chemicals().size(), g_classifier->catalog().hs_codes().size(),
      Micros(t0, t1) / 1e6, g_items.size(), g_repeat,
      static_cast<double>(candidates) / std::max<size_t>(1, stm_us.size()), p50, p99,
      *std::max_element(stm_us.begin(), stm_us.end()), stm_us.size() / wall, f50, f99,
      p50 / std::max(1.0, f50), p99 / std::max(1.0, f99));
}

void BM_Classify(benchmark::State& state) {
  size_t i = 0;
  for (auto _ : state) {
    auto c = g_classifier->Classify(g_items[i++ % g_items.size()], 10);
    benchmark::DoNotOptimize(c);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Classify);

void BM_PeerFts5(benchmark::State& state) {
  sqlite3_stmt* q = nullptr;
  sqlite3_prepare_v2(g_fts, "SELECT code FROM e WHERE e MATCH ? ORDER BY bm25(e) LIMIT 10", -1, &q, nullptr);
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(FtsSearch(q, g_items[i++ % g_items.size()].description));
  sqlite3_finalize(q);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PeerFts5);

void BM_LoadCatalogue(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(Classifier::Load({g_data, g_project}));
}
BENCHMARK(BM_LoadCatalogue)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> rest{argv[0]};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--data" && i + 1 < argc)
      g_data = argv[++i];
    else if (a == "--project" && i + 1 < argc)
      g_project = argv[++i];
    else if (a == "--repeat" && i + 1 < argc)
      g_repeat = std::max(1, std::atoi(argv[++i]));
    else
      rest.push_back(argv[i]);
  }
  if (g_project.empty()) g_project = stm::ResolveProjectDataDir(stm::Config{});
  if (g_data.empty()) g_data = "../shared/data";
  auto c = Classifier::Load({g_data, g_project});
  if (!c.ok()) {
    std::cerr << "cannot load: " << c.status().message() << "\n";
    return 2;
  }
  g_classifier = *c;
  if (g_classifier->catalog().entries().empty()) {
    std::cerr << "no catalogue under " << g_data << "/controls (pass --data DIR)\n";
    return 2;
  }
  LoadItems();
  BuildFts();
  Report();
  int n = static_cast<int>(rest.size());
  benchmark::Initialize(&n, rest.data());
  benchmark::RunSpecifiedBenchmarks();
  sqlite3_close(g_fts);
  return 0;
}
