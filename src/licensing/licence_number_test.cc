#include "licensing/licence_number.h"

#include <gtest/gtest.h>

namespace stm::licensing {
namespace {

LicenceNumberFormat Make(std::string_view pattern = kDefaultLicencePattern, std::string authority = "GB",
                         std::map<ApplicationType, std::string> codes = DefaultLicenceTypeCodes()) {
  auto f = LicenceNumberFormat::Create(pattern, std::move(authority), std::move(codes));
  EXPECT_TRUE(f.ok()) << f.status().ToString();
  return std::move(f).value();
}

std::string Fmt(const LicenceNumberFormat& f, ApplicationType t, int year, int64_t seq, int amendment = 0) {
  auto r = f.Format(t, year, seq, amendment);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : "";
}

std::string CreateError(std::string_view pattern, std::string authority = "GB",
                        std::map<ApplicationType, std::string> codes = DefaultLicenceTypeCodes()) {
  auto f = LicenceNumberFormat::Create(pattern, std::move(authority), std::move(codes));
  EXPECT_FALSE(f.ok()) << pattern;
  if (f.ok()) return "";
  EXPECT_EQ(f.status().code(), ErrorCode::kInvalidArgument);
  return f.status().message();
}

TEST(LicenceNumberFormat, DefaultPattern) {
  LicenceNumberFormat f = Make();
  EXPECT_EQ(Fmt(f, ApplicationType::kIndividual, 2026, 123), "GB/SIEL/2026/000123");
  EXPECT_EQ(Fmt(f, ApplicationType::kGlobal, 2026, 1), "GB/OIEL/2026/000001");
  EXPECT_EQ(Fmt(f, ApplicationType::kBrokering, 2027, 42), "GB/SITCL/2027/000042");
  EXPECT_EQ(Fmt(f, ApplicationType::kTransit, 2026, 7), "GB/SITL/2026/000007");
  EXPECT_EQ(Fmt(f, ApplicationType::kTechnologyTransfer, 2026, 999999), "GB/SITT/2026/999999");
  // Past the padding the number just grows.
  EXPECT_EQ(Fmt(f, ApplicationType::kIndividual, 2026, 1234567), "GB/SIEL/2026/1234567");
  EXPECT_EQ(f.pattern(), "{AUTH}/{TYPE}/{YYYY}/{SEQ:6}");
  EXPECT_EQ(f.authority(), "GB");
  EXPECT_EQ(f.TypeCode(ApplicationType::kGlobal), "OIEL");
}

TEST(LicenceNumberFormat, Amendments) {
  LicenceNumberFormat f = Make();
  EXPECT_EQ(Fmt(f, ApplicationType::kIndividual, 2026, 123, 1), "GB/SIEL/2026/000123/A1");
  EXPECT_EQ(Fmt(f, ApplicationType::kIndividual, 2026, 123, 12), "GB/SIEL/2026/000123/A12");
  auto p = f.Parse("GB/SIEL/2026/000123/A2");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(*p, (LicenceNumberParts{ApplicationType::kIndividual, 2026, 123, 2}));
}

TEST(LicenceNumberFormat, CustomPatternAndCodes) {
  auto codes = DefaultLicenceTypeCodes();
  codes[ApplicationType::kIndividual] = "EX";
  codes[ApplicationType::kGlobal] = "EX-G";                        // a code that extends another
  LicenceNumberFormat f = Make("{YYYY}-{TYPE}.{SEQ}", "", codes);  // no {AUTH}: authority not needed
  EXPECT_EQ(Fmt(f, ApplicationType::kGlobal, 2026, 5), "2026-EX-G.5");
  auto p = f.Parse("2026-EX-G.5");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->type, ApplicationType::kGlobal);
  p = f.Parse("2026-EX.50/A3");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(*p, (LicenceNumberParts{ApplicationType::kIndividual, 2026, 50, 3}));

  // Adjacent digit placeholders are separated by the fixed year width.
  LicenceNumberFormat g = Make("{AUTH}{TYPE}{YYYY}{SEQ:4}", "DE");
  EXPECT_EQ(Fmt(g, ApplicationType::kIndividual, 2026, 77), "DESIEL20260077");
  p = g.Parse("DESIEL20260077");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, (LicenceNumberParts{ApplicationType::kIndividual, 2026, 77, 0}));
}

TEST(LicenceNumberParse, RoundTripsEveryType) {
  for (std::string_view pattern : {kDefaultLicencePattern, std::string_view("{TYPE}/{SEQ}/{YYYY}"),
                                   std::string_view("LIC-{AUTH}-{YYYY}-{TYPE}-{SEQ:8}")}) {
    LicenceNumberFormat f = Make(pattern);
    for (ApplicationType t : AllApplicationTypes()) {
      for (int64_t seq : {int64_t{1}, int64_t{10}, int64_t{999999}, int64_t{123456789}}) {
        for (int amendment : {0, 1, 10}) {
          std::string n = Fmt(f, t, 2031, seq, amendment);
          auto p = f.Parse(n);
          ASSERT_TRUE(p.ok()) << pattern << " " << n << ": " << p.status().ToString();
          EXPECT_EQ(*p, (LicenceNumberParts{t, 2031, seq, amendment})) << n;
        }
      }
    }
  }
}

TEST(LicenceNumberParse, SurroundingSpacesIgnored) {
  LicenceNumberFormat f = Make();
  auto p = f.Parse("  GB/OIEL/2026/000009 ");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->type, ApplicationType::kGlobal);
  EXPECT_EQ(p->sequence, 9);
}

TEST(LicenceNumberParse, RejectsNumbersNotFromThePattern) {
  LicenceNumberFormat f = Make();
  for (const char* bad : {
           "",
           "GB/SIEL/2026/123",        // not padded
           "GB/SIEL/2026/0000123",    // padded too much
           "GB/SIEL/2026/000000",     // sequence 0
           "FR/SIEL/2026/000123",     // another authority
           "GB/OGEL/2026/000123",     // unknown type code
           "gb/siel/2026/000123",     // case differs
           "GB/SIEL/26/000123",       // two-digit year
           "GB/SIEL/0999/000123",     // year below 1000
           "GB/SIEL/2026/000123/A0",  // amendment 0 is written without suffix
           "GB/SIEL/2026/000123/A01",
           "GB/SIEL/2026/000123/B1",
           "GB/SIEL/2026/000123/",
           "GB/SIEL/2026/000123x",
           "GB//2026/000123",
       }) {
    auto p = f.Parse(bad);
    EXPECT_FALSE(p.ok()) << "'" << bad << "' parsed";
    if (!p.ok()) {
      EXPECT_EQ(p.status().code(), ErrorCode::kInvalidArgument);
    }
  }
  auto p = f.Parse("GB/SIEL/26/000123");
  EXPECT_EQ(p.status().message(),
            "licence number 'GB/SIEL/26/000123' does not match the pattern '{AUTH}/{TYPE}/{YYYY}/{SEQ:6}'");
}

TEST(LicenceNumberParse, AmendmentLikeLiteralInPattern) {
  // The pattern itself ends in "/A<seq>": an unamended number still parses, and an amendment is recognised.
  LicenceNumberFormat f = Make("{TYPE}/{YYYY}/A{SEQ}");
  auto p = f.Parse("SIEL/2026/A15");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(*p, (LicenceNumberParts{ApplicationType::kIndividual, 2026, 15, 0}));
  p = f.Parse("SIEL/2026/A15/A2");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(*p, (LicenceNumberParts{ApplicationType::kIndividual, 2026, 15, 2}));
}

TEST(LicenceNumberFormat, FormatRejectsBadParts) {
  LicenceNumberFormat f = Make();
  EXPECT_EQ(f.Format(ApplicationType::kIndividual, 999, 1).status().message(),
            "year: 999 is not four digits");
  EXPECT_EQ(f.Format(ApplicationType::kIndividual, 10000, 1).status().message(),
            "year: 10000 is not four digits");
  EXPECT_EQ(f.Format(ApplicationType::kIndividual, 2026, 0).status().message(),
            "sequence: 0 is not at least 1");
  EXPECT_EQ(f.Format(ApplicationType::kIndividual, 2026, -5).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(f.Format(ApplicationType::kIndividual, 2026, 1, -1).status().message(),
            "amendment: -1 is negative");
  auto r = f.Format(LicenceNumberParts{ApplicationType::kTransit, 2026, 3, 1});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "GB/SITL/2026/000003/A1");
}

TEST(LicenceNumberPattern, Errors) {
  EXPECT_EQ(
      CreateError("{AUTH}/{TYPE}/{YEAR}/{SEQ:6}"),
      "pattern: unknown placeholder {YEAR} at position 14 (known: {AUTH}, {TYPE}, {YYYY}, {SEQ}, {SEQ:n})");
  EXPECT_EQ(CreateError("{type}/{YYYY}/{SEQ}").rfind("pattern: unknown placeholder {type} at position 0", 0),
            0u);
  EXPECT_EQ(CreateError("{}/{TYPE}/{YYYY}/{SEQ}").rfind("pattern: unknown placeholder {} at position 0", 0),
            0u);
  EXPECT_EQ(CreateError("{TYPE/{YYYY}/{SEQ}"), "pattern: unclosed '{' at position 0");
  EXPECT_EQ(CreateError("{TYPE}/{YYYY}/{SEQ"), "pattern: unclosed '{' at position 14");
  EXPECT_EQ(CreateError("{TYPE}}/{YYYY}/{SEQ}"), "pattern: unmatched '}' at position 6");
  EXPECT_EQ(CreateError("{TYPE}/{YYYY}/{SEQ:0}"),
            "pattern: {SEQ:0} at position 14: the width must be 1 to 12");
  EXPECT_EQ(CreateError("{TYPE}/{YYYY}/{SEQ:13}"),
            "pattern: {SEQ:13} at position 14: the width must be 1 to 12");
  EXPECT_EQ(CreateError("{TYPE}/{YYYY}/{SEQ:x}"),
            "pattern: {SEQ:x} at position 14: the width must be 1 to 12");
  EXPECT_EQ(CreateError("{TYPE}/{YYYY}/{SEQ}/{SEQ:4}"), "pattern: {SEQ} appears twice");
  EXPECT_EQ(CreateError("{TYPE}/{YYYY}/{TYPE}/{SEQ}"), "pattern: {TYPE} appears twice");
  EXPECT_EQ(CreateError("{AUTH}/{YYYY}/{SEQ}"), "pattern: needs {TYPE}");
  EXPECT_EQ(CreateError("{AUTH}/{TYPE}/{SEQ}"), "pattern: needs {YYYY}");
  EXPECT_EQ(CreateError("{AUTH}/{TYPE}/{YYYY}"), "pattern: needs {SEQ} or {SEQ:n}");
  EXPECT_EQ(CreateError(""), "pattern: empty");
  EXPECT_EQ(CreateError(std::string(101, 'x')), "pattern: longer than 100 characters");
  EXPECT_EQ(CreateError("{TYPE} {YYYY}/{SEQ}"),
            "pattern: character at position 6 is not printable ASCII (spaces are not allowed)");
}

TEST(LicenceNumberPattern, AuthorityAndTypeCodeErrors) {
  EXPECT_EQ(CreateError(kDefaultLicencePattern, ""), "authority: '' must be 1 to 16 letters, digits or '-'");
  EXPECT_EQ(CreateError(kDefaultLicencePattern, "G/B"),
            "authority: 'G/B' must be 1 to 16 letters, digits or '-'");
  auto codes = DefaultLicenceTypeCodes();
  codes.erase(ApplicationType::kTransit);
  EXPECT_EQ(CreateError(kDefaultLicencePattern, "GB", codes), "type_codes.transit: missing");
  codes = DefaultLicenceTypeCodes();
  codes[ApplicationType::kGlobal] = "SIEL";
  EXPECT_EQ(CreateError(kDefaultLicencePattern, "GB", codes),
            "type_codes.global: 'SIEL' is used for another type");
  codes = DefaultLicenceTypeCodes();
  codes[ApplicationType::kBrokering] = "BR/X";
  EXPECT_EQ(CreateError(kDefaultLicencePattern, "GB", codes),
            "type_codes.brokering: 'BR/X' must be 1 to 16 letters, digits or '-'");
}

}  // namespace
}  // namespace stm::licensing
