// Restricted-party list importers: every supported source file -> the one record model (entity.h).
//
// Formats (detected from the file name and content):
//   UN Security Council consolidated XML                 -> "un"
//   OFAC SDN legacy CSV (sdn.csv + alt/add/sdn_comments)  -> "ofac_sdn"
//   OFAC consolidated non-SDN CSV (cons_prim.csv + ...)  -> "ofac_cons"
//   OFAC sdnList XML (sdn.xml / consolidated.xml)        -> "ofac_sdn" or "ofac_cons" (by content)
//   OFAC ENHANCED XML, bare or zipped                     -> "ofac_sdn" or "ofac_cons" (by content)
//   US Consolidated Screening List CSV (.csv or .csv.gz)  -> "us_csl:<source>", e.g. "us_csl:Entity List"
//   BIS Denied Persons List (tab-separated)               -> "bis_dpl"
//   UK FCDO list, normalised relational CSVs (subjects.csv + subject_*.csv) -> "uk"
//   UK OFSI consolidated list CSV (legacy)                -> "uk_ofsi"
//   EU financial sanctions names CSV                      -> "eu"
//   Canada SEMA consolidated XML                          -> "ca_sema"
// A dirty record is kept with what could be read, plus an ImportWarning; a file that cannot be read as a
// whole (truncated XML, unterminated CSV quote, missing required columns, empty) is a kInvalidArgument
// error naming the file.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "screening/entity.h"

namespace stm::screening {

struct ImportedList {
  ImportReport report;
  std::vector<Entity> entities;
};

// One source file; format detected from the file name and content. Companion files (OFAC alt/add/
// comments, FCDO subject_*.csv) are read from the same folder. The US CSL yields one ImportedList per
// `source` column value. Unknown format -> kInvalidArgument; unreadable file -> kNotFound.
Result<std::vector<ImportedList>> ImportFile(const std::string& path);

// Every recognised file under `dir` (recursively; laid out like shared/data/sanctions), keeping for each
// list key only the newest version (by ImportReport::version), unless all_versions is true (then every
// file's lists). Unrecognised files are skipped; a recognised file that fails to parse fails the call.
Result<std::vector<ImportedList>> ImportDirectory(const std::string& dir, bool all_versions = false);

// Parses content already in memory (used for downloads). `name_hint` is the file name for detection.
// Companion files cannot be read, so the OFAC CSV yields primary records only and the FCDO relational set
// is refused (kInvalidArgument).
Result<std::vector<ImportedList>> ImportBytes(const std::string& name_hint, std::string_view bytes);

}  // namespace stm::screening
