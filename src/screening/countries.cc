#include "screening/countries.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unordered_map>

namespace stm::screening {
namespace {

constexpr const char* kIsoCodesPath = "/usr/share/iso-codes/json/iso_3166-1.json";

// Variants seen in the UN, OFAC, CSL, BIS, UK, EU and Canadian lists that the ISO table does not spell.
constexpr std::pair<const char*, const char*> kVariants[] = {
    {"Iran", "IR"},
    {"Iran (Islamic Republic of)", "IR"},
    {"Islamic Republic of Iran", "IR"},
    {"Russia", "RU"},
    {"Russian Federation", "RU"},
    {"Syria", "SY"},
    {"Syrian Arab Republic", "SY"},
    {"North Korea", "KP"},
    {"Korea, North", "KP"},
    {"DPRK", "KP"},
    {"Democratic People's Republic of Korea", "KP"},
    {"Korea, Democratic People's Republic of", "KP"},
    {"Korea (Democratic People's Republic of)", "KP"},
    {"South Korea", "KR"},
    {"Korea, South", "KR"},
    {"Republic of Korea", "KR"},
    {"Korea, Republic of", "KR"},
    {"Burma", "MM"},
    {"Myanmar (Burma)", "MM"},
    {"Turkey", "TR"},
    {"Türkiye", "TR"},
    {"Turkiye", "TR"},
    {"Viet Nam", "VN"},
    {"Vietnam", "VN"},
    {"Laos", "LA"},
    {"Lao People's Democratic Republic", "LA"},
    {"Moldova", "MD"},
    {"Moldova, Republic of", "MD"},
    {"Republic of Moldova", "MD"},
    {"Tanzania", "TZ"},
    {"United Republic of Tanzania", "TZ"},
    {"Tanzania, United Republic of", "TZ"},
    {"Bolivia", "BO"},
    {"Venezuela", "VE"},
    {"Venezuela (Bolivarian Republic of)", "VE"},
    {"Democratic Republic of the Congo", "CD"},
    {"Congo, Democratic Republic of the", "CD"},
    {"Congo, Democratic Republic of", "CD"},
    {"Congo, Democratic Republic of (was Zaire)", "CD"},
    {"Democratic Republic of Congo", "CD"},
    {"DRC", "CD"},
    {"Zaire", "CD"},
    {"Congo", "CG"},
    {"Republic of the Congo", "CG"},
    {"Congo, Republic of the", "CG"},
    {"Congo, People's Republic of", "CG"},
    {"Congo (Brazzaville)", "CG"},
    {"Cote d'Ivoire", "CI"},
    {"Ivory Coast", "CI"},
    {"Palestinian", "PS"},
    {"Palestine", "PS"},
    {"State of Palestine", "PS"},
    {"Palestinian Territories", "PS"},
    {"Palestinian Territory, Occupied", "PS"},
    {"Occupied Palestinian Territory", "PS"},
    {"Occupied Palestinian Territories", "PS"},
    {"West Bank", "PS"},
    {"Gaza", "PS"},
    {"Gaza Strip", "PS"},
    {"United Kingdom", "GB"},
    {"UK", "GB"},
    {"Great Britain", "GB"},
    {"United Kingdom of Great Britain and Northern Ireland", "GB"},
    {"England", "GB"},
    {"Scotland", "GB"},
    {"Wales", "GB"},
    {"Northern Ireland", "GB"},
    {"United States", "US"},
    {"United States of America", "US"},
    {"USA", "US"},
    {"U.S.A.", "US"},
    {"U.S.", "US"},
    {"United Arab Emirates", "AE"},
    {"UAE", "AE"},
    {"U.A.E.", "AE"},
    {"Macedonia", "MK"},
    {"North Macedonia", "MK"},
    {"The former Yugoslav Republic of Macedonia", "MK"},
    {"Czech Republic", "CZ"},
    {"Czechia", "CZ"},
    {"Slovak Republic", "SK"},
    {"Kyrgyz Republic", "KG"},
    {"Kyrgyzstan", "KG"},
    {"Swaziland", "SZ"},
    {"Cape Verde", "CV"},
    {"Kosovo", "XK"},
    {"Republic of Kosovo", "XK"},
    {"Taiwan", "TW"},
    {"Taiwan, Province of China", "TW"},
    {"Chinese Taipei", "TW"},
    {"Hong Kong", "HK"},
    {"Hong Kong SAR", "HK"},
    {"Hong Kong, China", "HK"},
    {"Macau", "MO"},
    {"Macao", "MO"},
    {"China", "CN"},
    {"People's Republic of China", "CN"},
    {"Brunei", "BN"},
    {"Micronesia", "FM"},
    {"Micronesia, Federated States of", "FM"},
    {"Libya", "LY"},
    {"Libyan Arab Jamahiriya", "LY"},
    {"Holy See", "VA"},
    {"Vatican", "VA"},
    {"Vatican City", "VA"},
    {"Gambia, The", "GM"},
    {"The Gambia", "GM"},
    {"Bahamas, The", "BS"},
    {"The Bahamas", "BS"},
    {"Bosnia and Herzegowina", "BA"},
    {"Bosnia-Herzegovina", "BA"},
    {"Bosnia", "BA"},
    {"Sudan", "SD"},
    {"South Sudan", "SS"},
    {"Netherlands", "NL"},
    {"The Netherlands", "NL"},
    {"Holland", "NL"},
    {"Belarus", "BY"},
    {"Byelorussia", "BY"},
    {"Timor-Leste", "TL"},
    {"East Timor", "TL"},
    {"Saint Kitts and Nevis", "KN"},
    {"St. Kitts and Nevis", "KN"},
    {"Saint Lucia", "LC"},
    {"St. Lucia", "LC"},
    {"Saint Vincent and the Grenadines", "VC"},
    {"St. Vincent and the Grenadines", "VC"},
    {"Sao Tome and Principe", "ST"},
    {"Curacao", "CW"},
    {"Sint Maarten", "SX"},
    {"Reunion", "RE"},
    {"Falkland Islands", "FK"},
    {"British Virgin Islands", "VG"},
    {"Virgin Islands, British", "VG"},
    {"Virgin Islands (British)", "VG"},
    {"US Virgin Islands", "VI"},
    {"Virgin Islands, U.S.", "VI"},
    {"Cayman Islands", "KY"},
    {"Isle of Man", "IM"},
    {"Guernsey", "GG"},
    {"Jersey", "JE"},
    {"Crimea", "UA"},
    {"Region: Crimea", "UA"},
    {"Region: Gaza", "PS"},
    {"Region: West Bank", "PS"},
    {"Region: Kurdistan", "IQ"},
    {"Iraq (Kurdistan Region)", "IQ"},
    {"Kurdistan Region, Iraq", "IQ"},
    {"Northern Cyprus", "CY"},
    {"Abkhazia", "GE"},
    {"South Ossetia", "GE"},
    {"Transnistria", "MD"},
    {"Western Sahara", "EH"},
    {"Polynesia, French", "PF"},
    {"Saint Martin", "MF"},
    {"Ethiopia", "ET"},
    {"Eswatini", "SZ"},
    {"Cabo Verde", "CV"},
    {"Yemen, Republic of", "YE"},
    {"Republic of Yemen", "YE"},
    {"Egypt, Arab Republic of", "EG"},
    {"Arab Republic of Egypt", "EG"},
    {"Cote d Ivoire", "CI"},
    {"China, Hong Kong Special Administrative Region", "HK"},
    {"Hong Kong Special Administrative Region", "HK"},
    {"China, Macao Special Administrative Region", "MO"},
    {"PRC", "CN"},
    {"Man, Isle of", "IM"},
    {"North Macedonia, The Republic of", "MK"},
    {"Republic of North Macedonia", "MK"},
    {"Macedonia, The Former Yugoslav Republic of", "MK"},
    {"Former Yugoslav Republic of Macedonia", "MK"},
    {"Cabo Verde. Previously Cape Verde.", "CV"},
    // Nationality adjectives some lists write instead of country names.
    {"Afghan", "AF"},
    {"Algerian", "DZ"},
    {"American", "US"},
    {"Belarusian", "BY"},
    {"British", "GB"},
    {"Chinese", "CN"},
    {"Colombian", "CO"},
    {"Cuban", "CU"},
    {"Egyptian", "EG"},
    {"Emirati", "AE"},
    {"French", "FR"},
    {"German", "DE"},
    {"Indonesian", "ID"},
    {"Iranian", "IR"},
    {"Iraqi", "IQ"},
    {"Jordanian", "JO"},
    {"Kuwaiti", "KW"},
    {"Lebanese", "LB"},
    {"Libyan", "LY"},
    {"Malian", "ML"},
    {"Mexican", "MX"},
    {"Moroccan", "MA"},
    {"Nicaraguan", "NI"},
    {"Nigerian", "NG"},
    {"North Korean", "KP"},
    {"Pakistani", "PK"},
    {"Qatari", "QA"},
    {"Russian", "RU"},
    {"Saudi", "SA"},
    {"Saudi Arabian", "SA"},
    {"Somali", "SO"},
    {"Sudanese", "SD"},
    {"Syrian", "SY"},
    {"Tunisian", "TN"},
    {"Turkish", "TR"},
    {"Ukrainian", "UA"},
    {"Venezuelan", "VE"},
    {"Yemeni", "YE"},
};

// Latin-1 supplement and a few Latin Extended-A letters folded to ASCII.
char FoldLatin(char32_t cp) {
  static const char kLatin1[] =  // U+00C0 .. U+00FF
      "AAAAAAACEEEEIIII"
      "DNOOOOOxOUUUUYTs"
      "aaaaaaaceeeeiiii"
      "dnooooo/ouuuuyty";
  if (cp >= 0xC0 && cp <= 0xFF) return kLatin1[cp - 0xC0];
  if (cp >= 0x100 && cp <= 0x17F) {
    // Latin Extended-A: pairs of upper/lower case; map by ranges of base letters.
    static const char kExtA[] =
        "AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiIiJjKkkLlLlLlLlLlNnNnNnnNnOoOoOoOoRrRrRrSsSsSsSsTt"
        "TtTt"
        "UuUuUuUuUuUuWwYyYZzZzZzs";
    size_t idx = cp - 0x100;
    if (idx < sizeof(kExtA) - 1) return kExtA[idx];
  }
  return 0;
}

std::string Fold(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(std::tolower(c)));
      ++i;
      continue;
    }
    // Decode one UTF-8 sequence (lenient: a bad byte becomes a space).
    char32_t cp = 0;
    size_t len = 0;
    if ((c & 0xE0) == 0xC0) {
      cp = c & 0x1F;
      len = 2;
    } else if ((c & 0xF0) == 0xE0) {
      cp = c & 0x0F;
      len = 3;
    } else if ((c & 0xF8) == 0xF0) {
      cp = c & 0x07;
      len = 4;
    }
    if (len == 0 || i + len > text.size()) {
      out.push_back(' ');
      ++i;
      continue;
    }
    bool ok = true;
    for (size_t k = 1; k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0) != 0x80) ok = false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (!ok) {
      out.push_back(' ');
      ++i;
      continue;
    }
    if (cp == 0x2019 || cp == 0x2018) {  // typographic apostrophes: dropped like "'"
      out.push_back('\'');
    } else if (char f = FoldLatin(cp)) {
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(f))));
    } else {
      out.append(text.substr(i, len));  // other scripts are kept as they are
    }
    i += len;
  }
  return out;
}

struct Table {
  std::unordered_map<std::string, std::string> by_key;  // folded key -> alpha-2
  std::unordered_map<std::string, std::string> names;   // alpha-2 -> name
};

void Add(Table& t, std::string_view text, const std::string& code) {
  std::string key = CountryKey(text);
  if (!key.empty()) t.by_key.emplace(std::move(key), code);
}

const Table& GetTable() {
  static const Table table = [] {
    Table t;
    // The list variants first: they win over ISO spellings that would collide (none today).
    for (const auto& [name, code] : kVariants) Add(t, name, code);
    std::ifstream in(kIsoCodesPath);
    if (in) {
      std::stringstream buf;
      buf << in.rdbuf();
      auto j = nlohmann::json::parse(buf.str(), nullptr, false);
      if (!j.is_discarded() && j.contains("3166-1") && j["3166-1"].is_array()) {
        for (const auto& c : j["3166-1"]) {
          if (!c.is_object() || !c.contains("alpha_2") || !c["alpha_2"].is_string()) continue;
          const std::string code = c["alpha_2"].get<std::string>();
          for (const char* field : {"name", "official_name", "common_name", "alpha_3", "alpha_2"}) {
            if (c.contains(field) && c[field].is_string()) Add(t, c[field].get<std::string>(), code);
          }
          if (c.contains("name") && c["name"].is_string())
            t.names.emplace(code, c["name"].get<std::string>());
        }
      }
    }
    // Variants' codes are also codes.
    for (const auto& [name, code] : kVariants) {
      Add(t, code, code);
      t.names.emplace(code, name);
    }
    return t;
  }();
  return table;
}

}  // namespace

std::string CountryKey(std::string_view text) {
  std::string folded = Fold(text);
  std::string out;
  out.reserve(folded.size());
  bool space = false;
  for (char c : folded) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '\'' || c == '.') continue;  // "People's" == "Peoples", "U.S." == "US"
    if (c == '&') {
      if (!out.empty()) out.push_back(' ');
      out += "and";
      space = true;
      continue;
    }
    if (std::isalnum(u) || u >= 0x80) {
      if (space && !out.empty()) out.push_back(' ');
      space = false;
      out.push_back(c);
    } else {
      space = true;
    }
  }
  if (out.rfind("the ", 0) == 0) out.erase(0, 4);
  if (out.size() > 4 && out.compare(out.size() - 4, 4, " the") == 0) out.resize(out.size() - 4);
  return out;
}

std::optional<std::string> CountryCode(std::string_view text) {
  const Table& t = GetTable();
  std::string key = CountryKey(text);
  if (key.empty()) return std::nullopt;
  auto it = t.by_key.find(key);
  if (it != t.by_key.end()) return it->second;
  // A qualifier after the name: "Afghanistan (since 2009)", "Libya (possible location as at Jul 2017)".
  if (size_t paren = text.find('('); paren != std::string_view::npos && paren > 0) {
    it = t.by_key.find(CountryKey(text.substr(0, paren)));
    if (it != t.by_key.end()) return it->second;
  }
  return std::nullopt;
}

std::string CountryCodeOrText(std::string_view text) {
  if (auto code = CountryCode(text)) return *code;
  size_t b = 0, e = text.size();
  while (b < e && std::isspace(static_cast<unsigned char>(text[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(text[e - 1]))) --e;
  return std::string(text.substr(b, e - b));
}

std::string CountryName(std::string_view alpha2) {
  const Table& t = GetTable();
  std::string code;
  for (char c : alpha2) code.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  auto it = t.names.find(code);
  return it == t.names.end() ? std::string() : it->second;
}

std::vector<std::pair<std::string, std::string>> AllCountries() {
  const Table& t = GetTable();
  std::vector<std::pair<std::string, std::string>> out(t.names.begin(), t.names.end());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace stm::screening
