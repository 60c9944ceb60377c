// Screening benchmark: the matching engine over every list loaded together.
//
//   bench_screening --data DIR [--out-dir DIR] [--repeat N] [--show-misses]
//
// DIR is laid out like shared/data: DIR/sanctions (every list, newest version of each) and
// DIR/eval/screening (the query sets). Measures, in one run:
//   - import time, index build time, index size, peak RSS (getrusage ru_maxrss) before and after the build;
//   - per-query latency (p50, p99, max) and throughput with 1 and 2 threads (each thread screens its own
//     slice of the queries `repeat` times against the one shared const index; default options);
//   - recall@1 / recall@10 of the treated UN positives (un_positives_treated.csv; row N is the person of
//     row N of un_positives_untreated.csv, whose expected entities are the UN entities having a name equal
//     to the untreated full_name, case-insensitively), at the default threshold and ranking-only
//     (threshold 0);
//   - alerts per 1,000 negatives (negatives_global_1k.csv, negatives_us_1k.csv): queries with any match at
//     or above kDefaultThreshold.
// With --out-dir, writes names.tsv (list, entity_id, source_id, name: one row per indexed name) and
// queries.tsv (qid, set, name, expected entity ids) in PostgreSQL COPY text format, and stm_results.tsv
// (the figures, key<TAB>value) for bench/screening_vs_pg_trgm.sh.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "screening/csv.h"
#include "screening/entity_json.h"
#include "screening/importers.h"
#include "screening/matcher.h"

namespace {

using namespace stm::screening;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

long PeakRssKb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;  // kilobytes on Linux
}

long CurrentRssKb() {
  std::ifstream in("/proc/self/statm");
  long size = 0, resident = 0;
  in >> size >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "cannot read " << path << "\n";
    std::exit(2);
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Rows of a CSV with a header, as column-name -> value maps.
std::vector<std::map<std::string, std::string>> ReadCsv(const std::string& path) {
  auto parsed = ParseCsv(ReadFile(path));
  if (!parsed.ok()) {
    std::cerr << "cannot parse " << path << ": " << parsed.status().ToString() << "\n";
    std::exit(2);
  }
  std::vector<std::map<std::string, std::string>> rows;
  const auto& recs = *parsed;
  if (recs.empty()) return rows;
  const auto& header = recs[0].fields;
  for (size_t i = 1; i < recs.size(); ++i) {
    std::map<std::string, std::string> row;
    for (size_t c = 0; c < header.size() && c < recs[i].fields.size(); ++c) row[header[c]] = recs[i].fields[c];
    rows.push_back(std::move(row));
  }
  return rows;
}

// ASCII case folding and whitespace collapsing: enough for "same name, different case".
std::string Key(std::string_view s) {
  std::string out;
  bool space = false;
  for (unsigned char ch : s) {
    if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += static_cast<char>(ch < 0x80 ? std::tolower(ch) : ch);
  }
  return out;
}

// The same tokens in any order ("AGHA, Janan" = "Janan Agha"): ASCII case folded, split at ASCII
// punctuation and spaces, sorted. Used to find the same person's entries on the other lists.
// Also folds Latin-1 capitals (É -> é) and treats typographic quotes (‘ ’ ʼ ´) as punctuation.
std::string TokenKey(std::string_view s) {
  std::vector<std::string> tokens;
  std::string cur;
  auto cut = [&] {
    if (!cur.empty()) tokens.push_back(std::move(cur));
    cur.clear();
  };
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char ch = static_cast<unsigned char>(s[i]);
    auto next = [&](size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0; };
    if (ch < 0x80) {
      if (std::isalnum(ch)) cur += static_cast<char>(std::tolower(ch));
      else cut();
    } else if (ch == 0xE2 && next(1) == 0x80 && (next(2) == 0x98 || next(2) == 0x99)) {  // U+2018, U+2019
      cut();
      i += 2;
    } else if ((ch == 0xCA && next(1) == 0xBC) || (ch == 0xC2 && next(1) == 0xB4)) {  // U+02BC, U+00B4
      cut();
      i += 1;
    } else if (ch == 0xC3 && next(1) >= 0x80 && next(1) <= 0x9E && next(1) != 0x97) {  // À..Þ -> à..þ
      cur += static_cast<char>(ch);
      cur += static_cast<char>(next(1) + 0x20);
      i += 1;
    } else {
      cur += static_cast<char>(ch);
    }
  }
  if (!cur.empty()) tokens.push_back(std::move(cur));
  std::sort(tokens.begin(), tokens.end());
  std::string out;
  for (const auto& t : tokens) {
    if (!out.empty()) out += ' ';
    out += t;
  }
  return out;
}

// PostgreSQL COPY text format: backslash escaped, tabs and line breaks folded to spaces.
std::string CopyText(std::string_view s) {
  std::string out;
  for (char ch : s) {
    if (ch == '\\') out += "\\\\";
    else if (ch == '\t' || ch == '\n' || ch == '\r') out += ' ';
    else out += ch;
  }
  return out;
}

struct BenchQuery {
  std::string set;                  // "pos", "neg_global", "neg_us"
  Query query;
  std::vector<size_t> expected;     // positives: the UN entities with the untreated name (entity indexes)
  std::vector<size_t> expected_any; // positives: every entity, on any list, with the untreated name's tokens
  bool mapped = false;              // positives: the untreated name was found on the UN list
};

Query MakeQuery(const std::map<std::string, std::string>& row) {
  Query q;
  auto get = [&](const char* k) {
    auto it = row.find(k);
    return it == row.end() ? std::string() : it->second;
  };
  q.name = get("full_name");
  q.schema = Schema::kPerson;  // every eval row is a person (name parts, gender, birth date)
  if (auto d = ParsePartialDate(get("date_of_birth")); d) q.birth_date = *d;
  q.country = get("nationality");
  return q;
}

struct RunStats {
  int threads = 0;
  size_t queries = 0;
  double wall_s = 0;
  double qps = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0, mean_ms = 0;
};

double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  size_t k = static_cast<size_t>(p * (v.size() - 1) + 0.5);
  std::nth_element(v.begin(), v.begin() + k, v.end());
  return v[k];
}

// Each thread screens its own contiguous slice of `qs`, `repeat` times. The index is shared and const.
RunStats TimedRun(const ScreeningIndex& index, const std::vector<BenchQuery>& qs, int threads, int repeat) {
  std::vector<std::vector<double>> lat(threads);
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::atomic<size_t> sink{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      size_t begin = qs.size() * t / threads, end = qs.size() * (t + 1) / threads;
      lat[t].reserve((end - begin) * repeat);
      ScreenOptions opt;
      ready.fetch_add(1);
      while (!go.load()) std::this_thread::yield();
      size_t n = 0;
      for (int r = 0; r < repeat; ++r) {
        for (size_t i = begin; i < end; ++i) {
          auto t0 = Clock::now();
          auto m = index.Screen(qs[i].query, opt);
          auto t1 = Clock::now();
          n += m.size();
          lat[t].push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
        }
      }
      sink.fetch_add(n);
    });
  }
  while (ready.load() < threads) std::this_thread::yield();
  auto start = Clock::now();
  go.store(true);
  for (auto& th : pool) th.join();
  auto stop = Clock::now();

  std::vector<double> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  RunStats s;
  s.threads = threads;
  s.queries = all.size();
  s.wall_s = Seconds(start, stop);
  s.qps = s.wall_s > 0 ? all.size() / s.wall_s : 0;
  double sum = 0;
  for (double x : all) sum += x;
  s.mean_ms = all.empty() ? 0 : sum / all.size();
  s.max_ms = all.empty() ? 0 : *std::max_element(all.begin(), all.end());
  s.p50_ms = Percentile(all, 0.50);
  s.p99_ms = Percentile(all, 0.99);
  return s;
}

struct Recall {
  size_t mapped = 0, at1 = 0, at10 = 0;
};

// any_list: a hit is any entity (any list) carrying the untreated name, i.e. the same person listed elsewhere
// too; otherwise only the UN entity counts.
Recall MeasureRecall(const ScreeningIndex& index, const std::vector<BenchQuery>& qs, double threshold,
                     bool any_list) {
  const Entity* base = index.entities().data();
  ScreenOptions opt;
  opt.threshold = threshold;
  opt.limit = 10;
  Recall r;
  for (const auto& q : qs) {
    if (q.set != "pos" || !q.mapped) continue;
    ++r.mapped;
    auto matches = index.Screen(q.query, opt);
    const auto& expected = any_list ? q.expected_any : q.expected;
    for (size_t k = 0; k < matches.size() && k < 10; ++k) {
      size_t idx = static_cast<size_t>(matches[k].entity - base);
      if (std::find(expected.begin(), expected.end(), idx) != expected.end()) {
        if (k == 0) ++r.at1;
        ++r.at10;
        break;
      }
    }
  }
  return r;
}

double Pct(size_t a, size_t b) { return b ? 100.0 * a / b : 0; }

void Usage() {
  std::cerr << "usage: bench_screening --data DIR [--out-dir DIR] [--repeat N] [--show-misses]\n"
               "  DIR: holds sanctions/ and eval/screening/ (like shared/data)\n"
               "  --out-dir: write names.tsv, queries.tsv and stm_results.tsv there (for screening_vs_pg_trgm.sh)\n"
               "  --repeat: timed passes over the queries per thread count (default 2)\n"
               "  --show-misses: list the positives whose first match (threshold 0) is not the same person\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::string data, out_dir;
  int repeat = 2;
  bool show_misses = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        Usage();
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--data") data = next();
    else if (a == "--out-dir") out_dir = next();
    else if (a == "--repeat") repeat = std::max(1, std::atoi(next().c_str()));
    else if (a == "--show-misses") show_misses = true;
    else if (a == "-h" || a == "--help") {
      Usage();
      return 0;
    } else {
      Usage();
      return 2;
    }
  }
  if (data.empty()) {
    Usage();
    return 2;
  }
  const std::string eval = data + "/eval/screening/";

  // --- lists
  auto t0 = Clock::now();
  auto lists = ImportDirectory(data + "/sanctions");
  auto t1 = Clock::now();
  if (!lists.ok()) {
    std::cerr << "import failed: " << lists.status().ToString() << "\n";
    return 1;
  }
  std::vector<Entity> entities;
  std::map<std::string, size_t> per_list;
  for (auto& l : *lists) {
    per_list[l.report.list] += l.entities.size();
    for (auto& e : l.entities) entities.push_back(std::move(e));
  }
  lists->clear();
  const size_t n_entities = entities.size();
  const long rss_after_import_kb = CurrentRssKb();
  const long peak_before_build_kb = PeakRssKb();

  auto t2 = Clock::now();
  auto index = ScreeningIndex::Build(std::move(entities));
  auto t3 = Clock::now();
  const long peak_after_build_kb = PeakRssKb();
  const long rss_after_build_kb = CurrentRssKb();
  const auto& ents = index->entities();

  // --- queries
  std::unordered_map<std::string, std::vector<size_t>> un_by_name, any_by_name;
  for (size_t i = 0; i < ents.size(); ++i) {
    std::set<std::string> seen, seen_tokens;
    for (const auto& n : ents[i].names) {
      if (ents[i].list == "un" && seen.insert(Key(n.full)).second) un_by_name[Key(n.full)].push_back(i);
      if (std::string k = TokenKey(n.full); !k.empty() && seen_tokens.insert(k).second) any_by_name[k].push_back(i);
    }
  }
  std::vector<BenchQuery> queries;
  auto treated = ReadCsv(eval + "un_positives_treated.csv");
  auto untreated = ReadCsv(eval + "un_positives_untreated.csv");
  if (treated.size() != untreated.size()) {
    std::cerr << "un_positives_treated.csv and un_positives_untreated.csv differ in length\n";
    return 1;
  }
  size_t unmapped = 0;
  for (size_t i = 0; i < treated.size(); ++i) {
    BenchQuery q{"pos", MakeQuery(treated[i]), {}, {}, false};
    const std::string key = Key(untreated[i]["full_name"]);
    if (auto it = un_by_name.find(key); it != un_by_name.end()) {
      q.expected = it->second;
      q.expected_any = any_by_name[TokenKey(untreated[i]["full_name"])];
      for (size_t e : q.expected)  // the UN entity always counts
        if (std::find(q.expected_any.begin(), q.expected_any.end(), e) == q.expected_any.end())
          q.expected_any.push_back(e);
      q.mapped = true;
    } else {
      ++unmapped;
    }
    queries.push_back(std::move(q));
  }
  const size_t n_pos = queries.size();
  for (const auto& [file, set] : {std::pair{"negatives_global_1k.csv", "neg_global"}, {"negatives_us_1k.csv", "neg_us"}})
    for (auto& row : ReadCsv(eval + file)) queries.push_back({set, MakeQuery(row), {}, {}, false});

  // --- exports for the pg_trgm side
  size_t exported_names = 0;
  if (!out_dir.empty()) {
    std::ofstream names(out_dir + "/names.tsv"), qf(out_dir + "/queries.tsv");
    if (!names || !qf) {
      std::cerr << "cannot write to " << out_dir << "\n";
      return 1;
    }
    for (size_t i = 0; i < ents.size(); ++i) {
      std::set<std::string> seen;
      for (const auto& n : ents[i].names) {
        std::string text = CopyText(n.full);
        if (text.find_first_not_of(' ') == std::string::npos || !seen.insert(text).second) continue;
        names << CopyText(ents[i].list) << '\t' << i << '\t' << CopyText(ents[i].source_id) << '\t' << text << '\n';
        ++exported_names;
      }
    }
    for (size_t i = 0; i < queries.size(); ++i) {
      auto join = [](const std::vector<size_t>& v) {
        std::string out;
        for (size_t e : v) {
          if (!out.empty()) out += ',';
          out += std::to_string(e);
        }
        return out;
      };
      qf << i << '\t' << queries[i].set << '\t' << CopyText(queries[i].query.name) << '\t'
         << join(queries[i].expected) << '\t' << join(queries[i].expected_any) << '\n';
    }
  }

  // --- quality (untimed)
  Recall rec_default = MeasureRecall(*index, queries, kDefaultThreshold, false);
  Recall rec_rank = MeasureRecall(*index, queries, 0.0, false);
  Recall any_default = MeasureRecall(*index, queries, kDefaultThreshold, true);
  Recall any_rank = MeasureRecall(*index, queries, 0.0, true);
  std::map<std::string, std::pair<size_t, size_t>> alerts;  // set -> (queries, with an alert)
  for (const auto& q : queries) {
    if (q.set == "pos") continue;
    auto m = index->Screen(q.query, ScreenOptions{});
    auto& a = alerts[q.set];
    ++a.first;
    if (!m.empty() && m.front().score >= kDefaultThreshold) ++a.second;
  }

  if (show_misses) {
    ScreenOptions opt;
    opt.threshold = 0;
    std::printf("Positives whose first match is not the same person (threshold 0):\n");
    for (size_t i = 0; i < n_pos; ++i) {
      const auto& q = queries[i];
      if (!q.mapped) continue;
      auto m = index->Screen(q.query, opt);
      auto is_expected = [&](const Match& x) {
        size_t idx = static_cast<size_t>(x.entity - ents.data());
        return std::find(q.expected_any.begin(), q.expected_any.end(), idx) != q.expected_any.end();
      };
      if (!m.empty() && is_expected(m[0])) continue;
      int rank = 0;
      double expected_score = 0;
      for (size_t k = 0; k < m.size(); ++k)
        if (is_expected(m[k])) {
          rank = static_cast<int>(k) + 1;
          expected_score = m[k].score;
          break;
        }
      std::printf("  row %zu: query '%s' (untreated '%s')\n    first: %.3f %s '%s'; same person at rank %s (%.3f)\n",
                  i + 1, q.query.name.c_str(), untreated[i]["full_name"].c_str(), m.empty() ? 0.0 : m[0].score,
                  m.empty() ? "-" : m[0].entity->list.c_str(), m.empty() ? "" : m[0].matched_name.c_str(),
                  rank ? std::to_string(rank).c_str() : ">10", expected_score);
    }
    std::printf("\n");
  }

  // --- speed: a warm-up pass, then 1 and 2 threads
  TimedRun(*index, queries, 1, 1);
  RunStats r1 = TimedRun(*index, queries, 1, repeat);
  RunStats r2 = TimedRun(*index, queries, 2, repeat);

  // --- report
  std::string loadavg;
  std::getline(std::ifstream("/proc/loadavg"), loadavg);
  std::printf("\nSTM screening benchmark  (data: %s, hardware threads: %u, load average: %s)\n\n", data.c_str(),
              std::thread::hardware_concurrency(), loadavg.substr(0, loadavg.find(' ', loadavg.find(' ') + 1)).c_str());
  std::printf("Lists (newest version of each, all loaded together)\n");
  for (const auto& [l, n] : per_list) std::printf("  %-40s %8zu entities\n", l.c_str(), n);
  std::printf("  %-40s %8zu entities, %zu indexed names, %zu terms\n\n", "total", n_entities, index->name_count(),
              index->term_count());
  std::printf("Import and index\n");
  std::printf("  import (parse all files)        %8.2f s\n", Seconds(t0, t1));
  std::printf("  index build                     %8.2f s\n", Seconds(t2, t3));
  std::printf("  index structures (approx.)      %8.1f MiB\n", index->memory_bytes() / 1048576.0);
  std::printf("  RSS after import                %8.1f MiB\n", rss_after_import_kb / 1024.0);
  std::printf("  RSS after build                 %8.1f MiB\n", rss_after_build_kb / 1024.0);
  std::printf("  peak RSS before build           %8.1f MiB\n", peak_before_build_kb / 1024.0);
  std::printf("  peak RSS after build            %8.1f MiB   (ru_maxrss)\n\n", peak_after_build_kb / 1024.0);

  std::printf("Queries: %zu treated UN positives (%zu mapped to a UN entity, %zu not found), %zu negatives\n",
              n_pos, n_pos - unmapped, unmapped, queries.size() - n_pos);
  std::printf("Speed (default options: threshold %.2f, limit 10; %d timed pass(es) per thread count)\n",
              kDefaultThreshold, repeat);
  std::printf("  %-8s %9s %10s %9s %9s %9s %9s\n", "threads", "queries", "queries/s", "mean ms", "p50 ms", "p99 ms",
              "max ms");
  for (const auto& r : {r1, r2})
    std::printf("  %-8d %9zu %10.1f %9.3f %9.3f %9.3f %9.2f\n", r.threads, r.queries, r.qps, r.mean_ms, r.p50_ms,
                r.p99_ms, r.max_ms);
  std::printf("  2-thread speed-up: %.2fx%s\n\n", r1.qps > 0 ? r2.qps / r1.qps : 0,
              r1.qps > 0 && r2.qps / r1.qps < 1.5 ? "  (below 1.5x: check that 2 cores were idle, see the load average)"
                                                  : "");

  std::printf("Recall of the treated UN positives (of %zu mapped; all lists screened)\n", rec_default.mapped);
  std::printf("  %-34s %9s %9s   %9s %9s\n", "", "UN entity", "", "any list", "");
  std::printf("  %-34s %9s %9s   %9s %9s\n", "", "recall@1", "recall@10", "recall@1", "recall@10");
  std::printf("  %-34s %8.1f%% %8.1f%%   %8.1f%% %8.1f%%\n", "at default threshold (alerts)",
              Pct(rec_default.at1, rec_default.mapped), Pct(rec_default.at10, rec_default.mapped),
              Pct(any_default.at1, any_default.mapped), Pct(any_default.at10, any_default.mapped));
  std::printf("  %-34s %8.1f%% %8.1f%%   %8.1f%% %8.1f%%\n", "ranking only (threshold 0)",
              Pct(rec_rank.at1, rec_rank.mapped), Pct(rec_rank.at10, rec_rank.mapped), Pct(any_rank.at1, any_rank.mapped),
              Pct(any_rank.at10, any_rank.mapped));
  std::printf("  (UN entity: the UN entry itself must be ranked. Any list: an entry of the same person on any list\n"
              "   counts, i.e. any entity with a name made of the untreated name's tokens in any order. The same\n"
              "   person is often on several lists with equal scores, so UN-entity recall@1 mostly measures tie\n"
              "   order.)\n\n");
  std::printf("Alerts on negatives (any match >= %.2f)\n", kDefaultThreshold);
  size_t neg_q = 0, neg_a = 0;
  for (const auto& [set, a] : alerts) {
    std::printf("  %-12s %5zu queries %5zu alerted  %6.1f per 1,000\n", set.c_str(), a.first, a.second,
                a.first ? 1000.0 * a.second / a.first : 0);
    neg_q += a.first;
    neg_a += a.second;
  }
  std::printf("  %-12s %5zu queries %5zu alerted  %6.1f per 1,000\n", "all", neg_q, neg_a,
              neg_q ? 1000.0 * neg_a / neg_q : 0);

  if (!out_dir.empty()) {
    std::ofstream res(out_dir + "/stm_results.tsv");
    res << "entities\t" << n_entities << "\nindexed_names\t" << index->name_count() << "\nexported_names\t"
        << exported_names << "\nbuild_s\t" << Seconds(t2, t3) << "\npeak_rss_mib\t" << peak_after_build_kb / 1024.0
        << "\nqps_1\t" << r1.qps << "\nqps_2\t" << r2.qps << "\np50_ms_1\t" << r1.p50_ms << "\np99_ms_1\t" << r1.p99_ms
        << "\np50_ms_2\t" << r2.p50_ms << "\np99_ms_2\t" << r2.p99_ms << "\npos_mapped\t" << rec_default.mapped
        << "\nrecall1\t" << Pct(rec_default.at1, rec_default.mapped) << "\nrecall10\t"
        << Pct(rec_default.at10, rec_default.mapped) << "\nrecall1_rank\t" << Pct(rec_rank.at1, rec_rank.mapped)
        << "\nrecall10_rank\t" << Pct(rec_rank.at10, rec_rank.mapped) << "\nrecall1_any\t"
        << Pct(any_default.at1, any_default.mapped) << "\nrecall10_any\t" << Pct(any_default.at10, any_default.mapped)
        << "\nrecall1_any_rank\t" << Pct(any_rank.at1, any_rank.mapped) << "\nrecall10_any_rank\t"
        << Pct(any_rank.at10, any_rank.mapped) << "\nalerts_per_1000\t"
        << (neg_q ? 1000.0 * neg_a / neg_q : 0) << "\n";
    std::printf("\nWrote %zu names and %zu queries to %s\n", exported_names, queries.size(), out_dir.c_str());
  }
  return 0;
}
