#include "catalog/import_ccl.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "test_data.h"

namespace stm::catalog {
namespace {

namespace fs = std::filesystem;

std::string DataDir() { return stm::testing::SharedDataDir("controls"); }

fs::path CclDir() { return fs::path(DataDir()) / "controls" / "us_ccl"; }

const Catalog* Ccl() {
  static const std::optional<Catalog> catalog = []() -> std::optional<Catalog> {
    if (DataDir().empty()) return std::nullopt;
    auto r = ImportCcl(CclDir() / kCclFullTextFile, CclDir() / kCclTreeFile);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return std::nullopt;
    return std::move(r).value();
  }();
  return catalog ? &*catalog : nullptr;
}

#define REQUIRE_CCL()         \
  const Catalog* cat = Ccl(); \
  if (!cat) GTEST_SKIP() << "shared/data not found (set STM_DATA_DIR)"

std::vector<std::string> Labels(const ParsedItems& p) {
  std::vector<std::string> out;
  for (const CclParagraph& q : p.paragraphs) out.push_back(q.label);
  return out;
}

bool HasIssue(const Catalog& c, std::string_view kind, std::string_view where) {
  for (const ImportIssue& i : c.issues()) {
    if (i.kind == kind && i.where == where) return true;
  }
  return false;
}

TEST(CclParseTest, LabelsNotesAndDecimals) {
  ParsedItems p = ParseItemsControlled(
      "3A225",
      "a. Multiphase output providing a power of 40 VA or greater; b. Operating at a frequency of 600 Hz or "
      "more; "
      "and c. Frequency control better (less) than 0.2%. Notes: 1. This ECCN controls frequency changers. "
      "Technical Notes: 1. Frequency changers controlled by this ECCN are also known as converters.");
  EXPECT_EQ(Labels(p), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(p.paragraphs[2].heading, "Frequency control better (less) than 0.2%.");
  ASSERT_EQ(p.notes.size(), 1u);  // "This ECCN ...": the entry's, not c's
  ASSERT_EQ(p.technical_notes.size(), 1u);
  EXPECT_TRUE(p.paragraphs[2].notes.empty());
}

TEST(CclParseTest, NoteListsAreNotParagraphs) {
  ParsedItems p = ParseItemsControlled("1C010",
                                       "a. Organic materials: a.1. Modulus exceeding 12.7 × 10 6 m; and a.2. "
                                       "Strength exceeding 23.5 × 10 4 m; "
                                       "Note: 1C010.a does not control polyethylene. b. Carbon materials: "
                                       "b.1. Modulus 14.65; and b.2. Strength "
                                       "26.82; Note: 1C010.b does not control: a. Repair materials: 1. An "
                                       "area; b. Chopped fibres. c. Inorganic: "
                                       "c.1. Having any of the following: c.1.a. Silica; or c.1.b. Other; "
                                       "and c.2. Melting point; Note: 1C010.c "
                                       "does not control: a. Alumina fibers; b. Molybdenum fibers; c. Boron "
                                       "fibers; d. Ceramic fibers. d. Fibrous "
                                       "materials: d.1. Composed of polyetherimides.");
  EXPECT_EQ(Labels(p), (std::vector<std::string>{"a", "a.1", "a.2", "b", "b.1", "b.2", "c", "c.1", "c.1.a",
                                                 "c.1.b", "c.2", "d", "d.1"}));
  ASSERT_EQ(p.paragraphs[0].decontrol_notes.size(), 1u);
  EXPECT_EQ(p.paragraphs[0].decontrol_notes[0], "Note: 1C010.a does not control polyethylene.");
  ASSERT_EQ(p.paragraphs[3].decontrol_notes.size(), 1u);
  EXPECT_NE(p.paragraphs[3].decontrol_notes[0].find("b. Chopped fibres."), std::string::npos);
  ASSERT_EQ(p.paragraphs[6].decontrol_notes.size(), 1u);
  EXPECT_NE(p.paragraphs[6].decontrol_notes[0].find("d. Ceramic fibers."), std::string::npos);
  EXPECT_EQ(p.paragraphs[11].heading, "Fibrous materials:");
  // c's full text includes its sub-paragraphs and its note, not d.
  EXPECT_NE(p.paragraphs[6].text.find("c.1.b. Other"), std::string::npos);
  EXPECT_EQ(p.paragraphs[6].text.find("Fibrous materials"), std::string::npos);
}

TEST(CclParseTest, ReferencesAndAbbreviationsAreNotLabels) {
  ParsedItems p = ParseItemsControlled(
      "9Z999",
      "a. Valves described in 2B350.g.1 or .g.2 (e.g., ball valves), i.e. 0.5 m; b. Fungi: b.1. Puccinia "
      "graminis f. sp. tritici; b.2. Other. c. through y. [Reserved] z. Anything else.");
  EXPECT_EQ(Labels(p), (std::vector<std::string>{"a", "b", "b.1", "b.2", "c", "z"}));
}

TEST(CclImportTest, RealParagraphs) {
  REQUIRE_CCL();
  const ControlEntry* e = cat->Find("3A225");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->children, (std::vector<std::string>{"3A225.a", "3A225.b", "3A225.c"}));
  ASSERT_NE(cat->Find("3A225.c"), nullptr);
  EXPECT_NE(cat->Find("3A225.c")->heading.find("0.2%"), std::string::npos);
  EXPECT_FALSE(e->notes.empty());
  const ControlEntry* b2350 = cat->Find("2B350");
  ASSERT_NE(b2350, nullptr);
  std::vector<std::string> want;
  for (char c = 'a'; c <= 'j'; ++c) want.push_back(std::string("2B350.") + c);
  EXPECT_EQ(b2350->children, want);
  // Technical Note 1 to 2B350.g lists materials a.-i.: they stay in the note.
  const ControlEntry* g = cat->Find("2B350.g");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->children.size(), 3u);
  ASSERT_EQ(g->technical_notes.size(), 2u);
  EXPECT_NE(g->technical_notes[0].find("i. Ceramic materials"), std::string::npos);
  const ControlEntry* b1 = cat->Find("1C010.b.1");
  ASSERT_NE(b1, nullptr);
  EXPECT_EQ(b1->parent, "1C010.b");
  EXPECT_NE(b1->heading.find("14.65"), std::string::npos);
  ASSERT_NE(cat->Find("1C010.b.2"), nullptr);
  EXPECT_EQ(cat->Find("1C010.b")->decontrol_notes.size(), 1u);
  EXPECT_EQ(cat->Find("1C010.c")->decontrol_notes.size(), 1u);
  EXPECT_NE(cat->Find("1C010.d"), nullptr);
  EXPECT_EQ(cat->Find("1C010.c")->children, (std::vector<std::string>{"1C010.c.1", "1C010.c.2"}));
  // Decimals are not split: 1C116.a.1 reads 0.9 GPa.
  ASSERT_NE(cat->Find("1C116.a.1"), nullptr);
  EXPECT_NE(cat->Find("1C116.a.1")->heading.find("0.9 GPa"), std::string::npos);
  // Notes naming a paragraph go to it.
  ASSERT_NE(cat->Find("0A501.a"), nullptr);
  EXPECT_EQ(cat->Find("0A501.a")->notes.size(), 2u);
  EXPECT_EQ(cat->Find("0A501.a")->technical_notes.size(), 1u);
}

TEST(CclImportTest, Regimes) {
  REQUIRE_CCL();
  auto regime = [&](const char* code) {
    const ControlEntry* e = cat->Find(code);
    EXPECT_NE(e, nullptr) << code;
    return e ? e->regime : Regime::kNational;
  };
  EXPECT_EQ(regime("0D001"), Regime::kNsg1);
  EXPECT_EQ(regime("1C010"), Regime::kWassenaarDualUse);
  EXPECT_EQ(regime("1C010.b.1"), Regime::kWassenaarDualUse);
  EXPECT_EQ(regime("1C210"), Regime::kNsg2);
  EXPECT_EQ(regime("1C116"), Regime::kMtcr);
  EXPECT_EQ(regime("2B350"), Regime::kAustraliaGroup);
  EXPECT_EQ(regime("1C350"), Regime::kAustraliaGroup);
  EXPECT_EQ(regime("1C351"), Regime::kAustraliaGroup);
  EXPECT_EQ(regime("1C355"), Regime::kCwc);  // heading: CWC Schedule 2 and 3 chemicals
  EXPECT_EQ(regime("0A501"), Regime::kWassenaarMunitions);
  EXPECT_EQ(regime("3A999"), Regime::kNational);
  EXPECT_NE(cat->Find("1C350")->regime_basis.find("Australia Group"), std::string::npos);
  EXPECT_TRUE(HasIssue(*cat, "regime_disagreement", "1C355"));
}

TEST(CclImportTest, EntryFields) {
  REQUIRE_CCL();
  const ControlEntry* e = cat->Find("2b350");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->see_also, (std::vector<std::string>{"2A226", "2A992", "2A993", "2B231", "2B999"}));
  const ControlEntry* heading_only = cat->Find("0A002");
  ASSERT_NE(heading_only, nullptr);
  EXPECT_TRUE(heading_only->heading_only);
  const ControlEntry* c1c350 = cat->Find("1C350");
  ASSERT_NE(c1c350, nullptr);
  EXPECT_NE(std::find(c1c350->cas.begin(), c1c350->cas.end(), "111-48-8"), c1c350->cas.end());
  ASSERT_NE(cat->Find("1C350.b.22"), nullptr);
  EXPECT_EQ(cat->Find("1C350.b.22")->cas, (std::vector<std::string>{"111-48-8"}));
  // Licence-table fragments are cut from headings, and reported.
  const ControlEntry* c1c240 = cat->Find("1C240");
  ASSERT_NE(c1c240, nullptr);
  EXPECT_EQ(c1c240->heading.find("Control(s)"), std::string::npos);
  EXPECT_TRUE(HasIssue(*cat, "heading_fragment", "1C240"));
  EXPECT_TRUE(HasIssue(*cat, "truncated_text", "6A107"));
}

TEST(CclImportTest, CrossCheckAgainstTree) {
  REQUIRE_CCL();
  // The tree misses the ".a" paragraph of 3A225 and others; it reads 1C116.a.1 as "9 GPa".
  EXPECT_TRUE(HasIssue(*cat, "tree_missing_paragraph", "3A225.a"));
  EXPECT_TRUE(HasIssue(*cat, "tree_missing_paragraph", "3A226.a"));
  EXPECT_FALSE(HasIssue(*cat, "tree_missing_paragraph", "3A225.b"));
  EXPECT_TRUE(HasIssue(*cat, "number_mismatch", "1C116.a.1"));
  EXPECT_TRUE(HasIssue(*cat, "number_mismatch", "7A003.a.2"));
}

TEST(CclImportTest, ParagraphTreeVersion) {
  if (DataDir().empty()) GTEST_SKIP() << "shared/data not found";
  auto r = ImportCclParagraphTree(CclDir() / kCclTreeFile);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->list().version, "2025-09-29");
  ASSERT_NE(r->Find("3A225"), nullptr);
  EXPECT_EQ(r->Find("3A225.a"), nullptr);  // the known defect
  ASSERT_NE(r->Find("3A225.b"), nullptr);
  EXPECT_EQ(r->Find("3A225.b")->parent, "3A225");
  ASSERT_NE(r->Find("2B350.a.1"), nullptr);  // named only as an ancestor
  EXPECT_EQ(r->Find("2B350.a.1")->parent, "2B350.a");
}

TEST(CclImportTest, MalformedFiles) {
  fs::path dir = fs::temp_directory_path() / "stm_ccl_bad";
  fs::create_directories(dir);
  auto missing = ImportCcl(dir / "absent.jsonl", "");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
  { std::ofstream(dir / "empty.jsonl") << "\n\n"; }
  auto empty = ImportCcl(dir / "empty.jsonl", "");
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("empty"), std::string::npos);
  {
    std::ofstream(dir / "trunc.jsonl")
        << "{\"code\": \"ECCN-3A225\", \"heading\": \"x\", \"items_controlled\": \"a. y\"}\n"
        << "{\"code\": \"ECCN-3A226\", \"head";
  }
  auto trunc = ImportCcl(dir / "trunc.jsonl", "");
  ASSERT_FALSE(trunc.ok());
  EXPECT_NE(trunc.status().message().find("trunc.jsonl:2"), std::string::npos) << trunc.status().message();
  { std::ofstream(dir / "nocode.jsonl") << "{\"heading\": \"x\"}\n"; }
  EXPECT_EQ(ImportCcl(dir / "nocode.jsonl", "").status().code(), ErrorCode::kInvalidArgument);
  {
    std::ofstream(dir / "ok.jsonl") << "{\"code\": \"ECCN-3A225\", \"heading\": \"Frequency changers\", "
                                       "\"items_controlled\": \"a. x; b. y.\", \"related_controls\": null}\n";
  }
  auto ok = ImportCcl(dir / "ok.jsonl", dir / "trunc.jsonl");  // a broken tree is an error too
  EXPECT_FALSE(ok.ok());
  auto ok2 = ImportCcl(dir / "ok.jsonl", "");
  ASSERT_TRUE(ok2.ok()) << ok2.status().ToString();
  EXPECT_EQ(ok2->entries().size(), 3u);
}

TEST(CclImportTest, FindHelpers) {
  std::vector<std::string> bad;
  EXPECT_EQ(FindCasNumbers("(C.A.S. #111-48-8) Thiodiglycol; 111-07-3; 2B350.a 0.2% 7789-29-9.", &bad),
            (std::vector<std::string>{"111-48-8", "7789-29-9"}));
  EXPECT_EQ(bad, (std::vector<std::string>{"111-07-3"}));
  EXPECT_EQ(FindEccnCodes("See also ECCNs 2A226, 2A992, and 2B999; 0A501.c; not X1C350 or 1C3501."),
            (std::vector<std::string>{"2A226", "2A992", "2B999", "0A501"}));
}

}  // namespace
}  // namespace stm::catalog
