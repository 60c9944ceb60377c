// Format detection, decompression, and the file / directory / in-memory entry points.
#include "screening/importers.h"

#include <fmt/format.h>
#include <zip.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "screening/csv.h"
#include "screening/import_internal.h"

namespace stm::screening {
namespace fs = std::filesystem;
using namespace internal;  // NOLINT: this file is the front of the internal module

namespace {

// The messages of the two "this is not a list" outcomes (ImportDirectory skips such files).
constexpr std::string_view kNotAList = "not a recognised restricted-party list format";
constexpr std::string_view kNoListInArchive = "the zip archive holds no";

// Decompressed sizes beyond this are refused (zip bombs, runaway gzip).
constexpr size_t kMaxInflated = size_t{1} << 30;

std::string BaseName(std::string_view path) { return fs::path(path).filename().string(); }

std::string_view SkipBomAndSpace(std::string_view s) {
  if (s.substr(0, 3) == "\xEF\xBB\xBF") s.remove_prefix(3);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  return s;
}

// The root element's local name of an XML text, from its first 64 KiB; empty if none found.
std::string XmlRootName(std::string_view s) {
  s = s.substr(0, 64 * 1024);
  size_t i = 0;
  while (true) {
    i = s.find('<', i);
    if (i == std::string_view::npos || i + 1 >= s.size()) return {};
    if (s[i + 1] == '?') {
      i = s.find("?>", i);
      if (i == std::string_view::npos) return {};
      continue;
    }
    if (s.substr(i, 4) == "<!--") {
      i = s.find("-->", i);
      if (i == std::string_view::npos) return {};
      continue;
    }
    if (s[i + 1] == '!') {
      i = s.find('>', i);
      if (i == std::string_view::npos) return {};
      continue;
    }
    size_t j = i + 1;
    while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_' || s[j] == '-' ||
                            s[j] == '.' || s[j] == ':')) {
      ++j;
    }
    std::string name(s.substr(i + 1, j - i - 1));
    if (auto colon = name.rfind(':'); colon != std::string::npos) name.erase(0, colon + 1);
    return name;
  }
}

std::vector<std::string> HeaderFields(std::string_view s) {
  size_t nl = s.find('\n');
  std::string_view line = s.substr(0, nl);
  char delim = line.find('\t') != std::string_view::npos ? '\t' : ',';
  auto rows = ParseCsv(line, delim);
  if (!rows.ok() || rows->empty()) return {};
  std::vector<std::string> out;
  for (auto& f : rows->front().fields) out.push_back(Lower(Clean(f)));
  return out;
}

bool Has(const std::vector<std::string>& v, std::string_view x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(fmt::format("{}: cannot open", path));
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return Status::NotFound(fmt::format("{}: read error", path));
  return buf.str();
}

SiblingReader SiblingsOf(const std::string& path) {
  fs::path dir = fs::path(path).parent_path();
  return [dir](const std::string& name) -> std::optional<std::string> {
    fs::path p = dir / name;
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) {
      // Case-insensitive fall-back (ALT.CSV, Add.csv...).
      for (const auto& entry : fs::directory_iterator(dir.empty() ? fs::path(".") : dir, ec)) {
        if (entry.is_regular_file(ec) && EqualsI(entry.path().filename().string(), name)) {
          p = entry.path();
          break;
        }
      }
      if (!fs::is_regular_file(p, ec)) return std::nullopt;
    }
    auto r = ReadWholeFile(p.string());
    if (!r.ok()) return std::nullopt;
    return std::move(r).value();
  };
}

Result<std::vector<ImportedList>> Parse(const std::string& file, std::string_view bytes,
                                        const SiblingReader& sib, int depth);

Result<std::vector<ImportedList>> ParseDetected(Format f, const std::string& file, std::string_view bytes,
                                                const SiblingReader& sib, int depth) {
  ParseInput in{file, bytes, sib};
  switch (f) {
    case Format::kUnXml:
      return ParseUnXml(in);
    case Format::kOfacSdnCsv:
      return ParseOfacCsv(in, /*consolidated=*/false);
    case Format::kOfacConsCsv:
      return ParseOfacCsv(in, /*consolidated=*/true);
    case Format::kOfacXml:
      return ParseOfacXml(in);
    case Format::kOfacEnhancedXml:
      return ParseOfacEnhancedXml(in);
    case Format::kUsCslCsv:
      return ParseUsCsl(in);
    case Format::kBisDplTsv:
      return ParseBisDpl(in);
    case Format::kUkFcdoSubjects:
      return ParseUkFcdo(in);
    case Format::kUkOfsiCsv:
      return ParseUkOfsi(in);
    case Format::kEuCsv:
      return ParseEu(in);
    case Format::kCaSemaXml:
      return ParseCaSema(in);
    case Format::kGzip: {
      if (depth > 2) return Status::InvalidArgument(fmt::format("{}: nested archives", file));
      STM_ASSIGN_OR_RETURN(std::string inner, Gunzip(bytes, kMaxInflated));
      std::string inner_name = file;
      if (EndsWith(Lower(inner_name), ".gz")) inner_name.resize(inner_name.size() - 3);
      auto r = Parse(inner_name, inner, sib, depth + 1);
      if (!r.ok()) return r.status().WithContext(file);
      for (auto& l : *r) l.report.file = file;
      return r;
    }
    case Format::kZip: {
      if (depth > 2) return Status::InvalidArgument(fmt::format("{}: nested archives", file));
      std::string member;
      STM_ASSIGN_OR_RETURN(std::string inner, UnzipMember(bytes, ".xml", kMaxInflated, &member));
      auto r = Parse(member, inner, sib, depth + 1);
      if (!r.ok()) return r.status().WithContext(file);
      for (auto& l : *r) {
        l.report.file = file;
        if (l.report.version.empty()) l.report.version = DateFromPath(file);
      }
      return r;
    }
    case Format::kOfacCompanion:
      return Status::InvalidArgument(
          fmt::format("{}: an OFAC companion file (aliases, addresses or remarks); import the sdn.csv / "
                      "cons_prim.csv beside it",
                      file));
    case Format::kUkFcdoCompanion:
      return Status::InvalidArgument(
          fmt::format("{}: part of the normalised UK FCDO set; import the subjects.csv beside it", file));
    case Format::kUnknown:
      break;
  }
  return Status::InvalidArgument(fmt::format("{}: {}", file, kNotAList));
}

Result<std::vector<ImportedList>> Parse(const std::string& file, std::string_view bytes,
                                        const SiblingReader& sib, int depth) {
  return ParseDetected(DetectFormat(BaseName(file), bytes), file, bytes, sib, depth);
}

std::string FileDate(const std::string& path) {
  std::error_code ec;
  auto t = fs::last_write_time(path, ec);
  if (ec) return {};
  auto sys = std::chrono::file_clock::to_sys(t);
  std::time_t tt = std::chrono::system_clock::to_time_t(std::chrono::floor<std::chrono::seconds>(sys));
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return fmt::format("{:04d}-{:02d}-{:02d}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

}  // namespace

namespace internal {

Format DetectFormat(std::string_view file_name, std::string_view bytes) {
  const std::string name = Lower(BaseName(file_name));
  if (bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
      static_cast<unsigned char>(bytes[1]) == 0x8b) {
    return Format::kGzip;
  }
  if (bytes.substr(0, 4) == std::string_view("PK\x03\x04", 4)) return Format::kZip;
  if (EndsWith(name, ".gz")) return Format::kGzip;
  if (EndsWith(name, ".zip")) return Format::kZip;

  // Names that fix the format even when the content is empty or broken (an empty sdn.csv must fail
  // loudly, not be skipped as "unknown").
  static constexpr std::string_view kOfacCompanions[] = {"alt.csv",      "add.csv",      "sdn_comments.csv",
                                                         "cons_alt.csv", "cons_add.csv", "cons_comments.csv"};
  for (auto c : kOfacCompanions) {
    if (name == c) return Format::kOfacCompanion;
  }
  if (name.rfind("cons_prim", 0) == 0 && EndsWith(name, ".csv")) return Format::kOfacConsCsv;
  if (name.rfind("sdn", 0) == 0 && EndsWith(name, ".csv")) return Format::kOfacSdnCsv;
  if (name == "subjects.csv") return Format::kUkFcdoSubjects;
  if (name.rfind("subject_", 0) == 0 && EndsWith(name, ".csv")) return Format::kUkFcdoCompanion;

  std::string_view s = SkipBomAndSpace(bytes);
  if (s.empty()) return Format::kUnknown;
  if (s.front() == '<') {
    std::string root = XmlRootName(s);
    if (root == "CONSOLIDATED_LIST") return Format::kUnXml;
    if (root == "sdnList") return Format::kOfacXml;
    if (root == "sanctionsData") return Format::kOfacEnhancedXml;
    if (root == "data-set") return Format::kCaSemaXml;
    return Format::kUnknown;
  }
  if (s.front() == '{' || s.front() == '[') return Format::kUnknown;  // JSON (e.g. OpenSanctions exports)

  auto header = HeaderFields(s);
  if (header.empty()) return Format::kUnknown;
  if (Has(header, "street_address") && Has(header, "name")) return Format::kBisDplTsv;
  if (Has(header, "_id") && Has(header, "source")) return Format::kUsCslCsv;
  if (header.size() >= 4 && header[0] == "name" && header[1] == "alias" && Has(header, "designation")) {
    return Format::kEuCsv;
  }
  if (Has(header, "unique_id") && Has(header, "subject_type")) return Format::kUkFcdoSubjects;
  if (Has(header, "name 6") && Has(header, "group id")) return Format::kUkOfsiCsv;
  if (header.size() == 2 && header[0] == "last updated") {  // original OFSI file: a date line first
    size_t nl = s.find('\n');
    if (nl != std::string_view::npos) {
      auto second = HeaderFields(s.substr(nl + 1));
      if (Has(second, "name 6") && Has(second, "group id")) return Format::kUkOfsiCsv;
    }
  }
  // Headerless OFAC legacy primary file: ent_num, name, type, program, ... (12 columns).
  if (header.size() == 12 && !header[0].empty() &&
      std::all_of(header[0].begin(), header[0].end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return name.find("cons") != std::string::npos ? Format::kOfacConsCsv : Format::kOfacSdnCsv;
  }
  return Format::kUnknown;
}

Result<std::string> Gunzip(std::string_view bytes, size_t limit) {
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return Status::Internal("zlib initialisation failed");
  std::string out;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  zs.avail_in = static_cast<uInt>(std::min<size_t>(bytes.size(), UINT32_MAX));
  size_t consumed_total = 0;
  char buf[64 * 1024];
  int rc = Z_OK;
  while (true) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) break;
    out.append(buf, sizeof buf - zs.avail_out);
    if (out.size() > limit) {
      inflateEnd(&zs);
      return Status::PayloadTooLarge(fmt::format("decompressed data exceeds {} bytes", limit));
    }
    if (rc == Z_STREAM_END) {
      // Concatenated gzip members: continue with the next one.
      consumed_total += zs.total_in;
      if (consumed_total >= bytes.size()) break;
      std::string_view rest = bytes.substr(consumed_total);
      if (rest.size() < 2 || static_cast<unsigned char>(rest[0]) != 0x1f) break;
      inflateReset(&zs);
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(rest.data()));
      zs.avail_in = static_cast<uInt>(std::min<size_t>(rest.size(), UINT32_MAX));
      continue;
    }
    if (zs.avail_in == 0 && zs.avail_out != 0) {
      rc = Z_BUF_ERROR;  // input ended before the stream did
      break;
    }
  }
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) {
    return Status::InvalidArgument(
        fmt::format("gzip data is corrupt or truncated ({})", zs.msg ? zs.msg : "unexpected end of data"));
  }
  return out;
}

Result<std::string> UnzipMember(std::string_view bytes, std::string_view suffix, size_t limit,
                                std::string* member) {
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &err);
  if (!src) {
    std::string m = zip_error_strerror(&err);
    zip_error_fini(&err);
    return Status::InvalidArgument(fmt::format("not a readable zip archive: {}", m));
  }
  zip_t* za = zip_open_from_source(src, ZIP_RDONLY, &err);
  if (!za) {
    std::string m = zip_error_strerror(&err);
    zip_source_free(src);
    zip_error_fini(&err);
    return Status::InvalidArgument(fmt::format("not a readable zip archive: {}", m));
  }
  zip_error_fini(&err);
  const std::string want = Lower(suffix);
  zip_int64_t n = zip_get_num_entries(za, 0);
  for (zip_int64_t i = 0; i < n; ++i) {
    const char* nm = zip_get_name(za, static_cast<zip_uint64_t>(i), 0);
    if (!nm || !EndsWith(Lower(nm), want)) continue;
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(za, static_cast<zip_uint64_t>(i), 0, &st) != 0) continue;
    if ((st.valid & ZIP_STAT_SIZE) && st.size > limit) {
      zip_discard(za);
      return Status::PayloadTooLarge(fmt::format("zip member {} exceeds {} bytes", nm, limit));
    }
    zip_file_t* f = zip_fopen_index(za, static_cast<zip_uint64_t>(i), 0);
    if (!f) {
      std::string m = zip_strerror(za);
      zip_discard(za);
      return Status::InvalidArgument(fmt::format("zip member {}: {}", nm, m));
    }
    std::string out;
    char buf[64 * 1024];
    while (true) {
      zip_int64_t got = zip_fread(f, buf, sizeof buf);
      if (got < 0) {
        std::string m = zip_file_strerror(f);
        zip_fclose(f);
        zip_discard(za);
        return Status::InvalidArgument(fmt::format("zip member {} is corrupt: {}", nm, m));
      }
      if (got == 0) break;
      out.append(buf, static_cast<size_t>(got));
      if (out.size() > limit) {
        zip_fclose(f);
        zip_discard(za);
        return Status::PayloadTooLarge(fmt::format("zip member {} exceeds {} bytes", nm, limit));
      }
    }
    zip_fclose(f);
    if (member) *member = nm;
    zip_discard(za);
    return out;
  }
  zip_discard(za);
  return Status::InvalidArgument(fmt::format("{} *{} file", kNoListInArchive, suffix));
}

}  // namespace internal

Result<std::vector<ImportedList>> ImportBytes(const std::string& name_hint, std::string_view bytes) {
  auto r = Parse(name_hint, bytes, SiblingReader(), 0);
  if (!r.ok()) return r.status();
  for (auto& l : *r) l.report.records = static_cast<int64_t>(l.entities.size());
  return r;
}

Result<std::vector<ImportedList>> ImportFile(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return Status::NotFound(fmt::format("{}: no such file", path));
  STM_ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(path));
  auto r = Parse(path, bytes, SiblingsOf(path), 0);
  if (!r.ok()) return r.status();
  for (auto& l : *r) {
    l.report.records = static_cast<int64_t>(l.entities.size());
    if (l.report.version.empty()) l.report.version = FileDate(path);
  }
  return r;
}

Result<std::vector<ImportedList>> ImportDirectory(const std::string& dir, bool all_versions) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Status::NotFound(fmt::format("{}: no such directory", dir));
  std::vector<std::string> files;
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->is_regular_file(ec)) files.push_back(it->path().string());
  }
  if (ec) return Status::Unavailable(fmt::format("{}: cannot list: {}", dir, ec.message()));
  std::sort(files.begin(), files.end());

  std::vector<ImportedList> all;
  for (const auto& path : files) {
    STM_ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(path));
    Format f = DetectFormat(BaseName(path), bytes);
    if (f == Format::kUnknown || f == Format::kOfacCompanion || f == Format::kUkFcdoCompanion) continue;
    if (f == Format::kZip || f == Format::kGzip) {
      // Only archives that hold a list format count; other archives are skipped like other unknown files.
      auto r = Parse(path, bytes, SiblingsOf(path), 0);
      if (!r.ok()) {
        if (r.status().message().find(kNotAList) != std::string::npos ||
            r.status().message().find(kNoListInArchive) != std::string::npos) {
          continue;
        }
        return r.status();
      }
      for (auto& l : *r) {
        l.report.records = static_cast<int64_t>(l.entities.size());
        if (l.report.version.empty()) l.report.version = FileDate(path);
        all.push_back(std::move(l));
      }
      continue;
    }
    auto r = ParseDetected(f, path, bytes, SiblingsOf(path), 0);
    if (!r.ok()) return r.status();
    for (auto& l : *r) {
      l.report.records = static_cast<int64_t>(l.entities.size());
      if (l.report.version.empty()) l.report.version = FileDate(path);
      all.push_back(std::move(l));
    }
  }
  if (all_versions) return all;

  // Newest version per list key; on a tie the richer format wins (ENHANCED > sdnList XML > CSV), then the
  // first file in path order.
  auto rank = [](const std::string& format) {
    if (format == "ofac_enhanced_xml") return 3;
    if (format == "ofac_xml") return 2;
    return 1;
  };
  std::map<std::string, size_t> best;
  for (size_t i = 0; i < all.size(); ++i) {
    auto [it, inserted] = best.emplace(all[i].report.list, i);
    if (inserted) continue;
    const auto& cur = all[it->second].report;
    const auto& cand = all[i].report;
    if (cand.version > cur.version || (cand.version == cur.version && rank(cand.format) > rank(cur.format))) {
      it->second = i;
    }
  }
  std::vector<size_t> keep;
  for (const auto& [list, i] : best) keep.push_back(i);
  std::sort(keep.begin(), keep.end());
  std::vector<ImportedList> out;
  out.reserve(keep.size());
  for (size_t i : keep) out.push_back(std::move(all[i]));
  return out;
}

}  // namespace stm::screening
