#include "common/status.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

namespace stm {
namespace {

constexpr ErrorCode kAllCodes[] = {
    ErrorCode::kOk,
    ErrorCode::kInvalidArgument,
    ErrorCode::kUnauthenticated,
    ErrorCode::kPermissionDenied,
    ErrorCode::kNotFound,
    ErrorCode::kAlreadyExists,
    ErrorCode::kConflict,
    ErrorCode::kFailedPrecondition,
    ErrorCode::kPayloadTooLarge,
    ErrorCode::kTooManyRequests,
    ErrorCode::kUnavailable,
    ErrorCode::kDataLoss,
    ErrorCode::kInternal,
};

TEST(StatusTest, DefaultIsOkWithEmptyMessage) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kOk);
  EXPECT_EQ(s.message(), "");
  EXPECT_EQ(s.ToString(), "OK");
  EXPECT_TRUE(Status::Ok().ok());
}

TEST(StatusTest, FactoriesSetCodeAndMessage) {
  struct Case {
    Status status;
    ErrorCode code;
  };
  const std::vector<Case> cases = {
      {Status::InvalidArgument("m"), ErrorCode::kInvalidArgument},
      {Status::Unauthenticated("m"), ErrorCode::kUnauthenticated},
      {Status::PermissionDenied("m"), ErrorCode::kPermissionDenied},
      {Status::NotFound("m"), ErrorCode::kNotFound},
      {Status::AlreadyExists("m"), ErrorCode::kAlreadyExists},
      {Status::Conflict("m"), ErrorCode::kConflict},
      {Status::FailedPrecondition("m"), ErrorCode::kFailedPrecondition},
      {Status::PayloadTooLarge("m"), ErrorCode::kPayloadTooLarge},
      {Status::TooManyRequests("m"), ErrorCode::kTooManyRequests},
      {Status::Unavailable("m"), ErrorCode::kUnavailable},
      {Status::DataLoss("m"), ErrorCode::kDataLoss},
      {Status::Internal("m"), ErrorCode::kInternal},
  };
  for (const auto& c : cases) {
    EXPECT_FALSE(c.status.ok()) << ErrorCodeName(c.code);
    EXPECT_EQ(c.status.code(), c.code);
    EXPECT_EQ(c.status.message(), "m");
  }
}

TEST(StatusTest, ErrorCodeNamesAreDistinctAndStable) {
  std::set<std::string_view> names;
  for (ErrorCode c : kAllCodes) {
    std::string_view name = ErrorCodeName(c);
    EXPECT_NE(name, "unknown");
    EXPECT_FALSE(name.empty());
    names.insert(name);
  }
  EXPECT_EQ(names.size(), std::size(kAllCodes));
  // These names appear in problem+json "type" URNs, so they are part of the API.
  EXPECT_EQ(ErrorCodeName(ErrorCode::kOk), "ok");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kNotFound), "not-found");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kAlreadyExists), "already-exists");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kFailedPrecondition), "failed-precondition");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kTooManyRequests), "too-many-requests");
}

TEST(StatusTest, ToStringHasCodeNameAndMessage) {
  EXPECT_EQ(Status::NotFound("user 3 not found").ToString(), "not-found: user 3 not found");
  EXPECT_EQ(Status::Internal("boom").ToString(), "internal: boom");
}

TEST(StatusTest, WithContextPrefixesMessageAndKeepsCode) {
  Status s = Status::NotFound("no such file").WithContext("loading config");
  EXPECT_EQ(s.code(), ErrorCode::kNotFound);
  EXPECT_EQ(s.message(), "loading config: no such file");

  Status nested = s.WithContext("starting server");
  EXPECT_EQ(nested.code(), ErrorCode::kNotFound);
  EXPECT_EQ(nested.message(), "starting server: loading config: no such file");
}

TEST(StatusTest, WithContextDoesNotModifyOriginal) {
  Status original = Status::Conflict("stale");
  Status wrapped = original.WithContext("ctx");
  EXPECT_EQ(original.message(), "stale");
  EXPECT_EQ(wrapped.message(), "ctx: stale");
}

TEST(StatusTest, WithContextOnOkStaysOkWithoutMessage) {
  Status s = Status::Ok().WithContext("loading config");
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.message(), "");
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(ResultTest, HoldsValue) {
  Result<int> r = 42;
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), 42);
  EXPECT_EQ(*r, 42);
  EXPECT_TRUE(r.status().ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kOk);
}

TEST(ResultTest, HoldsError) {
  Result<int> r = Status::NotFound("nope");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(r.status().message(), "nope");
}

TEST(ResultTest, ArrowAndMutableValue) {
  Result<std::string> r = std::string("abc");
  EXPECT_EQ(r->size(), 3u);
  r.value() += "d";
  *r += "e";
  EXPECT_EQ(r.value(), "abcde");
  const Result<std::string>& cr = r;
  EXPECT_EQ(cr->size(), 5u);
  EXPECT_EQ(*cr, "abcde");
}

TEST(ResultTest, MoveOnlyValueCanBeMovedOut) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  ASSERT_TRUE(r.ok());
  std::unique_ptr<int> p = std::move(r).value();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 7);
}

TEST(ResultTest, OptionalValueThatIsEmptyIsStillOk) {
  Result<std::optional<int>> r = std::optional<int>();
  EXPECT_TRUE(r.ok());
  EXPECT_FALSE(r->has_value());
}

#ifndef NDEBUG
TEST(ResultDeathTest, ConstructingFromOkStatusAsserts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        Result<int> r(Status::Ok());
        (void)r;
      },
      "OK status");
}
#endif

// ---- macros ----------------------------------------------------------------------------------------

Result<int> ParsePositive(int v) {
  if (v <= 0) return Status::InvalidArgument("not positive");
  return v;
}

Result<std::unique_ptr<int>> MakeBox(int v) {
  if (v < 0) return Status::InvalidArgument("negative box");
  return std::make_unique<int>(v);
}

// Doubles via STM_ASSIGN_OR_RETURN; `reached` records whether the code after the macro ran.
Result<int> Double(int v, bool* reached) {
  STM_ASSIGN_OR_RETURN(int x, ParsePositive(v));
  *reached = true;
  return x * 2;
}

// Two uses in one function must not clash (the temporaries are named by line).
Result<int> SumOfTwo(int a, int b) {
  STM_ASSIGN_OR_RETURN(int x, ParsePositive(a));
  STM_ASSIGN_OR_RETURN(int y, ParsePositive(b));
  return x + y;
}

// Assigning to an existing variable, in a function returning Status.
Status StoreInto(int v, int* out) {
  int tmp = -1;
  STM_ASSIGN_OR_RETURN(tmp, ParsePositive(v));
  *out = tmp;
  return Status::Ok();
}

Result<int> Unbox(int v) {
  STM_ASSIGN_OR_RETURN(std::unique_ptr<int> box, MakeBox(v));
  return *box + 1;
}

TEST(StatusMacrosTest, AssignOrReturnAssignsOnSuccess) {
  bool reached = false;
  Result<int> r = Double(21, &reached);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, 42);
  EXPECT_TRUE(reached);
}

TEST(StatusMacrosTest, AssignOrReturnReturnsErrorEarly) {
  bool reached = false;
  Result<int> r = Double(-1, &reached);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "not positive");
  EXPECT_FALSE(reached);
}

TEST(StatusMacrosTest, AssignOrReturnTwiceInOneFunction) {
  EXPECT_EQ(*SumOfTwo(2, 3), 5);
  EXPECT_FALSE(SumOfTwo(2, 0).ok());
  EXPECT_FALSE(SumOfTwo(0, 2).ok());
}

TEST(StatusMacrosTest, AssignOrReturnIntoExistingVariableInStatusFunction) {
  int out = 0;
  EXPECT_TRUE(StoreInto(5, &out).ok());
  EXPECT_EQ(out, 5);
  out = 99;
  Status s = StoreInto(0, &out);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(out, 99);
}

TEST(StatusMacrosTest, AssignOrReturnMovesMoveOnlyValues) {
  Result<int> ok = Unbox(4);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 5);
  Result<int> bad = Unbox(-4);
  EXPECT_EQ(bad.status().message(), "negative box");
}

Status Step(int* calls, Status result) {
  ++*calls;
  return result;
}

Status TwoSteps(int* calls, Status first, Status second, bool* finished) {
  STM_RETURN_IF_ERROR(Step(calls, std::move(first)));
  STM_RETURN_IF_ERROR(Step(calls, std::move(second)));
  *finished = true;
  return Status::Ok();
}

Result<int> ResultFromReturnIfError(Status s) {
  STM_RETURN_IF_ERROR(s.WithContext("step"));
  return 1;
}

TEST(StatusMacrosTest, ReturnIfErrorPassesThroughOk) {
  int calls = 0;
  bool finished = false;
  EXPECT_TRUE(TwoSteps(&calls, Status::Ok(), Status::Ok(), &finished).ok());
  EXPECT_EQ(calls, 2);
  EXPECT_TRUE(finished);
}

TEST(StatusMacrosTest, ReturnIfErrorStopsAtFirstErrorAndEvaluatesOnce) {
  int calls = 0;
  bool finished = false;
  Status s = TwoSteps(&calls, Status::Conflict("first"), Status::Internal("second"), &finished);
  EXPECT_EQ(s.code(), ErrorCode::kConflict);
  EXPECT_EQ(s.message(), "first");
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(finished);

  calls = 0;
  s = TwoSteps(&calls, Status::Ok(), Status::Internal("second"), &finished);
  EXPECT_EQ(s.code(), ErrorCode::kInternal);
  EXPECT_EQ(calls, 2);
  EXPECT_FALSE(finished);
}

TEST(StatusMacrosTest, ReturnIfErrorInResultFunctionConvertsStatus) {
  Result<int> ok = ResultFromReturnIfError(Status::Ok());
  EXPECT_EQ(*ok, 1);
  Result<int> bad = ResultFromReturnIfError(Status::Unavailable("db down"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(bad.status().message(), "step: db down");
}

TEST(StatusMacrosTest, ReturnIfErrorWorksAsSingleStatementInIfElse) {
  // The do/while(false) wrapper must make the macro one statement.
  auto f = [](bool fail) -> Status {
    if (fail)
      STM_RETURN_IF_ERROR(Status::Internal("x"));
    else
      return Status::NotFound("else branch");
    return Status::Ok();
  };
  EXPECT_EQ(f(true).code(), ErrorCode::kInternal);
  EXPECT_EQ(f(false).code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace stm
