// The US Commerce Control List importer: the eCFR full text (one record per ECCN) parsed into a tree of
// paragraphs, cross-checked against the separately published paragraph tree; and the paragraph tree
// alone as an older version of the list. Also the small text helpers the catalogue importers share.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"
#include "common/status.h"

namespace stm::catalog {

inline constexpr std::string_view kCclFullTextFile = "ccl_eccn_full_text_2026-07.jsonl";
inline constexpr std::string_view kCclTreeFile = "ccl_2025-09-29_paragraphs.jsonl";

// One labelled paragraph parsed out of an ECCN's "items controlled" text.
struct CclParagraph {
  std::string label;    // "a", "a.1", "a.1.a" (without the ECCN)
  std::string heading;  // its own words, up to its first sub-paragraph or note
  std::string text;     // its full wording, label included, with sub-paragraphs and their notes
  std::vector<std::string> notes;
  std::vector<std::string> technical_notes;
  std::vector<std::string> decontrol_notes;
};

struct ParsedItems {
  std::vector<CclParagraph> paragraphs;  // list order, parents first
  // Notes that belong to the ECCN itself (before the first paragraph, or citing "this ECCN" / the code).
  std::vector<std::string> notes;
  std::vector<std::string> technical_notes;
  std::vector<std::string> decontrol_notes;
};

// Splits the "items controlled" text of `eccn` into its labelled paragraphs ("a.", "a.1.", "a.1.a").
// A label is accepted only where the numbering allows it (the next sibling, a first child, or a later
// sibling outside notes), so decimals ("0.2%"), references ("1C010.b", ".a or .b") and the lettered lists
// inside notes ("Note: 1C010.c does not control: a. ... d. ...") are left in the text.
ParsedItems ParseItemsControlled(std::string_view eccn, std::string_view items);

// Imports the full-text file; when `tree_path` is not empty also reads the paragraph tree and reports
// paragraphs present in one source but not the other and numbers that differ. List "us_ccl", version
// "2026-07-23". A missing, unreadable or malformed full-text file is an error naming it.
Result<Catalog> ImportCcl(const std::filesystem::path& full_text_path,
                          const std::filesystem::path& tree_path);

// The paragraph tree alone (current Supplement No. 1 paragraphs) as list "us_ccl" version "2025-09-29".
Result<Catalog> ImportCclParagraphTree(const std::filesystem::path& path);

// --- helpers shared by the catalogue importers ---

// The whole file; kNotFound when absent, kUnavailable when unreadable, both naming the file.
Result<std::string> ReadCatalogFile(const std::filesystem::path& path);

// CAS-number-shaped tokens ("7784-34-1") in order of appearance, unique. Valid ones are returned; those
// whose check digit is wrong are appended to *invalid when given.
std::vector<std::string> FindCasNumbers(std::string_view text, std::vector<std::string>* invalid = nullptr);

// ECCN codes ("2A226", "0A501") cited in text, in order, unique.
std::vector<std::string> FindEccnCodes(std::string_view text);

}  // namespace stm::catalog
