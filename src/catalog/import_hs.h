// The Harmonized System 2022 nomenclature (2/4/6 digits), and the project's own small correlation files:
// CCL entry -> HS codes (data/hs_correlation.json) and entry -> regime list item
// (data/cross_references.json).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "catalog/catalog.h"
#include "common/status.h"

namespace stm::catalog {

inline constexpr std::string_view kHsFile = "datasets_harmonized-system_harmonized-system.csv";

// Columns section, hscode, description, parent, level. Rows with a malformed code or a level that does
// not match the code's length are issues; a missing column or an unparsable file is an error.
Status ImportHs(const std::filesystem::path& path, Catalog& catalog);

// {"records": [{"entry": "3A225", "hs": "850440", "provenance": "..."}]}. Each record's entry must be in
// the catalogue and its HS code in the nomenclature (when loaded), else it is reported and skipped.
Status ImportHsCorrelation(const std::filesystem::path& path, Catalog& catalog);

// {"records": [{"from": "3A225", "to": "NSG Part 2 3.A.1", "relation": "equivalent", "provenance": "..."}]}
Status ImportCrossReferences(const std::filesystem::path& path, Catalog& catalog);

// "8504.40" -> "850440": the digits of `code`, or "" when it holds anything but digits, dots and spaces.
std::string NormalizeHs(std::string_view code);

}  // namespace stm::catalog
