// Fetching official list files over HTTP(S) with libcurl, behind an interface so tests and other
// transports can stand in.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "screening/importers.h"

namespace stm::screening {

// Thread-safe implementations only.
class Fetcher {
 public:
  virtual ~Fetcher() = default;
  // The whole body of `url`; an error for any failure, including a body shorter than announced.
  virtual Result<std::string> Get(const std::string& url) = 0;
};

struct CurlOptions {
  long connect_timeout_s = 20;          // NOLINT(runtime/int): libcurl's type
  long total_timeout_s = 600;           // NOLINT(runtime/int)
  size_t max_bytes = 512u << 20;        // refuse anything larger
  std::string user_agent = "stm-list-fetcher";
};

std::unique_ptr<Fetcher> MakeCurlFetcher(CurlOptions options = {});

// "un=https://host/consolidated.xml,ofac_sdn=https://host/sdn.csv" -> pairs; an error names a bad entry.
Result<std::vector<std::pair<std::string, std::string>>> ParseListSources(const std::string& text);

// Downloads `url` and parses it with the importers (format detected from the URL's file name and the
// content). A truncated or malformed download is an error: nothing is imported from it.
Result<std::vector<ImportedList>> DownloadList(Fetcher& fetcher, const std::string& url);

}  // namespace stm::screening
