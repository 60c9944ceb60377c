#include "http/router.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace stm::http {
namespace {

using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

// A handler that answers with its own name, so tests can tell which route matched.
Handler Named(std::string name) {
  return [name](Request&) { return Response::Json(200, {{"route", name}}); };
}

std::string Call(const Router::Match& m, Request& req) {
  if (!m.handler) return "<none>";
  Response r = (*m.handler)(req);
  return nlohmann::json::parse(r.body)["route"].get<std::string>();
}

Request Req(Method method, std::string path) {
  Request r;
  r.method = method;
  r.path = std::move(path);
  return r;
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add(Method::kGet, "/v1/users", Named("list-users"));
    router_.Add(Method::kPost, "/v1/users", Named("create-user"));
    router_.Add(Method::kGet, "/v1/users/{id}", Named("get-user"));
    router_.Add(Method::kDelete, "/v1/users/{id}", Named("delete-user"));
    router_.Add(Method::kPost, "/v1/api-keys/{id}/revoke", Named("revoke-key"));
    router_.Add(Method::kGet, "/v1/orgs/{org}/users/{user}", Named("org-user"));
    router_.Add(Method::kGet, "/healthz", Named("healthz"));
  }
  Router router_;
};

TEST_F(RouterTest, MatchesLiteralPath) {
  Request req = Req(Method::kGet, "/v1/users");
  auto m = router_.Find(req);
  EXPECT_EQ(Call(m, req), "list-users");
  EXPECT_TRUE(req.path_params.empty());
}

TEST_F(RouterTest, MethodSelectsRouteOnSamePath) {
  Request req = Req(Method::kPost, "/v1/users");
  auto m = router_.Find(req);
  EXPECT_EQ(Call(m, req), "create-user");
  Request del = Req(Method::kDelete, "/v1/users/3");
  auto md = router_.Find(del);
  EXPECT_EQ(Call(md, del), "delete-user");
}

TEST_F(RouterTest, ExtractsPathParameters) {
  Request req = Req(Method::kGet, "/v1/users/42");
  auto m = router_.Find(req);
  EXPECT_EQ(Call(m, req), "get-user");
  EXPECT_EQ(req.PathParam("id"), "42");
  EXPECT_EQ(req.PathParam("missing"), "");
  EXPECT_EQ(req.path_params.size(), 1u);
}

TEST_F(RouterTest, ExtractsSeveralParametersAndParamFollowedByLiteral) {
  Request req = Req(Method::kGet, "/v1/orgs/7/users/bob");
  auto m = router_.Find(req);
  EXPECT_EQ(Call(m, req), "org-user");
  EXPECT_EQ(req.PathParam("org"), "7");
  EXPECT_EQ(req.PathParam("user"), "bob");

  Request rev = Req(Method::kPost, "/v1/api-keys/9/revoke");
  auto mr = router_.Find(rev);
  EXPECT_EQ(Call(mr, rev), "revoke-key");
  EXPECT_EQ(rev.PathParam("id"), "9");
}

TEST_F(RouterTest, ParamMatchesExactlyOneSegment) {
  for (const char* path :
       {"/v1/users/1/2", "/v1/api-keys/9", "/v1/api-keys/9/revoke/now", "/v1/orgs/7/users"}) {
    Request req = Req(Method::kGet, path);
    auto m = router_.Find(req);
    EXPECT_EQ(m.handler, nullptr) << path;
    EXPECT_FALSE(m.path_known) << path;
  }
}

TEST_F(RouterTest, LiteralSegmentsMustMatchExactly) {
  for (const char* path :
       {"/v1/api-keys/9/delete", "/v2/users", "/v1/Users", "/v1/userss", "/healthz2", "/"}) {
    Request req = Req(Method::kPost, path);
    auto m = router_.Find(req);
    EXPECT_EQ(m.handler, nullptr) << path;
    EXPECT_FALSE(m.path_known) << path;
    EXPECT_THAT(m.allowed, IsEmpty()) << path;
  }
}

TEST_F(RouterTest, LiteralRouteRegisteredFirstWinsOverParam) {
  Router router;
  router.Add(Method::kGet, "/v1/users/me", Named("me"));
  router.Add(Method::kGet, "/v1/users/{id}", Named("by-id"));
  Request me = Req(Method::kGet, "/v1/users/me");
  EXPECT_EQ(Call(router.Find(me), me), "me");
  EXPECT_TRUE(me.path_params.empty());
  Request other = Req(Method::kGet, "/v1/users/12");
  EXPECT_EQ(Call(router.Find(other), other), "by-id");
  EXPECT_EQ(other.PathParam("id"), "12");
}

TEST_F(RouterTest, LiteralRouteWinsOverParamWhateverTheOrder) {
  Router router;
  router.Add(Method::kGet, "/v1/users/{id}", Named("by-id"));
  router.Add(Method::kGet, "/v1/users/me", Named("me"));
  Request other = Req(Method::kGet, "/v1/users/12");
  EXPECT_EQ(Call(router.Find(other), other), "by-id");
  Request me = Req(Method::kGet, "/v1/users/me");
  // Regression: Router::Find once returned the first route in registration order, so a literal route
  // added after an overlapping parameter route was unreachable ("/v1/users/me" went to {id}="me").
  EXPECT_EQ(Call(router.Find(me), me), "me");
}

TEST_F(RouterTest, UnknownPathIsNotFound) {
  Request req = Req(Method::kGet, "/nope");
  auto m = router_.Find(req);
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_FALSE(m.path_known);
  EXPECT_THAT(m.allowed, IsEmpty());
}

TEST_F(RouterTest, KnownPathWithOtherMethodReportsAllowed) {
  Request req = Req(Method::kPut, "/v1/users");
  auto m = router_.Find(req);
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_TRUE(m.path_known);
  EXPECT_THAT(m.allowed, UnorderedElementsAre("GET", "POST"));

  Request item = Req(Method::kPatch, "/v1/users/5");
  auto mi = router_.Find(item);
  EXPECT_EQ(mi.handler, nullptr);
  EXPECT_TRUE(mi.path_known);
  EXPECT_THAT(mi.allowed, UnorderedElementsAre("GET", "DELETE"));

  Request rev = Req(Method::kGet, "/v1/api-keys/1/revoke");
  auto mr = router_.Find(rev);
  EXPECT_EQ(mr.handler, nullptr);
  EXPECT_TRUE(mr.path_known);
  EXPECT_THAT(mr.allowed, UnorderedElementsAre("POST"));
}

TEST_F(RouterTest, HeadMatchesGetRoute) {
  Request req = Req(Method::kHead, "/v1/users/8");
  auto m = router_.Find(req);
  EXPECT_EQ(Call(m, req), "get-user");
  EXPECT_EQ(req.PathParam("id"), "8");
  Request list = Req(Method::kHead, "/v1/users");
  EXPECT_EQ(Call(router_.Find(list), list), "list-users");
}

TEST_F(RouterTest, HeadOnPostOnlyPathIsMethodNotAllowed) {
  Request req = Req(Method::kHead, "/v1/api-keys/1/revoke");
  auto m = router_.Find(req);
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_TRUE(m.path_known);
  EXPECT_THAT(m.allowed, UnorderedElementsAre("POST"));
}

TEST_F(RouterTest, FindReplacesStaleParams) {
  Request req = Req(Method::kGet, "/v1/users/1");
  req.path_params["stale"] = "x";
  auto m = router_.Find(req);
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(req.path_params.count("stale"), 0u);
  EXPECT_EQ(req.PathParam("id"), "1");
}

TEST_F(RouterTest, EmptyRouterMatchesNothing) {
  Router router;
  Request req = Req(Method::kGet, "/");
  auto m = router.Find(req);
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_FALSE(m.path_known);
}

TEST_F(RouterTest, RootRoute) {
  Router router;
  router.Add(Method::kGet, "/", Named("root"));
  Request req = Req(Method::kGet, "/");
  EXPECT_EQ(Call(router.Find(req), req), "root");
  Request other = Req(Method::kGet, "/x");
  EXPECT_EQ(router.Find(other).handler, nullptr);
}

}  // namespace
}  // namespace stm::http
