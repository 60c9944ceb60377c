#include "screening/matcher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace stm::screening {
namespace {

constexpr double kT = kDefaultThreshold;

double Person(std::string_view a, std::string_view b) { return CompareNames(Schema::kPerson, a, b); }
double Org(std::string_view a, std::string_view b) { return CompareNames(Schema::kOrganisation, a, b); }

TEST(MatcherTest, IdenticalAndReorderedNamesMatch) {
  EXPECT_DOUBLE_EQ(Person("Vladimir Putin", "Vladimir Putin"), 1.0);
  EXPECT_GE(Person("John Smith", "Smith, John"), 0.95);
  EXPECT_GE(Person("Vladimir Putin", "PUTIN, Vladimir Vladimirovich"), 0.9);  // patronymic omitted
  EXPECT_LT(Person("Vladimir Putin", "Donald Duck"), 0.3);
  EXPECT_EQ(Person("", "Vladimir Putin"), 0.0);
}

TEST(MatcherTest, TyposAndSpellingVariantsMatch) {
  EXPECT_GE(Person("Alexandr Lukashnko", "Alexander Lukashenko"), kT);
  EXPECT_GE(Person("Moammar Qaddafi", "Muammar Gaddafi"), kT);
  EXPECT_GE(Person("Usama bin Ladin", "Osama bin Laden"), kT);
  EXPECT_GE(Person("Hanniball", "Hannibal"), kT);
  EXPECT_GE(Person("I9or Sech1n", "Igor Sechin"), kT);
  EXPECT_GE(Person("A. Khamenei", "Ali Khamenei"), kT);
  EXPECT_LT(Person("Frank Richter", "Frederik Richter"), kT);
  EXPECT_LT(Person("Octavian Scholz", "Olaf Scholz"), kT);
}

TEST(MatcherTest, CrossScriptNamesMatch) {
  EXPECT_GE(Person("Владимир Путин", "Vladimir Putin"), kT);
  EXPECT_GE(Person("Serej Lavrov", "Сергей Викторович Лавров"), kT);
  EXPECT_GE(Person("محمد بن سلمان", "Mohammed bin Salman"), kT);
  EXPECT_GE(Person("فرناندو بيريز", "Fernando Pérez"), kT);
  EXPECT_GE(Person("习近平", "Xi Jinping"), kT);
  EXPECT_GE(Person("김정은", "Kim Jong Un"), kT);
  EXPECT_GE(Person("Βλαντιμίρ Πούτιν", "Vladimir Putin"), kT);
  // Same script: compared in that script. A different Hangul syllable is a different name.
  EXPECT_GE(Person("Владимир Пулин", "Владимир Путин"), kT);
  EXPECT_LT(Person("김종은", "김정은"), kT);
  // Different people in Arabic script.
  EXPECT_LT(Person("حسین محمدی", "Muhammad Hassan"), kT);
}

TEST(MatcherTest, LegalFormsAreWeak) {
  EXPECT_GE(Org("Deutsche Bank AG", "Deutsche Bank"), kT);
  EXPECT_GE(Org("Nanshan Group", "Nanshan Group Co Ltd"), kT);
  EXPECT_GE(Org("Stripe LLC", "Stripe Limited Liability Company"), kT);
  EXPECT_GE(Org("OAO Gazprom", "Open Joint Stock Company Gasprom"), kT);
  EXPECT_GE(Org("Oboronnye Initsiativy o.O.O.", "OOO Oboronnye Initsiativy"), kT);
  EXPECT_GE(Org("TACTICAL MISSILES CORPORATION OJSC", "TACTICAL MISSILES CORPORATION JSC"), kT);
  // A legal form cannot make up for a different name, and conflicting specific forms count against.
  EXPECT_LT(Org("Volkswagen AG", "Siemens AG"), 0.3);
  EXPECT_LT(Org("Deutsche Bank AG", "Deutsche Bank GmbH"), Org("Deutsche Bank AG", "Deutsche Bank"));
  EXPECT_LT(Org("CRYSTALORD SYSTEMS LIMITED", "CRYSTALORD LTD"), kT);
}

TEST(MatcherTest, DigitsAreKeptAndCompared) {
  EXPECT_GE(Org("Brigade Forty 4", "Brigade 44"), kT);
  EXPECT_LT(Org("Brigade 44", "Brigade 45"), Org("Brigade 44", "Brigade 44"));
  nlohmann::json ex;
  CompareNames(Schema::kOrganisation, "Brigade 44", "Brigade 45", &ex);
  ASSERT_EQ(ex["unmatched_query"].size(), 1u);
  EXPECT_EQ(ex["unmatched_query"][0]["token"], "44");
  EXPECT_EQ(ex["unmatched_query"][0]["kind"], "number");
}

TEST(MatcherTest, ConcatenatedAndSplitTokens) {
  nlohmann::json ex;
  EXPECT_GE(CompareNames(Schema::kOrganisation, "JSCARGUMENT", "JSC ARGUMENT", &ex), kT);
  ASSERT_EQ(ex["tokens"].size(), 1u);
  EXPECT_EQ(ex["tokens"][0]["match"], "split_join");
  EXPECT_EQ(ex["tokens"][0]["candidate"], "jsc argument");
  EXPECT_GE(Org("JSC ARGUMENT", "JSCARGUMENT"), kT);
  EXPECT_GE(Person("ABDULRAHMAN AL-SUDAIS", "ABDUL RAHMAN AL-SUDAIS"), kT);
  EXPECT_GE(Person("VladimirPutin", "Vladimir Putin"), kT);
  EXPECT_GE(Person("Nikolai Plat Ono Vich Patrushev", "Nikolai Platonovich Patrushev"), kT);
  EXPECT_GE(Org("vanderbilt corp", "van der bilt corp"), kT);
  EXPECT_GE(Org("SiemensAG", "Siemens AG"), kT);
}

TEST(MatcherTest, GenericGroupAliasesDoNotOvermatch) {
  // An alias made of weak words only ("The Group") must not match every "The * Group".
  EXPECT_LT(Org("The Carlyle Group", "The Group"), 0.5);
  EXPECT_LT(Org("The Group", "The Carlyle Group"), 0.5);
  EXPECT_LT(Org("Management Company", "Westminister Management Company"), kT);
  EXPECT_GE(Org("Carlyle Group", "The Carlyle Group"), kT);
  EXPECT_GE(Org("The Goldman Sachs Group, Inc.", "Goldman Sachs Group, Inc."), kT);
}

TEST(MatcherTest, ConflictsAndPatronymicOrder) {
  EXPECT_LT(Person("SALMAN BIN MUHAMMAD AL-RAWI", "MUHAMMAD BIN SALMAN AL-RAWI"), kT);
  EXPECT_LT(Person("Sergey Ivanovich Lavrov", "Sergey Viktorovich Lavrov"), kT);
  EXPECT_LT(Person("Geoffrey Boris Johnson", "Alexandre Boris de Pfeffel Johnson"), kT);
  EXPECT_LT(Person("Hans O Friedrich", "Hans Joachim Friedrich"), kT);
  EXPECT_LT(Person("NIK MOHAMMAD ABDUL MOHAMMAD", "NIK MOHAMMAD DOST MOHAMMAD"), kT);
}

TEST(MatcherTest, ExplanationTellsHowTokensMatched) {
  nlohmann::json ex;
  double s = CompareNames(Schema::kPerson, "Mr. Vladimir Putinn", "Владимир Владимирович Путин", &ex);
  EXPECT_GE(s, kT);
  EXPECT_DOUBLE_EQ(ex["name_score"].get<double>(), std::round(s * 1000) / 1000);
  ASSERT_EQ(ex["tokens"].size(), 2u);
  EXPECT_EQ(ex["tokens"][0]["query"], "vladimir");
  EXPECT_EQ(ex["tokens"][0]["match"], "transliterated");
  EXPECT_EQ(ex["tokens"][0]["candidate_original"], "владимир");
  EXPECT_EQ(ex["tokens"][1]["query"], "putinn");
  EXPECT_EQ(ex["tokens"][1]["candidate"], "putin");
  // Unmatched parts, with their kinds: the honorific and the patronymic cost little.
  ASSERT_EQ(ex["unmatched_query"].size(), 1u);
  EXPECT_EQ(ex["unmatched_query"][0]["kind"], "honorific");
  ASSERT_EQ(ex["unmatched_candidate"].size(), 1u);
  EXPECT_EQ(ex["unmatched_candidate"][0]["token"], "vladimirovich");
  EXPECT_EQ(ex["unmatched_candidate"][0]["patronymic"], true);
  EXPECT_LT(ex["unmatched_candidate"][0]["cost"].get<double>(), 0.2);

  CompareNames(Schema::kPerson, "Qaddafi", "Gadhafi", &ex);
  EXPECT_THAT(ex["tokens"][0]["match"].get<std::string>(), ::testing::AnyOf("fuzzy", "phonetic"));
  CompareNames(Schema::kPerson, "Ted Doe", "Theodore Doe", &ex);
  EXPECT_EQ(ex["tokens"][0]["match"], "alias");
  CompareNames(Schema::kPerson, "Salman Muhammad", "Muhammad bin Salman", &ex);
  EXPECT_FALSE(ex["conflict"].get<bool>());
}

// --- ScreeningIndex -----------------------------------------------------------------------------------------

Entity MakePerson(std::string list, std::string id, std::vector<std::string> names, std::string dob = "",
                  std::string nationality = "") {
  Entity e;
  e.list = std::move(list);
  e.source_id = std::move(id);
  e.schema = Schema::kPerson;
  for (size_t i = 0; i < names.size(); ++i) {
    Name n;
    n.full = names[i];
    n.kind = i == 0 ? NameKind::kPrimary : NameKind::kAlias;
    e.names.push_back(n);
  }
  if (!dob.empty()) {
    PartialDate d;
    d.year = std::stoi(dob.substr(0, 4));
    if (dob.size() >= 7) d.month = std::stoi(dob.substr(5, 2));
    if (dob.size() >= 10) d.day = std::stoi(dob.substr(8, 2));
    d.raw = dob;
    e.birth_dates.push_back(d);
  }
  if (!nationality.empty()) e.nationalities.push_back(nationality);
  return e;
}

Entity MakeOrg(std::string list, std::string id, std::vector<std::string> names) {
  Entity e = MakePerson(std::move(list), std::move(id), std::move(names));
  e.schema = Schema::kOrganisation;
  return e;
}

PartialDate Date(int y, int m = 0, int d = 0) {
  PartialDate p;
  p.year = y;
  p.month = m;
  p.day = d;
  return p;
}

class MatcherIndexTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { index_ = ScreeningIndex::Build(Entities()); }
  static std::vector<Entity> Entities();
  static void TearDownTestSuite() { index_.reset(); }
  static std::shared_ptr<const ScreeningIndex> index_;
};

std::shared_ptr<const ScreeningIndex> MatcherIndexTest::index_;

std::vector<Entity> MatcherIndexTest::Entities() {
  std::vector<Entity> e;
  e.push_back(MakePerson("un", "QDi.001", {"Vladimir Vladimirovich PUTIN", "Владимир Путин"}, "1952-10-07", "RU"));
  e.push_back(MakePerson("ofac_sdn", "100", {"Vladimir Putin"}, "1970-01-01", "UA"));
  e.push_back(MakePerson("un", "QDi.002", {"Usama bin Muhammad bin Awad BIN LADIN", "Osama bin Laden"}, "1957", "SA"));
  e.push_back(MakePerson("us_csl:Entity List", "7", {"KIM JONG UN"}, "1984-01-08", "KP"));
  e.push_back(MakeOrg("un", "QDe.010", {"The Carlyle Group"}));
  e.push_back(MakeOrg("eu", "EU.5", {"Wagner Group", "The Group"}));
  e.push_back(MakeOrg("ofac_sdn", "200", {"JSC ARGUMENT"}));
  Entity ship = MakeOrg("ofac_sdn", "300", {"SNOW STORM"});
  ship.schema = Schema::kVessel;
  Identifier imo;
  imo.type = "imo";
  imo.value = "IMO 9123456";
  ship.identifiers.push_back(imo);
  e.push_back(ship);
  Entity weak = MakePerson("ofac_sdn", "400", {"Ahmed Zaki Yamani", "The Sheikh"});
  weak.names[1].strength = AliasStrength::kWeak;
  e.push_back(weak);
  for (int i = 0; i < 50; ++i) {
    e.push_back(MakePerson("uk", "F" + std::to_string(i), {"Filler Person Number" + std::to_string(i)}));
  }
  return e;
}

std::vector<std::string> Ids(const std::vector<Match>& ms) {
  std::vector<std::string> out;
  for (const auto& m : ms) out.push_back(m.entity->source_id);
  return out;
}

TEST_F(MatcherIndexTest, FindsTyposTransliterationsAndReorderings) {
  Query q;
  q.name = "Vladimir Putinn";
  q.schema = Schema::kPerson;
  auto ms = index_->Screen(q);
  EXPECT_THAT(Ids(ms), ::testing::UnorderedElementsAre("QDi.001", "100"));
  q.name = "ПУТИН Владимир";
  EXPECT_THAT(Ids(index_->Screen(q)), ::testing::Contains("QDi.001"));
  q.name = "Osama bin Ladin";
  ASSERT_FALSE(index_->Screen(q).empty());
  EXPECT_EQ(index_->Screen(q)[0].entity->source_id, "QDi.002");
  q.name = "김정은";
  EXPECT_THAT(Ids(index_->Screen(q)), ::testing::ElementsAre("7"));
  q.name = "JSCARGUMENT";
  q.schema = Schema::kOrganisation;
  EXPECT_THAT(Ids(index_->Screen(q)), ::testing::ElementsAre("200"));
  q.name = "Completely Unrelated";
  EXPECT_TRUE(index_->Screen(q).empty());
}

TEST_F(MatcherIndexTest, BirthDateAndCountryRaiseOrLowerTheScore) {
  Query q;
  q.name = "Vladimir Putin";
  q.schema = Schema::kPerson;
  q.birth_date = Date(1952, 10, 7);
  auto ms = index_->Screen(q);
  ASSERT_GE(ms.size(), 1u);
  EXPECT_EQ(ms[0].entity->source_id, "QDi.001");
  EXPECT_THAT(Ids(ms), ::testing::Not(::testing::Contains("100")));  // born 1970: below the threshold
  bool saw_date = false;
  for (const auto& ev : ms[0].explanation["evidence"]) {
    if (ev["kind"] == "birth_date") {
      saw_date = true;
      EXPECT_GT(ev["effect"].get<double>(), 0);
      EXPECT_EQ(ev["detail"], "same date");
    }
  }
  EXPECT_TRUE(saw_date);

  // Same name, different nationality: lower than with the right one.
  q.birth_date.reset();
  q.country = "Russia";
  double with_ru = 0, with_fr = 0;
  for (const auto& m : index_->Screen(q)) {
    if (m.entity->source_id == "QDi.001") with_ru = m.score;
  }
  q.country = "FR";
  for (const auto& m : index_->Screen(q, {.threshold = 0.5})) {
    if (m.entity->source_id == "QDi.001") with_fr = m.score;
  }
  EXPECT_GT(with_ru, with_fr);
}

TEST_F(MatcherIndexTest, IdentifiersAndSchema) {
  Query q;
  q.name = "Snow Storm";
  q.schema = Schema::kPerson;  // wrong kind: lowered
  auto person = index_->Screen(q, {.threshold = 0.0});
  ASSERT_FALSE(person.empty());
  EXPECT_LT(person[0].score, kT);
  q.schema = Schema::kVessel;
  q.name = "Snow Stormm";
  Identifier imo;
  imo.type = "imo";
  imo.value = "imo-9123456";  // compared without case, spaces or punctuation
  q.identifiers.push_back(imo);
  auto ms = index_->Screen(q);
  ASSERT_FALSE(ms.empty());
  EXPECT_EQ(ms[0].entity->source_id, "300");
  bool saw_id = false;
  for (const auto& ev : ms[0].explanation["evidence"]) saw_id = saw_id || ev["kind"] == "identifier";
  EXPECT_TRUE(saw_id);
  // An identifier alone finds the entity.
  q.name = "";
  ms = index_->Screen(q);
  ASSERT_EQ(ms.size(), 1u);
  EXPECT_EQ(ms[0].entity->source_id, "300");
  EXPECT_GE(ms[0].score, 0.9);
}

TEST(MatcherEmptyIndexTest, ScreensNothing) {
  auto empty = ScreeningIndex::Build({});
  EXPECT_EQ(empty->name_count(), 0u);
  EXPECT_TRUE(empty->Screen({.name = "Vladimir Putin"}).empty());
  EXPECT_TRUE(empty->Screen({.name = ""}).empty());
}

TEST_F(MatcherIndexTest, GenericAliasesDoNotOvermatch) {
  Query q;
  q.name = "The Trading Group";
  q.schema = Schema::kOrganisation;
  EXPECT_TRUE(index_->Screen(q).empty());
  q.name = "Carlyle Group";
  EXPECT_THAT(Ids(index_->Screen(q)), ::testing::ElementsAre("QDe.010"));
  q.name = "The Group";
  EXPECT_THAT(Ids(index_->Screen(q)), ::testing::ElementsAre("EU.5"));
}

TEST_F(MatcherIndexTest, OptionsListsLimitThreshold) {
  Query q;
  q.name = "Vladimir Putin";
  q.schema = Schema::kPerson;
  EXPECT_THAT(Ids(index_->Screen(q, {.lists = {"un"}})), ::testing::ElementsAre("QDi.001"));
  EXPECT_THAT(Ids(index_->Screen(q, {.lists = {"ofac_sdn"}})), ::testing::ElementsAre("100"));
  EXPECT_EQ(index_->Screen(q, {.limit = 1}).size(), 1u);
  EXPECT_TRUE(index_->Screen(q, {.threshold = 1.01}).empty());
  q.name = "Kim Jong Un";
  EXPECT_THAT(Ids(index_->Screen(q, {.lists = {"us_csl"}})), ::testing::ElementsAre("7"));  // prefix of the key
  // Results are ordered by score.
  q.name = "Vladimir Vladimirovich Putin";
  auto ms = index_->Screen(q);
  ASSERT_EQ(ms.size(), 2u);
  EXPECT_GE(ms[0].score, ms[1].score);
  EXPECT_EQ(ms[0].matched_name, "Vladimir Vladimirovich PUTIN");
}

TEST_F(MatcherIndexTest, WeakAliasesCountLess) {
  Query q;
  q.name = "Sheikh";
  q.schema = Schema::kPerson;
  auto ms = index_->Screen(q, {.threshold = 0.0});
  for (const auto& m : ms) {
    if (m.entity->source_id == "400") {
      EXPECT_LT(m.score, 1.0);
      EXPECT_TRUE(m.explanation.contains("weak_alias_penalty"));
    }
  }
}

TEST_F(MatcherIndexTest, ExplanationOfAMatch) {
  Query q;
  q.name = "Usama bin Ladin";
  q.schema = Schema::kPerson;
  q.birth_date = Date(1957);
  q.country = "SA";
  auto ms = index_->Screen(q);
  ASSERT_FALSE(ms.empty());
  const auto& ex = ms[0].explanation;
  EXPECT_EQ(ex["list"], "un");
  EXPECT_EQ(ex["source_id"], "QDi.002");
  EXPECT_EQ(ex["query_name"], "Usama bin Ladin");
  EXPECT_TRUE(ex.contains("tokens"));
  EXPECT_TRUE(ex.contains("name_score"));
  EXPECT_DOUBLE_EQ(ex["score"].get<double>(), std::round(ms[0].score * 1000) / 1000);
  std::vector<std::string> kinds;
  for (const auto& ev : ex["evidence"]) kinds.push_back(ev["kind"]);
  EXPECT_THAT(kinds, ::testing::UnorderedElementsAre("birth_date", "country"));
}

TEST_F(MatcherIndexTest, ConcurrentScreensAgree) {
  const std::vector<std::string> names = {"Vladimir Putin", "Osama bin Laden", "김정은", "JSC Argument",
                                          "Nobody Atall"};
  std::vector<std::vector<std::string>> expected;
  for (const auto& n : names) expected.push_back(Ids(index_->Screen({.name = n})));
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < 25; ++k) {
        for (size_t i = 0; i < names.size(); ++i) ok[t] += Ids(index_->Screen({.name = names[i]})) == expected[i];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(ok[t], 25 * static_cast<int>(names.size()));
  EXPECT_EQ(index_->entities().size(), Entities().size());
  EXPECT_GT(index_->name_count(), index_->entities().size());
  EXPECT_GT(index_->memory_bytes(), 0u);
}

}  // namespace
}  // namespace stm::screening
