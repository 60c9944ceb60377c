#include "screening/csv.h"

#include <fmt/format.h>

namespace stm::screening {

Result<std::vector<CsvRecord>> ParseCsv(std::string_view text, char delimiter) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  // DOS end-of-file marker (OFAC legacy files end with one), possibly followed by line ends.
  {
    size_t end = text.size();
    while (end > 0 && (text[end - 1] == '\n' || text[end - 1] == '\r')) --end;
    if (end > 0 && text[end - 1] == '\x1a') text = text.substr(0, end - 1);
  }

  std::vector<CsvRecord> out;
  CsvRecord record;
  std::string field;
  bool in_quotes = false;
  bool field_started = false;  // the current record has at least one character or delimiter
  bool field_quoted = false;   // the current field opened with a quote
  int line = 1;
  int record_line = 1;
  int quote_line = 0;

  auto end_field = [&] {
    record.fields.push_back(std::move(field));
    field.clear();
    field_quoted = false;
  };
  auto end_record = [&] {
    if (field_started) {
      end_field();
      record.line = record_line;
      out.push_back(std::move(record));
    }
    record = CsvRecord();
    field.clear();
    field_started = false;
    field_quoted = false;
  };

  const size_t n = text.size();
  for (size_t i = 0; i < n; ++i) {
    const char c = text[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < n && text[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        if (c == '\n') ++line;
        if (c == '\r' && !(i + 1 < n && text[i + 1] == '\n')) ++line;
        field.push_back(c);
      }
      continue;
    }
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < n && text[i + 1] == '\n') ++i;
      end_record();
      ++line;
      record_line = line;
      continue;
    }
    if (!field_started) {
      field_started = true;
      record_line = line;
    }
    if (c == delimiter) {
      end_field();
    } else if (c == '"' && field.empty() && !field_quoted) {
      in_quotes = true;
      field_quoted = true;
      quote_line = line;
    } else {
      field.push_back(c);
    }
  }
  if (in_quotes) {
    return Status::InvalidArgument(
        fmt::format("unterminated quoted field starting on line {} (truncated file?)", quote_line));
  }
  end_record();
  return out;
}

}  // namespace stm::screening
