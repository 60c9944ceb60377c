#include "http/message.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace stm::http {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Pair;

// ---- PercentDecode -------------------------------------------------------------------------------------

TEST(PercentDecodeTest, DecodesEscapes) {
  std::string out;
  EXPECT_TRUE(PercentDecode("a%20b%2Fc%2fd", &out, false));
  EXPECT_EQ(out, "a b/c/d");
  EXPECT_TRUE(PercentDecode("%41%62%7E", &out, false));
  EXPECT_EQ(out, "Ab~");
  EXPECT_TRUE(PercentDecode("%C3%A9", &out, false));
  EXPECT_EQ(out, "\xC3\xA9");
  EXPECT_TRUE(PercentDecode("", &out, false));
  EXPECT_EQ(out, "");
}

TEST(PercentDecodeTest, EscapeAtVeryEnd) {
  std::string out;
  EXPECT_TRUE(PercentDecode("x%41", &out, false));
  EXPECT_EQ(out, "xA");
  EXPECT_TRUE(PercentDecode("%41", &out, false));
  EXPECT_EQ(out, "A");
}

TEST(PercentDecodeTest, DecodesNulByte) {
  std::string out;
  EXPECT_TRUE(PercentDecode("a%00b", &out, false));
  EXPECT_EQ(out, std::string("a\0b", 3));
}

TEST(PercentDecodeTest, PlusIsSpaceOnlyWhenAsked) {
  std::string out;
  EXPECT_TRUE(PercentDecode("a+b", &out, true));
  EXPECT_EQ(out, "a b");
  EXPECT_TRUE(PercentDecode("a+b", &out, false));
  EXPECT_EQ(out, "a+b");
  // An encoded plus is a literal plus either way.
  EXPECT_TRUE(PercentDecode("a%2Bb", &out, true));
  EXPECT_EQ(out, "a+b");
}

TEST(PercentDecodeTest, MalformedEscapesAreKeptLiterallyAndReported) {
  struct Case {
    const char* in;
    const char* out;
  };
  for (const Case& c :
       {Case{"%", "%"}, Case{"%4", "%4"}, Case{"a%", "a%"}, Case{"%zz", "%zz"}, Case{"%g1x", "%g1x"},
        Case{"%4g", "%4g"}, Case{"100%", "100%"}, Case{"%%41", "%A"}, Case{"ok%2", "ok%2"}}) {
    std::string out;
    EXPECT_FALSE(PercentDecode(c.in, &out, false)) << c.in;
    EXPECT_EQ(out, c.out) << c.in;
  }
}

TEST(PercentDecodeTest, ClearsOutputFirst) {
  std::string out = "leftover";
  EXPECT_TRUE(PercentDecode("x", &out, false));
  EXPECT_EQ(out, "x");
}

// ---- ParseQuery ----------------------------------------------------------------------------------------

TEST(ParseQueryTest, SplitsAndDecodesInOrder) {
  EXPECT_THAT(ParseQuery("a=1&b=x%20y&a=2"), ElementsAre(Pair("a", "1"), Pair("b", "x y"), Pair("a", "2")));
}

TEST(ParseQueryTest, PlusIsSpaceInKeysAndValues) {
  EXPECT_THAT(ParseQuery("full+name=Ada+Lovelace&q=1%2B1"),
              ElementsAre(Pair("full name", "Ada Lovelace"), Pair("q", "1+1")));
}

TEST(ParseQueryTest, KeyWithoutValueAndEmptyValue) {
  EXPECT_THAT(ParseQuery("flag&x=&y=1"), ElementsAre(Pair("flag", ""), Pair("x", ""), Pair("y", "1")));
}

TEST(ParseQueryTest, SkipsEmptyParts) {
  EXPECT_THAT(ParseQuery("&&a=1&&b=2&"), ElementsAre(Pair("a", "1"), Pair("b", "2")));
  EXPECT_THAT(ParseQuery(""), IsEmpty());
  EXPECT_THAT(ParseQuery("&"), IsEmpty());
}

TEST(ParseQueryTest, OnlyFirstEqualsSplits) {
  EXPECT_THAT(ParseQuery("expr=a=b&k==v"), ElementsAre(Pair("expr", "a=b"), Pair("k", "=v")));
}

TEST(ParseQueryTest, EncodedSeparatorsAreData) {
  EXPECT_THAT(ParseQuery("a=x%26y%3Dz"), ElementsAre(Pair("a", "x&y=z")));
}

TEST(ParseQueryTest, MalformedEscapesAreKeptLiterally) {
  EXPECT_THAT(ParseQuery("q=100%&r=%zz&s=%4"),
              ElementsAre(Pair("q", "100%"), Pair("r", "%zz"), Pair("s", "%4")));
}

// ---- Request helpers ------------------------------------------------------------------------------------

TEST(RequestTest, HeaderIsCaseInsensitiveAndFirstWins) {
  Request r;
  r.headers = {{"content-type", "application/json"}, {"x-thing", "1"}, {"x-thing", "2"}};
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
  EXPECT_EQ(r.Header("CONTENT-TYPE"), "application/json");
  EXPECT_EQ(r.Header("x-thing"), "1");
  EXPECT_EQ(r.Header("x-missing"), std::nullopt);
  EXPECT_EQ(r.Header("x-thin"), std::nullopt);
}

TEST(RequestTest, QueryParamFirstValueAndCaseSensitive) {
  Request r;
  r.query = {{"limit", "10"}, {"limit", "20"}, {"empty", ""}};
  EXPECT_EQ(r.QueryParam("limit"), "10");
  EXPECT_EQ(r.QueryParam("empty"), "");
  EXPECT_EQ(r.QueryParam("Limit"), std::nullopt);
  EXPECT_EQ(r.QueryParam("nope"), std::nullopt);
}

Request JsonRequest(std::string body, std::optional<std::string> content_type) {
  Request r;
  r.method = Method::kPost;
  r.body = std::move(body);
  if (content_type) r.headers.emplace_back("content-type", *content_type);
  return r;
}

TEST(RequestJsonBodyTest, ParsesObject) {
  auto r = JsonRequest(R"({"username": "alice", "n": 3})", "application/json");
  auto doc = r.JsonBody();
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  EXPECT_EQ((*doc)["username"], "alice");
  EXPECT_EQ((*doc)["n"], 3);
}

TEST(RequestJsonBodyTest, AcceptsJsonContentTypeWithParametersOrNoContentType) {
  EXPECT_TRUE(JsonRequest("{}", "application/json; charset=utf-8").JsonBody().ok());
  EXPECT_TRUE(JsonRequest("{}", std::nullopt).JsonBody().ok());
}

TEST(RequestJsonBodyTest, MediaTypeIsCaseInsensitive) {
  // RFC 9110 section 8.3.1: type and subtype names are case-insensitive.
  // Regression: Request::JsonBody once looked for a lower-case "json" substring only.
  auto doc = JsonRequest("{}", "Application/JSON").JsonBody();
  EXPECT_TRUE(doc.ok()) << doc.status().ToString();
}

TEST(RequestJsonBodyTest, WrongContentTypeIsInvalidArgument) {
  for (const char* ct :
       {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"}) {
    auto r = JsonRequest(R"({"a": 1})", std::string(ct));
    auto doc = r.JsonBody();
    ASSERT_FALSE(doc.ok()) << ct;
    EXPECT_EQ(doc.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_THAT(doc.status().message(), HasSubstr(ct));
  }
}

TEST(RequestJsonBodyTest, EmptyBodyIsInvalidArgument) {
  auto doc = JsonRequest("", "application/json").JsonBody();
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(doc.status().message(), HasSubstr("empty"));
}

TEST(RequestJsonBodyTest, NonJsonIsInvalidArgument) {
  for (const char* body : {"{", "not json", "{'a': 1}", "{\"a\": 1,}", "{\"a\": 1} trailing"}) {
    auto doc = JsonRequest(body, "application/json").JsonBody();
    ASSERT_FALSE(doc.ok()) << body;
    EXPECT_EQ(doc.status().code(), ErrorCode::kInvalidArgument) << body;
    EXPECT_THAT(doc.status().message(), HasSubstr("not valid JSON")) << body;
  }
}

TEST(RequestJsonBodyTest, NonObjectIsInvalidArgument) {
  for (const char* body : {"[1, 2]", "\"text\"", "42", "null", "true"}) {
    auto doc = JsonRequest(body, "application/json").JsonBody();
    ASSERT_FALSE(doc.ok()) << body;
    EXPECT_EQ(doc.status().code(), ErrorCode::kInvalidArgument) << body;
    EXPECT_THAT(doc.status().message(), HasSubstr("JSON object")) << body;
  }
}

// ---- Responses and problems ----------------------------------------------------------------------------

TEST(ResponseTest, JsonAndNoContent) {
  Response r = Response::Json(201, {{"id", 5}});
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(nlohmann::json::parse(r.body), nlohmann::json({{"id", 5}}));

  Response n = Response::NoContent();
  EXPECT_EQ(n.status, 204);
  EXPECT_TRUE(n.body.empty());
  EXPECT_TRUE(n.content_type.empty());
}

TEST(ResponseTest, JsonReplacesInvalidUtf8InsteadOfThrowing) {
  Response r;
  EXPECT_NO_THROW(r = Response::Json(200, {{"s", std::string("bad \xff byte")}}));
  EXPECT_TRUE(nlohmann::json::accept(r.body));
}

TEST(MethodNameTest, Names) {
  EXPECT_EQ(MethodName(Method::kGet), "GET");
  EXPECT_EQ(MethodName(Method::kHead), "HEAD");
  EXPECT_EQ(MethodName(Method::kPost), "POST");
  EXPECT_EQ(MethodName(Method::kPut), "PUT");
  EXPECT_EQ(MethodName(Method::kPatch), "PATCH");
  EXPECT_EQ(MethodName(Method::kDelete), "DELETE");
  EXPECT_EQ(MethodName(Method::kOptions), "OPTIONS");
}

TEST(HttpStatusForTest, MapsEveryCode) {
  EXPECT_EQ(HttpStatusFor(ErrorCode::kOk), 200);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kConflict), 409);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kFailedPrecondition), 409);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kPayloadTooLarge), 413);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kTooManyRequests), 429);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kDataLoss), 500);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kInternal), 500);
}

nlohmann::json ProblemBody(const Response& r) {
  auto doc = nlohmann::json::parse(r.body, nullptr, false);
  EXPECT_FALSE(doc.is_discarded()) << r.body;
  return doc;
}

TEST(ProblemTest, ClientErrorCarriesAllFields) {
  Response r = Problem(Status::NotFound("user 12 not found"), "req-123");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.content_type, "application/problem+json");
  auto body = ProblemBody(r);
  EXPECT_EQ(body["type"], "urn:stm:problem:not-found");
  EXPECT_EQ(body["title"], "Not found");
  EXPECT_EQ(body["status"], 404);
  EXPECT_EQ(body["detail"], "user 12 not found");
  EXPECT_EQ(body["request_id"], "req-123");
  EXPECT_EQ(body.size(), 5u);
}

TEST(ProblemTest, StatusFieldMatchesResponseStatusForEveryCode) {
  for (ErrorCode c :
       {ErrorCode::kInvalidArgument, ErrorCode::kUnauthenticated, ErrorCode::kPermissionDenied,
        ErrorCode::kNotFound, ErrorCode::kAlreadyExists, ErrorCode::kConflict, ErrorCode::kFailedPrecondition,
        ErrorCode::kPayloadTooLarge, ErrorCode::kTooManyRequests, ErrorCode::kUnavailable,
        ErrorCode::kDataLoss, ErrorCode::kInternal}) {
    Response r = Problem(Status(c, "m"), "rid");
    auto body = ProblemBody(r);
    EXPECT_EQ(r.status, HttpStatusFor(c));
    EXPECT_EQ(body["status"], r.status);
    EXPECT_EQ(body["type"], "urn:stm:problem:" + std::string(ErrorCodeName(c)));
    EXPECT_TRUE(body["title"].is_string());
    EXPECT_FALSE(body["title"].get<std::string>().empty());
    EXPECT_EQ(body["request_id"], "rid");
    EXPECT_EQ(r.content_type, "application/problem+json");
  }
}

TEST(ProblemTest, ServerErrorsHideInternalDetail) {
  for (ErrorCode c : {ErrorCode::kInternal, ErrorCode::kDataLoss}) {
    Response r = Problem(Status(c, "SELECT password_hash FROM users failed: disk I/O error"), "req-9");
    EXPECT_EQ(r.status, 500);
    auto body = ProblemBody(r);
    EXPECT_THAT(body["detail"].get<std::string>(), Not(HasSubstr("password_hash")));
    EXPECT_THAT(r.body, Not(HasSubstr("disk I/O")));
    EXPECT_THAT(body["detail"].get<std::string>(), HasSubstr("request id"));
    EXPECT_EQ(body["request_id"], "req-9");
  }
}

TEST(ProblemTest, UnavailableKeepsItsMessage) {
  Response r = Problem(Status::Unavailable("server is shutting down"), "r");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(ProblemBody(r)["detail"], "server is shutting down");
}

TEST(ProblemTest, UnauthenticatedAddsWwwAuthenticate) {
  Response r = Problem(Status::Unauthenticated("token is not valid"), "r");
  EXPECT_EQ(r.status, 401);
  EXPECT_THAT(r.headers, ::testing::Contains(Pair("WWW-Authenticate", "Bearer")));
  Response f = Problem(Status::PermissionDenied("no"), "r");
  EXPECT_THAT(f.headers, IsEmpty());
}

TEST(ProblemTest, DetailIsEscapedJson) {
  Response r = Problem(Status::InvalidArgument("bad \"quote\" and \\ and \n newline"), "id\"x");
  auto body = ProblemBody(r);
  EXPECT_EQ(body["detail"], "bad \"quote\" and \\ and \n newline");
  EXPECT_EQ(body["request_id"], "id\"x");
}

TEST(ProblemTest, ExtensionMembersAndStatusOverride) {
  nlohmann::json errors = {{{"path", "parties"}, {"message", "required"}}};
  Response r = Problem(Status::InvalidArgument("2 field errors"), "req-1",
                       {{"errors", errors}, {"status", 999}, {"type", "x"}}, 422);
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.content_type, "application/problem+json");
  auto body = ProblemBody(r);
  EXPECT_EQ(body["errors"], errors);
  EXPECT_EQ(body["status"], 422);  // extensions never replace the standard members
  EXPECT_EQ(body["type"], "urn:stm:problem:invalid-argument");
}

}  // namespace
}  // namespace stm::http
