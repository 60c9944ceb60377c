#include "screening/download.h"

#include <curl/curl.h>

#include <mutex>

#include <fmt/format.h>

namespace stm::screening {
namespace {

struct Sink {
  std::string body;
  size_t max_bytes;
  bool overflow = false;
};

size_t Write(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  size_t bytes = size * n;
  if (sink->body.size() + bytes > sink->max_bytes) {
    sink->overflow = true;
    return 0;  // makes libcurl abort the transfer
  }
  sink->body.append(data, bytes);
  return bytes;
}

class CurlFetcher final : public Fetcher {
 public:
  explicit CurlFetcher(CurlOptions options) : options_(std::move(options)) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  }

  Result<std::string> Get(const std::string& url) override {
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
    if (!curl) return Status::Internal("cannot initialise libcurl");
    Sink sink{{}, options_.max_bytes};
    char error[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl.get(), CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(curl.get(), CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT, options_.connect_timeout_s);
    curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT, options_.total_timeout_s);
    curl_easy_setopt(curl.get(), CURLOPT_USERAGENT, options_.user_agent.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, &Write);
    curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &sink);
    CURLcode rc = curl_easy_perform(curl.get());
    if (sink.overflow) {
      return Status::PayloadTooLarge(fmt::format("download of {} exceeds {} bytes", url, options_.max_bytes));
    }
    if (rc == CURLE_PARTIAL_FILE) {
      return Status::Unavailable(fmt::format("download of {} was truncated ({} bytes received)", url, sink.body.size()));
    }
    if (rc != CURLE_OK) {
      return Status::Unavailable(
          fmt::format("download of {} failed: {}", url, error[0] ? error : curl_easy_strerror(rc)));
    }
    return std::move(sink.body);
  }

 private:
  CurlOptions options_;
};

}  // namespace

std::unique_ptr<Fetcher> MakeCurlFetcher(CurlOptions options) {
  return std::make_unique<CurlFetcher>(std::move(options));
}

Result<std::vector<std::pair<std::string, std::string>>> ParseListSources(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t comma = text.find(',', start);
    std::string entry = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    start = comma == std::string::npos ? text.size() : comma + 1;
    if (entry.empty()) continue;
    size_t eq = entry.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == entry.size()) {
      return Status::InvalidArgument(fmt::format("list source '{}' must be name=url", entry));
    }
    std::string url = entry.substr(eq + 1);
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
      return Status::InvalidArgument(fmt::format("list source '{}' must be an http(s) URL", entry));
    }
    out.emplace_back(entry.substr(0, eq), std::move(url));
  }
  return out;
}

Result<std::vector<ImportedList>> DownloadList(Fetcher& fetcher, const std::string& url) {
  STM_ASSIGN_OR_RETURN(std::string body, fetcher.Get(url));
  std::string name = url.substr(0, url.find_first_of("?#"));
  name = name.substr(name.find_last_of('/') + 1);
  auto lists = ImportBytes(name, body);
  if (!lists.ok()) return lists.status().WithContext(fmt::format("download of {}", url));
  for (auto& l : *lists) l.report.file = url;
  return lists;
}

}  // namespace stm::screening
