// Country names as written in the restricted-party lists -> ISO 3166-1 alpha-2.
//
// Knows every entry of the Debian iso-codes table (/usr/share/iso-codes/json/iso_3166-1.json: name,
// official_name, common_name, alpha_2, alpha_3), loaded once on first use, plus the variants the lists use
// ("Iran (Islamic Republic of)", "Korea, North", "Burma", "Türkiye", "Palestinian"...). Matching ignores
// case, Latin diacritics, punctuation and a leading or trailing "the".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stm::screening {

// The alpha-2 code (upper case), or nullopt when the text is not a known country.
std::optional<std::string> CountryCode(std::string_view text);
// The alpha-2 code when known, else the source text with surrounding spaces removed.
std::string CountryCodeOrText(std::string_view text);
// The English short name for an alpha-2 code ("IR" -> "Iran, Islamic Republic of"); empty when unknown.
std::string CountryName(std::string_view alpha2);
// Every known country: (alpha-2, English short name), ordered by code.
std::vector<std::pair<std::string, std::string>> AllCountries();
// The lookup key used for matching (exposed for tests): lower-case ASCII words.
std::string CountryKey(std::string_view text);

}  // namespace stm::screening
