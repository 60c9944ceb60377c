#include "licensing/application.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <string>

namespace stm::licensing {
namespace {

using nlohmann::json;

const std::string kSha(64, 'a');

json ValidIndividualJson() {
  return json::parse(R"({
    "type": "individual",
    "goods": [{"description": "Frequency changer", "control_codes": ["3A225"], "quantity": 2, "unit": "pcs",
               "value": 15000.5, "currency": "EUR", "hs_code": "8504.40", "part_number": "FC-9"}],
    "parties": [
      {"role": "consignee", "name": "Acme GmbH", "address": "Hauptstr. 1, Berlin", "country": "DE",
       "website": "https://acme.example"},
      {"role": "end_user", "name": "Acme Research", "address": "Rue 2, Paris", "country": "fr"}
    ],
    "end_use": "Test bench for motors",
    "end_user_statement": "Not for WMD use; no re-export.",
    "catch_all": {"informed_wmd": false, "aware_wmd": false},
    "documents": [{"id": "doc-1", "kind": "end_user_certificate", "sha256": ")" +
                     kSha + R"(", "size_bytes": 1024, "media_type": "application/pdf"}]
  })");
}

Application Parse(const json& j) {
  auto r = ApplicationFromJson(j);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? r.value() : Application{};
}

bool HasError(const std::vector<FieldError>& errors, const std::string& path,
              const std::string& fragment = "") {
  return std::any_of(errors.begin(), errors.end(), [&](const FieldError& e) {
    return e.path == path && e.message.find(fragment) != std::string::npos;
  });
}

std::string Dump(const std::vector<FieldError>& errors) { return ToJson(errors).dump(); }

Party MakeParty(PartyRole role, std::string country = "DE") {
  return Party{role, "Name", "Address 1", std::move(country), ""};
}

GoodsLine MakeLine() {
  GoodsLine g;
  g.description = "Valve";
  g.control_codes = {"2B350.g"};
  g.quantity = 1;
  g.unit = "pcs";
  g.value = 10;
  g.currency = "USD";
  return g;
}

// ---------------------------------------------------------------- names

TEST(ApplicationTypes, NamesRoundTrip) {
  for (ApplicationType t : AllApplicationTypes()) {
    EXPECT_EQ(ParseApplicationType(ApplicationTypeName(t)), t);
  }
  EXPECT_EQ(AllApplicationTypes().size(), 5u);
  EXPECT_EQ(ApplicationTypeName(ApplicationType::kTechnologyTransfer), "technology_transfer");
  EXPECT_FALSE(ParseApplicationType("Individual").has_value());
  EXPECT_FALSE(ParseApplicationType("").has_value());
  EXPECT_EQ(ParsePartyRole("ultimate_end_user"), PartyRole::kUltimateEndUser);
  EXPECT_FALSE(ParsePartyRole("buyer").has_value());
  EXPECT_EQ(ParseDocumentKind("contract"), DocumentKind::kContract);
  EXPECT_FALSE(ParseDocumentKind("invoice").has_value());
}

// ---------------------------------------------------------------- JSON

TEST(ApplicationJson, ParsesFullApplication) {
  Application a = Parse(ValidIndividualJson());
  EXPECT_EQ(a.type, ApplicationType::kIndividual);
  ASSERT_EQ(a.goods.size(), 1u);
  EXPECT_EQ(a.goods[0].control_codes, std::vector<std::string>{"3A225"});
  EXPECT_EQ(a.goods[0].quantity, 2.0);
  EXPECT_EQ(a.goods[0].value, 15000.5);
  EXPECT_EQ(a.goods[0].currency, "EUR");
  EXPECT_TRUE(a.goods[0].Controlled());
  ASSERT_EQ(a.parties.size(), 2u);
  EXPECT_EQ(a.parties[1].role, PartyRole::kEndUser);
  EXPECT_EQ(a.parties[1].country, "FR");  // upper-cased
  ASSERT_EQ(a.documents.size(), 1u);
  EXPECT_EQ(a.documents[0].kind, DocumentKind::kEndUserCertificate);
  EXPECT_EQ(a.documents[0].size_bytes, 1024);
}

TEST(ApplicationJson, RoundTrips) {
  Application a = Parse(ValidIndividualJson());
  a.catch_all.aware_wmd = true;
  a.catch_all.aware_wmd_details = "Customer mentioned enrichment.";
  a.origin_country = "CN";
  a.goods.push_back(GoodsLine{});  // an empty draft line: optionals absent
  Application back = Parse(ToJson(a));
  EXPECT_EQ(back, a);
  json j = ToJson(a);
  EXPECT_FALSE(j["goods"][1].contains("quantity"));
  EXPECT_EQ(j["type"], "individual");
}

TEST(ApplicationJson, IncompleteDraftIsAccepted) {
  auto r = ApplicationFromJson(json{{"type", "global"}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->goods.empty());
  EXPECT_TRUE(r->parties.empty());
  // Nulls are absent.
  r = ApplicationFromJson(json::parse(R"({"type":"transit","end_use":null,"parties":null,
                                          "goods":[{"quantity":null,"description":"x"}]})"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->goods[0].quantity.has_value());
  // A single string is accepted for control_codes.
  r = ApplicationFromJson(json::parse(R"({"type":"global","goods":[{"control_codes":"not listed"}]})"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->goods[0].control_codes, std::vector<std::string>{"not listed"});
  EXPECT_FALSE(r->goods[0].Controlled());
}

struct MalformedCase {
  const char* name;
  const char* patch;  // JSON merge patch onto the valid application
  const char* expected_prefix;
};

class ApplicationMalformed : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(ApplicationMalformed, NamesTheField) {
  json j = ValidIndividualJson();
  j.merge_patch(json::parse(GetParam().patch));
  auto r = ApplicationFromJson(j);
  ASSERT_FALSE(r.ok()) << GetParam().name;
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.status().message().rfind(GetParam().expected_prefix, 0), 0u)
      << GetParam().name << ": " << r.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    ApplicationJson, ApplicationMalformed,
    ::testing::Values(
        MalformedCase{"type_missing", R"({"type": null})", "type: required"},
        MalformedCase{"type_number", R"({"type": 3})", "type: expected a string"},
        MalformedCase{"type_unknown", R"({"type": "ogel"})", "type: unknown application type 'ogel'"},
        MalformedCase{"goods_object", R"({"goods": {"a": 1}})", "goods: expected an array"},
        MalformedCase{"goods_line_string", R"({"goods": ["valve"]})", "goods[0]: expected an object"},
        MalformedCase{"quantity_string", R"({"goods": [{"quantity": "ten"}]})",
                      "goods[0].quantity: expected a number"},
        MalformedCase{"value_bool", R"({"goods": [{"value": true}]})", "goods[0].value: expected a number"},
        MalformedCase{"description_number", R"({"goods": [{"description": 5}]})",
                      "goods[0].description: expected a string"},
        MalformedCase{"control_codes_number", R"({"goods": [{"control_codes": 5}]})",
                      "goods[0].control_codes: expected an array of strings"},
        MalformedCase{"control_code_element", R"({"goods": [{"control_codes": ["3A001", 7]}]})",
                      "goods[0].control_codes[1]: expected a string"},
        MalformedCase{"currency_number", R"({"goods": [{"currency": 978}]})",
                      "goods[0].currency: expected a string"},
        MalformedCase{"parties_string", R"({"parties": "acme"})", "parties: expected an array"},
        MalformedCase{"party_role_missing", R"({"parties": [{"name": "x"}]})", "parties[0].role: required"},
        MalformedCase{"party_role_unknown", R"({"parties": [{"role": "buyer"}]})",
                      "parties[0].role: unknown role 'buyer'"},
        MalformedCase{"party_country_number", R"({"parties": [{"role": "consignee", "country": 276}]})",
                      "parties[0].country: expected a string"},
        MalformedCase{"end_use_array", R"({"end_use": ["x"]})", "end_use: expected a string"},
        MalformedCase{"catch_all_bool", R"({"catch_all": true})", "catch_all: expected an object"},
        MalformedCase{"catch_all_aware_string", R"({"catch_all": {"aware_wmd": "yes"}})",
                      "catch_all.aware_wmd: expected true or false"},
        MalformedCase{"catch_all_details_number", R"({"catch_all": {"informed_wmd_details": 1}})",
                      "catch_all.informed_wmd_details: expected a string"},
        MalformedCase{"document_kind_unknown", R"({"documents": [{"kind": "invoice"}]})",
                      "documents[0].kind: unknown kind 'invoice'"},
        MalformedCase{"document_sha_short", R"({"documents": [{"sha256": "abc"}]})",
                      "documents[0].sha256: expected 64 hexadecimal digits"},
        MalformedCase{"document_size_negative", R"({"documents": [{"size_bytes": -1}]})",
                      "documents[0].size_bytes: negative"},
        MalformedCase{"document_size_fraction", R"({"documents": [{"size_bytes": 1.5}]})",
                      "documents[0].size_bytes: expected a non-negative integer"},
        MalformedCase{"document_size_string", R"({"documents": [{"size_bytes": "1"}]})",
                      "documents[0].size_bytes: expected a non-negative integer"},
        MalformedCase{"origin_bool", R"({"origin_country": false})", "origin_country: expected a string"},
        MalformedCase{"technology_object", R"({"technology_description": {}})",
                      "technology_description: expected a string"}),
    [](const ::testing::TestParamInfo<MalformedCase>& info) { return std::string(info.param.name); });

TEST(ApplicationJson, RejectsNonObjectAndOversizedInput) {
  EXPECT_FALSE(ApplicationFromJson(json::array()).ok());
  EXPECT_FALSE(ApplicationFromJson(json("individual")).ok());
  json j = ValidIndividualJson();
  j["end_use"] = std::string(kMaxLongText + 1, 'x');
  auto r = ApplicationFromJson(j);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().rfind("end_use: longer than", 0), 0u) << r.status().message();
  j = ValidIndividualJson();
  j["goods"] = json::array();
  for (size_t i = 0; i <= kMaxGoodsLines; ++i) j["goods"].push_back(json::object());
  r = ApplicationFromJson(j);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "goods: more than 500 entries");
}

TEST(ApplicationJson, NonFiniteNumberIsRejected) {
  json j = ValidIndividualJson();
  j["goods"][0]["quantity"] = std::numeric_limits<double>::infinity();
  auto r = ApplicationFromJson(j);
  ASSERT_FALSE(r.ok());
  // nlohmann stores infinity as a float; it is refused by name.
  EXPECT_EQ(r.status().message(), "goods[0].quantity: not a finite number");
}

TEST(ApplicationJson, Sha256IsLowerCased) {
  json j = ValidIndividualJson();
  j["documents"][0]["sha256"] = std::string(64, 'F');
  EXPECT_EQ(Parse(j).documents[0].sha256, std::string(64, 'f'));
}

// ---------------------------------------------------------------- documents

TEST(ApplicationDocuments, CheckDocumentLimits) {
  EXPECT_TRUE(CheckDocument("application/pdf", 1000).ok());
  EXPECT_TRUE(CheckDocument("Text/Plain; charset=utf-8", 1).ok());
  EXPECT_TRUE(CheckDocument("image/jpeg", 20 * 1024 * 1024).ok());
  Status s = CheckDocument("application/zip", 10);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(s.message().find("'application/zip' is not allowed"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("allowed_media_types: application/pdf, image/png, image/jpeg, text/plain"),
            std::string::npos)
      << s.message();
  s = CheckDocument("image/png", 20 * 1024 * 1024 + 1);
  EXPECT_EQ(s.code(), ErrorCode::kPayloadTooLarge);
  EXPECT_NE(s.message().find("max_size_bytes limit of 20971520 bytes"), std::string::npos) << s.message();
  s = CheckDocument("image/png", 0);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(CheckDocument("", 10).ok());

  DocumentLimits limits{{"application/xml"}, 100};
  EXPECT_TRUE(CheckDocument("application/xml", 100, limits).ok());
  EXPECT_FALSE(CheckDocument("application/pdf", 100, limits).ok());
  EXPECT_EQ(CheckDocument("application/xml", 101, limits).code(), ErrorCode::kPayloadTooLarge);
}

TEST(ApplicationDocuments, NoOpScannerSaysClean) {
  NoOpVirusScanner scanner;
  VirusScanner& seam = scanner;
  auto r = seam.Clean("X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(*r);
}

// ---------------------------------------------------------------- codes

TEST(ApplicationCodes, CountryAndCurrency) {
  EXPECT_TRUE(IsCountryCode("DE"));
  EXPECT_TRUE(IsCountryCode("KP"));
  EXPECT_FALSE(IsCountryCode("de"));
  EXPECT_FALSE(IsCountryCode("XX"));
  EXPECT_FALSE(IsCountryCode("DEU"));
  EXPECT_FALSE(IsCountryCode(""));
  EXPECT_TRUE(IsCurrencyCode("EUR"));
  EXPECT_TRUE(IsCurrencyCode("USD"));
  EXPECT_FALSE(IsCurrencyCode("usd"));
  EXPECT_FALSE(IsCurrencyCode("EU"));
  EXPECT_FALSE(IsCurrencyCode("E1R"));
  EXPECT_FALSE(IsCurrencyCode("XYZ"));  // not assigned in ISO 4217 (iso-codes installed)
}

// ---------------------------------------------------------------- submit rules

TEST(ApplicationSubmit, ValidIndividualPasses) {
  auto errors = ValidateForSubmit(Parse(ValidIndividualJson()));
  EXPECT_TRUE(errors.empty()) << Dump(errors);
  EXPECT_TRUE(FieldErrorsToStatus(errors).ok());
}

TEST(ApplicationSubmit, EmptyDraftReportsEverythingAtOnce) {
  Application a;  // individual, nothing filled in
  auto errors = ValidateForSubmit(a);
  EXPECT_TRUE(HasError(errors, "end_use", "required")) << Dump(errors);
  EXPECT_TRUE(HasError(errors, "end_user_statement", "required"));
  EXPECT_TRUE(HasError(errors, "goods", "at least one"));
  EXPECT_TRUE(HasError(errors, "parties", "exactly one consignee (found 0)"));
  EXPECT_TRUE(HasError(errors, "parties", "exactly one end user (found 0)"));
  EXPECT_EQ(errors.size(), 5u) << Dump(errors);
}

TEST(ApplicationSubmit, AllErrorsAtOnceWithPaths) {
  json j = ValidIndividualJson();
  j["goods"].push_back(json::parse(R"({"description": " ", "control_codes": [], "quantity": 0,
                                       "value": -1, "currency": "EURO", "hs_code": "84A"})"));
  j["parties"][0]["country"] = "XX";
  j["parties"][1]["name"] = "";
  j["parties"][1]["website"] = "acme.example";
  j["catch_all"] = {{"aware_wmd", true}, {"informed_wmd", true}};
  j["documents"].push_back(
      {{"id", "doc-1"}, {"kind", "contract"}, {"media_type", "application/zip"}, {"size_bytes", 0}});
  Application a = Parse(j);
  auto errors = ValidateForSubmit(a);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"catch_all.informed_wmd_details", "required"},
      {"catch_all.aware_wmd_details", "required"},
      {"goods[1].description", "required"},
      {"goods[1].control_codes", "required"},
      {"goods[1].quantity", "greater than 0"},
      {"goods[1].unit", "required"},
      {"goods[1].value", "negative"},
      {"goods[1].currency", "'EURO' is not an ISO 4217"},
      {"goods[1].hs_code", "4 to 10 digits"},
      {"parties[0].country", "'XX' is not an ISO 3166-1"},
      {"parties[1].name", "required"},
      {"parties[1].website", "http"},
      {"documents[1].id", "duplicate document id 'doc-1'"},
      {"documents[1].sha256", "required"},
      {"documents[1].media_type", "not allowed"},
      {"documents[1].size_bytes", "empty"},
  };
  for (const auto& [path, fragment] : expected) {
    EXPECT_TRUE(HasError(errors, path, fragment)) << path << " / " << fragment << " in " << Dump(errors);
  }
  EXPECT_EQ(errors.size(), expected.size()) << Dump(errors);
  Status s = FieldErrorsToStatus(errors);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(s.message().find("goods[1].quantity: must be greater than 0; "), std::string::npos)
      << s.message();
}

TEST(ApplicationSubmit, GoodsLineMissingQuantityValueAndUnits) {
  Application a = Parse(ValidIndividualJson());
  a.goods[0].quantity.reset();
  a.goods[0].unit = "";
  a.goods[0].value.reset();
  a.goods[0].currency = "";
  auto errors = ValidateForSubmit(a);
  EXPECT_TRUE(HasError(errors, "goods[0].quantity", "required")) << Dump(errors);
  EXPECT_TRUE(HasError(errors, "goods[0].unit", "required with a quantity"));
  EXPECT_TRUE(HasError(errors, "goods[0].value", "required"));
  EXPECT_TRUE(HasError(errors, "goods[0].currency", "required with a value"));
  EXPECT_EQ(errors.size(), 4u) << Dump(errors);

  // Value 0 is allowed (free samples); quantity must be positive.
  a = Parse(ValidIndividualJson());
  a.goods[0].value = 0;
  EXPECT_TRUE(ValidateForSubmit(a).empty());
}

TEST(ApplicationSubmit, ControlCodesRules) {
  Application a = Parse(ValidIndividualJson());
  a.goods[0].control_codes = {"3A225", "not listed"};
  auto errors = ValidateForSubmit(a);
  EXPECT_TRUE(HasError(errors, "goods[0].control_codes", "cannot be combined")) << Dump(errors);
  a.goods[0].control_codes = {"3A225", ""};
  errors = ValidateForSubmit(a);
  EXPECT_TRUE(HasError(errors, "goods[0].control_codes[1]", "empty")) << Dump(errors);
}

TEST(ApplicationSubmit, HsCodeFormats) {
  Application a = Parse(ValidIndividualJson());
  for (const char* ok : {"8504", "850440", "8504.40.90", "8504 40 90 00"}) {
    a.goods[0].hs_code = ok;
    EXPECT_TRUE(ValidateForSubmit(a).empty()) << ok;
  }
  for (const char* bad : {"850", "85044090001", "8504-40"}) {
    a.goods[0].hs_code = bad;
    EXPECT_TRUE(HasError(ValidateForSubmit(a), "goods[0].hs_code")) << bad;
  }
}

TEST(ApplicationSubmit, PartyNeedsAddressAndCountry) {
  Application a = Parse(ValidIndividualJson());
  a.parties[0].address = "";
  a.parties[0].country = "";
  auto errors = ValidateForSubmit(a);
  EXPECT_TRUE(HasError(errors, "parties[0].address", "required")) << Dump(errors);
  EXPECT_TRUE(HasError(errors, "parties[0].country", "required"));
  EXPECT_EQ(errors.size(), 2u);
}

TEST(ApplicationSubmit, IndividualNeedsExactlyOneConsigneeAndEndUser) {
  Application a = Parse(ValidIndividualJson());
  a.parties.push_back(MakeParty(PartyRole::kConsignee));
  a.parties.push_back(MakeParty(PartyRole::kEndUser));
  a.parties.push_back(MakeParty(PartyRole::kIntermediateConsignee));
  auto errors = ValidateForSubmit(a);
  EXPECT_TRUE(HasError(errors, "parties", "exactly one consignee (found 2)")) << Dump(errors);
  EXPECT_TRUE(HasError(errors, "parties", "exactly one end user (found 2)"));
  EXPECT_EQ(errors.size(), 2u);
}

TEST(ApplicationSubmit, IndividualControlledGoodsNeedEndUserCertificate) {
  Application a = Parse(ValidIndividualJson());
  a.documents[0].kind = DocumentKind::kContract;
  auto errors = ValidateForSubmit(a);
  EXPECT_TRUE(HasError(errors, "documents", "end-user certificate is required")) << Dump(errors);
  EXPECT_EQ(errors.size(), 1u);
  // Nothing controlled: no certificate needed.
  a.goods[0].control_codes = {std::string(kNotListed)};
  EXPECT_TRUE(ValidateForSubmit(a).empty()) << Dump(ValidateForSubmit(a));
  // No documents at all with controlled goods.
  a = Parse(ValidIndividualJson());
  a.documents.clear();
  EXPECT_TRUE(HasError(ValidateForSubmit(a), "documents"));
}

TEST(ApplicationSubmit, EndUserStatementOnlyRequiredForIndividual) {
  Application a = Parse(ValidIndividualJson());
  a.end_user_statement = "";
  EXPECT_TRUE(HasError(ValidateForSubmit(a), "end_user_statement"));
  a.type = ApplicationType::kGlobal;
  EXPECT_TRUE(ValidateForSubmit(a).empty()) << Dump(ValidateForSubmit(a));
}

TEST(ApplicationSubmit, GlobalAllowsSeveralConsigneesAndNeedsOne) {
  Application a = Parse(ValidIndividualJson());
  a.type = ApplicationType::kGlobal;
  a.documents.clear();  // no certificate rule for global
  a.parties.push_back(MakeParty(PartyRole::kConsignee, "JP"));
  a.parties.push_back(MakeParty(PartyRole::kEndUser, "JP"));
  a.goods.push_back(MakeLine());
  EXPECT_TRUE(ValidateForSubmit(a).empty()) << Dump(ValidateForSubmit(a));
  a.parties.clear();
  auto errors = ValidateForSubmit(a);
  EXPECT_TRUE(HasError(errors, "parties", "at least one consignee")) << Dump(errors);
  EXPECT_TRUE(HasError(errors, "parties", "at least one end user"));
  EXPECT_EQ(errors.size(), 2u);
}

TEST(ApplicationSubmit, BrokeringNeedsBroker) {
  Application a = Parse(ValidIndividualJson());
  a.type = ApplicationType::kBrokering;
  auto errors = ValidateForSubmit(a);
  EXPECT_TRUE(HasError(errors, "parties", "needs a broker party")) << Dump(errors);
  EXPECT_EQ(errors.size(), 1u);
  a.parties.push_back(MakeParty(PartyRole::kBroker, "GB"));
  EXPECT_TRUE(ValidateForSubmit(a).empty()) << Dump(ValidateForSubmit(a));
  a.parties = {MakeParty(PartyRole::kBroker)};
  EXPECT_TRUE(HasError(ValidateForSubmit(a), "parties", "at least one end user"));
}

TEST(ApplicationSubmit, TransitNeedsOriginAndDestination) {
  Application a = Parse(ValidIndividualJson());
  a.type = ApplicationType::kTransit;
  auto errors = ValidateForSubmit(a);
  EXPECT_TRUE(HasError(errors, "origin_country", "required")) << Dump(errors);
  EXPECT_TRUE(HasError(errors, "destination_country", "required"));
  EXPECT_EQ(errors.size(), 2u);
  a.origin_country = "ZZ";
  a.destination_country = "AE";
  errors = ValidateForSubmit(a);
  EXPECT_TRUE(HasError(errors, "origin_country", "'ZZ' is not")) << Dump(errors);
  EXPECT_EQ(errors.size(), 1u);
  a.origin_country = "AE";
  EXPECT_TRUE(HasError(ValidateForSubmit(a), "destination_country", "differ"));
  a.origin_country = "CN";
  EXPECT_TRUE(ValidateForSubmit(a).empty()) << Dump(ValidateForSubmit(a));
  a.parties = {MakeParty(PartyRole::kEndUser)};
  EXPECT_TRUE(HasError(ValidateForSubmit(a), "parties", "at least one consignee"));
}

TEST(ApplicationSubmit, TechnologyTransferNeedsDescriptionNotQuantity) {
  Application a;
  a.type = ApplicationType::kTechnologyTransfer;
  a.end_use = "Training of engineers";
  a.parties = {MakeParty(PartyRole::kEndUser, "IN")};
  GoodsLine tech;
  tech.description = "Development technology for 3A001 ICs";
  tech.control_codes = {"3E001"};
  a.goods = {tech};  // no quantity, no value
  auto errors = ValidateForSubmit(a);
  EXPECT_TRUE(HasError(errors, "technology_description", "required")) << Dump(errors);
  EXPECT_EQ(errors.size(), 1u) << Dump(errors);
  a.technology_description = "Design files sent by e-mail and on-site training";
  EXPECT_TRUE(ValidateForSubmit(a).empty()) << Dump(ValidateForSubmit(a));
  a.goods.clear();  // goods lines optional for technology
  EXPECT_TRUE(ValidateForSubmit(a).empty());
  // A quantity given is still checked.
  tech.quantity = -1;
  a.goods = {tech};
  errors = ValidateForSubmit(a);
  EXPECT_TRUE(HasError(errors, "goods[0].quantity", "greater than 0")) << Dump(errors);
  EXPECT_TRUE(HasError(errors, "goods[0].unit", "required"));
  a.parties.clear();
  EXPECT_TRUE(HasError(ValidateForSubmit(a), "parties", "recipient"));
}

TEST(ApplicationSubmit, CatchAllExplanationWhenTrue) {
  Application a = Parse(ValidIndividualJson());
  a.catch_all.aware_wmd = true;
  auto errors = ValidateForSubmit(a);
  ASSERT_EQ(errors.size(), 1u) << Dump(errors);
  EXPECT_EQ(errors[0].path, "catch_all.aware_wmd_details");
  a.catch_all.aware_wmd_details = "The buyer asked about uranium enrichment.";
  EXPECT_TRUE(ValidateForSubmit(a).empty());
  a.catch_all.informed_wmd = true;
  a.catch_all.informed_wmd_details = "  ";
  EXPECT_TRUE(HasError(ValidateForSubmit(a), "catch_all.informed_wmd_details"));
}

TEST(ApplicationSubmit, DocumentRulesUseLimits) {
  Application a = Parse(ValidIndividualJson());
  a.documents[0].size_bytes = 5000;
  DocumentLimits small{{"application/pdf"}, 4096};
  auto errors = ValidateForSubmit(a, small);
  EXPECT_TRUE(HasError(errors, "documents[0].size_bytes", "max_size_bytes limit of 4096")) << Dump(errors);
  EXPECT_EQ(errors.size(), 1u);
  a.documents[0].media_type = "image/png";
  errors = ValidateForSubmit(a, small);
  EXPECT_TRUE(HasError(errors, "documents[0].media_type", "not allowed")) << Dump(errors);
  a.documents[0].id = "";
  a.documents[0].sha256 = "xyz";  // built in code, bypassing the parser
  errors = ValidateForSubmit(a);
  EXPECT_TRUE(HasError(errors, "documents[0].id", "required")) << Dump(errors);
  EXPECT_TRUE(HasError(errors, "documents[0].sha256", "64 hexadecimal"));
}

TEST(ApplicationSubmit, ErrorsToJson) {
  std::vector<FieldError> errors = {{"goods[1].quantity", "must be greater than 0"}};
  EXPECT_EQ(ToJson(errors),
            json::parse(R"([{"path":"goods[1].quantity","message":"must be greater than 0"}])"));
}

}  // namespace
}  // namespace stm::licensing
