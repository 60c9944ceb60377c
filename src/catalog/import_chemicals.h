// Controlled chemicals by CAS number: the SCOMET 2024 Category 1 list (with CWC schedule items and HS
// codes) and the ChemCrow chemical-weapons list (CWC schedules, Australia Group precursors), validated
// against CAS check digits and against the CAS numbers the CCL itself gives for the same names.
#pragma once

#include <filesystem>

#include "catalog/catalog.h"
#include "common/status.h"

namespace stm::catalog {

inline constexpr std::string_view kScometFile = "scomet2024_cat1_chemicals_cas_cwc_hs.csv";
inline constexpr std::string_view kChemcrowFile = "chemcrow_chem_wep.csv";

// Columns scomet_entry, scomet_subcategory, chemical_name, cwc_schedule_ref, cas, itc_hs, raw_row.
// Rows without a CAS number, with a malformed one or a wrong check digit, or whose name the CCL gives
// with a different CAS number, are reported as issues and not imported. A missing column or a file that
// cannot be parsed is an error naming the file. Call after the CCL is in `catalog` (for the name check)
// and after the HS codes (HS codes not in the nomenclature are reported, not kept).
Status ImportScometChemicals(const std::filesystem::path& path, Catalog& catalog);

// Columns "CAS No." ("(111-48-8)") and Source ("australia group", "OPCW schedule 2").
Status ImportChemcrowChemicals(const std::filesystem::path& path, Catalog& catalog);

// Adds a chemical for each "(C.A.S. #n) name" written in the CCL text, fills Chemical::entries with the
// ECCNs whose text names each CAS number, and gives the paragraphs naming a chemical its HS codes.
void LinkChemicalsToEntries(Catalog& catalog);

}  // namespace stm::catalog
