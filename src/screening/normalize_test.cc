#include "screening/normalize.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace stm::screening {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;

std::vector<std::string> Texts(const NormalizedName& n) {
  std::vector<std::string> out;
  for (const auto& t : n.tokens) out.push_back(t.text);
  return out;
}

const NameToken* Find(const NormalizedName& n, const std::string& text) {
  for (const auto& t : n.tokens) {
    if (t.text == text) return &t;
  }
  return nullptr;
}

TEST(NormalizeTest, FoldCaseAppliesNfkcAndCaseFolding) {
  EXPECT_EQ(FoldCase("VLADIMIR Putin"), "vladimir putin");
  EXPECT_EQ(FoldCase("\xEF\xAC\x81"), "fi");                       // U+FB01 ligature
  EXPECT_EQ(FoldCase("\xEF\xBC\xA1\xEF\xBC\xA2"), "ab");           // full-width A B
  EXPECT_EQ(FoldCase("STRA\xC3\x9F" "E"), "strasse");               // ß folds to ss
  EXPECT_EQ(FoldCase("\xD0\x92\xD0\x9B\xD0\x90\xD0\x94"), "\xD0\xB2\xD0\xBB\xD0\xB0\xD0\xB4");  // ВЛАД -> влад
}

TEST(NormalizeTest, LatinDiacriticsAreRemovedAndGermanFormsKept) {
  NormalizedName n = NormalizeName("François Müller-Lüdenscheidt", Schema::kPerson);
  EXPECT_THAT(Texts(n), ElementsAre("francois", "muller", "ludenscheidt"));
  EXPECT_THAT(n.tokens[1].alts, Contains("mueller"));
  EXPECT_THAT(Texts(NormalizeName("Aleksandar Vučić", Schema::kPerson)), ElementsAre("aleksandar", "vucic"));
}

TEST(NormalizeTest, CyrillicIsTransliteratedWithSeveralRomanisations) {
  NormalizedName n = NormalizeName("Сергей Викторович Лавров", Schema::kPerson);
  EXPECT_THAT(Texts(n), ElementsAre("sergey", "viktorovich", "lavrov"));
  EXPECT_THAT(n.tokens[0].alts, Contains("sergej"));  // ISO-9-like form
  EXPECT_EQ(n.tokens[0].script, TokenScript::kCyrillic);
  EXPECT_EQ(n.tokens[0].original, "сергей");
  EXPECT_TRUE(n.tokens[1].patronymic);
  // Kazakh letters use the Kazakh table, not leftovers.
  EXPECT_THAT(Texts(NormalizeName("Қасым-Жомарт Тоқаев", Schema::kPerson)),
              ElementsAre("qasym", "zhomart", "toqaev"));
}

TEST(NormalizeTest, ArabicIsTransliteratedAndTheArticleSplitOff) {
  NormalizedName n = NormalizeName("محمد بن سلمان", Schema::kPerson);
  EXPECT_THAT(Texts(n), ElementsAre("mhmd", "bn", "slman"));
  EXPECT_EQ(n.tokens[0].script, TokenScript::kArabic);
  EXPECT_EQ(n.tokens[1].kind, TokenKind::kParticle);
  EXPECT_THAT(Texts(NormalizeName("عبد الرحمن", Schema::kPerson)), ElementsAre("bd", "al", "rhmn"));
}

TEST(NormalizeTest, ChineseAndKoreanAreRomanisedSyllableBySyllable) {
  EXPECT_THAT(Texts(NormalizeName("习近平", Schema::kPerson)), ElementsAre("xi", "jin", "ping"));
  NormalizedName k = NormalizeName("김정은", Schema::kPerson);
  ASSERT_EQ(k.tokens.size(), 3u);
  EXPECT_EQ(k.tokens[0].text, "gim");
  EXPECT_THAT(k.tokens[0].alts, Contains("kim"));
  EXPECT_THAT(k.tokens[1].alts, Contains("jong"));
  EXPECT_THAT(k.tokens[2].alts, Contains("un"));
  EXPECT_EQ(k.tokens[1].script, TokenScript::kHangul);
  // Syllables are never taken for particles or legal forms.
  for (const auto& t : NormalizeName("박인수", Schema::kPerson).tokens) EXPECT_EQ(t.kind, TokenKind::kWord);
}

TEST(NormalizeTest, RomaniseGivesWholeNameForms) {
  std::vector<std::string> r = Romanise("Юрий Хрущёв");
  ASSERT_FALSE(r.empty());
  EXPECT_EQ(r[0], "yuriy khrushchev");
  EXPECT_GT(r.size(), 1u);
}

TEST(NormalizeTest, LegalFormsAreWeakTokensNotDeleted) {
  NormalizedName n = NormalizeName("Siemens AG", Schema::kOrganisation);
  ASSERT_THAT(Texts(n), ElementsAre("siemens", "ag"));
  EXPECT_EQ(n.tokens[1].kind, TokenKind::kLegalForm);
  EXPECT_TRUE(IsWeakKind(n.tokens[1].kind));
  EXPECT_EQ(n.tokens[1].legal_family, LegalFamily::kStock);

  // Multi-word forms become one canonical token; equivalents across languages share it.
  EXPECT_THAT(Texts(NormalizeName("Stripe Limited Liability Company", Schema::kOrganisation)),
              ElementsAre("stripe", "llc"));
  EXPECT_THAT(Texts(NormalizeName("Tactical Missiles Corporation Joint Stock Company", Schema::kOrganisation)),
              ElementsAre("tactical", "missiles", "corp", "jsc"));
  NormalizedName ooo = NormalizeName("ООО Оборонные инициативы", Schema::kOrganisation);
  EXPECT_EQ(ooo.tokens[0].text, "llc");
  EXPECT_EQ(ooo.tokens[0].kind, TokenKind::kLegalForm);
  EXPECT_EQ(NormalizeName("ЗАО Ромашка", Schema::kOrganisation).tokens[0].text, "cjsc");
  EXPECT_EQ(NormalizeName("ОАО Газпром", Schema::kOrganisation).tokens[0].text, "ojsc");
  EXPECT_EQ(NormalizeName("شركة النفط", Schema::kOrganisation).tokens[0].kind, TokenKind::kLegalForm);
  // Dotted forms.
  EXPECT_THAT(Texts(NormalizeName("Bowne Global Solutions, L.L.C.", Schema::kOrganisation)),
              ElementsAre("bowne", "global", "solutions", "llc"));
  EXPECT_THAT(Texts(NormalizeName("HSBC Holdings p.l.c.", Schema::kOrganisation)),
              ElementsAre("hsbc", "holdings", "plc"));
  // A misspelt long form is still recognised.
  EXPECT_EQ(NormalizeName("Siemens Aktiengeselschaft", Schema::kOrganisation).tokens[1].text, "ag");
}

TEST(NormalizeTest, HonorificsAndParticlesAreWeak) {
  NormalizedName n = NormalizeName("Mr. Rami Makhlouf", Schema::kPerson);
  EXPECT_EQ(n.tokens[0].kind, TokenKind::kHonorific);
  NormalizedName h = NormalizeName("Haji Sheikh Abu Bakr al-Baghdadi", Schema::kPerson);
  EXPECT_EQ(Find(h, "haji")->kind, TokenKind::kHonorific);
  EXPECT_EQ(Find(h, "sheikh")->kind, TokenKind::kHonorific);
  EXPECT_EQ(Find(h, "abu")->kind, TokenKind::kParticle);
  EXPECT_EQ(Find(h, "al")->kind, TokenKind::kParticle);
  EXPECT_EQ(Find(h, "baghdadi")->kind, TokenKind::kWord);
  // A lone honorific-like word is the name itself.
  EXPECT_EQ(NormalizeName("Sheikh", Schema::kPerson).tokens[0].kind, TokenKind::kWord);
}

TEST(NormalizeTest, NasabRolesMarkOwnAndFathersNames) {
  NormalizedName n = NormalizeName("Mohammed bin Salman", Schema::kPerson);
  EXPECT_EQ(n.tokens[0].role, NameRole::kOwn);
  EXPECT_EQ(n.tokens[2].role, NameRole::kFather);
  NormalizedName r = NormalizeName("Salman, Mohammed bin", Schema::kPerson);
  EXPECT_EQ(Find(r, "salman")->role, NameRole::kNone);
}

TEST(NormalizeTest, DigitsAreKeptAsTokens) {
  NormalizedName n = NormalizeName("Snow Storm 1", Schema::kVessel);
  ASSERT_THAT(Texts(n), ElementsAre("snow", "storm", "1"));
  EXPECT_EQ(n.tokens[2].kind, TokenKind::kNumber);
  EXPECT_THAT(Texts(NormalizeName("Brigade Forty 4", Schema::kOrganisation)), ElementsAre("brigade", "44"));
  NormalizedName roman = NormalizeName("Carlyle Partners VII L.P.", Schema::kOrganisation);
  EXPECT_EQ(Find(roman, "vii")->kind, TokenKind::kNumber);
  EXPECT_THAT(Find(roman, "vii")->alts, Contains("7"));
  // Letters mixed with digits keep the digits and offer a de-leeted form.
  NormalizedName leet = NormalizeName("I9or Sech1n", Schema::kPerson);
  EXPECT_EQ(leet.tokens[0].text, "i9or");
  EXPECT_THAT(leet.tokens[0].alts, Contains("igor"));
}

TEST(NormalizeTest, PunctuationInitialsAndApostrophes) {
  EXPECT_THAT(Texts(NormalizeName("J.-C. Juncker", Schema::kPerson)), ElementsAre("j", "c", "juncker"));
  EXPECT_EQ(NormalizeName("J.-C. Juncker", Schema::kPerson).tokens[0].kind, TokenKind::kInitial);
  EXPECT_THAT(Texts(NormalizeName("Mus’ab al-Zarqawi", Schema::kPerson)), ElementsAre("musab", "al", "zarqawi"));
  EXPECT_THAT(Texts(NormalizeName("First Bank Int’l", Schema::kOrganisation)),
              ElementsAre("first", "bank", "intl"));
  EXPECT_THAT(Texts(NormalizeName("L & H Sweden, AB", Schema::kOrganisation)),
              ElementsAre("l", "and", "h", "sweden", "ab"));
}

TEST(NormalizeTest, ConcatenatedTokensStayWhole) {
  // The normaliser does not guess where words were joined; the matcher aligns joined and split tokens.
  EXPECT_THAT(Texts(NormalizeName("JSCARGUMENT", Schema::kOrganisation)), ElementsAre("jscargument"));
  NormalizedName split = NormalizeName("JSC ARGUMENT", Schema::kOrganisation);
  EXPECT_THAT(Texts(split), ElementsAre("jsc", "argument"));
  EXPECT_EQ(split.tokens[0].kind, TokenKind::kLegalForm);
}

TEST(NormalizeTest, PhoneticKeysGroupSpellingVariants) {
  EXPECT_EQ(PhoneticKey("mohammed"), PhoneticKey("muhammad"));
  EXPECT_EQ(PhoneticKey("mohamad"), PhoneticKey("muhammad"));
  EXPECT_EQ(PhoneticKey("qaddafi"), PhoneticKey("gadhafi"));
  EXPECT_EQ(PhoneticKey("philipp"), PhoneticKey("filip"));
  EXPECT_NE(PhoneticKey("smith"), PhoneticKey("jones"));
  EXPECT_EQ(PhoneticSpelling("schwartz"), "shvars");
  EXPECT_EQ(PhoneticSpelling("hanniball"), PhoneticSpelling("hannibal"));
  EXPECT_EQ(PhoneticSpelling("xi"), PhoneticSpelling("shi"));
}

TEST(NormalizeTest, SpellingDistanceWeighsEditsByKind) {
  EXPECT_EQ(SpellingDistance("putin", "putin"), 0);
  EXPECT_LT(SpellingDistance("hasan", "hosan"), SpellingDistance("hasan", "kasan"));  // vowel < consonant
  EXPECT_LT(SpellingDistance("marcon", "macron"), 1.0);                              // transposition
  EXPECT_LT(SpellingDistance("mhmd", "mohamed", /*abjad=*/true), 0.5);                // vowels nearly free
  EXPECT_GT(SpellingDistance("mhmdy", "mohamed", /*abjad=*/true), 0.9);               // a lost letter is not
  EXPECT_GT(SpellingDistance("abcdefgh", "zyxwvuts", false, 1.0), 1.0);               // early exit above bound
}

TEST(NormalizeTest, ConcurrentUseIsSafe) {
  const NormalizedName expected = NormalizeName("Владимир Путин 习近平 محمد", Schema::kPerson);
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < 50; ++k) {
        ok[t] += DebugString(NormalizeName("Владимир Путин 习近平 محمد", Schema::kPerson)) == DebugString(expected);
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(ok[t], 50);
}

}  // namespace
}  // namespace stm::screening
