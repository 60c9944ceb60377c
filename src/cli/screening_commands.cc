#include "cli/screening_commands.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "api/app.h"
#include "screening/csv.h"
#include "screening/download.h"
#include "screening/entity_json.h"
#include "screening/importers.h"
#include "screening/matcher.h"
#include "screening/service.h"

namespace stm::cli {
namespace {

using Clock = std::chrono::steady_clock;

int Fail(const Status& s) {
  std::cerr << "stm: " << s.message() << "\n";
  return s.code() == ErrorCode::kInvalidArgument ? 2 : 1;
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(fmt::format("cannot read '{}'", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A header-keyed view of a CSV file: the columns required must be present.
struct Table {
  std::map<std::string, size_t> columns;
  std::vector<screening::CsvRecord> rows;
  std::string Get(const screening::CsvRecord& r, const std::string& column) const {
    auto it = columns.find(column);
    if (it == columns.end() || it->second >= r.fields.size()) return "";
    return r.fields[it->second];
  }
};

Result<Table> ReadTable(const std::string& path, std::initializer_list<const char*> required) {
  STM_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  STM_ASSIGN_OR_RETURN(auto records, screening::ParseCsv(text));
  if (records.empty()) return Status::InvalidArgument(fmt::format("'{}' is empty: expected a header line", path));
  Table t;
  for (size_t i = 0; i < records[0].fields.size(); ++i) {
    std::string name = records[0].fields[i];
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    t.columns[name] = i;
  }
  for (const char* r : required) {
    if (!t.columns.count(r)) {
      return Status::InvalidArgument(fmt::format("'{}' has no '{}' column (header: {})", path, r,
                                                 fmt::join(records[0].fields, ",")));
    }
  }
  t.rows.assign(std::make_move_iterator(records.begin() + 1), std::make_move_iterator(records.end()));
  return t;
}

// Progress on a terminal only; redrawn at most every 100 ms.
class Progress {
 public:
  explicit Progress(size_t total) : total_(total), tty_(isatty(STDERR_FILENO) != 0) {}
  void Update(size_t done) {
    if (!tty_) return;
    auto now = Clock::now();
    if (done != total_ && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    int width = 30;
    int filled = total_ ? static_cast<int>(width * done / total_) : width;
    std::fprintf(stderr, "\r[%s%s] %zu/%zu", std::string(filled, '#').c_str(), std::string(width - filled, ' ').c_str(),
                 done, total_);
    if (done == total_) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  }

 private:
  size_t total_;
  bool tty_;
  Clock::time_point last_{};
};

}  // namespace

int RunScreen(const ScreenArgs& args) {
  auto started = Clock::now();
  auto lists = screening::ImportDirectory(args.lists_dir);
  if (!lists.ok()) return Fail(lists.status());
  std::vector<screening::Entity> entities;
  size_t warnings = 0;
  for (auto& l : *lists) {
    warnings += l.report.warnings.size();
    for (auto& e : l.entities) entities.push_back(std::move(e));
  }
  size_t entity_count = entities.size();
  auto index = screening::ScreeningIndex::Build(std::move(entities));
  auto loaded = Clock::now();
  std::cerr << fmt::format("loaded {} lists, {} entities ({} import warnings) in {:.1f} s\n", lists->size(),
                           entity_count, warnings, std::chrono::duration<double>(loaded - started).count());

  auto table = ReadTable(args.input, {"id", "name"});
  if (!table.ok()) return Fail(table.status());
  std::ofstream out(args.output, std::ios::binary | std::ios::trunc);
  if (!out) return Fail(Status::InvalidArgument(fmt::format("cannot write '{}'", args.output)));

  screening::ScreenOptions options;
  if (args.threshold) options.threshold = *args.threshold;
  options.limit = static_cast<size_t>(args.limit);
  Progress progress(table->rows.size());
  size_t with_matches = 0, total_matches = 0, bad_rows = 0;
  for (size_t i = 0; i < table->rows.size(); ++i) {
    const auto& row = table->rows[i];
    screening::Query q;
    q.name = table->Get(row, "name");
    q.schema = screening::ParseSchema(table->Get(row, "schema"));
    q.country = table->Get(row, "country");
    if (auto bd = table->Get(row, "birth_date"); !bd.empty()) {
      auto date = screening::ParsePartialDate(bd);
      if (date) {
        q.birth_date = date;
      } else {
        ++bad_rows;
      }
    }
    if (auto id = table->Get(row, "identifier"); !id.empty()) q.identifiers.push_back({"other", id, ""});
    nlohmann::json matches = nlohmann::json::array();
    if (!q.name.empty()) {
      for (const auto& m : index->Screen(q, options)) {
        matches.push_back({{"list", m.entity->list},
                           {"entity_id", m.entity->source_id},
                           {"name", m.entity->primary_name()},
                           {"score", m.score},
                           {"explanation", m.explanation}});
      }
    } else {
      ++bad_rows;
    }
    with_matches += !matches.empty();
    total_matches += matches.size();
    out << nlohmann::json({{"id", table->Get(row, "id")}, {"matches", matches}})
               .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
        << '\n';
    progress.Update(i + 1);
  }
  out.close();
  if (!out) return Fail(Status::Unavailable(fmt::format("writing '{}' failed", args.output)));
  double secs = std::chrono::duration<double>(Clock::now() - loaded).count();
  std::cerr << fmt::format(
      "screened {} rows in {:.2f} s ({:.0f} rows/s): {} with matches, {} matches in all at threshold {:.2f}{}\n",
      table->rows.size(), secs, secs > 0 ? table->rows.size() / secs : 0.0, with_matches, total_matches,
      options.threshold, bad_rows ? fmt::format("; {} rows had a blank name or unreadable birth date", bad_rows) : "");
  return 0;
}

int RunCompareNames(const std::string& input, const std::string& output) {
  auto table = ReadTable(input, {"id", "schema", "name1", "name2"});
  if (!table.ok()) return Fail(table.status());
  std::ofstream out(output, std::ios::binary | std::ios::trunc);
  if (!out) return Fail(Status::InvalidArgument(fmt::format("cannot write '{}'", output)));
  out << "id,score,match\n";
  size_t matched = 0;
  for (const auto& row : table->rows) {
    double score = screening::CompareNames(screening::ParseSchema(table->Get(row, "schema")), table->Get(row, "name1"),
                                           table->Get(row, "name2"));
    bool match = score >= screening::kDefaultThreshold;
    matched += match;
    std::string id = table->Get(row, "id");
    if (id.find_first_of(",\"\n\r") != std::string::npos) {
      std::string quoted = "\"";
      for (char c : id) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
      id = quoted + "\"";
    }
    out << id << ',' << fmt::format("{:.4f}", score) << ',' << (match ? "true" : "false") << '\n';
  }
  out.close();
  if (!out) return Fail(Status::Unavailable(fmt::format("writing '{}' failed", output)));
  std::cerr << fmt::format("compared {} pairs: {} match at threshold {:.2f}\n", table->rows.size(), matched,
                           screening::kDefaultThreshold);
  return 0;
}

int RunListsImport(const Config& config, const std::string& dir) {
  auto lists = screening::ImportDirectory(dir);
  if (!lists.ok()) return Fail(lists.status());
  auto db = api::OpenDatabase(config, SystemClock::Instance());
  if (!db.ok()) return Fail(db.status());
  screening::ScreeningService service(**db, SystemClock::Instance());
  auto outcomes = service.Import({"cli", "-"}, std::move(lists).value(), dir);
  if (!outcomes.ok()) return Fail(outcomes.status());
  std::cout << fmt::format("{:<28} {:>12} {:>9} {:>7} {:>7} {:>7} {:>8} {:>7}\n", "list", "version", "entities", "added",
                           "removed", "changed", "warnings", "alerts");
  for (const auto& o : *outcomes) {
    std::cout << fmt::format("{:<28} {:>12} {:>9} {:>7} {:>7} {:>7} {:>8} {:>7}\n", o.version.list, o.version.version,
                             o.version.entity_count, o.version.added, o.version.removed, o.version.changed,
                             o.version.report.value("warnings", nlohmann::json::array()).size(), o.alerts_raised);
  }
  return 0;
}

int RunListsFetch(const Config& config) {
  auto sources = screening::ParseListSources(config.list_sources);
  if (!sources.ok()) return Fail(sources.status());
  if (sources->empty()) {
    return Fail(Status::InvalidArgument("no list sources configured (set list_sources, e.g. STM_LIST_SOURCES)"));
  }
  auto db = api::OpenDatabase(config, SystemClock::Instance());
  if (!db.ok()) return Fail(db.status());
  screening::ScreeningService service(**db, SystemClock::Instance());
  auto fetcher = screening::MakeCurlFetcher();
  int failures = 0;
  for (const auto& [name, url] : *sources) {
    auto lists = screening::DownloadList(*fetcher, url);
    if (!lists.ok()) {
      ++failures;
      std::cerr << fmt::format("{}: {} (previous version kept)\n", name, lists.status().message());
      continue;
    }
    auto outcomes = service.Import({"cli", "-"}, std::move(lists).value(), url);
    if (!outcomes.ok()) return Fail(outcomes.status());
    for (const auto& o : *outcomes) {
      std::cout << fmt::format("{}: {} entities (+{} -{} ~{}), {} alerts\n", o.version.list, o.version.entity_count,
                               o.version.added, o.version.removed, o.version.changed, o.alerts_raised);
    }
  }
  return failures ? 1 : 0;
}

int RunListsStatus(const Config& config) {
  auto db = api::OpenDatabase(config, SystemClock::Instance());
  if (!db.ok()) return Fail(db.status());
  screening::ListStore store(**db, SystemClock::Instance());
  auto current = store.Current();
  if (!current.ok()) return Fail(current.status());
  if (current->empty()) {
    std::cout << "no lists imported yet (stm lists import DIR)\n";
    return 0;
  }
  std::cout << fmt::format("{:<28} {:>12} {:>9} {:>27} {}\n", "list", "version", "entities", "imported", "source");
  for (const auto& v : *current) {
    std::cout << fmt::format("{:<28} {:>12} {:>9} {:>27} {}\n", v.list, v.version, v.entity_count,
                             FormatTime(v.imported_at), v.source);
  }
  return 0;
}

}  // namespace stm::cli
