#include "screening/csv.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace stm::screening {
namespace {

using ::testing::ElementsAre;

std::vector<std::vector<std::string>> Rows(std::string_view text, char delim = ',') {
  auto r = ParseCsv(text, delim);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  std::vector<std::vector<std::string>> out;
  if (r.ok()) {
    for (auto& rec : *r) out.push_back(rec.fields);
  }
  return out;
}

TEST(CsvTest, PlainFieldsAndLineEnds) {
  EXPECT_THAT(Rows("a,b,c\n1,2,3\n"), ElementsAre(ElementsAre("a", "b", "c"), ElementsAre("1", "2", "3")));
  EXPECT_THAT(Rows("a,b\r\n1,2\r\n"), ElementsAre(ElementsAre("a", "b"), ElementsAre("1", "2")));
  EXPECT_THAT(Rows("a,b\r1,2"), ElementsAre(ElementsAre("a", "b"), ElementsAre("1", "2")));
  EXPECT_THAT(Rows("a,b"), ElementsAre(ElementsAre("a", "b")));  // no final line end
}

TEST(CsvTest, QuotesDelimitersAndEmbeddedNewlines) {
  auto rows = Rows("\"x, y\",\"say \"\"hi\"\"\",\"line1\r\nline2\"\nnext,row\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_THAT(rows[0], ElementsAre("x, y", "say \"hi\"", "line1\r\nline2"));
  EXPECT_THAT(rows[1], ElementsAre("next", "row"));
}

TEST(CsvTest, EmptyFieldsAndBlankLines) {
  EXPECT_THAT(Rows(",,\n\n\"\",x\n"), ElementsAre(ElementsAre("", "", ""), ElementsAre("", "x")));
  EXPECT_TRUE(Rows("").empty());
  EXPECT_TRUE(Rows("\n\r\n").empty());
}

TEST(CsvTest, LenientAboutStrayQuotes) {
  // As Python's csv module: text after a closing quote joins the field; a quote mid-field is literal.
  EXPECT_THAT(Rows("\"abc\"def,g\"h\n"), ElementsAre(ElementsAre("abcdef", "g\"h")));
  EXPECT_THAT(Rows("O'NEIL,-0- \n"), ElementsAre(ElementsAre("O'NEIL", "-0- ")));
}

TEST(CsvTest, BomAndDosEndOfFile) {
  EXPECT_THAT(Rows("\xEF\xBB\xBFid,name\n1,x\r\n\x1a"),
              ElementsAre(ElementsAre("id", "name"), ElementsAre("1", "x")));
}

TEST(CsvTest, TabDelimited) {
  EXPECT_THAT(Rows("\"Name\"\t\"City\"\n\"A, B\"\t\"X\"\n", '\t'),
              ElementsAre(ElementsAre("Name", "City"), ElementsAre("A, B", "X")));
}

TEST(CsvTest, LineNumbersCountEmbeddedNewlines) {
  auto r = ParseCsv("h1,h2\n\"a\nb\",c\nd,e\n");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].line, 1);
  EXPECT_EQ((*r)[1].line, 2);
  EXPECT_EQ((*r)[2].line, 4);
}

TEST(CsvTest, UnterminatedQuoteIsAnError) {
  auto r = ParseCsv("a,b\n1,\"never closed\n2,3\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), ::testing::HasSubstr("line 2"));
}

}  // namespace
}  // namespace stm::screening
