#include "licensing/letters.h"

#include <gtest/gtest.h>

#include "common/config.h"

namespace stm::licensing {
namespace {

using Json = nlohmann::json;

TEST(LetterTemplate, InsertsValuesAtDottedPaths) {
  auto out = RenderTemplateText("t", "Dear {{exporter.name}}, case {{case.id}} ({{case.ok}}).",
                                {{"exporter", {{"name", "Acme Ltd"}}}, {"case", {{"id", 7}, {"ok", true}}}});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "Dear Acme Ltd, case 7 (true).");
}

TEST(LetterTemplate, AMissingValueIsAnErrorNamingIt) {
  auto out =
      RenderTemplateText("refusal", "line one\nReason: {{decision.reason}}", {{"decision", Json::object()}});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(out.status().message().find("decision.reason"), std::string::npos);
  EXPECT_NE(out.status().message().find("line 2"), std::string::npos);
}

TEST(LetterTemplate, SectionsRepeatOverArraysAndLookOutwards) {
  Json ctx = {{"who", "X"},
              {"goods", {{{"line", 1}, {"d", "valve"}}, {{"line", 2}, {"d", "pump"}}}},
              {"criteria", {"C1", "C7"}}};
  auto out = RenderTemplateText(
      "t", "{{#goods}}{{line}}:{{d}}/{{who}};{{/goods}}|{{#criteria}}[{{.}}]{{/criteria}}", ctx);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "1:valve/X;2:pump/X;|[C1][C7]");
}

TEST(LetterTemplate, SectionsHideFalsyValuesAndInverseShowsThem) {
  Json ctx = {{"empty", ""}, {"none", nullptr}, {"list", Json::array()}, {"yes", true}, {"no", false}};
  auto out = RenderTemplateText(
      "t",
      "{{#empty}}a{{/empty}}{{#none}}b{{/none}}{{#list}}c{{/list}}{{#missing}}d{{/missing}}"
      "{{#yes}}e{{/yes}}{{#no}}f{{/no}}{{^no}}g{{/no}}{{^yes}}h{{/yes}}{{^missing}}i{{/missing}}",
      ctx);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "egi");
}

TEST(LetterTemplate, NestedSectionsOfTheSameName) {
  Json ctx = {{"a", {{"a", true}}}};
  auto out = RenderTemplateText("t", "{{#a}}x{{#a}}y{{/a}}z{{/a}}", ctx);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "xyz");
}

TEST(LetterTemplate, MalformedTemplatesAreRefusedWithTheLine) {
  EXPECT_EQ(RenderTemplateText("t", "a {{b", {}).status().code(), ErrorCode::kInvalidArgument);
  auto unclosed = RenderTemplateText("t", "a\n{{#b}} c", {});
  ASSERT_FALSE(unclosed.ok());
  EXPECT_NE(unclosed.status().message().find("line 2"), std::string::npos);
  EXPECT_NE(unclosed.status().message().find("never closed"), std::string::npos);
  auto mismatched = RenderTemplateText("t", "{{#a}}{{/b}}", {});
  ASSERT_FALSE(mismatched.ok());
  EXPECT_NE(mismatched.status().message().find("closes no open section"), std::string::npos);
  EXPECT_FALSE(RenderTemplateText("t", "{{}}", {}).ok());
}

TEST(LetterTemplate, SubjectLineAndStandaloneSectionLines) {
  EXPECT_FALSE(LetterTemplate::Parse("t", "Dear X").ok());
  EXPECT_FALSE(LetterTemplate::Parse("t", "Subject: \n\nbody").ok());
  EXPECT_FALSE(LetterTemplate::Parse("t", "Subject: s\nbody").ok());
  auto t =
      LetterTemplate::Parse("t", "Subject: Case {{ref}}\n\nGoods:\n{{#goods}}\n  - {{.}}\n{{/goods}}\nEnd\n");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  auto letter = t->Render({{"ref", "CASE-1"}, {"goods", {"a", "b"}}});
  ASSERT_TRUE(letter.ok()) << letter.status().ToString();
  EXPECT_EQ(letter->subject, "Case CASE-1");
  EXPECT_EQ(letter->body, "Goods:\n  - a\n  - b\nEnd\n");
}

TEST(LetterTemplates, TheShippedTemplatesRenderEveryKind) {
  auto templates = LetterTemplates::LoadDirectory(ResolveProjectDataDir(Config{}) + "/letters");
  ASSERT_TRUE(templates.ok()) << templates.status().ToString();
  Json goods = {{{"line", 1},
                 {"description", "Carbon fibre tow"},
                 {"control_codes_text", "1C010.b"},
                 {"quantity", 500},
                 {"unit", "kg"},
                 {"value", 25000},
                 {"currency", "EUR"}}};
  Json ctx = {{"authority", {{"name", "Strategic Export Control Division"}, {"code", "STM"}}},
              {"date", "2026-11-29"},
              {"case",
               {{"reference", "CASE-2026-000001"},
                {"id", 1},
                {"type", "individual"},
                {"type_title", "individual export licence"}}},
              {"exporter", {{"name", "Acme Ltd"}}},
              {"goods", goods},
              {"decision",
               {{"outcome", "refused"},
                {"reason", "risk of diversion"},
                {"conditions", ""},
                {"refusal_criteria", {"Criterion 7"}},
                {"appeal_deadline", "2026-12-27"},
                {"appeal_days", 28}}},
              {"licence",
               {{"number", "STM/SIEL/2026/000001"},
                {"valid_from", "2026-11-29"},
                {"valid_until", "2028-11-29"},
                {"conditions", "No re-export."},
                {"lines", goods}}},
              {"query", {{"text", "Who is the end user?"}}},
              {"appeal", {{"result", "dismissed"}, {"upheld", false}, {"reason", ""}}}};
  for (LetterKind kind : AllLetterKinds()) {
    auto letter = templates->Render(kind, ctx);
    ASSERT_TRUE(letter.ok()) << LetterKindName(kind) << ": " << letter.status().ToString();
    EXPECT_NE(letter->body.find("CASE-2026-000001"), std::string::npos) << LetterKindName(kind);
    EXPECT_EQ(letter->body.find("{{"), std::string::npos) << LetterKindName(kind);
  }
  auto approval = templates->Render(LetterKind::kApproval, ctx);
  EXPECT_NE(approval->body.find("1. Carbon fibre tow (1C010.b): 500 kg, value 25000 EUR"), std::string::npos)
      << approval->body;
  auto refusal = templates->Render(LetterKind::kRefusal, ctx);
  EXPECT_NE(refusal->body.find("  - Criterion 7"), std::string::npos) << refusal->body;
  EXPECT_NE(refusal->body.find("2026-12-27"), std::string::npos);
  auto appeal = templates->Render(LetterKind::kAppealDecision, ctx);
  EXPECT_NE(appeal->body.find("dismissed and the refusal stands"), std::string::npos) << appeal->body;
  EXPECT_EQ(appeal->body.find("is upheld"), std::string::npos);
}

TEST(LetterTemplates, AMissingDirectoryNamesTheFile) {
  auto templates = LetterTemplates::LoadDirectory("/nonexistent");
  ASSERT_FALSE(templates.ok());
  EXPECT_NE(templates.status().message().find("approval.txt"), std::string::npos);
}

}  // namespace
}  // namespace stm::licensing
