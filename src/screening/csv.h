// A small CSV reader for the list files: RFC 4180 quoting (doubled quotes, delimiters and line breaks
// inside quotes), CRLF / LF / CR line ends, an optional UTF-8 byte-order mark, any one-byte delimiter.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace stm::screening {

struct CsvRecord {
  std::vector<std::string> fields;
  int line = 0;  // 1-based line on which the record starts
};

// Parses the whole text. Lenient like Python's csv module: characters after a closing quote are appended
// to the field, a quote inside an unquoted field is literal. Blank lines are skipped, and a DOS end-of-file
// byte (0x1A) at the end is ignored. A quoted field still open at the end of the text (a truncated file) is
// kInvalidArgument naming the line where it began.
Result<std::vector<CsvRecord>> ParseCsv(std::string_view text, char delimiter = ',');

}  // namespace stm::screening
